from django.urls import path
from rest_framework.routers import SimpleRouter

from imports.api import views

router = SimpleRouter()
router.register("imports/sources", views.ImportSourceViewSet, basename="import-source")
router.register("imports/batches", views.ImportBatchViewSet, basename="import-batch")

urlpatterns = [
    path("imports/template.xlsx", views.template_xlsx, name="import-template-xlsx"),
    path("imports/template.csv", views.template_csv, name="import-template-csv"),
    path("imports/kobo/<uuid:source_id>/", views.KoboWebhookView.as_view(), name="import-kobo"),
] + router.urls
