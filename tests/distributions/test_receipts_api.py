import uuid

import pytest

from casework.models import AuditEvent
from distributions.models import Receipt, StockBalance
from tests.distributions.conftest import add_stock, make_round
from tests.factories import register

URL = "/api/v1/distributions/"


def body(household, round, **overrides):
    data = {"household": str(household.pk), "round": str(round.pk), "site": "TUM",
            "verification_method": "card_scanned",
            "lines": [{"commodity": "food_basket", "quantity": "2"}, {"commodity": "drinking_water", "quantity": 80}]}
    data.update(overrides)
    if data["lines"] is None:  # no lines: the whole entitlement
        del data["lines"]
    return data


def test_a_field_officer_records_a_receipt(api_for, officer, tumbes_round, stocked):
    household = register(officer)
    response = api_for(officer).post(URL, body(household, tumbes_round), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["registration_number"] == household.registration_number
    assert data["handed_over_by"] == "alicia" and data["site"] == "TUM"
    assert data["lines"] == [{"commodity": "drinking_water", "quantity": "80.00"},
                             {"commodity": "food_basket", "quantity": "2.00"}]
    assert StockBalance.objects.get(commodity__code="food_basket").quantity == 98


def test_a_second_receipt_answers_409_naming_the_earlier_receipt(api_for, officer, caseworker, tumbes_round, stocked):
    household = register(officer)
    first = api_for(officer).post(URL, body(household, tumbes_round), format="json").json()
    response = api_for(caseworker).post(URL, body(household, tumbes_round), format="json",
                                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    data = response.json()
    assert data["receipt"] == first["id"]
    assert data["handed_over_by"] == "alicia"
    assert data["distributed_at"]
    assert "already received this round" in data["detail"] and "alicia" in data["detail"]
    assert Receipt.objects.count() == 1


def test_a_retried_create_with_the_same_id_returns_the_existing_receipt(api_for, officer, tumbes_round, stocked):
    household = register(officer)
    client = api_for(officer)
    receipt_id = str(uuid.uuid4())
    first = client.post(URL, body(household, tumbes_round, id=receipt_id), format="json")
    retry = client.post(URL, body(household, tumbes_round, id=receipt_id), format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == receipt_id
    assert Receipt.objects.count() == 1
    assert StockBalance.objects.get(commodity__code="food_basket").quantity == 98


def test_invalid_input_answers_400_per_field_and_writes_nothing(api_for, officer, tumbes_round, stocked):
    household = register(officer)
    events = AuditEvent.objects.count()
    response = api_for(officer).post(URL, body(
        household, tumbes_round, verification_method="guess", distributed_at="2099-01-01T10:00:00Z",
        lines=[{"commodity": "food_basket", "quantity": 9}],
    ), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"verification_method"}
    response = api_for(officer).post(URL, body(
        household, tumbes_round, distributed_at="2099-01-01T10:00:00Z",
        lines=[{"commodity": "food_basket", "quantity": 9}],
    ), format="json", HTTP_ACCEPT_LANGUAGE="en")
    errors = response.json()
    assert "future" in errors["distributed_at"][0]
    assert "At most 2" in errors["lines"][0]["quantity"][0]
    assert not Receipt.objects.exists() and AuditEvent.objects.count() == events


def test_running_out_of_stock_answers_400_with_a_clear_message(api_for, officer, supervisor, tumbes, tumbes_round):
    add_stock(supervisor, tumbes, food_basket=1, drinking_water=100)
    response = api_for(officer).post(URL, body(register(officer), tumbes_round), format="json")
    assert response.status_code == 400
    assert "Canasta de alimentos" in response.json()["lines"][0]  # Spanish unless asked otherwise
    assert not Receipt.objects.exists()


def test_households_and_rounds_out_of_scope_are_not_found(api_for, officer, outsider, colleague, supervisor, tacna,
                                                          tumbes_round, stocked):
    theirs = register(outsider)
    response = api_for(officer).post(URL, body(theirs, tumbes_round), format="json")
    assert response.status_code == 400 and "household" in response.json()
    mine = register(officer)
    receipt = api_for(officer).post(URL, body(mine, tumbes_round), format="json").json()
    assert api_for(outsider).get(f"{URL}{receipt['id']}/").status_code == 404
    assert api_for(colleague).get(f"{URL}{receipt['id']}/").status_code == 404
    assert api_for(outsider).get(URL).json()["count"] == 0
    assert api_for(supervisor).get(f"{URL}{receipt['id']}/").status_code == 200


def test_partners_and_me_officers_do_not_see_receipts(api_for, partner, me_officer, officer, tumbes_round, stocked):
    api_for(officer).post(URL, body(register(officer), tumbes_round), format="json")
    assert api_for(partner).get(URL).status_code == 403
    assert api_for(me_officer).get(URL).status_code == 403


def test_only_a_supervisor_voids_and_needs_a_reason(api_for, officer, supervisor, tumbes_round, stocked):
    receipt = api_for(officer).post(URL, body(register(officer), tumbes_round), format="json").json()
    assert api_for(officer).post(f"{URL}{receipt['id']}/void/", {"reason": "x"}).status_code == 403
    assert api_for(supervisor).post(f"{URL}{receipt['id']}/void/", {"reason": ""}).status_code == 400
    response = api_for(supervisor).post(f"{URL}{receipt['id']}/void/", {"reason": "Scanned the wrong card"})
    assert response.status_code == 200
    assert response.json()["voided_by"] == "sara" and response.json()["void_reason"] == "Scanned the wrong card"
    assert api_for(supervisor).post(f"{URL}{receipt['id']}/void/", {"reason": "again"}).status_code == 409
    assert api_for(supervisor).delete(f"{URL}{receipt['id']}/").status_code == 403  # never deleted
    assert StockBalance.objects.get(commodity__code="food_basket").quantity == 100


def test_receipts_filter_by_site_round_dates_and_commodity(api_for, officer, supervisor, tumbes, tumbes_round,
                                                          stocked):
    other_round = make_round(supervisor, tumbes, name="Ronda de agua",
                             rules=[{"commodity": "drinking_water", "per": "member", "quantity": 10}])
    client = api_for(officer)
    first, second = register(officer), register(officer)
    client.post(URL, body(first, tumbes_round), format="json")
    client.post(URL, body(second, other_round, lines=None), format="json")
    client.post(URL, body(first, other_round, lines=None), format="json")

    def count(**params):
        return client.get(URL, params).json()["count"]

    assert count() == 3
    assert count(round=str(other_round.pk)) == 2
    assert count(commodity="food_basket") == 1
    assert count(site="TUM") == 3 and count(site="TAC") == 0
    assert count(date_from="2000-01-01", date_to="2000-12-31") == 0
    assert count(household=str(first.pk)) == 2


@pytest.mark.parametrize("receipts", [2, 12])
def test_the_list_query_count_does_not_grow_with_the_page(api_for, officer, tumbes_round, stocked, receipts,
                                                          django_assert_num_queries):
    client = api_for(officer)
    for _index in range(receipts):
        client.post(URL, body(register(officer), tumbes_round, lines=None), format="json")
    # token and user, count, page (scope as a subquery), lines with their commodities
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert response.json()["count"] == receipts


def test_recording_a_receipt_takes_twelve_queries(api_for, officer, tumbes_round, stocked,
                                                             django_assert_num_queries):
    client = api_for(officer)
    client.post(URL, body(register(officer), tumbes_round), format="json")  # the token's last use is noted once
    household = register(officer)
    # token and user; household with members; round; rules; savepoint; receipt; lines; stock; movements;
    # audit; activities with first reach; release
    with django_assert_num_queries(12):
        response = client.post(URL, body(household, tumbes_round), format="json")
    assert response.status_code == 201
    assert response.json() == client.get(f"{URL}{response.json()['id']}/").json()


def test_a_second_receipt_with_errors_still_answers_409(api_for, officer, tumbes_round, stocked):
    household = register(officer)
    first = api_for(officer).post(URL, body(household, tumbes_round), format="json").json()
    response = api_for(officer).post(URL, body(household, tumbes_round, lines=[{"commodity": "food_basket",
                                                                                "quantity": 9}]), format="json")
    assert response.status_code == 409 and response.json()["receipt"] == first["id"]


def test_the_site_must_be_the_rounds(api_for, officer, tumbes_round, stocked):
    response = api_for(officer).post(URL, body(register(officer), tumbes_round, site="TAC"), format="json",
                                     HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "distributed at" in response.json()["site"][0]
    assert not Receipt.objects.exists()


def test_a_round_out_of_scope_is_not_found(api_for, officer, outsider, supervisor, tumbes_round, stocked):
    response = api_for(outsider).post(URL, body(register(outsider), tumbes_round), format="json")
    assert response.status_code == 400 and "round" in response.json()
