"""Writes to the registry. Every function validates everything first and writes nothing on error,
runs in one transaction, and leaves an audit row for each record it touches."""
import logging
import uuid
from datetime import timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit, bulk, normalise
from casework.codes import (
    SPECIFIC_NEED_CODES,
    ConsentPurpose,
    DocumentType,
    PopulationType,
    Relationship,
    Role,
    is_sensitive_need,
)
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import AuditEvent, Consent, Household, Individual, Site
from casework.permissions import can_see_sensitive
from casework.retries import create_once

logger = logging.getLogger(__name__)

MEMBER_FIELDS = (
    "relationship_to_head", "given_name", "family_name", "sex", "date_of_birth", "date_of_birth_estimated",
    "nationality", "document_type", "document_number", "phone", "specific_needs",
)
HOUSEHOLD_FIELDS = ("site", "population_type", "phone", "intended_destination", "consent_given")
# Typing in a paper registration the same day is not a back-entry.
BACK_ENTRY_AFTER = timedelta(hours=12)


# --- validation ---------------------------------------------------------------------------------

def _messages(error):
    return [str(message) for message in error.messages]


def clean_member(data, *, today):
    """A member's fields normalised, or InvalidInput with a message per field."""
    member = {name: data[name] for name in MEMBER_FIELDS if name in data}
    member.setdefault("date_of_birth_estimated", False)
    member.setdefault("document_number", "")
    member.setdefault("phone", "")
    member.setdefault("specific_needs", [])
    errors = {}
    for name in ("given_name", "family_name"):
        member[name] = " ".join(str(member.get(name) or "").split())
        if not member[name]:
            errors[name] = [_("This field is required.")]
    age_years = data.get("age_years")
    if member.get("date_of_birth") is None and age_years is not None:
        try:
            member["date_of_birth"] = normalise.estimated_date_of_birth(int(age_years), today)
            member["date_of_birth_estimated"] = True
        except ValidationError as error:
            errors["age_years"] = _messages(error)
    date_of_birth = member.get("date_of_birth")
    if date_of_birth is None:
        if "age_years" not in errors:
            errors["date_of_birth"] = [_("Give the date of birth or an estimated age.")]
    elif date_of_birth > today:
        errors["date_of_birth"] = [_("The date of birth cannot be in the future.")]
    elif normalise.age_on(date_of_birth, today) > normalise.MAX_AGE_YEARS:
        errors["date_of_birth"] = [
            _("This date of birth gives an age over %(max)s years; check the year.") % {"max": normalise.MAX_AGE_YEARS}
        ]
    try:
        member["nationality"] = normalise.nationality(member.get("nationality"))
    except ValidationError as error:
        errors["nationality"] = _messages(error)
    member["document_number"] = normalise.document_number(member["document_number"])
    if member.get("document_type") == DocumentType.NONE:
        member["document_number"] = ""
    elif not member["document_number"]:
        errors["document_number"] = [_("Write the document number, or choose “No document”.")]
    try:
        member["phone"] = normalise.phone_e164(member["phone"])
    except ValidationError as error:
        errors["phone"] = _messages(error)
    unknown_needs = sorted(set(member["specific_needs"]) - SPECIFIC_NEED_CODES)
    if unknown_needs:
        errors["specific_needs"] = [_("Unknown specific-needs code: %(codes)s.") % {"codes": ", ".join(unknown_needs)}]
    member["specific_needs"] = sorted(set(member["specific_needs"]))
    for name, messages in _model_field_errors(member, skip=errors).items():
        errors.setdefault(name, messages)
    if errors:
        raise InvalidInput(errors)
    return member


@cache
def _member_model_fields():
    return [field for field in Individual._meta.fields if field.name in MEMBER_FIELDS]


def _model_field_errors(member, *, skip):
    """What Individual.clean_fields says of a member's fields (lengths, choices, required), field by
    field as it does, without building an Individual: that was half the cost of cleaning a member, and an
    import cleans each person twice. The fields a member does not give hold defaults that always pass."""
    errors = {}
    for field in _member_model_fields():
        if field.name in skip:
            continue
        value = member[field.name] if field.name in member else field.get_default()
        if field.blank and value in field.empty_values:
            continue
        try:
            field.clean(value, None)
        except ValidationError as error:
            errors[field.name] = _messages(error)
    return errors


def _family_rules(members):
    """Rules within one family: one head, at least one member, no document given twice. Returns the
    household's errors, each member's errors and {document key: member index}."""
    errors = [{} for _member in members]
    household_errors = []
    if not members:
        household_errors.append(_("A household needs at least one member."))
    heads = [m for m in members if m.get("relationship_to_head") == Relationship.HEAD]
    if members and len(heads) != 1:
        household_errors.append(
            _("A household has exactly one head; this one has %(count)s.") % {"count": len(heads)}
        )
    documents = {}
    for index, member in enumerate(members):
        if member.get("document_number"):
            key = (member["document_type"], member["nationality"], member["document_number"])
            if key in documents:
                errors[index]["document_number"] = [_("Two members have the same document number.")]
            documents.setdefault(key, index)
    return household_errors, errors, documents


def document_clashes(keys, *, exclude_household=None):
    """{(document type, nationality, number): registered individual} for the keys already registered."""
    keys = set(keys)
    if not keys:
        return {}
    # Two IN lists use the unique index; the exact triples are picked out here.
    clashes = Individual.objects.filter(
        document_type__in={key[0] for key in keys}, document_number__in={key[2] for key in keys},
    ).select_related("household").only(
        "given_name", "family_name", "document_type", "nationality", "document_number",
        "household__registration_number")
    if exclude_household is not None:
        clashes = clashes.exclude(household=exclude_household)
    found = {}
    for clash in clashes:
        key = (clash.document_type, clash.nationality, clash.document_number)
        if key in keys:
            found[key] = clash
    return found


def document_clash_message(clash):
    return (_("This document is already registered to %(name)s in household %(number)s. "
              "Open that household instead of registering the person again.")
            % {"name": clash, "number": clash.household.registration_number})


def _check_members(members, *, exclude_household=None, against_registry=True):
    """Rules over the whole family: one head, at least one member, no document registered twice."""
    household_errors, errors, documents = _family_rules(members)
    if against_registry:
        for key, clash in document_clashes(documents, exclude_household=exclude_household).items():
            errors[documents[key]]["document_number"] = [document_clash_message(clash)]
    return household_errors, errors


def _clean_household_fields(data, *, actor, now, errors):
    cleaned = {}
    if "site" in data:
        site = data["site"]
        if not isinstance(site, Site):
            site = Site.objects.filter(code=site).first()
        if site is None or not site.is_active:
            errors["site"] = [_("Choose one of your sites.")]
        elif actor.role not in {Role.SUPERVISOR, Role.ADMIN} and not actor.sites.filter(pk=site.pk).exists():
            errors["site"] = [_("You are not assigned to the site %(site)s.") % {"site": site}]
        cleaned["site"] = site
    if "population_type" in data:
        if data["population_type"] not in PopulationType.values:
            errors["population_type"] = [_("Choose a population type from the list.")]
        cleaned["population_type"] = data["population_type"]
    if "phone" in data:
        try:
            cleaned["phone"] = normalise.phone_e164(data["phone"])
        except ValidationError as error:
            errors["phone"] = _messages(error)
    if "intended_destination" in data:
        cleaned["intended_destination"] = " ".join(str(data["intended_destination"] or "").split())[:200]
    if "consent_given" in data:
        cleaned["consent_given"] = bool(data["consent_given"])
    if data.get("registered_at") is not None:
        if data["registered_at"] > now + timedelta(minutes=5):
            errors["registered_at"] = [_("The registration date cannot be in the future.")]
        cleaned["registered_at"] = data["registered_at"]
    return cleaned


def _clean_members(raw_members, *, today, exclude_household=None, against_registry=True):
    """Clean every member, then the family rules; collect every error before raising."""
    cleaned, member_errors = [], []
    for raw in raw_members:
        try:
            member = clean_member(raw, today=today)
            member_errors.append({})
        except InvalidInput as invalid:
            member = {name: raw.get(name) for name in MEMBER_FIELDS}
            member_errors.append(invalid.errors)
        if raw.get("id"):
            member["id"] = raw["id"]
        cleaned.append(member)
    household_errors, family_errors = _check_members(cleaned, exclude_household=exclude_household,
                                                     against_registry=against_registry)
    for index, errors in enumerate(family_errors):
        for name, messages in errors.items():
            member_errors[index].setdefault(name, messages)
    return cleaned, household_errors, member_errors


def _family_errors(errors, household_errors, member_errors):
    if household_errors:
        errors.setdefault("non_field_errors", []).extend(household_errors)
    if any(member_errors):
        errors["members"] = member_errors
    return errors


def _raise_if_errors(errors, household_errors, member_errors):
    if _family_errors(errors, household_errors, member_errors):
        raise InvalidInput(errors)


# --- registration ---------------------------------------------------------------------------------

def next_registration_number(site, year):
    """The next number of the site's yearly sequence, held under a row lock until commit (no gaps)."""
    return f"{site.code}-{year}-{_reserve_registration_numbers(site, year, 1):06d}"


def register_household(*, actor, members, id=None, consent_purposes=None, **fields):
    """Register a family. Returns (household, created): a retried request with the same client id
    gets the household that the first one created."""
    return create_once(
        lambda: _register_household(actor=actor, members=members, id=id, consent_purposes=consent_purposes,
                                    **fields),
        lambda: _existing_household(actor, id) if id is not None else None)


def _existing_household(actor, household_id):
    existing = Household.objects.filter(pk=household_id).first()
    if existing is None:
        return None
    if not Household.objects.visible_to(actor).filter(pk=household_id).exists():
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


@transaction.atomic
def _register_household(*, actor, members, id, consent_purposes, **fields):
    now = timezone.now()
    today = timezone.localdate()
    errors = {}
    for required in ("site", "population_type"):
        if fields.get(required) in (None, ""):
            errors[required] = [_("This field is required.")]
    household_fields = _clean_household_fields(fields, actor=actor, now=now, errors=errors)
    purposes = _clean_consent_purposes(consent_purposes, errors)
    cleaned_members, household_errors, member_errors = _clean_members(members, today=today)
    _raise_if_errors(errors, household_errors, member_errors)

    site = household_fields.pop("site")
    household = Household(
        id=id or uuid.uuid4(),
        organisation_id=actor.organisation_id,
        site=site,
        registered_by=actor,
        registration_number=next_registration_number(site, today.year),
        **household_fields,
    )
    individuals = [_new_individual(household, member) for member in cleaned_members]
    household.refresh_search_text(individuals)
    consents, events = _records_of_registration(actor, household, individuals, purposes, now)
    household.save(force_insert=True)
    Individual.objects.bulk_create(individuals)
    Consent.objects.bulk_create(consents)
    AuditEvent.objects.bulk_create(events)
    return household


def _records_of_registration(actor, household, individuals, purposes, now):
    """The consent (when given) and the audit rows that go with a new household and its members."""
    consents = []
    if household.consent_given:
        head = next(m for m in individuals if m.relationship_to_head == Relationship.HEAD)
        consents.append(Consent(household=household, purposes=purposes, given_by=str(head),
                                given_at=household.registered_at, recorded_by=actor))
    events = [audit.unsaved_event(actor=actor, action=AuditEvent.Action.CREATE, instance=household,
                                  changes={"after": audit.snapshot(household)})]
    if household.registered_at < now - BACK_ENTRY_AFTER:
        events[0].changes["back_entry"] = True
    events += [
        audit.unsaved_event(actor=actor, action=AuditEvent.Action.CREATE, instance=member,
                            changes={"after": audit.snapshot(member)})
        for member in individuals
    ]
    return consents, events


BULK_CHUNK = 1000


@transaction.atomic
def register_households(*, actor, site, families, consent_purposes=None):
    """Register many families at once, as an import's merge does: the rules, records and audit rows of
    register_household, in a few queries per thousand families instead of a dozen per family.
    `families` is a list of (household fields, members). All or none: when any family fails, raises
    InvalidInput({"families": {index: errors in the household API's shape}}) and writes nothing.
    Returns the households in the order given, with consecutive registration numbers."""
    registration = BulkRegistration(actor=actor, site=site, count=len(families), consent_purposes=consent_purposes)
    households = []
    for start in range(0, len(families), BULK_CHUNK):
        households += registration.add(families[start:start + BULK_CHUNK])
    registration.finish()
    return households


class BulkRegistration:
    """Families registered a chunk at a time inside the caller's transaction, so that a batch of any
    size is never held in memory whole. Once any family has failed nothing more is written, the rest
    is still checked, and finish() raises every failure: the caller's transaction then undoes the
    chunks already written, numbers included."""

    def __init__(self, *, actor, site, count, consent_purposes=None):
        self.actor, self.site = actor, site
        self.now, self.today = timezone.now(), timezone.localdate()
        errors = {}
        _clean_household_fields({"site": site}, actor=actor, now=self.now, errors=errors)
        self.purposes = _clean_consent_purposes(consent_purposes, errors)
        if errors:
            raise InvalidInput(errors)
        self.next_number = _reserve_registration_numbers(site, self.today.year, count)
        self.seen_documents = set()
        self.failures = {}
        self.done = 0

    def add(self, families):
        """Check a chunk of (household fields, members); write it unless a family has failed so far.
        Returns the chunk's households (none once anything failed)."""
        prepared, documents = [], {}
        for index, (fields, members) in enumerate(families, start=self.done):
            family_errors = {}
            if fields.get("population_type") in (None, ""):
                family_errors["population_type"] = [_("This field is required.")]
            household_fields = _clean_household_fields(
                {name: value for name, value in fields.items() if name != "site"}, actor=self.actor, now=self.now,
                errors=family_errors)
            cleaned, household_errors, member_errors = _clean_members(members, today=self.today,
                                                                      against_registry=False)
            _rules, _errors, family_documents = _family_rules(cleaned)
            for key, member_index in family_documents.items():
                if key in self.seen_documents:
                    member_errors[member_index].setdefault("document_number", [
                        _("This document is also given to a member of another family being registered with "
                          "this one.")])
                self.seen_documents.add(key)
                documents.setdefault(key, (index, member_index, len(cleaned)))
            if _family_errors(family_errors, household_errors, member_errors):
                self.failures[index] = family_errors
            prepared.append((household_fields, cleaned))
        for key, clash in document_clashes(documents).items():
            index, member_index, size = documents[key]
            family_errors = self.failures.setdefault(index, {})
            members = family_errors.setdefault("members", [{} for _member in range(size)])
            members[member_index]["document_number"] = [document_clash_message(clash)]
        self.done += len(families)
        if self.failures:
            return []
        return self._write(prepared)

    def _write(self, prepared):
        households, individuals, consents, events = [], [], [], []
        year = self.today.year
        for household_fields, cleaned in prepared:
            household = Household(
                organisation_id=self.actor.organisation_id, site=self.site, registered_by=self.actor,
                registration_number=f"{self.site.code}-{year}-{self.next_number:06d}", **household_fields)
            self.next_number += 1
            members = [_new_individual(household, member) for member in cleaned]
            household.refresh_search_text(members)
            new_consents, new_events = _records_of_registration(self.actor, household, members, self.purposes,
                                                                self.now)
            households.append(household)
            individuals += members
            consents += new_consents
            events += new_events
        for rows in (households, individuals, consents, events):
            bulk.copy_insert(rows)
        return households

    def finish(self):
        if self.failures:
            raise InvalidInput({"families": self.failures})


# GIN indexes take new rows' keys into a pending list that every lookup reads through until it is
# merged into the index. After a 100,000-person merge a thousand-person duplicate check took 5 s
# instead of 0.2 s, and each registration's check paid the same until autovacuum came by.
SEARCH_INDEXES = ("individual_match_keys_idx", "individual_search_idx", "household_search_idx")


def settle_search_indexes():
    """Merge the registry's GIN pending lists into their indexes, after a bulk registration has
    committed. Only the tables' owner may; anyone else leaves it to autovacuum."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for index in SEARCH_INDEXES:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    except DatabaseError as error:
        logger.warning("the search indexes' pending lists were left to autovacuum: %s", error)


def _reserve_registration_numbers(site, year, count):
    """The first of `count` consecutive numbers of the site's yearly sequence, locked until commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO casework_registrationcounter (site_id, year, last_number) VALUES (%s, %s, %s)
            ON CONFLICT (site_id, year)
            DO UPDATE SET last_number = casework_registrationcounter.last_number + EXCLUDED.last_number
            RETURNING last_number
            """,
            [site.pk, year, count],
        )
        (last,) = cursor.fetchone()
    return last - count + 1


def _clean_consent_purposes(purposes, errors):
    purposes = list(purposes or [ConsentPurpose.ASSISTANCE])
    unknown = sorted(set(purposes) - set(ConsentPurpose.values))
    if unknown:
        errors["consent_purposes"] = [_("Unknown consent purpose: %(values)s.") % {"values": ", ".join(unknown)}]
    return sorted(set(purposes))


def _new_individual(household, member):
    individual = Individual(household=household, **{name: member[name] for name in MEMBER_FIELDS})
    if member.get("id"):
        individual.id = member["id"]
    individual.refresh_search_text()
    return individual


def refresh_household_search(household):
    """Keep the household's search words in step with its members after any change to them."""
    household.refresh_search_text(household.members.order_by("created_at", "id"))
    Household.objects.filter(pk=household.pk).update(search_text=household.search_text)


# --- changes ----------------------------------------------------------------------------------

def _lock_household(household, expected_version):
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleWrite(locked.version)
    return locked


@transaction.atomic
def update_household(*, actor, household, expected_version=None, members=None, **fields):
    """Change a household and, when `members` is given, make its members exactly that list:
    members with a known id are updated, new ones added, missing ones removed."""
    household = _lock_household(household, expected_version)
    now = timezone.now()
    today = timezone.localdate()
    errors = {}
    changes = _clean_household_fields(
        {name: value for name, value in fields.items() if name in HOUSEHOLD_FIELDS}, actor=actor, now=now, errors=errors
    )
    cleaned_members, household_errors, member_errors = ([], [], [])
    if members is not None:
        cleaned_members, household_errors, member_errors = _clean_members(
            members, today=today, exclude_household=household
        )
        existing_ids = {str(pk) for pk in household.members.values_list("pk", flat=True)}
        for index, member in enumerate(cleaned_members):
            if member.get("id") and str(member["id"]) not in existing_ids and \
                    Individual.objects.filter(pk=member["id"]).exists():
                member_errors[index].setdefault("id", [_("This person belongs to another household.")])
    _raise_if_errors(errors, household_errors, member_errors)

    before = audit.snapshot(household)
    for name, value in changes.items():
        setattr(household, name, value)
    household.version += 1
    household.save()
    audit.record_updated(actor, household, before)
    if members is not None:
        _replace_members(actor, household, cleaned_members)
        refresh_household_search(household)
    if changes.get("consent_given") and not before["consent_given"]:
        head = household.members.get(relationship_to_head=Relationship.HEAD)
        Consent.objects.create(
            household=household, purposes=[ConsentPurpose.ASSISTANCE], given_by=str(head), recorded_by=actor
        )
    return household


def _replace_members(actor, household, cleaned_members):
    current = {str(member.pk): member for member in household.members.all()}
    kept_ids = {str(member["id"]) for member in cleaned_members if member.get("id")}
    for member_id, member in current.items():
        if member_id not in kept_ids:
            _delete_member(actor, member)
    # The head changes last so that the one-head constraint holds after every statement.
    ordered = sorted(cleaned_members, key=lambda m: m["relationship_to_head"] == Relationship.HEAD)
    for member in ordered:
        existing = current.get(str(member.get("id")))
        if existing is None:
            individual = _new_individual(household, member)
            individual.save(force_insert=True)
            audit.record_created(actor, individual)
        else:
            _apply_member_changes(actor, existing, member)


def _apply_member_changes(actor, individual, member):
    if not can_see_sensitive(actor, individual.household):
        # The editor never saw these codes, so leaving them out of the form does not remove them.
        hidden = [code for code in individual.specific_needs if is_sensitive_need(code)]
        member = member | {"specific_needs": sorted(set(member["specific_needs"]) | set(hidden))}
    before = audit.snapshot(individual)
    for name in MEMBER_FIELDS:
        setattr(individual, name, member[name])
    if audit.diff(before, audit.snapshot(individual)):
        individual.refresh_search_text()
        individual.version += 1
        individual.save()
        audit.record_updated(actor, individual, before)


def _delete_member(actor, individual):
    audit.record_deleted(actor, individual, audit.snapshot(individual))
    try:
        with transaction.atomic():
            individual.delete()
    except ProtectedError as error:
        raise NotAllowed(
            _("%(name)s has cases, assistance or referrals on record and cannot be removed from the household.")
            % {"name": individual}
        ) from error


@transaction.atomic
def add_member(*, actor, household, member, expected_version=None):
    household = _lock_household(household, None)
    if member.get("id"):
        # A retry that waited here for the first request's lock: that request added this member.
        already = household.members.filter(pk=member["id"]).first()
        if already is not None:
            return already
    if expected_version is not None and int(expected_version) != household.version:
        raise StaleWrite(household.version)
    today = timezone.localdate()
    existing = [
        {name: getattr(m, name) for name in MEMBER_FIELDS} | {"id": m.pk} for m in household.members.all()
    ]
    cleaned, household_errors, member_errors = _clean_members(
        existing + [member], today=today, exclude_household=household
    )
    _raise_if_errors({}, household_errors, [{}] * len(existing) + member_errors[-1:])
    individual = _new_individual(household, cleaned[-1])
    individual.save(force_insert=True)
    audit.record_created(actor, individual)
    household.version += 1
    household.save(update_fields=["version", "updated_at"])
    refresh_household_search(household)
    return individual


@transaction.atomic
def update_member(*, actor, individual, changes, expected_version=None):
    individual = Individual.objects.select_for_update().get(pk=individual.pk)
    if expected_version is not None and int(expected_version) != individual.version:
        raise StaleWrite(individual.version)
    household = _lock_household(individual.household, None)
    merged = {name: getattr(individual, name) for name in MEMBER_FIELDS}
    if "age_years" in changes and "date_of_birth" not in changes:
        merged.pop("date_of_birth")
    merged.update({name: value for name, value in changes.items() if name in MEMBER_FIELDS or name == "age_years"})
    members = [
        {name: getattr(m, name) for name in MEMBER_FIELDS} | {"id": m.pk}
        for m in household.members.all() if m.pk != individual.pk
    ] + [merged | {"id": individual.pk}]
    cleaned, household_errors, member_errors = _clean_members(members, today=timezone.localdate(),
                                                              exclude_household=household)
    _raise_if_errors({}, household_errors, [{}] * (len(members) - 1) + member_errors[-1:])
    _apply_member_changes(actor, individual, cleaned[-1])
    refresh_household_search(household)
    return individual


@transaction.atomic
def remove_member(*, actor, individual):
    household = _lock_household(individual.household, None)
    if individual.relationship_to_head == Relationship.HEAD:
        raise NotAllowed(_("The head of household cannot be removed. Make another member the head first."))
    if household.members.count() <= 1:
        raise NotAllowed(_("A household needs at least one member."))
    _delete_member(actor, individual)
    household.version += 1
    household.save(update_fields=["version", "updated_at"])
    refresh_household_search(household)


# --- consent ------------------------------------------------------------------------------------

def record_consent(*, actor, purposes, given_by, household=None, individual=None, given_at=None, id=None):
    """A retried request with the same id gets the consent the first one recorded, not a second one,
    also when the two raced past the check for it."""
    consent, _created = create_once(
        lambda: _record_consent(actor=actor, purposes=purposes, given_by=given_by, household=household,
                                individual=individual, given_at=given_at, id=id),
        lambda: _existing_consent(id, household, individual))
    return consent


def _existing_consent(consent_id, household, individual):
    existing = Consent.objects.filter(pk=consent_id).first() if consent_id is not None else None
    if existing is not None and (existing.household_id, existing.individual_id) != (
            getattr(household, "pk", None), getattr(individual, "pk", None)):
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


@transaction.atomic
def _record_consent(*, actor, purposes, given_by, household, individual, given_at, id):
    errors = {}
    if (household is None) == (individual is None):
        errors["non_field_errors"] = [_("Consent is recorded for a household or for one person.")]
    purposes = list(purposes or [])
    if not purposes:
        errors["purposes"] = [_("Choose at least one purpose.")]
    _clean_consent_purposes(purposes, errors)
    if not str(given_by or "").strip():
        errors["given_by"] = [_("Write who gave consent.")]
    if given_at is not None and given_at > timezone.now() + timedelta(minutes=5):
        errors["given_at"] = [_("Consent cannot be dated in the future.")]
    if errors:
        raise InvalidInput(errors)
    consent = Consent(
        id=id or uuid.uuid4(), household=household, individual=individual, purposes=sorted(set(purposes)),
        given_by=str(given_by).strip(), given_at=given_at or timezone.now(), recorded_by=actor,
    )
    consent.save(force_insert=True)
    subject = household or individual.household
    if household is not None and ConsentPurpose.ASSISTANCE in purposes and not subject.consent_given:
        Household.objects.filter(pk=subject.pk).update(consent_given=True)
    audit.record_created(actor, consent)
    return consent


@transaction.atomic
def withdraw_consent(*, actor, consent):
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise NotAllowed(_("This consent was already withdrawn on %(date)s.") % {
            "date": timezone.localtime(consent.withdrawn_at).strftime("%Y-%m-%d")})
    before = audit.snapshot(consent)
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    if consent.household_id and not Consent.objects.active().filter(
            household_id=consent.household_id, purposes__contains=[ConsentPurpose.ASSISTANCE]).exists():
        Household.objects.filter(pk=consent.household_id).update(consent_given=False)
    audit.record_updated(actor, consent, before)
    return consent


def has_consent(individual, purpose):
    """Consent of the person, or of their household, for `purpose`, and not withdrawn."""
    return Consent.objects.active().filter(
        Q(individual=individual) | Q(household_id=individual.household_id), purposes__contains=[purpose]
    ).exists()


def require_consent(individual, purpose):
    """Refuse to share a person's data with another organisation without consent for that purpose."""
    if not has_consent(individual, purpose):
        raise InvalidInput({"consent": [
            _("%(name)s has not given consent for “%(purpose)s”, or has withdrawn it. Record the consent "
              "before sharing their data.") % {"name": individual, "purpose": ConsentPurpose(purpose).label}
        ]})
