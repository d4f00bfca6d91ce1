from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.codes import ConsentPurpose
from casework.codes import is_sensitive_need
from casework.models import AuditEvent, Consent, Household, Individual, Location, Organisation, Site


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["code", "name", "kind"]


class LocationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="pcode", read_only=True)

    class Meta:
        model = Location
        fields = ["pcode", "name", "admin_level", "parent"]


class SiteSerializer(serializers.ModelSerializer):
    location = serializers.SlugRelatedField(slug_field="pcode", read_only=True)

    class Meta:
        model = Site
        fields = ["code", "name", "kind", "location"]


class MemberSerializer(serializers.ModelSerializer):
    """A person as sent and shown inside a household."""

    id = serializers.UUIDField(required=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    age_years = serializers.IntegerField(
        write_only=True, required=False, min_value=0, max_value=120,
        help_text=_("Instead of date_of_birth: the age the person gives; sets an estimated date of birth."),
    )
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    specific_needs = serializers.ListField(child=serializers.CharField(max_length=8), required=False)

    class Meta:
        model = Individual
        fields = [
            "id", "relationship_to_head", "given_name", "family_name", "sex", "date_of_birth",
            "date_of_birth_estimated", "age_years", "nationality", "document_type", "document_number", "phone",
            "specific_needs", "version",
        ]
        read_only_fields = ["version"]
        extra_kwargs = {"date_of_birth_estimated": {"required": False}}
        # Document uniqueness and the one-head rule are the registration service's to check, with
        # messages that name the household already holding the document.
        validators = []

    def to_representation(self, instance):
        # The same values DRF's fields give (tests/casework/test_households_api.py compares them), read
        # directly: field by field, a page of fifty households' members took longer than its queries.
        born = instance.date_of_birth
        needs = list(instance.specific_needs or [])
        # GBV, torture and trafficking codes only reach readers cleared for them, and never a list.
        if not self.root.context.get("show_sensitive"):
            needs = [code for code in needs if not is_sensitive_need(code)]
        return {
            "id": str(instance.id), "relationship_to_head": instance.relationship_to_head,
            "given_name": instance.given_name, "family_name": instance.family_name, "sex": instance.sex,
            "date_of_birth": born.isoformat() if born else None,
            "date_of_birth_estimated": instance.date_of_birth_estimated, "nationality": instance.nationality,
            "document_type": instance.document_type, "document_number": instance.document_number,
            "phone": instance.phone, "specific_needs": needs, "version": instance.version,
        }

    def validate(self, attrs):
        if attrs.get("date_of_birth") is None and attrs.get("age_years") is None and not self.partial:
            raise serializers.ValidationError({"date_of_birth": [_("Give the date of birth or an estimated age.")]})
        return attrs


class IndividualSerializer(MemberSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none())

    class Meta(MemberSerializer.Meta):
        fields = MemberSerializer.Meta.fields + ["household"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["household"].queryset = Household.objects.visible_to(request.user)
        if self.instance is not None:
            self.fields["household"].read_only = True

    def to_representation(self, instance):
        return super().to_representation(instance) | {"household": instance.household_id}


class HouseholdSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.filter(is_active=True))
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    registered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    consent_purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentPurpose.choices), write_only=True, required=False,
        help_text=_("What the family consented to; defaults to registration and assistance."),
    )
    members = MemberSerializer(many=True)
    version = serializers.IntegerField(
        required=False, help_text=_("On update: the version you read; a stale one is refused with 409.")
    )

    class Meta:
        model = Household
        fields = [
            "id", "registration_number", "organisation", "site", "population_type", "registered_at",
            "registered_by", "phone", "intended_destination", "consent_given", "consent_purposes", "members",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = ["registration_number", "created_at", "updated_at"]
        extra_kwargs = {"registered_at": {"required": False}, "intended_destination": {"required": False}}


# A page of the household list, built from plain rows: model instances and DRF's field-by-field walk
# cost more than the page's queries did (issue 2's list target). The output is the same as
# HouseholdSerializer's (tests/casework/test_households_api.py compares the two).
HOUSEHOLD_LIST_COLUMNS = (
    "id", "registration_number", "organisation__code", "site__code", "population_type", "registered_at",
    "registered_by__username", "phone", "intended_destination", "consent_given", "version", "created_at",
    "updated_at",
)
MEMBER_LIST_COLUMNS = (
    "household_id", "id", "relationship_to_head", "given_name", "family_name", "sex", "date_of_birth",
    "date_of_birth_estimated", "nationality", "document_type", "document_number", "phone", "specific_needs",
    "version",
)
_DATETIME = serializers.DateTimeField()


def household_list_page(rows, member_rows):
    """Households as the API lists them, from HOUSEHOLD_LIST_COLUMNS rows and their members'
    MEMBER_LIST_COLUMNS rows in member order. Sensitive specific needs never reach a list."""
    members = {}
    for (household_id, person_id, relationship, given_name, family_name, sex, born, estimated, nationality,
         document_type, document_number, phone, needs, version) in member_rows:
        members.setdefault(household_id, []).append({
            "id": str(person_id), "relationship_to_head": relationship, "given_name": given_name,
            "family_name": family_name, "sex": sex, "date_of_birth": born.isoformat() if born else None,
            "date_of_birth_estimated": estimated, "nationality": nationality, "document_type": document_type,
            "document_number": document_number, "phone": phone,
            "specific_needs": [code for code in needs or () if not is_sensitive_need(code)], "version": version,
        })
    return [{
        "id": str(household_id), "registration_number": number, "organisation": organisation, "site": site,
        "population_type": population_type, "registered_at": _DATETIME.to_representation(registered_at),
        "registered_by": registered_by, "phone": phone, "intended_destination": destination,
        "consent_given": consent, "members": members.get(household_id, []), "version": version,
        "created_at": _DATETIME.to_representation(created_at), "updated_at": _DATETIME.to_representation(updated_at),
    } for (household_id, number, organisation, site, population_type, registered_at, registered_by, phone,
           destination, consent, version, created_at, updated_at) in rows]


class ConsentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_(
        "Send your own id on create: a retry with the same id returns the consent the first one recorded."))
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none(), required=False, allow_null=True)
    individual = serializers.PrimaryKeyRelatedField(queryset=Individual.objects.none(), required=False,
                                                    allow_null=True)
    purposes = serializers.ListField(child=serializers.ChoiceField(choices=ConsentPurpose.choices))
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    withdrawn_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "household", "individual", "purposes", "given_by", "given_at", "recorded_by",
                  "withdrawn_at", "withdrawn_by"]
        read_only_fields = ["recorded_by", "withdrawn_at", "withdrawn_by"]
        extra_kwargs = {"given_at": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["household"].queryset = Household.objects.visible_to(request.user)
            self.fields["individual"].queryset = Individual.objects.visible_to(request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "changes", "ip_address", "request_id"]
