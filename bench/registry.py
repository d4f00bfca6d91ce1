#!/usr/bin/env python
"""Registry at scale: load a synthetic registry, then time the API's create and list.

    .venv/bin/python bench/registry.py --individuals 1000000

Uses its own database (`caminos_bench` on the server of DATABASE_URL, or the embedded server),
recreated on each run unless --reuse. Prints one JSON document. Targets at 1,000,000 individuals:
create p95 <= 60 ms with <= 15 queries; list p95 <= 80 ms.
"""
import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "caminos_bench"


def bench_database_name():
    """BENCH_DB, plus CAMINOS_BENCH_SUFFIX when set: on a server shared by several worktrees, the test
    suite's smoke runs of the benchmarks drop `caminos_bench…` and would kill a long run in progress."""
    suffix = os.environ.get("CAMINOS_BENCH_SUFFIX", "")
    if not re.fullmatch(r"[a-z0-9_]*", suffix):
        raise SystemExit("CAMINOS_BENCH_SUFFIX: lower-case letters, digits and underscores only")
    return BENCH_DB + suffix


def bench_database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        from config.embedded import embedded_database_url

        url = embedded_database_url()
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{bench_database_name()}")), urlunsplit(parts._replace(path="/postgres"))


def recreate_database(admin_url):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {bench_database_name()} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {bench_database_name()}")


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("CAMINOS_API_RATE", "1000000/hour")
    os.environ.setdefault("CAMINOS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def copy_rows(cursor, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(row))
        buffer.write("\n")
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def synthetic_registry(target_individuals, organisation, sites, officer, rng):
    """Yield (household_row, [individual_rows]) until the target number of people is reached."""
    from casework import demo_names, normalise

    now = datetime.now(dt_timezone.utc)
    today = date.today()
    counters = {site.pk: 0 for site in sites}
    made = 0
    document = 10_000_000
    while made < target_individuals:
        site = rng.choice(sites)
        counters[site.pk] += 1
        household_id = uuid.uuid4()
        registered = now - timedelta(days=rng.randrange(0, 730), seconds=rng.randrange(0, 86400))
        surname = demo_names.family_name(rng)
        household = [
            str(household_id), f"{site.code}-BENCH-{counters[site.pk]:07d}", str(organisation.pk), str(site.pk),
            rng.choice(["in_transit", "in_destination", "pendular", "colombian_returnee", "host_community"]),
            registered.isoformat(), str(officer.pk), demo_names.venezuelan_phone(rng) if rng.random() < .6 else "",
            rng.choice(demo_names.DESTINATIONS), "t", now.isoformat(), now.isoformat(), "1",
        ]
        people = []
        size = min(demo_names.household_size(rng), target_individuals - made)
        for index in range(size):
            sex = rng.choice(["female", "male"])
            age = rng.randrange(18, 75) if index < 2 else rng.randrange(0, 18)
            given = demo_names.given_name(rng, sex)
            family = surname if index != 1 else demo_names.family_name(rng)
            has_document = age >= 9
            document += 1
            number = f"V{document}" if has_document else ""
            people.append([
                str(uuid.uuid4()), str(household_id),
                "head" if index == 0 else ("spouse" if index == 1 else "child"),
                given, family, sex, (today - timedelta(days=age * 365 + rng.randrange(365))).isoformat(),
                "f", "VEN", "cedula_ve" if has_document else "none", number, "",
                "{PG-LC}" if (sex == "female" and index == 0 and rng.random() < .05) else "{}",
                normalise.search_text(given, family, number), now.isoformat(), now.isoformat(), "1",
            ])
        made += size
        household.append(" ".join([normalise.search_text(household[1])] + [person[13] for person in people]))
        yield household, people


def load(args, organisation, sites, officer):
    from django.db import connection

    rng = random.Random(args.seed)
    household_columns = ["id", "registration_number", "organisation_id", "site_id", "population_type",
                         "registered_at", "registered_by_id", "phone", "intended_destination", "consent_given",
                         "created_at", "updated_at", "version", "search_text"]
    individual_columns = ["id", "household_id", "relationship_to_head", "given_name", "family_name", "sex",
                          "date_of_birth", "date_of_birth_estimated", "nationality", "document_type",
                          "document_number", "phone", "specific_needs", "search_text", "created_at", "updated_at",
                          "version"]
    started = time.perf_counter()
    households, individuals = [], []
    loaded_households = loaded_individuals = 0
    with connection.cursor() as cursor:
        for household, people in synthetic_registry(args.individuals, organisation, sites, officer, rng):
            households.append(household)
            individuals.extend(people)
            if len(individuals) >= 50_000:
                copy_rows(cursor.cursor, "casework_household", household_columns, households)
                copy_rows(cursor.cursor, "casework_individual", individual_columns, individuals)
                loaded_households += len(households)
                loaded_individuals += len(individuals)
                households, individuals = [], []
        if individuals:
            copy_rows(cursor.cursor, "casework_household", household_columns, households)
            copy_rows(cursor.cursor, "casework_individual", individual_columns, individuals)
            loaded_households += len(households)
            loaded_individuals += len(individuals)
        cursor.execute("ANALYZE casework_household")
        cursor.execute("ANALYZE casework_individual")
    elapsed = time.perf_counter() - started
    return {"households": loaded_households, "individuals": loaded_individuals, "seconds": round(elapsed, 2),
            "rows_per_second": round((loaded_households + loaded_individuals) / elapsed)}


def household_payload(rng):
    from casework import demo_names

    surname = demo_names.family_name(rng)
    members = []
    for index in range(5):
        sex = "female" if index in (0, 2) else "male"
        members.append({
            "relationship_to_head": ["head", "spouse", "child", "child", "parent"][index],
            "given_name": demo_names.given_name(rng, sex), "family_name": surname, "sex": sex,
            "date_of_birth": f"{[1988, 1986, 2015, 2018, 1960][index]}-0{index + 1}-1{index}",
            "nationality": "VEN",
            "document_type": "cedula_ve" if index != 3 else "none",
            "document_number": f"BENCH{uuid.uuid4().hex[:10]}" if index != 3 else "",
        })
    return {"id": str(uuid.uuid4()), "site": "TUM", "population_type": "in_transit", "phone": "+51987654321",
            "consent_given": True, "members": members}


def timed_requests(count, make_request):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    latencies, queries = [], []
    for _ in range(count):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = make_request()
            latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 201), response.content[:500]
        queries.append(len(captured.captured_queries))
    return {
        "requests": count,
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "queries": max(queries),
    }


def bench_catalogue():
    """The bench's organisation, its three sites and a field officer at the first."""
    from casework.models import Location, Organisation, Site, User

    organisation, _ = Organisation.objects.get_or_create(code="BENCH", defaults={"name": "Bench", "kind": "un_agency"})
    sites = [
        Site.objects.get_or_create(code=code, defaults={"name": code, "kind": "border_point",
                                                        "location": Location.objects.get(pcode=pcode)})[0]
        for code, pcode in (("TUM", "PE240302"), ("TAC", "PE230101"), ("LIM", "PE150101"))
    ]
    officer, _ = User.objects.get_or_create(username="bench.officer", defaults={
        "role": "field_officer", "organisation": organisation})
    officer.sites.set(sites[:1])
    return organisation, sites, officer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--individuals", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database of the last run")
    args = parser.parse_args()

    database_url, admin_url = bench_database_url()
    if not args.reuse:
        recreate_database(admin_url)
    setup_django(database_url)
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from casework.api.authentication import issue_token
    from casework.models import Household, Individual

    call_command("migrate", verbosity=0)
    organisation, sites, officer = bench_catalogue()
    loaded = None
    if not args.reuse or not Individual.objects.exists():
        loaded = load(args, organisation, sites, officer)

    client = APIClient()
    key, _token = issue_token(officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/households/", {"page_size": 1})  # warm up connections and caches
    rng = random.Random(args.seed + 1)
    create = timed_requests(args.requests, lambda: client.post("/api/v1/households/", household_payload(rng),
                                                               format="json"))
    searches = ["maria", "gonzalez", "jose perez", "yusmary", "rivas", "luis", "quispe", "marcano gil", "ana",
                "colmenares"]
    list_params = iter(lambda: {"page_size": 50, "site": "TUM", "population_type": "in_transit",
                                "search": rng.choice(searches)}, None)
    listing = timed_requests(args.requests, lambda: client.get("/api/v1/households/", next(list_params)))
    print(json.dumps({
        "benchmark": "registry",
        "individuals": Individual.objects.count(),
        "households": Household.objects.count(),
        "load": loaded,
        "create_household_5_members": create,
        "list_page_1_two_filters_and_search": listing,
        "targets": {"create_p95_ms": 60, "create_queries": 15, "list_p95_ms": 80},
    }, indent=2))


if __name__ == "__main__":
    main()
