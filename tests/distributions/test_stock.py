from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from casework.errors import InvalidInput
from distributions import services
from distributions.models import StockBalance, StockMovement
from tests.distributions.conftest import add_stock

URL = "/api/v1/stock/"
MOVEMENTS = "/api/v1/stock/movements/"


def left(site, code):
    return StockBalance.objects.get(site=site, commodity__code=code).quantity


def test_goods_received_add_to_the_site_stock(supervisor, tumbes):
    add_stock(supervisor, tumbes, hygiene_kit=40)
    add_stock(supervisor, tumbes, hygiene_kit=10)
    assert left(tumbes, "hygiene_kit") == 50
    assert StockMovement.objects.filter(kind="received").count() == 2


def test_an_adjustment_needs_a_reason_and_cannot_take_stock_below_zero(supervisor, tumbes):
    add_stock(supervisor, tumbes, blanket=5)
    with pytest.raises(InvalidInput) as no_reason:
        services.record_stock_movement(actor=supervisor, kind="adjustment", site=tumbes, commodity="blanket",
                                       quantity=-2)
    assert "reason" in no_reason.value.errors
    with pytest.raises(InvalidInput) as too_many:
        services.record_stock_movement(actor=supervisor, kind="adjustment", site=tumbes, commodity="blanket",
                                       quantity=-6, reason="loss")
    assert "5 left" in too_many.value.errors["quantity"][0]
    services.record_stock_movement(actor=supervisor, kind="adjustment", site=tumbes, commodity="blanket",
                                   quantity=-2, reason="damage", note="Wet in the rain")
    assert left(tumbes, "blanket") == 3


def test_a_transfer_moves_stock_between_sites_in_two_linked_movements(supervisor, tumbes, tacna):
    add_stock(supervisor, tumbes, shelter_kit=10)
    movement, _created = services.record_stock_movement(actor=supervisor, kind="transfer", site=tumbes,
                                                        to_site=tacna, commodity="shelter_kit", quantity=4)
    assert left(tumbes, "shelter_kit") == 6 and left(tacna, "shelter_kit") == 4
    legs = StockMovement.objects.filter(transfer=movement.transfer).order_by("quantity")
    assert [(leg.kind, leg.quantity) for leg in legs] == [("transfer_out", -4), ("transfer_in", 4)]
    with pytest.raises(InvalidInput):
        services.record_stock_movement(actor=supervisor, kind="transfer", site=tumbes, to_site=tacna,
                                       commodity="shelter_kit", quantity=7)
    assert left(tumbes, "shelter_kit") == 6 and left(tacna, "shelter_kit") == 4


def test_the_database_itself_refuses_a_negative_balance(supervisor, tumbes):
    add_stock(supervisor, tumbes, nfi_kit=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(site=tumbes).update(quantity=Decimal("-1"))


def test_cash_is_not_counted_as_stock(supervisor, tumbes):
    with pytest.raises(InvalidInput) as refused:
        add_stock(supervisor, tumbes, cash_cbi=1000)
    assert "commodity" in refused.value.errors


def test_supervisors_record_movements_through_the_api_and_officers_read_balances(api_for, supervisor, officer,
                                                                                  tumbes):
    client = api_for(supervisor)
    response = client.post(MOVEMENTS, {"kind": "received", "site": "TUM", "commodity": "food_basket",
                                       "quantity": "120", "id": "3c0a1d7e-8b2f-4c4e-9a6d-1e2f3a4b5c6d"}, format="json")
    assert response.status_code == 201, response.json()
    retry = client.post(MOVEMENTS, {"kind": "received", "site": "TUM", "commodity": "food_basket",
                                    "quantity": "120", "id": "3c0a1d7e-8b2f-4c4e-9a6d-1e2f3a4b5c6d"}, format="json")
    assert retry.status_code == 200
    assert api_for(officer).post(MOVEMENTS, {"kind": "received", "site": "TUM", "commodity": "food_basket",
                                             "quantity": "1"}, format="json").status_code == 403
    balances = api_for(officer).get(URL).json()
    assert balances["results"] == [{"organisation": "OIM", "site": "TUM", "commodity": "food_basket", "unit": "kit",
                                    "quantity": "120.00", "updated_at": balances["results"][0]["updated_at"]}]
    bad = client.post(MOVEMENTS, {"kind": "adjustment", "site": "TUM", "commodity": "food_basket",
                                  "quantity": "-500", "reason": "loss"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "120 left" in bad.json()["quantity"][0]


def test_stock_is_scoped_to_the_organisation_and_the_officers_sites(api_for, supervisor, colleague, outsider, tumbes,
                                                                    tacna):
    add_stock(supervisor, tumbes, food_basket=10)
    add_stock(supervisor, tacna, food_basket=3)
    assert api_for(supervisor).get(URL).json()["count"] == 2
    assert [b["site"] for b in api_for(colleague).get(URL).json()["results"]] == ["TAC"]
    assert api_for(outsider).get(URL).json()["count"] == 0
    assert api_for(outsider).get(MOVEMENTS).json()["count"] == 0


def test_movements_filter_by_site_commodity_kind_and_dates(api_for, supervisor, tumbes, tacna):
    add_stock(supervisor, tumbes, food_basket=10, blanket=4)
    add_stock(supervisor, tacna, food_basket=3)
    client = api_for(supervisor)

    def count(**params):
        return client.get(MOVEMENTS, params).json()["count"]

    assert count() == 3
    assert count(site="TUM") == 2 and count(commodity="blanket") == 1 and count(kind="issued") == 0
    assert count(date_from="2000-01-01", date_to="2000-01-31") == 0


def test_balances_filter_by_site_and_commodity_and_issues_by_round(api_for, supervisor, officer, tumbes, tacna,
                                                                   tumbes_round, stocked):
    from tests.factories import register

    add_stock(supervisor, tacna, food_basket=3)
    services.record_receipt(actor=officer, household=register(officer), round=tumbes_round,
                            verification_method="card_scanned")
    client = api_for(supervisor)

    def balances(**params):
        return sorted((row["site"], row["commodity"]) for row in client.get(URL, params).json()["results"])

    assert balances(site="TAC") == [("TAC", "food_basket")]
    assert balances(commodity="food_basket") == [("TAC", "food_basket"), ("TUM", "food_basket")]
    assert balances(site="TUM", commodity="baby_kit") == [("TUM", "baby_kit")]
    issued = client.get(MOVEMENTS, {"round": str(tumbes_round.pk)}).json()["results"]
    assert issued and {movement["kind"] for movement in issued} == {"issued"}


@pytest.mark.parametrize("commodities", [1, 5])
def test_the_stock_list_query_count_does_not_grow(api_for, supervisor, tumbes, commodities,
                                                  django_assert_num_queries):
    codes = ["food_basket", "blanket", "nfi_kit", "hygiene_kit", "baby_kit"][:commodities]
    add_stock(supervisor, tumbes, **{code: 1 for code in codes})
    client = api_for(supervisor)
    client.get(URL)  # the token's first use is recorded once
    with django_assert_num_queries(3):  # token and user, count, page
        assert client.get(URL).json()["count"] == commodities
    with django_assert_num_queries(3):
        assert client.get(MOVEMENTS).json()["count"] == commodities
