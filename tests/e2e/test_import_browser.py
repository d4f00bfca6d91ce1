import re

import pytest
from playwright.sync_api import expect

from casework.models import Household
from imports.models import ImportBatch
from tests.imports.test_imports_ui import one_bad_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_uploads_a_supervisor_drops_the_bad_row_and_merges(page, login, officer, supervisor, tumbes,
                                                                      tmp_path):
    spreadsheet = tmp_path / "registro.xlsx"
    spreadsheet.write_bytes(one_bad_row())

    login("alicia")
    page.get_by_role("link", name="Importaciones").click()
    page.get_by_label("Plantilla completada (XLSX o CSV)").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Subir").click()
    expect(page.locator("#count-total")).to_have_text("2")
    expect(page.locator("#count-errors")).to_have_text("1")
    page.get_by_role("button", name="Cerrar sesión").click()

    login("sara")
    page.get_by_role("link", name="Importaciones").click()
    page.get_by_role("link", name="registro.xlsx").click()
    page.get_by_role("link", name="Solo filas con errores").click()
    bad_row = page.locator("tr", has_text="Eva")
    expect(bad_row).to_contain_text("woman")
    page.once("dialog", lambda dialog: dialog.accept())
    bad_row.get_by_role("button", name="Descartar").click()
    expect(page.get_by_role("status").first).to_contain_text("descartada")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Incorporar al registro").click()
    expect(page.get_by_role("status").first).to_contain_text("Lote incorporado: 1 hogares registrados")
    expect(page.locator("#count-merged")).to_have_text("1")

    household = Household.objects.get()
    assert ImportBatch.objects.get().status == "merged"
    page.get_by_role("link", name="Registro", exact=True).click()
    expect(page.get_by_text(household.registration_number)).to_be_visible()
    assert re.fullmatch(r"TUM-\d{4}-000001", household.registration_number)
