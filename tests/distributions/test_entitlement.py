import datetime
from decimal import Decimal

from django.utils import timezone

from distributions.services import entitlement_for
from tests.distributions.conftest import make_round
from tests.factories import member, register


def years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def codes(entitlement):
    return {code: int(quantity) for code, quantity in entitlement.by_code().items()}


def test_a_household_of_four_gets_the_larger_basket_and_water_per_member(officer, tumbes_round):
    household = register(officer)  # head woman of 36, man, two children
    entitlement = entitlement_for(household, tumbes_round)
    assert entitlement.eligible
    assert codes(entitlement)["food_basket"] == 2
    assert codes(entitlement)["drinking_water"] == 80


def test_a_single_person_gets_the_smaller_basket(officer, tumbes_round):
    household = register(officer, members=[member(sex="male")])
    assert codes(entitlement_for(household, tumbes_round)) == {"food_basket": 1, "drinking_water": 20}


def test_one_hygiene_kit_per_woman_aged_15_to_49(officer, tumbes_round):
    household = register(officer, members=[
        member(sex="female", date_of_birth=years_ago(30)),
        member(relationship_to_head="child", sex="female", date_of_birth=years_ago(15)),
        member(relationship_to_head="child", sex="female", date_of_birth=years_ago(14, days=-3)),
        member(relationship_to_head="parent", sex="female", date_of_birth=years_ago(50)),
        member(relationship_to_head="spouse", sex="male", date_of_birth=years_ago(30)),
    ])
    assert codes(entitlement_for(household, tumbes_round))["hygiene_kit"] == 2


def test_one_baby_kit_per_child_under_two_on_the_first_day_of_the_round(officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes)
    second_birthday_today = round.starts_on.replace(year=round.starts_on.year - 2)

    def child(born):
        return member(relationship_to_head="child", document_type="none", date_of_birth=born)

    household = register(officer, members=[
        member(),
        child(round.starts_on - datetime.timedelta(days=100)),
        child(second_birthday_today + datetime.timedelta(days=1)),
        child(second_birthday_today),
    ])
    # Under 2 on the round's first day: the 100-day-old and the one turning 2 tomorrow; not the one turning 2 today.
    assert codes(entitlement_for(household, round))["baby_kit"] == 2


def test_a_household_not_of_an_eligible_population_type_gets_nothing_and_is_told_why(officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes, population_types=["in_destination"])
    household = register(officer, population_type="in_transit")
    entitlement = entitlement_for(household, round)
    assert not entitlement.eligible
    assert entitlement.quantities == {}
    assert "In destination" in entitlement.reason and "In transit" in entitlement.reason


def test_rules_for_the_same_commodity_add_up(officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes, rules=[
        {"commodity": "blanket", "per": "household", "quantity": 1},
        {"commodity": "blanket", "per": "member", "quantity": Decimal("0.5"), "age_min": 60},
    ])
    household = register(officer, members=[member(date_of_birth=years_ago(70)), member(
        relationship_to_head="spouse", sex="male", date_of_birth=years_ago(65))])
    assert entitlement_for(household, round).by_code() == {"blanket": Decimal("2.0")}
