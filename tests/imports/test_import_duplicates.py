import copy
import datetime
import json
from pathlib import Path

import pytest

from casework.models import Household
from imports import services
from imports.models import ImportBatch, StagedRow
from tests.factories import UserFactory, member, register
from tests.imports.test_imports_api import upload, workbook_bytes

pytestmark = pytest.mark.django_db
SUBMISSION = json.loads((Path(__file__).parent / "fixtures" / "kobo_submission.json").read_text())


def one_family(key, given, family, born, document="", document_type="none", phone=""):
    return ([key, "in_transit", phone, "Lima", "yes", ""],
            [key, "head", given, family, "female", born, "", "VEN", document_type, document, "", ""])


def batch_of(*families):
    return workbook_bytes([household for household, _member in families], [person for _h, person in families])


def rows_of(client, batch, **params):
    return client.get(f"/api/v1/imports/batches/{batch['id']}/rows/", params).json()["results"]


@pytest.mark.parametrize("chunk", [1000, 1], ids=["one chunk", "a chunk per row"])
def test_the_same_family_twice_in_a_file_is_flagged_on_both_rows(api_for, officer, supervisor, monkeypatch, chunk):
    # With a chunk per row the earlier row is written before the later one finds it.
    monkeypatch.setattr(services, "VALIDATION_CHUNK", chunk)
    content = batch_of(one_family("H1", "Yelitza", "Rondón Mejías", "1988-02-14", phone="987654321"),
                       one_family("H2", "Pedro", "Soto", "1975-03-04"),
                       one_family("H3", "Yelitza", "Rondon Mejias", "1988-02-14", phone="987 654 321"))
    batch = upload(api_for(officer), content).json()
    assert batch["counts"]["with_duplicates"] == 2
    client = api_for(supervisor)
    first, second, third = rows_of(client, batch)
    assert second["duplicates"] == []
    [flag] = first["duplicates"]
    assert flag["kind"] == "batch" and flag["row"] == third["row_number"] and flag["row_id"] == third["id"]
    assert {reason["code"] for reason in flag["reasons"]} >= {"birth_date_same", "phone_same"}
    assert third["duplicates"][0]["row_id"] == first["id"]
    assert [row["id"] for row in rows_of(client, batch, with_duplicates=1)] == [first["id"], third["id"]]


def test_strangers_who_share_a_common_name_are_not_flagged(api_for, officer):
    content = batch_of(one_family("H1", "María", "González", "1990-05-17"),
                       one_family("H2", "María", "González", "1961-11-02"))
    batch = upload(api_for(officer), content).json()
    assert batch["counts"]["with_duplicates"] == 0


def test_a_person_already_registered_is_flagged_with_their_registration_number(api_for, officer, supervisor):
    household = register(officer, members=[member(given_name="Yelitza", family_name="Rondón Mejías",
                                                   date_of_birth=datetime.date(1988, 2, 14),
                                                   document_number="V18765432")])
    content = batch_of(one_family("H1", "Yelitza", "Rondon Mejias", "1988-02-14", "V-18.765.432", "cedula_ve"))
    batch = upload(api_for(officer), content).json()
    [row] = rows_of(api_for(supervisor), batch)
    [flag] = row["duplicates"]
    assert flag["kind"] == "registry" and flag["registration_number"] == household.registration_number
    assert flag["household"] == str(household.pk) and flag["site"] == "TUM"
    assert "document_same" in {reason["code"] for reason in flag["reasons"]}


def test_matches_in_another_organisation_are_a_count_and_nothing_more(api_for, officer, supervisor, outsider):
    register(outsider, members=[member(given_name="Yelitza", family_name="Rondón Mejías",
                                       date_of_birth=datetime.date(1988, 2, 14), document_number="V18765432")])
    content = batch_of(one_family("H1", "Yelitza", "Rondón Mejías", "1988-02-14"))
    batch = upload(api_for(officer), content).json()
    [row] = rows_of(api_for(supervisor), batch)
    assert row["duplicates"] == [{"member": 0, "kind": "elsewhere", "count": 1}]
    assert "Rondón" not in json.dumps(row["duplicates"])


@pytest.mark.parametrize("chunk", [1000, 1], ids=["one chunk", "a chunk per row"])
def test_one_document_in_two_rows_is_an_error_on_the_later_row_and_blocks_the_merge(api_for, officer, supervisor,
                                                                                    monkeypatch, chunk):
    monkeypatch.setattr(services, "VALIDATION_CHUNK", chunk)
    content = batch_of(one_family("H1", "Ana", "Rojas", "1990-01-02", "V7070707", "cedula_ve"),
                       one_family("H2", "Ana María", "Rojas Paz", "1990-01-02", "V-7070707", "cedula_ve"))
    batch = upload(api_for(officer), content).json()
    assert batch["counts"]["with_errors"] == 1
    client = api_for(supervisor)
    first, second = rows_of(client, batch)
    assert first["errors"] == {}
    # Stored in the uploader's language (Spanish for the demo officer).
    assert "fila 2" in second["errors"]["members"][0]["document_number"][0]
    assert client.post(f"/api/v1/imports/batches/{batch['id']}/merge/").status_code == 400
    assert Household.objects.count() == 0


def test_dropping_a_row_takes_away_the_flags_that_point_at_it(api_for, officer, supervisor):
    content = batch_of(one_family("H1", "Yelitza", "Rondón Mejías", "1988-02-14"),
                       one_family("H2", "Yelitza", "Rondón Mejías", "1988-02-14"))
    batch = upload(api_for(officer), content).json()
    client = api_for(supervisor)
    first, second = rows_of(client, batch)
    dropped = client.post(f"/api/v1/imports/batches/{batch['id']}/rows/{second['id']}/drop/").json()
    assert dropped["duplicates"] == []
    assert rows_of(client, batch)[0]["duplicates"] == []
    assert client.get(f"/api/v1/imports/batches/{batch['id']}/").json()["counts"]["with_duplicates"] == 0


def test_editing_a_row_into_someone_else_flags_both(api_for, officer, supervisor):
    content = batch_of(one_family("H1", "Yelitza", "Rondón Mejías", "1988-02-14"),
                       one_family("H2", "Pedro", "Soto", "1975-03-04"))
    batch = upload(api_for(officer), content).json()
    client = api_for(supervisor)
    first, second = rows_of(client, batch)
    assert first["duplicates"] == [] and second["duplicates"] == []
    changed = client.patch(f"/api/v1/imports/batches/{batch['id']}/rows/{second['id']}/", {
        "members": [dict(second["members"][0], given_name="Yelitza", family_name="Rondón Mejías",
                         date_of_birth="1988-02-14")]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["duplicates"][0]["row_id"] == first["id"]
    assert rows_of(client, batch)[0]["duplicates"][0]["row_id"] == second["id"]


def test_a_second_kobo_submission_of_the_same_family_is_flagged(client, admin_user, tumbes):
    source = services.create_source(actor=admin_user, name="Kobo CEBAF", kind="kobo", site=tumbes)
    url = f"/api/v1/imports/kobo/{source.pk}/?token={source.token}"
    assert client.post(url, SUBMISSION, content_type="application/json").status_code == 201
    again = copy.deepcopy(SUBMISSION)
    again["_id"], again["_uuid"] = 412345679, "9a9a9a9a-5b1d-4c8a-9e7f-0a1b2c3d4e5f"
    again["meta/instanceID"] = f"uuid:{again['_uuid']}"
    for person in again["members"]:
        person.pop("members/document_number", None)
        person["members/document_type"] = "none"
    response = client.post(url, again, content_type="application/json")
    assert response.status_code == 201, response.json()
    first, second = StagedRow.objects.order_by("row_number")
    assert {flag["row_id"] for flag in second.duplicates} == {str(first.pk)}
    assert {flag["row_id"] for flag in first.duplicates} == {str(second.pk)}
    assert {flag["member"] for flag in second.duplicates} == {0, 1, 2, 3, 4}


def test_revalidating_gives_the_same_flags(api_for, officer):
    content = batch_of(one_family("H1", "Yelitza", "Rondón Mejías", "1988-02-14"),
                       one_family("H2", "Yelitza", "Rondón Mejías", "1988-02-14"))
    batch = upload(api_for(officer), content).json()
    before = list(StagedRow.objects.order_by("row_number").values_list("duplicates", flat=True))
    services.validate_batch(batch["id"])
    assert list(StagedRow.objects.order_by("row_number").values_list("duplicates", flat=True)) == before
    assert ImportBatch.objects.get(pk=batch["id"]).status == "validated"


def test_a_document_already_registered_is_a_row_error_naming_the_household(api_for, officer, supervisor):
    household = register(officer, members=[member(document_number="V4040404")])
    content = batch_of(one_family("H1", "Pedro", "Soto", "1975-03-04"),
                       one_family("H2", "Ana", "Rojas", "1990-01-02", "V-4040404", "cedula_ve"))
    batch = upload(api_for(officer), content).json()
    first, second = rows_of(api_for(supervisor), batch)
    assert first["errors"] == {}
    assert household.registration_number in second["errors"]["members"][0]["document_number"][0]


def test_validating_a_large_batch_costs_a_few_queries_per_thousand_rows(officer, django_assert_max_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    families = [one_family(f"H{n}", "Ana", f"Rojas{n}", "1990-01-02", f"V{8_000_000 + n}", "cedula_ve")
                for n in range(150)]
    with django_assert_max_num_queries(30):
        batch, _created = services.stage_upload(
            actor=officer, upload=SimpleUploadedFile("r.xlsx", batch_of(*families)), site=officer.sites.first())
    assert batch.status == "validated" and batch.total_rows == 150
    assert not StagedRow.objects.exclude(errors={}).exists()


def test_a_merge_in_chunks_registers_every_row_in_order(api_for, officer, supervisor, monkeypatch):
    monkeypatch.setattr(services, "VALIDATION_CHUNK", 2)
    content = batch_of(*[one_family(f"H{n}", "Ana", f"Rojas{n}", "1990-01-02", f"V{7_100_000 + n}", "cedula_ve")
                         for n in range(5)])
    batch = upload(api_for(officer), content).json()
    assert api_for(supervisor).post(f"/api/v1/imports/batches/{batch['id']}/merge/").status_code == 200
    linked = StagedRow.objects.order_by("row_number").values_list("household__registration_number", flat=True)
    assert [number[-6:] for number in linked] == [f"{n:06d}" for n in range(1, 6)]
