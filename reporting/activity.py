"""What the other apps call when assistance happens or is undone; the reports count these rows.

Recording is idempotent: the same source, person and indicator make one row however often it is
recorded (a retried request, a rerun task).
"""
from decimal import Decimal

from django.db import connection, transaction

from casework.codes import AdminLevel
from casework.models import Individual
from reporting.models import Activity

SOURCE_DISTRIBUTION = "distribution"
SOURCE_REFERRAL = "referral"
SOURCE_CASE = "case"


def places_of(site):
    """(admin1, admin2) of a site: its department and province, read up its location's parents."""
    location, admin1, admin2 = site.location, None, None
    while location is not None:
        if location.admin_level == AdminLevel.DEPARTMENT:
            admin1 = location
        elif location.admin_level == AdminLevel.PROVINCE:
            admin2 = location
        location = location.parent
    return admin1, admin2


def record(*, source_type, source_id, people, organisation, site, indicator, date, quantity=0, cva=False,
           value_usd=0, delivery_mechanism=""):
    """One activity per person. The quantity (and cash value) of the whole act is carried by the
    first person (the head of household when a household is served), so that sums stay right."""
    return record_acts(source_type=source_type, source_id=source_id, people=people, organisation=organisation,
                       site=site, date=date, acts=[{"indicator": indicator, "quantity": quantity, "cva": cva,
                                                    "value_usd": value_usd,
                                                    "delivery_mechanism": delivery_mechanism}])


@transaction.atomic(savepoint=False)  # inside the act's own transaction: no savepoint round-trips
def record_acts(*, source_type, source_id, people, organisation, site, date, acts):
    """`record` for several indicators reached by one act (a receipt of several commodities): two queries
    in all rather than two per indicator, which kept the receipt's latency above its target. Each act's
    `indicator` is an Indicator or its id."""
    admin1, admin2 = places_of(site)
    rows = []
    for act in acts:
        quantity, value_usd = Decimal(act.get("quantity", 0)), Decimal(act.get("value_usd", 0))
        indicator_id = getattr(act["indicator"], "pk", act["indicator"])
        for index, person in enumerate(people):
            rows.append(Activity(
                person=person, household_id=person.household_id, organisation=organisation, site=site,
                admin1=admin1, admin2=admin2, indicator_id=indicator_id, date=date,
                population_type=person.household.population_type, sex=person.sex,
                date_of_birth=person.date_of_birth, quantity=quantity if index == 0 else 0,
                cva=act.get("cva", False), value_usd=value_usd if index == 0 else 0,
                delivery_mechanism=act.get("delivery_mechanism", ""), source_type=source_type,
                source_id=str(source_id),
            ))
    Activity.objects.bulk_create(rows, ignore_conflicts=True)
    keys = {(row.person_id, row.organisation.pk, row.indicator_id, row.date.year) for row in rows}
    _note_first_reach(keys, date)
    return len(rows)


def record_for_household(*, household, **kwargs):
    """Every member of the household reached, head first."""
    members = sorted(
        Individual.objects.filter(household=household).select_related("household"),
        key=lambda person: (person.relationship_to_head != "head", person.created_at, str(person.pk)),
    )
    return record(people=members, **kwargs)


@transaction.atomic(savepoint=False)  # inside the act's own transaction: no savepoint round-trips
def remove(*, source_type, source_id):
    """Undo: a voided receipt or a cancelled service no longer counts."""
    undone = Activity.objects.filter(source_type=source_type, source_id=str(source_id))
    keys = {(person, organisation, indicator, day.year)
            for person, organisation, indicator, day in undone.values_list("person_id", "organisation_id",
                                                                           "indicator_id", "date")}
    removed = undone.delete()[0]
    _recount_first_reach(keys)
    return removed


FIRST_REACH_UPSERT = """
INSERT INTO reporting_firstreach (person_id, organisation_id, indicator_id, year, first_date)
VALUES {values}
ON CONFLICT (person_id, organisation_id, indicator_id, year)
DO UPDATE SET first_date = LEAST(reporting_firstreach.first_date, EXCLUDED.first_date)
"""


def _note_first_reach(keys, day):
    """A back-entered earlier day moves the first reach back; a later one changes nothing."""
    if not keys:
        return
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(keys))
    params = [value for key in sorted(keys, key=str) for value in (*key, day)]
    with connection.cursor() as cursor:
        cursor.execute(FIRST_REACH_UPSERT.format(values=values), params)


def _recount_first_reach(keys):
    with connection.cursor() as cursor:
        for person, organisation, indicator, year in keys:
            cursor.execute(
                """DELETE FROM reporting_firstreach
                   WHERE person_id = %s AND organisation_id = %s AND indicator_id = %s AND year = %s""",
                [person, organisation, indicator, year])
            cursor.execute(
                """INSERT INTO reporting_firstreach (person_id, organisation_id, indicator_id, year, first_date)
                   SELECT person_id, organisation_id, indicator_id, %s, min(date) FROM reporting_activity
                   WHERE person_id = %s AND organisation_id = %s AND indicator_id = %s
                     AND date >= make_date(%s, 1, 1) AND date < make_date(%s + 1, 1, 1)
                   GROUP BY person_id, organisation_id, indicator_id""",
                [year, person, organisation, indicator, year, year])


def forget_first_reach(sender, person_ids, **kwargs):
    """Before a merge moves activities between two records: their first reach is rebuilt after."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reporting_firstreach WHERE person_id = ANY(%s)", [list(person_ids)])


def rebuild_first_reach(sender, person_ids, **kwargs):
    """The first day each person was reached, per organisation, indicator and year, from their activities."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reporting_firstreach WHERE person_id = ANY(%s)", [list(person_ids)])
        cursor.execute(
            """INSERT INTO reporting_firstreach (person_id, organisation_id, indicator_id, year, first_date)
               SELECT person_id, organisation_id, indicator_id, extract(year FROM date)::int, min(date)
               FROM reporting_activity WHERE person_id = ANY(%s)
               GROUP BY person_id, organisation_id, indicator_id, extract(year FROM date)""",
            [list(person_ids)])
