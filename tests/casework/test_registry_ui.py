import pytest

from casework.models import AuditEvent, Household
from tests.factories import family, register


def form_data(members, **household):
    data = {
        "site": household.get("site", ""), "population_type": "in_transit", "phone": "987 654 321",
        "intended_destination": "Lima", "consent_given": "on", "registered_on": "",
        "members-TOTAL_FORMS": str(len(members)), "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1", "members-MAX_NUM_FORMS": "1000",
    }
    data.update({key: value for key, value in household.items() if key != "site"})
    for index, person in enumerate(members):
        for name, value in person.items():
            data[f"members-{index}-{name}"] = value
    return data


def person(**overrides):
    data = {"relationship_to_head": "head", "given_name": "Génesis", "family_name": "Marcano Gil",
            "sex": "female", "date_of_birth": "1995-04-02", "age_years": "", "nationality": "VEN",
            "document_type": "cedula_ve", "document_number": "V-25.333.444", "phone": ""}
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def test_pages_need_a_signed_in_user(client, db):
    response = client.get("/registry/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_in_spanish_by_default(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "Iniciar sesión" in page
    assert 'lang="es"' in page


def test_the_language_switch_shows_english(signed_in):
    signed_in.post("/i18n/setlang/", {"language": "en", "next": "/registry/"})
    assert "Register a household" in signed_in.get("/registry/").content.decode()


def test_an_officer_registers_a_family_in_one_page(signed_in, tumbes):
    members = [person(), person(relationship_to_head="child", given_name="Mateo", sex="male",
                                date_of_birth="", age_years="3", document_type="none", document_number="")]
    response = signed_in.post("/registry/new/", form_data(members, site=tumbes.pk))
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registry/{household.pk}/"
    assert household.members.count() == 2
    detail = signed_in.get(response["Location"]).content.decode()
    assert household.registration_number in detail
    assert "registrado" in detail  # the success message, in Spanish


def test_a_removed_row_is_not_registered(signed_in, tumbes):
    members = [person(), person(relationship_to_head="child", given_name="Borrado", DELETE="on")]
    signed_in.post("/registry/new/", form_data(members, site=tumbes.pk))
    assert list(Household.objects.get().members.values_list("given_name", flat=True)) == ["Génesis"]


def test_errors_are_shown_beside_the_fields_and_nothing_is_saved(signed_in, tumbes):
    members = [person(date_of_birth="2099-01-01"), person(relationship_to_head="head", given_name="Otro",
                                                          document_number="")]
    response = signed_in.post("/registry/new/", form_data(members, site=tumbes.pk))
    page = response.content.decode()
    assert response.status_code == 400
    assert "No se guardó nada" in page
    assert "futuro" in page
    assert "exactamente un jefe" in page
    assert not Household.objects.exists()


def test_an_officer_cannot_register_at_a_site_they_do_not_work_at(signed_in, tacna):
    response = signed_in.post("/registry/new/", form_data([person()], site=tacna.pk))
    assert response.status_code == 400
    assert not Household.objects.exists()


def test_the_registry_page_searches_and_filters(signed_in, officer):
    wanted = register(officer)
    page = signed_in.get("/registry/", {"search": "maria jose"}).content.decode()
    assert wanted.registration_number in page
    page = signed_in.get("/registry/", {"search": "nobody-like-this"}).content.decode()
    assert wanted.registration_number not in page


def test_editing_a_household_with_a_stale_form_is_refused(signed_in, officer):
    household = register(officer, members=family(1))
    head = household.members.get()
    row = person(id=str(head.pk), given_name=head.given_name, document_number=head.document_number)
    data = form_data([row], site=household.site.pk, version="1", intended_destination="Tacna")
    data["members-INITIAL_FORMS"] = "1"
    assert signed_in.post(f"/registry/{household.pk}/edit/", data).status_code == 302
    household.refresh_from_db()
    assert household.intended_destination == "Tacna"
    data["intended_destination"] = "Cusco"
    again = signed_in.post(f"/registry/{household.pk}/edit/", data)
    assert again.status_code == 409
    assert "cambiado" in again.content.decode()
    household.refresh_from_db()
    assert household.intended_destination == "Tacna"


def test_opening_a_household_page_is_audited_with_who_and_from_where(signed_in, officer):
    household = register(officer)
    signed_in.get(f"/registry/{household.pk}/", HTTP_X_REQUEST_ID="req-ui-1", REMOTE_ADDR="10.9.8.7")
    event = AuditEvent.objects.get(action="view", object_id=str(household.pk))
    assert (event.actor, event.request_id, event.ip_address) == (officer, "req-ui-1", "10.9.8.7")


def test_households_out_of_scope_answer_404(signed_in, colleague):
    household = register(colleague)
    assert signed_in.get(f"/registry/{household.pk}/").status_code == 404
    assert signed_in.get(f"/registry/{household.pk}/edit/").status_code == 404


def test_partners_cannot_open_the_registry(client, partner):
    client.force_login(partner)
    assert client.get("/registry/").status_code == 403
    assert client.get("/").status_code == 200
