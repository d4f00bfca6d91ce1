import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from casework import case_services
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import AuditEvent, Case, CaseEvent, CaseStatus
from tests.cases.conftest import move, open_case
from tests.factories import register

ALL_ACTIONS = list(case_services.TRANSITIONS)
# status -> the one action allowed from it, and where it leads
ALLOWED = {
    "draft": {"submit": "submitted"},
    "submitted": {"approve": "approved", "return": "draft"},
    "approved": {"close": "closed"},
    "closed": {"reopen": "draft"},
}


@pytest.fixture
def case_in(request, draft_case, caseworker, supervisor):
    """A case brought to the given status through the real workflow."""
    def bring_to(status):
        path = {"draft": [], "submitted": [("submit", caseworker)],
                "approved": [("submit", caseworker), ("approve", supervisor)],
                "closed": [("submit", caseworker), ("approve", supervisor), ("close", caseworker)]}[status]
        case = draft_case
        for action, actor in path:
            case = move(case, actor, action)
        return case
    return bring_to


def test_a_case_number_names_the_organisation_and_year_and_counts_without_gaps(caseworker, household):
    first = open_case(caseworker, household)
    with pytest.raises(InvalidInput), transaction.atomic():
        open_case(caseworker, household, assigned_to="nobody")
    second = open_case(caseworker, household)
    assert re.fullmatch(r"OIM-C-\d{4}-000001", first.case_number)
    assert second.case_number.endswith("-000002")


def test_each_organisation_has_its_own_case_sequence(caseworker, household, outsider):
    other_household = register(outsider)
    open_case(caseworker, household)
    other = open_case(outsider, other_household)
    assert re.fullmatch(r"CARITAS-C-\d{4}-000001", other.case_number)


def test_a_caseworker_opening_a_case_is_assigned_to_it_and_the_assessment_sets_the_priority(caseworker, household):
    case = open_case(caseworker, household, needs=["SC-UC", "DS-PM"])
    assert case.assigned_to == caseworker and case.opened_by == caseworker
    assert case.status == "draft" and case.priority == "critical"
    assert case.organisation_id == household.organisation_id
    assert CaseEvent.objects.get(case=case).to_status == "draft"
    assert AuditEvent.objects.filter(object_type="casework.case", object_id=str(case.pk), action="create").exists()


def test_a_case_for_one_person_carries_their_household(caseworker, child):
    case, _created = case_services.open_case(actor=caseworker, individual=child.pk)
    assert case.individual == child and case.household == child.household


def test_a_case_needs_a_household_or_a_person(caseworker):
    with pytest.raises(InvalidInput) as refused:
        case_services.open_case(actor=caseworker)
    assert "household" in refused.value.errors
    assert not Case.objects.exists()


def test_the_person_must_belong_to_the_household(caseworker, household, officer):
    other = register(officer)
    with pytest.raises(InvalidInput) as refused:
        case_services.open_case(actor=caseworker, household=household, individual=other.members.first())
    assert "not a member" in refused.value.errors["individual"][0]
    assert not Case.objects.exists()


def test_a_household_of_another_organisation_cannot_get_a_case(caseworker, outsider):
    foreign = register(outsider)
    with pytest.raises(InvalidInput) as refused:
        case_services.open_case(actor=caseworker, household=foreign.pk)
    assert "household" in refused.value.errors


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(caseworker, household, outsider):
    with pytest.raises(InvalidInput) as refused:
        case_services.open_case(actor=caseworker, household=household, assigned_to=outsider.username,
                                supervisor=caseworker.username,
                                assessment={"specific_needs": ["XX-YY"], "priority_override": "high"})
    assert set(refused.value.errors) == {"assigned_to", "supervisor", "specific_needs", "override_reason"}
    assert not Case.objects.exists() and not AuditEvent.objects.filter(object_type="casework.case").exists()


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_only_the_workflow_transitions_happen(case_in, status, action, supervisor):
    case = case_in(status)
    version = case.version
    if action in ALLOWED[status]:
        moved = case_services.transition_case(actor=supervisor, case=case, action=action, comment="Why not.")
        assert moved.status == ALLOWED[status][action]
        assert moved.version == version + 1
        event = CaseEvent.objects.filter(case=case).last()
        assert (event.actor, event.from_status, event.to_status, event.comment) == (
            supervisor, status, ALLOWED[status][action], "Why not.")
        assert AuditEvent.objects.filter(object_id=str(case.pk), changes__transition__action=action).exists()
    else:
        with pytest.raises(NotAllowed) as refused:
            case_services.transition_case(actor=supervisor, case=case, action=action, comment="Why not.")
        assert f"currently {case_services.status_label(status)}" in refused.value.message
        case.refresh_from_db()
        assert case.status == status and case.version == version


def test_a_supervisor_approving_becomes_the_supervisor_of_a_case_without_one(caseworker, household, supervisor):
    case = move(open_case(caseworker, household), caseworker, "submit")
    approved = move(case, supervisor, "approve")
    assert approved.supervisor == supervisor and approved.approved_at is not None


def test_returning_needs_the_supervisors_comment_which_the_caseworker_then_reads(submitted_case, supervisor):
    with pytest.raises(InvalidInput) as refused:
        case_services.transition_case(actor=supervisor, case=submitted_case, action="return", comment=" ")
    assert "comment" in refused.value.errors
    returned = move(submitted_case, supervisor, "return", comment="Add the school situation.")
    assert returned.status == "draft" and returned.submitted_at is None
    assert CaseEvent.objects.filter(case=returned).last().comment == "Add the school situation."


def test_closing_needs_a_reason_and_keeps_it_until_reopened(approved_case, caseworker):
    with pytest.raises(InvalidInput) as refused:
        case_services.transition_case(actor=caseworker, case=approved_case, action="close", comment="")
    assert "reason" in refused.value.errors
    closed = move(approved_case, caseworker, "close", comment="Moved on to Chile.")
    assert closed.closure_reason == "Moved on to Chile." and closed.closed_at is not None
    reopened = move(closed, caseworker, "reopen", comment="Came back to Tumbes.")
    assert reopened.status == "draft" and reopened.closure_reason == "" and reopened.closed_at is None


def test_reopening_needs_a_reason(closed_case, caseworker):
    with pytest.raises(InvalidInput):
        case_services.transition_case(actor=caseworker, case=closed_case, action="reopen")


def test_a_field_officer_opens_a_case_but_a_caseworker_must_be_assigned_before_it_is_submitted(
        officer, household, supervisor):
    case = open_case(officer, household)
    assert case.assigned_to is None
    with pytest.raises(PermissionDenied):
        move(case, officer, "submit")
    with pytest.raises(InvalidInput) as refused:
        move(case, supervisor, "submit")
    assert "assigned_to" in refused.value.errors


def test_submitting_without_an_assessment_is_refused(caseworker, household):
    case = open_case(caseworker, household, needs=None)
    with pytest.raises(InvalidInput) as refused:
        move(case, caseworker, "submit")
    assert "assessment" in refused.value.errors


def test_a_caseworker_cannot_approve_nor_act_on_a_case_assigned_to_someone_else(submitted_case, caseworker, oim):
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        move(submitted_case, caseworker, "approve")
    other = UserFactory(username="ceci", role="caseworker", organisation=oim)
    approved = move(submitted_case, submitted_case.supervisor, "approve")
    with pytest.raises(PermissionDenied):
        move(approved, other, "close")


def test_a_supervisor_of_another_organisation_cannot_review(submitted_case, other_org):
    from tests.factories import UserFactory

    stranger = UserFactory(username="sonia", role="supervisor", organisation=other_org)
    with pytest.raises(PermissionDenied):
        move(submitted_case, stranger, "approve")


def test_a_stale_version_is_refused_and_nothing_changes(submitted_case, supervisor):
    seen = submitted_case.version
    move(submitted_case, supervisor, "return", comment="Incomplete.")
    with pytest.raises(StaleWrite) as stale:
        case_services.transition_case(actor=supervisor, case=submitted_case, action="approve",
                                      expected_version=seen)
    assert stale.value.current_version == seen + 1
    assert Case.objects.get().status == CaseStatus.DRAFT


def test_a_supervisor_reviews_many_cases_at_once(caseworker, household, supervisor):
    cases = [move(open_case(caseworker, household), caseworker, "submit") for _ in range(3)]
    done = case_services.review_cases(actor=supervisor, decisions=[(c.pk, c.version) for c in cases],
                                      action="approve", comment="Fine.")
    assert {case.status for case in done} == {"approved"}
    assert CaseEvent.objects.filter(to_status="approved", comment="Fine.").count() == 3


def test_a_many_case_review_saves_nothing_when_one_case_changed_meanwhile(caseworker, household, supervisor):
    cases = [move(open_case(caseworker, household), caseworker, "submit") for _ in range(2)]
    versions = [(c.pk, c.version) for c in cases]
    move(cases[1], supervisor, "return", comment="More detail.")
    with pytest.raises(NotAllowed) as refused:
        case_services.review_cases(actor=supervisor, decisions=versions, action="approve")
    assert cases[1].case_number in refused.value.message
    assert Case.objects.get(pk=cases[0].pk).status == "submitted"


def test_returning_many_cases_needs_a_comment(submitted_case, supervisor):
    with pytest.raises(InvalidInput):
        case_services.review_cases(actor=supervisor, decisions=[(submitted_case.pk, submitted_case.version)],
                                   action="return", comment="")
    assert Case.objects.get().status == "submitted"


def test_a_new_assessment_changes_the_priority_and_keeps_the_earlier_one(draft_case, caseworker):
    case_services.record_assessment(actor=caseworker, case=draft_case, specific_needs=["DS-PM"], details="")
    draft_case.refresh_from_db()
    assert draft_case.priority == "medium" and draft_case.assessments.count() == 2
    override = case_services.record_assessment(actor=caseworker, case=draft_case, specific_needs=["DS-PM"],
                                               priority_override="high", override_reason="Lives in the street.")
    draft_case.refresh_from_db()
    assert (override.computed_priority, draft_case.priority) == ("medium", "high")


def test_the_assessment_audit_row_does_not_copy_the_sensitive_details(draft_case):
    row = AuditEvent.objects.get(object_type="casework.vulnerabilityassessment")
    assert "Travels alone" not in str(row.changes) and row.changes["after"]["details_written"] is True


def test_a_closed_case_takes_no_assessment_nor_follow_up(closed_case, caseworker):
    import datetime

    with pytest.raises(NotAllowed):
        case_services.record_assessment(actor=caseworker, case=closed_case, specific_needs=["WR"])
    with pytest.raises(NotAllowed):
        case_services.plan_follow_up(actor=caseworker, case=closed_case, action="Call",
                                     due_on=datetime.date.today())


def test_a_supervisor_assigns_a_caseworker(officer, household, supervisor, caseworker):
    case = open_case(officer, household)
    assigned = case_services.assign_case(actor=supervisor, case=case, assigned_to=caseworker.username)
    assert assigned.assigned_to == caseworker and assigned.version == case.version + 1
    with pytest.raises(PermissionDenied):
        case_services.assign_case(actor=caseworker, case=case, assigned_to=caseworker.username)
