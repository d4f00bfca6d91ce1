"""/api/v1/services/: who offers which service where; /api/v1/service-types/: the seeded catalogue."""
from referrals.models import ServiceOffer, ServiceType
from referrals.service_types import SERVICE_TYPES
from tests.factories import OrganisationFactory, location


def test_the_eleven_service_types_are_seeded_with_sector_and_indicator(service_types):
    assert set(ServiceType.objects.values_list("code", flat=True)) == {row[0] for row in SERVICE_TYPES}
    gbv = ServiceType.objects.select_related("indicator").get(code="gbv_case_management")
    assert (gbv.sector, gbv.indicator.code) == ("gbv", "GBV-01")
    assert ServiceType.objects.filter(indicator__isnull=True).count() == 0


def test_service_types_show_in_the_readers_language(api_for, partner, service_types):
    answer = api_for(partner).get("/api/v1/service-types/gbv_case_management/", HTTP_ACCEPT_LANGUAGE="es")
    assert answer.json()["name"] == "Gestión de casos de VBG"


def test_offers_are_found_by_the_place_they_cover(api_for, officer, hias_offer, caritas_offer):
    client = api_for(officer)
    # A district of Tumbes is covered by HIAS's department-wide offer, not by Cáritas's in Tacna.
    near_tumbes = client.get("/api/v1/services/", {"location": "PE240302"}).json()["results"]
    assert [(row["organisation"], row["locations"]) for row in near_tumbes] == [("HIAS", ["PE24"])]
    assert near_tumbes[0]["contact_email"] == "gbv@hias.example"
    near_tacna = client.get("/api/v1/services/", {"location": "PE230101"}).json()["results"]
    assert [row["organisation"] for row in near_tacna] == ["CARITAS"]
    assert client.get("/api/v1/services/", {"location": "XX99"}).json()["count"] == 0
    by_service = client.get("/api/v1/services/", {"service_type": "gbv_case_management"}).json()
    assert by_service["count"] == 2


def test_inactive_offers_are_not_listed(api_for, officer, hias_offer):
    ServiceOffer.objects.update(is_active=False)
    assert api_for(officer).get("/api/v1/services/").json()["count"] == 0


def test_the_offers_list_takes_the_same_queries_for_any_page_size(api_for, officer, gbv,
                                                                  django_assert_max_num_queries):
    client = api_for(officer)
    client.get("/api/v1/services/")

    def offer(code):
        created = ServiceOffer.objects.create(organisation=OrganisationFactory(code=code), service_type=gbv,
                                              contact_name="X")
        created.locations.set([location("PE24"), location("PE23")])

    offer("A1")
    with django_assert_max_num_queries(5) as small:
        client.get("/api/v1/services/")
    for code in ("A2", "A3", "A4", "A5"):
        offer(code)
    with django_assert_max_num_queries(5) as large:
        assert client.get("/api/v1/services/").json()["count"] == 5
    assert len(small.captured_queries) == len(large.captured_queries)


def test_only_admins_change_the_directory(client, admin_user, supervisor, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client.force_login(supervisor)
    assert client.get("/admin/referrals/serviceoffer/").status_code in {302, 403}
    client.force_login(admin_user)
    assert client.get("/admin/referrals/serviceoffer/add/").status_code == 200
