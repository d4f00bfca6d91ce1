import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from casework.codes import Role, Sector
from casework.models import Consent, Individual, Location, Organisation
from referrals.codes import ConsentException, ContactPreference, Language, Status, Urgency


class ServiceType(models.Model):
    """A protection or assistance service people are referred to (seeded; admins may add)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    indicator = models.ForeignKey(
        "reporting.Indicator", on_delete=models.PROTECT, null=True, blank=True, related_name="service_types",
        verbose_name=_("indicator"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return gettext(self.name)


def location_and_ancestors(location):
    """The location and every area that contains it: an offer for a department covers its districts."""
    chain = []
    while location is not None:
        chain.append(location.pk)
        location = location.parent
    return chain


class ServiceOfferQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, organisation__is_active=True, service_type__is_active=True)

    def near(self, location):
        return self.filter(locations__in=location_and_ancestors(location)).distinct()


class ServiceOffer(models.Model):
    """An organisation offers a service in some areas, with a contact point for referrals."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="service_offers",
                                     verbose_name=_("organisation"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="offers",
                                     verbose_name=_("service type"))
    locations = models.ManyToManyField(Location, related_name="service_offers", verbose_name=_("locations"),
                                       help_text=_("A department covers its provinces and districts."))
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ServiceOfferQuerySet.as_manager()

    class Meta:
        ordering = ["service_type__name", "organisation__name"]
        verbose_name = _("service offer")
        verbose_name_plural = _("service offers")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "service_type"], name="one_offer_per_org_service"),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.service_type}"


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Referrals sent by or to the user's organisation; a caseworker of the referring side sees
        those of the people at their sites."""
        if not user.is_authenticated or not user.is_active or user.organisation_id is None:
            return self.none()
        received = Q(receiving_organisation_id=user.organisation_id)
        sent = Q(referring_organisation_id=user.organisation_id)
        if user.role in {Role.SUPERVISOR, Role.PARTNER_AGENCY}:
            return self.filter(received | sent)
        if user.role == Role.CASEWORKER:
            return self.filter(received | (sent & Q(individual__household__site__in=user.sites.all())))
        return self.none()

    def involving(self, organisation_id):
        return self.filter(Q(receiving_organisation_id=organisation_id) | Q(referring_organisation_id=organisation_id))

    def awaiting_acknowledgement(self):
        return self.filter(status=Status.SENT)

    def overdue(self, now=None):
        return self.awaiting_acknowledgement().filter(due_at__lt=now or timezone.now())

    def response_times(self):
        """Per receiving organisation and service: how many referrals, how many reached each step, and
        the mean time from sending to acknowledgement, acceptance and completion, all in one query."""

        def mean_time_to(field):
            return models.Avg(models.ExpressionWrapper(models.F(field) - models.F("sent_at"),
                                                       output_field=models.DurationField()))

        late = Q(acknowledged_at__gt=models.F("due_at")) | Q(acknowledged_at__isnull=True, due_at__lt=Now(),
                                                               status=Status.SENT)
        return (
            self.order_by()
            .values("receiving_organisation__code", "receiving_organisation__name", "service_type__code",
                    "service_type__name")
            .annotate(
                referrals=models.Count("id"),
                acknowledged=models.Count("acknowledged_at"),
                accepted=models.Count("accepted_at"),
                declined=models.Count("declined_at"),
                completed=models.Count("completed_at"),
                acknowledged_late=models.Count("id", filter=late),
                time_to_acknowledge=mean_time_to("acknowledged_at"),
                time_to_accept=mean_time_to("accepted_at"),
                time_to_complete=mean_time_to("completed_at"),
            )
            .order_by("receiving_organisation__name", "service_type__name")
        )

    def with_list_details(self):
        return self.select_related(
            "individual__household", "referring_organisation", "receiving_organisation", "service_type",
            "referred_by", "consent",
        )


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    individual = models.ForeignKey(Individual, on_delete=models.PROTECT, related_name="referrals",
                                   verbose_name=_("person"))
    referring_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_sent",
                                               verbose_name=_("referring organisation"))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made",
                                    verbose_name=_("referred by"))
    receiving_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                               related_name="referrals_received",
                                               verbose_name=_("receiving organisation"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="referrals",
                                     verbose_name=_("service"))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    reason = models.TextField(_("reason for referral"), max_length=1000)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.SPANISH)
    contact_preference = models.CharField(_("contact preference"), max_length=24, choices=ContactPreference.choices)
    consent_given = models.BooleanField(_("consent given"), default=False)
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="referrals", verbose_name=_("case"),
                             help_text=_("The case the referral is made from; never shown to the partner."))
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals",
                                verbose_name=_("consent record"))
    consent_exception = models.CharField(_("referral without consent"), max_length=32,
                                         choices=ConsentException.choices, blank=True)
    exception_justification = models.TextField(_("justification"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENT)
    due_at = models.DateTimeField(_("acknowledge by"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_given=True, consent__isnull=False)
                | (Q(consent_given=False) & ~Q(consent_exception="") & ~Q(exception_justification="")),
                name="referral_consent_or_exception",
            ),
            models.CheckConstraint(condition=~Q(receiving_organisation=models.F("referring_organisation")),
                                   name="referral_to_another_organisation"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="referral_status_known"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decline_reason=""),
                                   name="referral_decline_has_reason"),
            models.CheckConstraint(condition=Q(completed_at__isnull=True) | ~Q(outcome=""),
                                   name="referral_completion_has_outcome"),
        ]
        indexes = [
            models.Index(fields=["receiving_organisation", "-sent_at"], name="referral_received_idx"),
            models.Index(fields=["referring_organisation", "-sent_at"], name="referral_sent_idx"),
            models.Index(fields=["due_at"], condition=Q(status="sent", overdue_flagged_at__isnull=True),
                         name="referral_awaiting_idx"),
        ]

    def __str__(self):
        return f"{self.service_type} · {self.receiving_organisation} ({self.short_id})"

    @property
    def short_id(self):
        return str(self.pk)[:8].upper()

    @property
    def contact(self):
        """Read from the registry, not copied: a new number reaches the partner, and anonymising the person
        removes it from the referral too."""
        return self.individual.phone or self.individual.household.phone

    @property
    def is_overdue(self):
        return self.status == Status.SENT and self.due_at < timezone.now()

    def consent_scope(self):
        """What the person agreed to, or the exception the referral was made under."""
        if self.consent_given and self.consent is not None:
            return list(self.consent.purposes)
        return []


class ReferralEvent(models.Model):
    """One step of a referral's life, as the referring caseworker sees it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, related_name="+")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message for one user about a referral."""

    class Kind(models.TextChoices):
        OVERDUE = "referral_overdue", _("A referral was not acknowledged in time")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "referral"], name="one_notification_per_event"),
        ]


class WebhookEndpoint(models.Model):
    """Where an organisation's system wants to hear about its referrals."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="webhook_endpoints",
                                     verbose_name=_("organisation"))
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200,
                              help_text=_("Shared with the partner: it checks the X-Caminos-Signature header."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "url"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return f"{self.organisation} → {self.url}"


class WebhookDelivery(models.Model):
    """One event to send to one endpoint. Its id travels as X-Caminos-Delivery on every attempt, so
    that a partner receiving a retry knows it already has it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="webhook_deliveries",
                                 verbose_name=_("referral"))
    event = models.CharField(_("event"), max_length=32)
    # Frozen when the event happened: a retry sends exactly the same bytes.
    body = models.TextField()
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.pk})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_row_per_attempt")]
