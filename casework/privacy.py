"""Data-subject rights: everything held on a person, and anonymisation at the end of retention."""
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit, services
from casework.codes import Relationship, is_sensitive_need
from casework.errors import NotAllowed
from casework.models import AuditEvent, Consent, Household, Individual
from casework.permissions import can_see_sensitive

ANONYMISED_NAME = "Anonimizado"


def visible_needs(user, individual):
    """The person's specific-needs codes that this user may read."""
    if can_see_sensitive(user, individual.household):
        return list(individual.specific_needs)
    return [code for code in individual.specific_needs if not is_sensitive_need(code)]


def _related_records(record):
    """Every record of any app that points at the person or their household (cases, receipts,
    referrals, consents…), found through the relations rather than a list that could fall behind."""
    related = {}
    for relation in record._meta.related_objects:
        if not relation.one_to_many or relation.related_model is Individual:
            continue  # the other members' own data is theirs, not this person's
        rows = relation.related_model._default_manager.filter(**{relation.field.name: record})
        related[relation.related_model._meta.label_lower] = [audit.snapshot(row) for row in rows]
    return related


def _audit_trail(*instances):
    condition = Q()
    for instance in instances:
        condition |= Q(object_type=instance._meta.label_lower, object_id=str(instance.pk))
    return [
        {"at": str(event.at), "actor": event.actor.username if event.actor else None, "action": event.action,
         "object_type": event.object_type, "object_id": event.object_id, "changes": event.changes,
         "ip_address": event.ip_address}
        for event in AuditEvent.objects.filter(condition).select_related("actor").order_by("at")
    ]


@transaction.atomic
def export_person(*, actor, individual):
    """Everything held on one person, including who read or changed their record."""
    household = individual.household
    document = {
        "exported_at": str(timezone.now()),
        "exported_by": actor.username,
        "person": audit.snapshot(individual),
        "household": audit.snapshot(household) | {"site": household.site.code},
        "related": _related_records(individual),
        "household_related": _related_records(household),
        "household_consents": [audit.snapshot(consent) for consent in household.consents.all()],
        "audit": _audit_trail(individual, household),
    }
    audit.record(actor=actor, action=AuditEvent.Action.EXPORT, instance=individual,
                 changes={"what": "data_subject_export"})
    return document


@transaction.atomic
def anonymise_person(*, actor, individual):
    """Remove what identifies the person; keep what the reports count (sex, date of birth, nationality,
    needs, household, site, and every assistance record), so that aggregates do not change."""
    individual = Individual.objects.select_for_update().select_related("household").get(pk=individual.pk)
    if individual.anonymised_at is not None:
        raise NotAllowed(_("This person was already anonymised."))
    individual.given_name = ANONYMISED_NAME
    individual.family_name = f"#{str(individual.pk)[:8]}"
    individual.document_type, individual.document_number, individual.phone = "none", "", ""
    individual.search_text = ""
    individual.match_keys = []
    individual.anonymised_at = timezone.now()
    individual.version += 1
    individual.save()
    Consent.objects.filter(individual=individual).update(given_by=ANONYMISED_NAME)
    redact = [individual]
    household = individual.household
    if individual.relationship_to_head == Relationship.HEAD:
        Household.objects.filter(pk=household.pk).update(phone="", intended_destination="")
        Consent.objects.filter(household=household).update(given_by=ANONYMISED_NAME)
        redact.append(household)
    services.refresh_household_search(household)
    _redact_audit_values(redact)
    audit.record(actor=actor, action=AuditEvent.Action.ANONYMISE, instance=individual,
                 changes={"fields": ["given_name", "family_name", "document_number", "phone"]})
    return individual


def _redact_audit_values(instances):
    """The audit trail keeps who did what and when; the personal values it held are blanked.

    This is the one change the database lets through on audit rows (see migration
    0004_access_controls): only inside this transaction, and only the `changes` column.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL caminos.redacting = 'on'")
        for instance in instances:
            cursor.execute(
                "UPDATE casework_auditevent SET changes = %s WHERE object_type = %s AND object_id = %s",
                ['{"redacted": true}', instance._meta.label_lower, str(instance.pk)],
            )
        cursor.execute("SET LOCAL caminos.redacting = 'off'")

