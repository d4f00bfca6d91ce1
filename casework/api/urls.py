from rest_framework.routers import DefaultRouter

from casework.api import cases, views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("locations", views.LocationViewSet, basename="location")
router.register("sites", views.SiteViewSet, basename="site")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("individuals", views.IndividualViewSet, basename="individual")
router.register("cases", cases.CaseViewSet, basename="case")
router.register(r"cases/(?P<case_pk>[0-9a-f-]{36})/notes", cases.CaseNoteViewSet, basename="case-note")
router.register(r"cases/(?P<case_pk>[0-9a-f-]{36})/follow-ups", cases.FollowUpViewSet, basename="case-follow-up")

urlpatterns = router.urls
