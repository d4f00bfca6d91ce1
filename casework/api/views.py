from django.contrib.auth import authenticate
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import accounts, audit, privacy, services
from casework.api.authentication import issue_token
from casework.api.duplicates import DuplicateCheckSerializer, check_response
from casework.api.accounts import OrganisationWriteSerializer, SiteWriteSerializer
from casework.api.errors import PreconditionFailed
from casework.api.serializers import (
    HOUSEHOLD_LIST_COLUMNS,
    MEMBER_LIST_COLUMNS,
    AuditEventSerializer,
    ConsentSerializer,
    HouseholdSerializer,
    IndividualSerializer,
    LocationSerializer,
    OrganisationSerializer,
    SiteSerializer,
    household_list_page,
)
from casework.errors import StaleWrite
from casework.filters import AuditEventFilterSet, HouseholdFilterSet, IndividualFilterSet
from casework.models import AuditEvent, Consent, Household, Individual, Location, Organisation, Site
from casework.permissions import RolePolicyPermission, can, can_see_sensitive

IF_MATCH = OpenApiParameter(
    "If-Match", location=OpenApiParameter.HEADER, required=False,
    description="The ETag you read; a stale one is refused with 412.",
)


def etag(record):
    return f'"{record.pk}-{record.version}"'


def expected_version(request, record):
    """The version the client read: If-Match (412 when stale) or the body's `version` (409 when stale)."""
    if_match = request.headers.get("If-Match")
    if if_match:
        if if_match.strip().removeprefix("W/") != etag(record):
            raise PreconditionFailed(_("This record changed since you read it. Reload it and try again."))
        return record.version, True
    version = request.data.get("version") if hasattr(request.data, "get") else None
    if version in (None, ""):
        return None, False
    try:
        # A version that is not a whole number is bad input, not a server error.
        return int(str(version)), False
    except ValueError:
        raise serializers.ValidationError(
            {"version": [_("Send the version you read, a whole number such as 3.")]}) from None


class VersionedUpdateMixin:
    """Detail answers carry an ETag; updates check the version the client read."""

    def detail_serializer(self, record):
        household = record if isinstance(record, Household) else record.household
        context = self.get_serializer_context() | {"show_sensitive": can_see_sensitive(self.request.user, household)}
        return self.get_serializer_class()(record, context=context)

    def respond_with(self, record, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.detail_serializer(fresh).data, status=status_code, headers={"ETag": etag(fresh)})

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        audit.record_viewed(request.user, record)
        return Response(self.detail_serializer(record).data, headers={"ETag": etag(record)})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        record = self.get_object()
        version, from_header = expected_version(request, record)
        serializer = self.get_serializer(record, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            updated = self.perform_versioned_update(record, serializer.validated_data, version)
        except StaleWrite as stale:
            if from_header:
                raise PreconditionFailed(stale.message) from stale
            raise
        return self.respond_with(updated)


class HouseholdViewSet(VersionedUpdateMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                       mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Households with their members. A household is never deleted through the API."""

    policy_resource = "household"
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet

    def get_queryset(self):
        households = Household.objects.visible_to(self.request.user).order_by("-registered_at", "id")
        if self.action == "list":
            return households  # list() reads plain rows
        return households.select_related("site", "organisation", "registered_by").prefetch_related(
            Prefetch("members", queryset=Individual.objects.order_by("created_at", "id")))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(queryset.values_list(*HOUSEHOLD_LIST_COLUMNS))
        member_rows = Individual.objects.filter(household_id__in=[row[0] for row in rows]).order_by(
            "created_at", "id").values_list(*MEMBER_LIST_COLUMNS)
        return self.get_paginated_response(household_list_page(rows, member_rows))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household, created = services.register_household(actor=request.user, **data)
        return self.respond_with(household, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_versioned_update(self, household, data, version):
        data.pop("id", None)
        data.pop("version", None)
        data.pop("consent_purposes", None)
        return services.update_household(actor=self.request.user, household=household,
                                         expected_version=version, **data)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)


class IndividualViewSet(VersionedUpdateMixin, viewsets.ModelViewSet):
    """People of the registry. Creating one adds a member to a household; deleting removes the member."""

    policy_resource = "individual"
    serializer_class = IndividualSerializer
    filterset_class = IndividualFilterSet

    def get_queryset(self):
        return (
            Individual.objects.visible_to(self.request.user)
            .select_related("household")
            .order_by("family_name", "given_name", "id")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household = data.pop("household")
        if data.get("id") and Individual.objects.filter(pk=data["id"], household=household).exists():
            return self.respond_with(Individual.objects.get(pk=data["id"]))
        individual = services.add_member(actor=request.user, household=household, member=data)
        return self.respond_with(individual, status.HTTP_201_CREATED)

    def perform_versioned_update(self, individual, data, version):
        data.pop("id", None)
        data.pop("household", None)
        return services.update_member(actor=self.request.user, individual=individual, changes=data,
                                      expected_version=version)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.remove_member(actor=request.user, individual=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: OpenApiResponse(description="Everything held on the person")})
    @action(detail=True, methods=["get"], url_path="subject-export")
    def subject_export(self, request, pk=None):
        """Data-subject access: everything held on this person, with who read or changed it (admins)."""
        return Response(privacy.export_person(actor=request.user, individual=self.get_object()))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def anonymise(self, request, pk=None):
        """Remove what identifies the person at the end of retention; reports do not change (admins)."""
        individual = privacy.anonymise_person(actor=request.user, individual=self.get_object())
        return self.respond_with(individual)

    @extend_schema(request=DuplicateCheckSerializer, responses={200: OpenApiResponse(
        description="{threshold, candidates: [{individual, registration_number, site, score, reasons}]}")})
    @action(detail=False, methods=["post"])
    def duplicates(self, request):
        """Likely existing records of a person, before saving them; nothing is written."""
        serializer = DuplicateCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(check_response(request, serializer))

    def get_permissions(self):
        if self.action in {"subject_export", "anonymise"}:
            return [PersonDataPermission()]
        return super().get_permissions()


class PersonDataPermission(RolePolicyPermission):
    def has_permission(self, request, view):
        action_name = "export" if view.action == "subject_export" else "anonymise"
        return can(request.user, "person_data", action_name)


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    """Consent per household or person, for named purposes; `withdraw/` records its withdrawal."""

    policy_resource = "consent"
    serializer_class = ConsentSerializer
    filterset_fields = ["household", "individual"]

    def get_queryset(self):
        return Consent.objects.visible_to(self.request.user).select_related("recorded_by", "withdrawn_by")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        retried = "id" in serializer.validated_data and Consent.objects.filter(
            pk=serializer.validated_data["id"]).exists()
        consent = services.record_consent(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(consent).data,
                        status=status.HTTP_200_OK if retried else status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        consent = services.withdraw_consent(actor=request.user, consent=self.get_object())
        return Response(self.get_serializer(consent).data)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail of the caller's organisation (supervisors and admins)."""

    policy_resource = "audit"
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    def get_queryset(self):
        return AuditEvent.objects.visible_to(self.request.user).select_related("actor").order_by("-at", "-id")


class CatalogueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Read by every role; admins add and change entries (deactivate rather than delete)."""

    write_serializer_class = None

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return self.write_serializer_class
        return self.serializer_class


class OrganisationViewSet(CatalogueViewSet):
    policy_resource = "organisation"
    serializer_class = OrganisationSerializer
    write_serializer_class = OrganisationWriteSerializer
    queryset = Organisation.objects.filter(is_active=True)
    lookup_field = "code"
    filterset_fields = ["kind"]


class LocationViewSet(viewsets.ReadOnlyModelViewSet):
    policy_resource = "location"
    serializer_class = LocationSerializer
    queryset = Location.objects.select_related("parent")
    lookup_field = "pcode"
    filterset_fields = {"admin_level": ["exact"], "parent__pcode": ["exact"]}


class SiteViewSet(CatalogueViewSet):
    policy_resource = "site"
    serializer_class = SiteSerializer
    write_serializer_class = SiteWriteSerializer
    queryset = Site.objects.filter(is_active=True).select_related("location")
    lookup_field = "code"
    filterset_fields = {"kind": ["exact"], "location__pcode": ["exact"]}


class TokenView(APIView):
    """Exchange a username and password for an API token (sent as `Authorization: Token <token>`)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=inline_serializer("TokenRequest", {
            "username": serializers.CharField(), "password": serializers.CharField(),
            "otp": serializers.CharField(required=False, help_text="Code of the authenticator app, when the user has one."),
        }),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                     "expires_at": serializers.DateTimeField()}),
    )
    def post(self, request):
        username = str(request.data.get("username") or "")
        password = str(request.data.get("password") or "")
        # django-axes answers a locked-out username itself (casework.auth_views.locked_out).
        user = authenticate(request._request, username=username, password=password) \
            if username and password else None
        if user is None:
            return Response(
                {"non_field_errors": [_("Wrong username or password.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        if accounts.confirmed_device(user) is not None:
            if accounts.verify_code(user, request.data.get("otp")) is None:
                return Response({"otp": [_("Send the 6-digit code of your authenticator app as “otp”.")]},
                                status=status.HTTP_400_BAD_REQUEST)
        elif accounts.requires_two_factor(user):
            return Response({"otp": [_("Your role must use two-factor sign-in. Set it up in the web app first.")]},
                            status=status.HTTP_400_BAD_REQUEST)
        key, token = issue_token(user)
        return Response({"token": key, "expires_at": token.expires_at}, status=status.HTTP_200_OK)
