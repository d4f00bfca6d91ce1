"""Two copies of one request at once (a client retrying while the first is still being written): both
pass the check for the client's id before either has committed, one inserts and the other must answer
with that record, not an error, and never write a second one."""
import datetime
import threading
import time
import uuid

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from casework import case_services, services
from casework.models import CaseNote, Consent, FollowUp, Individual
from distributions import services as distributions
from distributions.models import DistributionRound, StockMovement
from tests.distributions.conftest import STANDARD_RULES
from tests.factories import register

pytestmark = pytest.mark.django_db(transaction=True)


def note(actor, case, record_id):
    return case_services.add_note(actor=actor, case=case, text="Called the family.", id=record_id)[0]


def follow_up(actor, case, record_id):
    return case_services.plan_follow_up(actor=actor, case=case, action="Call back", id=record_id,
                                        due_on=timezone.localdate() + datetime.timedelta(days=3))[0]


def consent(actor, case, record_id):
    return services.record_consent(actor=actor, purposes=["referral"], given_by="María", household=case.household,
                                   id=record_id)


def stock(actor, case, record_id):
    return distributions.record_stock_movement(actor=actor, kind="received", site=case.household.site,
                                               commodity="food_basket", quantity=5, id=record_id)[0]


def member(actor, case, record_id):
    return services.add_member(actor=actor, household=case.household, member={
        "id": record_id, "relationship_to_head": "child", "given_name": "Luis", "family_name": "Rojas",
        "sex": "male", "date_of_birth": datetime.date(2019, 5, 2), "nationality": "VEN", "document_type": "none"})


def distribution_round(actor, case, record_id):
    today = timezone.localdate()
    return distributions.create_round(actor=actor, site=case.household.site, name="Ronda de diciembre",
                                      starts_on=today, ends_on=today + datetime.timedelta(days=7),
                                      rules=STANDARD_RULES, id=record_id)[0]


def blocked_on_a_lock(thread_started_at):
    """Whether another session of this database is waiting for a row or index lock."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND wait_event_type = 'Lock' AND query_start >= %s", [thread_started_at])
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize(("write", "model"), [
    (note, CaseNote), (follow_up, FollowUp), (consent, Consent), (stock, StockMovement),
    (distribution_round, DistributionRound), (member, Individual),
])
def test_a_retry_racing_the_first_request_gets_its_record(write, model, officer, supervisor):
    household = register(officer)
    case, _created = case_services.open_case(actor=supervisor, household=household)
    record_id = uuid.uuid4()
    written, release, outcome = threading.Event(), threading.Event(), {}

    def first_request():
        try:
            with transaction.atomic():
                outcome["first"] = write(supervisor, case, record_id)
                written.set()
                release.wait(10)  # written, not yet committed
        finally:
            connection.close()

    def retry():
        try:
            outcome["retry"] = write(supervisor, case, record_id)
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            outcome["retry"] = error
        finally:
            connection.close()

    first = threading.Thread(target=first_request)
    first.start()
    assert written.wait(10)
    started_at = timezone.now() - datetime.timedelta(seconds=1)
    second = threading.Thread(target=retry)
    second.start()
    deadline = time.monotonic() + 10
    while not blocked_on_a_lock(started_at) and time.monotonic() < deadline:  # past the check, inserting
        time.sleep(0.02)
    release.set()
    first.join(10), second.join(10)
    assert not isinstance(outcome["retry"], Exception), outcome["retry"]
    assert outcome["retry"].pk == outcome["first"].pk == record_id
    assert model.objects.filter(pk=record_id).count() == 1
