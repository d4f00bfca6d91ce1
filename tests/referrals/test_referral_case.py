"""A referral made from a case: linked for the referring side, invisible to the partner."""
import pytest

from casework import case_services
from casework.case_timeline import timeline_for
from casework.errors import InvalidInput
from tests.factories import register


@pytest.fixture
def case(caseworker, household, woman):
    return case_services.open_case(actor=caseworker, household=household, individual=woman)[0]


def test_a_referral_from_a_case_shows_on_the_case_timeline(send, case, caseworker):
    referral = send(case=case)
    assert referral.case == case
    entries = [entry for entry in timeline_for(case, caseworker) if entry.kind == "referral"]
    assert len(entries) == 1 and "HIAS" in entries[0].title


def test_the_partner_never_sees_the_case(api_for, send, case, partner, caseworker):
    referral = send(case=case)
    assert api_for(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["case"] == str(case.pk)
    assert "case" not in api_for(partner).get(f"/api/v1/referrals/{referral.pk}/").json()


def test_a_case_about_someone_else_is_refused(send, caseworker, officer):
    other = register(officer)
    other_case = case_services.open_case(actor=caseworker, household=other)[0]
    with pytest.raises(InvalidInput) as refused:
        send(case=other_case)
    assert "case" in refused.value.errors
