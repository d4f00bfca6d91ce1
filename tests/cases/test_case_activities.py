"""Case work in the monthly report: a done follow-up of a counted kind reaches the case's people under
the kind's RMRP indicator (issue 8, point 2: the mapping from case activities, seeded and admin-editable)."""
import datetime

import pytest

from casework import case_activities, case_services
from casework.models import AuditEvent, CaseActivityType, FollowUp
from reporting import rollup
from reporting.models import Activity, Indicator, RollupRow
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def plan(case, actor, kind="case_management", action="Accompany to the legal clinic"):
    follow_up, _created = case_services.plan_follow_up(actor=actor, case=case, action=action, due_on=TODAY(),
                                                       activity_type=kind)
    return follow_up


def test_every_kind_of_case_work_is_seeded_with_its_rmrp_indicator():
    seeded = {kind.code: kind.indicator.code for kind in CaseActivityType.objects.select_related("indicator")}
    assert seeded == {code: indicator for code, _name, indicator in case_activities.CASE_ACTIVITY_TYPES}
    assert seeded["gbv_case_management"] == "GBV-01" and seeded["case_management"] == "PR-03"


def test_a_done_follow_up_of_a_household_case_reaches_every_member_under_the_kind_s_indicator(
        draft_case, caseworker, household):
    follow_up = plan(draft_case, caseworker)
    assert not Activity.objects.exists()  # planned is not done
    case_services.complete_follow_up(actor=caseworker, follow_up=follow_up)
    reached = Activity.objects.filter(source_type="case", source_id=str(follow_up.pk))
    assert sorted(reached.values_list("person_id", flat=True)) == sorted(household.members.values_list("pk", flat=True))
    assert {(row.indicator.code, row.organisation_id, row.site_id, row.date) for row in reached} == {
        ("PR-03", draft_case.organisation_id, household.site_id, TODAY())}


def test_a_one_person_case_counts_that_person_only_with_their_age_on_the_day(caseworker, household, child):
    case = open_case(caseworker, household, individual=child)
    case_services.complete_follow_up(actor=caseworker, follow_up=plan(case, caseworker, "child_protection"))
    assert list(Activity.objects.values_list("person_id", "indicator__code")) == [(child.pk, "CP-01")]
    rollup.compute_month(TODAY().replace(day=1))
    row = RollupRow.objects.get()
    assert (row.indicator.code, row.sector, row.people_reached, row.new_people) == ("CP-01", "child_protection", 1, 1)
    assert row.age_band == "12-17"


def test_follow_ups_count_distinct_people_in_the_rollup_however_many_are_done(draft_case, caseworker, household):
    for action in ("Legal clinic", "Second visit to the legal clinic"):
        case_services.complete_follow_up(actor=caseworker, follow_up=plan(draft_case, caseworker, action=action))
    rollup.compute_month(TODAY().replace(day=1))
    rows = RollupRow.objects.filter(indicator__code="PR-03")
    assert sum(row.people_reached for row in rows) == household.members.count() == 3
    assert Activity.objects.count() == 6


def test_doing_a_follow_up_twice_counts_its_people_once(draft_case, caseworker):
    follow_up = plan(draft_case, caseworker)
    case_services.complete_follow_up(actor=caseworker, follow_up=follow_up)
    case_services.complete_follow_up(actor=caseworker, follow_up=FollowUp.objects.get(pk=follow_up.pk))
    assert Activity.objects.count() == 3


def test_a_follow_up_of_no_kind_or_of_a_kind_without_indicator_is_not_counted(draft_case, caseworker):
    case_services.complete_follow_up(actor=caseworker, follow_up=plan(draft_case, caseworker, kind=None))
    CaseActivityType.objects.filter(code="legal_orientation").update(indicator=None)
    case_services.complete_follow_up(actor=caseworker, follow_up=plan(draft_case, caseworker, "legal_orientation"))
    assert not Activity.objects.exists()


def test_an_admin_remaps_a_kind_and_follow_ups_done_afterwards_count_under_the_new_indicator(
        client, admin_user, draft_case, caseworker, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    kind = CaseActivityType.objects.get(code="case_management")
    client.force_login(admin_user)
    response = client.post(f"/admin/casework/caseactivitytype/{kind.pk}/change/", {
        "code": kind.code, "name": kind.name, "indicator": Indicator.objects.get(code="PR-01").pk, "is_active": "on"})
    assert response.status_code == 302 and response.url == "/admin/casework/caseactivitytype/", response
    case_services.complete_follow_up(actor=caseworker, follow_up=plan(draft_case, caseworker))
    assert set(Activity.objects.values_list("indicator__code", flat=True)) == {"PR-01"}
    # Who moved the monthly figures, and from where to where, is in the audit trail.
    remapped = AuditEvent.objects.get(object_type="casework.caseactivitytype", object_id=str(kind.pk))
    assert (remapped.actor, remapped.action) == (admin_user, "update")
    assert remapped.changes == {"indicator": {"before": kind.indicator_id,
                                              "after": Indicator.objects.get(code="PR-01").pk}}


def test_the_api_lists_the_kinds_and_a_follow_up_carries_its_kind(api_for, draft_case, caseworker):
    client = api_for(caseworker)
    kinds = client.get("/api/v1/case-activity-types/").json()["results"]
    assert {"code": "gbv_case_management", "name": "Gestión de casos de VBG", "indicator": "GBV-01"} in kinds
    created = client.post(f"/api/v1/cases/{draft_case.pk}/follow-ups/", {
        "action": "Psychosocial session", "due_on": TODAY().isoformat(), "activity_type": "psychosocial_support"},
        format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["activity_type"] == "psychosocial_support"
    done = client.post(f"/api/v1/cases/{draft_case.pk}/follow-ups/{created.json()['id']}/complete/", {}, format="json")
    assert done.status_code == 200
    assert set(Activity.objects.values_list("indicator__code", flat=True)) == {"HE-02"}


@pytest.mark.parametrize("code", ["no_such_kind", "retired"])
def test_an_unknown_or_retired_kind_is_refused_with_a_clear_message_and_nothing_saved(
        api_for, draft_case, caseworker, code):
    CaseActivityType.objects.create(code="retired", name="Old kind", is_active=False)
    response = api_for(caseworker).post(f"/api/v1/cases/{draft_case.pk}/follow-ups/", {
        "action": "Call", "due_on": TODAY().isoformat(), "activity_type": code}, format="json",
        HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert "Elija un tipo de actividad de la lista." in str(response.json())
    assert not FollowUp.objects.exists()


def test_the_case_page_plans_a_follow_up_of_a_kind(client, draft_case, caseworker):
    client.force_login(caseworker)
    page = client.get(f"/cases/{draft_case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="documentation_support"' in page and "Not counted in reports" in page
    client.post(f"/cases/{draft_case.pk}/follow-ups/", {
        "action": "Bring the birth certificate", "assigned_to": "", "due_on": TODAY().isoformat(),
        "activity_type": "documentation_support"})
    follow_up = FollowUp.objects.get()
    assert follow_up.activity_type.code == "documentation_support"
    client.post(f"/cases/{draft_case.pk}/follow-ups/{follow_up.pk}/done/")
    assert set(Activity.objects.values_list("indicator__code", flat=True)) == {"PR-02"}
    assert "Documentation and regularisation support" in client.get(
        f"/cases/{draft_case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
