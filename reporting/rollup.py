"""Monthly rollups, computed in SQL from the activities.

A person counts once per rollup row: with the attributes of their first activity of the month
under that indicator at that site (population type, sex, age on that day). "New" means first
reached by that organisation under that indicator in the plan year (the calendar year).
"""
import zlib
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.models import RollupRow

AGE_BANDS = ("0-4", "5-11", "12-17", "18-59", "60+")
AGE_BAND_SQL = """CASE WHEN {age} < 5 THEN '0-4' WHEN {age} < 12 THEN '5-11' WHEN {age} < 18 THEN '12-17'
                       WHEN {age} < 60 THEN '18-59' ELSE '60+' END"""
# On timestamps: age() of two dates would otherwise go through time zones.
AGE_SQL = "date_part('year', age(({day})::timestamp, ({born})::timestamp))"


def month_bounds(period):
    """(first day, first day of the next month) of a period."""
    start = date(period.year, period.month, 1)
    return start, date(start.year + (start.month == 12), start.month % 12 + 1, 1)


def parse_period(text):
    """'2026-10' -> date(2026, 10, 1); ValueError with a readable message otherwise."""
    try:
        year, month = (int(part) for part in str(text).split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise ValueError(_("“%(text)s” is not a month: write it as YYYY-MM, e.g. 2026-10.") % {"text": text}) from None


# A person counts once per row, with the attributes of their first activity of the month at that site,
# and as new if the organisation first reached them under the indicator this month: both kept in
# reporting_personmonth as activities are recorded, so that the month is one grouping of its rows.
INSERT_SQL = f"""
INSERT INTO reporting_rolluprow (period, admin1_id, site_id, organisation_id, sector, indicator_id,
                                 population_type, sex, age_band, people_reached, new_people, quantity, computed_at)
SELECT p.period, p.admin1_id, p.site_id, p.organisation_id, i.sector, p.indicator_id, p.population_type, p.sex,
       {AGE_BAND_SQL.format(age=AGE_SQL.format(day="p.first_date", born="p.date_of_birth"))} AS age_band,
       count(*), count(*) FILTER (WHERE p.is_new), sum(p.quantity), %(now)s
FROM reporting_personmonth p
JOIN reporting_indicator i ON i.id = p.indicator_id
WHERE p.period = %(start)s AND p.admin1_id = ANY(%(admin1s)s)
GROUP BY p.period, p.admin1_id, p.site_id, p.organisation_id, i.sector, p.indicator_id, p.population_type, p.sex,
         age_band
"""


def lock_key(period, admin1_id):
    return zlib.crc32(f"caminos-rollup-{period:%Y-%m}-{admin1_id}".encode())


@transaction.atomic
def compute_departments(period, admin1_ids):
    """Replace the rows of one month for the given departments, reading the month's person-months once.
    Runs that share a month and department wait for each other (advisory locks, taken in one order so
    that two runs over overlapping sets cannot deadlock), and the old rows stay until the new ones
    commit with them."""
    start, end = month_bounds(period)
    admin1_ids = sorted(set(admin1_ids))
    with connection.cursor() as cursor:
        # The grouping fits in memory as a hash instead of a sort spilled to disk. Rollup rows are
        # derived data that a rerun rebuilds the same, so the commit need not wait for the disk flush
        # (a crash right after loses at most this run, and never the rows it replaces half-way).
        cursor.execute("SELECT set_config('work_mem', %s, true), set_config('synchronous_commit', 'off', true)",
                       [settings.ROLLUP_WORK_MEM])
        for admin1_id in admin1_ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(start, admin1_id)])
        RollupRow.objects.filter(period=start, admin1_id__in=admin1_ids).delete()
        cursor.execute(INSERT_SQL, {"start": start, "admin1s": admin1_ids, "now": timezone.now()})
        return cursor.rowcount


def compute_department(period, admin1_id):
    """One department's share of a month: what one Celery task of a run computes."""
    return compute_departments(period, [admin1_id])


def departments_to_compute(period):
    """Departments with activity in the month, and those holding rows of it that may now be stale.
    The person-months are read by skipping from one department to the next along their primary key."""
    start, _end = month_bounds(period)
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH RECURSIVE department AS (
                   (SELECT admin1_id FROM reporting_personmonth WHERE period = %(start)s ORDER BY admin1_id LIMIT 1)
                   UNION ALL
                   SELECT (SELECT next.admin1_id FROM reporting_personmonth next
                           WHERE next.period = %(start)s AND next.admin1_id > department.admin1_id
                           ORDER BY next.admin1_id LIMIT 1)
                   FROM department WHERE department.admin1_id IS NOT NULL)
               SELECT admin1_id FROM department WHERE admin1_id IS NOT NULL
               UNION SELECT DISTINCT admin1_id FROM reporting_rolluprow WHERE period = %(start)s ORDER BY 1""",
            {"start": start},
        )
        return [row[0] for row in cursor.fetchall()]


def compute_month(period):
    """The whole month in this process, in one pass over its activities (the Celery path splits it by
    department instead, so that several workers share it)."""
    return compute_departments(period, departments_to_compute(period))
