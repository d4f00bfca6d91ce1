"""The registration form shows likely matches; supervisors work the queue in the browser UI."""
import datetime

import pytest

from casework import duplicates
from casework.models import Individual, SuspectedDuplicate
from tests.factories import member, register

BORN = datetime.date(1990, 5, 17)


def solo(officer, **overrides):
    fields = {"given_name": "María José", "family_name": "Pérez González", "date_of_birth": BORN} | overrides
    return register(officer, members=[member(**fields)]).members.get()


@pytest.mark.django_db
def test_the_form_row_shows_the_likely_match_and_why(client, officer):
    existing = solo(officer)
    client.force_login(officer)
    page = client.get("/registry/new/").content.decode()
    assert "data-duplicate-check" in page and "data-member-matches" in page
    response = client.post("/registry/duplicates/check/", {
        "members-0-given_name": "Maria", "members-0-family_name": "Gonzalez Perez",
        "members-0-date_of_birth": "1990-05-17", "members-0-sex": "female"})
    html = response.content.decode()
    assert existing.household.registration_number in html
    assert "misma fecha de nacimiento" in html or "same date of birth" in html
    # Half-typed rows answer nothing rather than an error.
    assert client.post("/registry/duplicates/check/", {"members-0-given_name": "M"}).content.strip() == b""


@pytest.mark.django_db
def test_a_supervisor_merges_then_undoes_from_the_queue(client, officer, colleague, supervisor):
    keep, fold = solo(officer), solo(colleague, document_type="none")
    duplicates.scan_registry()
    pair = SuspectedDuplicate.objects.get()
    client.force_login(officer)
    assert client.get("/registry/duplicates/").status_code == 403
    client.force_login(supervisor)
    page = client.get("/registry/duplicates/").content.decode()
    assert keep.household.registration_number in page and fold.household.registration_number in page
    client.post(f"/registry/duplicates/{pair.pk}/merge/", {"survivor": str(keep.pk)})
    assert not Individual.objects.filter(pk=fold.pk).exists()
    merge = keep.merges_received.get()
    client.post(f"/registry/merges/{merge.pk}/undo/")
    assert Individual.objects.filter(pk=fold.pk).exists()
    client.post(f"/registry/duplicates/{pair.pk}/not-same/")
    assert SuspectedDuplicate.objects.get().status == "not_same"
    assert "No possible duplicates" in client.get("/registry/duplicates/").content.decode() or \
        "No hay" in client.get("/registry/duplicates/").content.decode()
