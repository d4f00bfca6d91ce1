"""/api/v1/referrals/: sending, the whole lifecycle between two organisations, and every refusal."""
import uuid

import pytest

from casework.models import AuditEvent
from referrals.models import Referral, ReferralEvent

URL = "/api/v1/referrals/"


@pytest.fixture
def body(woman, hias_offer):
    return {"individual": str(woman.pk), "receiving_organisation": "HIAS", "service_type": "gbv_case_management",
            "urgency": "high", "reason": "Needs GBV case management.", "language": "es",
            "contact_preference": "phone"}


def test_the_whole_lifecycle_between_two_organisations_runs_through_the_api(api_for, caseworker, partner, body):
    referrer, receiver = api_for(caseworker), api_for(partner)
    sent = referrer.post(URL, body, format="json")
    assert sent.status_code == 201, sent.json()
    referral_id = sent.json()["id"]
    assert sent.json()["status"] == "sent"
    assert sent.json()["consent_given"] is True

    pulled = receiver.get(URL, {"status": "sent"})
    assert [row["id"] for row in pulled.json()["results"]] == [referral_id]
    for step, extra, status in [("acknowledge", {}, "acknowledged"), ("accept", {}, "accepted"),
                                ("complete", {"outcome": "Safety plan agreed; follow-up weekly."}, "completed")]:
        answer = receiver.post(f"{URL}{referral_id}/{step}/", extra, format="json")
        assert answer.status_code == 200, answer.json()
        assert answer.json()["status"] == status
    closed = referrer.post(f"{URL}{referral_id}/close/", {}, format="json")
    assert closed.status_code == 200
    seen = referrer.get(f"{URL}{referral_id}/").json()
    assert seen["status"] == "closed"
    assert seen["outcome"] == "Safety plan agreed; follow-up weekly."
    assert [event["to_status"] for event in seen["events"]] == [
        "sent", "acknowledged", "accepted", "completed", "closed"]
    assert [event["organisation"] for event in seen["events"]] == ["OIM", "HIAS", "HIAS", "HIAS", "OIM"]
    referral = Referral.objects.get(pk=referral_id)
    assert referral.sent_at <= referral.acknowledged_at <= referral.accepted_at <= referral.completed_at
    assert referral.version == 5
    assert AuditEvent.objects.filter(object_type="referrals.referral", object_id=referral_id,
                                     action="update").count() == 4


def test_the_partner_declines_with_a_reason_and_the_referrer_closes(api_for, caseworker, partner, send):
    referral = send()
    receiver = api_for(partner)
    receiver.post(f"{URL}{referral.pk}/acknowledge/")
    without_reason = receiver.post(f"{URL}{referral.pk}/decline/", {}, format="json")
    assert without_reason.status_code == 400
    assert "reason" in without_reason.json()
    declined = receiver.post(f"{URL}{referral.pk}/decline/", {"reason": "No capacity this month."}, format="json")
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "No capacity this month."
    assert api_for(caseworker).post(f"{URL}{referral.pk}/close/").json()["status"] == "closed"


def test_completing_needs_an_outcome(api_for, partner, send):
    referral = send()
    receiver = api_for(partner)
    receiver.post(f"{URL}{referral.pk}/acknowledge/")
    receiver.post(f"{URL}{referral.pk}/accept/")
    answer = receiver.post(f"{URL}{referral.pk}/complete/", {"outcome": "  "}, format="json")
    assert answer.status_code == 400
    assert "outcome" in answer.json()
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


# (step, the statuses it may start from)
STARTS = {
    "acknowledge": {"sent"},
    "accept": {"acknowledged"},
    "decline": {"acknowledged"},
    "complete": {"accepted"},
    "cancel": {"sent", "acknowledged", "accepted"},
    "close": {"completed", "declined"},
}
# How to bring a fresh referral to each status: (party, step, note).
PATHS = {
    "sent": [],
    "acknowledged": [("receiver", "acknowledge", "")],
    "accepted": [("receiver", "acknowledge", ""), ("receiver", "accept", "")],
    "declined": [("receiver", "acknowledge", ""), ("receiver", "decline", "Out of area")],
    "completed": [("receiver", "acknowledge", ""), ("receiver", "accept", ""), ("receiver", "complete", "Done")],
    "closed": [("receiver", "acknowledge", ""), ("receiver", "accept", ""), ("receiver", "complete", "Done"),
               ("referrer", "close", "")],
    "cancelled": [("referrer", "cancel", "")],
}
REFUSED = [(step, status) for step in STARTS for status in PATHS if status not in STARTS[step]]


@pytest.mark.parametrize(("step", "status"), REFUSED)
def test_a_step_the_status_does_not_allow_answers_409_naming_the_status(api_for, caseworker, partner, send,
                                                                         step, status):
    from referrals import services

    referral = send()
    parties = {"receiver": partner, "referrer": caseworker}
    for party, earlier, note in PATHS[status]:
        referral = services.transition(actor=parties[party], referral=referral, action=earlier, note=note)
    party = "referrer" if step in {"cancel", "close"} else "receiver"
    answer = api_for(parties[party]).post(f"{URL}{referral.pk}/{step}/", {"reason": "x", "outcome": "x"},
                                          format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409
    label = {"sent": "sent", "acknowledged": "acknowledged", "accepted": "accepted", "declined": "declined",
             "completed": "completed", "closed": "closed", "cancelled": "cancelled"}[status]
    assert f"This referral is {label}" in answer.json()["detail"]
    assert Referral.objects.get(pk=referral.pk).status == status


@pytest.mark.parametrize("step", ["acknowledge", "accept", "decline", "complete"])
def test_only_the_receiving_organisation_answers_a_referral(api_for, supervisor, send, step):
    referral = send()
    answer = api_for(supervisor).post(f"{URL}{referral.pk}/{step}/", {"reason": "x", "outcome": "x"},
                                      format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 403  # sees the referral, may not take that step (DESIGN.md)
    assert "Only the receiving organisation (HIAS Perú)" in answer.json()["detail"]
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


@pytest.mark.parametrize("step", ["cancel", "close"])
def test_only_the_referring_organisation_cancels_or_closes(api_for, hias_supervisor, send, step):
    referral = send()
    answer = api_for(hias_supervisor).post(f"{URL}{referral.pk}/{step}/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 403
    assert "Only the referring organisation (OIM Perú)" in answer.json()["detail"]


@pytest.mark.parametrize("step", ["cancel", "close"])
def test_the_partner_agency_role_may_not_cancel_or_close_at_all(api_for, partner, send, step):
    referral = send()
    assert api_for(partner).post(f"{URL}{referral.pk}/{step}/").status_code == 403


def test_the_referrer_cancels_before_completion_with_a_reason(api_for, caseworker, send):
    referral = send()
    answer = api_for(caseworker).post(f"{URL}{referral.pk}/cancel/", {"reason": "She left for Lima."}, format="json")
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["cancel_reason"] == "She left for Lima."


def test_a_stale_version_is_refused(api_for, partner, send):
    referral = send()
    client = api_for(partner)
    assert client.post(f"{URL}{referral.pk}/acknowledge/", {"version": 1}, format="json").status_code == 200
    stale = client.post(f"{URL}{referral.pk}/accept/", {"version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    etag_stale = client.post(f"{URL}{referral.pk}/accept/", HTTP_IF_MATCH=f'"{referral.pk}-1"')
    assert etag_stale.status_code == 412


def test_a_retried_create_with_the_same_id_returns_the_first_referral(api_for, caseworker, body):
    client = api_for(caseworker)
    referral_id = str(uuid.uuid4())
    first = client.post(URL, body | {"id": referral_id}, format="json")
    retry = client.post(URL, body | {"id": referral_id}, format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert Referral.objects.count() == 1
    assert ReferralEvent.objects.count() == 1


def test_invalid_input_answers_400_per_field_and_writes_nothing(api_for, caseworker, body):
    answer = api_for(caseworker).post(URL, body | {"urgency": "whenever", "reason": ""}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) >= {"urgency", "reason"}
    assert not Referral.objects.exists()


def test_an_organisation_that_does_not_offer_the_service_nearby_is_refused(api_for, caseworker, body, caritas_offer):
    answer = api_for(caseworker).post(URL, body | {"receiving_organisation": "CARITAS"}, format="json",
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert "does not offer GBV case management near Aguas Verdes" in answer.json()["receiving_organisation"][0]
    assert not Referral.objects.exists()


def test_due_dates_follow_the_urgency(send):
    for urgency, hours in [("emergency", 24), ("high", 72), ("normal", 168)]:
        referral = send(urgency=urgency)
        assert (referral.due_at - referral.sent_at).total_seconds() == hours * 3600


@pytest.mark.parametrize("role_user", ["officer", "me_officer", "admin_user"])
def test_roles_other_than_caseworkers_and_supervisors_cannot_send(request, api_for, body, role_user, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    user = request.getfixturevalue(role_user)
    assert api_for(user).post(URL, body, format="json").status_code == 403
    assert not Referral.objects.exists()


def test_a_supervisor_may_send_too(api_for, supervisor, body):
    assert api_for(supervisor).post(URL, body, format="json").status_code == 201


def test_the_list_query_count_does_not_grow_with_page_size(api_for, partner, send, django_assert_max_num_queries):
    client = api_for(partner)
    send()
    client.get(URL)  # the token's first use is written once
    with django_assert_max_num_queries(4) as small:
        assert client.get(URL).json()["count"] == 1
    for _index in range(6):
        send()
    with django_assert_max_num_queries(4) as large:
        assert client.get(URL).json()["count"] == 7
    assert len(large.captured_queries) == len(small.captured_queries)


def test_filters_select_direction_status_and_overdue(api_for, caseworker, partner, send):
    send()
    acknowledged = send()
    from referrals import services

    services.transition(actor=partner, referral=acknowledged, action="acknowledge")
    client = api_for(caseworker)
    assert client.get(URL, {"direction": "sent"}).json()["count"] == 2
    assert client.get(URL, {"direction": "received"}).json()["count"] == 0
    assert client.get(URL, {"status": "acknowledged"}).json()["count"] == 1
    assert client.get(URL, {"overdue": "true"}).json()["count"] == 0
    Referral.objects.filter(status="sent").update(due_at="2020-01-01T00:00:00Z")
    assert client.get(URL, {"overdue": "true"}).json()["count"] == 1
    assert client.get(URL, {"service_type": "gbv_case_management", "receiving_organisation": "HIAS"}
                      ).json()["count"] == 2


def test_a_refusal_is_explained_in_spanish_by_default(api_for, partner, send):
    referral = send()
    client = api_for(partner)
    client.post(f"{URL}{referral.pk}/acknowledge/")
    answer = client.post(f"{URL}{referral.pk}/acknowledge/")
    assert answer.status_code == 409
    assert answer.json()["detail"] == "Esta derivación está recibida: no puede ser recibida ahora."


def test_a_completed_referral_counts_for_the_receiving_organisation_in_the_report(partner, caseworker, send, woman):
    from referrals import services
    from reporting.models import Activity

    referral = send()
    for step, note in [("acknowledge", ""), ("accept", ""), ("complete", "Safety plan agreed.")]:
        assert not Activity.objects.exists()
        referral = services.transition(actor=partner, referral=referral, action=step, note=note)
    reached = Activity.objects.select_related("indicator", "organisation").get()
    assert (reached.person_id, reached.indicator.code, reached.organisation.code) == (woman.pk, "GBV-01", "HIAS")
    assert (reached.source_type, reached.source_id) == ("referral", str(referral.pk))
    services.transition(actor=caseworker, referral=referral, action="close")
    assert Activity.objects.count() == 1
