"""A caseworker refers a woman to a partner's GBV service in Spanish; the partner acknowledges it."""
import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.referrals.conftest import (  # noqa: F401 - the referral stories' fixtures
    caritas_offer,
    gbv,
    hias,
    hias_offer,
    household,
    service_types,
    woman,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referral_goes_from_the_caseworker_to_the_partner(page, login, woman, hias_offer, caritas_offer):
    login("camila")
    page.get_by_role("link", name="Derivaciones").first.click()
    page.get_by_role("link", name="Nueva derivación").click()
    page.fill("#q", "maria perez")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="Derivar").first.click()
    page.select_option("#service", "gbv_case_management")
    page.get_by_role("button", name="Buscar organizaciones cercanas").click()
    expect(page.get_by_label("HIAS Perú · Lucía Ramos")).to_be_visible()
    expect(page.get_by_text("Cáritas Tumbes")).to_have_count(0)
    page.get_by_label("HIAS Perú · Lucía Ramos").check()
    page.select_option("#id_urgency", "emergency")
    page.fill("#id_reason", "Necesita gestión de caso VBG y un lugar seguro.")
    page.select_option("#id_contact_preference", "phone")
    page.get_by_role("button", name="Enviar derivación").click()
    expect(page.get_by_role("status")).to_contain_text("enviada a HIAS Perú")
    referral = Referral.objects.get()
    assert referral.urgency == "emergency"

    page.get_by_role("button", name="Cerrar sesión").click()
    login("paula")
    page.goto(f"/referrals/{referral.pk}/")
    expect(page.get_by_text("María José Pérez González")).to_be_visible()
    page.get_by_role("button", name="Confirmar recepción").click()
    expect(page.get_by_role("status")).to_contain_text("Derivación recibida")
    referral.refresh_from_db()
    assert referral.status == "acknowledged"
