"""Cases in the API: `/api/v1/cases/` with the workflow actions, the assessment, the timeline, and the
notes and follow-ups nested under each case. Scoping is Case.objects.visible_to: other cases are 404."""
import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casework import audit, case_services
from casework.api.errors import PreconditionFailed
from casework.api.views import IF_MATCH, VersionedUpdateMixin, expected_version
from casework.case_priority import rules_table
from casework.case_timeline import timeline_for
from casework.errors import StaleWrite
from casework.filters import StrictBooleanFilter
from casework.models import (
    Case,
    CaseActivityType,
    CaseNote,
    CasePriority,
    CaseStatus,
    FollowUp,
    Household,
    Individual,
    VulnerabilityAssessment,
)


@extend_schema_field(OpenApiTypes.STR)
class UsernameField(serializers.Field):
    """A colleague by username; whether they may take the role is the service's to say."""

    def to_representation(self, user):
        return user.username

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give a username."))
        return data.strip()


class AssessmentSerializer(serializers.ModelSerializer):
    assessed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    specific_needs = serializers.ListField(child=serializers.CharField(max_length=8), required=False)
    details = serializers.CharField(required=False, allow_blank=True,
                                    help_text=_("Sensitive: shown only to the assigned caseworker and supervisors."))
    priority_override = serializers.ChoiceField(choices=CasePriority.choices, required=False, allow_blank=True)
    override_reason = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.CharField(read_only=True)

    class Meta:
        model = VulnerabilityAssessment
        fields = ["id", "assessed_by", "assessed_at", "specific_needs", "details", "computed_priority",
                  "priority_override", "override_reason", "priority"]
        read_only_fields = ["id", "assessed_at", "computed_priority"]


class CaseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none(), required=False,
                                                   allow_null=True)
    individual = serializers.PrimaryKeyRelatedField(queryset=Individual.objects.none(), required=False,
                                                    allow_null=True)
    site = serializers.SlugRelatedField(source="household.site", slug_field="code", read_only=True)
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assigned_to = UsernameField(required=False, allow_null=True)
    supervisor = UsernameField(required=False, allow_null=True)
    overdue_follow_ups = serializers.IntegerField(read_only=True, default=0)
    next_follow_up_due = serializers.DateField(read_only=True, default=None)
    allowed_actions = serializers.SerializerMethodField(help_text=_("The workflow actions you may take now."))
    assessment = AssessmentSerializer(
        required=False, write_only=True, help_text=_("On create: the first vulnerability assessment.")
    )
    version = serializers.IntegerField(
        required=False, help_text=_("On update and actions: the version you read; a stale one is refused with 409.")
    )

    class Meta:
        model = Case
        fields = [
            "id", "case_number", "organisation", "household", "individual", "site", "status", "priority",
            "opened_by", "opened_at", "assigned_to", "supervisor", "submitted_at", "approved_at", "closed_at",
            "closure_reason", "overdue_follow_ups", "next_follow_up_due", "allowed_actions", "assessment",
            "version", "updated_at",
        ]
        read_only_fields = ["case_number", "status", "priority", "opened_at", "submitted_at", "approved_at",
                            "closed_at", "closure_reason", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["household"].queryset = Household.objects.visible_to(request.user)
            self.fields["individual"].queryset = Individual.objects.visible_to(request.user)
        if self.instance is not None:
            self.fields["household"].read_only = True
            self.fields["individual"].read_only = True

    def get_allowed_actions(self, case) -> list[str]:
        return case_services.allowed_actions(case, self.context["request"].user)


class CaseDetailSerializer(CaseSerializer):
    """One case: also its latest assessment, whose codes, details and override reason only the assigned
    caseworker and the supervisors read (others get null: the priority is on the case)."""

    latest_assessment = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["latest_assessment"]

    def get_latest_assessment(self, case) -> dict | None:
        assessment = case.assessments.select_related("assessed_by").first()
        if assessment is None:
            return None
        data = AssessmentSerializer(assessment).data
        if not case.can_read_sensitive(self.context["request"].user):
            data.update(specific_needs=None, details=None, override_reason=None)
        return data


TransitionRequest = inline_serializer("CaseTransitionRequest", {
    "comment": serializers.CharField(required=False, help_text=_("Why: required to return and to reopen.")),
    "reason": serializers.CharField(required=False, help_text=_("To close: the closure reason (required).")),
    "version": serializers.IntegerField(required=False),
})


class CaseFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    priority = django_filters.ChoiceFilter(choices=CasePriority.choices)
    assigned_to = django_filters.CharFilter(field_name="assigned_to__username", label=_("Caseworker's username"))
    site = django_filters.CharFilter(method="filter_site", label=_("Site code"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("With overdue follow-ups"))

    class Meta:
        model = Case
        fields = ["status", "priority", "assigned_to", "site", "overdue"]

    def filter_site(self, queryset, name, value):
        return queryset.filter(household__site__code=value.upper())

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.with_overdue_follow_ups()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


def _forbidden_as_403(function, **kwargs):
    """The services refuse with Django's PermissionDenied; the API keeps its message."""
    try:
        return function(**kwargs)
    except DjangoPermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied) or None) from denied


@extend_schema_view(
    list=extend_schema(summary="Cases the caller may see, newest first"),
    partial_update=extend_schema(parameters=[IF_MATCH], summary="Assign a caseworker or supervisor (supervisors)"),
    update=extend_schema(parameters=[IF_MATCH], summary="Assign a caseworker or supervisor (supervisors)"),
)
class CaseViewSet(VersionedUpdateMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                  mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Cases: a household or one person followed by a caseworker and reviewed by a supervisor.
    Workflow: draft → submit → submitted → approve → approved → close → closed → reopen → draft;
    a supervisor may return a submitted case to draft with a comment. Any other move answers 409."""

    policy_resource = "case"
    filterset_class = CaseFilterSet

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action not in {"list", "create"} else CaseSerializer

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).with_list_details().order_by("-opened_at", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        case, created = case_services.open_case(actor=request.user, **data)
        return self.respond_with(case, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_versioned_update(self, case, data, version):
        fields = {name: data[name] for name in ("assigned_to", "supervisor") if name in data}
        return _forbidden_as_403(case_services.assign_case, actor=self.request.user, case=case,
                                 expected_version=version, **fields)

    def _act(self, request, service, **kwargs):
        case = self.get_object()
        version, from_header = expected_version(request, case)
        try:
            changed = _forbidden_as_403(service, actor=request.user, case=case, expected_version=version, **kwargs)
        except StaleWrite as stale:
            if from_header:
                raise PreconditionFailed(stale.message) from stale
            raise
        return self.respond_with(changed if isinstance(changed, Case) else case)

    def _transition(self, request, name):
        text = request.data.get("reason" if name == "close" else "comment") or ""
        return self._act(request, case_services.transition_case, action=name, comment=str(text))

    @extend_schema(request=TransitionRequest, parameters=[IF_MATCH], responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """draft → submitted. Needs an assigned caseworker and an assessment."""
        return self._transition(request, "submit")

    @extend_schema(request=TransitionRequest, parameters=[IF_MATCH], responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """submitted → approved (supervisors)."""
        return self._transition(request, "approve")

    @extend_schema(request=TransitionRequest, parameters=[IF_MATCH], responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_case(self, request, pk=None):
        """submitted → draft with the supervisor's `comment` (supervisors)."""
        return self._transition(request, "return")

    @extend_schema(request=TransitionRequest, parameters=[IF_MATCH], responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """approved → closed with a `reason` (the assigned caseworker or a supervisor)."""
        return self._transition(request, "close")

    @extend_schema(request=TransitionRequest, parameters=[IF_MATCH], responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """closed → draft with a `comment` saying why."""
        return self._transition(request, "reopen")

    @extend_schema(request=AssessmentSerializer, parameters=[IF_MATCH], responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="assessment")
    def assess(self, request, pk=None):
        """Record a new vulnerability assessment; the case takes its priority."""
        serializer = AssessmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._act(request, case_services.record_assessment, **serializer.validated_data)

    @extend_schema(responses=inline_serializer("TimelineEntry", {
        "at": serializers.DateTimeField(), "kind": serializers.CharField(), "title": serializers.CharField(),
        "actor": serializers.CharField(allow_null=True), "text": serializers.CharField(),
        "confidential": serializers.BooleanField(), "url": serializers.CharField(),
    }, many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """Everything that happened to the case and its people, newest first."""
        case = self.get_object()
        audit.record_viewed(request.user, case)
        return Response([
            {"at": entry.at, "kind": entry.kind, "title": entry.title,
             "actor": entry.actor.username if entry.actor else None, "text": entry.text,
             "confidential": entry.confidential, "url": entry.url}
            for entry in timeline_for(case, request.user)
        ])

    @extend_schema(responses=inline_serializer("PriorityRule", {
        "priority": serializers.CharField(), "priority_label": serializers.CharField(),
        "codes": serializers.ListField(child=serializers.DictField()), "why": serializers.CharField(),
    }, many=True))
    @action(detail=False, methods=["get"], url_path="priority-rules", filterset_class=None, pagination_class=None)
    def priority_rules(self, request):
        """The rules that give a case its priority from its specific-needs codes (the highest one wins)."""
        return Response(rules_table())


CASE_PK = OpenApiParameter("case_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The case's id.")


class CaseChildMixin:
    """Notes and follow-ups live under a case the caller sees; any other case is 404."""

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = get_object_or_404(Case.objects.visible_to(self.request.user), pk=self.kwargs["case_pk"])
        return self._case


class CaseNoteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "written_at", "text", "confidential"]
        read_only_fields = ["written_at"]


@extend_schema_view(list=extend_schema(parameters=[CASE_PK]), create=extend_schema(parameters=[CASE_PK]))
class CaseNoteViewSet(CaseChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Notes on a case, oldest first. Confidential notes are listed only to the assigned caseworker and
    the supervisors of the case's organisation."""

    policy_resource = "case_note"
    serializer_class = CaseNoteSerializer
    filter_backends = []

    def get_queryset(self):
        case = self.get_case()
        return CaseNote.objects.readable_by(self.request.user, case).filter(case=case).select_related(
            "author").order_by("written_at", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note, created = case_services.add_note(actor=request.user, case=self.get_case(), **serializer.validated_data)
        return Response(self.get_serializer(note).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ActivityTypeCodeField(serializers.CharField):
    """Written and read as the kind's code; the service says which codes exist."""

    def to_representation(self, value):
        return value.code


class CaseActivityTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CaseActivityType
        fields = ["code", "name", "indicator"]


class CaseActivityTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The kinds of case work a follow-up can be, and the RMRP indicator each counts under (none: not counted)."""

    policy_resource = "case_activity_type"
    serializer_class = CaseActivityTypeSerializer
    queryset = CaseActivityType.objects.filter(is_active=True).select_related("indicator")
    lookup_field = "code"
    filter_backends = []


class FollowUpSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(required=False, help_text=_("Send your own id so that a retried create is safe."))
    # Checked by the service, so that every missing field is reported at once.
    action = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text=_("What is to be done."))
    due_on = serializers.DateField(required=False, allow_null=True)
    assigned_to = UsernameField(required=False, allow_null=True, help_text=_("Username; yourself when left out."))
    activity_type = ActivityTypeCodeField(
        required=False, allow_null=True, allow_blank=True,
        help_text=_("Code of a case activity type (/api/v1/case-activity-types/): doing a follow-up of a kind "
                    "with an indicator counts the case's people in the monthly report."))
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "action", "activity_type", "assigned_to", "due_on", "done_on", "done_by", "is_overdue",
                  "created_by", "created_at"]
        read_only_fields = ["done_on", "created_at"]


@extend_schema_view(
    list=extend_schema(parameters=[CASE_PK]), create=extend_schema(parameters=[CASE_PK]),
)
class FollowUpViewSet(CaseChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Follow-up actions of a case, by due date."""

    policy_resource = "follow_up"
    serializer_class = FollowUpSerializer
    filter_backends = []

    def get_queryset(self):
        return self.get_case().follow_ups.select_related("assigned_to", "done_by", "created_by",
                                                         "activity_type").order_by(
            "due_on", "created_at", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow_up, created = case_services.plan_follow_up(actor=request.user, case=self.get_case(),
                                                          **serializer.validated_data)
        return Response(self.get_serializer(follow_up).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[CASE_PK, OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=inline_serializer("FollowUpDone", {"done_on": serializers.DateField(required=False)}),
        responses=FollowUpSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, case_pk=None, pk=None):
        """Mark the follow-up done (today unless `done_on` is given). Repeating it changes nothing."""
        follow_up = get_object_or_404(self.get_queryset(), pk=pk)
        done_on = serializers.DateField(required=False, allow_null=True).run_validation(request.data.get("done_on"))
        follow_up = _forbidden_as_403(case_services.complete_follow_up, actor=request.user, follow_up=follow_up,
                                      done_on=done_on)
        return Response(self.get_serializer(follow_up).data)

