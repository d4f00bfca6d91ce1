import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from casework import privacy, services
from casework.errors import InvalidInput, NotAllowed
from casework.models import AuditEvent, Consent, Individual
from tests.factories import member, register


def test_the_database_refuses_to_change_or_delete_audit_rows(officer):
    register(officer)
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="view")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL caminos.redacting = 'on'")
        # Even the redaction path may not touch anything but the changes.
        cursor.execute("UPDATE casework_auditevent SET actor_id = NULL WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="create").exists()


def test_user_changes_are_audited_with_before_and_after(api_for, admin_user, officer, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    response = api_for(admin_user).patch(f"/api/v1/users/{officer.pk}/", {"role": "caseworker", "sites": []},
                                         format="json")
    assert response.status_code == 200
    event = AuditEvent.objects.get(object_type="casework.user", object_id=str(officer.pk), action="update")
    assert event.actor == admin_user
    assert event.changes["role"] == {"before": "field_officer", "after": "caseworker"}
    assert event.changes["sites"] == {"before": ["TUM"], "after": []}


def test_supervisors_browse_and_filter_their_organisations_trail(client, supervisor, officer, outsider):
    household = register(officer)
    register(outsider)
    client.force_login(supervisor)
    page = client.get("/audit/", {"actor": "alicia", "object_id": str(household.pk)}).content.decode()
    assert str(household.pk)[:10] in page
    assert "carlos" not in client.get("/audit/").content.decode()


def test_the_audit_api_is_scoped_and_filterable(api_for, supervisor, officer, outsider):
    household = register(officer)
    register(outsider)
    rows = api_for(supervisor).get("/api/v1/audit/", {"object_id": str(household.pk)}).json()["results"]
    assert {row["actor"] for row in rows} == {"alicia"}
    everything = api_for(supervisor).get("/api/v1/audit/", {"page_size": 200}).json()["results"]
    assert "carlos" not in {row["actor"] for row in everything}


# --- consent ----------------------------------------------------------------------------------------

def test_sharing_needs_consent_for_that_purpose_and_withdrawal_stops_it(officer):
    household = register(officer)
    person = household.members.get(relationship_to_head="head")
    with pytest.raises(InvalidInput) as refused:
        services.require_consent(person, "data_sharing")
    assert "has not given consent" in refused.value.errors["consent"][0]
    consent = services.record_consent(actor=officer, individual=person, purposes=["data_sharing", "referral"],
                                      given_by=str(person))
    services.require_consent(person, "data_sharing")
    services.withdraw_consent(actor=officer, consent=consent)
    with pytest.raises(InvalidInput):
        services.require_consent(person, "referral")
    with pytest.raises(NotAllowed):
        services.withdraw_consent(actor=officer, consent=consent)


def test_household_consent_covers_its_members(officer):
    household = register(officer)
    services.record_consent(actor=officer, household=household, purposes=["referral"], given_by="La jefa")
    assert services.has_consent(household.members.first(), "referral")


def test_withdrawing_the_assistance_consent_is_reflected_on_the_household(officer):
    household = register(officer)
    services.withdraw_consent(actor=officer, consent=household.consents.get())
    household.refresh_from_db()
    assert household.consent_given is False
    assert AuditEvent.objects.filter(object_type="casework.consent", action="update").exists()


def test_consent_through_the_api(api_for, officer):
    household = register(officer)
    person = household.members.first()
    client = api_for(officer)
    bad = client.post("/api/v1/consents/", {"individual": str(person.pk), "purposes": [], "given_by": ""},
                      format="json")
    assert bad.status_code == 400
    created = client.post("/api/v1/consents/", {"individual": str(person.pk), "purposes": ["referral"],
                                                 "given_by": "María"}, format="json")
    assert created.status_code == 201, created.json()
    withdrawn = client.post(f"/api/v1/consents/{created.json()['id']}/withdraw/")
    assert withdrawn.json()["withdrawn_by"] == "alicia"
    assert client.post(f"/api/v1/consents/{created.json()['id']}/withdraw/").status_code == 409


def test_a_retried_consent_with_the_same_id_returns_the_first_one(api_for, officer, colleague):
    import uuid

    household = register(officer)
    person = household.members.first()
    client = api_for(officer)
    body = {"id": str(uuid.uuid4()), "individual": str(person.pk), "purposes": ["referral"], "given_by": "María"}
    first = client.post("/api/v1/consents/", body, format="json")
    retry = client.post("/api/v1/consents/", body, format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == body["id"]
    assert Consent.objects.filter(individual=person).count() == 1
    other = register(colleague).members.first()
    misused = client.post("/api/v1/consents/", body | {"individual": str(person.pk), "purposes": ["assistance"]},
                          format="json")
    assert misused.status_code == 200  # the same record asked again, whatever the body says now
    assert client.get(f"/api/v1/consents/{body['id']}/").status_code == 200
    assert api_for(colleague).get(f"/api/v1/consents/{body['id']}/").status_code == 404
    assert Consent.objects.filter(individual=other).count() == 0


def test_consent_is_recorded_and_withdrawn_in_the_web_ui(client, officer):
    household = register(officer)
    client.force_login(officer)
    page = client.get(f"/registry/{household.pk}/").content.decode()
    assert f"<title>{household.registration_number} · Caminos</title>" in page
    assert "Registrar consentimiento" in page.split("<main>")[1]
    client.post(f"/registry/{household.pk}/consent/", {"subject": "household", "purposes": ["referral"],
                                                       "given_by": "Ana"})
    consent = Consent.objects.get(purposes=["referral"])
    client.post(f"/registry/{household.pk}/consent/{consent.pk}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_by == officer


# --- sensitive fields ---------------------------------------------------------------------------

@pytest.fixture
def survivor_household(officer):
    return register(officer, members=[member(specific_needs=["SV-VA", "PG-LC"])])


def test_gbv_codes_never_appear_in_lists(api_for, supervisor, survivor_household):
    rows = api_for(supervisor).get("/api/v1/households/").json()["results"]
    assert rows[0]["members"][0]["specific_needs"] == ["PG-LC"]
    people = api_for(supervisor).get("/api/v1/individuals/").json()["results"]
    assert people[0]["specific_needs"] == ["PG-LC"]


def test_gbv_codes_reach_supervisors_and_caseworkers_of_the_owning_organisation_only(
        api_for, supervisor, caseworker, officer, survivor_household):
    path = f"/api/v1/households/{survivor_household.pk}/"
    assert api_for(supervisor).get(path).json()["members"][0]["specific_needs"] == ["PG-LC", "SV-VA"]
    assert api_for(caseworker).get(path).json()["members"][0]["specific_needs"] == ["PG-LC", "SV-VA"]
    assert api_for(officer).get(path).json()["members"][0]["specific_needs"] == ["PG-LC"]


def test_an_editor_who_cannot_see_gbv_codes_does_not_erase_them(api_for, officer, survivor_household):
    person = survivor_household.members.get()
    api_for(officer).patch(f"/api/v1/individuals/{person.pk}/", {"specific_needs": ["PG-LC", "DS-PM"]},
                           format="json")
    person.refresh_from_db()
    assert person.specific_needs == ["DS-PM", "PG-LC", "SV-VA"]


def test_filtering_by_a_gbv_code_is_only_for_cleared_readers(api_for, officer, supervisor, survivor_household):
    assert api_for(officer).get("/api/v1/households/", {"specific_need": "SV"}).json()["count"] == 0
    assert api_for(supervisor).get("/api/v1/households/", {"specific_need": "SV"}).json()["count"] == 1


def test_the_household_page_hides_gbv_codes_from_field_officers(client, officer, survivor_household):
    client.force_login(officer)
    page = client.get(f"/registry/{survivor_household.pk}/").content.decode()
    assert "PG-LC" in page and "SV-VA" not in page


# --- data-subject rights ----------------------------------------------------------------------------

def test_an_admin_exports_everything_held_on_a_person_with_who_read_it(api_for, admin_user, officer, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    household = register(officer)
    person = household.members.get(relationship_to_head="head")
    api_for(officer).get(f"/api/v1/individuals/{person.pk}/")
    document = api_for(admin_user).get(f"/api/v1/individuals/{person.pk}/subject-export/").json()
    assert document["person"]["given_name"] == "María José"
    assert document["household"]["registration_number"] == household.registration_number
    assert any(event["action"] == "view" and event["actor"] == "alicia" for event in document["audit"])
    assert "casework.consent" in document["related"] or document["household_consents"]
    assert AuditEvent.objects.filter(action="export", object_id=str(person.pk), actor=admin_user).exists()


def test_anonymising_removes_identifiers_and_keeps_what_reports_count(admin_user, officer):
    household = register(officer, phone="987654321")
    person = household.members.get(relationship_to_head="head")
    kept = (person.sex, person.date_of_birth, person.nationality, person.household_id, person.specific_needs)
    privacy.anonymise_person(actor=admin_user, individual=person)
    person.refresh_from_db()
    household.refresh_from_db()
    assert (person.sex, person.date_of_birth, person.nationality, person.household_id,
            person.specific_needs) == kept
    assert person.given_name == "Anonimizado" and person.document_number == "" and person.phone == ""
    assert household.phone == ""
    assert Individual.objects.search("maria").count() == 0
    created = AuditEvent.objects.get(object_type="casework.individual", object_id=str(person.pk), action="create")
    assert created.changes == {"redacted": True}
    assert AuditEvent.objects.filter(action="anonymise", actor=admin_user, object_id=str(person.pk)).exists()
    with pytest.raises(NotAllowed):
        privacy.anonymise_person(actor=admin_user, individual=person)


def test_the_export_follows_every_relation_to_the_person_and_household(admin_user, caseworker, officer):
    from casework import case_services

    household = register(officer)
    person = household.members.get(relationship_to_head="head")
    case_services.open_case(actor=caseworker, household=household, individual=person)
    document = privacy.export_person(actor=admin_user, individual=person)
    assert len(document["related"]["casework.case"]) == 1
    assert "casework.individual" not in document["household_related"]
    assert len(document["household_related"]["casework.consent"]) == 1
