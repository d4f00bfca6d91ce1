import re
import uuid

import pytest
from rest_framework.test import APIClient

from casework.models import AuditEvent, Household, Individual
from tests.factories import family, member, register

URL = "/api/v1/households/"


def payload(**overrides):
    body = {
        "site": "TUM",
        "population_type": "in_transit",
        "phone": "+58 414 1234567",
        "intended_destination": "Lima",
        "consent_given": True,
        "members": [
            {"relationship_to_head": "head", "given_name": "Yusmary", "family_name": "Rivas Colmenares",
             "sex": "female", "date_of_birth": "1991-02-03", "nationality": "VEN", "document_type": "cedula_ve",
             "document_number": "V-20.111.222", "specific_needs": ["SP-PT"]},
            {"relationship_to_head": "child", "given_name": "Samuel", "family_name": "Rivas", "sex": "male",
             "age_years": 4, "nationality": "VEN", "document_type": "none"},
        ],
    }
    body.update(overrides)
    return body


def test_a_field_officer_registers_a_family_with_nested_members(api_for, officer):
    response = api_for(officer).post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["registration_number"].startswith("TUM-")
    assert body["phone"] == "+584141234567"
    assert [m["given_name"] for m in body["members"]] == ["Yusmary", "Samuel"]
    assert body["members"][0]["document_number"] == "V20111222"
    assert body["members"][1]["date_of_birth_estimated"] is True
    assert response["ETag"] == f'"{body["id"]}-1"'


def test_a_retried_create_with_the_same_id_returns_the_existing_household(api_for, officer):
    client = api_for(officer)
    household_id = str(uuid.uuid4())
    first = client.post(URL, payload(id=household_id), format="json")
    retry = client.post(URL, payload(id=household_id), format="json")
    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["registration_number"] == first.json()["registration_number"]
    assert Household.objects.count() == 1
    assert Individual.objects.count() == 2


def test_an_id_of_a_record_the_caller_cannot_see_is_refused(api_for, officer, outsider):
    household = register(outsider)
    response = api_for(officer).post(URL, payload(id=str(household.pk)), format="json")
    assert response.status_code == 400
    assert "id" in response.json()


def test_invalid_input_answers_400_in_spanish_by_default_and_writes_nothing(api_for, officer):
    body = payload()
    body["members"][1]["relationship_to_head"] = "head"
    body["members"][0]["date_of_birth"] = "2099-01-01"
    response = api_for(officer).post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "exactamente un jefe" in errors["non_field_errors"][0]
    assert "futuro" in errors["members"][0]["date_of_birth"][0]
    assert not Household.objects.exists() and not AuditEvent.objects.exists()


def test_type_errors_answer_400_per_field(api_for, officer):
    response = api_for(officer).post(
        URL, payload(site="NOPE", population_type="tourist", members="x"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"site", "population_type", "members"}


def test_missing_or_bad_credentials_answer_401_with_www_authenticate(db):
    anonymous = APIClient().get(URL)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token")
    assert client.get(URL).status_code == 401


def test_the_token_endpoint_exchanges_a_password_for_a_token(officer):
    client = APIClient()
    wrong = client.post("/api/v1/auth/token/", {"username": "alicia", "password": "nope"}, format="json")
    assert wrong.status_code == 400
    right = client.post("/api/v1/auth/token/", {"username": "alicia", "password": "a-long-test-password"},
                        format="json")
    assert right.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    assert client.get(URL).status_code == 200


def test_session_authentication_works_for_the_browser(client, officer):
    client.force_login(officer)
    assert client.get(URL).status_code == 200


def test_lists_are_scoped_to_the_organisation_and_the_officers_sites(api_for, officer, colleague, outsider,
                                                                    supervisor):
    mine = register(officer)
    at_tacna = register(colleague)
    other_org = register(outsider)
    listed = {row["id"] for row in api_for(officer).get(URL).json()["results"]}
    assert listed == {str(mine.pk)}
    supervised = {row["id"] for row in api_for(supervisor).get(URL).json()["results"]}
    assert supervised == {str(mine.pk), str(at_tacna.pk)}
    for household in (at_tacna, other_org):
        assert api_for(officer).get(f"{URL}{household.pk}/").status_code == 404
        assert api_for(officer).patch(f"{URL}{household.pk}/", {"phone": ""}, format="json").status_code == 404


def test_partners_and_me_officers_never_list_the_registry(api_for, officer, partner, me_officer):
    household = register(officer)
    for user in (partner, me_officer):
        assert api_for(user).get(URL).status_code == 403
        assert api_for(user).get(f"{URL}{household.pk}/").status_code == 403
        assert api_for(user).post(URL, payload(), format="json").status_code == 403


def test_reading_a_household_is_audited(api_for, officer):
    household = register(officer)
    api_for(officer).get(f"{URL}{household.pk}/", HTTP_X_REQUEST_ID="req-123", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="view", object_id=str(household.pk))
    assert event.actor == officer
    assert event.request_id == "req-123"
    assert event.ip_address == "10.1.2.3"


def test_filters_narrow_the_list(api_for, officer, supervisor, colleague):
    adults = register(officer, population_type="in_destination", members=[member(sex="male", nationality="COL")])
    child_at_risk = register(officer, members=family(2) + [member(
        relationship_to_head="child", given_name="Niño", sex="male", date_of_birth=None, age_years=9,
        document_type="none",
        specific_needs=["SC-UC"])])
    at_tacna = register(colleague)
    client = api_for(supervisor)

    def ids(**params):
        return {row["id"] for row in client.get(URL, params).json()["results"]}

    assert ids(site="TAC") == {str(at_tacna.pk)}
    assert ids(population_type="in_destination") == {str(adults.pk)}
    assert ids(nationality="col") == {str(adults.pk)}
    assert ids(specific_need="SC") == {str(child_at_risk.pk)}
    assert ids(age_max=10, sex="male") == {str(child_at_risk.pk)}
    assert ids(age_min=18, age_max=20) == set()
    assert str(adults.pk) in ids(registered_from="2020-01-01", sex="male")
    assert ids(registered_to="2020-01-01") == set()


def test_search_finds_names_without_accents_documents_and_registration_numbers(api_for, officer):
    household = register(officer, members=[member(given_name="María José", family_name="Ñáñez Córdova",
                                                  document_number="V-30.111.222")])
    register(officer, members=[member(given_name="Pedro", family_name="Gil")])
    client = api_for(officer)

    def found(text):
        return [row["id"] for row in client.get(URL, {"search": text}).json()["results"]]

    assert found("maria nanez") == [str(household.pk)]
    assert found("MARÍA JOSÉ ÑÁÑEZ") == [str(household.pk)]
    assert found("cord") == [str(household.pk)]
    assert found("v30111222") == [str(household.pk)]
    assert found(household.registration_number.lower()) == [str(household.pk)]
    assert found("gonzalo") == []


def test_the_list_query_count_does_not_grow_with_page_size(api_for, officer, django_assert_max_num_queries):
    for _ in range(12):
        register(officer, members=family(3))
    client = api_for(officer)
    client.get(URL)  # the token's first use is recorded once; later requests only read
    with django_assert_max_num_queries(7) as small:
        assert len(client.get(URL, {"page_size": 2, "search": "maria", "population_type": "in_transit"}).json()[
            "results"]) == 2
    with django_assert_max_num_queries(7) as large:
        assert len(client.get(URL, {"page_size": 50, "search": "maria", "population_type": "in_transit"}).json()[
            "results"]) == 12
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_list_filters_by_the_sites_id_and_reads_no_search_columns(api_for, officer, tumbes,
                                                                         django_assert_max_num_queries):
    """At a million people, a join on the site's code made the planner read a whole site to count a
    search, and parsing search vectors was a third of a page's time."""
    register(officer, members=family(3))
    client = api_for(officer)
    client.get(URL)
    with django_assert_max_num_queries(8) as listed:
        response = client.get(URL, {"site": tumbes.code.lower(), "search": "maria", "population_type": "in_transit"})
    assert response.json()["count"] == 1
    household_queries = [query["sql"] for query in listed.captured_queries
                         if 'FROM "casework_household"' in query["sql"] or 'FROM "casework_individual"' in query["sql"]]
    assert household_queries
    for sql in household_queries:
        assert '"casework_site"."code"' not in sql.partition(" WHERE ")[2]
        assert not re.search(r'SELECT .*"search_(text|vector)".* FROM', sql)
    assert client.get(URL, {"site": "NOPE"}).json()["count"] == 0


def test_creating_a_five_member_household_takes_few_queries(api_for, officer, django_assert_max_num_queries):
    client = api_for(officer)
    body = payload(members=[dict(m, relationship_to_head="child", document_type="none") if i else m
                            for i, m in enumerate([payload()["members"][0]] + [payload()["members"][1]] * 4)])
    with django_assert_max_num_queries(15):
        assert client.post(URL, body, format="json").status_code == 201


def test_a_stale_update_is_refused_with_412_on_if_match_and_409_on_version(api_for, officer):
    household = register(officer)
    client = api_for(officer)
    read = client.get(f"{URL}{household.pk}/")
    etag = read["ETag"]
    first = client.patch(f"{URL}{household.pk}/", {"phone": "987654321"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale_header = client.patch(f"{URL}{household.pk}/", {"phone": "987000000"}, format="json", HTTP_IF_MATCH=etag)
    assert stale_header.status_code == 412
    stale_body = client.patch(f"{URL}{household.pk}/", {"phone": "987000000", "version": 1}, format="json")
    assert stale_body.status_code == 409
    household.refresh_from_db()
    assert household.phone == "+51987654321"


def test_an_update_replaces_members_as_listed(api_for, officer):
    household = register(officer, members=family(3))
    client = api_for(officer)
    current = client.get(f"{URL}{household.pk}/").json()
    kept = [dict(m) for m in current["members"][:2]]
    for row in kept:
        row.pop("version")
    kept[1]["given_name"] = "Josué"
    kept.append({"relationship_to_head": "child", "given_name": "Luz", "family_name": "Pérez", "sex": "female",
                 "age_years": 1, "nationality": "PER", "document_type": "dni_pe", "document_number": "80011122"})
    response = client.patch(f"{URL}{household.pk}/", {"members": kept, "version": current["version"]},
                            format="json")
    assert response.status_code == 200, response.json()
    names = sorted(m["given_name"] for m in response.json()["members"])
    assert names == ["Josué", "Luz", "María José"]


def test_read_only_fields_cannot_be_mass_assigned(api_for, officer, outsider):
    household = register(officer)
    response = api_for(officer).patch(
        f"{URL}{household.pk}/",
        {"registration_number": "HACK-1", "organisation": outsider.organisation.code, "registered_by": "carlos"},
        format="json",
    )
    assert response.status_code == 200
    household.refresh_from_db()
    assert household.registration_number.startswith("TUM-")
    assert household.organisation == officer.organisation


def test_households_are_never_deleted_through_the_api(api_for, supervisor, officer):
    household = register(officer)
    assert api_for(supervisor).delete(f"{URL}{household.pk}/").status_code in {403, 405}
    assert Household.objects.filter(pk=household.pk).exists()


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_the_api_is_documented(client, path):
    assert client.get(path).status_code == 200


def test_catalogues_are_readable_by_every_role(api_for, partner, tumbes):
    client = api_for(partner)
    assert client.get("/api/v1/sites/TUM/").json()["location"] == "PE240302"
    locations = client.get("/api/v1/locations/", {"admin_level": 1, "page_size": 100}).json()
    assert {"PE24", "PE23", "PE15", "PE21", "PE04"} <= {row["pcode"] for row in locations["results"]}
    assert client.get("/api/v1/locations/PE2403/").json()["parent"] == "PE24"
    assert client.get("/api/v1/organisations/").status_code == 200


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.parametrize("show_sensitive", [False, True])
def test_members_read_directly_are_shown_as_drf_fields_would_show_them(officer, show_sensitive):
    from rest_framework import serializers as drf

    from casework.api.serializers import IndividualSerializer, MemberSerializer

    people = family(3)
    people[1] = dict(people[1], specific_needs=["SV-VA", "DS-PM"], age_years=7)
    people[1].pop("date_of_birth", None)
    household = register(officer, members=people)
    for serializer_class in (MemberSerializer, IndividualSerializer):
        for person in household.members.all():
            serializer = serializer_class(person, context={"show_sensitive": show_sensitive})
            generic = drf.ModelSerializer.to_representation(serializer, person)
            if not show_sensitive:
                generic["specific_needs"] = [code for code in generic["specific_needs"] if code != "SV-VA"]
            assert serializer.data == generic



def test_the_list_shows_each_household_as_the_serializer_does_without_sensitive_needs(api_for, officer):
    from casework.api.serializers import HouseholdSerializer

    people = family(3)
    people[1] = dict(people[1], specific_needs=["SV-VA", "DS-PM"], age_years=7)
    people[1].pop("date_of_birth", None)
    register(officer, members=people, phone="")
    register(officer, members=family(2), intended_destination="Lima")
    listed = api_for(officer).get(URL).json()["results"]
    households = Household.objects.order_by("-registered_at", "id").prefetch_related("members")
    expected = [HouseholdSerializer(household, context={"show_sensitive": False}).data for household in households]
    for household in expected:
        household["members"] = sorted(household["members"], key=lambda person: person["id"])
    for household in listed:
        household["members"] = sorted(household["members"], key=lambda person: person["id"])
    assert listed == expected
    assert ["DS-PM"] in [person["specific_needs"] for household in listed for person in household["members"]]
