"""Distribution fixtures: a round at Tumbes planned by the supervisor, and stock to hand out."""
import datetime

import pytest
from django.utils import timezone

from distributions import services


def make_round(supervisor, site, *, rules=None, status="open", starts_on=None, ends_on=None, **fields):
    today = timezone.localdate()
    round, _created = services.create_round(
        actor=supervisor, site=site, name=fields.pop("name", "Ronda de noviembre"),
        starts_on=starts_on or today - datetime.timedelta(days=7),
        ends_on=ends_on or today + datetime.timedelta(days=7),
        status=status, rules=rules if rules is not None else STANDARD_RULES, **fields,
    )
    return round


# One food basket for households of 1-3, two for 4 or more; a hygiene kit per woman aged 15-49;
# a baby kit per child under 2; 20 litres of water per member.
STANDARD_RULES = [
    {"commodity": "food_basket", "per": "household", "quantity": 1, "household_size_max": 3},
    {"commodity": "food_basket", "per": "household", "quantity": 2, "household_size_min": 4},
    {"commodity": "hygiene_kit", "per": "member", "quantity": 1, "sex": "female", "age_min": 15, "age_max": 49},
    {"commodity": "baby_kit", "per": "member", "quantity": 1, "age_max": 1},
    {"commodity": "drinking_water", "per": "member", "quantity": 20},
]


def add_stock(supervisor, site, **quantities):
    for code, quantity in quantities.items():
        services.record_stock_movement(actor=supervisor, kind="received", site=site, commodity=code,
                                       quantity=quantity)


@pytest.fixture
def tumbes_round(supervisor, tumbes):
    return make_round(supervisor, tumbes)


@pytest.fixture
def stocked(supervisor, tumbes):
    add_stock(supervisor, tumbes, food_basket=100, hygiene_kit=100, baby_kit=100, drinking_water=5000)

