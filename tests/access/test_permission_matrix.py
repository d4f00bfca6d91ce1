"""Every role × resource × action through the API, written out by hand (not read from the policy),
including attempts on another organisation's records, which answer 404."""
import pytest

from tests.factories import member, register

ROLES = ["field_officer", "caseworker", "supervisor", "partner_agency", "me_officer", "admin"]
REGISTRARS = {"field_officer", "caseworker", "supervisor"}
READERS = REGISTRARS | {"admin"}

# (resource, action) -> roles allowed. Anything else must be refused (403, or 405 where no role may).
MATRIX = {
    ("household", "list"): READERS,
    ("household", "retrieve"): READERS,
    ("household", "create"): REGISTRARS,
    ("household", "update"): REGISTRARS,
    ("household", "delete"): set(),
    ("individual", "list"): READERS,
    ("individual", "retrieve"): READERS,
    ("individual", "create"): REGISTRARS,
    ("individual", "update"): REGISTRARS,
    ("individual", "delete"): REGISTRARS,
    ("individual", "subject-export"): {"admin"},
    ("individual", "anonymise"): {"admin"},
    ("consent", "list"): READERS,
    ("consent", "create"): REGISTRARS,
    ("consent", "withdraw"): REGISTRARS,
    ("audit", "list"): {"supervisor", "admin"},
    ("user", "list"): {"admin"},
    ("user", "create"): {"admin"},
    ("user", "update"): {"admin"},
    ("token", "list"): {"admin"},
    ("organisation", "list"): set(ROLES),
    ("organisation", "create"): {"admin"},
    ("site", "list"): set(ROLES),
    ("site", "update"): {"admin"},
    ("location", "list"): set(ROLES),
    ("me", "retrieve"): set(ROLES),
    ("case", "list"): REGISTRARS,
    ("case", "create"): REGISTRARS,
    ("referral", "list"): {"caseworker", "supervisor", "partner_agency"},
    ("receipt", "list"): READERS,
    ("distribution_round", "list"): READERS | {"me_officer"},
    ("stock", "list"): READERS | {"me_officer"},
    ("commodity", "list"): set(ROLES),
    ("service", "list"): set(ROLES),
    ("indicator", "list"): set(ROLES),
    ("report", "summary"): {"supervisor", "me_officer"},
    ("report", "export"): {"supervisor", "me_officer"},
}


@pytest.fixture
def people(oim, tumbes, officer, caseworker, supervisor, partner, me_officer, admin_user, settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    return {
        "field_officer": officer, "caseworker": caseworker, "supervisor": supervisor,
        "partner_agency": partner, "me_officer": me_officer, "admin": admin_user,
    }


def attempt(client, resource, action, household, officer):
    """Make the request for (resource, action); returns the response."""
    person = household.members.get(relationship_to_head="spouse")
    consent = household.consents.first()
    new_member = {"household": str(household.pk), "relationship_to_head": "child", "given_name": "Nuevo",
                  "family_name": "Hijo", "sex": "male", "age_years": 2, "nationality": "VEN", "document_type": "none"}
    body = {"site": "TUM", "population_type": "in_transit", "consent_given": True, "members": [
        {"relationship_to_head": "head", "given_name": "Ana", "family_name": "Díaz", "sex": "female",
         "date_of_birth": "1990-01-01", "nationality": "VEN", "document_type": "none"}]}
    requests = {
        ("household", "list"): lambda: client.get("/api/v1/households/"),
        ("household", "retrieve"): lambda: client.get(f"/api/v1/households/{household.pk}/"),
        ("household", "create"): lambda: client.post("/api/v1/households/", body, format="json"),
        ("household", "update"): lambda: client.patch(f"/api/v1/households/{household.pk}/",
                                                      {"intended_destination": "Lima"}, format="json"),
        ("household", "delete"): lambda: client.delete(f"/api/v1/households/{household.pk}/"),
        ("individual", "list"): lambda: client.get("/api/v1/individuals/"),
        ("individual", "retrieve"): lambda: client.get(f"/api/v1/individuals/{person.pk}/"),
        ("individual", "create"): lambda: client.post("/api/v1/individuals/", new_member, format="json"),
        ("individual", "update"): lambda: client.patch(f"/api/v1/individuals/{person.pk}/", {"phone": ""},
                                                       format="json"),
        ("individual", "delete"): lambda: client.delete(f"/api/v1/individuals/{person.pk}/"),
        ("individual", "subject-export"): lambda: client.get(f"/api/v1/individuals/{person.pk}/subject-export/"),
        ("individual", "anonymise"): lambda: client.post(f"/api/v1/individuals/{person.pk}/anonymise/"),
        ("consent", "list"): lambda: client.get("/api/v1/consents/"),
        ("consent", "create"): lambda: client.post("/api/v1/consents/", {
            "individual": str(person.pk), "purposes": ["referral"], "given_by": "José"}, format="json"),
        ("consent", "withdraw"): lambda: client.post(f"/api/v1/consents/{consent.pk}/withdraw/"),
        ("audit", "list"): lambda: client.get("/api/v1/audit/"),
        ("user", "list"): lambda: client.get("/api/v1/users/"),
        ("user", "create"): lambda: client.post("/api/v1/users/", {
            "username": "nueva", "role": "field_officer", "sites": ["TUM"], "password": "una-clave-muy-larga"},
            format="json"),
        ("user", "update"): lambda: client.patch(f"/api/v1/users/{officer.pk}/", {"first_name": "Ali"},
                                                 format="json"),
        ("token", "list"): lambda: client.get("/api/v1/tokens/"),
        ("organisation", "list"): lambda: client.get("/api/v1/organisations/"),
        ("organisation", "create"): lambda: client.post("/api/v1/organisations/", {
            "code": "NUEVA", "name": "Nueva ONG", "kind": "national_ngo"}, format="json"),
        ("site", "list"): lambda: client.get("/api/v1/sites/"),
        ("site", "update"): lambda: client.patch("/api/v1/sites/TUM/", {"name": "CEBAF"}, format="json"),
        ("location", "list"): lambda: client.get("/api/v1/locations/"),
        ("me", "retrieve"): lambda: client.get("/api/v1/users/me/"),
        ("case", "list"): lambda: client.get("/api/v1/cases/"),
        ("case", "create"): lambda: client.post("/api/v1/cases/", {"household": str(household.pk)}, format="json"),
        ("referral", "list"): lambda: client.get("/api/v1/referrals/"),
        ("receipt", "list"): lambda: client.get("/api/v1/distributions/"),
        ("distribution_round", "list"): lambda: client.get("/api/v1/distribution-rounds/"),
        ("stock", "list"): lambda: client.get("/api/v1/stock/"),
        ("commodity", "list"): lambda: client.get("/api/v1/commodities/"),
        ("service", "list"): lambda: client.get("/api/v1/services/"),
        ("indicator", "list"): lambda: client.get("/api/v1/indicators/"),
        ("report", "summary"): lambda: client.get("/api/v1/reports/summary/", {"year": 2026}),
        ("report", "export"): lambda: client.get("/api/v1/reports/5w.csv", {"period": "2026-10"}),
    }
    return requests[(resource, action)]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("resource", "action"), list(MATRIX))
def test_each_role_may_do_exactly_what_the_matrix_says(people, api_for, role, resource, action):
    household = register(people["field_officer"], members=[member(), member(
        relationship_to_head="spouse", given_name="José", sex="male")])
    response = attempt(api_for(people[role]), resource, action, household, people["field_officer"])
    allowed = role in MATRIX[(resource, action)]
    if allowed:
        assert response.status_code < 300, (role, resource, action, response.status_code, response.content[:300])
    else:
        assert response.status_code in {403, 405}, (role, resource, action, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_records_of_another_organisation_answer_404_or_are_refused_outright(people, api_for, outsider, role):
    theirs = register(outsider, members=[member(), member(relationship_to_head="spouse", given_name="José",
                                                         sex="male")])
    person = theirs.members.get(relationship_to_head="spouse")
    client = api_for(people[role])
    paths = [
        ("get", f"/api/v1/households/{theirs.pk}/"),
        ("patch", f"/api/v1/households/{theirs.pk}/"),
        ("get", f"/api/v1/individuals/{person.pk}/"),
        ("patch", f"/api/v1/individuals/{person.pk}/"),
        ("delete", f"/api/v1/individuals/{person.pk}/"),
        ("get", f"/api/v1/individuals/{person.pk}/subject-export/"),
        ("post", f"/api/v1/individuals/{person.pk}/anonymise/"),
        ("get", f"/api/v1/consents/{theirs.consents.get().pk}/"),
        ("get", f"/api/v1/users/{outsider.pk}/"),
        ("patch", f"/api/v1/users/{outsider.pk}/"),
    ]
    for method, path in paths:
        response = getattr(client, method)(path, {}, format="json")
        # 404 where the role may do this to its own organisation's records; 403 where it may not at all.
        assert response.status_code in {403, 404}, (role, method, path, response.status_code)
    theirs.refresh_from_db()
    assert theirs.members.count() == 2


def test_cross_organisation_reads_by_a_registry_role_are_404(api_for, officer, supervisor, admin_user, outsider,
                                                            settings):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    theirs = register(outsider)
    for user in (officer, supervisor, admin_user):
        assert api_for(user).get(f"/api/v1/households/{theirs.pk}/").status_code == 404


def test_the_web_ui_follows_the_same_policy(client, partner, me_officer, officer, supervisor):
    household = register(officer)
    for user, registry, audit_page in ((partner, 403, 403), (me_officer, 403, 403), (officer, 200, 403),
                                       (supervisor, 200, 200)):
        client.force_login(user)
        assert client.get("/registry/").status_code == registry
        assert client.get(f"/registry/{household.pk}/").status_code in ({registry} if registry == 403 else {200})
        assert client.get("/audit/").status_code == audit_page
