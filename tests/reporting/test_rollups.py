import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from reporting import figures, rollup
from reporting.models import Activity, RollupRow
from tests.reporting.conftest import day

OCTOBER = datetime.date(2026, 10, 1)


def rows(period=OCTOBER):
    return sorted(
        RollupRow.objects.filter(period=period).values_list(
            "site__code", "indicator__code", "population_type", "sex", "age_band", "people_reached",
            "new_people", "quantity"),
    )


def test_a_person_counts_once_per_row_and_once_in_every_total(person, reach, colleague, tacna):
    maria = person(sex="female", date_of_birth=datetime.date(1990, 1, 1))
    reach(maria, "FS-01", day("2026-10-03"), quantity=1)
    reach(maria, "FS-01", day("2026-10-20"), quantity=1)  # twice in the month: one person
    reach(maria, "WASH-01", day("2026-10-03"))            # another sector
    reach(maria, "SH-01", day("2026-10-05"), site=tacna)  # another department
    rollup.compute_month(OCTOBER)
    food = RollupRow.objects.get(period=OCTOBER, indicator__code="FS-01")
    assert (food.people_reached, food.new_people, food.quantity) == (1, 1, 2)
    assert RollupRow.objects.filter(period=OCTOBER).count() == 3
    start, end = figures.period_range(period=OCTOBER)
    summary = figures.summary(organisation_id=maria.household.organisation_id, start=start, end=end)
    assert summary["people_reached"] == 1
    assert {row["sector"]: row["people"] for row in summary["sectors"]} == {
        "food_security": 1, "wash": 1, "shelter": 1}
    tumbes_only = figures.summary(organisation_id=maria.household.organisation_id, start=start, end=end,
                                  admin1_id=maria.household.site.location.admin1.pk)
    assert tumbes_only["people_reached"] == 1


def test_the_platform_estimate_takes_the_largest_sector_per_department_and_group(person, reach):
    people = [person() for _ in range(3)]
    reach(people, "FS-01", day("2026-10-03"))          # food: 3 people
    reach(people[:2], "WASH-01", day("2026-10-04"))    # wash: 2 of the same people
    start, end = figures.period_range(period=OCTOBER)
    summary = figures.summary(organisation_id=people[0].household.organisation_id, start=start, end=end)
    assert summary["people_reached"] == 3
    assert summary["platform_estimate"] == 3
    other_group = person(population_type="host_community")
    reach(other_group, "WASH-01", day("2026-10-04"))
    summary = figures.summary(organisation_id=people[0].household.organisation_id, start=start, end=end)
    assert (summary["people_reached"], summary["platform_estimate"]) == (4, 4)


def test_the_platform_estimate_undercounts_where_sectors_reach_different_people(person, reach, tacna):
    # An estimate that merely repeated the distinct count would pass the test above; here the two differ.
    fed, sheltered = [person() for _ in range(3)], [person() for _ in range(2)]
    reach(fed, "FS-01", day("2026-10-03"))
    reach(sheltered, "SH-01", day("2026-10-04"))             # other people, same department and group
    in_tacna = person()
    reach(in_tacna, "FS-01", day("2026-10-05"), site=tacna)  # another department adds its own largest
    start, end = figures.period_range(period=OCTOBER)
    organisation_id = fed[0].household.organisation_id
    summary = figures.summary(organisation_id=organisation_id, start=start, end=end)
    assert (summary["people_reached"], summary["platform_estimate"]) == (6, 4)
    tumbes = figures.summary(organisation_id=organisation_id, start=start, end=end,
                             admin1_id=fed[0].household.site.location.admin1.pk)
    assert (tumbes["people_reached"], tumbes["platform_estimate"]) == (5, 3)


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (120, 120)])
def test_small_cells_from_1_to_4_are_suppressed_and_zero_stays_zero(count, shown):
    assert figures.suppress(count) == shown


def test_a_hidden_cell_cannot_be_worked_out_from_the_rest_of_its_row():
    #        total new  destination transit host pendular returnees  women<18 men<18 women18+ men18+ other
    counts = [20, 12, 9, 3, 0, 0, 0, 0, 0, 6, 6, 0, 0]
    shown = figures.suppress_counts(counts)
    # 12 - 9 would give the transit count away: the destination count is hidden with it.
    assert shown == [20, 12, "*", "<5", 0, 0, 0, 0, 0, 6, 6, 0, 0]
    assert figures.suppress_counts([40, 30, 30, 0, 0, 0, 0, 2, 1, 13, 14, 0, 0]) == [
        40, 30, 30, 0, 0, 0, 0, "<5", "<5", 13, 14, 0, 0]  # two hidden in a group: nothing more to hide
    assert figures.suppress_counts([8, 8, 8, 0, 0, 0, 0, 0, 0, 4, 4, 0, 0]) == [
        8, 8, 8, 0, 0, 0, 0, 0, 0, "<5", "<5", 0, 0]


def test_no_suppressed_row_leaves_a_group_with_one_hidden_cell():
    import random

    rng = random.Random(5)
    for _row in range(2000):
        groups = [rng.choice([0, 0, 1, 2, 3, 4, 5, 9, 30]) for _ in range(5)]
        new = sum(groups)
        ages = [0] * 6
        for _person in range(new):
            ages[rng.randrange(6)] += 1
        counts = [new + rng.choice([0, 1, 6]), new, *groups, *ages]
        shown = figures.suppress_counts(counts)
        for whole, parts in figures.ADDITIVE_GROUPS:
            hidden = [index for index in (whole, *parts) if isinstance(shown[index], str)]
            assert len(hidden) != 1, (counts, shown)
        assert all(shown[index] == count for index, count in enumerate(counts) if not isinstance(shown[index], str))
        assert all(not (0 < count < 5) or shown[index] == "<5" for index, count in enumerate(counts))


def test_new_means_first_reached_by_that_indicator_in_the_plan_year(person, reach):
    returning, first_time, last_year = person(), person(), person()
    reach(returning, "FS-01", day("2026-08-10"))
    reach(returning, "FS-01", day("2026-10-10"))
    reach(returning, "WASH-01", day("2026-10-10"))  # new for this indicator
    reach(first_time, "FS-01", day("2026-10-11"))
    reach(last_year, "FS-01", day("2025-12-28"))
    reach(last_year, "FS-01", day("2026-01-05"))
    rollup.compute_month(OCTOBER)
    food = RollupRow.objects.filter(period=OCTOBER, indicator__code="FS-01")
    assert sum(row.people_reached for row in food) == 2
    assert sum(row.new_people for row in food) == 1
    assert RollupRow.objects.get(period=OCTOBER, indicator__code="WASH-01").new_people == 1
    january = datetime.date(2026, 1, 1)
    rollup.compute_month(january)
    assert RollupRow.objects.get(period=january).new_people == 1


@pytest.mark.parametrize(
    ("born", "served", "band"),
    [
        ("2008-10-15", "2026-10-14", "12-17"),  # turns 18 the next day
        ("2008-10-15", "2026-10-15", "18-59"),  # turns 18 that day
        ("2021-10-31", "2026-10-31", "5-11"),
        ("2021-11-01", "2026-10-31", "0-4"),
        ("1966-10-01", "2026-10-01", "60+"),
    ],
)
def test_ages_are_taken_on_the_day_of_assistance(person, reach, born, served, band):
    reach(person(date_of_birth=day(born)), "FS-01", day(served))
    rollup.compute_month(OCTOBER)
    assert RollupRow.objects.get(period=OCTOBER).age_band == band


def test_the_first_assistance_of_the_month_fixes_the_age_band(person, reach):
    teenager = person(date_of_birth=day("2008-10-15"))
    reach(teenager, "FS-01", day("2026-10-01"))
    reach(teenager, "FS-01", day("2026-10-30"))
    rollup.compute_month(OCTOBER)
    assert [row[4] for row in rows()] == ["12-17"]


def test_a_rollup_run_twice_gives_the_same_rows(person, reach):
    for index in range(4):
        reach(person(sex="male" if index % 2 else "female"), "FS-01", day("2026-10-03"), quantity=2)
    rollup.compute_month(OCTOBER)
    first = rows()
    rollup.compute_month(OCTOBER)
    assert rows() == first
    assert RollupRow.objects.count() == len(first) == 2


def test_rows_of_undone_assistance_disappear_on_the_next_run(person, reach):
    from reporting import activity

    reach(person(), "FS-01", day("2026-10-03"))
    rollup.compute_month(OCTOBER)
    activity.remove(source_type="test", source_id=Activity.objects.get().source_id)
    rollup.compute_month(OCTOBER)
    assert not RollupRow.objects.exists()


def test_a_failed_run_leaves_the_previous_rows(person, reach, monkeypatch):
    reach(person(), "FS-01", day("2026-10-03"))
    rollup.compute_month(OCTOBER)
    before = rows()
    reach(person(), "FS-01", day("2026-10-04"))
    monkeypatch.setattr(rollup, "INSERT_SQL", "SELECT 1/0")  # the worker dies half-way
    with pytest.raises(Exception):
        rollup.compute_month(OCTOBER)
    assert rows() == before


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_same_department_wait_for_each_other(person, reach):
    reach([person(), person()], "FS-01", day("2026-10-03"))
    admin1_id = rollup.departments_to_compute(OCTOBER)[0]
    holding, release, finished = threading.Event(), threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [rollup.lock_key(OCTOBER, admin1_id)])
            holding.set()
            release.wait(10)
        connection.close()

    def second_run():
        rollup.compute_department(OCTOBER, admin1_id)
        finished.set()
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait(10)
    runner = threading.Thread(target=second_run)
    runner.start()
    time.sleep(0.5)
    assert not finished.is_set()
    release.set()
    runner.join(10)
    holder.join(10)
    assert finished.is_set()
    assert RollupRow.objects.get().people_reached == 2


def test_bad_periods_are_refused_clearly():
    with pytest.raises(ValueError, match="YYYY-MM"):
        rollup.parse_period("octubre")
    with pytest.raises(ValueError):
        rollup.parse_period("2026-13")


def test_a_back_entered_earlier_assistance_and_its_undoing_move_the_first_reach(person, reach):
    from reporting import activity

    maria = person()
    reach(maria, "FS-01", day("2026-10-10"))
    rollup.compute_month(OCTOBER)
    assert RollupRow.objects.get(period=OCTOBER).new_people == 1
    reach(maria, "FS-01", day("2026-08-01"))  # a paper distribution typed in late
    rollup.compute_month(OCTOBER)
    assert RollupRow.objects.get(period=OCTOBER).new_people == 0
    august = Activity.objects.get(date=day("2026-08-01"))
    activity.remove(source_type=august.source_type, source_id=august.source_id)
    rollup.compute_month(OCTOBER)
    assert RollupRow.objects.get(period=OCTOBER).new_people == 1


def test_the_month_in_one_pass_gives_the_rows_the_department_tasks_give(person, reach, tacna):
    tumbes_people, tacna_people = [person() for _ in range(3)], [person(sex="male") for _ in range(2)]
    reach(tumbes_people, "FS-01", day("2026-10-03"), quantity=2)
    reach(tacna_people, "SH-01", day("2026-10-09"), site=tacna)
    reach(tacna_people[:1], "SH-01", day("2026-10-30"), site=tacna, quantity=1)
    rollup.compute_month(OCTOBER)
    one_pass = rows()
    RollupRow.objects.all().delete()
    departments = rollup.departments_to_compute(OCTOBER)
    assert len(departments) == 2
    for admin1_id in departments:  # what the Celery chord's tasks do, one department each
        rollup.compute_department(OCTOBER, admin1_id)
    assert rows() == one_pass
    assert ("TAC", "SH-01", "in_transit", "male", "18-59", 2, 2, 1) in one_pass


def test_a_person_counts_with_the_attributes_of_their_first_assistance_of_the_month(person, reach):
    maria = person(date_of_birth=datetime.date(2008, 10, 15))  # turns 18 during the month
    reach(maria, "FS-01", day("2026-10-20"))
    reach(maria, "FS-01", day("2026-10-02"))  # typed in later, given earlier
    rollup.compute_month(OCTOBER)
    assert RollupRow.objects.get().age_band == "12-17"


def test_recording_the_same_act_again_changes_nothing(person, officer, indicator):
    from reporting import activity
    from reporting.models import FirstReach

    maria, jose = person(), person()
    people = [maria, jose]
    acts = [{"indicator": indicator("FS-01"), "quantity": 2},
            {"indicator": indicator("WASH-01").pk, "quantity": "80", "cva": False}]
    for _attempt in range(2):  # a retried request, a rerun task
        activity.record_acts(source_type="test", source_id="retried", people=people,
                             organisation=maria.household.organisation, site=maria.household.site,
                             date=day("2026-10-05"), acts=acts)
    assert sorted(Activity.objects.values_list("person_id", "indicator__code", "quantity")) == sorted([
        (maria.pk, "FS-01", 2), (jose.pk, "FS-01", 0), (maria.pk, "WASH-01", 80), (jose.pk, "WASH-01", 0)])
    assert set(FirstReach.objects.values_list("person_id", "indicator__code", "first_date")) == {
        (who.pk, code, day("2026-10-05")) for who in people for code in ("FS-01", "WASH-01")}
