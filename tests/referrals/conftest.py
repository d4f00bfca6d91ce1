"""Three organisations around one woman at risk registered by OIM in Tumbes:

- OIM refers (caseworker `camila`, supervisor `sara`);
- HIAS receives: it offers GBV case management in the department of Tumbes (partner `paula`);
- Cáritas offers the same service in Tacna only, and must never see OIM's referral to HIAS
  (partner `cora`, supervisor `cesar`).
"""
import pytest

from casework import services as casework_services
from casework.codes import Role
from config.celery import app as celery_app
from referrals import service_types as service_types_module, services
from referrals.models import ServiceOffer, ServiceType
from reporting.indicators import INDICATORS
from reporting.models import Indicator
from tests.factories import UserFactory, location, register


@pytest.fixture
def eager():
    """Tasks queued after commit run at once, in the test (retries too)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def service_types(db):
    """The seeded catalogue; laid again when a transactional (browser) test emptied the tables."""
    if not ServiceType.objects.exists():
        for code, sector, name, activity in INDICATORS:
            Indicator.objects.get_or_create(code=code, defaults={"sector": sector, "name": name,
                                                                 "activity_name": activity})
        service_types_module.install(ServiceType, Indicator)
    return ServiceType.objects.all()


@pytest.fixture
def gbv(service_types):
    return service_types.get(code="gbv_case_management")


@pytest.fixture
def hias(partner):
    return partner.organisation


@pytest.fixture
def hias_offer(hias, gbv):
    offer = ServiceOffer.objects.create(organisation=hias, service_type=gbv, contact_name="Lucía Ramos",
                                        contact_email="gbv@hias.example", contact_phone="+51 972 000 111")
    offer.locations.set([location("PE24")])
    return offer


@pytest.fixture
def caritas_offer(other_org, gbv):
    offer = ServiceOffer.objects.create(organisation=other_org, service_type=gbv, contact_name="Rosa Quispe")
    offer.locations.set([location("PE23")])
    return offer


@pytest.fixture
def third_partner(other_org):
    return UserFactory(username="cora", role=Role.PARTNER_AGENCY, organisation=other_org)


@pytest.fixture
def third_supervisor(other_org):
    return UserFactory(username="cesar", role=Role.SUPERVISOR, organisation=other_org)


@pytest.fixture
def hias_supervisor(hias):
    return UserFactory(username="hugo", role=Role.SUPERVISOR, organisation=hias, email="hugo@hias.example")


@pytest.fixture
def household(officer):
    return register(officer)


@pytest.fixture
def woman(household, caseworker):
    """The head of the household, who consented to be referred."""
    person = household.members.get(relationship_to_head="head")
    person.phone = "+51987654321"
    person.specific_needs = ["WR", "SV-VA"]
    person.save()
    casework_services.record_consent(actor=caseworker, individual=person, purposes=["referral"],
                                     given_by=str(person))
    return person


@pytest.fixture
def send(caseworker, woman, hias, gbv, hias_offer):
    """Send a referral from OIM to HIAS through the service; keyword arguments override the fields."""

    def send_referral(**overrides):
        fields = {"individual": woman, "receiving_organisation": hias, "service_type": gbv, "urgency": "emergency",
                  "reason": "Needs safe shelter and GBV case management.", "contact_preference": "phone",
                  "language": "es"}
        fields.update(overrides)
        actor = fields.pop("actor", caseworker)
        referral, _created = services.create_referral(actor=actor, **fields)
        return referral

    return send_referral
