import pytest
from playwright.sync_api import expect

from distributions.models import Receipt, StockBalance
from tests.distributions.conftest import add_stock, make_round
from tests.factories import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_scans_a_card_confirms_the_entitlement_and_a_second_scan_is_stopped(
        page, login, officer, supervisor, tumbes):
    make_round(supervisor, tumbes, name="Ronda Tumbes")
    add_stock(supervisor, tumbes, food_basket=50, hygiene_kit=50, baby_kit=50, drinking_water=2000)
    household = register(officer)

    login("alicia")
    page.get_by_role("link", name="Distribuciones").click()
    page.get_by_role("link", name="Ronda Tumbes").click()
    page.get_by_role("link", name="Abrir la mesa de entrega").click()

    # A keyboard-wedge scanner types into the focused field and presses Enter.
    scanner = page.get_by_label("Número de tarjeta")
    expect(scanner).to_be_focused()
    page.keyboard.type(household.registration_number.lower())
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Le corresponde")).to_be_visible()
    expect(page.get_by_label("Canasta de alimentos (kit)")).to_have_value("2")
    page.get_by_label("Agua para consumo (litro)").fill("60")
    page.get_by_role("button", name="Confirmar entrega").click()

    expect(page.get_by_role("status")).to_contain_text(f"Entrega guardada: {household.registration_number}")
    expect(page.get_by_label("Número de tarjeta")).to_be_focused()
    receipt = Receipt.objects.get()
    assert receipt.verification_method == "card_scanned"
    assert StockBalance.objects.get(commodity__code="drinking_water").quantity == 1940

    page.keyboard.type(household.registration_number)
    page.keyboard.press("Enter")
    expect(page.locator("#already-served")).to_contain_text("Ya recibió en esta ronda")
    expect(page.locator("#already-served")).to_contain_text("alicia")
    expect(page.get_by_role("button", name="Confirmar entrega")).to_have_count(0)
    assert Receipt.objects.count() == 1

    page.get_by_role("link", name="Imprimir tarjeta").click()
    expect(page.get_by_role("img", name="Código QR del número de registro")).to_be_visible()
    expect(page.get_by_text(household.registration_number, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Imprimir", exact=True)).to_be_visible()
