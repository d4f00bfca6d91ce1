import datetime
import uuid

import pytest
from django.utils import timezone

from distributions.models import DistributionRound, Receipt, StockBalance
from tests.distributions.conftest import make_round
from tests.factories import register


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in


def table_url(round):
    return f"/distributions/rounds/{round.pk}/table/"


def test_the_top_bar_links_to_distributions_for_those_who_may_see_rounds(signed_in, officer, partner):
    assert 'href="/distributions/"' in signed_in(officer).get("/registry/").content.decode()
    assert signed_in(partner).get("/distributions/").status_code == 403


def test_the_table_looks_up_a_scanned_card_and_shows_the_entitlement(signed_in, officer, tumbes_round, stocked):
    household = register(officer)
    page = signed_in(officer).get(table_url(tumbes_round), {"code": f" {household.registration_number.lower()} "},
                                  HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert household.registration_number in html and "Confirm handed over" in html
    assert 'name="qty_food_basket"' in html and 'value="2"' in html


def test_the_scanner_field_has_autofocus_so_a_wedge_scanner_types_into_it(signed_in, officer, tumbes_round):
    html = signed_in(officer).get(table_url(tumbes_round)).content.decode()
    assert 'name="code"' in html and "autofocus" in html


def test_confirming_at_the_table_saves_the_receipt_and_a_resubmit_does_not_duplicate(signed_in, officer, tumbes,
                                                                                     tumbes_round, stocked):
    household = register(officer)
    client = signed_in(officer)
    form = {"id": str(uuid.uuid4()), "household": str(household.pk), "verification_method": "card_scanned",
            "distributed_on": "", "qty_food_basket": "2", "qty_hygiene_kit": "1", "qty_drinking_water": "60"}
    response = client.post(table_url(tumbes_round), form)
    assert response.status_code == 302 and response["Location"] == table_url(tumbes_round)
    receipt = Receipt.objects.get()
    assert {line.commodity.code: line.quantity for line in receipt.lines.all()} == {
        "food_basket": 2, "hygiene_kit": 1, "drinking_water": 60}
    again = client.post(table_url(tumbes_round), form, HTTP_ACCEPT_LANGUAGE="en")
    assert "Already served in this round" in again.content.decode()
    assert Receipt.objects.count() == 1
    assert StockBalance.objects.get(commodity__code="drinking_water").quantity == 4940


def test_a_household_already_served_is_stopped_with_who_and_when(signed_in, officer, caseworker, tumbes_round,
                                                                 stocked):
    from distributions import services

    household = register(officer)
    services.record_receipt(actor=officer, household=household, round=tumbes_round, verification_method="signature")
    html = signed_in(caseworker).get(table_url(tumbes_round), {"code": household.registration_number},
                                     HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="already-served"' in html and "alicia" in html
    assert "Confirm handed over" not in html


def test_a_card_number_out_of_scope_is_not_found(signed_in, officer, outsider, tumbes_round):
    theirs = register(outsider)
    html = signed_in(officer).get(table_url(tumbes_round), {"code": theirs.registration_number},
                                  HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No household with the number" in html


def test_the_household_card_carries_a_qr_code_and_the_number_as_text(signed_in, officer, outsider):
    household = register(officer)
    page = signed_in(officer).get(f"/distributions/households/{household.pk}/card/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html and household.registration_number in html
    assert signed_in(outsider).get(f"/distributions/households/{household.pk}/card/").status_code == 404


def test_a_supervisor_plans_a_round_in_the_form(signed_in, supervisor, tumbes):
    today = timezone.localdate()
    data = {"name": "Kits de invierno", "site": str(tumbes.pk), "starts_on": str(today),
            "ends_on": str(today + datetime.timedelta(days=3)), "population_types": ["in_transit"],
            "status": "open", "rules-TOTAL_FORMS": "6", "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000",
            "rules-0-commodity": "", "rules-0-per": "household", "rules-0-quantity": "1"}
    from distributions.models import Commodity

    data["rules-0-commodity"] = str(Commodity.objects.get(code="blanket").pk)
    for index in range(1, 6):
        data[f"rules-{index}-per"] = "household"
    response = signed_in(supervisor).post("/distributions/rounds/new/", data)
    assert response.status_code == 302
    round = DistributionRound.objects.get()
    assert [rule.commodity.code for rule in round.rules.all()] == ["blanket"]


def test_a_refused_round_or_stock_form_comes_back_400_with_its_messages_and_saves_nothing(
        signed_in, supervisor, tumbes):
    from distributions.models import Commodity, StockMovement

    today = timezone.localdate()
    client = signed_in(supervisor)
    response = client.post("/distributions/rounds/new/", {
        "name": "Kits", "site": str(tumbes.pk), "starts_on": str(today),
        "ends_on": str(today - datetime.timedelta(days=3)),
        "status": "open", "rules-TOTAL_FORMS": "0", "rules-INITIAL_FORMS": "0", "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and not DistributionRound.objects.exists()
    response = client.post("/distributions/stock/", {
        "kind": "received", "site": str(tumbes.pk), "commodity": str(Commodity.objects.get(code="blanket").pk),
        "quantity": "-4", "reason": "", "note": ""})
    assert response.status_code == 400 and not StockMovement.objects.exists()


def test_field_officers_cannot_open_the_round_form(signed_in, officer):
    assert signed_in(officer).get("/distributions/rounds/new/").status_code == 403


def test_a_supervisor_voids_a_receipt_from_the_round_page(signed_in, officer, supervisor, tumbes_round, stocked):
    from distributions import services

    receipt, _created = services.record_receipt(actor=officer, household=register(officer), round=tumbes_round,
                                                verification_method="card_scanned")
    assert signed_in(officer).post(f"/distributions/receipts/{receipt.pk}/void/",
                                   {"reason": "x"}).status_code == 403
    client = signed_in(supervisor)
    client.post(f"/distributions/receipts/{receipt.pk}/void/", {"reason": "Error de digitación"})
    receipt.refresh_from_db()
    assert receipt.void_reason == "Error de digitación"
    assert "Error de digitación" in client.get(f"/distributions/rounds/{tumbes_round.pk}/").content.decode()


def test_the_stock_page_reports_per_site_and_supervisors_record_goods_received(signed_in, supervisor, officer,
                                                                               tumbes):
    from distributions.models import Commodity

    client = signed_in(supervisor)
    response = client.post("/distributions/stock/", {
        "kind": "received", "site": str(tumbes.pk), "commodity": str(Commodity.objects.get(code="blanket").pk),
        "quantity": "25", "reason": "", "note": "Donación"})
    assert response.status_code == 302
    html = signed_in(officer).get("/distributions/stock/").content.decode()
    assert "CEBAF Tumbes" in html and "25" in html
    assert signed_in(officer).post("/distributions/stock/", {}).status_code == 403


def test_import_errors_are_listed_by_row(signed_in, officer, tumbes_round):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roster.csv", b"registration_number,received\nTUM-0000-000000,yes\n")
    response = signed_in(officer).post(f"/distributions/rounds/{tumbes_round.pk}/import/", {"file": upload},
                                       HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not on the roster" in response.content.decode()


def test_the_round_page_offers_the_table_rosters_and_import(signed_in, officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes)
    html = signed_in(officer).get(f"/distributions/rounds/{round.pk}/").content.decode()
    for link in ("table/", "roster.pdf", "roster.csv", "import/"):
        assert f"/distributions/rounds/{round.pk}/{link}" in html


def test_a_forged_household_in_the_confirmation_is_not_found(signed_in, officer, outsider, tumbes_round):
    client = signed_in(officer)
    assert client.post(table_url(tumbes_round), {"household": "not-a-uuid"}).status_code == 404
    theirs = register(outsider)
    assert client.post(table_url(tumbes_round), {"household": str(theirs.pk)}).status_code == 404
