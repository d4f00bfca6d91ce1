"""Matching copes with how Spanish-language names and dates are really written (issue 5, point 1)."""
import datetime

import pytest

from casework.dedupe import (
    BEST_WITHOUT_BIRTH, DEFAULT_THRESHOLD, Person, blocking_keys, lookup_keys, phonetic, score,
)

BORN = datetime.date(1990, 5, 17)
REGISTERED = Person("María José", "Pérez González", "female", BORN, False, "VEN", "cedula_ve", "V12345678",
                    "+51987654321")


def same_person(other):
    value, reasons = score(REGISTERED, other)
    blocked = bool(lookup_keys(other) & blocking_keys(REGISTERED)) or other.phone == REGISTERED.phone
    return blocked and value >= DEFAULT_THRESHOLD, value, {reason.code for reason in reasons}


@pytest.mark.parametrize("variation, other", [
    ("accents and case", Person("MARIA JOSE", "PEREZ GONZALEZ", "female", BORN)),
    ("swapped surnames", Person("María José", "González Pérez", "female", BORN)),
    ("second surname missing", Person("María José", "Pérez", "female", BORN)),
    ("middle name missing", Person("María", "Pérez González", "female", BORN)),
    ("typo s/z", Person("Maria Jose", "Peres Gonsalez", "female", BORN)),
    ("letter dropped", Person("Mria José", "Pérez Gonzales", "female", BORN)),
    ("letters swapped", Person("Mairá José", "Pérez Gonzlaez", "female", BORN)),
    ("a day apart", Person("María José", "Pérez González", "female", datetime.date(1990, 5, 18))),
    ("year typed wrong", Person("María José", "Pérez González", "female", datetime.date(1991, 5, 17))),
    ("estimated age", Person("María José", "Pérez González", "female", datetime.date(1990, 7, 1), True)),
    ("document written differently", Person("María", "Pérez", "female", datetime.date(1992, 1, 1),
                                           document_number="12.345.678")),
])
def test_each_variation_is_found(variation, other):
    found, value, _reasons = same_person(other)
    assert found, f"{variation}: scored {value}"


def test_day_and_month_swapped_is_found_and_said():
    registered = Person("Ana", "Rojas", "female", datetime.date(1990, 3, 4))
    value, reasons = score(registered, Person("Ana", "Rojas", "female", datetime.date(1990, 4, 3)))
    assert value >= DEFAULT_THRESHOLD and "birth_date_swapped" in {r.code for r in reasons}
    assert lookup_keys(Person("Ana", "Rojas", "female", datetime.date(1990, 4, 3))) & blocking_keys(registered)


def test_every_candidate_has_reasons_a_supervisor_reads():
    _found, value, reasons = same_person(Person("María", "Pérez", "female", BORN, document_number="V-12.345.678",
                                                phone="987 654 321"))
    assert value == 100
    assert {"document_same", "birth_date_same", "phone_same"} <= reasons


@pytest.mark.parametrize("stranger", [
    Person("María", "González", "female", datetime.date(1985, 3, 12), document_number="V9999999"),
    Person("María José", "Pérez González", "female", datetime.date(1990, 11, 3)),
    Person("María José", "Pérez González", "female", BORN, False, "VEN", "cedula_ve", "V7777777"),
    Person("José María", "Pérez González", "male", BORN),
    Person("María José", "Pérez González", "female", datetime.date(1960, 5, 17)),
    Person("María Luisa", "Pérez González", "female", BORN),  # her twin sister
])
def test_strangers_with_a_common_name_are_not_proposed(stranger):
    found, value, _reasons = same_person(stranger)
    assert not found, f"scored {value}"


def test_spanish_sound_alikes_share_a_phonetic_form():
    assert phonetic("Yépez") == phonetic("Llepes")
    assert phonetic("Vanessa") == phonetic("Banesa")
    assert phonetic("Hernández") == phonetic("Ernandes")
    assert phonetic("Giménez") == phonetic("Jiménez")
    assert phonetic("González") != phonetic("Rodríguez")


@pytest.mark.parametrize("other_birth", [datetime.date(1979, 3, 14), datetime.date(1990, 7, 2)])
def test_pairs_whose_birth_dates_disagree_never_score_above_the_bound_the_check_skips_them_by(other_birth):
    """The check does not score such pairs when the threshold is above BEST_WITHOUT_BIRTH: the bound
    must hold even for the same name, sex and phone and a document one digit apart."""
    person = Person(given_name="María José", family_name="González Pérez", sex="female",
                    date_of_birth=datetime.date(1985, 3, 14), document_type="cedula_ve",
                    document_number="12345678", phone="+51987654321")
    other = Person(given_name="María José", family_name="González Pérez", sex="female",
                   date_of_birth=other_birth, document_type="cedula_ve", document_number="12345679",
                   phone="+51987654321")
    assert score(person, other)[0] <= BEST_WITHOUT_BIRTH < DEFAULT_THRESHOLD
