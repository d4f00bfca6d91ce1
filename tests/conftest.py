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
from tests.factories import OrganisationFactory, SiteFactory, UserFactory, location


@pytest.fixture(autouse=True)
def reference_data(request):
    """Transactional tests empty every table when they end, seeded catalogues included: lay the seed
    (locations, indicators, commodities) again before each of them."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
            marker is not None and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        from casework import case_activities
        from casework.data import peru_locations
        from casework.models import CaseActivityType, Location
        from distributions import catalogue
        from distributions.models import Commodity
        from reporting import indicators
        from reporting.models import Indicator

        peru_locations.install(Location)
        indicators.install(Indicator)
        catalogue.install(Commodity)
        case_activities.install(CaseActivityType, Indicator)


@pytest.fixture(autouse=True)
def english_messages_outside_requests():
    """Service tests read messages in English; requests still pick the language the user asks for."""
    with translation.override("en"):
        yield


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
    return SiteFactory(code="TAC", name="Santa Rosa, Tacna", location=location("PE230101"))


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
