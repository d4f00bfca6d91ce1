"""reporting_personmonth, what the rollup counts, is kept by triggers on the activities: whatever
writes, undoes or moves activities, it must equal what the activities make when counted afresh."""
import datetime
import importlib

import pytest
from django.core.management import call_command
from django.db import connection

from reporting import activity, rollup
from reporting.models import Activity, PersonMonth, RollupRow
from tests.reporting.conftest import day

OCTOBER = datetime.date(2026, 10, 1)
person_months_migration = importlib.import_module("reporting.migrations.0006_person_months")
FIELDS = ("period", "admin1_id", "site_id", "organisation_id", "indicator_id", "person_id", "first_date",
          "population_type", "sex", "date_of_birth", "quantity", "is_new")


def kept():
    return sorted(PersonMonth.objects.values_list(*FIELDS))


def counted_afresh():
    """The person-months the activities make, each new when it is its reach's first month of the year."""
    with connection.cursor() as cursor:
        cursor.execute(person_months_migration.PERSON_MONTHS.format(source="reporting_activity"))
        rows = cursor.fetchall()
    first_months = {}
    for period, _admin1, _site, organisation, indicator, person, *_rest in rows:
        reach = (person, organisation, indicator, period.year)
        first_months[reach] = min(first_months.get(reach, period), period)
    return sorted((*row, row[0] == first_months[(row[5], row[3], row[4], row[0].year)]) for row in rows)


def new_by_month():
    return dict(PersonMonth.objects.values_list("period", "is_new"))


def test_person_months_follow_recording_retries_back_entries_and_undoing(person, reach, indicator):
    maria = person(sex="female", date_of_birth=datetime.date(1990, 5, 1))
    household = maria.household
    reach(maria, "FS-01", day("2026-10-20"), quantity=3)
    household.population_type = "host_community"
    household.save(update_fields=["population_type"])
    maria.refresh_from_db()
    back_entered = reach(maria, "FS-01", day("2026-10-02"), quantity=2)  # given earlier, typed in later
    assert back_entered == 1
    for _attempt in range(2):  # a retried receipt adds nothing the second time
        activity.record(source_type="test", source_id="retried", people=[maria], organisation=household.organisation,
                        site=household.site, indicator=indicator("FS-01"), date=day("2026-10-25"), quantity=4)
    reach(maria, "FS-01", day("2026-11-03"), quantity=1)  # another month, another row
    assert kept() == counted_afresh()
    october = PersonMonth.objects.get(period=OCTOBER)
    assert (october.first_date, october.population_type, october.quantity) == (
        day("2026-10-02"), "host_community", 9)
    assert PersonMonth.objects.count() == 2
    assert kept() == counted_afresh()

    assert new_by_month() == {OCTOBER: True, datetime.date(2026, 11, 1): False}
    reach(maria, "FS-01", day("2026-09-28"))  # a paper list from September, typed in late
    assert new_by_month() == {datetime.date(2026, 9, 1): True, OCTOBER: False, datetime.date(2026, 11, 1): False}
    reach(maria, "FS-01", day("2025-12-30"))  # last year's reach leaves this year's first month alone
    assert new_by_month()[datetime.date(2026, 9, 1)] is True
    september = Activity.objects.get(date=day("2026-09-28"))
    activity.remove(source_type=september.source_type, source_id=september.source_id)
    assert new_by_month()[OCTOBER] is True
    assert kept() == counted_afresh()

    earliest = Activity.objects.get(date=day("2026-10-02"))
    activity.remove(source_type=earliest.source_type, source_id=earliest.source_id)
    october = PersonMonth.objects.get(period=OCTOBER)
    assert (october.first_date, october.population_type, october.quantity) == (day("2026-10-20"), "in_transit", 7)
    for left in Activity.objects.filter(date__month=10):
        activity.remove(source_type=left.source_type, source_id=left.source_id)
    assert not PersonMonth.objects.filter(period=OCTOBER).exists()
    assert kept() == counted_afresh()


def test_a_same_day_tie_keeps_what_counting_afresh_keeps(person, reach):
    maria = person(population_type="in_transit")
    reach(maria, "FS-01", day("2026-10-05"))
    household = maria.household
    household.population_type = "host_community"  # sorts first: wins the tie whichever came first
    household.save(update_fields=["population_type"])
    maria.refresh_from_db()
    reach(maria, "FS-01", day("2026-10-05"))
    assert PersonMonth.objects.get().population_type == "host_community"
    assert kept() == counted_afresh()


def test_several_people_and_indicators_in_one_act_make_one_row_each(person, reach, indicator):
    people = [person(), person(sex="male")]
    household = people[0].household
    activity.record_acts(source_type="test", source_id="kit", people=people, organisation=household.organisation,
                         site=household.site, date=day("2026-10-05"),
                         acts=[{"indicator": indicator("FS-01"), "quantity": 2},
                               {"indicator": indicator("WASH-01"), "quantity": 1}])
    assert PersonMonth.objects.count() == 4
    assert kept() == counted_afresh()
    rollup.compute_month(OCTOBER)
    assert sorted(RollupRow.objects.values_list("indicator__code", "sex", "people_reached", "quantity")) == [
        ("FS-01", "female", 1, 2), ("FS-01", "male", 1, 0), ("WASH-01", "female", 1, 1), ("WASH-01", "male", 1, 0)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_activities_recorded_before_it_and_can_be_undone(person, reach):
    reach(person(), "FS-01", day("2026-10-05"), quantity=2)
    reach(person(sex="male"), "SH-01", day("2026-09-12"))
    before = kept()
    call_command("migrate", "reporting", "0005", verbosity=0)
    try:
        reach(person(), "FS-01", day("2026-10-06"))  # recorded while the triggers are gone
    finally:
        call_command("migrate", "reporting", verbosity=0)
    assert len(kept()) == len(before) + 1
    assert kept() == counted_afresh()
