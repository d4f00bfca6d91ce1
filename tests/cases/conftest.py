"""Cases for the named users of tests/conftest.py: `caseworker` (camila, OIM Tumbes) follows them,
`supervisor` (sara, OIM) reviews them, `officer` (alicia) registered the family."""
import datetime

import pytest

from casework import case_services
from casework.models import FollowUp
from tests.factories import family, member, register


@pytest.fixture
def household(officer):
    members = family(3)
    members[2] = member(relationship_to_head="child", given_name="Samuel", sex="male",
                        date_of_birth=datetime.date(2012, 3, 1), document_type="none", document_number="")
    return register(officer, members=members)


@pytest.fixture
def child(household):
    return household.members.get(given_name="Samuel")


def open_case(actor, household=None, *, needs=("SC-UC",), details="Travels alone.", **fields):
    case, _created = case_services.open_case(
        actor=actor, household=household,
        assessment={"specific_needs": list(needs), "details": details} if needs is not None else None, **fields,
    )
    return case


def move(case, actor, *actions, comment="Checked."):
    for action in actions:
        case = case_services.transition_case(actor=actor, case=case, action=action, comment=comment)
    return case


@pytest.fixture
def draft_case(caseworker, household, supervisor):
    return open_case(caseworker, household, supervisor=supervisor)


@pytest.fixture
def submitted_case(draft_case, caseworker):
    return move(draft_case, caseworker, "submit")


@pytest.fixture
def approved_case(submitted_case, supervisor):
    return move(submitted_case, supervisor, "approve")


@pytest.fixture
def closed_case(approved_case, caseworker):
    return move(approved_case, caseworker, "close", comment="Reunited with the family in Lima.")


def make_overdue(follow_up, days=3):
    """Time passes: the follow-up's due date is now behind us (the service refuses past dates)."""
    FollowUp.objects.filter(pk=follow_up.pk).update(due_on=datetime.date.today() - datetime.timedelta(days=days))
