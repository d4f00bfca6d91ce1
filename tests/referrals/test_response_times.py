"""Response times per receiving organisation and service, for the coordination meeting."""
from datetime import timedelta

from django.utils import timezone

from referrals.models import Referral

URL = "/api/v1/referrals/response-times/"


def _timeline(referral, *, acknowledged=None, accepted=None, completed=None, status):
    sent = timezone.now() - timedelta(days=10)
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=sent, due_at=sent + timedelta(hours=24), status=status,
        acknowledged_at=acknowledged and sent + timedelta(hours=acknowledged),
        accepted_at=accepted and sent + timedelta(hours=accepted),
        completed_at=completed and sent + timedelta(hours=completed),
        outcome="Done" if completed else "")


def test_mean_hours_to_each_step_per_organisation_and_service(api_for, supervisor, send):
    _timeline(send(), acknowledged=2, accepted=10, completed=100, status="completed")
    _timeline(send(), acknowledged=30, accepted=50, status="accepted")
    _timeline(send(), status="sent")
    rows = api_for(supervisor).get(URL).json()
    assert rows == [{
        "receiving_organisation": "HIAS", "receiving_organisation_name": "HIAS Perú",
        "service_type": "gbv_case_management", "referrals": 3, "acknowledged": 2, "accepted": 2, "declined": 0,
        "completed": 1, "acknowledged_late": 2, "hours_to_acknowledge": 16.0, "hours_to_accept": 30.0,
        "hours_to_complete": 100.0,
    }]


def test_response_times_take_the_list_filters_and_one_query(api_for, supervisor, send,
                                                            django_assert_max_num_queries):
    _timeline(send(), acknowledged=2, status="acknowledged")
    client = api_for(supervisor)
    client.get(URL)
    with django_assert_max_num_queries(3):
        assert client.get(URL, {"urgency": "normal"}).json() == []


def test_the_partner_sees_the_times_of_its_own_referrals_only(api_for, partner, third_partner, send):
    send()
    assert len(api_for(partner).get(URL).json()) == 1
    assert api_for(third_partner).get(URL).json() == []


def test_caseworkers_do_not_get_the_dashboard(api_for, caseworker, client):
    assert api_for(caseworker).get(URL).status_code == 403
    client.force_login(caseworker)
    assert client.get("/referrals/dashboard/").status_code == 403


def test_the_supervisors_dashboard_shows_the_pathways(client, supervisor, send):
    _timeline(send(), acknowledged=2, accepted=10, status="accepted")
    client.force_login(supervisor)
    page = client.get("/referrals/dashboard/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "HIAS Perú" in page
    assert "Gestión de casos de VBG" in page
    assert "<td>2.0</td>" in page or "<td>2,0</td>" in page
