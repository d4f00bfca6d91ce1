"""Turning what an officer types into the one form the registry stores and searches."""
import re
from datetime import date
from functools import lru_cache

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from unidecode import unidecode

MAX_AGE_YEARS = 120
# A Peruvian officer types local numbers; families also give Venezuelan numbers (0414…).
PHONE_REGIONS = ("PE", "VE")


def document_number(raw):
    """Upper-case, without spaces, dots, dashes or slashes: 'v-12.345.678' -> 'V12345678'."""
    return re.sub(r"[\s.\-/]", "", raw or "").upper()


@lru_cache(maxsize=50_000)
def _e164(raw):
    """Parsing is the slow part of an import's validation, and a household's phone is read several times."""
    for region in PHONE_REGIONS:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def phone_e164(raw):
    """A Peruvian or Venezuelan number (or any number with its +country code) as E.164."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    parsed = _e164(raw)
    if parsed is not None:
        return parsed
    raise ValidationError(
        _("“%(phone)s” is not a valid phone number. Write a Peruvian number (987 654 321) "
          "or a number with its country code (+58 414 1234567)."),
        code="invalid_phone",
        params={"phone": raw},
    )


def nationality(raw):
    code = (raw or "").strip().upper()
    if len(code) == 3 and pycountry.countries.get(alpha_3=code):
        return code
    raise ValidationError(
        _("“%(code)s” is not a country code. Use the three-letter ISO code, e.g. VEN, PER, COL."),
        code="invalid_nationality",
        params={"code": raw},
    )


def country_choices():
    preferred = ["VEN", "PER", "COL", "ECU", "BOL", "CHL", "HTI", "CUB", "BRA", "ARG"]
    others = sorted(
        (country.alpha_3 for country in pycountry.countries if country.alpha_3 not in preferred),
        key=lambda code: pycountry.countries.get(alpha_3=code).name,
    )
    return [(code, f"{code} · {pycountry.countries.get(alpha_3=code).name}") for code in preferred + others]


def search_text(*parts):
    """Lower-case ASCII words, so that 'María José Pérez' is found by 'maria perez'."""
    text = unidecode(" ".join(part for part in parts if part)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def estimated_date_of_birth(age_years, today):
    """An estimated age becomes 1 July of the matching year, the convention of registration systems."""
    if age_years < 0 or age_years > MAX_AGE_YEARS:
        raise ValidationError(
            _("Age must be between 0 and %(max)s years."), code="invalid_age", params={"max": MAX_AGE_YEARS}
        )
    candidate = date(today.year - age_years, 7, 1)
    if age_on(candidate, today) < age_years:  # before 1 July: born the year before
        candidate = date(today.year - age_years - 1, 7, 1)
    return candidate


def age_on(date_of_birth, on):
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
