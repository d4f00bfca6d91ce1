"""The duplicate check, the nightly scan and the supervisors' merge workflow (issue 5, points 3, 4, 6)."""
import datetime

import pytest

from casework import case_services, duplicates, services
from casework.dedupe import phonetic
from casework.models import AuditEvent, Consent, DuplicateScan, Individual, Merge, SuspectedDuplicate
from reporting import activity
from reporting.models import Activity, FirstReach, Indicator, PersonMonth
from tests.factories import member, register

BORN = datetime.date(1990, 5, 17)
CHECK = "/api/v1/individuals/duplicates/"


def solo(officer, **overrides):
    fields = {"given_name": "María José", "family_name": "Pérez González", "date_of_birth": BORN} | overrides
    return register(officer, members=[member(**fields)]).members.get()


@pytest.mark.django_db
def test_the_check_answers_candidates_with_score_and_reasons_and_writes_nothing(api_for, officer):
    registered = solo(officer)
    events = AuditEvent.objects.count()
    response = api_for(officer).post(CHECK, {"given_name": "MARIA", "family_name": "Gonzalez Perez",
                                             "date_of_birth": "1990-05-17", "sex": "female"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["threshold"] == 80
    [candidate] = body["candidates"]
    assert candidate["individual"]["id"] == str(registered.pk)
    assert candidate["registration_number"] == registered.household.registration_number
    assert candidate["score"] >= 80 and {r["code"] for r in candidate["reasons"]} >= {"birth_date_same"}
    assert "matches_in_other_organisations" not in body
    assert AuditEvent.objects.count() == events and Individual.objects.count() == 1


@pytest.mark.django_db
def test_the_check_refuses_bad_input_clearly(api_for, officer):
    response = api_for(officer).post(CHECK, {"family_name": "Pérez", "date_of_birth": "17/05/1990",
                                             "phone": "12"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"given_name", "date_of_birth", "phone"}


@pytest.mark.django_db
def test_a_field_officer_sees_no_candidates_outside_their_sites_or_organisation(api_for, officer, colleague,
                                                                               outsider, supervisor):
    solo(colleague)  # same organisation, registered in Tacna
    solo(outsider)  # another organisation, same site
    query = {"given_name": "María José", "family_name": "Pérez González", "date_of_birth": "1990-05-17"}
    assert api_for(officer).post(CHECK, query, format="json").json()["candidates"] == []
    # The supervisor sees the organisation's record, and only that a match exists in another organisation.
    body = api_for(supervisor).post(CHECK, query, format="json").json()
    assert [c["site"] for c in body["candidates"]] == ["TAC"]
    assert body["matches_in_other_organisations"] == 1
    assert api_for(outsider).post(CHECK, query, format="json").json()["candidates"][0]["site"] == "TUM"


@pytest.mark.django_db
def test_partners_and_me_officers_cannot_check(api_for, partner, me_officer):
    query = {"given_name": "María", "family_name": "Pérez"}
    assert api_for(partner).post(CHECK, query, format="json").status_code == 403
    assert api_for(me_officer).post(CHECK, query, format="json").status_code == 403


@pytest.mark.django_db
def test_blocking_keys_follow_every_change_of_name(officer):
    person = solo(officer)
    assert any(key.endswith(":peres") for key in person.match_keys)
    services.update_member(actor=officer, individual=person,
                           changes={"family_name": "Rodríguez", "given_name": "Ana"})
    person.refresh_from_db()
    assert not any("peres" in key for key in person.match_keys)
    assert any(key.endswith(":" + phonetic("Rodríguez")) for key in person.match_keys)


@pytest.mark.django_db
def test_the_scan_queues_each_pair_once_and_only_looks_at_changes(officer, colleague, outsider):
    first = solo(officer)
    second = solo(colleague, given_name="Maria", family_name="Perez", document_type="none")
    solo(outsider)  # another organisation: not in this organisation's queue
    solo(officer, given_name="Rosa", family_name="Quispe", date_of_birth=datetime.date(1970, 1, 1))
    assert duplicates.scan_registry() == {"checked": 4, "queued": 1}
    pair = SuspectedDuplicate.objects.get(organisation=officer.organisation)
    assert {pair.first_id, pair.second_id} == {first.pk, second.pk}
    assert duplicates.scan_registry()["queued"] == 0  # rerun: same queue
    assert SuspectedDuplicate.objects.count() == 1  # no pair across organisations: neither may see the other
    scan = DuplicateScan.objects.get()
    # Nothing changed since: the next night checks no one.
    assert duplicates.scan_registry()["checked"] == 0
    assert scan.scanned_until is not None


@pytest.mark.django_db
def test_a_pair_marked_not_the_same_is_never_proposed_again(officer, colleague, supervisor):
    first = solo(officer)
    solo(colleague, document_type="none")
    duplicates.scan_registry()
    pair = SuspectedDuplicate.objects.get()
    duplicates.mark_not_same(actor=supervisor, suspicion=pair)
    services.update_member(actor=officer, individual=first, changes={"phone": "987 654 321"})
    duplicates.scan_registry()
    assert SuspectedDuplicate.objects.get().status == SuspectedDuplicate.Status.NOT_SAME
    assert AuditEvent.objects.filter(object_type="casework.suspectedduplicate").count() == 1


@pytest.mark.django_db
def test_merge_moves_everything_and_unmerge_puts_it_all_back(api_for, officer, colleague, supervisor,
                                                             caseworker):
    survivor = solo(officer)
    duplicate = solo(colleague, document_type="none")
    case, _created = case_services.open_case(actor=supervisor, household=duplicate.household, individual=duplicate)
    consent = Consent.objects.create(individual=duplicate, purposes=["referral"], given_by="María",
                                     recorded_by=supervisor)
    indicator = Indicator.objects.first()
    activity.record(source_type="test", source_id="1", people=[duplicate], organisation=duplicate.household.organisation,
                    site=duplicate.household.site, indicator=indicator, date=datetime.date(2026, 10, 2))
    activity.record(source_type="test", source_id="2", people=[survivor], organisation=survivor.household.organisation,
                    site=survivor.household.site, indicator=indicator, date=datetime.date(2026, 10, 9))
    duplicates.scan_registry()
    pair = SuspectedDuplicate.objects.get()
    client = api_for(supervisor)
    assert api_for(officer).post(f"/api/v1/duplicates/{pair.pk}/merge/", {"survivor": str(survivor.pk)},
                                 format="json").status_code == 403
    assert client.post(f"/api/v1/duplicates/{pair.pk}/merge/", {"survivor": "bad"}, format="json").status_code == 400
    response = client.post(f"/api/v1/duplicates/{pair.pk}/merge/", {"survivor": str(survivor.pk)}, format="json")
    assert response.status_code == 200, response.json()
    assert not Individual.objects.filter(pk=duplicate.pk).exists()
    case.refresh_from_db(), consent.refresh_from_db()
    assert case.individual_id == consent.individual_id == survivor.pk
    assert set(Activity.objects.values_list("person_id", flat=True)) == {survivor.pk}
    # One person reached twice is one person reached, first on the earlier day.
    assert FirstReach.objects.get().first_date == datetime.date(2026, 10, 2)
    assert set(PersonMonth.objects.values_list("person_id", flat=True)) == {survivor.pk}
    assert PersonMonth.objects.order_by("first_date").first().first_date == datetime.date(2026, 10, 2)
    assert all(PersonMonth.objects.values_list("is_new", flat=True))
    assert SuspectedDuplicate.objects.get().status == "merged"
    assert AuditEvent.objects.filter(object_id=str(duplicate.pk), action="delete").exists()
    assert client.post(f"/api/v1/duplicates/{pair.pk}/merge/", {"survivor": str(survivor.pk)},
                       format="json").status_code in {404, 409}

    response = client.post(f"/api/v1/duplicates/{pair.pk}/unmerge/")
    assert response.status_code == 200, response.json()
    restored = Individual.objects.get(pk=duplicate.pk)
    assert (restored.given_name, restored.household_id, restored.document_number) == (
        duplicate.given_name, duplicate.household_id, duplicate.document_number)
    case.refresh_from_db(), consent.refresh_from_db()
    assert case.individual_id == consent.individual_id == duplicate.pk
    assert Activity.objects.get(source_id="1").person_id == duplicate.pk
    assert FirstReach.objects.count() == 2
    assert sorted(PersonMonth.objects.values_list("person_id", "first_date")) == sorted([
        (duplicate.pk, datetime.date(2026, 10, 2)), (survivor.pk, datetime.date(2026, 10, 9))])
    assert Merge.objects.get().undone_at is not None
    assert SuspectedDuplicate.objects.get().status == "open"
    assert client.post(f"/api/v1/duplicates/{pair.pk}/unmerge/").status_code == 404


@pytest.mark.django_db
def test_the_queue_is_for_the_organisations_supervisors(api_for, officer, colleague, supervisor, outsider):
    solo(officer), solo(colleague, document_type="none")
    duplicates.scan_registry()
    listing = api_for(supervisor).get("/api/v1/duplicates/", {"status": "open"}).json()
    assert listing["count"] == 1
    assert listing["results"][0]["first"]["given_name"] == "María José"
    assert api_for(officer).get("/api/v1/duplicates/").status_code == 403
    pair = SuspectedDuplicate.objects.get()
    response = api_for(supervisor).post(f"/api/v1/duplicates/{pair.pk}/not-same/")
    assert response.json()["status"] == "not_same"
    assert api_for(supervisor).post(f"/api/v1/duplicates/{pair.pk}/not-same/").status_code == 409


@pytest.mark.django_db
def test_the_queue_list_runs_a_fixed_number_of_queries(api_for, supervisor, officer, django_assert_max_num_queries):
    for number in range(6):
        solo(officer, document_number=f"V55{number}0000", given_name="Luis", family_name="Mora",
             sex="male", date_of_birth=datetime.date(1980, 1, 1))
    duplicates.scan_registry()
    assert SuspectedDuplicate.objects.count() == 15
    client = api_for(supervisor)
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/duplicates/").json()["count"] == 15


@pytest.mark.django_db
def test_the_nightly_task_is_scheduled_and_runs_through_celery(officer, colleague, settings):
    from casework.tasks import scan_for_duplicates

    entry = settings.CELERY_BEAT_SCHEDULE["nightly-duplicate-scan"]
    assert entry["task"] == "casework.tasks.scan_for_duplicates"
    solo(officer), solo(colleague, document_type="none")
    assert scan_for_duplicates.apply().get() == {"checked": 2, "queued": 1}


@pytest.mark.django_db(transaction=True)
def test_a_scan_that_dies_half_way_loses_nothing_when_run_again(officer, colleague, monkeypatch):
    for number in range(3):
        solo(officer, given_name="Luis", family_name="Mora", sex="male", date_of_birth=datetime.date(1980, 1, 1),
             document_number=f"V77{number}0000")
    monkeypatch.setattr(duplicates, "SCAN_CHUNK", 1)
    real_rank, calls = duplicates.dedupe.rank, []

    def dies_on_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_rank(*args, **kwargs)

    monkeypatch.setattr(duplicates.dedupe, "rank", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        duplicates.scan_registry()
    committed = SuspectedDuplicate.objects.count()
    monkeypatch.setattr(duplicates.dedupe, "rank", real_rank)
    duplicates.scan_registry()
    assert committed == 2 and SuspectedDuplicate.objects.count() == 3
    assert duplicates.scan_registry()["queued"] == 0
