"""Named people for every permission story (healthchecks' alice/bob/charlie habit):

- `officer` (field officer, OIM, Tumbes) and `colleague` (field officer, OIM, Tacna)
- `caseworker` (OIM, Tumbes), `supervisor`, `me_officer` and `admin` of OIM
- `outsider` (field officer of another organisation at the same Tumbes site)
- `partner` (partner agency)
"""
import importlib

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from casework.api.authentication import issue_token
from casework.codes import Role
from tests.factories import OrganisationFactory, SiteFactory, UserFactory


@pytest.fixture(autouse=True)
def english_messages_outside_requests():
    """Service tests read messages in English; requests still pick the language the user asks for."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def locations_after_a_flush(request):
    """A transactional test (threads, browser) ends by emptying every table, the locations of the data
    migration included: the next transactional test gets them back. (Main's `reference_data` does
    the same; keep that one when the branches meet.)"""
    marker = request.node.get_closest_marker("django_db")
    if not ((marker is not None and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from casework.models import Location

    if not Location.objects.exists():
        importlib.import_module("casework.migrations.0002_peru_locations").load_locations(apps, None)


@pytest.fixture
def oim(db):
    return OrganisationFactory(code="OIM", name="OIM Perú", kind="un_agency")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(code="CARITAS", name="Cáritas Tumbes")


@pytest.fixture
def tumbes(db):
    return SiteFactory(code="TUM", name="CEBAF Tumbes")


@pytest.fixture
def tacna(db):
    from casework.models import Location

    return SiteFactory(code="TAC", name="Santa Rosa, Tacna", location=Location.objects.get(pcode="PE230101"))


@pytest.fixture
def officer(oim, tumbes):
    return UserFactory(username="alicia", role=Role.FIELD_OFFICER, organisation=oim, sites=[tumbes])


@pytest.fixture
def colleague(oim, tacna):
    return UserFactory(username="beto", role=Role.FIELD_OFFICER, organisation=oim, sites=[tacna])


@pytest.fixture
def caseworker(oim, tumbes):
    return UserFactory(username="camila", role=Role.CASEWORKER, organisation=oim, sites=[tumbes])


@pytest.fixture
def supervisor(oim):
    return UserFactory(username="sara", role=Role.SUPERVISOR, organisation=oim)


@pytest.fixture
def me_officer(oim):
    return UserFactory(username="mateo", role=Role.ME_OFFICER, organisation=oim)


@pytest.fixture
def admin_user(oim):
    return UserFactory(username="adela", role=Role.ADMIN, organisation=oim)


@pytest.fixture
def outsider(other_org, tumbes):
    return UserFactory(username="carlos", role=Role.FIELD_OFFICER, organisation=other_org, sites=[tumbes])


@pytest.fixture
def partner(db):
    hias = OrganisationFactory(code="HIAS", name="HIAS Perú", kind="international_ngo")
    return UserFactory(username="paula", role=Role.PARTNER_AGENCY, organisation=hias)


def token_client(user):
    client = APIClient()
    key, _token = issue_token(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_for():
    """An API client authenticated with a fresh token of the given user."""
    return token_client
