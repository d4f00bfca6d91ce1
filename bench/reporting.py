#!/usr/bin/env python
"""Reporting at scale: rollups over millions of assistance records.

    .venv/bin/python bench/reporting.py --individuals 1000000 --activities 5000000

Builds a registry (as bench/registry.py does) and activities spread over the 12 months of a year in
its own database (`caminos_bench_reporting`), then prints JSON with the time of one month's rollup, of the whole year, of a bare
SQL GROUP BY over the same rows (the floor), and of what an analyst does by hand: export the month to
CSV and group it with pandas. Targets: a month <= 30 s, the year <= 120 s, rollup / bare SQL <= 1.5,
and faster than the pandas path including its export.
"""
import argparse
import io
import json
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry  # noqa: E402  (bench/registry.py: the same synthetic registry and database handling)

registry.BENCH_DB = "caminos_bench_reporting"
YEAR = 2025

ACTIVITIES_SQL = """
INSERT INTO reporting_activity (person_id, household_id, organisation_id, site_id, admin1_id, admin2_id,
    indicator_id, date, population_type, sex, date_of_birth, quantity, cva, value_usd, delivery_mechanism,
    source_type, source_id)
SELECT p.id, p.household_id, h.organisation_id, h.site_id, s.admin1_id, s.admin2_id,
       (%(indicators)s)[1 + floor(random() * %(indicator_count)s)::int],
       g.date, h.population_type, p.sex, p.date_of_birth,
       1 + floor(random() * 3), false, 0, '', 'bench', (%(offset)s + g.n)::text
FROM (SELECT n, 1 + floor(random() * %(people)s)::int AS pick,
             %(month_start)s::date + floor(random() * %(month_days)s)::int AS date
      FROM generate_series(1, %(count)s) AS n) g
JOIN bench_people p ON p.n = g.pick
JOIN casework_household h ON h.id = p.household_id
JOIN bench_sites s ON s.site_id = h.site_id
ORDER BY g.date
"""


def build_activities(count):
    from django.db import connection

    from casework.models import Site
    from reporting.activity import places_of
    from reporting.models import Indicator
    from reporting.rollup import month_bounds

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_people; DROP TABLE IF EXISTS bench_sites")
        cursor.execute("""CREATE UNLOGGED TABLE bench_people AS
                          SELECT row_number() OVER () AS n, id, household_id, sex, date_of_birth
                          FROM casework_individual""")
        cursor.execute("CREATE UNIQUE INDEX ON bench_people (n)")
        cursor.execute("CREATE UNLOGGED TABLE bench_sites (site_id bigint, admin1_id bigint, admin2_id bigint)")
        for site in Site.objects.select_related("location"):
            admin1, admin2 = places_of(site)
            cursor.execute("INSERT INTO bench_sites VALUES (%s, %s, %s)",
                           [site.pk, admin1.pk, admin2.pk if admin2 else None])
        cursor.execute("SELECT count(*) FROM bench_people")
        (people,) = cursor.fetchone()
        indicators = list(Indicator.objects.values_list("pk", flat=True))
        # Month by month and in date order, as the services record activities when assistance happens,
        # so that a month's rows lie together in the table as they do in production.
        offset = 0
        for month in range(1, 13):
            start, end = month_bounds(date(YEAR, month, 1))
            in_month = count * month // 12 - offset
            cursor.execute(ACTIVITIES_SQL, {"indicators": indicators, "indicator_count": len(indicators),
                                            "month_start": start, "month_days": (end - start).days,
                                            "count": in_month, "offset": offset, "people": people})
            offset += in_month
        # What reporting.activity keeps as activities are recorded one by one in the app (the
        # person-months follow by themselves: triggers on the activities keep them).
        cursor.execute("""INSERT INTO reporting_firstreach (person_id, organisation_id, indicator_id, year, first_date)
                          SELECT person_id, organisation_id, indicator_id, extract(year FROM date), min(date)
                          FROM reporting_activity GROUP BY 1, 2, 3, 4""")
        # What autovacuum does after a bulk insert: statistics, and the visibility map that lets the
        # rollup read first reaches from their index alone.
        cursor.execute("VACUUM ANALYZE reporting_activity")
        cursor.execute("VACUUM ANALYZE reporting_firstreach")
        cursor.execute("VACUUM ANALYZE reporting_personmonth")
    return round(time.perf_counter() - started, 2)


BARE_SQL = """
SELECT site_id, organisation_id, indicator_id, population_type, sex,
       CASE WHEN date_part('year', age(date, date_of_birth)) < 18 THEN 'child' ELSE 'adult' END AS age,
       count(DISTINCT person_id), sum(quantity)
FROM reporting_activity WHERE date >= %s AND date < %s
GROUP BY 1, 2, 3, 4, 5, 6
"""


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return round(time.perf_counter() - started, 3), result


def bare_group_by(start, end):
    """The floor, with the same memory the rollup gives itself (so its sort does not spill either)."""
    from django.conf import settings
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.ROLLUP_WORK_MEM])
        cursor.execute(BARE_SQL, [start, end])
        return len(cursor.fetchall())


def pandas_path(start, end):
    """Export the month's rows to CSV, read them into pandas and group them (done by hand today)."""
    import pandas
    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(
            "COPY (SELECT site_id, organisation_id, indicator_id, population_type, sex, date, date_of_birth, "
            "person_id, quantity FROM reporting_activity WHERE date >= %s AND date < %s) TO STDOUT WITH CSV HEADER",
            [start, end])
        with cursor.cursor.copy(query) as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    frame = pandas.read_csv(buffer, parse_dates=["date", "date_of_birth"])
    frame["age"] = ((frame["date"] - frame["date_of_birth"]).dt.days // 365.25 >= 18).map({True: "adult",
                                                                                         False: "child"})
    grouped = frame.groupby(["site_id", "organisation_id", "indicator_id", "population_type", "sex", "age"]).agg(
        people=("person_id", "nunique"), quantity=("quantity", "sum"))
    return len(grouped)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    args = parser.parse_args()
    random.seed(args.seed)

    database_url, admin_url = registry.bench_database_url()
    if not args.reuse:
        registry.recreate_database(admin_url)
    registry.setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    from reporting.models import Activity
    from reporting.rollup import compute_month, month_bounds

    call_command("migrate", verbosity=0)
    built = None
    if not args.reuse or not Activity.objects.exists():
        organisation, sites, officer = registry.bench_catalogue()
        registry.load(argparse.Namespace(individuals=args.individuals, seed=args.seed), organisation, sites, officer)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.2026)")
        built = build_activities(args.activities)

    october = date(YEAR, 10, 1)
    start, end = month_bounds(october)
    month_seconds, month_rows = timed(compute_month, october)
    bare_seconds, _groups = timed(bare_group_by, start, end)
    pandas_seconds, _groups = timed(pandas_path, start, end)
    year_seconds = 0.0
    for month in range(1, 13):
        seconds, _rows = timed(compute_month, date(YEAR, month, 1))
        year_seconds += seconds
    print(json.dumps({
        "benchmark": "reporting",
        "individuals": args.individuals,
        "activities": Activity.objects.count(),
        "activities_in_month": Activity.objects.filter(date__gte=start, date__lt=end).count(),
        "build_seconds": built,
        "month_rollup_seconds": month_seconds,
        "month_rollup_rows": month_rows,
        "year_rollup_seconds": round(year_seconds, 3),
        "bare_sql_group_by_seconds": bare_seconds,
        "rollup_over_bare_sql": round(month_seconds / bare_seconds, 2) if bare_seconds else None,
        "pandas_export_and_groupby_seconds": pandas_seconds,
        "rollup_faster_than_pandas": month_seconds < pandas_seconds,
        "targets": {"month_seconds": 30, "year_seconds": 120, "rollup_over_bare_sql": 1.5,
                    "faster_than_pandas": True},
    }, indent=2))


if __name__ == "__main__":
    main()
