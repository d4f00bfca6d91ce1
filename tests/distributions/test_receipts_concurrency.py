"""Two officers at two tables scan the same card at the same moment: one receipt, one 409."""
import threading
import time

import pytest
from django.db import connection, transaction

from distributions import services
from distributions.models import Receipt, StockBalance
from tests.conftest import token_client
from tests.distributions.conftest import add_stock, make_round
from tests.factories import register

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/distributions/"


@pytest.fixture
def served_scene(officer, caseworker, supervisor, tumbes):
    round = make_round(supervisor, tumbes)
    add_stock(supervisor, tumbes, food_basket=10, hygiene_kit=10, drinking_water=1000)
    household = register(officer)
    return round, household


def in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_simultaneous_requests_give_one_receipt_and_one_409(officer, caseworker, served_scene):
    round, household = served_scene
    body = {"household": str(household.pk), "round": str(round.pk), "verification_method": "card_scanned"}
    clients = {"alicia": token_client(officer), "camila": token_client(caseworker)}
    start = threading.Barrier(2)
    results = {}

    def post(name):
        def call():
            start.wait()
            return clients[name].post(URL, body, format="json")
        return call

    threads = [in_thread(post(name), results, name) for name in clients]
    for thread in threads:
        thread.join(30)
    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [201, 409]
    winner = next(r for r in results.values() if r.status_code == 201).json()
    loser = next(r for r in results.values() if r.status_code == 409).json()
    assert loser["receipt"] == winner["id"]
    assert Receipt.objects.count() == 1
    assert StockBalance.objects.get(commodity__code="food_basket").quantity == 8


def test_a_request_that_passed_every_check_is_stopped_by_the_database_and_names_the_winner(
        officer, caseworker, served_scene):
    """The first receipt is written but not yet committed when the second request checks: only the
    unique index can stop the second one, and the answer still names the first."""
    round, household = served_scene
    written, commit = threading.Event(), threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            receipt, _created = services.record_receipt(actor=officer, household=household, round=round,
                                                        verification_method="card_scanned")
            written.set()
            commit.wait(30)
        return receipt

    def second():
        written.wait(30)
        return token_client(caseworker).post(URL, {"household": str(household.pk), "round": str(round.pk),
                                                   "verification_method": "document_seen"}, format="json")

    first_thread = in_thread(first, results, "first")
    second_thread = in_thread(second, results, "second")
    written.wait(30)
    time.sleep(0.5)
    assert second_thread.is_alive(), "the second request should be waiting on the unique index"
    commit.set()
    first_thread.join(30)
    second_thread.join(30)
    assert results["second"].status_code == 409
    assert results["second"].json()["receipt"] == str(results["first"].pk)
    assert Receipt.objects.count() == 1


def test_two_tables_competing_for_the_last_kits_never_take_stock_below_zero(officer, caseworker, supervisor, tumbes):
    round = make_round(supervisor, tumbes, rules=[{"commodity": "food_basket", "per": "household", "quantity": 2}])
    add_stock(supervisor, tumbes, food_basket=3)
    households = {"alicia": register(officer), "camila": register(officer)}
    clients = {"alicia": token_client(officer), "camila": token_client(caseworker)}
    start = threading.Barrier(2)
    results = {}

    def post(name):
        def call():
            start.wait()
            return clients[name].post(URL, {"household": str(households[name].pk), "round": str(round.pk),
                                            "verification_method": "card_scanned"}, format="json",
                                      HTTP_ACCEPT_LANGUAGE="en")
        return call

    threads = [in_thread(post(name), results, name) for name in clients]
    for thread in threads:
        thread.join(30)
    assert sorted(response.status_code for response in results.values()) == [201, 400]
    refused = next(r for r in results.values() if r.status_code == 400).json()
    assert "2 kit needed, 1 left" in refused["lines"][0]
    assert StockBalance.objects.get(commodity__code="food_basket").quantity == 1
    assert Receipt.objects.count() == 1
