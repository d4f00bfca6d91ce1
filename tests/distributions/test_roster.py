import csv
import io

import pytest

from casework.errors import InvalidInput, NotAllowed
from distributions import exports, services
from distributions.models import Receipt, StockBalance
from reporting.models import Activity
from tests.distributions.conftest import add_stock, make_round
from tests.factories import member, register

URL = "/api/v1/distribution-rounds/"


@pytest.fixture
def roster_scene(officer, supervisor, tumbes, tumbes_round, stocked):
    small = register(officer, members=[member(given_name="=HYPERLINK(\"x\")", sex="male")])
    large = register(officer)
    host = register(officer, members=[member()], population_type="host_community")
    return tumbes_round, small, large, host


def read_csv(text):
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def completed(round, marks):
    """The exported roster with `received`/`distributed_on`/quantities filled in per registration number."""
    rows = read_csv(exports.roster_csv(round))
    header = rows[0]
    for row in rows[1:]:
        for column, value in marks.get(row[0], {}).items():
            row[header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def test_the_roster_lists_each_eligible_household_with_its_entitlement(roster_scene):
    round, small, large, host = roster_scene
    rows = read_csv(exports.roster_csv(round))
    assert rows[0] == ["registration_number", "head", "members", "population_type", "already_served", "baby_kit",
                       "drinking_water", "food_basket", "hygiene_kit", "received", "distributed_on"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {small.registration_number, large.registration_number, host.registration_number}
    assert by_number[large.registration_number][5:9] == ["", "80", "2", "1"]
    assert by_number[small.registration_number][5:9] == ["", "20", "1", ""]


def test_roster_cells_are_spreadsheet_safe(roster_scene):
    round, small, *_rest = roster_scene
    row = next(r for r in read_csv(exports.roster_csv(round)) if r[0] == small.registration_number)
    assert row[1].startswith("'=HYPERLINK")


def test_only_eligible_population_types_are_on_the_roster(officer, supervisor, tumbes, roster_scene):
    _round, _small, _large, host = roster_scene
    round = make_round(supervisor, tumbes, name="Solo tránsito", population_types=["in_transit"])
    numbers = [row[0] for row in read_csv(exports.roster_csv(round))[1:]]
    assert host.registration_number not in numbers and len(numbers) == 2


def test_the_printable_roster_is_a_pdf(roster_scene):
    assert exports.roster_pdf(roster_scene[0]).startswith(b"%PDF")


def test_a_completed_roster_records_signed_receipts_and_issues_stock(officer, tumbes, roster_scene):
    round, small, large, host = roster_scene
    content = completed(round, {
        small.registration_number: {"received": "sí"},
        large.registration_number: {"received": "x", "food_basket": "1",
                                    "distributed_on": round.starts_on.isoformat()},
    })
    result = services.import_roster(actor=officer, round=round, content=content)
    assert len(result.created) == 2 and result.not_received == 1
    receipts = {r.household_id: r for r in Receipt.objects.filter(round=round)}
    assert {r.verification_method for r in receipts.values()} == {"signature"}
    assert {line.commodity.code: line.quantity for line in receipts[large.pk].lines.all()} == {
        "food_basket": 1, "drinking_water": 80, "hygiene_kit": 1}
    assert StockBalance.objects.get(site=tumbes, commodity__code="food_basket").quantity == 98
    assert Activity.objects.filter(source_id=str(receipts[large.pk].pk), indicator__code="FS-01").count() == 4


def test_importing_the_same_file_twice_changes_nothing(officer, tumbes, roster_scene):
    round, small, large, _host = roster_scene
    content = completed(round, {small.registration_number: {"received": "yes"},
                                large.registration_number: {"received": "yes"}})
    services.import_roster(actor=officer, round=round, content=content)
    before = (Receipt.objects.count(), list(StockBalance.objects.order_by("pk").values_list("quantity", flat=True)))
    again = services.import_roster(actor=officer, round=round, content=content)
    assert again.created == [] and sorted(again.skipped) == sorted([small.registration_number,
                                                                   large.registration_number])
    after = (Receipt.objects.count(), list(StockBalance.objects.order_by("pk").values_list("quantity", flat=True)))
    assert before == after


def test_a_household_served_at_the_table_is_skipped_not_served_twice(officer, roster_scene):
    round, small, _large, _host = roster_scene
    services.record_receipt(actor=officer, household=small, round=round, verification_method="card_scanned")
    result = services.import_roster(actor=officer, round=round,
                                    content=completed(round, {small.registration_number: {"received": "yes"}}))
    assert result.skipped == [small.registration_number] and Receipt.objects.count() == 1


def test_row_errors_are_reported_by_row_and_nothing_is_half_saved(officer, roster_scene):
    round, small, large, host = roster_scene
    content = completed(round, {
        small.registration_number: {"received": "yes"},  # fine on its own
        large.registration_number: {"received": "yes", "food_basket": "5", "distributed_on": "2099-01-01"},
        host.registration_number: {"received": "maybe"},
    }).decode() + "TUM-1999-999999,,,,,,,,,yes,\n"
    with pytest.raises(InvalidInput) as refused:
        services.import_roster(actor=officer, round=round, content=content.encode())
    rows = refused.value.errors["rows"]
    numbers = [row[0] for row in read_csv(content)]
    large_row = str(numbers.index(large.registration_number) + 1)
    host_row = str(numbers.index(host.registration_number) + 1)
    assert any("future" in message for message in rows[large_row])
    assert any("at most 2" in message for message in rows[large_row])
    assert "received" in rows[host_row][0]
    assert "not on the roster" in rows[str(len(numbers))][0]
    assert not Receipt.objects.exists()


def test_running_out_of_stock_during_an_import_saves_nothing(officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes, rules=[{"commodity": "blanket", "per": "household", "quantity": 1}])
    add_stock(supervisor, tumbes, blanket=1)
    first, second = register(officer), register(officer)
    content = completed(round, {first.registration_number: {"received": "yes"},
                                second.registration_number: {"received": "yes"}})
    with pytest.raises(InvalidInput) as refused:
        services.import_roster(actor=officer, round=round, content=content)
    assert "Not enough" in next(iter(refused.value.errors["rows"].values()))[0]
    assert not Receipt.objects.exists()
    assert StockBalance.objects.get(commodity__code="blanket").quantity == 1


def test_a_file_that_is_not_the_roster_is_refused(officer, roster_scene):
    with pytest.raises(InvalidInput) as refused:
        services.import_roster(actor=officer, round=roster_scene[0], content=b"name,age\nAna,3\n")
    assert "registration_number" in refused.value.errors["file"][0]


def test_a_closed_round_takes_no_import(officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes, status="closed")
    with pytest.raises(NotAllowed):
        services.import_roster(actor=officer, round=round, content=b"registration_number,received\n")


def test_the_api_exports_and_imports_the_roster_and_audits_the_export(api_for, officer, outsider, roster_scene):
    round, small, *_rest = roster_scene
    client = api_for(officer)
    exported = client.get(f"{URL}{round.pk}/roster.csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert client.get(f"{URL}{round.pk}/roster.pdf").content.startswith(b"%PDF")
    assert api_for(outsider).get(f"{URL}{round.pk}/roster.csv").status_code == 404
    upload = io.BytesIO(completed(round, {small.registration_number: {"received": "yes"}}))
    upload.name = "roster.csv"
    response = client.post(f"{URL}{round.pk}/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "skipped": [], "not_received": 2}
    bad = io.BytesIO(b"registration_number,received\nNOPE,yes\n")
    bad.name = "roster.csv"
    refused = client.post(f"{URL}{round.pk}/import/", {"file": bad}, format="multipart")
    assert refused.status_code == 400 and "2" in refused.json()["rows"]
