from django.urls import path
from rest_framework.routers import DefaultRouter

from casework.api import accounts, views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("locations", views.LocationViewSet, basename="location")
router.register("sites", views.SiteViewSet, basename="site")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("individuals", views.IndividualViewSet, basename="individual")
router.register("users", accounts.UserViewSet, basename="user")
router.register("tokens", accounts.ApiTokenViewSet, basename="api-token")
router.register("consents", views.ConsentViewSet, basename="consent")
router.register("audit", views.AuditEventViewSet, basename="audit")

urlpatterns = [
    path("users/me/", accounts.MeView.as_view(), name="me"),
    *router.urls,
]
