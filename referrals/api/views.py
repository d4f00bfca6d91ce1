from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casework import audit
from casework.api.errors import PreconditionFailed
from casework.api.views import IF_MATCH, etag, expected_version
from casework.errors import StaleWrite
from referrals import services
from referrals.api.serializers import (
    ReferralCreateSerializer,
    ReferralSerializer,
    ResponseTimeSerializer,
    ServiceOfferSerializer,
    ServiceTypeSerializer,
    TransitionSerializer,
    WebhookDeliverySerializer,
)
from referrals.filters import ReferralFilterSet, ServiceOfferFilterSet
from referrals.models import Referral, ServiceOffer, ServiceType, WebhookAttempt, WebhookDelivery


class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Referrals sent by or to the caller's organisation. The receiving organisation takes the steps
    `acknowledge/`, `accept/`, `decline/` (with `reason`) and `complete/` (with `outcome`); the referring
    one `cancel/` and `close/`. A step the referral's status does not allow answers 409."""

    policy_resource = "referral"
    filterset_class = ReferralFilterSet

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).with_list_details().order_by("-sent_at", "id")

    def get_serializer_class(self):
        if self.action == "create":
            return ReferralCreateSerializer
        if self.action in services.TRANSITIONS:
            return TransitionSerializer
        return ReferralSerializer

    def respond_with(self, referral, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=referral.pk)
        context = self.get_serializer_context() | {"with_events": True}
        return Response(ReferralSerializer(fresh, context=context).data, status=status_code,
                        headers={"ETag": etag(fresh)})

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer, 200: ReferralSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral, created = services.create_referral(actor=request.user, **serializer.validated_data)
        return self.respond_with(referral, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        audit.record_viewed(request.user, referral)
        return self.respond_with(referral)

    def _step(self, request, step):
        referral = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version, from_header = expected_version(request, referral)
        note = serializer.validated_data.get("outcome" if step == "complete" else "reason", "")
        try:
            referral = services.transition(actor=request.user, referral=referral, action=step, note=note,
                                           expected_version=version)
        except StaleWrite as stale:
            if from_header:
                raise PreconditionFailed(stale.message) from stale
            raise
        return self.respond_with(referral)

    @extend_schema(parameters=[IF_MATCH], responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The receiving organisation has seen the referral (stops the overdue clock)."""
        return self._step(request, "acknowledge")

    @extend_schema(parameters=[IF_MATCH], responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._step(request, "accept")

    @extend_schema(parameters=[IF_MATCH], responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline with a `reason`."""
        return self._step(request, "decline")

    @extend_schema(parameters=[IF_MATCH], responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The service was given; report the `outcome`."""
        return self._step(request, "complete")

    @extend_schema(parameters=[IF_MATCH], responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The referring organisation withdraws the referral before it is completed."""
        return self._step(request, "cancel")

    @extend_schema(parameters=[IF_MATCH], responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The referring organisation closes a completed or declined referral."""
        return self._step(request, "close")

    @extend_schema(responses=ResponseTimeSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="response-times", pagination_class=None)
    def response_times(self, request):
        """Per receiving organisation and service: counts and mean hours from sending to each step, over the
        referrals sent by or to the caller's organisation (takes the list's filters)."""
        referrals = self.filter_queryset(Referral.objects.involving(request.user.organisation_id))
        return Response(ResponseTimeSerializer(referrals.response_times(), many=True).data)


class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    policy_resource = "service"
    serializer_class = ServiceTypeSerializer
    queryset = ServiceType.objects.filter(is_active=True).select_related("indicator")
    lookup_field = "code"
    filterset_fields = ["sector"]


class ServiceOfferViewSet(viewsets.ReadOnlyModelViewSet):
    """Who offers which service where (filter by `service_type`, `organisation`, `sector` or a
    `location` P-code, which finds the offers covering that place)."""

    policy_resource = "service"
    serializer_class = ServiceOfferSerializer
    filterset_class = ServiceOfferFilterSet

    def get_queryset(self):
        return (
            ServiceOffer.objects.active().select_related("organisation", "service_type")
            .prefetch_related("locations").order_by("service_type__code", "organisation__name", "id")
        )


class WebhookDeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every webhook sent to partners' systems and each attempt (admins)."""

    policy_resource = "webhook"
    serializer_class = WebhookDeliverySerializer
    filterset_fields = {"state": ["exact"], "endpoint__organisation__code": ["exact"], "referral": ["exact"]}

    def get_queryset(self):
        return (
            WebhookDelivery.objects.select_related("endpoint__organisation")
            .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
            .order_by("-created_at", "id")
        )
