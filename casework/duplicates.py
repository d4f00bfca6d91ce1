"""The duplicate review: the nightly scan that fills the queue, and the supervisor's decisions on it.

A merge moves everything that points at one record (cases, referrals, consents, assistance, anything
added later with a foreign key to Individual) to the other, then removes the first; it keeps the
removed row and the list of moved rows, so that undoing it puts both records back as they were.
"""
from django.db import IntegrityError, transaction
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit, dedupe
from casework.codes import Role
from casework.errors import InvalidInput, NotAllowed
from casework.signals import person_records_moved, person_records_moving
from casework.models import (
    AuditEvent, DuplicateScan, Household, Individual, Merge, SuspectedDuplicate,
)

SCAN_CHUNK = 500


# --- the scan -----------------------------------------------------------------------------------------

def record_suspicion(individual, candidate):
    """Queue a pair once; a pair already decided ("not the same", merged) is never proposed again."""
    first_id, second_id = SuspectedDuplicate.ordered(individual.pk, candidate.individual.pk)
    reasons = [{"code": reason.code, "label": reason.label} for reason in candidate.reasons]
    suspicion, created = SuspectedDuplicate.objects.get_or_create(
        first_id=first_id, second_id=second_id,
        defaults={"organisation_id": individual.household.organisation_id, "score": candidate.score,
                  "reasons": reasons},
    )
    if not created and suspicion.status == SuspectedDuplicate.Status.OPEN and suspicion.score != candidate.score:
        SuspectedDuplicate.objects.filter(pk=suspicion.pk).update(score=candidate.score, reasons=reasons)
    return created


def scan_registry(*, now=None):
    """Check every person changed since the last scan against their organisation's registry.

    Chunks commit one by one and move the mark forward: a worker that dies resumes where the last chunk
    ended, and since a pair is queued once, checking a record twice changes nothing."""
    now = now or timezone.now()
    state, _created = DuplicateScan.objects.get_or_create(name="registry")
    since = state.scanned_until
    checked = queued = 0
    while True:
        changed = Individual.objects.filter(updated_at__lte=now, anonymised_at__isnull=True)
        if since is not None:
            changed = changed.filter(updated_at__gte=since)
        chunk = list(changed.select_related("household").order_by("updated_at", "id")[checked:checked + SCAN_CHUNK])
        if not chunk:
            break
        with transaction.atomic():
            for individual in chunk:
                person = dedupe.Person.from_individual(individual, individual.household.phone)
                organisation = individual.household.organisation_id
                rows = [row for row in dedupe.candidate_rows(person, exclude_ids=[individual.pk])
                        if row.household.organisation_id == organisation]
                for candidate in dedupe.rank(person, rows):
                    queued += record_suspicion(individual, candidate)
            checked += len(chunk)
            DuplicateScan.objects.filter(pk=state.pk).update(scanned_until=chunk[-1].updated_at)
    DuplicateScan.objects.filter(pk=state.pk).update(scanned_until=now, last_run_at=timezone.now(),
                                                    last_run_checked=checked)
    return {"checked": checked, "queued": queued}


# --- decisions ------------------------------------------------------------------------------------------

def _require_supervisor(actor):
    if actor.role not in {Role.SUPERVISOR, Role.ADMIN}:
        raise NotAllowed(_("Only a supervisor can resolve duplicates."))


def _open_suspicion(actor, suspicion):
    suspicion = SuspectedDuplicate.objects.visible_to(actor).select_for_update().get(pk=suspicion.pk)
    if suspicion.status != SuspectedDuplicate.Status.OPEN:
        raise NotAllowed(_("This pair was already resolved."))
    return suspicion


@transaction.atomic
def mark_not_same(*, actor, suspicion):
    _require_supervisor(actor)
    suspicion = _open_suspicion(actor, suspicion)
    suspicion.status = SuspectedDuplicate.Status.NOT_SAME
    suspicion.resolved_at, suspicion.resolved_by = timezone.now(), actor
    suspicion.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=suspicion,
                 changes={"status": {"before": "open", "after": "not_same"}})
    return suspicion


def _references():
    """Every foreign key to Individual in the project, found from the models so none is forgotten."""
    for relation in Individual._meta.related_objects:
        if isinstance(relation.field, ForeignKey) and relation.related_model is not Merge:
            yield relation.related_model, relation.field


def _row(individual):
    return {field.attname: None if field.value_from_object(individual) is None else field.value_to_string(individual)
            for field in Individual._meta.concrete_fields if not field.generated}


@transaction.atomic
def merge(*, actor, survivor, merged, suspicion=None):
    """Fold `merged` into `survivor`: one transaction, audited, undone by `unmerge`."""
    _require_supervisor(actor)
    if survivor.pk == merged.pk:
        raise InvalidInput({"survivor": [_("A record cannot be merged with itself.")]})
    visible = Individual.objects.visible_to(actor).select_for_update()
    survivor, merged = visible.get(pk=survivor.pk), visible.get(pk=merged.pk)
    if suspicion is not None:
        suspicion = _open_suspicion(actor, suspicion)
    person_ids = [survivor.pk, merged.pk]
    person_records_moving.send(sender=Merge, person_ids=person_ids)
    moved = {}
    try:
        with transaction.atomic():
            for model, field in _references():
                label = f"{model._meta.label_lower}.{field.name}"
                rows = model._base_manager.filter(**{field.attname: merged.pk})
                pks = [str(pk) for pk in rows.values_list("pk", flat=True)]
                if pks:
                    rows.update(**{field.attname: survivor.pk})
                    moved[label] = pks
    except IntegrityError as error:
        raise NotAllowed(_("These two records were served in the same activity, so they are two people "
                           "in one household; they cannot be merged.")) from error
    record = Merge.objects.create(
        organisation_id=actor.organisation_id, survivor=survivor, merged_id=merged.pk, merged_row=_row(merged),
        moved=moved, suspicion=suspicion, merged_by=actor,
    )
    person_records_moved.send(sender=Merge, person_ids=person_ids)
    audit.record(actor=actor, action=AuditEvent.Action.DELETE, instance=merged,
                 changes={"merged_into": str(survivor.pk), "merge": str(record.pk), "moved": moved})
    household = merged.household
    merged.delete()
    _refresh_search(household)
    _refresh_search(survivor.household)
    if suspicion is not None:
        suspicion.status = SuspectedDuplicate.Status.MERGED
        suspicion.resolved_at, suspicion.resolved_by = timezone.now(), actor
        suspicion.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=survivor,
                 changes={"merged_from": str(record.merged_id), "merge": str(record.pk)})
    return record


@transaction.atomic
def unmerge(*, actor, merge_record):
    """Put back the removed record and everything that pointed at it before the merge."""
    _require_supervisor(actor)
    record = Merge.objects.select_for_update().get(pk=merge_record.pk, organisation_id=actor.organisation_id)
    if record.undone_at is not None:
        raise NotAllowed(_("This merge was already undone."))
    restored = Individual()
    for field in Individual._meta.concrete_fields:
        if field.attname in record.merged_row:
            value = record.merged_row[field.attname]
            setattr(restored, field.attname, field.to_python(value) if value is not None else None)
    restored.refresh_search_text()
    restored.save(force_insert=True)
    person_ids = [record.survivor_id, restored.pk]
    person_records_moving.send(sender=Merge, person_ids=person_ids)
    references = {f"{model._meta.label_lower}.{field.name}": (model, field) for model, field in _references()}
    for label, pks in record.moved.items():
        model, field = references[label]
        model._base_manager.filter(pk__in=pks).update(**{field.attname: restored.pk})
    person_records_moved.send(sender=Merge, person_ids=person_ids)
    record.undone_at, record.undone_by = timezone.now(), actor
    record.save(update_fields=["undone_at", "undone_by"])
    if record.suspicion_id:
        SuspectedDuplicate.objects.filter(pk=record.suspicion_id).update(
            status=SuspectedDuplicate.Status.OPEN, resolved_at=None, resolved_by=None)
    _refresh_search(restored.household)
    _refresh_search(record.survivor.household)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, instance=restored,
                 changes={"unmerged_from": str(record.survivor_id), "merge": str(record.pk)})
    return restored


def _refresh_search(household):
    from casework.services import refresh_household_search

    refresh_household_search(Household.objects.get(pk=household.pk))
