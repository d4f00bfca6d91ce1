from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from casework.api.messages import NO_SUCH_RECORD
from casework.codes import PopulationType
from casework.models import Household, Site
from distributions import services
from distributions.models import (
    Commodity,
    DistributionRound,
    EntitlementRule,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMovement,
    VerificationMethod,
)

# A read-only use of DRF's own field, for answers like the ones it would give.
DATETIME = serializers.DateTimeField()


class CommoditySerializer(serializers.ModelSerializer):
    class Meta:
        model = Commodity
        fields = ["code", "name", "name_es", "category", "unit", "sector", "indicator", "tracks_stock", "is_active"]
        extra_kwargs = {"code": {"validators": []}}


class EntitlementRuleSerializer(serializers.ModelSerializer):
    commodity = serializers.SlugRelatedField(slug_field="code", queryset=Commodity.objects.filter(is_active=True))

    class Meta:
        model = EntitlementRule
        fields = ["commodity", "per", "quantity", "household_size_min", "household_size_max", "sex", "age_min",
                  "age_max"]
        extra_kwargs = {"per": {"required": False}, "sex": {"required": False}}


class RoundSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.filter(is_active=True))
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    population_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PopulationType.choices), required=False,
        help_text=_("Empty: every population type is eligible."),
    )
    rules = EntitlementRuleSerializer(many=True, help_text=_("Entitlement per household size band or per member."))
    version = serializers.IntegerField(
        required=False, help_text=_("On update: the version you read; a stale one is refused with 409.")
    )

    class Meta:
        model = DistributionRound
        fields = ["id", "organisation", "site", "name", "starts_on", "ends_on", "population_types", "status",
                  "rules", "version", "created_by", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"status": {"required": False}}


class EntitlementLineSerializer(serializers.Serializer):
    commodity = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)


class EntitlementSerializer(serializers.Serializer):
    household = serializers.UUIDField()
    registration_number = serializers.CharField()
    eligible = serializers.BooleanField()
    reason = serializers.CharField()
    lines = EntitlementLineSerializer(many=True)
    served_by = serializers.DictField(allow_null=True, help_text=_("The receipt that already served the "
                                                                   "household in this round, if any."))


class ReceiptLineSerializer(serializers.ModelSerializer):
    commodity = serializers.CharField(help_text=_("Commodity code"))

    class Meta:
        model = ReceiptLine
        fields = ["commodity", "quantity"]

    def to_representation(self, line):
        return {"commodity": line.commodity.code, "quantity": f"{line.quantity:.2f}"}


class ReceiptSerializer(serializers.ModelSerializer):
    registration_number = serializers.CharField(source="household.registration_number", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = ReceiptLineSerializer(many=True, read_only=True)
    handed_over_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    voided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "household", "registration_number", "round", "site", "distributed_at", "handed_over_by",
                  "verification_method", "lines", "voided_at", "voided_by", "void_reason", "created_at"]
        read_only_fields = fields

    def to_representation(self, receipt):
        # Written out rather than built from the fields: a receipt is answered at every table of a
        # distribution, and the fields cost more than the receipt's own queries. Give it `with_details()`.
        return {
            "id": str(receipt.pk), "household": str(receipt.household_id),
            "registration_number": receipt.household.registration_number, "round": str(receipt.round_id),
            "site": receipt.site.code, "distributed_at": DATETIME.to_representation(receipt.distributed_at),
            "handed_over_by": receipt.handed_over_by.username, "verification_method": receipt.verification_method,
            "lines": [{"commodity": line.commodity.code, "quantity": f"{line.quantity:.2f}"}
                      for line in sorted(receipt.lines.all(), key=lambda line: line.commodity.code)],
            "voided_at": DATETIME.to_representation(receipt.voided_at),
            "voided_by": receipt.voided_by.username if receipt.voided_by_id else None,
            "void_reason": receipt.void_reason, "created_at": DATETIME.to_representation(receipt.created_at),
        }


@extend_schema_serializer(component_name="Receipt")
class ReceiptCreateSerializer(serializers.Serializer):
    # A plain serializer (no docstring: it would become the schema's description) whose household and
    # round come back read as the service needs them, in three queries.
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    household = serializers.UUIDField()
    round = serializers.UUIDField()
    site = serializers.CharField(label=capfirst(_("code")), required=False,
                                 help_text=_("Defaults to the round's site."))
    distributed_at = serializers.DateTimeField(label=capfirst(Receipt._meta.get_field("distributed_at").verbose_name),
                                               required=False)
    verification_method = serializers.ChoiceField(
        label=capfirst(Receipt._meta.get_field("verification_method").verbose_name), choices=VerificationMethod.choices)
    lines = ReceiptLineSerializer(many=True, required=False,
                                  help_text=_("What was handed over; defaults to the full entitlement."))

    def validate_household(self, pk):
        user = self.context["request"].user
        household = services.household_with_members(Household.objects.visible_to(user), pk)
        if household is None:
            raise serializers.ValidationError(NO_SUCH_RECORD.format(pk_value=pk))
        return household

    def validate_round(self, pk):
        user = self.context["request"].user
        try:
            return services.rounds_for_receipts(DistributionRound.objects.visible_to(user), user).get(pk=pk)
        except DistributionRound.DoesNotExist:
            raise serializers.ValidationError(NO_SUCH_RECORD.format(pk_value=pk)) from None


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class StockBalanceSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    commodity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.CharField(source="commodity.unit", read_only=True)

    class Meta:
        model = StockBalance
        fields = ["organisation", "site", "commodity", "unit", "quantity", "updated_at"]


class StockMovementSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    kind = serializers.ChoiceField(
        choices=[("received", _("Received")), ("adjustment", _("Adjustment")), ("transfer", _("Transfer"))],
        help_text=_("On create: received, adjustment (with a reason; negative for a loss) or transfer "
                    "(with to_site). Listed movements also show issued, returned, transfer_out and transfer_in."),
    )
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.filter(is_active=True))
    to_site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.filter(is_active=True),
                                           write_only=True, required=False)
    commodity = serializers.SlugRelatedField(slug_field="code", queryset=Commodity.objects.filter(is_active=True))
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StockMovement
        fields = ["id", "organisation", "site", "commodity", "kind", "quantity", "reason", "to_site", "note",
                  "receipt", "transfer", "occurred_at", "recorded_by"]
        read_only_fields = ["receipt", "transfer"]
        extra_kwargs = {"occurred_at": {"required": False}, "reason": {"required": False},
                        "note": {"required": False}}

    def to_representation(self, movement):
        data = super().to_representation(movement)
        data["kind"] = movement.kind
        return data
