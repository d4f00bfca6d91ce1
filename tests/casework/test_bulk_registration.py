"""register_households: the import's merge registers many families with the rules of one."""
import datetime

import pytest

from casework import services
from casework.errors import InvalidInput
from casework.models import AuditEvent, Consent, Household, Individual, RegistrationCounter
from tests.factories import family, member, pending_index_entries, register

pytestmark = pytest.mark.django_db


def families(count):
    return [({"population_type": "in_transit", "phone": "987654321", "consent_given": True}, family(3))
            for _n in range(count)]


def test_many_families_get_consecutive_numbers_consents_and_audit_rows(officer, tumbes):
    register(officer)  # the sequence is shared with registrations one at a time
    households = services.register_households(actor=officer, site=tumbes, families=families(3))
    year = datetime.date.today().year
    assert [h.registration_number for h in households] == [f"TUM-{year}-00000{n}" for n in (2, 3, 4)]
    assert RegistrationCounter.objects.get(site=tumbes, year=year).last_number == 4
    household = Household.objects.get(pk=households[0].pk)
    assert household.phone == "+51987654321" and household.members.count() == 3
    assert household.members.get(relationship_to_head="head").match_keys
    assert Consent.objects.filter(household__in=households).count() == 3
    assert AuditEvent.objects.filter(object_type="casework.household", action="create").count() == 4
    assert AuditEvent.objects.filter(object_type="casework.individual", action="create").count() == 4 + 3 * 3


def test_one_bad_family_refuses_them_all_and_names_it(officer, tumbes):
    taken = register(officer, members=[member(document_number="V9191919")])
    batch = families(3)
    batch[2] = ({"population_type": "in_transit"}, [member(document_number="V-9191919")])
    batch[1] = ({"population_type": "nomad"}, family(2))
    before = (Household.objects.count(), Individual.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as refused:
        services.register_households(actor=officer, site=tumbes, families=batch)
    failures = refused.value.errors["families"]
    assert set(failures) == {1, 2}
    assert "population_type" in failures[1]
    assert taken.registration_number in failures[2]["members"][0]["document_number"][0]
    assert (Household.objects.count(), Individual.objects.count(), AuditEvent.objects.count()) == before


def test_one_document_in_two_families_is_refused(officer, tumbes):
    batch = [({"population_type": "in_transit"}, [member(document_number="V5151515")]),
             ({"population_type": "in_transit"}, [member(document_number="V5151515")])]
    with pytest.raises(InvalidInput) as refused:
        services.register_households(actor=officer, site=tumbes, families=batch)
    assert list(refused.value.errors["families"]) == [1]


def test_an_officer_cannot_register_at_a_site_they_do_not_work_at(officer, tacna):
    with pytest.raises(InvalidInput) as refused:
        services.register_households(actor=officer, site=tacna, families=families(1))
    assert "site" in refused.value.errors
    assert not Household.objects.exists()


def test_queries_do_not_grow_with_the_families(officer, tumbes, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        services.register_households(actor=officer, site=tumbes, families=families(200))
    assert Household.objects.count() == 200


def test_a_family_failing_after_chunks_were_written_undoes_them_all(officer, tumbes, monkeypatch):
    monkeypatch.setattr(services, "BULK_CHUNK", 1)
    batch = families(3)
    batch[2] = ({"population_type": "nomad"}, family(2))
    with pytest.raises(InvalidInput) as refused:
        services.register_households(actor=officer, site=tumbes, families=batch)
    assert list(refused.value.errors["families"]) == [2]
    assert not Household.objects.exists() and not RegistrationCounter.objects.filter(last_number__gt=0).exists()


def test_the_search_indexes_take_in_what_a_bulk_registration_left_pending(officer, tumbes):
    services.register_households(actor=officer, site=tumbes, families=families(20))
    pending = pending_index_entries()
    if pending is None:
        pytest.skip("this PostgreSQL has no pgstattuple to read GIN pending lists with")
    # Every duplicate check and search reads a pending list through; an import's merge empties them.
    assert pending > 0
    services.settle_search_indexes()
    assert pending_index_entries() == 0
