"""Person-months: what a rollup row counts, kept by triggers on the activities."""
from django.db import migrations, models


KEY = "period, admin1_id, site_id, organisation_id, indicator_id, person_id"
COLUMNS = f"{KEY}, first_date, population_type, sex, date_of_birth, quantity"

# Each (month, place, organisation, indicator, person) of some activities, with the first day's
# attributes (same-day ties: the smallest population type, then sex) and the month's quantity.
PERSON_MONTHS = f"""
SELECT DISTINCT ON ({KEY}) {KEY}, date AS first_date, population_type, sex,
       min(date_of_birth) OVER same AS date_of_birth, sum(quantity) OVER same AS quantity
FROM (SELECT date_trunc('month', date::timestamp)::date AS period, admin1_id, site_id, organisation_id, indicator_id,
             person_id, date, population_type, sex, date_of_birth, quantity
      FROM {{source}}) activity
WINDOW same AS (PARTITION BY {KEY})
ORDER BY {KEY}, date, population_type, sex
"""

# Marked new, as written, when no earlier month of the year has the person's reach; what one statement
# writes for several months of the same reach, MARK_NEW then sets right.
MARKED = f"""
SELECT month.*, NOT EXISTS (
    SELECT FROM reporting_personmonth earlier
    WHERE earlier.person_id = month.person_id AND earlier.organisation_id = month.organisation_id
      AND earlier.indicator_id = month.indicator_id
      AND earlier.period >= date_trunc('year', month.period::timestamp)::date AND earlier.period < month.period)
FROM ({{person_months}}) month
ORDER BY {KEY}
"""

# A person-month is new when it is the first month of the calendar year in which the organisation reached
# the person under the indicator: for every (person, organisation, indicator, year) the changed
# activities touch, the rows whose mark is wrong are set right (usually none but the new row).
MARK_NEW = """
UPDATE reporting_personmonth kept SET is_new = (kept.period = firsts.first_month)
FROM (SELECT reach.person_id, reach.organisation_id, reach.indicator_id, touched.year, min(reach.period) AS first_month
      FROM (SELECT DISTINCT person_id, organisation_id, indicator_id, date_trunc('year', date::timestamp)::date AS year
            FROM ({changed}) changed) touched
      JOIN reporting_personmonth reach
        ON reach.person_id = touched.person_id AND reach.organisation_id = touched.organisation_id
       AND reach.indicator_id = touched.indicator_id
       AND reach.period >= touched.year AND reach.period < (touched.year + interval '1 year')::date
      GROUP BY 1, 2, 3, 4) firsts
WHERE kept.person_id = firsts.person_id AND kept.organisation_id = firsts.organisation_id
  AND kept.indicator_id = firsts.indicator_id
  AND kept.period >= firsts.year AND kept.period < (firsts.year + interval '1 year')::date
  AND kept.is_new <> (kept.period = firsts.first_month)
"""

# New activities fold into their person-month (rows taken in key order, so that two statements
# reaching the same people cannot deadlock). The SET expressions all read the row as it was.
ADDED = f"""
CREATE FUNCTION reporting_person_months_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_personmonth AS kept ({COLUMNS}, is_new)
    {MARKED.format(person_months=PERSON_MONTHS.format(source="added"))}
    ON CONFLICT ({KEY}) DO UPDATE SET
        first_date = LEAST(kept.first_date, EXCLUDED.first_date),
        population_type = CASE WHEN (EXCLUDED.first_date, EXCLUDED.population_type, EXCLUDED.sex)
                                    < (kept.first_date, kept.population_type, kept.sex)
                               THEN EXCLUDED.population_type ELSE kept.population_type END,
        sex = CASE WHEN (EXCLUDED.first_date, EXCLUDED.population_type, EXCLUDED.sex)
                        < (kept.first_date, kept.population_type, kept.sex)
                   THEN EXCLUDED.sex ELSE kept.sex END,
        date_of_birth = LEAST(kept.date_of_birth, EXCLUDED.date_of_birth),
        quantity = kept.quantity + EXCLUDED.quantity;
    {MARK_NEW.format(changed="SELECT * FROM added")};
    RETURN NULL;
END $$;
CREATE TRIGGER reporting_activity_added AFTER INSERT ON reporting_activity
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION reporting_person_months_added();
"""

# Removed or changed activities (a voided receipt, a merge moving them to another person): their
# person-months, before and after, are counted again from the activities that remain.
RECOUNT = """
CREATE FUNCTION reporting_person_months_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_personmonth kept USING {touched}
    WHERE (kept.period, kept.admin1_id, kept.site_id, kept.organisation_id, kept.indicator_id, kept.person_id)
        = (touched.period, touched.admin1_id, touched.site_id, touched.organisation_id, touched.indicator_id,
           touched.person_id);
    INSERT INTO reporting_personmonth ({columns}, is_new)
    {person_months};
    {mark_new};
    RETURN NULL;
END $$;
CREATE TRIGGER reporting_activity_{name} AFTER {event} ON reporting_activity
    REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION reporting_person_months_{name}();
"""
TOUCHED = """(SELECT DISTINCT date_trunc('month', date::timestamp)::date AS period, admin1_id, site_id, organisation_id,
                         indicator_id, person_id FROM ({changed}) changed) touched"""
REMAINING = """(SELECT a.* FROM reporting_activity a JOIN {touched}
       ON a.person_id = touched.person_id AND a.indicator_id = touched.indicator_id
      AND a.organisation_id = touched.organisation_id AND a.site_id = touched.site_id
      AND a.admin1_id = touched.admin1_id
      AND a.date >= touched.period AND a.date < (touched.period + interval '1 month')::date) remaining"""


def recount(name, event, transition, changed):
    touched = TOUCHED.format(changed=changed)
    return RECOUNT.format(name=name, event=event, transition=transition, touched=touched, columns=COLUMNS,
                          person_months=MARKED.format(
                              person_months=PERSON_MONTHS.format(source=REMAINING.format(touched=touched))),
                          mark_new=MARK_NEW.format(changed=changed))


FORWARD = "\n".join([
    ADDED,
    recount("removed", "DELETE", "OLD TABLE AS removed", "SELECT * FROM removed"),
    recount("changed", "UPDATE", "OLD TABLE AS removed NEW TABLE AS added",
            "SELECT * FROM removed UNION ALL SELECT * FROM added"),
    # What the activities recorded before this migration make.
    f"""INSERT INTO reporting_personmonth ({COLUMNS}, is_new)
        SELECT month.*, month.period = min(month.period) OVER (
            PARTITION BY month.person_id, month.organisation_id, month.indicator_id,
                         date_trunc('year', month.period::timestamp))
        FROM ({PERSON_MONTHS.format(source='reporting_activity')}) month ORDER BY {KEY};""",
])
BACKWARD = """
DROP TRIGGER reporting_activity_added ON reporting_activity;
DROP TRIGGER reporting_activity_removed ON reporting_activity;
DROP TRIGGER reporting_activity_changed ON reporting_activity;
DROP FUNCTION reporting_person_months_added();
DROP FUNCTION reporting_person_months_removed();
DROP FUNCTION reporting_person_months_changed();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0005_first_reach_covering_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonMonth',
            fields=[
                ('pk', models.CompositePrimaryKey('period', 'admin1_id', 'site_id', 'organisation_id', 'indicator_id', 'person_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('period', models.DateField()),
                ('admin1_id', models.BigIntegerField()),
                ('site_id', models.BigIntegerField()),
                ('organisation_id', models.BigIntegerField()),
                ('indicator_id', models.BigIntegerField()),
                ('person_id', models.UUIDField()),
                ('first_date', models.DateField()),
                ('population_type', models.CharField(max_length=32)),
                ('sex', models.CharField(max_length=16)),
                ('date_of_birth', models.DateField()),
                ('quantity', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ('is_new', models.BooleanField(db_default=False)),
            ],
            options={
                'indexes': [models.Index(fields=['person_id', 'organisation_id', 'indicator_id', 'period'], name='person_month_reach_idx')],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
