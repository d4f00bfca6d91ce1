from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.models import Case, Individual, Organisation
from referrals import sharing
from referrals.codes import ConsentException, ContactPreference, Language, Urgency
from referrals.models import (
    Referral,
    ReferralEvent,
    ServiceOffer,
    ServiceType,
    WebhookAttempt,
    WebhookDelivery,
)


class PersonSerializer(serializers.Serializer):
    """The person as a partner sees them: nothing of the household, case or specific needs."""

    given_name = serializers.CharField()
    family_name = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField()
    contact = serializers.CharField()
    language = serializers.CharField()


class ReferralEventSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ReferralEvent
        fields = ["at", "organisation", "from_status", "to_status", "note"]


# Only the referring organisation reads these: its own person, caseworker and history.
REFERRER_ONLY = ("individual", "case", "referred_by", "exception_justification", "cancel_reason", "events")


class ReferralSerializer(serializers.ModelSerializer):
    """A referral. The receiving side gets the minimal fields (sharing.shared_fields); the referring
    side also the person's id, the caseworker and the step history."""

    referring_organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    receiving_organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    referred_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    person = serializers.SerializerMethodField()
    consent_scope = serializers.ListField(child=serializers.CharField(), read_only=True,
                                          help_text=_("The purposes the person consented to."))
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    events = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id", "individual", "case", "referring_organisation", "referred_by", "receiving_organisation", "service_type",
            "urgency", "reason", "language", "contact_preference", "person", "consent_given", "consent_scope",
            "consent_exception", "exception_justification", "status", "due_at", "overdue", "sent_at",
            "acknowledged_at", "accepted_at", "declined_at", "decline_reason", "completed_at", "outcome",
            "closed_at", "cancelled_at", "cancel_reason", "version", "updated_at", "events",
        ]
        read_only_fields = fields
        extra_kwargs = {"individual": {"help_text": _("Only for the referring organisation.")}}

    @extend_schema_field(PersonSerializer)
    def get_person(self, referral):
        return sharing.person(referral)

    @extend_schema_field(ReferralEventSerializer(many=True))
    def get_events(self, referral):
        if not self.context.get("with_events"):
            return None
        return ReferralEventSerializer(referral.events.select_related("organisation"), many=True).data

    def to_representation(self, referral):
        data = super().to_representation(referral)
        request = self.context.get("request")
        if request is None or request.user.organisation_id != referral.referring_organisation_id:
            for name in REFERRER_ONLY:
                data.pop(name, None)
        elif data.get("events") is None:
            data.pop("events")
        return data


class ReferralCreateSerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    individual = serializers.PrimaryKeyRelatedField(queryset=Individual.objects.none())
    receiving_organisation = serializers.SlugRelatedField(slug_field="code",
                                                          queryset=Organisation.objects.filter(is_active=True))
    service_type = serializers.SlugRelatedField(slug_field="code", queryset=ServiceType.objects.filter(is_active=True))
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    reason = serializers.CharField(max_length=1000, help_text=_("Only what the partner needs to help the person."))
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    contact_preference = serializers.ChoiceField(choices=ContactPreference.choices)
    consent_exception = serializers.ChoiceField(
        choices=ConsentException.choices, required=False, allow_blank=True,
        help_text=_("Only without the person's consent: the exception the referral is made under."))
    exception_justification = serializers.CharField(required=False, allow_blank=True)
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none(), required=False, allow_null=True,
                                              help_text=_("The case the referral is made from, if any."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["individual"].queryset = Individual.objects.visible_to(request.user)
            self.fields["case"].queryset = Case.objects.visible_to(request.user)


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True,
                                   help_text=_("Required to decline; optional to cancel."))
    outcome = serializers.CharField(required=False, allow_blank=True, help_text=_("Required to complete."))
    version = serializers.IntegerField(required=False, help_text=_("The version you read; a stale one is 409."))


class ResponseTimeSerializer(serializers.Serializer):
    receiving_organisation = serializers.CharField(source="receiving_organisation__code")
    receiving_organisation_name = serializers.CharField(source="receiving_organisation__name")
    service_type = serializers.CharField(source="service_type__code")
    referrals = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    completed = serializers.IntegerField()
    acknowledged_late = serializers.IntegerField(help_text=_("Acknowledged after the due time, or still waiting."))
    hours_to_acknowledge = serializers.SerializerMethodField()
    hours_to_accept = serializers.SerializerMethodField()
    hours_to_complete = serializers.SerializerMethodField()

    @staticmethod
    def _hours(value):
        return None if value is None else round(value.total_seconds() / 3600, 1)

    def get_hours_to_acknowledge(self, row) -> float | None:
        return self._hours(row["time_to_acknowledge"])

    def get_hours_to_accept(self, row) -> float | None:
        return self._hours(row["time_to_accept"])

    def get_hours_to_complete(self, row) -> float | None:
        return self._hours(row["time_to_complete"])


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ServiceType
        fields = ["code", "name", "sector", "indicator"]


class ServiceOfferSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_name = serializers.CharField(source="service_type.__str__", read_only=True)
    sector = serializers.CharField(source="service_type.sector", read_only=True)
    locations = serializers.SlugRelatedField(slug_field="pcode", many=True, read_only=True)

    class Meta:
        model = ServiceOffer
        fields = ["id", "organisation", "organisation_name", "service_type", "service_name", "sector", "locations",
                  "contact_name", "contact_email", "contact_phone"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status_code", "error", "duration_ms"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="endpoint.organisation.code", read_only=True)
    url = serializers.CharField(source="endpoint.url", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        # The body holds a person's name: admins see that a delivery happened, not what it said.
        fields = ["id", "organisation", "url", "referral", "event", "state", "attempts", "created_at",
                  "delivered_at", "attempt_log"]
