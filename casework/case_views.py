"""Case pages: "my cases", the supervisor's review queue, a case with its timeline, and the forms that
act on it. Every form carries the case version it was drawn from, so that a change made meanwhile by
someone else is reported instead of overwritten."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from casework import audit, case_services
from casework.case_forms import (
    AssessmentForm,
    AssignForm,
    CaseListFilterForm,
    FollowUpForm,
    NoteForm,
    OpenCaseForm,
    TransitionForm,
)
from casework.case_priority import rules_table
from casework.case_timeline import timeline_for
from casework.codes import Role
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import Case, CaseStatus, FollowUp
from casework.views import require, visible_household

CASES_PAGE_SIZE = 50
ACTION_LABELS = {
    "submit": gettext_lazy("Submit for review"), "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return to the caseworker"), "close": gettext_lazy("Close the case"),
    "reopen": gettext_lazy("Reopen"),
}


def visible_case(user, pk):
    return get_object_or_404(Case.objects.visible_to(user).with_list_details(), pk=pk)


def _stale_message(case):
    case.refresh_from_db()
    return _("Someone else changed this case while you had it open: it is now %(status)s (version %(version)s). "
             "Nothing was saved. Check the case below and try again.") % {
        "status": case_services.status_label(case.status), "version": case.version}


def _report(request, refused):
    if isinstance(refused, InvalidInput):
        for field_messages in refused.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.error(request, refused.message)


@login_required
def case_list(request):
    """Caseworkers land on the cases assigned to them, supervisors on every case of the organisation."""
    require(request.user, "case", "list")
    cases = Case.objects.visible_to(request.user).with_list_details()
    mine_only = request.user.role == Role.CASEWORKER and request.GET.get("all") != "1"
    if mine_only:
        cases = cases.assigned_to(request.user)
    form = CaseListFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["status"]:
            cases = cases.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["priority"]:
            cases = cases.filter(priority=form.cleaned_data["priority"])
        if form.cleaned_data["overdue"]:
            cases = cases.with_overdue_follow_ups()
    if mine_only:
        # A caseworker's own cases are few: what needs doing first comes first.
        cases = cases.order_by("-overdue_follow_ups", "-priority_rank", "-opened_at", "id")
    else:
        # A whole organisation's cases are many: newest first, by index; overdue ones are marked in the rows.
        cases = cases.order_by("-opened_at", "id")
    page = Paginator(cases, CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "casework/cases/list.html", {
        "page": page, "form": form, "query": query.urlencode(),
        "mine_only": mine_only,
    })


@login_required
def review_queue(request):
    """Cases waiting for review, the longest waiting first; approve or return one or many at once."""
    require(request.user, "case", "review")
    status = 200
    if request.method == "POST":
        decisions = []
        for value in request.POST.getlist("case"):
            case_id, _sep, version = value.partition(":")
            if version.isdigit():
                decisions.append((case_id, int(version)))
        action = request.POST.get("decision")
        if action in case_services.SUPERVISOR_ACTIONS:
            try:
                done = case_services.review_cases(actor=request.user, decisions=decisions, action=action,
                                                  comment=request.POST.get("comment", ""))
            except (InvalidInput, NotAllowed) as refused:
                _report(request, refused)
                # Like the API: bad input is a 400, a case whose status moved on meanwhile a 409.
                status = 409 if isinstance(refused, NotAllowed) else 400
            else:
                numbers = ", ".join(case.case_number for case in done)
                if action == "approve":
                    messages.success(request, _("Approved: %(numbers)s.") % {"numbers": numbers})
                else:
                    messages.success(request, _("Returned to the caseworker: %(numbers)s.") % {"numbers": numbers})
                return redirect("casework:case_review")
    cases = Case.objects.visible_to(request.user).pending_review().with_list_details()
    page = Paginator(cases, CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "casework/cases/queue.html", {
        "page": page,
        "ticked": {value.partition(":")[0] for value in request.POST.getlist("case")},
        "comment": request.POST.get("comment", ""),
    }, status=status)


@login_required
def case_open(request, household_pk):
    require(request.user, "case", "create")
    household = visible_household(request.user, household_pk)
    form = OpenCaseForm(request.POST or None, household=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, _created = case_services.open_case(
                actor=request.user, household=household, individual=data["individual"] or None,
                assigned_to=data["assigned_to"] or None, supervisor=data["supervisor"] or None,
                assessment=form.assessment(),
            )
        except InvalidInput as invalid:
            for name, field_messages in invalid.errors.items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.case_number})
            return redirect("casework:case", pk=case.pk)
    # A refused form comes back under 400, like the API.
    status = 400 if request.method == "POST" else 200
    return render(request, "casework/cases/open.html", {"form": form, "household": household}, status=status)


@login_required
def case_detail(request, pk):
    require(request.user, "case", "retrieve")
    case = visible_case(request.user, pk)
    audit.record_viewed(request.user, case)
    assessment = case.assessments.select_related("assessed_by").first()
    actions = case_services.allowed_actions(case, request.user)
    return render(request, "casework/cases/detail.html", {
        "case": case,
        "assessment": assessment,
        "sensitive": case.can_read_sensitive(request.user),
        "actions": [(action, ACTION_LABELS[action]) for action in actions],
        "transition_form": TransitionForm(initial={"version": case.version}),
        "can_assess": case.status != CaseStatus.CLOSED and (
            case.is_handled_by(request.user) or case.opened_by_id == request.user.pk),
        "assign_form": AssignForm(case=case, initial={
            "assigned_to": getattr(case.assigned_to, "username", ""),
            "supervisor": getattr(case.supervisor, "username", ""), "version": case.version,
        }) if request.user.role == Role.SUPERVISOR else None,
        "note_form": NoteForm(),
        "follow_up_form": FollowUpForm(case=case, user=request.user) if case.status != CaseStatus.CLOSED else None,
        "follow_ups": case.follow_ups.select_related("assigned_to", "done_by", "activity_type"),
        "timeline": timeline_for(case, request.user),
    })


@login_required
@require_POST
def case_transition(request, pk, action):
    if action not in case_services.TRANSITIONS:
        return redirect("casework:case", pk=pk)
    # Out of scope is 404 before "not your role" is 403, so that ids do not tell what exists.
    case = visible_case(request.user, pk)
    require(request.user, "case", action)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; try again."))
        return redirect("casework:case", pk=pk)
    try:
        case_services.transition_case(actor=request.user, case=case, action=action,
                                      comment=form.cleaned_data["comment"],
                                      expected_version=form.cleaned_data["version"])
    except StaleWrite:
        messages.error(request, _stale_message(case))
    except (InvalidInput, NotAllowed) as refused:
        _report(request, refused)
    else:
        case.refresh_from_db()
        messages.success(request, _("Case %(number)s is now %(status)s.") % {
            "number": case.case_number, "status": case_services.status_label(case.status)})
    return redirect("casework:case", pk=pk)


@login_required
def case_assess(request, pk):
    require(request.user, "case", "assess")
    case = visible_case(request.user, pk)
    latest = case.assessments.first()
    initial = {"version": case.version}
    if latest is not None and case.can_read_sensitive(request.user):
        initial.update(specific_needs=latest.specific_needs, details=latest.details,
                       priority_override=latest.priority_override, override_reason=latest.override_reason)
    form = AssessmentForm(request.POST or None, initial=initial)
    # A refused form comes back under 400 (409 when the case moved on meanwhile), like the API.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            case_services.record_assessment(actor=request.user, case=case,
                                            expected_version=form.cleaned_data["version"], **form.assessment())
        except StaleWrite:
            form.add_error(None, _stale_message(case))
            status = 409
        except NotAllowed as refused:
            form.add_error(None, refused.message)
            status = 409
        except InvalidInput as invalid:
            for name, field_messages in invalid.errors.items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("casework:case", pk=pk)
    return render(request, "casework/cases/assess.html", {"form": form, "case": case, "rules": rules_table()},
                  status=status)


@login_required
@require_POST
def case_assign(request, pk):
    require(request.user, "case", "update")
    case = visible_case(request.user, pk)
    form = AssignForm(request.POST, case=case)
    if form.is_valid():
        try:
            case_services.assign_case(actor=request.user, case=case, expected_version=form.cleaned_data["version"],
                                      assigned_to=form.cleaned_data["assigned_to"] or None,
                                      supervisor=form.cleaned_data["supervisor"] or None)
        except StaleWrite:
            messages.error(request, _stale_message(case))
        except InvalidInput as refused:
            _report(request, refused)
        else:
            messages.success(request, _("Assignment saved."))
    return redirect("casework:case", pk=pk)


@login_required
@require_POST
def case_note_add(request, pk):
    require(request.user, "case_note", "create")
    case = visible_case(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        case_services.add_note(actor=request.user, case=case, text=form.cleaned_data["text"],
                               confidential=form.cleaned_data["confidential"])
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Write the note."))
    return redirect("casework:case", pk=pk)


@login_required
@require_POST
def follow_up_add(request, pk):
    require(request.user, "follow_up", "create")
    case = visible_case(request.user, pk)
    form = FollowUpForm(request.POST, case=case, user=request.user)
    if not form.is_valid():
        for field_messages in form.errors.values():
            for message in field_messages:
                messages.error(request, message)
        return redirect("casework:case", pk=pk)
    try:
        case_services.plan_follow_up(actor=request.user, case=case, action=form.cleaned_data["action"],
                                     due_on=form.cleaned_data["due_on"],
                                     assigned_to=form.cleaned_data["assigned_to"] or None,
                                     activity_type=form.cleaned_data["activity_type"] or None)
    except (InvalidInput, NotAllowed) as refused:
        _report(request, refused)
    else:
        messages.success(request, _("Follow-up planned."))
    return redirect("casework:case", pk=pk)


@login_required
@require_POST
def follow_up_done(request, pk, follow_up_pk):
    require(request.user, "follow_up", "complete")
    case = visible_case(request.user, pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, case=case)
    case_services.complete_follow_up(actor=request.user, follow_up=follow_up)
    messages.success(request, _("Follow-up marked done."))
    return redirect("casework:case", pk=pk)


@login_required
def priority_rules(request):
    require(request.user, "case", "priority_rules")
    return render(request, "casework/cases/rules.html", {"rules": rules_table()})
