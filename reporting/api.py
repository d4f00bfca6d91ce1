from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import audit
from casework.models import AuditEvent, Location
from reporting import exports, figures, services
from reporting.models import Indicator, ReportRun, RollupRow
from reporting.rollup import parse_period


def period_param(request, required=True):
    raw = request.query_params.get("period")
    if not raw:
        if required:
            raise ValidationError({"period": [_("Give the month as period=YYYY-MM.")]})
        return None
    try:
        return parse_period(raw)
    except ValueError as error:
        raise ValidationError({"period": [str(error)]}) from error


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "sector", "name", "activity_name", "rmrp", "is_active"]


class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):
    policy_resource = "indicator"
    serializer_class = IndicatorSerializer
    queryset = Indicator.objects.all()
    lookup_field = "code"
    filterset_fields = ["sector", "is_active"]


class ReportRunSerializer(serializers.ModelSerializer):
    period = serializers.CharField(help_text="YYYY-MM")
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReportRun
        fields = ["id", "period", "status", "requested_by", "requested_at", "started_at", "finished_at",
                  "departments", "rows", "error"]
        read_only_fields = ["id", "status", "requested_by", "requested_at", "started_at", "finished_at",
                            "departments", "rows", "error"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["period"] = f"{instance.period:%Y-%m}"
        return data


class ReportRunViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                       viewsets.GenericViewSet):
    """`POST {"period": "2026-10"}` queues the month's rollup (202); its status is queued, running,
    succeeded or failed."""

    policy_resource = "report"
    serializer_class = ReportRunSerializer
    queryset = ReportRun.objects.select_related("requested_by")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.request_run(period=serializer.validated_data["period"], requested_by=request.user)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


class RollupRowSerializer(serializers.ModelSerializer):
    period = serializers.DateField(format="%Y-%m")
    admin1 = serializers.SlugRelatedField(slug_field="pcode", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RollupRow
        fields = ["period", "admin1", "site", "organisation", "sector", "indicator", "population_type", "sex",
                  "age_band", "people_reached", "new_people", "quantity", "computed_at"]


class RollupRowViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The computed rows of the caller's organisation: `?period=YYYY-MM` (required), and filters."""

    policy_resource = "report"
    serializer_class = RollupRowSerializer
    filterset_fields = {"sector": ["exact"], "population_type": ["exact"], "sex": ["exact"],
                        "age_band": ["exact"], "admin1__pcode": ["exact"], "site__code": ["exact"],
                        "indicator__code": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RollupRow.objects.none()
        return RollupRow.objects.filter(
            organisation_id=self.request.user.organisation_id, period=period_param(self.request)
        ).select_related("admin1", "site", "organisation", "indicator").order_by(
            "admin1__pcode", "site__code", "indicator__code", "population_type", "sex", "age_band", "id")

    @extend_schema(parameters=[OpenApiParameter("period", str, required=True, description="YYYY-MM")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class SummaryView(APIView):
    """Distinct people per sector and overall, with the platform's cross-sector estimate beside them."""

    policy_resource = "report"
    action = "list"

    @extend_schema(parameters=[
        OpenApiParameter("period", str, description="YYYY-MM"), OpenApiParameter("year", int),
        OpenApiParameter("admin1", str, description="Department P-code, e.g. PE24")],
        responses=inline_serializer("ReportSummary", {
            "people_reached": serializers.IntegerField(), "platform_estimate": serializers.IntegerField(),
            "sectors": serializers.ListField(child=serializers.DictField()),
            "indicators": serializers.ListField(child=serializers.DictField())}))
    def get(self, request):
        return Response(summary_for(request))


def summary_for(request):
    period = period_param(request, required=False)
    year = request.query_params.get("year")
    if period is None and not (year and year.isdigit() and 2000 <= int(year) <= 2100):
        raise ValidationError({"period": [_("Give period=YYYY-MM or year=YYYY.")]})
    admin1_id = None
    if request.query_params.get("admin1"):
        admin1 = Location.objects.filter(pcode=request.query_params["admin1"].upper(), admin_level=1).first()
        if admin1 is None:
            raise ValidationError({"admin1": [_("Unknown department P-code.")]})
        admin1_id = admin1.pk
    start, end = figures.period_range(period=period, year=int(year) if period is None else None)
    result = figures.summary(organisation_id=request.user.organisation_id, start=start, end=end,
                             admin1_id=admin1_id)
    return result | {"from": start, "until": end}


class FiveWExportView(APIView):
    """The month in the R4V 5W template with its HXL row; `audience=external` suppresses cells under 5."""

    policy_resource = "report"
    action = "export"
    export_format = "csv"

    @extend_schema(parameters=[OpenApiParameter("period", str, required=True),
                               OpenApiParameter("audience", str, enum=["internal", "external"])],
                   responses={(200, "text/csv"): bytes})
    def get(self, request):
        period = period_param(request)
        external = request.query_params.get("audience", "internal") == "external"
        rows = figures.five_w_rows(organisation_id=request.user.organisation_id, period=period, external=external)
        audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, object_type="reporting.5w",
                     object_id=f"{period:%Y-%m}", changes={"format": self.export_format, "external": external,
                                                          "rows": len(rows)})
        name = f"5W-{request.user.organisation.code}-{period:%Y-%m}"
        if self.export_format == "xlsx":
            response = HttpResponse(
                exports.five_w_xlsx(rows),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        response = StreamingHttpResponse(exports.five_w_csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
