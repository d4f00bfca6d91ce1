"""A partner sees the referrals sent to or by its organisation, and of them only the minimum fields;
a third organisation sees nothing of them (404)."""
import pytest

from casework.codes import Role
from referrals import services
from referrals.models import Referral
from tests.factories import UserFactory

URL = "/api/v1/referrals/"
PARTNER_FIELDS = {
    "id", "referring_organisation", "receiving_organisation", "service_type", "urgency", "reason", "language",
    "contact_preference", "person", "consent_given", "consent_scope", "consent_exception", "status", "due_at",
    "overdue", "sent_at", "acknowledged_at", "accepted_at", "declined_at", "decline_reason", "completed_at",
    "outcome", "closed_at", "cancelled_at", "version", "updated_at",
}


def test_the_partner_sees_only_the_minimal_fields(api_for, partner, send, woman):
    referral = send()
    body = api_for(partner).get(f"{URL}{referral.pk}/").json()
    assert set(body) == PARTNER_FIELDS
    assert body["person"] == {"given_name": "María José", "family_name": "Pérez González", "sex": "female",
                              "age": body["person"]["age"], "contact": "+51987654321", "language": "es"}
    assert body["consent_scope"] == ["referral"]
    text = str(body)
    assert str(woman.pk) not in text and str(woman.household_id) not in text
    assert "SV-VA" not in text and woman.document_number not in text


def test_the_referring_side_sees_the_person_and_the_history(api_for, caseworker, send, woman):
    referral = send()
    body = api_for(caseworker).get(f"{URL}{referral.pk}/").json()
    assert body["individual"] == str(woman.pk)
    assert body["referred_by"] == "camila"
    assert [event["to_status"] for event in body["events"]] == ["sent"]


def test_a_third_organisation_gets_404_for_everything(api_for, send, third_partner, third_supervisor,
                                                      caritas_offer):
    referral = send()
    for user in (third_partner, third_supervisor):
        client = api_for(user)
        assert client.get(URL).json()["count"] == 0
        assert client.get(f"{URL}{referral.pk}/").status_code == 404
        for step in ("acknowledge", "accept", "decline", "complete"):
            assert client.post(f"{URL}{referral.pk}/{step}/", {"reason": "x"}, format="json").status_code == 404
    assert client.post(f"{URL}{referral.pk}/cancel/").status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_each_of_three_organisations_sees_only_its_own_referrals(api_for, send, partner, caseworker, other_org,
                                                                 third_partner, third_supervisor, gbv, hias,
                                                                 caritas_offer, tumbes):
    to_hias = send()
    # Cáritas refers one of its own people to HIAS: OIM must not see it.
    caritas_caseworker = UserFactory(username="clara", role=Role.CASEWORKER, organisation=other_org, sites=[tumbes])
    from casework import services as casework_services
    from tests.factories import register

    caritas_household = register(caritas_caseworker)
    person = caritas_household.members.get(relationship_to_head="head")
    casework_services.record_consent(actor=caritas_caseworker, individual=person, purposes=["referral"],
                                     given_by="Ana")
    from_caritas, _created = services.create_referral(
        actor=caritas_caseworker, individual=person, receiving_organisation=hias, service_type=gbv,
        urgency="normal", reason="Legal and GBV support.", contact_preference="phone")

    def listed(user):
        return {row["id"] for row in api_for(user).get(URL).json()["results"]}

    assert listed(partner) == {str(to_hias.pk), str(from_caritas.pk)}
    assert listed(caseworker) == {str(to_hias.pk)}
    assert listed(third_partner) == {str(from_caritas.pk)}
    assert api_for(caseworker).get(f"{URL}{from_caritas.pk}/").status_code == 404


def test_a_caseworker_at_another_site_does_not_see_the_referral(api_for, send, oim, tacna):
    referral = send()
    elsewhere = UserFactory(username="diego", role=Role.CASEWORKER, organisation=oim, sites=[tacna])
    assert api_for(elsewhere).get(f"{URL}{referral.pk}/").status_code == 404


def test_the_partner_never_lists_the_registry(api_for, partner, send):
    send()
    client = api_for(partner)
    assert client.get("/api/v1/households/").status_code == 403
    assert client.get("/api/v1/individuals/").status_code == 403


@pytest.mark.parametrize("path", ["/referrals/", "/referrals/{pk}/"])
def test_the_web_pages_follow_the_same_scope(client, send, third_partner, partner, path):
    referral = send()
    client.force_login(third_partner)
    answer = client.get(path.format(pk=referral.pk))
    if "{pk}" in path:
        assert answer.status_code == 404
    else:
        assert referral.short_id not in answer.content.decode()
    client.force_login(partner)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "María José" in page and "SV-VA" not in page and referral.individual.document_number not in page


def test_an_anonymised_person_reaches_the_partner_anonymised(api_for, partner, admin_user, send, woman):
    from casework import privacy

    referral = send()
    privacy.anonymise_person(actor=admin_user, individual=woman)
    person = api_for(partner).get(f"{URL}{referral.pk}/").json()["person"]
    assert person["given_name"] == privacy.ANONYMISED_NAME
    assert person["contact"] != "+51987654321"
