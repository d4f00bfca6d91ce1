"""The imports pages: officers upload and follow; supervisors review, correct, drop, merge, refuse."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.models import Household
from imports import services
from imports.models import ImportBatch, StagedRow
from tests.imports.test_imports_api import good_file, workbook_bytes

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in


def post_file(client, content, site, name="registro.xlsx"):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, content, XLSX), "site": site.pk},
                       HTTP_ACCEPT_LANGUAGE="es")


def one_bad_row():
    return workbook_bytes(
        [["H1", "in_transit", "", "", "yes", ""], ["H2", "in_transit", "", "", "yes", ""]],
        [["H1", "head", "Ana", "Rojas", "female", "1990-01-02", "", "VEN", "cedula_ve", "V6060606", "", ""],
         ["H2", "head", "Eva", "Paz", "woman", "1991-01-02", "", "VEN", "none", "", "", ""]])


def test_the_top_bar_links_to_imports_and_the_page_offers_the_templates(signed_in, officer, partner):
    html = signed_in(officer).get("/imports/").content.decode()
    assert 'href="/imports/"' in html and "/api/v1/imports/template.xlsx" in html
    assert signed_in(partner).get("/imports/").status_code == 403


def test_an_officer_uploads_and_sees_the_counts_but_not_the_rows(signed_in, officer, tumbes):
    client = signed_in(officer)
    response = post_file(client, good_file(), tumbes)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    page = client.get(f"/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="count-total">2<' in page and "Un supervisor revisa" in page
    assert "Ana" not in page
    assert client.post(f"/imports/{batch.pk}/merge/").status_code == 403
    assert not Household.objects.exists()


def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_kept(signed_in, officer, tumbes):
    response = post_file(signed_in(officer), b"%PDF-1.4", tumbes, name="scan.pdf")
    assert response.status_code == 400
    assert "no es una hoja de cálculo" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_supervisor_sees_the_errors_drops_the_bad_row_and_merges(signed_in, officer, supervisor, tumbes,
                                                                   django_assert_max_num_queries):
    post_file(signed_in(officer), one_bad_row(), tumbes)
    batch = ImportBatch.objects.get()
    client = signed_in(supervisor)
    with django_assert_max_num_queries(20):
        page = client.get(f"/imports/{batch.pk}/?only=errors", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Eva" in page and "Ana" not in page
    bad = StagedRow.objects.exclude(errors={}).get()
    assert client.post(f"/imports/{batch.pk}/rows/{bad.pk}/drop/").status_code == 302
    response = client.post(f"/imports/{batch.pk}/merge/", follow=True, HTTP_ACCEPT_LANGUAGE="es")
    assert "Lote incorporado: 1 hogares registrados" in response.content.decode()
    assert ImportBatch.objects.get().status == "merged"
    assert Household.objects.count() == 1


def test_a_supervisor_corrects_a_row(signed_in, officer, supervisor, tumbes):
    post_file(signed_in(officer), one_bad_row(), tumbes)
    batch = ImportBatch.objects.get()
    bad = StagedRow.objects.exclude(errors={}).get()
    client = signed_in(supervisor)
    form = client.get(f"/imports/{batch.pk}/rows/{bad.pk}/").content.decode()
    assert 'name="member-0-sex" value="woman"' in form
    fields = {f"household-{name}": value for name, value in bad.data["household"].items()}
    fields.update({f"member-0-{name}": value for name, value in bad.data["members"][0].items()})
    still_bad = client.post(f"/imports/{batch.pk}/rows/{bad.pk}/", fields)
    assert still_bad.status_code == 400
    fields["member-0-sex"] = "female"
    assert client.post(f"/imports/{batch.pk}/rows/{bad.pk}/", fields).status_code == 302
    bad.refresh_from_db()
    assert bad.errors == {} and bad.data["members"][0]["sex"] == "female"


def test_a_refused_batch_can_no_longer_be_merged(signed_in, officer, supervisor, tumbes):
    post_file(signed_in(officer), good_file(), tumbes)
    batch = ImportBatch.objects.get()
    client = signed_in(supervisor)
    client.post(f"/imports/{batch.pk}/refuse/")
    response = client.post(f"/imports/{batch.pk}/merge/", follow=True)
    assert ImportBatch.objects.get().status == "refused" and not Household.objects.exists()
    assert response.status_code == 200


def test_the_progress_fragment_polls_while_the_rows_are_checked(signed_in, officer, tumbes):
    post_file(signed_in(officer), good_file(), tumbes)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status="received", processed_rows=1)
    fragment = signed_in(officer).get(f"/imports/{batch.pk}/progress/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "1 de 2" in fragment


def test_the_page_follows_a_merge_handed_to_a_worker_until_it_is_done_or_stops(signed_in, officer, supervisor,
                                                                              tumbes, settings):
    from django.utils import timezone

    post_file(signed_in(officer), good_file(), tumbes)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(merge_requested_at=timezone.now())  # what a queued merge sets
    client = signed_in(supervisor)
    page = client.get(f"/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'hx-trigger="every 2s"' in page and "Registrando 2 hogares" in page
    assert 'id="merge"' not in page  # not asked twice while the worker has it
    asked_at = ImportBatch.objects.get().merge_requested_at
    settings.IMPORT_SYNC_ROWS = 0  # a batch large enough for a worker
    again, queued = services.request_merge(actor=supervisor, batch=ImportBatch.objects.get())  # a retried POST
    assert queued and again.merge_requested_at == asked_at  # the merge it waits for, not a second one
    ImportBatch.objects.filter(pk=batch.pk).update(error="La fila 2 ya no puede registrarse.")
    fragment = client.get(f"/imports/{batch.pk}/progress/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "every 2s" not in fragment and "La incorporación se detuvo." in fragment
    page = client.get(f"/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "La fila 2 ya no puede registrarse." in page and 'id="merge"' in page
    ImportBatch.objects.filter(pk=batch.pk).update(error="", status="merged")
    fragment = client.get(f"/imports/{batch.pk}/progress/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "every 2s" not in fragment and "Incorporado." in fragment


def test_another_organisations_batch_is_404(signed_in, officer, tumbes, other_org):
    from tests.factories import UserFactory

    post_file(signed_in(officer), good_file(), tumbes)
    batch = ImportBatch.objects.get()
    theirs = UserFactory(username="otra_sup", role="supervisor", organisation=other_org)
    assert signed_in(theirs).get(f"/imports/{batch.pk}/").status_code == 404
