import secrets

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import audit
from imports import services, template
from imports.api.serializers import ImportBatchSerializer, ImportSourceSerializer, StagedRowSerializer, UploadSerializer
from imports.models import ImportBatch, ImportSource, StagedRow


class ImportSourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Where registrations come from: a KoboToolbox form (its REST Service posts to `webhook_url`
    with `?token=`) or spreadsheet uploads. Admins edit the field `mapping`."""

    policy_resource = "import_source"
    serializer_class = ImportSourceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportSource.objects.none()
        return ImportSource.objects.visible_to(self.request.user).select_related("site").order_by("name")

    def perform_create(self, serializer):
        serializer.instance = services.create_source(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_source(actor=self.request.user, source=serializer.instance,
                                                     **serializer.validated_data)


class KoboWebhookView(APIView):
    """KoboToolbox REST Service target: one submission as Kobo sends it. The source's secret comes as
    `?token=` or the `X-Caminos-Token` header. A retry of a known submission answers 200 and changes nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(request=dict, responses={201: dict, 200: dict})
    def post(self, request, source_id):
        source = ImportSource.objects.filter(pk=source_id, kind=ImportSource.Kind.KOBO).select_related(
            "site", "created_by").first()
        token = request.headers.get("X-Caminos-Token") or request.query_params.get("token") or ""
        # A wrong token looks like no source at all, so that source ids reveal nothing.
        if source is None or not secrets.compare_digest(token.encode(), source.token.encode()):
            raise Http404
        row, created = services.receive_kobo(source=source, submission=request.data)
        return Response({"id": str(row.pk), "batch": str(row.batch_id), "errors": row.errors},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
@api_view(["GET"])
@permission_classes([AllowAny])
def template_xlsx(request):
    response = HttpResponse(template.xlsx_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="caminos-registration-template.xlsx"'
    return response


@extend_schema(responses={(200, "text/csv"): str})
@api_view(["GET"])
@permission_classes([AllowAny])
def template_csv(request):
    response = HttpResponse(template.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caminos-registration-template.csv"'
    return response


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staged imports. Upload the template as multipart `file` (and `site`); a bad file is refused at
    once with 400. Supervisors review `rows/`, fix a row with `PATCH rows/{id}/`, drop it with
    `rows/{id}/drop/`, then `merge/` (all rows or none)."""

    policy_resource = "import_batch"
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportBatch.objects.none()
        return ImportBatch.objects.visible_to(self.request.user).select_related("site", "created_by", "merged_by")

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request):
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        site = upload.validated_data.get("site") or request.user.sites.first()
        batch, created = services.stage_upload(actor=request.user, upload=upload.validated_data["file"], site=site)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        if created and batch.status == ImportBatch.Status.RECEIVED:
            code = status.HTTP_202_ACCEPTED
        return Response(ImportBatchSerializer(batch, context=self.get_serializer_context()).data, status=code)

    @extend_schema(responses={200: StagedRowSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        batch = self.get_object()
        rows = batch.rows.order_by("row_number")
        if request.query_params.get("with_errors") in {"1", "true"}:
            rows = rows.filter(dropped=False).exclude(errors={})
        if request.query_params.get("with_duplicates") in {"1", "true"}:
            rows = rows.filter(dropped=False).exclude(duplicates=[])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(StagedRowSerializer(page, many=True).data)

    def _row(self, pk, row_id):
        batch = self.get_object()
        return get_object_or_404(StagedRow, batch=batch, pk=row_id)

    @extend_schema(request=StagedRowSerializer, responses={200: StagedRowSerializer})
    @action(detail=True, methods=["patch"], url_path=r"rows/(?P<row_id>[0-9a-f-]+)")
    def update_row(self, request, pk=None, row_id=None):
        row = self._row(pk, row_id)
        serializer = StagedRowSerializer(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data.get("data", {})
        row = services.update_row(actor=request.user, row=row, household=data.get("household"),
                                  members=data.get("members"))
        return Response(StagedRowSerializer(row).data)

    @extend_schema(request=None, responses={200: StagedRowSerializer})
    @action(detail=True, methods=["post"], url_path=r"rows/(?P<row_id>[0-9a-f-]+)/drop")
    def drop(self, request, pk=None, row_id=None):
        row = services.drop_row(actor=request.user, row=self._row(pk, row_id))
        return Response(StagedRowSerializer(row).data)

    @extend_schema(request=None, responses={200: ImportBatchSerializer, 202: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        batch, queued = services.request_merge(actor=request.user, batch=self.get_object())
        return Response(ImportBatchSerializer(batch).data,
                        status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        batch = services.refuse_batch(actor=request.user, batch=self.get_object())
        return Response(ImportBatchSerializer(batch).data)
