import datetime

import pytest
from django.utils import timezone

from distributions.models import DistributionRound
from tests.distributions.conftest import make_round
from tests.factories import member, register

URL = "/api/v1/distribution-rounds/"


def round_body(**overrides):
    today = timezone.localdate()
    body = {
        "site": "TUM", "name": "Ronda Tumbes diciembre", "starts_on": str(today - datetime.timedelta(days=40)),
        "ends_on": str(today - datetime.timedelta(days=35)), "population_types": ["in_transit", "pendular"],
        "status": "open",
        "rules": [
            {"commodity": "food_basket", "per": "household", "quantity": "1", "household_size_max": 3},
            {"commodity": "food_basket", "per": "household", "quantity": "2", "household_size_min": 4},
            {"commodity": "baby_kit", "per": "member", "quantity": "1", "age_max": 1},
        ],
    }
    body.update(overrides)
    return body


def test_a_supervisor_plans_a_round_with_past_dates_for_back_entry(api_for, supervisor, tumbes):
    response = api_for(supervisor).post(URL, round_body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["organisation"] == "OIM" and data["site"] == "TUM" and data["version"] == 1
    assert [rule["commodity"] for rule in data["rules"]] == ["baby_kit", "food_basket", "food_basket"]
    assert response["ETag"] == f'"{data["id"]}-1"'


def test_a_retried_create_with_the_same_id_returns_the_round(api_for, supervisor, tumbes):
    client = api_for(supervisor)
    first = client.post(URL, round_body(id="0b7a7c52-6d5e-4f0e-8a1b-2c3d4e5f6a7b"), format="json")
    again = client.post(URL, round_body(id="0b7a7c52-6d5e-4f0e-8a1b-2c3d4e5f6a7b"), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert DistributionRound.objects.count() == 1


def test_field_officers_may_not_plan_rounds(api_for, officer):
    assert api_for(officer).post(URL, round_body(), format="json").status_code == 403


def test_bad_rules_answer_400_per_rule_and_nothing_is_saved(api_for, supervisor, tumbes):
    body = round_body(ends_on="2000-01-01", rules=[
        {"commodity": "hygiene_kit", "per": "household", "quantity": "1", "sex": "female"},
        {"commodity": "blanket", "per": "member", "quantity": "1", "age_min": 10, "age_max": 2},
    ])
    response = api_for(supervisor).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.json()
    assert "ends before it starts" in errors["ends_on"][0]
    assert "per matching member" in errors["rules"][0]["per"][0]
    assert "age band" in errors["rules"][1]["age_max"][0]
    assert not DistributionRound.objects.exists()


def test_an_update_with_a_stale_version_is_refused(api_for, supervisor, tumbes):
    round = make_round(supervisor, tumbes)
    client = api_for(supervisor)
    fresh = client.patch(f"{URL}{round.pk}/", {"status": "closed", "version": 1}, format="json")
    assert fresh.status_code == 200 and fresh.json()["version"] == 2
    stale = client.patch(f"{URL}{round.pk}/", {"status": "open", "version": 1}, format="json")
    assert stale.status_code == 409
    precondition = client.patch(f"{URL}{round.pk}/", {"status": "open"}, format="json", HTTP_IF_MATCH='"x-1"')
    assert precondition.status_code == 412


def test_rounds_are_scoped_to_the_organisation_and_to_the_officers_sites(api_for, supervisor, officer, colleague,
                                                                          outsider, tumbes, tacna):
    at_tumbes = make_round(supervisor, tumbes)
    make_round(supervisor, tacna, name="Ronda Tacna")
    assert api_for(supervisor).get(URL).json()["count"] == 2
    assert [r["name"] for r in api_for(colleague).get(URL).json()["results"]] == ["Ronda Tacna"]
    assert api_for(outsider).get(URL).json()["count"] == 0
    assert api_for(outsider).get(f"{URL}{at_tumbes.pk}/").status_code == 404
    assert api_for(colleague).get(f"{URL}{at_tumbes.pk}/").status_code == 404


def test_rounds_filter_by_site_dates_and_commodity(api_for, supervisor, tumbes, tacna):
    today = timezone.localdate()
    make_round(supervisor, tumbes)
    make_round(supervisor, tacna, name="Agua Tacna", starts_on=today - datetime.timedelta(days=60),
               ends_on=today - datetime.timedelta(days=50),
               rules=[{"commodity": "drinking_water", "per": "member", "quantity": 20}])
    client = api_for(supervisor)

    def names(**params):
        return sorted(r["name"] for r in client.get(URL, params).json()["results"])

    assert names(site="TAC") == ["Agua Tacna"]
    assert names(commodity="food_basket") == ["Ronda de noviembre"]
    assert names(date_from=str(today - datetime.timedelta(days=20))) == ["Ronda de noviembre"]
    assert names(date_to=str(today - datetime.timedelta(days=55))) == ["Agua Tacna"]


def test_the_entitlement_is_shown_before_the_receipt_is_saved(api_for, officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes)
    household = register(officer, members=[member()])
    response = api_for(officer).get(f"{URL}{round.pk}/entitlement/", {"household": str(household.pk)})
    assert response.status_code == 200
    data = response.json()
    assert data["eligible"] is True and data["served_by"] is None
    assert {line["commodity"]: line["quantity"] for line in data["lines"]} == {
        "drinking_water": "20.00", "food_basket": "1.00", "hygiene_kit": "1.00"}


def test_the_entitlement_of_a_household_out_of_scope_is_not_found(api_for, officer, outsider, supervisor, tumbes):
    round = make_round(supervisor, tumbes)
    theirs = register(outsider)
    response = api_for(officer).get(f"{URL}{round.pk}/entitlement/", {"household": str(theirs.pk)})
    assert response.status_code == 404


@pytest.mark.parametrize("rounds", [1, 6])
def test_the_round_list_query_count_does_not_grow(api_for, supervisor, tumbes, rounds, django_assert_num_queries):
    for index in range(rounds):
        make_round(supervisor, tumbes, name=f"Ronda {index}")
    client = api_for(supervisor)
    client.get(URL)  # the token's first use is recorded once
    with django_assert_num_queries(4):  # token and user, count, page, rules with their commodities
        assert client.get(URL).json()["count"] == rounds
