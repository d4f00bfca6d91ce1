"""Referrals between organisations: sending, each step of the partner's answer, overdue flags and
the webhooks that tell partners' systems. Every function validates first and writes nothing on error,
runs in one transaction, records the step (ReferralEvent) and an audit row; slow I/O (e-mail,
webhooks) is queued to run after commit."""
import json
import uuid

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext_lazy

from casework import audit, services as casework_services
from casework.case_timeline import case_people
from casework.codes import ConsentPurpose, Role
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import AuditEvent, Case, Consent, Individual, Organisation, User
from casework.retries import create_once
from referrals import sharing
from referrals.codes import ACKNOWLEDGE_WITHIN, ConsentException, ContactPreference, Language, Status, Urgency
from referrals.models import (
    Notification,
    Referral,
    ReferralEvent,
    ServiceOffer,
    ServiceType,
    WebhookDelivery,
    WebhookEndpoint,
)
from reporting import activity

REASON_MAX = 1000


# --- sending -------------------------------------------------------------------------------------

def offers_near(individual, service_type=None):
    """Organisations' offers that reach the person's site: its district and every area above it."""
    offers = ServiceOffer.objects.active().near(individual.household.site.location)
    if service_type is not None:
        offers = offers.filter(service_type=service_type)
    return offers


def create_referral(*, actor, id=None, **fields):
    """Send a referral. Returns (referral, created): a retried request with the same client id gets
    the referral the first one created."""
    return create_once(lambda: _create_referral(actor=actor, id=id, **fields),
                       lambda: _existing_referral(actor, id) if id is not None else None)


def _existing_referral(actor, referral_id):
    if not Referral.objects.filter(pk=referral_id).exists():
        return None
    existing = Referral.objects.visible_to(actor).filter(pk=referral_id).first()
    if existing is None:
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


def _lookup(model, value, field):
    if value is None or isinstance(value, model):
        return value
    return model.objects.filter(**{field: value}).first()


@transaction.atomic
def _create_referral(*, actor, id, individual, receiving_organisation, service_type, urgency, reason,
                     contact_preference, language=Language.SPANISH, consent_exception="",
                     exception_justification="", case=None):
    errors = {}
    if case is not None and (
            not Case.objects.visible_to(actor).filter(pk=case.pk).exists()
            or not isinstance(individual, Individual)
            or not case_people(case).filter(pk=individual.pk).exists()):
        errors["case"] = [_("Choose one of your cases about this person.")]
    if actor.role not in {Role.CASEWORKER, Role.SUPERVISOR} or actor.organisation_id is None:
        raise NotAllowed(_("Only caseworkers and supervisors send referrals."))
    if not isinstance(individual, Individual) or \
            not Individual.objects.visible_to(actor).filter(pk=individual.pk).exists():
        errors["individual"] = [_("Choose a person registered by your organisation at your sites.")]
        individual = None
    service_type = _lookup(ServiceType, service_type, "code")
    if service_type is None or not service_type.is_active:
        errors["service_type"] = [_("Choose a service from the list.")]
    receiving_organisation = _lookup(Organisation, receiving_organisation, "code")
    if receiving_organisation is None or not receiving_organisation.is_active:
        errors["receiving_organisation"] = [_("Choose an organisation from the list.")]
    elif receiving_organisation.pk == actor.organisation_id:
        errors["receiving_organisation"] = [_("A referral goes to another organisation.")]
    elif individual is not None and service_type is not None and not offers_near(individual, service_type).filter(
            organisation=receiving_organisation).exists():
        errors["receiving_organisation"] = [
            _("%(organisation)s does not offer %(service)s near %(place)s. Choose one of the organisations "
              "the form offers.") % {"organisation": receiving_organisation, "service": service_type,
                                     "place": individual.household.site.location.name}
        ]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency: emergency, high or normal.")]
    if contact_preference not in ContactPreference.values:
        errors["contact_preference"] = [_("Choose how the partner should contact the person.")]
    if language not in Language.values:
        errors["language"] = [_("Choose a language from the list.")]
    reason = " ".join(str(reason or "").split())
    if not reason:
        errors["reason"] = [_("Write why you refer the person: only what the partner needs to help.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("Keep the reason under %(max)s characters: share only what the partner needs.")
                            % {"max": REASON_MAX}]
    consent = None
    exception_justification = " ".join(str(exception_justification or "").split())
    if consent_exception:
        if consent_exception not in ConsentException.values:
            errors["consent_exception"] = [_("Choose one of the two exceptions, or record the person's consent.")]
        if not exception_justification:
            errors["exception_justification"] = [_("Explain why the referral cannot wait for consent.")]
    elif individual is not None:
        try:
            casework_services.require_consent(individual, ConsentPurpose.REFERRAL)
            consent = _referral_consent(individual)
        except InvalidInput as invalid:
            errors.update(invalid.errors)
    if errors:
        raise InvalidInput(errors)

    now = timezone.now()
    referral = Referral(
        id=id or uuid.uuid4(),
        individual=individual,
        referring_organisation_id=actor.organisation_id,
        referred_by=actor,
        receiving_organisation=receiving_organisation,
        case=case,
        service_type=service_type,
        urgency=urgency,
        reason=reason,
        language=language,
        contact_preference=contact_preference,
        consent_given=consent is not None,
        consent=consent,
        consent_exception="" if consent is not None else consent_exception,
        exception_justification="" if consent is not None else exception_justification,
        status=Status.SENT,
        sent_at=now,
        due_at=now + ACKNOWLEDGE_WITHIN[urgency],
    )
    referral.save(force_insert=True)
    ReferralEvent.objects.create(referral=referral, at=now, actor=actor, organisation_id=actor.organisation_id,
                                 to_status=Status.SENT)
    audit.record_created(actor, referral)
    queue_webhooks(referral, "referral.created")
    return referral


def _referral_consent(individual):
    return Consent.objects.active().filter(
        Q(individual=individual) | Q(household_id=individual.household_id),
        purposes__contains=[ConsentPurpose.REFERRAL],
    ).order_by("-given_at").first()


# --- the lifecycle ---------------------------------------------------------------------------------

RECEIVER, REFERRER = "receiver", "referrer"

# action -> (statuses it starts from, status it leads to, the party that takes it, timestamp field)
TRANSITIONS = {
    "acknowledge": ({Status.SENT}, Status.ACKNOWLEDGED, RECEIVER, "acknowledged_at"),
    "accept": ({Status.ACKNOWLEDGED}, Status.ACCEPTED, RECEIVER, "accepted_at"),
    "decline": ({Status.ACKNOWLEDGED}, Status.DECLINED, RECEIVER, "declined_at"),
    "complete": ({Status.ACCEPTED}, Status.COMPLETED, RECEIVER, "completed_at"),
    "cancel": ({Status.SENT, Status.ACKNOWLEDGED, Status.ACCEPTED}, Status.CANCELLED, REFERRER, "cancelled_at"),
    "close": ({Status.COMPLETED, Status.DECLINED}, Status.CLOSED, REFERRER, "closed_at"),
}
# The text each action needs, and where it is kept.
NOTE_FIELDS = {"decline": "decline_reason", "complete": "outcome", "cancel": "cancel_reason"}
NOTE_REQUIRED = {"decline": "reason", "complete": "outcome"}


def allowed_actions(referral, user):
    """The steps this user may take on this referral now (for buttons)."""
    return [name for name in TRANSITIONS if _refusal(referral, user, name) is None]


def _refusal(referral, user, action):
    return _party_refusal(referral, user, action) or _status_refusal(referral, action)


def _party_refusal(referral, user, action):
    """Why this user's organisation or role may not take the step at all (a 403)."""
    _sources, _target, party, _field = TRANSITIONS[action]
    if party == RECEIVER and user.organisation_id != referral.receiving_organisation_id:
        return _("Only the receiving organisation (%(organisation)s) can %(action)s this referral.") % {
            "organisation": referral.receiving_organisation, "action": ACTION_VERBS[action]}
    if party == REFERRER and (user.organisation_id != referral.referring_organisation_id
                              or user.role not in {Role.CASEWORKER, Role.SUPERVISOR}):
        return _("Only the referring organisation (%(organisation)s) can %(action)s this referral.") % {
            "organisation": referral.referring_organisation, "action": ACTION_VERBS[action]}
    return None


def _status_refusal(referral, action):
    """Why the referral's status does not allow the step now (a 409)."""
    sources = TRANSITIONS[action][0]
    if referral.status not in sources:
        return _("This referral is %(status)s: it cannot be %(done)s now.") % {
            "status": referral.get_status_display().lower(), "done": ACTION_DONE[action]}
    return None


ACTION_VERBS = {
    "acknowledge": pgettext_lazy("referral", "acknowledge"), "accept": pgettext_lazy("referral", "accept"),
    "decline": pgettext_lazy("referral", "decline"), "complete": pgettext_lazy("referral", "complete"),
    "cancel": pgettext_lazy("referral", "cancel"), "close": pgettext_lazy("referral", "close"),
}
ACTION_DONE = {
    "acknowledge": pgettext_lazy("referral", "acknowledged"), "accept": pgettext_lazy("referral", "accepted"),
    "decline": pgettext_lazy("referral", "declined"), "complete": pgettext_lazy("referral", "completed"),
    "cancel": pgettext_lazy("referral", "cancelled"), "close": pgettext_lazy("referral", "closed"),
}


@transaction.atomic
def transition(*, actor, referral, action, note="", expected_version=None):
    """Take one step of the lifecycle; refused with PermissionDenied (403) when this party may not take
    it, NotAllowed (409) when the referral's status does not allow it, InvalidInput when a required
    reason or outcome is missing."""
    if action not in TRANSITIONS:
        raise NotAllowed(_("Unknown step."))
    referral = Referral.objects.select_for_update().select_related(
        "receiving_organisation", "referring_organisation").get(pk=referral.pk)
    if expected_version is not None and int(expected_version) != referral.version:
        raise StaleWrite(referral.version)
    refusal = _party_refusal(referral, actor, action)
    if refusal is not None:
        raise PermissionDenied(refusal)
    refusal = _status_refusal(referral, action)
    if refusal is not None:
        raise NotAllowed(refusal)
    note = " ".join(str(note or "").split())
    if action in NOTE_REQUIRED and not note:
        messages = {"decline": _("Say why you decline the referral."),
                    "complete": _("Describe the outcome of the service.")}
        raise InvalidInput({NOTE_REQUIRED[action]: [messages[action]]})
    before = audit.snapshot(referral)
    _sources, target, _party, timestamp_field = TRANSITIONS[action]
    now = timezone.now()
    previous = referral.status
    referral.status = target
    setattr(referral, timestamp_field, now)
    if action in NOTE_FIELDS:
        setattr(referral, NOTE_FIELDS[action], note)
    referral.version += 1
    referral.save()
    ReferralEvent.objects.create(referral=referral, at=now, actor=actor, organisation_id=actor.organisation_id,
                                 from_status=previous, to_status=target, note=note)
    audit.record_updated(actor, referral, before)
    if target == Status.COMPLETED:
        _record_service_delivered(referral, on=timezone.localdate(now))
    queue_webhooks(referral, f"referral.{target}")
    return referral


def _record_service_delivered(referral, *, on):
    """The person reached by the receiving organisation under the service's RMRP indicator: what the
    monthly report counts for a completed referral."""
    service_type = referral.service_type
    if service_type.indicator_id is None:
        return
    individual = Individual.objects.select_related("household__site__location").get(pk=referral.individual_id)
    activity.record(source_type=activity.SOURCE_REFERRAL, source_id=referral.pk, people=[individual],
                    organisation=referral.receiving_organisation, site=individual.household.site,
                    indicator=service_type.indicator, date=on)


# --- overdue ------------------------------------------------------------------------------------

@transaction.atomic
def flag_overdue_referrals(*, now=None):
    """Flag referrals not acknowledged by their due time, once each, and tell the referrer's
    supervisors. Returns the ids flagged by this run (an immediate rerun flags none)."""
    now = now or timezone.now()
    # The conditional UPDATE claims each referral once, even with two beat runs overlapping.
    flagged = list(
        Referral.objects.filter(status=Status.SENT, due_at__lt=now, overdue_flagged_at__isnull=True)
        .select_for_update(skip_locked=True).values_list("pk", flat=True)
    )
    if not flagged:
        return []
    Referral.objects.filter(pk__in=flagged, overdue_flagged_at__isnull=True).update(overdue_flagged_at=now)
    referrals = list(Referral.objects.filter(pk__in=flagged).select_related("referred_by"))
    supervisors = {}
    for user in User.objects.filter(
            role=Role.SUPERVISOR, is_active=True,
            organisation_id__in={referral.referring_organisation_id for referral in referrals}):
        supervisors.setdefault(user.organisation_id, []).append(user)
    notifications, events = [], []
    for referral in referrals:
        recipients = {user.pk: user for user in supervisors.get(referral.referring_organisation_id, [])}
        recipients.setdefault(referral.referred_by_id, referral.referred_by)
        notifications += [Notification(recipient=user, kind=Notification.Kind.OVERDUE, referral=referral,
                                       created_at=now) for user in recipients.values()]
        events.append(audit.unsaved_event(actor=None, action=AuditEvent.Action.UPDATE, instance=referral,
                                          changes={"overdue_flagged_at": {"before": None, "after": str(now)}}))
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    AuditEvent.objects.bulk_create(events)
    from referrals import tasks

    for referral_id in flagged:
        transaction.on_commit(lambda referral_id=referral_id: tasks.email_overdue_referral.delay(str(referral_id)))
    return flagged


def overdue_email_recipients(referral):
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True,
                                    organisation_id=referral.referring_organisation_id)
                .exclude(email="").values_list("email", flat=True))


@transaction.atomic
def mark_notifications_read(*, user, ids=None):
    notifications = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        notifications = notifications.filter(pk__in=ids)
    return notifications.update(read_at=timezone.now())


# --- webhooks -------------------------------------------------------------------------------------

def queue_webhooks(referral, event):
    """One delivery per active endpoint of either organisation, its body frozen now; sent after commit."""
    endpoints = list(WebhookEndpoint.objects.filter(
        is_active=True,
        organisation_id__in=[referral.receiving_organisation_id, referral.referring_organisation_id]))
    if not endpoints:
        return []
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, referral=referral, event=event)
        delivery.body = json.dumps(
            {"event": event, "delivery_id": str(delivery.pk), "occurred_at": timezone.now().isoformat(),
             "referral": sharing.shared_fields(referral)},
            cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True,
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    from referrals import tasks

    for delivery in deliveries:
        transaction.on_commit(lambda delivery_id=delivery.pk: tasks.deliver_webhook.delay(str(delivery_id)))
    return deliveries
