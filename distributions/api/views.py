from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from casework import audit
from casework.api.views import IF_MATCH, VersionedUpdateMixin
from casework.models import AuditEvent, Household
from distributions import exports, services
from distributions.api.serializers import (
    CommoditySerializer,
    EntitlementSerializer,
    ReceiptCreateSerializer,
    ReceiptSerializer,
    RoundSerializer,
    StockBalanceSerializer,
    StockMovementSerializer,
    VoidSerializer,
)
from distributions.filters import ReceiptFilterSet, RoundFilterSet, StockBalanceFilterSet, StockMovementFilterSet
from distributions.models import (
    Commodity,
    DistributionRound,
    EntitlementRule,
    Receipt,
    StockBalance,
    StockMovement,
)

CONFLICT = OpenApiResponse(description="Already served: names the earlier receipt, who handed over and when.")


def served_by(receipt):
    if receipt is None:
        return None
    return {"receipt": str(receipt.pk), "handed_over_by": services.person_name(receipt.handed_over_by),
            "distributed_at": receipt.distributed_at.isoformat()}


def already_served_response(refusal):
    return Response({"detail": refusal.message, **served_by(refusal.receipt)}, status=status.HTTP_409_CONFLICT)


class CommodityViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The catalogue: what is distributed, its unit, and the sector and indicator it reports under."""

    policy_resource = "commodity"
    serializer_class = CommoditySerializer
    queryset = Commodity.objects.all()
    lookup_field = "code"
    filterset_fields = ["category", "sector", "is_active"]

    def perform_create(self, serializer):
        serializer.instance = services.save_commodity(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.save_commodity(actor=self.request.user, commodity=serializer.instance,
                                                      **serializer.validated_data)


class RoundViewSet(VersionedUpdateMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Distribution rounds with their items and entitlement rules, and the roster for distributing on paper."""

    policy_resource = "distribution_round"
    serializer_class = RoundSerializer
    filterset_class = RoundFilterSet

    def get_queryset(self):
        return (
            DistributionRound.objects.visible_to(self.request.user)
            .select_related("site", "organisation", "created_by")
            .prefetch_related(Prefetch("rules", queryset=EntitlementRule.objects.select_related("commodity")))
            .order_by("-starts_on", "id")
        )

    def detail_serializer(self, record):
        # A round holds no personal data: nothing sensitive to hide.
        return self.get_serializer(record)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        round, created = services.create_round(actor=request.user, **serializer.validated_data)
        return self.respond_with(round, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_versioned_update(self, round, data, version):
        data.pop("id", None)
        data.pop("version", None)
        return services.update_round(actor=self.request.user, round=round, expected_version=version, **data)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("household", OpenApiTypes.UUID, required=True)],
        responses=EntitlementSerializer,
    )
    @action(detail=True, methods=["get"])
    def entitlement(self, request, pk=None):
        """What a household is entitled to in this round, and whether it was already served."""
        round = self.get_object()
        household = get_object_or_404(
            Household.objects.visible_to(request.user).prefetch_related("members"),
            pk=serializers.UUIDField().run_validation(request.query_params.get("household")),
        )
        entitlement = services.entitlement_for(household, round)
        earlier = services.served_receipt(household, round)
        return Response(EntitlementSerializer({
            "household": household.pk, "registration_number": household.registration_number,
            "eligible": entitlement.eligible, "reason": entitlement.reason, "served_by": served_by(earlier),
            "lines": [{"commodity": c.code, "name": c.display_name, "unit": c.unit, "quantity": q}
                      for c, q in entitlement.lines],
        }).data)

    def _export(self, request, content, content_type, extension):
        round = self.get_object()
        audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, instance=round,
                     changes={"format": extension})
        response = HttpResponse(content(round), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="roster-{round.pk}.{extension}"'
        return response

    # Routed in api_urls.py without a trailing slash, like a file: /distribution-rounds/{id}/roster.csv
    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def roster_csv(self, request, pk=None):
        """The roster to fill in: each eligible household with its entitlement; columns `received` and
        `distributed_on` are left for the officer."""
        return self._export(request, exports.roster_csv, "text/csv; charset=utf-8", "csv")

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def roster_pdf(self, request, pk=None):
        """The roster to print, with room for the date and the signature."""
        return self._export(request, exports.roster_pdf, "application/pdf", "pdf")

    @extend_schema(
        request={"multipart/form-data": inline_serializer("RosterUpload", {"file": serializers.FileField()})},
        responses=inline_serializer("RosterImportResult", {
            "created": serializers.IntegerField(), "skipped": serializers.ListField(child=serializers.CharField()),
            "not_received": serializers.IntegerField(),
        }),
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_roster(self, request, pk=None):
        """Import the completed roster (CSV). Any row error: 400 with `rows` {row number: [messages]} and
        nothing saved. Households already served are skipped, so a second import changes nothing."""
        round = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": [_("Choose the completed roster (CSV file).")]},
                            status=status.HTTP_400_BAD_REQUEST)
        result = services.import_roster(actor=request.user, round=round, content=upload.read())
        return Response({"created": len(result.created), "skipped": result.skipped,
                         "not_received": result.not_received})


class ReceiptViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Receipts: what a household received in a round. Never deleted; a supervisor voids a mistake."""

    policy_resource = "receipt"
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilterSet

    def get_queryset(self):
        return Receipt.objects.visible_to(self.request.user).with_details().order_by("-distributed_at", "id")

    def retrieve(self, request, *args, **kwargs):
        receipt = self.get_object()
        audit.record_viewed(request.user, receipt)
        return Response(self.get_serializer(receipt).data)

    @extend_schema(request=ReceiptCreateSerializer,
                   responses={201: ReceiptSerializer, 200: ReceiptSerializer, 409: CONFLICT})
    def create(self, request, *args, **kwargs):
        body = ReceiptCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "lines" in data:
            data["lines"] = [dict(line) for line in data["lines"]]
        try:
            receipt, created = services.record_receipt(actor=request.user, **data)
        except services.AlreadyServed as refusal:
            return already_served_response(refusal)
        if not created:
            receipt = Receipt.objects.with_details().get(pk=receipt.pk)
        # A new receipt comes back holding its household, round, site, officer and lines: nothing is read.
        return Response(self.get_serializer(receipt).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=VoidSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void a receipt recorded by mistake (supervisors), with a reason; its goods go back to stock."""
        receipt = self.get_object()
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.void_receipt(actor=request.user, receipt=receipt, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=receipt.pk)).data)


class StockBalanceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What is left of each commodity at each site."""

    policy_resource = "stock"
    serializer_class = StockBalanceSerializer
    filterset_class = StockBalanceFilterSet

    def get_queryset(self):
        return (StockBalance.objects.visible_to(self.request.user)
                .select_related("organisation", "site", "commodity").order_by("site__code", "commodity__code"))


class StockMovementViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """The stock ledger. Supervisors record goods received, adjustments (loss, damage) and transfers;
    receipts issue stock by themselves."""

    policy_resource = "stock_movement"
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilterSet

    def get_queryset(self):
        return (StockMovement.objects.visible_to(self.request.user)
                .select_related("organisation", "site", "commodity", "recorded_by")
                .order_by("-occurred_at", "id"))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement, created = services.record_stock_movement(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=movement.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
