"""Receipts of a case's household show on the case's timeline, for those who may see them."""
from casework import case_services
from casework.case_timeline import timeline_for
from distributions import services
from tests.factories import register


def test_a_receipt_appears_on_the_timeline_of_a_case_about_the_household(officer, caseworker, tumbes_round,
                                                                         stocked):
    household = register(officer)
    case = case_services.open_case(actor=caseworker, household=household)[0]
    services.record_receipt(actor=officer, household=household, round=tumbes_round,
                            verification_method="card_scanned")
    entries = [entry for entry in timeline_for(case, caseworker) if entry.kind == "distribution"]
    assert len(entries) == 1
    assert "Ronda de noviembre" in entries[0].title
