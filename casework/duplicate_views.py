"""The duplicate check beside the registration form, and the supervisors' review queue."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import dedupe, duplicates
from casework.api.duplicates import DuplicateCheckSerializer
from casework.errors import InvalidInput, NotAllowed
from casework.models import Individual, Merge, SuspectedDuplicate
from casework.views import require

CHECKED_FIELDS = ("given_name", "family_name", "sex", "date_of_birth", "age_years", "nationality",
                  "document_type", "document_number", "phone")


@login_required
@require_POST
def duplicate_check(request):
    """The matches for one member row of the form, as the officer types (fields named members-N-…)."""
    require(request.user, "individual", "duplicates")
    data = {}
    for name, value in request.POST.items():
        field = name.rsplit("-", 1)[-1]
        if field in CHECKED_FIELDS and value.strip():
            data[field] = value
    serializer = DuplicateCheckSerializer(data=data)
    candidates = []
    if serializer.is_valid():
        # The member being edited is not a duplicate of themself.
        exclude = [value for name, value in request.POST.items() if name.endswith("-id") and value]
        candidates = dedupe.find_candidates(serializer.person(), user=request.user, exclude_ids=exclude)
    return render(request, "casework/_matches.html", {"candidates": candidates})


def _pairs_with_people(user, suspicions):
    ids = {person_id for suspicion in suspicions for person_id in (suspicion.first_id, suspicion.second_id)}
    people = {person.pk: person for person in Individual.objects.visible_to(user).filter(pk__in=ids)
              .select_related("household", "household__site")}
    return [(suspicion, people.get(suspicion.first_id), people.get(suspicion.second_id)) for suspicion in suspicions]


@login_required
def duplicate_queue(request):
    require(request.user, "duplicate", "list")
    suspicions = list(SuspectedDuplicate.objects.visible_to(request.user).open().order_by("-score", "found_at")[:50])
    merges = list(Merge.objects.filter(organisation_id=request.user.organisation_id, undone_at__isnull=True)
                  .select_related("survivor", "merged_by", "suspicion")[:20])
    return render(request, "casework/duplicates.html", {
        "pairs": _pairs_with_people(request.user, suspicions), "merges": merges,
        "open_count": SuspectedDuplicate.objects.visible_to(request.user).open().count(),
    })


@login_required
@require_POST
def duplicate_resolve(request, pk, decision):
    require(request.user, "duplicate", "merge")
    suspicion = get_object_or_404(SuspectedDuplicate.objects.visible_to(request.user), pk=pk)
    try:
        if decision == "not-same":
            duplicates.mark_not_same(actor=request.user, suspicion=suspicion)
            messages.success(request, _("Marked as two different people; this pair will not be proposed again."))
        else:
            keep = request.POST.get("survivor")
            if keep not in {str(suspicion.first_id), str(suspicion.second_id)}:
                messages.error(request, _("Choose which record to keep."))
                return redirect("casework:duplicates")
            other = suspicion.second_id if keep == str(suspicion.first_id) else suspicion.first_id
            visible = Individual.objects.visible_to(request.user)
            duplicates.merge(actor=request.user, survivor=get_object_or_404(visible, pk=keep),
                             merged=get_object_or_404(visible, pk=other), suspicion=suspicion)
            messages.success(request, _("Records merged. You can undo the merge below."))
    except (NotAllowed, InvalidInput) as error:
        messages.error(request, getattr(error, "message", None) or _("The records could not be merged."))
    return redirect("casework:duplicates")


@login_required
@require_POST
def duplicate_unmerge(request, pk):
    require(request.user, "duplicate", "unmerge")
    record = get_object_or_404(Merge, pk=pk, organisation_id=request.user.organisation_id, undone_at__isnull=True)
    try:
        duplicates.unmerge(actor=request.user, merge_record=record)
        messages.success(request, _("Merge undone: both records are back as they were."))
    except NotAllowed as error:
        messages.error(request, error.message)
    return redirect("casework:duplicates")
