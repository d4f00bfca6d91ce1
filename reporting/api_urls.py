from django.urls import path
from rest_framework.routers import DefaultRouter

from reporting import api

router = DefaultRouter()
router.register("reports/runs", api.ReportRunViewSet, basename="report-run")
router.register("reports/rollups", api.RollupRowViewSet, basename="rollup-row")
router.register("indicators", api.IndicatorViewSet, basename="indicator")

urlpatterns = [
    path("reports/summary/", api.SummaryView.as_view(), name="report-summary"),
    path("reports/5w.csv", api.FiveWExportView.as_view(export_format="csv"), name="report-5w-csv"),
    path("reports/5w.xlsx", api.FiveWExportView.as_view(export_format="xlsx"), name="report-5w-xlsx"),
    *router.urls,
]
