import datetime
import itertools

import pytest

from reporting import activity
from reporting.models import Indicator
from tests.factories import member, register

_sources = itertools.count(1)


@pytest.fixture
def indicator(db):
    return lambda code: Indicator.objects.get(code=code)


@pytest.fixture
def reach():
    """Record that `people` were reached under an indicator on a day, as the apps' services do."""

    def record(people, code, day, *, site=None, organisation=None, quantity=0, **extra):
        people = people if isinstance(people, (list, tuple)) else [people]
        first = people[0]
        return activity.record(
            source_type="test", source_id=next(_sources), people=people,
            organisation=organisation or first.household.organisation, site=site or first.household.site,
            indicator=Indicator.objects.get(code=code), date=day, quantity=quantity, **extra,
        )

    return record


@pytest.fixture
def person(officer):
    """A new one-person household each call, with the given overrides."""

    def make(population_type="in_transit", **overrides):
        household = register(officer, members=[member(**overrides)], population_type=population_type)
        return household.members.get()

    return make


def day(text):
    return datetime.date.fromisoformat(text)
