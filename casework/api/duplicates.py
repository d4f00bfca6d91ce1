"""The duplicate check before saving a person, and the supervisors' review queue."""
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casework import dedupe, duplicates, normalise
from casework.api.serializers import IndividualSerializer
from casework.codes import DocumentType, Sex
from casework.models import Individual, Merge, SuspectedDuplicate


class DuplicateCheckSerializer(serializers.Serializer):
    """A person as about to be registered; only names are required, the more is given the better."""

    given_name = serializers.CharField(max_length=120)
    family_name = serializers.CharField(max_length=120)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    age_years = serializers.IntegerField(required=False, min_value=0, max_value=normalise.MAX_AGE_YEARS)
    nationality = serializers.CharField(required=False, allow_blank=True, max_length=3)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False, allow_blank=True)
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    exclude = serializers.ListField(child=serializers.UUIDField(), required=False,
                                    help_text=_("Ids not to propose (the person being edited)."))
    threshold = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_phone(self, value):
        try:
            return normalise.phone_e164(value)
        except Exception as error:
            raise serializers.ValidationError(getattr(error, "messages", [str(error)])) from error

    def person(self):
        from django.utils import timezone

        data = self.validated_data
        born, estimated = data.get("date_of_birth"), False
        if born is None and data.get("age_years") is not None:
            born, estimated = normalise.estimated_date_of_birth(data["age_years"], timezone.localdate()), True
        return dedupe.Person(
            given_name=data["given_name"], family_name=data["family_name"], sex=data.get("sex", ""),
            date_of_birth=born, date_of_birth_estimated=estimated, nationality=data.get("nationality", ""),
            document_type=data.get("document_type", ""), document_number=data.get("document_number", ""),
            phone=data.get("phone", ""),
        )


def candidate_data(candidate, context):
    individual = candidate.individual
    return {
        "individual": IndividualSerializer(individual, context=context).data,
        "registration_number": individual.household.registration_number,
        "site": individual.household.site.code,
        "score": candidate.score,
        "reasons": [{"code": reason.code, "label": reason.label} for reason in candidate.reasons],
    }


def check_response(request, serializer):
    person = serializer.person()
    threshold = serializer.validated_data.get("threshold", dedupe.DEFAULT_THRESHOLD)
    rows = dedupe.candidate_rows(person, exclude_ids=serializer.validated_data.get("exclude", []))
    candidates = dedupe.find_candidates(person, user=request.user, threshold=threshold, rows=rows)
    body = {"threshold": threshold,
            "candidates": [candidate_data(candidate, {"request": request}) for candidate in candidates]}
    elsewhere = dedupe.matches_elsewhere(person, user=request.user, threshold=threshold, rows=rows)
    if elsewhere is not None:
        body["matches_in_other_organisations"] = elsewhere
    return body


class SuspectedDuplicateSerializer(serializers.ModelSerializer):
    first = serializers.SerializerMethodField()
    second = serializers.SerializerMethodField()

    class Meta:
        model = SuspectedDuplicate
        fields = ["id", "first", "second", "score", "reasons", "status", "found_at", "resolved_at"]

    def _person(self, person_id):
        individual = self.context["people"].get(person_id)
        return None if individual is None else IndividualSerializer(individual, context=self.context).data

    @extend_schema_field(IndividualSerializer(allow_null=True))
    def get_first(self, suspicion):
        return self._person(suspicion.first_id)

    @extend_schema_field(IndividualSerializer(allow_null=True))
    def get_second(self, suspicion):
        return self._person(suspicion.second_id)


class MergeRequestSerializer(serializers.Serializer):
    survivor = serializers.UUIDField(help_text=_("The record that stays; the other is folded into it."))


def people_by_id(ids, user):
    return {person.pk: person for person in
            Individual.objects.visible_to(user).filter(pk__in=set(ids)).select_related("household")}


class SuspectedDuplicateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pairs the nightly scan suspects are one person; supervisors merge them or mark them different."""

    policy_resource = "duplicate"
    serializer_class = SuspectedDuplicateSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return SuspectedDuplicate.objects.visible_to(self.request.user).order_by("-score", "found_at", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["people"] = getattr(self, "_people", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._people = people_by_id([i for s in page for i in (s.first_id, s.second_id)], self.request.user)
        return page

    def retrieve(self, request, *args, **kwargs):
        suspicion = self.get_object()
        self._people = people_by_id([suspicion.first_id, suspicion.second_id], request.user)
        return Response(self.get_serializer(suspicion).data)

    @extend_schema(request=MergeRequestSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        suspicion = self.get_object()
        body = MergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        survivor_id = body.validated_data["survivor"]
        if survivor_id not in (suspicion.first_id, suspicion.second_id):
            raise serializers.ValidationError({"survivor": [_("Choose one of the two records of this pair.")]})
        merged_id = suspicion.second_id if survivor_id == suspicion.first_id else suspicion.first_id
        visible = Individual.objects.visible_to(request.user)
        survivor, merged = get_object_or_404(visible, pk=survivor_id), get_object_or_404(visible, pk=merged_id)
        record = duplicates.merge(actor=request.user, survivor=survivor, merged=merged, suspicion=suspicion)
        return Response({"merge": str(record.pk), "survivor": str(survivor.pk), "merged": str(merged.pk),
                         "moved": record.moved}, status=status.HTTP_200_OK)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="not-same")
    def not_same(self, request, pk=None):
        suspicion = duplicates.mark_not_same(actor=request.user, suspicion=self.get_object())
        self._people = people_by_id([suspicion.first_id, suspicion.second_id], request.user)
        return Response(self.get_serializer(suspicion).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def unmerge(self, request, pk=None):
        suspicion = self.get_object()
        record = get_object_or_404(Merge, suspicion=suspicion, undone_at__isnull=True,
                                   organisation_id=request.user.organisation_id)
        restored = duplicates.unmerge(actor=request.user, merge_record=record)
        return Response({"restored": str(restored.pk), "survivor": str(record.survivor_id)})
