import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.models import Case, Household, Individual, Organisation, Site, User
from distributions.models import Receipt
from reporting.models import Activity, RollupRow


def test_seed_demo_loads_demo_data_and_is_idempotent(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (Organisation.objects.count(), Site.objects.count(), User.objects.count(), Household.objects.count(),
              Individual.objects.count(), Receipt.objects.count(), Case.objects.count(), RollupRow.objects.count())
    assert counts[5:7] == (60, 8) and counts[7] > 0
    assert RollupRow.objects.filter(indicator__code="PR-01").exists()  # the demo cases' legal orientation
    assert Household.objects.count() == 300
    assert set(User.objects.values_list("role", flat=True)) == {
        "field_officer", "caseworker", "supervisor", "partner_agency", "me_officer", "admin"}
    assert set(Site.objects.values_list("code", flat=True)) == {"TUM", "TAC", "LIM"}
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts == (Organisation.objects.count(), Site.objects.count(), User.objects.count(),
                      Household.objects.count(), Individual.objects.count(), Receipt.objects.count(),
                      Case.objects.count(), RollupRow.objects.count())
    assert Activity.objects.filter(source_type="case").count() == 8


def test_add_organisation_creates_then_updates(db):
    call_command("add_organisation", "encuentros", "--name", "Encuentros SJM", "--kind", "national_ngo")
    call_command("add_organisation", "ENCUENTROS", "--name", "Encuentros Servicio Jesuita", "--kind",
                 "community_based")
    organisation = Organisation.objects.get(code="ENCUENTROS")
    assert organisation.name == "Encuentros Servicio Jesuita"
    assert organisation.kind == "community_based"


def test_add_organisation_refuses_an_unknown_kind(db):
    with pytest.raises(CommandError):
        call_command("add_organisation", "X", "--name", "X", "--kind", "company")


def test_add_user_takes_the_password_from_the_environment(oim, tumbes, tacna, monkeypatch):
    monkeypatch.setenv("CAMINOS_PASSWORD", "una-clave-bastante-larga")
    call_command("add_user", "rquispe", "--role", "field_officer", "--organisation", "oim", "--sites", "TUM,TAC")
    user = User.objects.get(username="rquispe")
    assert user.role == "field_officer" and user.organisation == oim
    assert set(user.sites.values_list("code", flat=True)) == {"TUM", "TAC"}
    assert user.check_password("una-clave-bastante-larga")
    monkeypatch.delenv("CAMINOS_PASSWORD")
    call_command("add_user", "rquispe", "--role", "caseworker", "--organisation", "OIM", "--sites", "TAC")
    user.refresh_from_db()
    assert user.role == "caseworker"
    assert list(user.sites.values_list("code", flat=True)) == ["TAC"]
    assert user.check_password("una-clave-bastante-larga")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--role", "field_officer", "--organisation", "NOPE"], "No organisation"),
        (["--role", "field_officer", "--organisation", "OIM", "--sites", "TUM,XXX"], "Unknown site"),
    ],
)
def test_add_user_refuses_unknown_references(oim, tumbes, monkeypatch, arguments, message):
    monkeypatch.setenv("CAMINOS_PASSWORD", "una-clave-bastante-larga")
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "nuevo", *arguments)
    assert not User.objects.filter(username="nuevo").exists()


def test_add_user_refuses_a_weak_password(oim, monkeypatch):
    monkeypatch.setenv("CAMINOS_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("add_user", "debil", "--role", "supervisor", "--organisation", "OIM")
    assert not User.objects.filter(username="debil").exists()


def test_add_user_prompts_for_the_password_when_the_environment_has_none(oim, monkeypatch):
    monkeypatch.delenv("CAMINOS_PASSWORD", raising=False)
    answers = iter(["otra-clave-bastante-larga", "otra-clave-bastante-larga"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("add_user", "lperez", "--role", "supervisor", "--organisation", "OIM")
    assert User.objects.get(username="lperez").check_password("otra-clave-bastante-larga")


def test_add_user_refuses_a_prompted_password_typed_differently_twice(oim, monkeypatch):
    monkeypatch.delenv("CAMINOS_PASSWORD", raising=False)
    answers = iter(["otra-clave-bastante-larga", "otra-clave-bastante-larg"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="do not match"):
        call_command("add_user", "lperez", "--role", "supervisor", "--organisation", "OIM")
    assert not User.objects.filter(username="lperez").exists()
