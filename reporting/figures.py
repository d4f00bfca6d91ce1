"""Distinct-people figures for the summary, the dashboard and the 5W export, counted in SQL.

"Total people reached" at any level is a COUNT(DISTINCT person), never a sum of rows.
"""
from datetime import date

from django.db import connection
from django.utils import translation

from casework.codes import PopulationType, Sector
from reporting.models import DeliveryMechanism
from reporting.rollup import AGE_BAND_SQL, AGE_SQL, month_bounds

SUPPRESS_BELOW = 5


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def period_range(*, period=None, year=None):
    if period is not None:
        start, end = month_bounds(period)
        return start, end
    return date(year, 1, 1), date(year + 1, 1, 1)


def _scope(organisation_id, start, end, admin1_id=None):
    where = "a.organisation_id = %(org)s AND a.date >= %(start)s AND a.date < %(end)s"
    params = {"org": organisation_id, "start": start, "end": end}
    if admin1_id is not None:
        where += " AND a.admin1_id = %(admin1)s"
        params["admin1"] = admin1_id
    return where, params


def summary(*, organisation_id, start, end, admin1_id=None):
    """Distinct people overall, per sector and per indicator, and the platform's own estimate: per
    department, the largest sector figure of each population group, summed."""
    where, params = _scope(organisation_id, start, end, admin1_id)
    total = _rows(f"SELECT count(DISTINCT a.person_id) AS people FROM reporting_activity a WHERE {where}",
                  params)[0]["people"]
    sectors = _rows(f"""
        SELECT i.sector, count(DISTINCT a.person_id) AS people
        FROM reporting_activity a JOIN reporting_indicator i ON i.id = a.indicator_id
        WHERE {where} GROUP BY i.sector ORDER BY people DESC, i.sector""", params)
    indicators = _rows(f"""
        SELECT i.code, i.name, i.sector, count(DISTINCT a.person_id) AS people, sum(a.quantity) AS quantity
        FROM reporting_activity a JOIN reporting_indicator i ON i.id = a.indicator_id
        WHERE {where} GROUP BY i.code, i.name, i.sector ORDER BY people DESC, i.code""", params)
    estimate = _rows(f"""
        SELECT coalesce(sum(largest), 0) AS people FROM (
            SELECT admin1_id, population_type, max(people) AS largest FROM (
                SELECT a.admin1_id, a.population_type, i.sector, count(DISTINCT a.person_id) AS people
                FROM reporting_activity a JOIN reporting_indicator i ON i.id = a.indicator_id
                WHERE {where} GROUP BY a.admin1_id, a.population_type, i.sector
            ) per_sector GROUP BY admin1_id, population_type
        ) per_group""", params)[0]["people"]
    for row in sectors:
        row["label"] = Sector(row["sector"]).label
    return {"people_reached": total, "platform_estimate": int(estimate), "sectors": sectors,
            "indicators": indicators}


def breakdowns(*, organisation_id, start, end):
    """Distinct people by month, department, and sex and age band (age on the day first reached)."""
    where, params = _scope(organisation_id, start, end)
    by_month = _rows(f"""
        SELECT to_char(a.date, 'YYYY-MM') AS month, count(DISTINCT a.person_id) AS people
        FROM reporting_activity a WHERE {where} GROUP BY 1 ORDER BY 1""", params)
    by_department = _rows(f"""
        SELECT l.pcode, l.name, count(DISTINCT a.person_id) AS people
        FROM reporting_activity a JOIN casework_location l ON l.id = a.admin1_id
        WHERE {where} GROUP BY l.pcode, l.name ORDER BY people DESC""", params)
    age = AGE_SQL.format(day="first_day", born="date_of_birth")
    by_sex_age = _rows(f"""
        SELECT sex, {AGE_BAND_SQL.format(age=age)} AS age_band, count(*) AS people FROM (
            SELECT a.person_id, (array_agg(a.sex ORDER BY a.date))[1] AS sex, min(a.date) AS first_day,
                   (array_agg(a.date_of_birth ORDER BY a.date))[1] AS date_of_birth
            FROM reporting_activity a WHERE {where} GROUP BY a.person_id
        ) people GROUP BY 1, 2 ORDER BY 1, 2""", params)
    return {"by_month": by_month, "by_department": by_department, "by_sex_age": by_sex_age}


# --- the R4V 5W template ------------------------------------------------------------------------

FIVE_W_COLUMNS = [
    ("Country", "#country+name"),
    ("Admin1", "#adm1+name"),
    ("Admin2", "#adm2+name"),
    ("Appealing organisation", "#org+prog"),
    ("Implementation Set up", "#org+x_implementation"),
    ("Implementing partner", "#org+impl"),
    ("Month", "#date+month"),
    ("Sector", "#sector"),
    ("Indicator", "#indicator"),
    ("Activity Name", "#activity+name"),
    ("Activity Description", "#activity+description"),
    ("RMRP Activity", "#activity+x_rmrp"),
    ("CVA", "#activity+x_cva"),
    ("Value (in USD)", "#value+usd"),
    ("Delivery mechanism", "#activity+x_delivery_mechanism"),
    ("Quantity of output", "#output+num"),
    ("Total monthly beneficiaries", "#reached+ind"),
    ("New beneficiaries of the month", "#reached+new"),
    ("Refugees and Migrants IN DESTINATION", "#reached+new+x_in_destination"),
    ("Refugees and Migrants IN TRANSIT", "#reached+new+x_in_transit"),
    ("Host Communities Beneficiaries", "#reached+new+x_host_community"),
    ("Refugees and Migrants PENDULARS", "#reached+new+x_pendular"),
    ("Colombian Returnees", "#reached+new+x_colombian_returnee"),
    ("Women under 18", "#reached+f+children"),
    ("Men under 18", "#reached+m+children"),
    ("Women above 18", "#reached+f+adults"),
    ("Men above 18", "#reached+m+adults"),
    ("Other under 18", "#reached+x_other+children"),
    ("Other above 18", "#reached+x_other+adults"),
]
FIVE_W_HEADER = [name for name, _tag in FIVE_W_COLUMNS]
FIVE_W_HXL = [tag for _name, tag in FIVE_W_COLUMNS]
COUNT_COLUMNS = FIVE_W_HEADER[16:]
POPULATION_COLUMNS = dict(zip(
    [PopulationType.IN_DESTINATION, PopulationType.IN_TRANSIT, PopulationType.HOST_COMMUNITY,
     PopulationType.PENDULAR, PopulationType.COLOMBIAN_RETURNEE], FIVE_W_HEADER[18:23]))

FIVE_W_SQL = f"""
WITH per_person AS (
    SELECT a.admin1_id, a.admin2_id, a.organisation_id, a.indicator_id, a.cva, a.delivery_mechanism, a.person_id,
           substr(min(to_char(a.date, 'YYYYMMDD') || a.population_type), 9) AS population_type,
           substr(min(to_char(a.date, 'YYYYMMDD') || a.sex), 9) AS sex,
           {AGE_SQL.format(day="min(a.date)", born="min(a.date_of_birth)")} AS age,
           sum(a.quantity) AS quantity, sum(a.value_usd) AS value_usd,
           bool_or(f.person_id IS NOT NULL) AS is_new
    FROM reporting_activity a
    LEFT JOIN reporting_firstreach f
           ON f.person_id = a.person_id AND f.organisation_id = a.organisation_id
          AND f.indicator_id = a.indicator_id AND f.year = %(year)s
          AND f.first_date >= %(start)s AND f.first_date < %(end)s
    WHERE a.organisation_id = %(org)s AND a.date >= %(start)s AND a.date < %(end)s
    GROUP BY a.admin1_id, a.admin2_id, a.organisation_id, a.indicator_id, a.cva, a.delivery_mechanism, a.person_id
)
SELECT adm1.name AS admin1, coalesce(adm2.name, '') AS admin2, o.name AS organisation, i.sector, i.name AS indicator,
       i.activity_name, i.rmrp, p.cva, p.delivery_mechanism,
       sum(p.value_usd) AS value_usd, sum(p.quantity) AS quantity,
       count(*) AS total, count(*) FILTER (WHERE p.is_new) AS new,
       count(*) FILTER (WHERE p.is_new AND p.population_type = 'in_destination') AS in_destination,
       count(*) FILTER (WHERE p.is_new AND p.population_type = 'in_transit') AS in_transit,
       count(*) FILTER (WHERE p.is_new AND p.population_type = 'host_community') AS host_community,
       count(*) FILTER (WHERE p.is_new AND p.population_type = 'pendular') AS pendular,
       count(*) FILTER (WHERE p.is_new AND p.population_type = 'colombian_returnee') AS colombian_returnee,
       count(*) FILTER (WHERE p.is_new AND p.sex = 'female' AND p.age < 18) AS women_under_18,
       count(*) FILTER (WHERE p.is_new AND p.sex = 'male' AND p.age < 18) AS men_under_18,
       count(*) FILTER (WHERE p.is_new AND p.sex = 'female' AND p.age >= 18) AS women_above_18,
       count(*) FILTER (WHERE p.is_new AND p.sex = 'male' AND p.age >= 18) AS men_above_18,
       count(*) FILTER (WHERE p.is_new AND p.sex IN ('other', 'unknown') AND p.age < 18) AS other_under_18,
       count(*) FILTER (WHERE p.is_new AND p.sex IN ('other', 'unknown') AND p.age >= 18) AS other_above_18
FROM per_person p
JOIN casework_location adm1 ON adm1.id = p.admin1_id
LEFT JOIN casework_location adm2 ON adm2.id = p.admin2_id
JOIN casework_organisation o ON o.id = p.organisation_id
JOIN reporting_indicator i ON i.id = p.indicator_id
GROUP BY adm1.name, adm2.name, o.name, i.sector, i.name, i.activity_name, i.rmrp, p.cva, p.delivery_mechanism
ORDER BY adm1.name, adm2.name, i.sector, i.name, p.delivery_mechanism
"""


def five_w_rows(*, organisation_id, period, external=False):
    """The organisation's month in the 5W template, column for column. For an audience outside the
    organisation, counts from 1 to 4 show as "<5", and whatever would let one be worked out, as "*",
    so that nobody can be singled out."""
    start, end = month_bounds(period)
    month = f"{start:%Y-%m}"
    records = _rows(FIVE_W_SQL, {"org": organisation_id, "start": start, "end": end, "year": start.year})
    rows = []
    with translation.override("en"):  # the platform's template is in English
        for record in records:
            counts = [record[name] for name in (
                "total", "new", "in_destination", "in_transit", "host_community", "pendular", "colombian_returnee",
                "women_under_18", "men_under_18", "women_above_18", "men_above_18", "other_under_18",
                "other_above_18")]
            if external:
                counts = suppress_counts(counts)
            rows.append([
                "Peru", record["admin1"], record["admin2"], record["organisation"], "No", record["organisation"],
                month, str(Sector(record["sector"]).label), record["indicator"], record["activity_name"], "",
                "Yes" if record["rmrp"] else "No", "Yes" if record["cva"] else "No",
                float(record["value_usd"]) if record["cva"] else "",
                str(DeliveryMechanism(record["delivery_mechanism"]).label) if record["delivery_mechanism"] else "",
                float(record["quantity"]), *counts,
            ])
    return rows


def suppress(count):
    return "<5" if 0 < count < SUPPRESS_BELOW else count


# In a 5W row's counts (Total, New, the five population columns, the six sex and age columns), New is
# the sum of each group of columns after it.
ADDITIVE_GROUPS = ((1, tuple(range(2, 7))), (1, tuple(range(7, 13))))
HIDDEN_TO_PROTECT = "*"


def suppress_counts(counts):
    """A row's counts with each count from 1 to 4 shown as "<5", and, where a group of columns that adds
    up to New would then have a single hidden cell (worked out by subtraction), its smallest other count
    hidden too, as "*"."""
    hidden = {index for index, count in enumerate(counts) if 0 < count < SUPPRESS_BELOW}
    changed = True
    while changed:
        changed = False
        for whole, parts in ADDITIVE_GROUPS:
            if len([index for index in (whole, *parts) if index in hidden]) != 1:
                continue
            shown = [index for index in parts if index not in hidden and counts[index] > 0]
            if not shown and whole not in hidden and counts[whole] > 0:
                shown = [whole]
            if shown:
                hidden.add(min(shown, key=lambda index: (counts[index], index)))
                changed = True
    return [(suppress(count) if 0 < count < SUPPRESS_BELOW else HIDDEN_TO_PROTECT) if index in hidden else count
            for index, count in enumerate(counts)]


def five_w_quality_errors(rows):
    """The template's own checks, for tests and for a warning beside an export."""
    errors = []
    index = {name: position for position, name in enumerate(FIVE_W_HEADER)}
    for number, row in enumerate(rows, start=1):
        values = {name: row[position] for name, position in index.items()}
        if any(isinstance(values[name], str) for name in COUNT_COLUMNS):
            continue  # suppressed cells cannot be added up
        new, total = values["New beneficiaries of the month"], values["Total monthly beneficiaries"]
        if new > total:
            errors.append(f"row {number}: New > Total")
        if sum(values[name] for name in POPULATION_COLUMNS.values()) != new:
            errors.append(f"row {number}: population columns do not sum to New")
        if sum(values[name] for name in FIVE_W_HEADER[23:29]) != new:
            errors.append(f"row {number}: sex and age columns do not sum to New")
        if values["CVA"] == "Yes" and not (values["Value (in USD)"] and values["Delivery mechanism"]):
            errors.append(f"row {number}: CVA without value or delivery mechanism")
    return errors
