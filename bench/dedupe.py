#!/usr/bin/env python
"""Duplicate detection: quality on a labelled population, and the latency of one check at scale.

    .venv/bin/python bench/dedupe.py                       # 20,000 people, 2,000 pairs, 1,000,000 registry
    .venv/bin/python bench/dedupe.py --small               # a smoke run

Quality: a synthetic population of distinct people (names drawn from a small pool, so that strangers
share common names such as "María González"), plus a second registration of some of them written as
people really write it again (accents, swapped or missing surnames, missing middle name, typos, day and
month swapped, a day off, a mistyped year, an age instead of a date, the document with dots, a shared
phone). Every pair the matcher proposes at the default threshold is checked against the labels.

Latency: a registry of --individuals people loaded into its own database (`caminos_bench_dedupe`),
then POST /api/v1/individuals/duplicates/ timed for --requests probes. Targets: precision >= 0.95,
recall >= 0.95, p95 <= 50 ms.
"""
import argparse
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone as dt_timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import registry as registry_bench  # noqa: E402

registry_bench.BENCH_DB = "caminos_bench_dedupe"

TODAY = date(2026, 12, 1)


def random_person(rng, index):
    from casework import demo_names
    from casework.dedupe import Person

    sex = rng.choice(["female", "male"])
    born = TODAY - timedelta(days=rng.randrange(0, 80 * 365))
    documented = (TODAY - born).days > 18 * 365 and rng.random() < .7
    adult = documented or (TODAY - born).days > 18 * 365
    return Person(
        given_name=demo_names.given_name(rng, sex), family_name=demo_names.family_name(rng), sex=sex,
        date_of_birth=born, nationality="VEN", document_type="cedula_ve" if documented else "none",
        document_number=f"V{20_000_000 + index}" if documented else "",
        phone=demo_names.venezuelan_phone(rng) if adult and rng.random() < .4 else "",
    )


def _typo(rng, text):
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.choice(["drop", "swap", "double", "replace"])
    if kind == "drop":
        return text[:i] + text[i + 1:]
    if kind == "swap" and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    sound_alikes = {"s": "z", "z": "s", "v": "b", "b": "v", "y": "ll", "c": "s", "i": "y", "j": "g"}
    return text[:i] + sound_alikes.get(text[i].lower(), text[i]) + text[i + 1:]


def _strip_accents(text):
    from unidecode import unidecode

    return unidecode(text)


VARIATIONS = {
    "accents_and_case": lambda rng, p: {"given_name": _strip_accents(p.given_name).upper(),
                                        "family_name": _strip_accents(p.family_name).upper()},
    "swapped_surnames": lambda rng, p: {"family_name": " ".join(reversed(p.family_name.split(" ", 1)))},
    "second_surname_missing": lambda rng, p: {"family_name": p.family_name.split(" ")[0]},
    "middle_name_missing": lambda rng, p: {"given_name": p.given_name.split(" ")[0]},
    "typo_in_given_name": lambda rng, p: {"given_name": _typo(rng, p.given_name)},
    "typo_in_surname": lambda rng, p: {"family_name": _typo(rng, p.family_name)},
    "day_month_swapped": lambda rng, p: (
        {"date_of_birth": p.date_of_birth.replace(month=p.date_of_birth.day, day=p.date_of_birth.month)}
        if p.date_of_birth.day <= 12 and p.date_of_birth.day != p.date_of_birth.month
        else {"date_of_birth": p.date_of_birth + timedelta(days=1)}),
    "a_day_off": lambda rng, p: {"date_of_birth": p.date_of_birth + timedelta(days=rng.choice([-1, 1]))},
    "year_mistyped": lambda rng, p: {"date_of_birth": _safe_year(p.date_of_birth, rng.choice([-1, 1]))},
    "estimated_age": lambda rng, p: {"date_of_birth": date(p.date_of_birth.year + rng.choice([0, 0, 1]), 7, 1),
                                     "date_of_birth_estimated": True},
    "document_with_dots": lambda rng, p: {"document_number": _dotted(p.document_number)},
}


def _safe_year(born, delta):
    try:
        return born.replace(year=born.year + delta)
    except ValueError:
        return born.replace(year=born.year + delta, day=28)


def _dotted(number):
    digits = number.lstrip("V")
    if not digits:
        return ""
    return f"V-{digits[:-6]}.{digits[-6:-3]}.{digits[-3:]}"


def second_registration(rng, person):
    """The same person registered again: one or two variations, and often no document this time."""
    from dataclasses import replace

    names = rng.sample(sorted(VARIATIONS), rng.choice([1, 1, 2]))
    changes = {}
    for name in names:
        changes.update(VARIATIONS[name](rng, replace(person, **changes)))
    if "document_with_dots" not in names and rng.random() < .5:
        changes.setdefault("document_number", "")
    if rng.random() < .5:
        changes.setdefault("phone", "")
    return replace(person, **changes), names


def labelled_population(size, pairs, rng):
    people = [random_person(rng, index) for index in range(size)]
    truth, variations = set(), defaultdict(int)
    for original in rng.sample(range(size), pairs):
        again, names = second_registration(rng, people[original])
        truth.add((original, len(people)))
        people.append(again)
        for name in names:
            variations[name] += 1
    # Strangers with the commonest names of all, besides the many the name pool makes anyway.
    from casework.dedupe import Person

    for index in range(size // 20):
        sex = rng.choice(["female", "male"])
        people.append(Person(given_name="María" if sex == "female" else "José",
                             family_name=rng.choice(["González", "González Pérez", "Rodríguez"]), sex=sex,
                             date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(0, 70 * 365)),
                             nationality="VEN", document_type="none"))
    return people, truth, dict(variations)


def quality(people, truth):
    """Every pair proposed at the default threshold, found through the blocking keys as the database would."""
    from casework.dedupe import DEFAULT_THRESHOLD, blocking_keys, lookup_keys, phone_key, score

    index = defaultdict(list)
    for position, person in enumerate(people):
        for key in blocking_keys(person):
            index[key].append(position)
        if phone_key(person.phone):
            index["p" + phone_key(person.phone)].append(position)
    proposed = set()
    started = time.perf_counter()
    for position, person in enumerate(people):
        keys = lookup_keys(person) | ({"p" + phone_key(person.phone)} if phone_key(person.phone) else set())
        block = {other for key in keys for other in index.get(key, ()) if other != position}
        for other in block:
            pair = (min(position, other), max(position, other))
            if pair not in proposed and score(person, people[other])[0] >= DEFAULT_THRESHOLD:
                proposed.add(pair)
    elapsed = time.perf_counter() - started
    true_positives = len(proposed & truth)
    precision = true_positives / len(proposed) if proposed else 0.0
    recall = true_positives / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"people": len(people), "true_pairs": len(truth), "proposed_pairs": len(proposed),
            "true_positives": true_positives, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4), "threshold": DEFAULT_THRESHOLD, "seconds": round(elapsed, 2)}


def load_registry(count, organisation, sites, officer, rng):
    """A registry of `count` individuals (one per household: the check reads individuals), keys included."""
    from django.db import connection

    from casework import normalise
    from casework.dedupe import blocking_keys

    now = datetime.now(dt_timezone.utc).isoformat()
    household_columns = ["id", "registration_number", "organisation_id", "site_id", "population_type",
                         "registered_at", "registered_by_id", "phone", "intended_destination", "consent_given",
                         "created_at", "updated_at", "version", "search_text"]
    individual_columns = ["id", "household_id", "relationship_to_head", "given_name", "family_name", "sex",
                          "date_of_birth", "date_of_birth_estimated", "nationality", "document_type",
                          "document_number", "phone", "specific_needs", "search_text", "match_keys", "created_at",
                          "updated_at", "version"]
    started = time.perf_counter()
    sample = []
    with connection.cursor() as cursor:
        households, individuals = [], []
        for index in range(count):
            person = random_person(rng, index)
            site = sites[index % len(sites)]
            household_id = uuid.uuid4()
            households.append([str(household_id), f"{site.code}-DD-{index:08d}", str(organisation.pk), str(site.pk),
                               "in_transit", now, str(officer.pk), person.phone, "", "t", now, now, "1", ""])
            keys = "{" + ",".join(sorted(blocking_keys(person))) + "}"
            individuals.append([str(uuid.uuid4()), str(household_id), "head", person.given_name, person.family_name,
                                person.sex, person.date_of_birth.isoformat(), "f", "VEN", person.document_type,
                                person.document_number, "", "{}",
                                normalise.search_text(person.given_name, person.family_name,
                                                      person.document_number), keys, now, now, "1"])
            if rng.random() < 0.001:
                sample.append(person)
            if len(individuals) >= 50_000:
                registry_bench.copy_rows(cursor.cursor, "casework_household", household_columns, households)
                registry_bench.copy_rows(cursor.cursor, "casework_individual", individual_columns, individuals)
                households, individuals = [], []
        if individuals:
            registry_bench.copy_rows(cursor.cursor, "casework_household", household_columns, households)
            registry_bench.copy_rows(cursor.cursor, "casework_individual", individual_columns, individuals)
        # VACUUM, not only ANALYZE: it empties the GIN pending list that a bulk load leaves behind.
        cursor.execute("VACUUM ANALYZE casework_household")
        cursor.execute("VACUUM ANALYZE casework_individual")
    elapsed = time.perf_counter() - started
    return {"individuals": count, "seconds": round(elapsed, 2), "rows_per_second": round(count / elapsed)}, sample


def latency(client, probes, rng):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries, found = [], [], 0
    for person in probes:
        again, _names = second_registration(rng, person)
        body = {"given_name": again.given_name, "family_name": again.family_name, "sex": again.sex,
                "date_of_birth": again.date_of_birth.isoformat(), "document_number": again.document_number}
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post("/api/v1/individuals/duplicates/", body, format="json")
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        queries.append(len(captured))
        found += bool(response.json()["candidates"])
    timings.sort()
    return {"requests": len(timings), "median_ms": round(timings[len(timings) // 2], 1),
            "p95_ms": round(registry_bench.percentile(timings, 0.95), 1), "max_queries": max(queries),
            "probes_with_a_candidate": found}


def registry_size():
    from casework.models import Individual

    return Individual.objects.count()


def sample_of_registry(rng, size=1000):
    """About as many probes as a fresh load keeps (one in a thousand), drawn from the registry as it is."""
    from casework.dedupe import Person
    from casework.models import Individual

    with_phone = Individual.objects.select_related("household").order_by("?")[:size]
    return [Person.from_individual(individual, individual.household.phone) for individual in with_phone]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=2_000)
    parser.add_argument("--individuals", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--small", action="store_true", help="2,000 people, 200 pairs, a 20,000 registry")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the registry of the last run (probes drawn from it) to time the check again")
    args = parser.parse_args()
    if args.small:
        args.people, args.pairs, args.individuals, args.requests = 2_000, 200, 20_000, 20

    database_url, admin_url = registry_bench.bench_database_url()
    if not args.reuse:
        registry_bench.recreate_database(admin_url)
    registry_bench.setup_django(database_url)
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from casework.api.authentication import issue_token
    from casework.models import User

    rng = random.Random(args.seed)
    people, truth, variations = labelled_population(args.people, args.pairs, rng)
    matched = quality(people, truth)

    call_command("migrate", verbosity=0)
    organisation, sites, _officer = registry_bench.bench_catalogue()
    supervisor, _ = User.objects.get_or_create(username="bench.supervisor", defaults={
        "role": "supervisor", "organisation": organisation})
    if args.reuse and registry_size() >= args.individuals:
        loaded, sample = None, sample_of_registry(rng)
    else:
        loaded, sample = load_registry(args.individuals, organisation, sites, supervisor, rng)
    client = APIClient()
    key, _token = issue_token(supervisor)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    probes = (sample * (args.requests // max(1, len(sample)) + 1))[:args.requests]
    client.post("/api/v1/individuals/duplicates/", {"given_name": "Ana", "family_name": "Rojas"}, format="json")
    check = latency(client, probes, rng)
    print(json.dumps({
        "benchmark": "dedupe",
        "quality": matched | {"variations": variations},
        "registry": loaded,
        "duplicate_check": check,
        "targets": {"precision": 0.95, "recall": 0.95, "p95_ms": 50},
    }, indent=2))


if __name__ == "__main__":
    main()
