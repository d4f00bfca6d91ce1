from rest_framework.routers import SimpleRouter

from referrals.api import views

router = SimpleRouter()
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("services", views.ServiceOfferViewSet, basename="service-offer")
router.register("service-types", views.ServiceTypeViewSet, basename="service-type")
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
