"""Duplicate flags of staged rows, from the registry's own duplicate check (casework.dedupe).

A staged person is compared with the people of the other rows of the batch (a family typed twice in one
file, a Kobo form sent from two tablets) and with the registry of the batch's organisation. Flags warn
the supervisor before the merge; they do not block it: dropping or fixing the row is the supervisor's
call. A batch is checked in chunks, one registry query per chunk, so that a large file costs a few
queries per thousand people rather than a few per person.
"""
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from casework import dedupe, normalise
from casework.models import Household, Individual
from imports.models import StagedRow

CHUNK = 500
MAX_FLAGS_PER_PERSON = 3


def _person(member, household_phone):
    born, estimated = member.get("date_of_birth"), member.get("date_of_birth_estimated", False)
    if born is None and member.get("age_years") is not None:
        try:
            born, estimated = normalise.estimated_date_of_birth(member["age_years"], timezone.localdate()), True
        except ValidationError:  # an impossible age is the row's validation error; nothing to compare
            born = None
    return dedupe.Person(
        given_name=member["given_name"], family_name=member["family_name"], sex=member["sex"],
        date_of_birth=born, date_of_birth_estimated=estimated, nationality=member["nationality"],
        document_type=member["document_type"], document_number=member["document_number"],
        phone=member["phone"] or household_phone)


def people_of(row, members=None):
    """[(index in the row's members, Person)] for the members who give enough to be compared.
    `members` are the row's members as imports.services.prepare_member gives them, when at hand."""
    from imports.services import prepare_member

    if members is None:
        members = [prepare_member(raw)[0] for raw in row.data.get("members", [])]
    phone = str(row.data.get("household", {}).get("phone") or "")
    people = []
    for index, member in enumerate(members):
        person = _person(member, phone)
        if person.given_name or person.family_name or person.document_number:
            people.append((index, person))
    return people


def _reasons(reasons):
    return [{"code": reason.code, "label": str(reason.label)} for reason in reasons]


def _name(person):
    return " ".join(part for part in (person.given_name, person.family_name) if part)


class _Registered:
    """What a flag says of a registered person found for a batch: plain slots, one per row fetched."""
    __slots__ = ("pk", "household_id", "registration_number", "organisation_id", "site")

    def __init__(self, pk, household_id, registration_number, organisation_id, site):
        self.pk, self.household_id, self.registration_number = pk, household_id, registration_number
        self.organisation_id, self.site = organisation_id, site


def _registry_rows(keys):
    """Registry people of every organisation sharing any of these lookup keys, as (pk, Person,
    _Registered, their keys): one query."""
    if not keys:
        return []
    people, households = Individual._meta.db_table, Household._meta.db_table
    # One key at a time against the key index: with thousands of keys in one `&&` the planner expects
    # every row to match and reads the whole table. It expects as many from the key lookups too, so it
    # would join them to the people and households by reading both tables whole; the lateral subquery
    # (OFFSET 0 keeps it one) makes those primary-key lookups. The keys go as one string because binding
    # thousands of array items costs more than the query; they are letters, digits and colons.
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH found AS MATERIALIZED (
                SELECT DISTINCT near.id FROM unnest(string_to_array(%s, ',')) AS wanted(key)
                JOIN {people} near ON near.match_keys @> ARRAY[wanted.key]::varchar[])
            SELECT registered.* FROM found CROSS JOIN LATERAL (
                SELECT person.id, person.given_name, person.family_name, person.sex, person.date_of_birth,
                       person.date_of_birth_estimated, person.nationality, person.document_type,
                       person.document_number, person.phone, person.match_keys, household.id, household.phone,
                       household.organisation_id, household.registration_number, site.code
                FROM {people} person
                JOIN {households} household ON household.id = person.household_id
                JOIN casework_site site ON site.id = household.site_id
                WHERE person.id = found.id AND person.anonymised_at IS NULL OFFSET 0) AS registered""",
            [",".join(keys)])
        found = cursor.fetchall()
    rows = []
    for (pk, given, family, sex, born, estimated, nationality, document_type, document_number, phone, keys,
         household_id, household_phone, organisation_id, registration_number, site) in found:
        person = dedupe.Person(given_name=given, family_name=family, sex=sex, date_of_birth=born,
                               date_of_birth_estimated=estimated, nationality=nationality,
                               document_type=document_type, document_number=document_number,
                               phone=phone or household_phone)
        rows.append((pk, person, _Registered(pk, household_id, registration_number, organisation_id, site), keys))
    return rows


def _registry_flags(chunk, organisation_id):
    """{(row id, member index): [flag, ...]} against the registry for a chunk of (row, index, person,
    lookup keys)."""
    by_key = {}
    for entry in _registry_rows(sorted({key for *_found, lookup in chunk for key in lookup})):
        for key in entry[3]:
            by_key.setdefault(key, []).append(entry)
    flags = {}
    for row, index, person, lookup in chunk:
        near = {}
        for key in lookup:
            for entry in by_key.get(key, ()):
                near.setdefault(entry[0], entry)
        mine = [entry for entry in near.values() if entry[2].organisation_id == organisation_id]
        others = [entry for entry in near.values() if entry[2].organisation_id != organisation_id]
        found = []
        for (_pk, match, registered, _keys), value, reasons in dedupe.rank_people(
                person, mine[:dedupe.MAX_BLOCK_ROWS], limit=MAX_FLAGS_PER_PERSON):
            found.append({"member": index, "kind": "registry", "individual": str(registered.pk),
                          "household": str(registered.household_id),
                          "registration_number": registered.registration_number,
                          "site": registered.site, "name": _name(match), "score": value,
                          "reasons": _reasons(reasons)})
        elsewhere = len(dedupe.rank_people(person, others[:dedupe.MAX_BLOCK_ROWS], limit=dedupe.MAX_BLOCK_ROWS))
        if elsewhere:
            # Who they are is the other organisation's; that they exist is for the supervisor to know.
            found.append({"member": index, "kind": "elsewhere", "count": elsewhere})
        if found:
            flags[(row.pk, index)] = found
    return flags


class _BatchIndex:
    """The people of a batch's rows by blocking key, to find a person's likely twins among them."""

    def __init__(self):
        self.by_key = {}

    def add(self, row, index, person, keys):
        for key in keys:
            self.by_key.setdefault(key, []).append((row, index, person))

    def near(self, row, lookup):
        seen = {}
        for key in lookup:
            for other_row, other_index, other in self.by_key.get(key, ()):
                if other_row.pk != row.pk:
                    seen.setdefault((other_row.pk, other_index), (other_row, other_index, other))
        return list(seen.values())


def _pair_flags(row, index, person, other_row, other_index, other, threshold):
    if dedupe.cannot_reach(person, other, threshold):
        return None
    value, reasons = dedupe.score(person, other)
    if value < threshold:
        return None
    return ({"member": index, "kind": "batch", "row": other_row.row_number, "row_id": str(other_row.pk),
             "other_member": other_index, "name": _name(other), "score": value, "reasons": _reasons(reasons)},
            {"member": other_index, "kind": "batch", "row": row.row_number, "row_id": str(row.pk),
             "other_member": index, "name": _name(person), "score": value, "reasons": _reasons(reasons)})


def _keyed(people):
    """(index, Person, blocking keys, lookup keys) of each person, each computed once, and the row's
    match keys."""
    keyed = [(index, person, dedupe.blocking_keys(person), dedupe.lookup_keys(person)) for index, person in people]
    return keyed, sorted({key for _index, _person, blocking, _lookup in keyed for key in blocking})


class _RowRef:
    """What the batch index keeps of a row already written: enough to name it in a flag."""
    __slots__ = ("pk", "row_number")

    def __init__(self, row):
        self.pk, self.row_number = row.pk, row.row_number


class BatchFlagger:
    """Flags a batch chunk by chunk, so that a large file is never held in memory whole: the index keeps
    only the people of rows already seen, and the flags that a later row adds to an earlier, already
    written row wait in `late` until `save_late()`."""

    def __init__(self, *, organisation_id, threshold=None):
        self.organisation_id = organisation_id
        self.threshold = dedupe.DEFAULT_THRESHOLD if threshold is None else threshold
        self.index = _BatchIndex()
        self.late = {}

    def flag(self, rows, members=None):
        """Set `duplicates` and `match_keys` on a chunk of kept rows, in memory. `members` may give
        {row id: the row's prepared members}."""
        current = {row.pk: row for row in rows}
        everyone = []
        for row in rows:
            row.duplicates = []
            people, row.match_keys = _keyed(people_of(row, None if members is None else members[row.pk]))
            for member_index, person, blocking, lookup in people:
                for other_row, other_index, other in self.index.near(row, lookup):
                    pair = _pair_flags(row, member_index, person, other_row, other_index, other, self.threshold)
                    if pair:
                        row.duplicates.append(pair[0])
                        if other_row.pk in current:
                            current[other_row.pk].duplicates.append(pair[1])
                        else:
                            self.late.setdefault(other_row.pk, []).append(pair[1])
                self.index.add(_RowRef(row), member_index, person, blocking)
                everyone.append((row, member_index, person, lookup))
        for start in range(0, len(everyone), CHUNK):
            for (row_id, _member), found in _registry_flags(everyone[start:start + CHUNK],
                                                            self.organisation_id).items():
                current[row_id].duplicates.extend(found)
        for row in rows:
            row.duplicates.sort(key=_flag_order)

    def save_late(self):
        pending = list(self.late.items())
        for start in range(0, len(pending), 1000):
            chunk = dict(pending[start:start + 1000])
            rows = list(StagedRow.objects.filter(pk__in=chunk).only("id", "duplicates"))
            for row in rows:
                row.duplicates = sorted(row.duplicates + chunk[row.pk], key=_flag_order)
            with connection.cursor() as cursor:
                cursor.execute(f"""
                    UPDATE {StagedRow._meta.db_table} AS staged SET duplicates = given.duplicates
                    FROM unnest(%s::uuid[], %s::jsonb[]) AS given(id, duplicates) WHERE staged.id = given.id""",
                    [[row.pk for row in rows], [Jsonb(row.duplicates) for row in rows]])
        self.late = {}


def _flag_order(flag):
    return (flag["member"], {"registry": 0, "batch": 1, "elsewhere": 2}[flag["kind"]], -flag.get("score", 0))


def _without(flags, row_id):
    return [flag for flag in flags if flag.get("row_id") != str(row_id)]


def flag_row(row, *, organisation_id, threshold=None):
    """Flags of one row that arrived or changed, against the registry and the batch's other kept rows;
    the other rows' flags pointing at it are rewritten to match. Saves the other rows; the caller saves
    this one."""
    threshold = dedupe.DEFAULT_THRESHOLD if threshold is None else threshold
    people, row.match_keys = _keyed(people_of(row))
    row.duplicates = []
    lookup = sorted({key for *_person, keys in people for key in keys})
    pointing = StagedRow.objects.filter(batch_id=row.batch_id, duplicates__contains=[{"row_id": str(row.pk)}])
    near = StagedRow.objects.filter(batch_id=row.batch_id, dropped=False, match_keys__overlap=lookup or ["-"])
    others = {other.pk: other for other in [*pointing, *near] if other.pk != row.pk}
    for other in others.values():
        other.duplicates = _without(other.duplicates, row.pk)
    if not row.dropped:
        index = _BatchIndex()
        for other in others.values():
            if not other.dropped:
                for other_index, person in people_of(other):
                    index.add(other, other_index, person, dedupe.blocking_keys(person))
        for member_index, person, _blocking, keys in people:
            for other_row, other_index, other in index.near(row, keys):
                pair = _pair_flags(row, member_index, person, other_row, other_index, other, threshold)
                if pair:
                    row.duplicates.append(pair[0])
                    other_row.duplicates.append(pair[1])
        for (_row_id, _member), found in _registry_flags(
                [(row, member_index, person, keys) for member_index, person, _blocking, keys in people],
                organisation_id).items():
            row.duplicates.extend(found)
    for flags_of in [row, *others.values()]:
        flags_of.duplicates.sort(key=_flag_order)
    StagedRow.objects.bulk_update(list(others.values()), ["duplicates"])


def save_checks(rows):
    """Write rows' errors, duplicates and match keys in one UPDATE per thousand rows: Django's
    bulk_update builds a CASE per field and row, which took longer than the duplicate check itself.
    The rows go as one JSON document: four arrays of a thousand items each cost more to bind."""
    table = StagedRow._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            cursor.execute(f"""
                UPDATE {table} AS staged
                SET duplicates = given.duplicates,
                    match_keys = ARRAY(SELECT jsonb_array_elements_text(given.keys))::varchar[],
                    errors = given.errors
                FROM jsonb_to_recordset(%s) AS given(id uuid, duplicates jsonb, keys jsonb, errors jsonb)
                WHERE staged.id = given.id""", [Jsonb([
                {"id": str(row.pk), "duplicates": row.duplicates, "keys": row.match_keys, "errors": row.errors}
                for row in chunk])])
