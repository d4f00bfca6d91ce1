"""Imports: every batch is staged and validated with the registry's own rules, a supervisor fixes or
drops rows, and the merge registers all households in one transaction through casework.services."""
import hashlib
import json
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework import audit, bulk, normalise
from casework import services as registry
from casework.codes import Role
from casework.errors import InvalidInput, NotAllowed
from casework.models import AuditEvent
from imports import duplicates, parsing
from imports.models import ImportBatch, ImportSource, StagedRow

DATA = Path(__file__).resolve().parent / "data"
OPEN = (ImportBatch.Status.RECEIVED, ImportBatch.Status.VALIDATED, ImportBatch.Status.IN_REVIEW)
TRUE_WORDS = {"1", "true", "yes", "y", "si", "sí", "x"}


def default_mapping():
    return json.loads((DATA / "default_mapping.json").read_text())


# --- sources ---------------------------------------------------------------------------------------

def create_source(*, actor, name, kind, site, mapping=None):
    errors = {}
    if kind not in ImportSource.Kind.values:
        errors["kind"] = [_("Choose kobo or file.")]
    if not str(name or "").strip():
        errors["name"] = [_("This field is required.")]
    mapping = mapping or (default_mapping() if kind == ImportSource.Kind.KOBO else {})
    _check_mapping(mapping, errors)
    if errors:
        raise InvalidInput(errors)
    source = ImportSource.objects.create(organisation_id=actor.organisation_id, name=str(name).strip(), kind=kind,
                                         site=site, mapping=mapping, created_by=actor)
    audit.record_created(actor, source)
    return source


def update_source(*, actor, source, **changes):
    errors = {}
    if "mapping" in changes:
        _check_mapping(changes["mapping"], errors)
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(source)
    for name, value in changes.items():
        setattr(source, name, value)
    source.save()
    audit.record_updated(actor, source, before)
    return source


def _check_mapping(mapping, errors):
    if not mapping:
        return
    if not isinstance(mapping, dict) or not isinstance(mapping.get("household", {}), dict) or \
            not isinstance(mapping.get("member", {}), dict):
        errors["mapping"] = [_("The mapping has the keys “household”, “member” (question path → field) "
                               "and “members_group”.")]


# --- values as typed -> the registration service's values ----------------------------------------------

def _to_date(value):
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == text[7] == "-" and text.isascii():
        # How the template's dates arrive; strptime is a tenth of a large import's validation.
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text[:19] if "T" in text else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def prepare_member(raw):
    """A staged member's text values typed for casework.services.clean_member; type errors per field."""
    member, errors = {}, {}
    for name in ("relationship_to_head", "given_name", "family_name", "sex", "nationality", "document_type",
                 "document_number", "phone"):
        member[name] = str(raw.get(name) or "").strip()
    if member["sex"]:
        member["sex"] = member["sex"].lower()
    try:
        member["date_of_birth"] = _to_date(raw.get("date_of_birth"))
    except ValueError:
        errors["date_of_birth"] = [_("“%(value)s” is not a date. Write it as YYYY-MM-DD (1990-05-17).")
                                   % {"value": raw.get("date_of_birth")}]
        member["date_of_birth"] = None
    age = str(raw.get("age_years") or "").strip()
    if age and member["date_of_birth"] is None:
        try:
            member["age_years"] = int(float(age))
        except ValueError:
            errors["age_years"] = [_("“%(value)s” is not an age in years.") % {"value": age}]
    if raw.get("date_of_birth_estimated") in (True, "true", "1", "yes"):
        member["date_of_birth_estimated"] = True
    needs = raw.get("specific_needs") or []
    if isinstance(needs, str):
        needs = needs.replace(",", " ").split()
    member["specific_needs"] = [str(code).strip().upper() for code in needs if str(code).strip()]
    if not member["document_type"]:
        member["document_type"] = "none" if not member["document_number"] else ""
    return member, errors


def prepare_household(raw):
    fields, errors = {}, {}
    fields["population_type"] = str(raw.get("population_type") or "").strip().lower()
    fields["phone"] = str(raw.get("phone") or "").strip()
    fields["intended_destination"] = str(raw.get("intended_destination") or "").strip()
    consent = raw.get("consent_given")
    fields["consent_given"] = consent is True or str(consent or "").strip().lower() in TRUE_WORDS
    registered = raw.get("registered_at")
    if registered:
        moment = parse_datetime(str(registered)) if "T" in str(registered) else None
        if moment is None:
            try:
                day = _to_date(registered)
                moment = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
            except ValueError:
                errors["registered_at"] = [_("“%(value)s” is not a date. Write it as YYYY-MM-DD.")
                                           % {"value": registered}]
        elif timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.utc)
        fields["registered_at"] = moment
    return fields, errors


def validate_row(row, *, actor, site, site_errors=None, against_registry=True, members=None):
    """The row's errors with the shape of the household API: {field: [..], members: [{field: [..]}]}.
    Nothing is written to the registry. A whole batch passes the site's errors, checked once, checks
    documents against the registry itself, a chunk of rows per query, and passes the row's members
    already prepared ([(member, type errors)], from prepare_member)."""
    fields, errors = prepare_household(row.data.get("household", {}))
    if not fields["population_type"]:
        errors["population_type"] = [_("This field is required.")]
    if site_errors is None:
        site_errors = _site_errors(actor, site)
    errors.update({name: list(messages) for name, messages in site_errors.items()})
    registry._clean_household_fields(fields, actor=actor, now=timezone.now(), errors=errors)
    if members is None:
        members = [prepare_member(raw) for raw in row.data.get("members", [])]
    prepared = [member for member, _errors in members]
    type_errors = [found for _member, found in members]
    _cleaned, household_errors, member_errors = registry._clean_members(
        prepared, today=timezone.localdate(), against_registry=against_registry)
    for index, found in enumerate(type_errors):
        for name, messages in found.items():
            member_errors[index][name] = messages
    if household_errors:
        errors["non_field_errors"] = household_errors
    if any(member_errors):
        errors["members"] = member_errors
    return {name: value for name, value in errors.items() if value}


def _site_errors(actor, site):
    errors = {}
    registry._clean_household_fields({"site": site}, actor=actor, now=timezone.now(), errors=errors)
    return errors


def _actor_for(batch):
    return batch.created_by or batch.source.created_by


VALIDATION_CHUNK = 1000


def validate_batch(batch_id):
    """Validate every kept row, then flag its likely duplicates, a thousand rows at a time so that memory
    stays bounded however large the file, recording progress as it goes (the UI polls it). Rerunning it
    gives the same errors and flags."""
    batch = ImportBatch.objects.select_related("site", "created_by", "source__created_by").get(pk=batch_id)
    actor = _actor_for(batch)
    site_errors = _site_errors(actor, batch.site)
    documents = _DocumentCheck()
    flagger = duplicates.BatchFlagger(organisation_id=batch.organisation_id)
    done = 0
    rows = batch.rows.filter(dropped=False).order_by("row_number").iterator(chunk_size=VALIDATION_CHUNK)
    while chunk := list(islice(rows, VALIDATION_CHUNK)):
        # Prepared once for the three checks below; preparing was a tenth of the validation, three times.
        members = {row.pk: [prepare_member(raw) for raw in row.data.get("members", [])] for row in chunk}
        for row in chunk:
            row.errors = validate_row(row, actor=actor, site=batch.site, site_errors=site_errors,
                                      against_registry=False, members=members[row.pk])
        documents.check(chunk, members)
        flagger.flag(chunk, {pk: [member for member, _errors in prepared] for pk, prepared in members.items()})
        duplicates.save_checks(chunk)
        done += len(chunk)
        ImportBatch.objects.filter(pk=batch_id).update(processed_rows=done)
    flagger.save_late()
    ImportBatch.objects.filter(pk=batch_id, status__in=OPEN).update(
        processed_rows=done, status=ImportBatch.Status.VALIDATED)
    return done


class _DocumentCheck:
    """A document already registered, or given in two rows of the batch (the later row says where), is an
    error: the merge could not register it. One registry query per chunk of rows."""

    def __init__(self):
        self.first_seen = {}

    def check(self, rows, members):
        """`members`: {row id: [(member, type errors)] from prepare_member}."""
        places = {}
        for row in rows:
            for index, (member, _errors) in enumerate(members[row.pk]):
                number = normalise.document_number(member["document_number"])
                if not number or member["document_type"] == "none":
                    continue
                try:
                    nationality = normalise.nationality(member["nationality"])
                except ValidationError:
                    continue
                key = (member["document_type"], nationality, number)
                earlier = self.first_seen.setdefault(key, row.row_number)
                if earlier != row.row_number:
                    _member_error(row, index, _("This document is also in row %(row)s of this batch. Drop one of "
                                                "the two rows or fix the number.") % {"row": earlier})
                else:
                    places.setdefault(key, (row, index))
        for key, clash in registry.document_clashes(places).items():
            row, index = places[key]
            _member_error(row, index, registry.document_clash_message(clash))


def _member_error(row, index, message):
    members = row.errors.setdefault("members", [{} for _raw in row.data.get("members", [])])
    members[index].setdefault("document_number", []).append(message)


def _start_validation(batch):
    if batch.total_rows > settings.IMPORT_SYNC_ROWS:
        from imports.tasks import validate_batch_task

        transaction.on_commit(lambda: validate_batch_task.delay(str(batch.pk)))
        return False
    validate_batch(batch.pk)
    return True


# --- staging -------------------------------------------------------------------------------------------

def stage_upload(*, actor, upload, site):
    """Stage a spreadsheet. A bad file raises InvalidInput and leaves nothing behind; the same file
    uploaded again answers with the batch it made the first time."""
    errors = {}
    if site is None or (actor.role not in {Role.SUPERVISOR, Role.ADMIN}
                        and not actor.sites.filter(pk=site.pk).exists()):
        errors["site"] = [_("Choose one of your sites.")]
    if upload is None:
        errors["file"] = [_("Choose the file to upload.")]
    if errors:
        raise InvalidInput(errors)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    existing = ImportBatch.objects.filter(organisation_id=actor.organisation_id, file_sha256=digest.hexdigest()).first()
    if existing is not None:
        return existing, False
    households = parsing.parse_upload(upload)
    if not households:
        raise InvalidInput({"file": [_("The file has no households.")]})
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                organisation_id=actor.organisation_id, site=site, file_name=str(upload.name)[:200],
                file_sha256=digest.hexdigest(), created_by=actor, total_rows=len(households))
            bulk.copy_insert(
                [StagedRow(batch=batch, row_number=number, key=key[:100], data={"household": fields, "members": members})
                 for key, number, fields, members in households])
            audit.record(actor=actor, action=AuditEvent.Action.CREATE, instance=batch,
                         changes={"file": batch.file_name, "rows": batch.total_rows})
            _start_validation(batch)
    except IntegrityError:
        return ImportBatch.objects.get(organisation_id=actor.organisation_id, file_sha256=digest.hexdigest()), False
    batch.refresh_from_db()
    return batch, True


def kobo_to_row(source, submission):
    """A Kobo REST Service submission (flat, slash paths; repeat groups as lists of objects with
    full-path keys) as a staged household, through the source's mapping."""
    mapping = source.mapping or default_mapping()
    household = {field: submission.get(path) for path, field in mapping.get("household", {}).items()
                 if submission.get(path) not in (None, "")}
    if "registered_at" not in household:
        household["registered_at"] = submission.get("end") or submission.get("_submission_time")
    members = []
    for entry in submission.get(mapping.get("members_group", "members")) or []:
        if isinstance(entry, dict):
            members.append({field: entry.get(path) for path, field in mapping.get("member", {}).items()
                            if entry.get(path) not in (None, "")})
    return {"household": household, "members": members}


def submission_uuid(submission):
    instance = str(submission.get("meta/instanceID") or "").removeprefix("uuid:")
    return (instance or str(submission.get("_uuid") or "")).strip()


def receive_kobo(*, source, submission):
    """Stage one submission into the source's open batch. Returns (row, created); a retry (same
    meta/instanceID or _uuid) returns the row of the first delivery and changes nothing."""
    if not isinstance(submission, dict):
        raise InvalidInput({"non_field_errors": [_("Send the submission as a JSON object.")]})
    key = submission_uuid(submission)
    if not key:
        raise InvalidInput({"_uuid": [_("The submission has no _uuid or meta/instanceID.")]})
    existing = StagedRow.objects.filter(submission_uuid=key).first()
    if existing is not None:
        return existing, False
    data = kobo_to_row(source, submission)
    try:
        with transaction.atomic():
            batch = (ImportBatch.objects.select_for_update()
                     .filter(source=source, status__in=OPEN).order_by("created_at").first())
            if batch is None:
                batch = ImportBatch.objects.create(organisation_id=source.organisation_id, source=source,
                                                   site=source.site, file_name=source.name[:200])
            row = StagedRow(batch=batch, row_number=batch.total_rows + 1, key=str(submission.get("_id", ""))[:100],
                            submission_uuid=key[:100], data=data, raw=submission)
            row.errors = validate_row(row, actor=source.created_by, site=source.site)
            duplicates.flag_row(row, organisation_id=source.organisation_id)
            row.save(force_insert=True)
            ImportBatch.objects.filter(pk=batch.pk).update(
                total_rows=batch.total_rows + 1, processed_rows=batch.processed_rows + 1,
                status=ImportBatch.Status.VALIDATED)
    except IntegrityError:
        return StagedRow.objects.get(submission_uuid=key), False
    return row, True


# --- review --------------------------------------------------------------------------------------------

def _require_open(batch):
    if batch.status not in OPEN:
        raise NotAllowed(_("This batch is %(status)s; it can no longer be changed.")
                         % {"status": batch.get_status_display()})


@transaction.atomic
def update_row(*, actor, row, household=None, members=None):
    batch = ImportBatch.objects.select_for_update().get(pk=row.batch_id)
    _require_open(batch)
    before = {"data": row.data}
    data = dict(row.data)
    if household is not None:
        data["household"] = {**data.get("household", {}), **household}
    if members is not None:
        data["members"] = members
    row.data = json.loads(json.dumps(data, default=str))
    row.errors = validate_row(row, actor=actor, site=batch.site)
    duplicates.flag_row(row, organisation_id=batch.organisation_id)
    row.save(update_fields=["data", "errors", "duplicates", "match_keys"])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IN_REVIEW)
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=row,
                 changes={"before": before, "after": {"data": row.data}})
    return row


@transaction.atomic
def drop_row(*, actor, row):
    batch = ImportBatch.objects.select_for_update().get(pk=row.batch_id)
    _require_open(batch)
    row.dropped = True
    duplicates.flag_row(row, organisation_id=batch.organisation_id)
    row.save(update_fields=["dropped", "duplicates", "match_keys"])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IN_REVIEW)
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=row, changes={"dropped": True})
    return row


@transaction.atomic
def refuse_batch(*, actor, batch):
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require_open(batch)
    batch.status = ImportBatch.Status.REFUSED
    batch.save(update_fields=["status"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=batch, changes={"status": batch.status})
    return batch


# --- merge ---------------------------------------------------------------------------------------------

def request_merge(*, actor, batch):
    """Merge now, or hand a large batch to a worker. Returns (batch, queued)."""
    if batch.total_rows > settings.IMPORT_SYNC_ROWS:
        from imports.tasks import merge_batch_task

        _require_open(batch)
        if batch.merging:  # asked again (a retry, a second click) while a worker has it: one merge
            return batch, True
        ImportBatch.objects.filter(pk=batch.pk).update(merge_requested_at=timezone.now(), error="")
        merge_batch_task.delay(str(batch.pk), actor.pk)
        batch.refresh_from_db()
        return batch, True
    return merge(actor=actor, batch=batch), False


def merge(*, actor, batch):
    """Register every kept row, or none: one transaction; registration numbers are given here."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("site").get(pk=batch.pk)
        _require_open(batch)
        kept = batch.rows.filter(dropped=False)
        total = kept.count()
        if not total:
            raise InvalidInput({"non_field_errors": [_("Every row of this batch was dropped; there is nothing "
                                                       "to merge.")]})
        failing = list(kept.exclude(errors={}).order_by("row_number").values_list("row_number", flat=True)[:30])
        if failing:
            raise InvalidInput({"non_field_errors": [
                ngettext("Row %(rows)s still has errors. Fix or drop it, then merge.",
                         "Rows %(rows)s still have errors. Fix or drop them, then merge.", len(failing))
                % {"rows": ", ".join(str(number) for number in failing)}]})
        try:
            registration = registry.BulkRegistration(actor=actor, site=batch.site, count=total)
        except InvalidInput as invalid:
            raise InvalidInput({"non_field_errors": [_flatten(invalid.errors)]}) from invalid
        # A chunk at a time: a 100,000-person batch held whole took the worker past its memory budget.
        row_numbers = []
        rows = kept.order_by("row_number").iterator(chunk_size=VALIDATION_CHUNK)
        while chunk := list(islice(rows, VALIDATION_CHUNK)):
            families = []
            for row in chunk:
                fields, _errors = prepare_household(row.data.get("household", {}))
                families.append(({name: value for name, value in fields.items() if value is not None},
                                 [prepare_member(raw)[0] for raw in row.data.get("members", [])]))
                row_numbers.append(row.row_number)
            households = registration.add(families)
            if households:
                _link_households(chunk, households)
        try:
            registration.finish()
        except InvalidInput as invalid:
            # The registry changed since validation (e.g. the document was registered meanwhile).
            failing = invalid.errors["families"]
            index = min(failing)
            raise InvalidInput({"non_field_errors": [
                _("Row %(row)s can no longer be registered: %(reason)s")
                % {"row": row_numbers[index], "reason": _flatten(failing[index])}]}) from invalid
        batch.status = ImportBatch.Status.MERGED
        batch.merged_at = timezone.now()
        batch.merged_by = actor
        batch.error = ""
        batch.save(update_fields=["status", "merged_at", "merged_by", "error"])
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=batch,
                     changes={"status": "merged", "households": total})
    registry.settle_search_indexes()
    return batch


def _link_households(rows, households):
    with connection.cursor() as cursor:
        # One UPDATE from two arrays; bulk_update's CASE per row is slow at tens of thousands of rows.
        cursor.execute(f"""
            UPDATE {StagedRow._meta.db_table} AS staged SET household_id = merged.household_id
            FROM unnest(%s::uuid[], %s::uuid[]) AS merged(id, household_id) WHERE staged.id = merged.id""",
            [[row.pk for row in rows], [household.pk for household in households]])


def _flatten(errors):
    parts = []
    for name, value in errors.items():
        if isinstance(value, list):
            for item in value:
                parts.append(_flatten(item) if isinstance(item, dict) else str(item))
        elif isinstance(value, dict):
            parts.append(_flatten(value))
    return " ".join(part for part in parts if part)


def counts(batch):
    rows = batch.rows
    return {
        "total": batch.total_rows,
        "processed": batch.processed_rows,
        "with_errors": rows.filter(dropped=False).exclude(errors={}).count(),
        "with_duplicates": rows.filter(dropped=False).exclude(duplicates=[]).count(),
        "dropped": rows.filter(dropped=True).count(),
        "merged": rows.filter(household__isnull=False).count(),
    }
