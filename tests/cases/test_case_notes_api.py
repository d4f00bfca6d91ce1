import datetime
import uuid

from casework import case_services
from casework.models import AuditEvent, CaseNote, FollowUp
from tests.cases.conftest import make_overdue, open_case
from tests.factories import UserFactory

TODAY = datetime.date.today


def notes_url(case):
    return f"/api/v1/cases/{case.pk}/notes/"


def follow_ups_url(case):
    return f"/api/v1/cases/{case.pk}/follow-ups/"


def test_notes_record_author_and_time_and_a_retry_writes_one_note(api_for, draft_case, caseworker):
    client = api_for(caseworker)
    body = {"id": str(uuid.uuid4()), "text": "Called the aunt in Lima.", "confidential": False}
    first = client.post(notes_url(draft_case), body, format="json")
    retry = client.post(notes_url(draft_case), body, format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    note = first.json()
    assert note["author"] == "camila" and note["written_at"]
    assert CaseNote.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="casework.casenote").count() == 1


def test_an_empty_note_is_refused(api_for, draft_case, caseworker):
    response = api_for(caseworker).post(notes_url(draft_case), {"text": "  "}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    assert not CaseNote.objects.exists()


def test_confidential_notes_are_listed_only_to_the_assigned_caseworker_and_supervisors(
        api_for, officer, household, caseworker, supervisor, oim, tumbes):
    case = open_case(officer, household, assigned_to="camila")
    case_services.add_note(actor=caseworker, case=case, text="Everyday note.")
    case_services.add_note(actor=caseworker, case=case, text="Disclosed abuse.", confidential=True)
    other_supervisor_org = UserFactory(username="ceci", role="caseworker", organisation=oim, sites=[tumbes])

    def texts(user):
        response = api_for(user).get(notes_url(case))
        return [note["text"] for note in response.json()["results"]] if response.status_code == 200 else 404

    assert texts(caseworker) == ["Everyday note.", "Disclosed abuse."]
    assert texts(supervisor) == ["Everyday note.", "Disclosed abuse."]
    assert texts(officer) == ["Everyday note."]
    assert texts(other_supervisor_org) == 404
    timeline = api_for(officer).get(f"/api/v1/cases/{case.pk}/timeline/").json()
    assert "Disclosed abuse." not in str(timeline)


def test_notes_of_a_case_out_of_scope_answer_404(api_for, draft_case, outsider):
    response = api_for(outsider).post(notes_url(draft_case), {"text": "Hello"}, format="json")
    assert response.status_code == 404 and not CaseNote.objects.exists()


def test_the_notes_list_query_count_does_not_grow(api_for, draft_case, caseworker, django_assert_num_queries):
    client = api_for(caseworker)
    client.get(notes_url(draft_case))
    for index in range(8):
        case_services.add_note(actor=caseworker, case=draft_case, text=f"Note {index}", confidential=index % 2)
    with django_assert_num_queries(4):
        assert client.get(notes_url(draft_case)).json()["count"] == 8


def test_a_follow_up_says_what_who_and_by_when_and_is_marked_done_once(api_for, draft_case, caseworker, supervisor):
    client = api_for(caseworker)
    due = (TODAY() + datetime.timedelta(days=7)).isoformat()
    created = client.post(follow_ups_url(draft_case), {"action": "Visit the shelter", "due_on": due,
                                                       "assigned_to": "sara"}, format="json")
    assert created.status_code == 201, created.json()
    follow_up = created.json()
    assert (follow_up["assigned_to"], follow_up["due_on"], follow_up["done_on"], follow_up["is_overdue"]) == (
        "sara", due, None, False)
    done_url = f"{follow_ups_url(draft_case)}{follow_up['id']}/complete/"
    done = api_for(supervisor).post(done_url, {}, format="json")
    assert done.status_code == 200 and done.json()["done_on"] == TODAY().isoformat()
    again = client.post(done_url, {"done_on": (TODAY() - datetime.timedelta(days=1)).isoformat()}, format="json")
    assert again.json()["done_on"] == TODAY().isoformat() and again.json()["done_by"] == "sara"


def test_a_follow_up_needs_what_and_a_due_date_not_in_the_past(api_for, draft_case, caseworker, outsider):
    response = api_for(caseworker).post(
        follow_ups_url(draft_case), {"action": "", "due_on": "2001-01-01", "assigned_to": outsider.username},
        format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"action", "assigned_to"}
    past = api_for(caseworker).post(follow_ups_url(draft_case), {"action": "Call", "due_on": "2001-01-01"},
                                    format="json")
    assert past.status_code == 400 and "due_on" in past.json()
    assert not FollowUp.objects.exists()


def test_an_overdue_follow_up_is_flagged(api_for, draft_case, caseworker):
    follow_up, _created = case_services.plan_follow_up(actor=caseworker, case=draft_case, action="Call",
                                                       due_on=TODAY())
    make_overdue(follow_up)
    rows = api_for(caseworker).get(follow_ups_url(draft_case)).json()["results"]
    assert rows[0]["is_overdue"] is True


def test_a_follow_up_of_a_closed_case_answers_409(api_for, closed_case, caseworker):
    response = api_for(caseworker).post(follow_ups_url(closed_case), {"action": "Call", "due_on": TODAY().isoformat()},
                                        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "currently closed" in response.json()["detail"]


def test_the_follow_ups_list_query_count_does_not_grow(api_for, draft_case, caseworker, django_assert_num_queries):
    client = api_for(caseworker)
    client.get(follow_ups_url(draft_case))
    for index in range(6):
        case_services.plan_follow_up(actor=caseworker, case=draft_case, action=f"Step {index}", due_on=TODAY())
    with django_assert_num_queries(4):
        assert client.get(follow_ups_url(draft_case)).json()["count"] == 6
