"""Users and API tokens, managed by the admins of an organisation; everyone reads and edits `me`."""
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import accounts
from casework.codes import Role
from casework.models import ApiToken, Location, Organisation, Site, User


class UserSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sites = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Site.objects.all(), required=False)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "organisation", "sites",
                  "is_active", "password", "last_login", "date_joined"]
        read_only_fields = ["id", "last_login", "date_joined"]


class MeSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sites = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "organisation", "sites"]
        read_only_fields = ["id", "username", "role", "organisation", "sites"]


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The users of the admin's own organisation. Users are deactivated (`is_active`), never deleted."""

    policy_resource = "user"
    serializer_class = UserSerializer
    filterset_fields = ["role", "is_active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return User.objects.filter(organisation_id=self.request.user.organisation_id).prefetch_related(
            "sites").select_related("organisation").order_by("username")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = accounts.save_user(
            actor=self.request.user, organisation=self.request.user.organisation, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = accounts.save_user(actor=self.request.user, user=serializer.instance, **data)


class MeView(APIView):
    """The signed-in user. Names and e-mail can be changed here; role, organisation and sites cannot."""

    policy_resource = "me"
    serializer_class = MeSerializer
    forbidden = {"role", "organisation", "sites", "is_active", "is_staff", "is_superuser", "username"}

    def get(self, request):
        return Response(MeSerializer(request.user).data)

    def patch(self, request):
        attempted = sorted(self.forbidden & set(request.data))
        if attempted:
            return Response({name: [_("You cannot change this yourself; ask an administrator.")]
                             for name in attempted}, status=status.HTTP_400_BAD_REQUEST)
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = accounts.save_user(actor=request.user, user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user).data)


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tokens of the organisation's users (admins); `revoke/` ends one at once."""

    policy_resource = "api_token"
    serializer_class = ApiTokenSerializer
    filterset_fields = {"user__username": ["exact"], "revoked_at": ["isnull"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user__organisation_id=self.request.user.organisation_id).select_related(
            "user").order_by("-created_at")

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = accounts.revoke_token(actor=request.user, token=self.get_object())
        return Response(self.get_serializer(token).data)


class OrganisationWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["code", "name", "kind", "is_active"]


class SiteWriteSerializer(serializers.ModelSerializer):
    location = serializers.SlugRelatedField(slug_field="pcode", queryset=Location.objects.all())

    class Meta:
        model = Site
        fields = ["code", "name", "kind", "location", "is_active"]
