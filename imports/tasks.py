"""Large batches are validated and merged on a worker so that the upload request returns at once."""
from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from casework.errors import InvalidInput, NotAllowed
from imports import services
from imports.models import ImportBatch


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def validate_batch_task(batch_id):
    return services.validate_batch(batch_id)


@shared_task
def merge_batch_task(batch_id, actor_id):
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        services.merge(actor=actor, batch=ImportBatch.objects.get(pk=batch_id))
    except (InvalidInput, NotAllowed) as error:
        message = error.message if isinstance(error, NotAllowed) else services._flatten(error.errors)
        ImportBatch.objects.filter(pk=batch_id).update(error=message[:2000])
