from django.urls import path
from rest_framework.routers import DefaultRouter

from casework.api import accounts, cases, views
from casework.api.duplicates import SuspectedDuplicateViewSet

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("locations", views.LocationViewSet, basename="location")
router.register("sites", views.SiteViewSet, basename="site")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("individuals", views.IndividualViewSet, basename="individual")
router.register("duplicates", SuspectedDuplicateViewSet, basename="duplicate")
router.register("users", accounts.UserViewSet, basename="user")
router.register("tokens", accounts.ApiTokenViewSet, basename="api-token")
router.register("consents", views.ConsentViewSet, basename="consent")
router.register("audit", views.AuditEventViewSet, basename="audit")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("case-activity-types", cases.CaseActivityTypeViewSet, basename="case-activity-type")
router.register(r"cases/(?P<case_pk>[0-9a-f-]{36})/notes", cases.CaseNoteViewSet, basename="case-note")
router.register(r"cases/(?P<case_pk>[0-9a-f-]{36})/follow-ups", cases.FollowUpViewSet, basename="case-follow-up")

urlpatterns = [
    path("users/me/", accounts.MeView.as_view(), name="me"),
    *router.urls,
]
