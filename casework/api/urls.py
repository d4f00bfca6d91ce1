from rest_framework.routers import DefaultRouter

from casework.api import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("locations", views.LocationViewSet, basename="location")
router.register("sites", views.SiteViewSet, basename="site")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("individuals", views.IndividualViewSet, basename="individual")

urlpatterns = router.urls
