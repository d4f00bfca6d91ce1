from casework.models import AuditEvent
from distributions.models import Commodity

URL = "/api/v1/commodities/"


def test_the_catalogue_is_seeded_with_category_unit_sector_and_indicator(api_for, officer):
    response = api_for(officer).get(URL, {"page_size": 50})
    assert response.status_code == 200
    by_code = {c["code"]: c for c in response.json()["results"]}
    assert set(by_code) == {"food_basket", "hygiene_kit", "baby_kit", "nfi_kit", "blanket", "drinking_water",
                            "shelter_kit", "cash_cbi"}
    assert by_code["drinking_water"]["unit"] == "litre" and by_code["drinking_water"]["category"] == "wash"
    assert by_code["cash_cbi"]["unit"] == "PEN" and by_code["cash_cbi"]["category"] == "cash"
    assert by_code["cash_cbi"]["tracks_stock"] is False
    assert by_code["food_basket"]["sector"] == "food_security" and by_code["food_basket"]["indicator"]
    # NFI is not a sector of its own: NFI kits report under the sector of their indicator.
    assert by_code["nfi_kit"]["category"] == "nfi" and by_code["nfi_kit"]["sector"] == "shelter"


def test_an_admin_edits_the_sector_and_indicator_and_the_change_is_audited(api_for, admin_user):
    response = api_for(admin_user).patch(f"{URL}hygiene_kit/", {"sector": "health", "indicator": "HE-9 Kits"},
                                         format="json")
    assert response.status_code == 200, response.json()
    commodity = Commodity.objects.get(code="hygiene_kit")
    assert (commodity.sector, commodity.indicator) == ("health", "HE-9 Kits")
    assert AuditEvent.objects.filter(object_type="distributions.commodity", action="update").exists()


def test_an_admin_adds_a_commodity_and_a_duplicate_code_is_refused(api_for, admin_user):
    body = {"code": "mosquito_net", "name": "Mosquito net", "category": "nfi", "unit": "piece", "sector": "health"}
    assert api_for(admin_user).post(URL, body, format="json").status_code == 201
    again = api_for(admin_user).post(URL, body, format="json")
    assert again.status_code == 400 and "code" in again.json()


def test_others_may_read_but_not_edit_the_catalogue(api_for, supervisor, officer):
    assert api_for(supervisor).patch(f"{URL}blanket/", {"name": "x"}, format="json").status_code == 403
    assert api_for(officer).post(URL, {"code": "x"}, format="json").status_code == 403


def test_an_admin_edits_a_commodity_in_the_admin_ui_and_the_change_is_audited(client, admin_user, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client.force_login(admin_user)
    commodity = Commodity.objects.get(code="blanket")
    url = f"/admin/distributions/commodity/{commodity.pk}/change/"
    assert client.get(url).status_code == 200
    data = {"name": "Blanket", "name_es": "Frazada", "category": "nfi", "unit": "piece", "sector": "shelter",
            "indicator": "SH-02", "tracks_stock": "on", "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Commodity.objects.get(code="blanket").indicator == "SH-02"
    assert AuditEvent.objects.filter(object_type="distributions.commodity", object_id=str(commodity.pk),
                                     action="update").exists()
