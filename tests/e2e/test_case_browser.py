import pytest
from playwright.sync_api import expect

from casework.models import Case
from tests.cases.conftest import child, household  # noqa: F401 - fixtures shared with the case tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_opens_and_submits_a_case_and_a_supervisor_approves_it(
        page, login, household, child, caseworker, supervisor):  # noqa: F811
    login("camila")
    page.goto(f"/registry/{household.pk}/")
    page.get_by_role("link", name="Abrir un caso").click()
    page.select_option("#id_individual", str(child.pk))
    page.select_option("#id_specific_needs", ["SC-UC", "LP-ND"])
    page.fill("#id_details", "Llegó solo al CEBAF; la tía vive en Lima.")
    page.get_by_role("button", name="Abrir el caso").click()

    expect(page.get_by_role("status")).to_contain_text("abierto")
    expect(page.locator(".priority").first).to_have_text("Crítica")
    case = Case.objects.get()
    page.get_by_role("button", name="Enviar a revisión").click()
    expect(page.get_by_role("status")).to_contain_text("enviado a revisión")
    page.get_by_role("button", name="Cerrar sesión").click()

    login("sara")
    page.get_by_role("link", name="Cola de revisión").click()
    row = page.get_by_role("row").filter(has_text=case.case_number)
    expect(row).to_contain_text("Crítica")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Aprobar los casos marcados").click()
    expect(page.get_by_role("status")).to_contain_text(case.case_number)
    expect(page.get_by_text("0 casos en espera de revisión")).to_be_visible()

    page.get_by_role("link", name="Casos", exact=True).click()
    page.get_by_role("link", name=case.case_number).click()
    expect(page.locator(".timeline")).to_contain_text("Estado cambiado de «enviado a revisión» a «aprobado (activo)»")
    case.refresh_from_db()
    assert (case.status, case.supervisor) == ("approved", supervisor)
