"""What another organisation may learn about a person it receives: the minimum a referral needs.

The partner's API answer, the webhook body and the printed form are all built from here, so that
the three can never drift apart: no household, no case file, no other referral, no specific needs.
"""
from django.utils import timezone

from casework import normalise


def person(referral):
    individual = referral.individual
    return {
        "given_name": individual.given_name,
        "family_name": individual.family_name,
        "sex": individual.sex,
        "age": normalise.age_on(individual.date_of_birth, timezone.localdate()),
        "contact": referral.contact,
        "language": referral.language,
    }


def shared_fields(referral):
    return {
        "id": str(referral.pk),
        "status": referral.status,
        "referring_organisation": referral.referring_organisation.code,
        "receiving_organisation": referral.receiving_organisation.code,
        "service_type": referral.service_type.code,
        "urgency": referral.urgency,
        "reason": referral.reason,
        "contact_preference": referral.contact_preference,
        "consent_given": referral.consent_given,
        "consent_scope": referral.consent_scope(),
        "consent_exception": referral.consent_exception,
        "person": person(referral),
        "due_at": _iso(referral.due_at),
        "sent_at": _iso(referral.sent_at),
        "acknowledged_at": _iso(referral.acknowledged_at),
        "accepted_at": _iso(referral.accepted_at),
        "declined_at": _iso(referral.declined_at),
        "decline_reason": referral.decline_reason,
        "completed_at": _iso(referral.completed_at),
        "outcome": referral.outcome,
        "closed_at": _iso(referral.closed_at),
        "cancelled_at": _iso(referral.cancelled_at),
        "version": referral.version,
    }


def _iso(value):
    return value.isoformat() if value is not None else None
