"""Large batches are validated and merged on a worker so that the upload request returns at once.

Both tasks may run twice (a worker lost mid-task hands the message to another): validation gives the
same errors and flags again, and a merge that already happened is not tried a second time."""
import uuid

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils.translation import gettext as _

from casework.errors import InvalidInput, NotAllowed
from imports import services
from imports.models import ImportBatch


def _batch(batch_id):
    try:
        return ImportBatch.objects.filter(pk=uuid.UUID(str(batch_id))).first()
    except ValueError:
        return None


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def validate_batch_task(batch_id):
    batch = _batch(batch_id)
    if batch is None:
        return {"error": f"There is no import batch {batch_id!r}; nothing was validated."}
    if batch.status not in services.OPEN:
        return {"status": batch.status}
    return {"status": "validated", "rows": services.validate_batch(batch.pk)}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def merge_batch_task(batch_id, actor_id):
    batch = _batch(batch_id)
    if batch is None:
        return {"error": f"There is no import batch {batch_id!r}; nothing was merged."}
    if batch.status == ImportBatch.Status.MERGED:
        return {"status": batch.status}
    actor = get_user_model().objects.filter(pk=actor_id).first() if str(actor_id).isdigit() else None
    if actor is None:
        message = _("The user who asked for this merge no longer exists; nothing was merged. Merge again.")
        ImportBatch.objects.filter(pk=batch.pk).update(error=message)
        return {"error": message}
    try:
        services.merge(actor=actor, batch=batch)
    except (InvalidInput, NotAllowed) as error:
        message = error.message if isinstance(error, NotAllowed) else services._flatten(error.errors)
        ImportBatch.objects.filter(pk=batch.pk).update(error=message[:2000])
        return {"error": message}
    return {"status": ImportBatch.Status.MERGED}
