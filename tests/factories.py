"""factory_boy factories. Households are made through the registration service, like in the app."""
import datetime
import itertools

import factory
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework import services
from casework.codes import OrganisationKind, Role, SiteKind
from casework.data import peru_locations
from casework.models import Location, Organisation, Site, User

_documents = itertools.count(10_000_000)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.code}")
    kind = OrganisationKind.NATIONAL_NGO


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")
    kind = SiteKind.BORDER_POINT
    location = factory.LazyFunction(lambda: location("PE240302"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.FIELD_OFFICER
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def sites(self, create, sites):
        if create and sites:
            self.sites.set(sites)
        self.save()


def location(pcode):
    """A seeded location; transactional tests empty the tables, so the seed is laid again if needed."""
    found = Location.objects.filter(pcode=pcode).first()
    if found is None:
        peru_locations.install(Location)
        found = Location.objects.get(pcode=pcode)
    return found


def member(**overrides):
    """One person as the registration service takes them."""
    data = {
        "relationship_to_head": "head",
        "given_name": "María José",
        "family_name": "Pérez González",
        "sex": "female",
        "date_of_birth": datetime.date(1990, 5, 17),
        "nationality": "VEN",
        "document_type": "cedula_ve",
        "document_number": f"V{next(_documents)}",
        "phone": "",
        "specific_needs": [],
    }
    data.update(overrides)
    return data


def family(size=4):
    members = [member()]
    relationships = ["spouse", "child", "child", "child", "parent", "sibling", "grandchild", "other_relative"]
    for index in range(size - 1):
        members.append(member(
            relationship_to_head=relationships[index],
            given_name=["José", "Valentina", "Samuel", "Sofía", "Rosa", "Luis", "Ana", "Pedro"][index],
            sex=["male", "female", "male", "female", "female", "male", "female", "male"][index],
            date_of_birth=datetime.date(2015 - index, 3, 1) if index else datetime.date(1988, 1, 9),
        ))
    return members


def register(officer, *, site=None, members=None, **fields):
    """A household registered by `officer` at their first site (or `site`)."""
    household, _created = services.register_household(
        actor=officer,
        site=site or officer.sites.first(),
        population_type=fields.pop("population_type", "in_transit"),
        members=members if members is not None else family(),
        consent_given=fields.pop("consent_given", True),
        **fields,
    )
    return household


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def pending_index_entries():
    """Keys waiting in the registry's GIN pending lists (read with pgstattuple; None when this
    PostgreSQL has no pgstattuple)."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        except DatabaseError:
            return None
        cursor.execute("SELECT sum(pending_tuples) FROM unnest(%s::text[]) AS index_name,"
                       " LATERAL pgstatginindex(index_name::regclass)", [list(services.SEARCH_INDEXES)])
        return cursor.fetchone()[0]
