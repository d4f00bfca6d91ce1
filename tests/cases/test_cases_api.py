import threading
import uuid

import pytest
from django.db import connection

from casework import case_services
from casework.errors import StaleWrite
from casework.models import AuditEvent, Case, CaseEvent
from tests.cases.conftest import make_overdue, move, open_case
from tests.factories import UserFactory, register

URL = "/api/v1/cases/"


def action_url(case, action):
    return f"{URL}{case.pk}/{action}/"


def test_a_caseworker_opens_a_case_for_a_child_with_an_assessment(api_for, caseworker, child):
    body = {"individual": str(child.pk), "assessment": {"specific_needs": ["SC-UC"], "details": "Alone."}}
    response = api_for(caseworker).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["case_number"].startswith("OIM-C-")
    assert (data["household"], data["individual"]) == (str(child.household_id), str(child.pk))
    assert (data["status"], data["priority"], data["assigned_to"], data["site"]) == (
        "draft", "critical", "camila", "TUM")
    assert data["allowed_actions"] == ["submit"]
    assert response["ETag"] == f'"{data["id"]}-1"'


def test_a_retried_create_with_the_same_id_returns_the_existing_case(api_for, caseworker, household):
    client = api_for(caseworker)
    case_id = str(uuid.uuid4())
    first = client.post(URL, {"id": case_id, "household": str(household.pk)}, format="json")
    retry = client.post(URL, {"id": case_id, "household": str(household.pk)}, format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["case_number"] == first.json()["case_number"]
    assert Case.objects.count() == 1


def test_bad_input_answers_400_per_field_and_writes_nothing(api_for, caseworker, household):
    body = {"household": str(household.pk), "assigned_to": "nobody",
            "assessment": {"specific_needs": ["ZZ"], "priority_override": "low"}}
    response = api_for(caseworker).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert set(response.json()) == {"assigned_to", "specific_needs", "override_reason"}
    assert not Case.objects.exists() and not AuditEvent.objects.filter(object_type="casework.case").exists()


def test_a_household_out_of_scope_is_refused(api_for, caseworker, outsider):
    foreign = register(outsider)
    response = api_for(caseworker).post(URL, {"household": str(foreign.pk)}, format="json")
    assert response.status_code == 400 and "household" in response.json()


def test_cases_out_of_scope_answer_404(api_for, draft_case, outsider, colleague, me_officer, partner, admin_user):
    for user in (outsider, colleague):
        assert api_for(user).get(f"{URL}{draft_case.pk}/").status_code == 404
        assert api_for(user).get(f"{URL}{draft_case.pk}/notes/").status_code == 404
    for user in (me_officer, partner, admin_user):
        assert api_for(user).get(f"{URL}{draft_case.pk}/").status_code == 403
        assert api_for(user).get(URL).status_code == 403


def test_who_sees_which_case(api_for, caseworker, supervisor, officer, household, oim, tumbes):
    other_caseworker = UserFactory(username="ceci", role="caseworker", organisation=oim, sites=[tumbes])
    mine = open_case(caseworker, household)
    theirs = open_case(other_caseworker, household)
    opened_by_officer = open_case(officer, household, assigned_to=other_caseworker.username)

    def listed(user):
        return {row["case_number"] for row in api_for(user).get(URL).json()["results"]}

    assert listed(caseworker) == {mine.case_number}
    assert listed(other_caseworker) == {theirs.case_number, opened_by_officer.case_number}
    assert listed(officer) == {opened_by_officer.case_number}
    assert listed(supervisor) == {mine.case_number, theirs.case_number, opened_by_officer.case_number}


def test_the_workflow_through_the_api(api_for, draft_case, caseworker, supervisor):
    worker, boss = api_for(caseworker), api_for(supervisor)
    assert worker.post(action_url(draft_case, "submit"), {}, format="json").json()["status"] == "submitted"
    returned = boss.post(action_url(draft_case, "return"), {"comment": "Add the school."}, format="json")
    assert returned.json()["status"] == "draft"
    worker.post(action_url(draft_case, "submit"), {}, format="json")
    assert boss.post(action_url(draft_case, "approve"), {}, format="json").json()["status"] == "approved"
    closed = worker.post(action_url(draft_case, "close"), {"reason": "Reunited."}, format="json").json()
    assert (closed["status"], closed["closure_reason"]) == ("closed", "Reunited.")
    reopened = boss.post(action_url(draft_case, "reopen"), {"comment": "Back."}, format="json").json()
    assert reopened["status"] == "draft"
    assert list(CaseEvent.objects.filter(case=draft_case).values_list("to_status", flat=True)) == [
        "draft", "submitted", "draft", "submitted", "approved", "closed", "draft"]


def test_a_transition_not_allowed_now_answers_409_naming_the_status(api_for, draft_case, supervisor):
    response = api_for(supervisor).post(action_url(draft_case, "approve"), {}, format="json",
                                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "currently draft" in response.json()["detail"]
    spanish = api_for(supervisor).post(action_url(draft_case, "close"), {"reason": "x"}, format="json")
    assert spanish.status_code == 409 and "borrador" in spanish.json()["detail"]


def test_a_caseworker_may_not_approve_403(api_for, submitted_case, caseworker):
    assert api_for(caseworker).post(action_url(submitted_case, "approve"), {}, format="json").status_code == 403


def test_a_field_officer_sees_the_case_they_opened_but_may_not_close_it(api_for, officer, household, supervisor):
    case = move(open_case(officer, household, assigned_to="sara"), supervisor, "submit", "approve")
    client = api_for(officer)
    assert client.get(f"{URL}{case.pk}/").status_code == 200
    assert client.post(action_url(case, "close"), {"reason": "x"}, format="json").status_code == 403


def test_missing_reason_answers_400(api_for, approved_case, caseworker):
    response = api_for(caseworker).post(action_url(approved_case, "close"), {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()


def test_a_version_that_is_not_a_number_answers_400_and_changes_nothing(api_for, draft_case, caseworker):
    response = api_for(caseworker).post(f"{URL}{draft_case.pk}/submit/", {"version": "abc"}, format="json",
                                        HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response.json() == {"version": ["Envíe la versión que leyó, un número entero como 3."]}
    draft_case.refresh_from_db()
    assert draft_case.status == "draft"


def test_a_stale_if_match_answers_412_and_a_stale_version_409(api_for, submitted_case, supervisor):
    client = api_for(supervisor)
    read = client.get(f"{URL}{submitted_case.pk}/")
    old_etag, old_version = read["ETag"], read.json()["version"]
    assert client.post(action_url(submitted_case, "return"), {"comment": "Redo.", "version": old_version},
                       format="json").status_code == 200
    by_header = client.post(action_url(submitted_case, "approve"), {}, format="json", HTTP_IF_MATCH=old_etag)
    by_body = client.post(action_url(submitted_case, "submit"), {"version": old_version}, format="json")
    assert by_header.status_code == 412
    assert by_body.status_code == 409 and by_body.json()["current_version"] == old_version + 1
    assert Case.objects.get().status == "draft"


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_acting_at_once_one_wins_and_the_other_is_told_the_case_changed(
        caseworker, household, supervisor, oim):
    other_supervisor = UserFactory(username="silvia", role="supervisor", organisation=oim)
    case = move(open_case(caseworker, household), caseworker, "submit")
    version = case.version
    start = threading.Barrier(2)
    outcomes = {}

    def act(actor, action):
        start.wait()
        try:
            case_services.transition_case(actor=actor, case=case, action=action, comment="Decided.",
                                          expected_version=version)
            outcomes[action] = "won"
        except StaleWrite:
            outcomes[action] = "stale"
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(supervisor, "approve")),
               threading.Thread(target=act, args=(other_supervisor, "return"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["stale", "won"]
    case.refresh_from_db()
    assert case.version == version + 1
    assert case.status == ("approved" if outcomes["approve"] == "won" else "draft")
    assert CaseEvent.objects.filter(case=case, from_status="submitted").count() == 1


def test_a_supervisor_assigns_through_patch_with_if_match(api_for, officer, household, supervisor, caseworker):
    case = open_case(officer, household)
    client = api_for(supervisor)
    etag = client.get(f"{URL}{case.pk}/")["ETag"]
    response = client.patch(f"{URL}{case.pk}/", {"assigned_to": "camila"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["assigned_to"] == "camila"
    again = client.patch(f"{URL}{case.pk}/", {"assigned_to": "camila"}, format="json", HTTP_IF_MATCH=etag)
    assert again.status_code == 412
    assert api_for(caseworker).patch(f"{URL}{case.pk}/", {"supervisor": "sara"}, format="json").status_code == 403


def test_the_assessment_action_sets_the_priority_and_an_override_needs_a_reason(api_for, draft_case, caseworker):
    client = api_for(caseworker)
    refused = client.post(action_url(draft_case, "assessment"),
                          {"specific_needs": ["DS"], "priority_override": "high"}, format="json")
    assert refused.status_code == 400 and "override_reason" in refused.json()
    done = client.post(action_url(draft_case, "assessment"),
                       {"specific_needs": ["DS"], "priority_override": "high", "override_reason": "No shelter."},
                       format="json")
    assert done.status_code == 200
    assert done.json()["priority"] == "high"
    assert done.json()["latest_assessment"]["computed_priority"] == "medium"


def test_assessment_codes_and_details_are_shown_only_to_the_caseworker_and_supervisors(
        api_for, officer, household, caseworker, supervisor):
    case = open_case(officer, household, needs=["SV-VF"], assigned_to="camila", details="Threatened by a gang.")
    seen = {}
    for user in (officer, caseworker, supervisor):
        body = api_for(user).get(f"{URL}{case.pk}/").json()
        seen[user.username] = (body["priority"], body["latest_assessment"]["specific_needs"],
                               body["latest_assessment"]["details"])
    assert seen == {"alicia": ("critical", None, None),
                    "camila": ("critical", ["SV-VF"], "Threatened by a gang."),
                    "sara": ("critical", ["SV-VF"], "Threatened by a gang.")}
    timeline = api_for(officer).get(f"{URL}{case.pk}/timeline/").json()
    assert "SV-VF" not in str(timeline)


def test_filters_status_priority_assigned_to_site_and_overdue(api_for, caseworker, household, supervisor, officer):
    low = open_case(caseworker, household, needs=[])
    critical = move(open_case(caseworker, household), caseworker, "submit")
    follow_up, _created = case_services.plan_follow_up(
        actor=caseworker, case=low, action="Visit", due_on=__import__("datetime").date.today())
    make_overdue(follow_up)
    client = api_for(supervisor)

    def numbers(query):
        response = client.get(URL + "?" + query)
        assert response.status_code == 200, response.json()
        return {row["case_number"] for row in response.json()["results"]}

    assert numbers("status=submitted") == {critical.case_number}
    assert numbers("priority=low") == {low.case_number}
    assert numbers("assigned_to=camila") == {low.case_number, critical.case_number}
    assert numbers("assigned_to=sara") == set()
    assert numbers("site=tum") == {low.case_number, critical.case_number}
    assert numbers("site=TAC") == set()
    assert numbers("overdue=true") == {low.case_number}
    assert numbers("overdue=false") == {critical.case_number}
    row = client.get(URL + "?overdue=true").json()["results"][0]
    assert row["overdue_follow_ups"] == 1 and row["next_follow_up_due"] is not None


def test_the_list_query_count_does_not_grow_with_page_size(api_for, caseworker, household, supervisor,
                                                           django_assert_num_queries):
    client = api_for(supervisor)
    open_case(caseworker, household)
    client.get(URL)  # token last-used write out of the way
    with django_assert_num_queries(3):
        assert client.get(URL).json()["count"] == 1
    for _ in range(10):
        open_case(caseworker, household)
    with django_assert_num_queries(3):
        assert client.get(URL).json()["count"] == 11


def test_the_priority_rules_are_readable_by_an_admin(api_for, admin_user):
    response = api_for(admin_user).get(URL + "priority-rules/")
    assert response.status_code == 200
    assert response.json()[0]["codes"][0]["code"] == "SC-UC"


def test_the_timeline_lists_status_changes_notes_and_follow_ups_newest_first(api_for, submitted_case, caseworker):
    import datetime

    case_services.add_note(actor=caseworker, case=submitted_case, text="Called the aunt.")
    case_services.plan_follow_up(actor=caseworker, case=submitted_case, action="Visit",
                                 due_on=datetime.date.today())
    entries = api_for(caseworker).get(action_url(submitted_case, "timeline")).json()
    kinds = [entry["kind"] for entry in entries]
    assert set(kinds) == {"status", "assessment", "note", "follow_up"}
    assert entries[-1]["title"] == "Caso abierto"
