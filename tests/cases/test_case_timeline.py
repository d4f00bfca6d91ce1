import datetime

import pytest

from casework import case_timeline
from casework.case_timeline import TimelineEntry, case_people, timeline_for, timeline_provider


@pytest.fixture
def extra_providers(monkeypatch):
    """Providers registered by a test are forgotten after it."""
    monkeypatch.setattr(case_timeline, "_providers", list(case_timeline._providers))


def test_another_app_adds_its_entries_to_the_timeline(extra_providers, approved_case, supervisor, child):
    @timeline_provider
    def distributions(case, user):
        for person in case_people(case).filter(given_name="Samuel"):
            yield TimelineEntry(at=datetime.date.today(), kind="distribution", title=f"Hygiene kit for {person}",
                                url="/distributions/1/")

    entries = timeline_for(approved_case, supervisor)
    assert entries[0].kind == "distribution" and entries[0].title == "Hygiene kit for Samuel Pérez González"
    assert [entry.kind for entry in entries].count("status") == 3


def test_registering_a_provider_twice_adds_its_entries_once(extra_providers, draft_case, caseworker):
    def one(case, user):
        yield TimelineEntry(at=datetime.date.today(), kind="referral", title="Referred")

    timeline_provider(one)
    timeline_provider(one)
    assert [entry.kind for entry in timeline_for(draft_case, caseworker)].count("referral") == 1


def test_the_people_of_a_case_are_its_person_or_the_whole_household(caseworker, household, child):
    from tests.cases.conftest import open_case

    assert set(case_people(open_case(caseworker, household))) == set(household.members.all())
    person_case = open_case(caseworker, individual=child)
    assert list(case_people(person_case)) == [child]


def test_the_case_page_shows_entries_of_other_apps_with_their_link(extra_providers, client, approved_case,
                                                                   supervisor):
    timeline_provider(lambda case, user: [TimelineEntry(at=datetime.date.today(), kind="referral",
                                                        title="Referred to legal aid", url="/referrals/7/")])
    client.force_login(supervisor)
    html = client.get(f"/cases/{approved_case.pk}/").content.decode()
    assert '<a href="/referrals/7/">Referred to legal aid</a>' in html
