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


# The activities of an act and the first reach of each person under each indicator, in one statement.
# A back-entered earlier day moves the first reach back; a later one changes nothing. First reaches are
# written in (person, indicator) order, so that two acts reaching the same people cannot deadlock.
RECORD_ACTS = """
WITH act AS (
    SELECT * FROM unnest(%(person)s::uuid[], %(household)s::uuid[], %(indicator)s::bigint[],
                         %(population_type)s::varchar[], %(sex)s::varchar[], %(date_of_birth)s::date[],
                         %(quantity)s::numeric[], %(cva)s::boolean[], %(value_usd)s::numeric[],
                         %(delivery_mechanism)s::varchar[])
        AS act(person_id, household_id, indicator_id, population_type, sex, date_of_birth, quantity, cva,
               value_usd, delivery_mechanism)
), activity AS (
    INSERT INTO reporting_activity (person_id, household_id, organisation_id, site_id, admin1_id, admin2_id,
                                    indicator_id, date, population_type, sex, date_of_birth, quantity, cva,
                                    value_usd, delivery_mechanism, source_type, source_id)
    SELECT person_id, household_id, %(organisation)s, %(site)s, %(admin1)s, %(admin2)s, indicator_id, %(date)s,
           population_type, sex, date_of_birth, quantity, cva, value_usd, delivery_mechanism, %(source_type)s,
           %(source_id)s
    FROM act
    ON CONFLICT DO NOTHING
)
INSERT INTO reporting_firstreach (person_id, organisation_id, indicator_id, year, first_date)
SELECT DISTINCT person_id, %(organisation)s, indicator_id, %(year)s, %(date)s::date FROM act
ORDER BY person_id, indicator_id
ON CONFLICT (person_id, organisation_id, indicator_id, year)
DO UPDATE SET first_date = LEAST(reporting_firstreach.first_date, EXCLUDED.first_date)
"""
CENT = Decimal("0.01")


def record_acts(*, source_type, source_id, people, organisation, site, date, acts):
    """`record` for several indicators reached by one act (a receipt of several commodities), in one
    statement: the receipt's latency target leaves no room for a query, or a model instance, per row.
    Each act's `indicator` is an Indicator or its id. Returns the number of rows proposed."""
    if not people or not acts:
        return 0
    admin1, admin2 = places_of(site)
    columns = {name: [] for name in ("person", "household", "indicator", "population_type", "sex",
                                     "date_of_birth", "quantity", "cva", "value_usd", "delivery_mechanism")}
    for act in acts:
        quantity = Decimal(act.get("quantity", 0)).quantize(CENT)
        value_usd = Decimal(act.get("value_usd", 0)).quantize(CENT)
        indicator_id = getattr(act["indicator"], "pk", act["indicator"])
        for index, person in enumerate(people):
            columns["person"].append(person.pk)
            columns["household"].append(person.household_id)
            columns["indicator"].append(indicator_id)
            columns["population_type"].append(person.household.population_type)
            columns["sex"].append(person.sex)
            columns["date_of_birth"].append(person.date_of_birth)
            # The quantity (and cash value) of the whole act rides on the first person.
            columns["quantity"].append(quantity if index == 0 else Decimal(0))
            columns["cva"].append(act.get("cva", False))
            columns["value_usd"].append(value_usd if index == 0 else Decimal(0))
            columns["delivery_mechanism"].append(act.get("delivery_mechanism", ""))
    with connection.cursor() as cursor:
        cursor.execute(RECORD_ACTS, {
            **columns, "organisation": organisation.pk, "site": site.pk, "admin1": getattr(admin1, "pk", None),
            "admin2": getattr(admin2, "pk", None), "date": date, "year": date.year, "source_type": source_type,
            "source_id": str(source_id),
        })
    return len(columns["person"])


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
