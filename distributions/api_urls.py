from django.urls import path
from rest_framework.routers import DefaultRouter

from distributions.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("commodities", views.CommodityViewSet, basename="commodity")
router.register("distribution-rounds", views.RoundViewSet, basename="distribution-round")
router.register("distributions", views.ReceiptViewSet, basename="receipt")
# Movements before balances: /stock/movements/ must not be read as a balance.
router.register("stock/movements", views.StockMovementViewSet, basename="stock-movement")
router.register("stock", views.StockBalanceViewSet, basename="stock")

urlpatterns = [
    path("distribution-rounds/<uuid:pk>/roster.csv", views.RoundViewSet.as_view({"get": "roster_csv"}),
         name="distribution-round-roster-csv"),
    path("distribution-rounds/<uuid:pk>/roster.pdf", views.RoundViewSet.as_view({"get": "roster_pdf"}),
         name="distribution-round-roster-pdf"),
] + router.urls
