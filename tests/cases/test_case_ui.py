import datetime

import pytest

from casework import case_services
from casework.models import Case, CaseEvent, CaseNote, FollowUp
from tests.cases.conftest import make_overdue, move, open_case


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client
    return sign_in


def page(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_household_page_links_to_opening_a_case(as_user, caseworker, household, me_officer):
    assert f"/registry/{household.pk}/open-case/" in page(as_user(caseworker), f"/registry/{household.pk}/")


def test_a_caseworker_opens_a_case_for_a_child_from_the_household_page(as_user, caseworker, household, child):
    client = as_user(caseworker)
    form = page(client, f"/registry/{household.pk}/open-case/")
    assert "Samuel" in form
    response = client.post(f"/registry/{household.pk}/open-case/", {
        "individual": str(child.pk), "assigned_to": "camila", "supervisor": "",
        "specific_needs": ["SC-UC"], "details": "Crossed alone.", "priority_override": "", "override_reason": "",
    })
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.individual, case.priority, case.assigned_to) == (child, "critical", caseworker)
    detail = page(client, response["Location"])
    assert "Crossed alone." in detail and "Submit for review" in detail


def test_an_override_without_reason_is_shown_beside_the_field(as_user, caseworker, household):
    response = as_user(caseworker).post(f"/registry/{household.pk}/open-case/", {
        "individual": "", "assigned_to": "", "supervisor": "", "specific_needs": ["DS"],
        "priority_override": "critical", "override_reason": "",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Say why you set the priority by hand." in response.content.decode()
    assert not Case.objects.exists()


def test_my_cases_shows_only_my_cases_and_flags_overdue_follow_ups(as_user, caseworker, household, officer):
    mine = open_case(caseworker, household)
    not_mine = open_case(officer, household)
    follow_up, _created = case_services.plan_follow_up(actor=caseworker, case=mine, action="Call the school",
                                                       due_on=datetime.date.today())
    make_overdue(follow_up)
    html = page(as_user(caseworker), "/cases/")
    assert "My cases" in html and mine.case_number in html and not_mine.case_number not in html
    assert "has-overdue" in html and "1 follow-up overdue" in html
    assert mine.case_number in page(as_user(caseworker), "/cases/?overdue=on")


def test_the_supervisors_list_flags_overdue_follow_ups_too(as_user, caseworker, household, supervisor):
    case = open_case(caseworker, household)
    follow_up, _created = case_services.plan_follow_up(actor=caseworker, case=case, action="Call the school",
                                                       due_on=datetime.date.today())
    make_overdue(follow_up)
    html = page(as_user(supervisor), "/cases/")
    assert case.case_number in html and "has-overdue" in html and "1 follow-up overdue" in html


def test_the_case_list_query_count_does_not_grow(as_user, caseworker, household, supervisor,
                                                 django_assert_max_num_queries):
    client = as_user(supervisor)
    open_case(caseworker, household)
    page(client, "/cases/")
    with django_assert_max_num_queries(9) as few:  # 8 for the page, 1 for the top bar's notification badge
        page(client, "/cases/")
    for _ in range(10):
        open_case(caseworker, household)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, "/cases/")


def test_the_review_queue_lists_submitted_cases_oldest_first_with_priority(as_user, caseworker, household,
                                                                            supervisor):
    older = move(open_case(caseworker, household, needs=["DS"]), caseworker, "submit")
    newer = move(open_case(caseworker, household, needs=["SC-UC"]), caseworker, "submit")
    open_case(caseworker, household)
    html = page(as_user(supervisor), "/cases/review/")
    assert html.index(older.case_number) < html.index(newer.case_number)
    assert "priority-medium" in html and "priority-critical" in html
    assert "2 cases waiting for review" in html


def test_the_review_queue_is_for_supervisors(as_user, caseworker):
    assert as_user(caseworker).get("/cases/review/").status_code == 403


def test_a_supervisor_approves_two_cases_at_once(as_user, caseworker, household, supervisor):
    cases = [move(open_case(caseworker, household), caseworker, "submit") for _ in range(2)]
    response = as_user(supervisor).post("/cases/review/", {
        "case": [f"{case.pk}:{case.version}" for case in cases], "decision": "approve", "comment": "",
    })
    assert response.status_code == 302
    assert set(Case.objects.values_list("status", flat=True)) == {"approved"}


def test_returning_from_the_queue_needs_a_comment(as_user, submitted_case, supervisor):
    response = as_user(supervisor).post("/cases/review/", {
        "case": [f"{submitted_case.pk}:{submitted_case.version}"], "decision": "return", "comment": "",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Tell the caseworker what to change." in response.content.decode()
    assert Case.objects.get().status == "submitted"


def test_a_queue_decision_on_a_case_changed_meanwhile_saves_nothing_and_says_so(
        as_user, caseworker, household, supervisor):
    cases = [move(open_case(caseworker, household), caseworker, "submit") for _ in range(2)]
    seen = [f"{case.pk}:{case.version}" for case in cases]
    move(cases[0], supervisor, "return", comment="Redo.")
    response = as_user(supervisor).post("/cases/review/", {"case": seen, "decision": "approve"},
                                        HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed since you opened the list" in html and cases[0].case_number in html
    assert Case.objects.get(pk=cases[1].pk).status == "submitted"


def test_a_stale_form_on_the_case_page_is_refused_with_a_clear_message(as_user, submitted_case, supervisor,
                                                                       oim):
    from tests.factories import UserFactory

    other = UserFactory(username="silvia", role="supervisor", organisation=oim)
    version = submitted_case.version
    as_user(other).post(f"/cases/{submitted_case.pk}/return/", {"version": version, "comment": "Redo."})
    client = as_user(supervisor)
    response = client.post(f"/cases/{submitted_case.pk}/approve/", {"version": version, "comment": ""},
                           follow=True, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Someone else changed this case while you had it open: it is now draft" in html
    assert Case.objects.get().status == "draft"
    assert CaseEvent.objects.filter(to_status="approved").count() == 0


def test_the_case_page_shows_the_full_timeline(as_user, approved_case, caseworker, supervisor):
    case_services.add_note(actor=caseworker, case=approved_case, text="Aunt found in Lima.")
    case_services.add_note(actor=caseworker, case=approved_case, text="Says she was threatened.", confidential=True)
    case_services.plan_follow_up(actor=caseworker, case=approved_case, action="Call the aunt",
                                 due_on=datetime.date.today())
    html = page(as_user(supervisor), f"/cases/{approved_case.pk}/")
    for text in ("Case opened", "Status changed from draft to submitted for review",
                 "Status changed from submitted for review to approved (active)", "Vulnerability assessment",
                 "Aunt found in Lima.", "Says she was threatened.", "Call the aunt", "Close the case"):
        assert text in html, text


def test_confidential_notes_and_details_stay_hidden_from_the_officer_who_opened_the_case(
        as_user, officer, household, caseworker):
    case = open_case(officer, household, needs=["SV-VA"], assigned_to="camila", details="Threatened by a gang.")
    case_services.add_note(actor=caseworker, case=case, text="Disclosed abuse.", confidential=True)
    html = page(as_user(officer), f"/cases/{case.pk}/")
    assert "Disclosed abuse." not in html and "Threatened by a gang." not in html and "SV-VA" not in html
    assert "priority-critical" in html
    assert 'value="SV-VA" selected' not in page(as_user(officer), f"/cases/{case.pk}/assessment/")
    assert "Only the assigned caseworker and the supervisors can read the details." in html


def test_notes_follow_ups_and_assessment_from_the_case_page(as_user, draft_case, caseworker):
    client = as_user(caseworker)
    client.post(f"/cases/{draft_case.pk}/notes/", {"text": "Visited.", "confidential": "on"})
    client.post(f"/cases/{draft_case.pk}/follow-ups/", {
        "action": "Bring the birth certificate", "assigned_to": "", "due_on": datetime.date.today().isoformat()})
    follow_up = FollowUp.objects.get()
    client.post(f"/cases/{draft_case.pk}/follow-ups/{follow_up.pk}/done/")
    response = client.post(f"/cases/{draft_case.pk}/assessment/", {
        "specific_needs": ["WR-HR"], "details": "", "priority_override": "", "override_reason": "",
        "version": draft_case.version})
    assert response.status_code == 302
    note = CaseNote.objects.get()
    follow_up.refresh_from_db()
    draft_case.refresh_from_db()
    assert (note.confidential, note.author) == (True, caseworker)
    assert (follow_up.assigned_to, follow_up.done_on) == (caseworker, datetime.date.today())
    assert draft_case.priority == "high"
    assert "Follow-up done" in page(client, f"/cases/{draft_case.pk}/")


def test_a_stale_assessment_form_is_refused(as_user, draft_case, caseworker, supervisor):
    stale_version = draft_case.version
    case_services.record_assessment(actor=supervisor, case=draft_case, specific_needs=["DS"])
    response = as_user(caseworker).post(f"/cases/{draft_case.pk}/assessment/", {
        "specific_needs": ["WR"], "version": stale_version}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "Someone else changed this case" in response.content.decode()
    assert draft_case.assessments.count() == 2


def test_cases_out_of_scope_are_404_on_every_page(as_user, draft_case, outsider):
    client = as_user(outsider)
    assert client.get(f"/cases/{draft_case.pk}/").status_code == 404
    assert client.post(f"/cases/{draft_case.pk}/notes/", {"text": "x"}).status_code == 404
    assert client.post(f"/cases/{draft_case.pk}/submit/", {"version": 1}).status_code == 404


def test_the_priority_rules_page_lists_the_rules_for_any_role(as_user, me_officer):
    html = page(as_user(me_officer), "/cases/priority-rules/")
    assert "SC-UC" in html and "Unaccompanied child" in html


def test_the_navigation_shows_cases_and_the_queue_to_whom_they_concern(as_user, supervisor, caseworker,
                                                                     me_officer):
    assert "/cases/review/" in page(as_user(supervisor), "/cases/")
    nav = page(as_user(caseworker), "/cases/")
    assert 'href="/cases/"' in nav and "/cases/review/" not in nav


def test_the_review_queue_query_count_does_not_grow(as_user, caseworker, household, supervisor,
                                                   django_assert_max_num_queries):
    client = as_user(supervisor)
    move(open_case(caseworker, household), caseworker, "submit")
    page(client, "/cases/review/")
    with django_assert_max_num_queries(9) as few:  # 8 for the page, 1 for the top bar's notification badge
        page(client, "/cases/review/")
    for _ in range(10):
        move(open_case(caseworker, household), caseworker, "submit")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, "/cases/review/")


def test_the_household_page_lists_the_cases_the_user_may_see(as_user, caseworker, household, child, oim, tumbes):
    from tests.factories import UserFactory

    mine = open_case(caseworker, individual=child)
    other = UserFactory(username="ceci", role="caseworker", organisation=oim, sites=[tumbes])
    hidden = open_case(other, household)
    html = page(as_user(caseworker), f"/registry/{household.pk}/")
    assert mine.case_number in html and "Samuel" in html
    assert hidden.case_number not in html
