"""Finding the same person registered twice.

The embedded PostgreSQL has no pg_trgm, so the database only answers exact lookups on blocking keys
(stored in `Individual.match_keys`, GIN-indexed, recomputed whenever a name, birth date or document
changes) and Python scores the few candidates a block returns.

Keys are built from a Spanish phonetic form of single name words, so that accents, case, b/v, s/z/c,
ll/y, a silent h and doubled letters do not matter, and from single surname words, so that one or both
surnames, in either order, still meet. Birth years are widened by one on lookup (estimated ages), and
a birth date is keyed with day and month sorted (day/month swapped).
"""
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from rapidfuzz.distance import OSA, Levenshtein

from casework import normalise

# A pair scoring this or more is proposed as a likely duplicate; calibrated with bench/dedupe.py.
DEFAULT_THRESHOLD = 80
# Candidates fetched per check: enough for a very common name in one birth year, few enough to score fast.
MAX_BLOCK_ROWS = 400
MIN_DOCUMENT_DIGITS = 5
# Below this a given name or surname is another name, not a misspelling of it.
DIFFERENT_NAME = 0.75
# Below this one word is another word ('José'/'Jsoé' is 0.75).
SAME_WORD = 0.75
MISSING_WORD = 0.85
# The most a pair can score when the birth dates disagree and the documents differ (see `score`): the
# same name, sex and phone and a document one digit apart. Below the threshold, such pairs are not scored.
BEST_WITHOUT_BIRTH = 45 + 15 + 8 + 8


@dataclass(frozen=True)
class Person:
    """What is known about a person, raw as typed; everything is normalised here."""

    given_name: str = ""
    family_name: str = ""
    sex: str = ""
    date_of_birth: date | None = None
    date_of_birth_estimated: bool = False
    nationality: str = ""
    document_type: str = ""
    document_number: str = ""
    phone: str = ""

    @classmethod
    def from_individual(cls, individual, household_phone=""):
        return cls(
            given_name=individual.given_name, family_name=individual.family_name, sex=individual.sex,
            date_of_birth=individual.date_of_birth, date_of_birth_estimated=individual.date_of_birth_estimated,
            nationality=individual.nationality, document_type=individual.document_type,
            document_number=individual.document_number, phone=individual.phone or household_phone,
        )


@dataclass
class Reason:
    """Why a pair looks alike. The label is translated when read: scoring makes reasons for every pair
    it compares, and translating each was a tenth of checking a large import."""
    code: str
    message: str

    @property
    def label(self):
        return gettext(self.message)


@dataclass
class Candidate:
    individual: object
    score: int
    reasons: list = field(default_factory=list)


# --- normal forms -----------------------------------------------------------------------------------

_PHONETIC_RULES = [(re.compile(pattern), replacement) for pattern, replacement in [
    (r"ch", "X"), (r"ll", "y"), (r"qu", "k"), (r"gu(?=[ei])", "g"), (r"g(?=[ei])", "j"), (r"c(?=[ei])", "s"),
    (r"z", "s"), (r"c", "k"), (r"q", "k"), (r"v", "b"), (r"w", "b"), (r"ph", "f"), (r"h", ""), (r"y$", "i"),
]]
_DOUBLED = re.compile(r"(.)\1+")


# Names repeat a great deal (a few hundred forms cover most of a registry): remember the work.
@lru_cache(maxsize=200_000)
def phonetic(word):
    """A Spanish sound-alike form: 'Yépez' and 'Llepes', 'Vanessa' and 'Banesa' come out the same."""
    word = normalise.search_text(word).replace(" ", "")
    for pattern, replacement in _PHONETIC_RULES:
        word = pattern.sub(replacement, word)
    return _DOUBLED.sub(r"\1", word)


@lru_cache(maxsize=200_000)
def name_words(text):
    # Particles carry no identity: 'de la Cruz' and 'Cruz' are the same surname.
    return tuple(word for word in normalise.search_text(text).split()
                 if word not in {"de", "del", "la", "las", "los", "y"})


@lru_cache(maxsize=200_000)
def document_digits(raw):
    """'V-12.345.678' and '12345678' are one cédula: compare the digits when there are enough of them."""
    digits = re.sub(r"\D", "", raw or "")
    return digits if len(digits) >= MIN_DOCUMENT_DIGITS else ""


@lru_cache(maxsize=100_000)
def phone_key(raw):
    try:
        return normalise.phone_e164(raw)
    except Exception:  # a phone that does not parse blocks nothing; validation reports it elsewhere
        return ""


def _sorted_day_month(born):
    low, high = sorted((born.month, born.day))
    return f"{born.year}{low:02d}{high:02d}"


# --- blocking -----------------------------------------------------------------------------------------

def _keys(person, years):
    given = name_words(person.given_name)[:1]
    surnames = name_words(person.family_name)
    first = phonetic(given[0]) if given else ""
    keys = set()
    born = person.date_of_birth
    for surname in surnames:
        sound = phonetic(surname)
        if first and born:
            keys.update(f"n{year}:{first}:{sound}" for year in years)
        if born:
            keys.add(f"d{_sorted_day_month(born)}:{sound}")
    if first and born:
        keys.add(f"g{_sorted_day_month(born)}:{first}")
    digits = document_digits(person.document_number)
    if digits:
        keys.add(f"x{digits}")
    return keys


def blocking_keys(person):
    """The keys stored for a person: two people who share none are not compared."""
    return _keys(person, [person.date_of_birth.year] if person.date_of_birth else [])


def lookup_keys(person):
    """The keys to look up for a person: the stored ones with the birth year widened by one."""
    year = person.date_of_birth.year if person.date_of_birth else None
    return _keys(person, [year - 1, year, year + 1] if year else [])


# --- scoring ------------------------------------------------------------------------------------------

@lru_cache(maxsize=500_000)
def _word_similarity(left, right):
    """Spelling or sound, whichever is closer; swapping two letters is one slip, not two."""
    return max(OSA.normalized_similarity(left, right), OSA.normalized_similarity(phonetic(left), phonetic(right)))


def _words_similarity(left, right):
    """Each word of the shorter name against its best match in the longer, in spelling and in sound,
    in any order: a missing word (second surname, middle name) costs nothing, a different one does."""
    if not left or not right:
        return 0.0
    shorter, longer = sorted([left, right], key=len)
    # Each word pairs with a different word: 'Ramírez Ramírez' is not 'Martínez Ramírez'.
    unused, best = list(longer), []
    for word in shorter:
        match = max(unused, key=lambda other: _word_similarity(word, other))
        best.append(_word_similarity(word, match))
        unused.remove(match)
    # 'Huamán' and 'Mamani' share letters, not a name: a word with no close match counts as none.
    similarity = sum(value if value >= SAME_WORD else 0.0 for value in best) / len(shorter)
    # A missing word is how people shorten their names, but it is also how strangers look alike.
    return similarity * (MISSING_WORD if len(shorter) < len(longer) else 1.0)


def _birth_similarity(a, b):
    """1 exact, lower for the mistakes people make writing a date, 0 when the dates disagree."""
    if a.date_of_birth is None or b.date_of_birth is None:
        return 0.5, None
    x, y = a.date_of_birth, b.date_of_birth
    if x == y:
        return 1.0, Reason("birth_date_same", _("same date of birth"))
    if (x.year, x.month, x.day) == (y.year, y.day, y.month):
        return 0.9, Reason("birth_date_swapped", _("date of birth with day and month swapped"))
    if a.date_of_birth_estimated or b.date_of_birth_estimated:
        if abs(x.year - y.year) <= 1:
            return 0.55, Reason("birth_date_estimated", _("estimated age matches the date of birth"))
        if abs(x.year - y.year) <= 2:
            return 0.35, Reason("birth_date_estimated", _("estimated age close to the date of birth"))
        return 0.0, None
    # A day apart (midnight births, time zones) or the year mistyped; other near dates are strangers'.
    if abs((x - y).days) <= 1 or ((x.month, x.day) == (y.month, y.day) and abs(x.year - y.year) == 1):
        return 0.75, Reason("birth_date_near", _("date of birth a day or a year apart"))
    if x.year == y.year and (x.month == y.month or x.day == y.day):
        return 0.3, None
    if x.year == y.year:
        return 0.2, None
    return 0.0, None


def score(a, b):
    """How likely two people are one, 0-100, and the reasons a supervisor reads."""
    reasons = []
    given = _words_similarity(name_words(a.given_name), name_words(b.given_name))
    family = _words_similarity(name_words(a.family_name), name_words(b.family_name))
    name = (given + family) / 2
    shortened = len(name_words(a.given_name) + name_words(a.family_name)) != len(
        name_words(b.given_name) + name_words(b.family_name))
    # Twins share a surname, a birth date and a sex; only the given name tells them apart.
    different_name = given < DIFFERENT_NAME or family < DIFFERENT_NAME
    if name >= 0.99:
        reasons.append(Reason("name_same", _("same name")))
    elif name >= 0.8:
        reasons.append(Reason("name_similar", _("similar name")))
    birth, birth_reason = _birth_similarity(a, b)
    if birth_reason:
        reasons.append(birth_reason)
    sexes = {a.sex, b.sex} - {"", "unknown", "other"}
    # A different sex is rarely a slip of the pen: it weighs against the pair.
    sex = 1.0 if len(sexes) == 1 else (-1.5 if len(sexes) == 2 else 0.5)
    total = 45 * name + 40 * birth + 15 * sex - (20 if different_name else 0)
    if shortened and birth < 1:
        # A shorter name and another date: among common names that is usually someone else.
        total -= 8

    digits_a, digits_b = document_digits(a.document_number), document_digits(b.document_number)
    if digits_a and digits_a == digits_b:
        reasons.insert(0, Reason("document_same", _("same document number")))
        total = max(total, 88 + 12 * name)
    elif digits_a and digits_b:
        if Levenshtein.distance(digits_a, digits_b) == 1:
            reasons.append(Reason("document_similar", _("document number one digit apart")))
            total += 8
        elif a.document_type == b.document_type:
            # Two different numbers of the same kind of document: most likely two people.
            total -= 30
    # Parsing is the slow part; a person without a phone needs no parse of the other's.
    phone_a = phone_key(a.phone)
    if phone_a and phone_a == phone_key(b.phone):
        reasons.append(Reason("phone_same", _("same phone")))
        total += 8
    return max(0, min(100, round(total))), reasons


# --- the check ----------------------------------------------------------------------------------------

def _block_sql(person):
    """The block query (id, part) and its parameters, or None when the person gives nothing to look up."""
    from casework.models import Household, Individual

    keys = lookup_keys(person)
    # Same document or same birth date first: a very common name in a birth year can fill the cap.
    strong = sorted(key for key in keys if not key.startswith("n"))
    weak = sorted(key for key in keys if key.startswith("n"))
    phone = phone_key(person.phone)
    if not (strong or weak or phone):
        return None, None
    people, households = Individual._meta.db_table, Household._meta.db_table
    # The planner guesses thousands of rows for any key overlap; with a LIMIT beside it, it then prefers
    # walking the whole table to meet the limit early (seconds). A materialised CTE is planned as if read
    # to the end, so it takes the key index, and the LIMIT outside only stops reading it.
    sql = f"""
        WITH strong AS MATERIALIZED (SELECT id FROM {people} WHERE match_keys && %(strong)s::varchar[]),
             weak AS MATERIALIZED (SELECT id FROM {people} WHERE match_keys && %(weak)s::varchar[])
        (SELECT id, 0 AS part FROM strong LIMIT %(cap)s)
        UNION ALL (SELECT id, 1 FROM weak LIMIT %(cap)s)
        UNION ALL (SELECT id, 2 FROM {people} WHERE phone = %(phone)s AND %(phone)s <> '' LIMIT 50)
        UNION ALL (SELECT person.id, 3 FROM {people} person JOIN {households} household
                   ON household.id = person.household_id
                   WHERE household.phone = %(phone)s AND %(phone)s <> '' LIMIT 50)"""
    return sql, {"strong": strong, "weak": weak, "phone": phone or "", "cap": MAX_BLOCK_ROWS}


def _capped(rows, exclude_ids, pk=lambda row: row[0], part=lambda row: row[1]):
    """At most MAX_BLOCK_ROWS people found by key (strong keys first), then those found by phone, once each."""
    excluded = {str(value) for value in exclude_ids}
    by_key, by_phone = {}, {}
    for row in sorted(rows, key=part):
        if str(pk(row)) not in excluded:
            (by_key if part(row) < 2 else by_phone).setdefault(pk(row), row)
    kept = dict(list(by_key.items())[:MAX_BLOCK_ROWS])
    for key, row in by_phone.items():
        kept.setdefault(key, row)
    return list(kept.values())


def block(person, *, exclude_ids=()):
    """Ids of the people sharing a blocking key or the phone with this person, in one query: at most
    MAX_BLOCK_ROWS by key (same document or birth date first) and 50 by each phone.

    Looked up on the whole registry with the key index alone, so that the planner never trades the
    index for a join; scoping then filters these few ids."""
    from django.db import connection

    sql, params = _block_sql(person)
    if sql is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for pk, _part in _capped(cursor.fetchall(), exclude_ids)]


@dataclass(frozen=True)
class BlockHousehold:
    id: object
    phone: str
    organisation_id: int
    registration_number: str


@dataclass(frozen=True)
class BlockRow:
    """What scoring and scoping read of a registered person; `rank` loads the full record of the few
    it proposes. Building hundreds of model instances cost more than scoring them."""

    pk: object
    household_id: object
    given_name: str
    family_name: str
    sex: str
    date_of_birth: date
    date_of_birth_estimated: bool
    nationality: str
    document_type: str
    document_number: str
    phone: str
    household: BlockHousehold

    @property
    def id(self):
        return self.pk


def candidate_rows(person, *, exclude_ids=()):
    """The people in a block of this person, whoever may see them (callers scope them), in one query."""
    from django.db import connection

    from casework.models import Household, Individual

    sql, params = _block_sql(person)
    if sql is None:
        return []
    people, households = Individual._meta.db_table, Household._meta.db_table
    columns = ("id", "household_id", "given_name", "family_name", "sex", "date_of_birth",
               "date_of_birth_estimated", "nationality", "document_type", "document_number", "phone")
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH found AS ({sql})
            SELECT {", ".join(f"person.{column}" for column in columns)},
                   household.id, household.phone, household.organisation_id, household.registration_number,
                   found.part
            FROM found JOIN {people} person ON person.id = found.id
            JOIN {households} household ON household.id = person.household_id
            WHERE person.anonymised_at IS NULL""", params)
        found = cursor.fetchall()
    width = len(columns)
    return [BlockRow(*row[:width], household=BlockHousehold(*row[width:width + 4]))
            for row in _capped(found, exclude_ids, part=lambda row: row[-1])]


def visible_rows(rows, user):
    """Scoping by the households' ids: a few primary-key lookups, whatever the organisation's size."""
    from casework.models import Household

    households = {row.household_id for row in rows}
    visible = set(Household.objects.visible_to(user).filter(pk__in=households).values_list("pk", flat=True))
    return [row for row in rows if row.household_id in visible]


def cannot_reach(person, other, threshold):
    """True when the pair cannot score the threshold whatever its names: birth dates that disagree and
    different documents. Scoring is the costly part of a check, and most of a block fails here."""
    if threshold <= BEST_WITHOUT_BIRTH or _birth_similarity(person, other)[0] != 0:
        return False
    digits = document_digits(person.document_number)
    return not (digits and digits == document_digits(other.document_number))


def rank(person, rows, *, threshold=None, limit=10, records=True):
    """The rows scoring at least the threshold, best first; `records` gives each its full Individual."""
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    found = []
    for individual in rows:
        if cannot_reach(person, individual, threshold):
            continue
        value, reasons = score(person, Person.from_individual(individual, individual.household.phone))
        if value >= threshold:
            found.append(Candidate(individual=individual, score=value, reasons=reasons))
    found.sort(key=lambda candidate: (-candidate.score, str(candidate.individual.pk)))
    found = found[:limit]
    return _load_records(found) if records else found


def rank_people(person, candidates, *, threshold=None, limit=10):
    """`rank` for candidates already made people, as (pk, Person, anything) triples, so that a batch
    checking many people against one set of registry rows builds each row's Person once. Returns
    (candidate, score, reasons) best first, in the order and with the scores `rank` gives."""
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    found = []
    for candidate in candidates:
        other = candidate[1]
        if cannot_reach(person, other, threshold):
            continue
        value, reasons = score(person, other)
        if value >= threshold:
            found.append((candidate, value, reasons))
    found.sort(key=lambda entry: (-entry[1], str(entry[0][0])))
    return found[:limit]


def _load_records(candidates):
    """The proposed people's full records, in place of the rows they were scored on (a person merged
    away in between is no longer proposed)."""
    from casework.models import Individual

    light = [candidate for candidate in candidates if not isinstance(candidate.individual, Individual)]
    if not light:
        return candidates
    records = Individual.objects.select_related("household", "household__site").in_bulk(
        [candidate.individual.pk for candidate in light])
    for candidate in light:
        candidate.individual = records.get(candidate.individual.pk)
    return [candidate for candidate in candidates if candidate.individual is not None]


def find_candidates(person, *, user, exclude_ids=(), threshold=None, limit=10, rows=None):
    """Likely existing records of this person among those the user may see, best first."""
    rows = candidate_rows(person, exclude_ids=exclude_ids) if rows is None else rows
    return rank(person, visible_rows(rows, user), threshold=threshold, limit=limit)


def matches_elsewhere(person, *, user, threshold=None, rows=None):
    """How many likely matches exist outside the user's view: a supervisor may know that, not who."""
    from casework.codes import Role

    if user.role not in {Role.SUPERVISOR, Role.ADMIN}:
        return None
    rows = candidate_rows(person) if rows is None else rows
    outside = [row for row in rows if row.household.organisation_id != user.organisation_id]
    return len(rank(person, outside, threshold=threshold, limit=MAX_BLOCK_ROWS, records=False))
