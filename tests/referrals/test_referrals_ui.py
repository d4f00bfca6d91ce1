"""The referral pages: find the person, choose a service, send to an organisation nearby, follow it."""
from referrals.models import Referral


def test_the_form_offers_only_organisations_offering_the_service_near_the_person(client, caseworker, woman,
                                                                                 hias_offer, caritas_offer):
    client.force_login(caseworker)
    page = client.get("/referrals/new/", {"individual": woman.pk, "service": "gbv_case_management"})
    html = page.content.decode()
    assert 'value="HIAS"' in html
    assert 'value="CARITAS"' not in html
    assert "Lucía Ramos" in html


def test_a_service_nobody_offers_nearby_says_so(client, caseworker, woman, hias_offer):
    client.force_login(caseworker)
    html = client.get("/referrals/new/", {"individual": woman.pk, "service": "cash"},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No organisation offers" in html
    assert "<form method=\"post\"" not in html


def test_the_caseworker_finds_the_person_and_sends_the_referral(client, caseworker, woman, hias_offer):
    client.force_login(caseworker)
    found = client.get("/referrals/new/", {"q": "Pérez"}).content.decode()
    assert f"?individual={woman.pk}" in found
    form = client.get("/referrals/new/", {"individual": woman.pk, "service": "gbv_case_management"})
    referral_id = form.context["form"]["id"].value()
    answer = client.post("/referrals/new/", {
        "individual": woman.pk, "service": "gbv_case_management", "id": referral_id,
        "receiving_organisation": "HIAS", "urgency": "emergency", "reason": "Needs a safe place tonight.",
        "language": "es", "contact_preference": "phone",
    })
    referral = Referral.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/referrals/{referral.pk}/"
    assert str(referral.pk) == str(referral_id)
    assert referral.urgency == "emergency"


def test_the_form_shows_the_consent_refusal(client, caseworker, household, hias_offer):
    child = household.members.get(given_name="Samuel")
    client.force_login(caseworker)
    answer = client.post("/referrals/new/", {
        "individual": child.pk, "service": "gbv_case_management", "id": "8f0a4a39-3f0c-4c2e-9a55-0a0a0a0a0a0a",
        "receiving_organisation": "HIAS", "urgency": "high", "reason": "Support.", "language": "es",
        "contact_preference": "through_referrer",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400  # back to be corrected, with the reason
    assert "has not given consent" in answer.content.decode()
    assert not Referral.objects.exists()


def test_the_partner_acknowledges_on_the_page_and_the_referrer_sees_the_history(client, partner, caseworker, send):
    referral = send()
    client.force_login(partner)
    page = client.get(f"/referrals/{referral.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="/referrals/{referral.pk}/acknowledge/"' in page
    assert "/cancel/" not in page and "History" not in page
    client.post(f"/referrals/{referral.pk}/acknowledge/", {"version": 1, "note": ""})
    assert Referral.objects.get(pk=referral.pk).status == "acknowledged"
    stale = client.post(f"/referrals/{referral.pk}/accept/", {"version": 1, "note": ""}, follow=True,
                        HTTP_ACCEPT_LANGUAGE="en")
    assert "changed by someone else" in stale.content.decode()
    client.force_login(caseworker)
    page = client.get(f"/referrals/{referral.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "History" in page and "/cancel/" in page and "/acknowledge/" not in page


def test_the_list_shows_sent_and_received_referrals(client, partner, caseworker, send):
    referral = send()
    for user in (partner, caseworker):
        client.force_login(user)
        assert referral.short_id in client.get("/referrals/").content.decode()
    assert referral.short_id not in client.get("/referrals/", {"direction": "received"}).content.decode()


def test_field_officers_cannot_send_referrals(client, officer):
    client.force_login(officer)
    assert client.get("/referrals/new/").status_code == 403
    assert client.get("/referrals/").status_code == 403


def test_a_person_out_of_scope_or_a_bad_id_answers_404(client, caseworker, outsider, hias_offer):
    from tests.factories import register

    elsewhere = register(outsider).members.first()
    client.force_login(caseworker)
    assert client.get("/referrals/new/", {"individual": elsewhere.pk}).status_code == 404
    assert client.get("/referrals/new/", {"individual": "not-a-uuid"}).status_code == 404
