import re

import pytest
from playwright.sync_api import expect

from casework.models import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAMILY = [
    # relationship, given, family, sex, date of birth or age, document type, number
    ("head", "Yelitza", "Briceño Araujo", "female", "1987-09-14", "cedula_ve", "V-18.765.432"),
    ("spouse", "Wilmer", "Zambrano Peña", "male", "1985-01-30", "passport", "123456789"),
    ("child", "Isabella", "Zambrano Briceño", "female", "age:7", "none", ""),
    ("child", "Yonaiker", "Zambrano Briceño", "male", "2022-06-01", "birth_certificate", "AB-1234"),
]


def fill_member(page, index, relationship, given, family, sex, born, document_type, number):
    prefix = f"#id_members-{index}-"
    page.select_option(prefix + "relationship_to_head", relationship)
    page.fill(prefix + "given_name", given)
    page.fill(prefix + "family_name", family)
    page.select_option(prefix + "sex", sex)
    if born.startswith("age:"):
        page.fill(prefix + "age_years", born[4:])
    else:
        page.fill(prefix + "date_of_birth", born)
    page.select_option(prefix + "document_type", document_type)
    page.fill(prefix + "document_number", number)


def test_an_officer_registers_a_family_of_four_in_spanish_and_finds_it(page, login, officer):
    login("alicia")
    expect(page.get_by_role("heading", name="Registro")).to_be_visible()
    page.get_by_role("link", name="Registrar un hogar").click()
    page.select_option("#id_population_type", "in_transit")
    page.fill("#id_phone", "0414 765 4321")
    page.fill("#id_intended_destination", "Lima")
    page.check("#id_consent_given")
    fill_member(page, 0, *FAMILY[0])
    for index, member in enumerate(FAMILY[1:], start=1):
        page.get_by_role("button", name="+ Añadir un miembro").click()
        fill_member(page, index, *member)
    # A row added by mistake and removed again is not registered.
    page.get_by_role("button", name="+ Añadir un miembro").click()
    page.fill("#id_members-4-given_name", "Error")
    page.locator("[data-member]").nth(4).get_by_role("button", name="Quitar este miembro").click()
    page.get_by_role("button", name="Registrar hogar").click()

    expect(page.get_by_role("status")).to_contain_text("registrado")
    household = Household.objects.get()
    assert household.members.count() == 4
    assert re.fullmatch(r"TUM-\d{4}-000001", household.registration_number)

    page.get_by_role("link", name="Registro").first.click()
    page.fill("#id_search", "yelitza briceno")
    page.get_by_role("button", name="Buscar").first.click()
    expect(page.get_by_role("link", name=household.registration_number)).to_be_visible()
    page.get_by_role("link", name=household.registration_number).click()
    expect(page.get_by_role("cell", name="Yonaiker Zambrano Briceño")).to_be_visible()
    expect(page.get_by_text("+584147654321")).to_be_visible()
