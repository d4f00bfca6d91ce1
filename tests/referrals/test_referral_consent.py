"""No referral leaves without the person's consent, or a recorded exception with its justification."""
import pytest

from casework import services as casework_services
from casework.errors import InvalidInput
from referrals.models import Referral

URL = "/api/v1/referrals/"


def test_a_person_without_consent_for_referral_is_refused_with_a_clear_message(api_for, caseworker, household,
                                                                              hias_offer):
    child = household.members.get(relationship_to_head="child", given_name="Valentina")
    answer = api_for(caseworker).post(URL, {
        "individual": str(child.pk), "receiving_organisation": "HIAS", "service_type": "gbv_case_management",
        "urgency": "high", "reason": "Needs support.", "contact_preference": "through_referrer",
    }, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert "has not given consent for “Referral to partner organisations”" in answer.json()["consent"][0]
    assert not Referral.objects.exists()


def test_withdrawn_consent_blocks_the_next_referral(send, woman, caseworker):
    consent = woman.consents.get()
    casework_services.withdraw_consent(actor=caseworker, consent=consent)
    with pytest.raises(InvalidInput) as refused:
        send()
    assert "consent" in refused.value.errors
    assert not Referral.objects.exists()


def test_consent_for_assistance_only_is_not_consent_to_refer(send, woman):
    woman.consents.update(purposes=["assistance"])
    with pytest.raises(InvalidInput):
        send()


def test_the_household_consent_for_referral_counts_for_its_members(send, woman, household, caseworker):
    woman.consents.all().delete()
    household_consent = casework_services.record_consent(actor=caseworker, household=household,
                                                         purposes=["assistance", "referral"], given_by="María")
    referral = send()
    assert referral.consent == household_consent
    assert referral.consent_scope() == ["assistance", "referral"]


@pytest.mark.parametrize("exception", ["child_best_interest", "life_threatening_emergency"])
def test_a_recorded_exception_with_its_justification_sends_without_consent(send, woman, exception):
    woman.consents.all().delete()
    referral = send(consent_exception=exception, exception_justification="Unaccompanied child at immediate risk.")
    assert referral.consent_given is False
    assert referral.consent is None
    assert referral.consent_exception == exception


def test_an_exception_without_justification_is_refused(send, woman):
    woman.consents.all().delete()
    with pytest.raises(InvalidInput) as refused:
        send(consent_exception="life_threatening_emergency", exception_justification=" ")
    assert "exception_justification" in refused.value.errors


def test_the_database_refuses_a_referral_with_neither_consent_nor_exception(send):
    from django.db import IntegrityError, transaction

    referral = send()
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(consent=None)
