import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.errors import InvalidInput, NotAllowed
from casework.models import AuditEvent
from distributions import services
from distributions.models import Receipt, StockBalance, StockMovement
from tests.distributions.conftest import add_stock, make_round
from tests.factories import member, register


def record(officer, household, round, **fields):
    fields.setdefault("verification_method", "card_scanned")
    receipt, _created = services.record_receipt(actor=officer, household=household, round=round, **fields)
    return receipt


def balance(site, code):
    return StockBalance.objects.get(site=site, commodity__code=code).quantity


def test_a_receipt_without_lines_hands_over_the_whole_entitlement_and_issues_stock(
        officer, tumbes, tumbes_round, stocked):
    household = register(officer)
    receipt = record(officer, household, tumbes_round)
    assert {line.commodity.code: line.quantity for line in receipt.lines.all()} == {
        "food_basket": 2, "hygiene_kit": 1, "drinking_water": 80}
    assert receipt.site == tumbes and receipt.handed_over_by == officer
    assert balance(tumbes, "food_basket") == 98
    assert balance(tumbes, "drinking_water") == 4920
    issued = StockMovement.objects.filter(receipt=receipt, kind="issued")
    assert sorted(m.quantity for m in issued) == [-80, -2, -1]
    assert AuditEvent.objects.filter(object_type="distributions.receipt", object_id=str(receipt.pk)).exists()


def test_the_officer_may_hand_over_less_than_the_entitlement_but_not_more(officer, tumbes_round, stocked):
    household = register(officer)
    with pytest.raises(InvalidInput) as refused:
        record(officer, household, tumbes_round, lines=[{"commodity": "food_basket", "quantity": 3},
                                                        {"commodity": "shelter_kit", "quantity": 1}])
    assert "At most 2" in refused.value.errors["lines"][0]["quantity"][0]
    assert "not entitled" in refused.value.errors["lines"][1]["commodity"][0]
    receipt = record(officer, household, tumbes_round, lines=[{"commodity": "food_basket", "quantity": 1}])
    assert [(line.commodity.code, line.quantity) for line in receipt.lines.all()] == [("food_basket", 1)]


def test_a_second_receipt_in_the_same_round_is_refused_naming_the_first(officer, caseworker, tumbes_round, stocked):
    household = register(officer)
    first = record(officer, household, tumbes_round)
    with pytest.raises(services.AlreadyServed) as refused:
        record(caseworker, household, tumbes_round)
    assert refused.value.receipt == first
    assert "alicia" in refused.value.message and str(first.pk) in refused.value.message
    assert Receipt.objects.count() == 1


def test_the_database_refuses_a_second_active_receipt_whatever_the_code_does(officer, tumbes_round, stocked):
    household = register(officer)
    first = record(officer, household, tumbes_round)
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(household=household, round=tumbes_round, site=first.site, handed_over_by=officer,
                               verification_method="signature")


def test_the_same_household_may_be_served_in_another_round(officer, supervisor, tumbes, tumbes_round, stocked):
    household = register(officer)
    record(officer, household, tumbes_round)
    record(officer, household, make_round(supervisor, tumbes, name="Ronda de diciembre"))
    assert household.receipts.count() == 2


def test_a_retry_with_the_same_id_returns_the_first_receipt(officer, tumbes_round, stocked):
    household = register(officer)
    client_id = uuid.uuid4()
    first, created = services.record_receipt(actor=officer, household=household, round=tumbes_round,
                                             verification_method="card_scanned", id=client_id)
    again, created_again = services.record_receipt(actor=officer, household=household, round=tumbes_round,
                                                   verification_method="card_scanned", id=client_id)
    assert (created, created_again) == (True, False) and again.pk == first.pk
    assert Receipt.objects.count() == 1


def test_a_receipt_that_would_take_stock_below_zero_is_refused_with_what_is_left(officer, supervisor, tumbes,
                                                                                 tumbes_round):
    add_stock(supervisor, tumbes, food_basket=1, hygiene_kit=5, drinking_water=500)
    household = register(officer)
    with pytest.raises(InvalidInput) as refused:
        record(officer, household, tumbes_round)
    message = refused.value.errors["lines"][0]
    assert "Food basket" in message and "2 kit needed, 1 left" in message
    assert not Receipt.objects.exists()
    assert balance(tumbes, "food_basket") == 1
    assert not StockMovement.objects.filter(kind="issued").exists()



def test_every_short_commodity_is_named_and_what_was_enough_is_left_untouched(officer, supervisor, tumbes,
                                                                             tumbes_round):
    add_stock(supervisor, tumbes, food_basket=10, drinking_water=5)  # no hygiene kit ever received
    household = register(officer)
    with pytest.raises(InvalidInput) as refused:
        record(officer, household, tumbes_round)
    messages = refused.value.errors["lines"]
    assert len(messages) == 2
    assert any("Hygiene kit" in message and ", 0 left" in message for message in messages)
    assert any("80 litre needed, 5 left" in message for message in messages)
    assert (balance(tumbes, "food_basket"), balance(tumbes, "drinking_water")) == (10, 5)
    assert not StockMovement.objects.filter(kind="issued").exists()

def test_cash_has_no_stock_to_run_out(officer, supervisor, tumbes):
    round = make_round(supervisor, tumbes, rules=[{"commodity": "cash_cbi", "per": "member", "quantity": 100}])
    receipt = record(officer, register(officer), round)
    assert receipt.lines.get().quantity == 400
    assert not StockMovement.objects.exists()


def test_back_entry_in_the_round_is_allowed_and_marked_but_not_the_future(officer, tumbes_round, stocked):
    household = register(officer)
    with pytest.raises(InvalidInput) as refused:
        record(officer, household, tumbes_round, distributed_at=timezone.now() + datetime.timedelta(days=1))
    assert "future" in refused.value.errors["distributed_at"][0]
    with pytest.raises(InvalidInput) as outside:
        record(officer, household, tumbes_round, distributed_at=timezone.now() - datetime.timedelta(days=30))
    assert "runs from" in outside.value.errors["distributed_at"][0]
    receipt = record(officer, household, tumbes_round, distributed_at=timezone.now() - datetime.timedelta(days=3))
    event = AuditEvent.objects.get(object_type="distributions.receipt", object_id=str(receipt.pk))
    assert event.changes["back_entry"] is True


def test_receipts_are_refused_in_a_round_that_is_not_open(officer, supervisor, tumbes, stocked):
    round = make_round(supervisor, tumbes, status="planned")
    with pytest.raises(NotAllowed):
        record(officer, register(officer), round)


def test_an_officer_records_only_at_their_sites(colleague, officer, supervisor, tumbes, tumbes_round, stocked):
    household = register(officer)
    with pytest.raises(InvalidInput) as refused:
        record(colleague, household, tumbes_round)
    assert "not assigned" in refused.value.errors["site"][0]


def test_an_ineligible_household_is_refused(officer, supervisor, tumbes, stocked):
    round = make_round(supervisor, tumbes, population_types=["host_community"])
    with pytest.raises(InvalidInput) as refused:
        record(officer, register(officer, members=[member()]), round)
    assert "Not eligible" in refused.value.errors["household"][0]


def test_a_supervisor_voids_with_a_reason_the_goods_go_back_and_the_household_can_be_served_again(
        officer, supervisor, tumbes, tumbes_round, stocked):
    household = register(officer)
    receipt = record(officer, household, tumbes_round)
    with pytest.raises(InvalidInput):
        services.void_receipt(actor=supervisor, receipt=receipt, reason="  ")
    services.void_receipt(actor=supervisor, receipt=receipt, reason="Wrong household scanned")
    receipt.refresh_from_db()
    assert receipt.is_voided and receipt.voided_by == supervisor and receipt.void_reason == "Wrong household scanned"
    assert balance(tumbes, "food_basket") == 100
    assert StockMovement.objects.filter(receipt=receipt, kind="returned").count() == 3
    with pytest.raises(NotAllowed):
        services.void_receipt(actor=supervisor, receipt=receipt, reason="again")
    again = record(officer, household, tumbes_round)
    assert Receipt.objects.count() == 2 and again.pk != receipt.pk


def test_a_voided_receipt_is_kept_never_deleted(officer, supervisor, tumbes_round, stocked):
    receipt = record(officer, register(officer), tumbes_round)
    services.void_receipt(actor=supervisor, receipt=receipt, reason="Duplicate")
    assert Receipt.objects.filter(pk=receipt.pk).exists()
    assert receipt.lines.count() == 3


def test_round_rules_cannot_change_once_households_were_served(officer, supervisor, tumbes_round, stocked):
    record(officer, register(officer), tumbes_round)
    with pytest.raises(NotAllowed):
        services.update_round(actor=supervisor, round=tumbes_round,
                              rules=[{"commodity": "blanket", "per": "household", "quantity": Decimal(1)}])
    services.update_round(actor=supervisor, round=tumbes_round, status="closed")
    tumbes_round.refresh_from_db()
    assert tumbes_round.status == "closed" and tumbes_round.version == 2


def test_a_receipt_counts_every_member_as_reached_under_each_indicator_and_a_void_takes_it_back(
        officer, supervisor, tumbes_round, stocked):
    from reporting.models import Activity, FirstReach

    household = register(officer)  # four members
    receipt = record(officer, household, tumbes_round)
    rows = Activity.objects.filter(source_type="distribution", source_id=str(receipt.pk))
    assert sorted({row.indicator.code for row in rows}) == ["FS-01", "WASH-01", "WASH-02"]
    assert rows.filter(indicator__code="FS-01").count() == 4
    food = {row.person.relationship_to_head: row.quantity for row in rows.filter(indicator__code="FS-01")}
    assert food["head"] == 2 and sum(food.values()) == 2  # the quantity rides on the head, once
    assert {row.site_id for row in rows} == {receipt.site_id}
    # Written for all indicators at once: each member's first reach is noted under each of them.
    assert FirstReach.objects.filter(person__household=household).count() == 4 * 3
    services.void_receipt(actor=supervisor, receipt=receipt, reason="Wrong household")
    assert not Activity.objects.filter(source_id=str(receipt.pk)).exists()


def test_cash_is_reported_as_cva_with_its_value_in_dollars(officer, supervisor, tumbes, settings):
    from reporting.models import Activity

    settings.CAMINOS_PEN_PER_USD = Decimal("3.75")
    round = make_round(supervisor, tumbes, rules=[{"commodity": "cash_cbi", "per": "household", "quantity": 375}])
    receipt = record(officer, register(officer, members=[member()]), round)
    row = Activity.objects.get(source_id=str(receipt.pk))
    assert (row.indicator.code, row.cva, row.value_usd, row.delivery_mechanism) == ("MPC-01", True, 100,
                                                                                   "direct_cash")
