"""What the other apps call when assistance happens or is undone; the reports count these rows.

Recording is idempotent: the same source, person and indicator make one row however often it is
recorded (a retried request, a rerun task).
"""
from decimal import Decimal

from django.db import transaction

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


@transaction.atomic
def record(*, source_type, source_id, people, organisation, site, indicator, date, quantity=0, cva=False,
           value_usd=0, delivery_mechanism=""):
    """One activity per person. The quantity (and cash value) of the whole act is carried by the
    first person (the head of household when a household is served), so that sums stay right."""
    admin1, admin2 = places_of(site)
    rows = []
    for index, person in enumerate(people):
        rows.append(Activity(
            person=person, household_id=person.household_id, organisation=organisation, site=site, admin1=admin1,
            admin2=admin2, indicator=indicator, date=date, population_type=person.household.population_type,
            sex=person.sex, date_of_birth=person.date_of_birth,
            quantity=Decimal(quantity) if index == 0 else 0,
            cva=cva, value_usd=Decimal(value_usd) if index == 0 else 0,
            delivery_mechanism=delivery_mechanism, source_type=source_type, source_id=str(source_id),
        ))
    Activity.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def record_for_household(*, household, **kwargs):
    """Every member of the household reached, head first."""
    members = sorted(
        Individual.objects.filter(household=household).select_related("household"),
        key=lambda person: (person.relationship_to_head != "head", person.created_at, str(person.pk)),
    )
    return record(people=members, **kwargs)


def remove(*, source_type, source_id):
    """Undo: a voided receipt or a cancelled service no longer counts."""
    return Activity.objects.filter(source_type=source_type, source_id=str(source_id)).delete()[0]
