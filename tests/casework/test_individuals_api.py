from casework.models import Individual
from tests.factories import family, member, register

URL = "/api/v1/individuals/"


def new_member(household_id, **overrides):
    body = {"household": str(household_id), "relationship_to_head": "child", "given_name": "Valeria",
            "family_name": "Pérez", "sex": "female", "age_years": 6, "nationality": "VEN",
            "document_type": "none"}
    body.update(overrides)
    return body


def test_adding_a_member_through_the_api(api_for, officer):
    household = register(officer, members=family(1))
    response = api_for(officer).post(URL, new_member(household.pk), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["date_of_birth_estimated"] is True
    assert household.members.count() == 2
    household.refresh_from_db()
    assert household.version == 2


def test_a_retried_member_create_with_the_same_id_adds_one_person(api_for, officer):
    household = register(officer, members=family(1))
    client = api_for(officer)
    body = new_member(household.pk, id="0b9c6d5e-7f10-4a1b-9c2d-3e4f5a6b7c8d")
    assert client.post(URL, body, format="json").status_code == 201
    assert client.post(URL, body, format="json").status_code == 200
    assert household.members.count() == 2


def test_a_member_cannot_be_added_to_a_household_out_of_scope(api_for, officer, outsider):
    household = register(outsider)
    response = api_for(officer).post(URL, new_member(household.pk), format="json")
    assert response.status_code == 400
    assert "household" in response.json()
    assert household.members.count() == 4


def test_a_member_update_is_versioned(api_for, officer):
    household = register(officer, members=family(2))
    person = household.members.get(relationship_to_head="spouse")
    client = api_for(officer)
    ok = client.patch(f"{URL}{person.pk}/", {"phone": "0424 555 1234", "version": 1}, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["phone"] == "+584245551234"
    stale = client.patch(f"{URL}{person.pk}/", {"phone": "", "version": 1}, format="json")
    assert stale.status_code == 409


def test_moving_a_member_to_another_household_is_not_possible_by_update(api_for, officer):
    first, second = register(officer), register(officer)
    person = first.members.get(relationship_to_head="spouse")
    api_for(officer).patch(f"{URL}{person.pk}/", {"household": str(second.pk)}, format="json")
    person.refresh_from_db()
    assert person.household_id == first.pk


def test_removing_members(api_for, officer):
    household = register(officer, members=family(2))
    client = api_for(officer)
    head = household.members.get(relationship_to_head="head")
    spouse = household.members.get(relationship_to_head="spouse")
    refused = client.delete(f"{URL}{head.pk}/")
    assert refused.status_code == 409
    assert client.delete(f"{URL}{spouse.pk}/").status_code == 204
    assert not Individual.objects.filter(pk=spouse.pk).exists()


def test_individual_filters_describe_one_person(api_for, officer):
    register(officer, members=[member(sex="female", date_of_birth=None, age_years=70)])
    client = api_for(officer)
    assert client.get(URL, {"sex": "female", "age_min": 60}).json()["count"] == 1
    assert client.get(URL, {"sex": "male", "age_min": 60}).json()["count"] == 0


def test_individuals_out_of_scope_answer_404(api_for, officer, colleague):
    person = register(colleague).members.first()
    assert api_for(officer).get(f"{URL}{person.pk}/").status_code == 404
    assert api_for(officer).delete(f"{URL}{person.pk}/").status_code == 404


def test_a_member_with_a_case_is_not_removed(api_for, officer, caseworker):
    from casework import case_services

    household = register(officer, members=family(2))
    spouse = household.members.get(relationship_to_head="spouse")
    case_services.open_case(actor=caseworker, household=household, individual=spouse)
    response = api_for(officer).delete(f"{URL}{spouse.pk}/")
    assert response.status_code == 409
    assert "cannot be removed" in response.json()["detail"] or "no se puede" in response.json()["detail"]
    assert Individual.objects.filter(pk=spouse.pk).exists()
