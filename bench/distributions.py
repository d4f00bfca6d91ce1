#!/usr/bin/env python
"""Distributions at scale: a round at one site, receipts recorded through the API, and its roster.

    .venv/bin/python bench/distributions.py                   # 20,000 households, 500 receipts
    .venv/bin/python bench/distributions.py --small           # 2,000 households, 100 receipts (smoke run)
    .venv/bin/python bench/distributions.py --households 50000 --receipts 1000 --pdf

Uses its own database (`caminos_bench_distributions` on the server of DATABASE_URL, or the embedded
server), recreated on each run. Households are loaded with COPY, not through the API. Prints one JSON
document. Targets: receipt p95 <= 50 ms; roster of 20,000 households <= 5 s.
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
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "caminos_bench_distributions"


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
    os.environ.setdefault("CAMINOS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import logging

    import django

    django.setup()
    # The 409s of the double-service probe are expected; Django would log each one.
    logging.getLogger("django.request").setLevel(logging.ERROR)


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


HOUSEHOLD_COLUMNS = ["id", "registration_number", "organisation_id", "site_id", "population_type", "registered_at",
                     "registered_by_id", "phone", "intended_destination", "consent_given", "created_at", "updated_at",
                     "version", "search_text"]
INDIVIDUAL_COLUMNS = ["id", "household_id", "relationship_to_head", "given_name", "family_name", "sex",
                      "date_of_birth", "date_of_birth_estimated", "nationality", "document_type", "document_number",
                      "phone", "specific_needs", "search_text", "created_at", "updated_at", "version"]


def synthetic_households(count, organisation, site, officer, rng):
    """Households of one site with members of every age, so that every entitlement rule has work to do."""
    from casework import demo_names, normalise

    now = datetime.now(dt_timezone.utc)
    today = date.today()
    document = 30_000_000
    for number in range(1, count + 1):
        household_id = str(uuid.uuid4())
        surname = demo_names.family_name(rng)
        household = [
            household_id, f"{site.code}-BENCH-{number:07d}", str(organisation.pk), str(site.pk),
            rng.choice(["in_transit", "in_destination", "pendular"]),
            (now - timedelta(days=rng.randrange(0, 365))).isoformat(), str(officer.pk), "", "Lima", "t",
            now.isoformat(), now.isoformat(), "1",
        ]
        people = []
        for index in range(demo_names.household_size(rng)):
            sex = rng.choice(["female", "male"])
            age = rng.randrange(18, 70) if index < 2 else rng.choice([0, 1, 3, 7, 12, 16, 19])
            given = demo_names.given_name(rng, sex)
            document += 1
            number_text = f"B{document}" if age >= 9 else ""
            people.append([
                str(uuid.uuid4()), household_id, "head" if index == 0 else ("spouse" if index == 1 else "child"),
                given, surname, sex, (today - timedelta(days=age * 365 + rng.randrange(365))).isoformat(), "f",
                "VEN", "cedula_ve" if number_text else "none", number_text, "", "{}",
                normalise.search_text(given, surname, number_text), now.isoformat(), now.isoformat(), "1",
            ])
        # The registry search reads the household's number and its members' names from one column.
        household.append(" ".join([normalise.search_text(household[1])] + [person[13] for person in people]))
        yield household, people


def load(count, organisation, site, officer, seed):
    from django.db import connection

    rng = random.Random(seed)
    started = time.perf_counter()
    households, individuals, people_total = [], [], 0
    with connection.cursor() as cursor:
        for household, people in synthetic_households(count, organisation, site, officer, rng):
            households.append(household)
            individuals.extend(people)
            if len(individuals) >= 50_000:
                copy_rows(cursor.cursor, "casework_household", HOUSEHOLD_COLUMNS, households)
                copy_rows(cursor.cursor, "casework_individual", INDIVIDUAL_COLUMNS, individuals)
                people_total += len(individuals)
                households, individuals = [], []
        if households:
            copy_rows(cursor.cursor, "casework_household", HOUSEHOLD_COLUMNS, households)
            copy_rows(cursor.cursor, "casework_individual", INDIVIDUAL_COLUMNS, individuals)
            people_total += len(individuals)
        cursor.execute("ANALYZE casework_household")
        cursor.execute("ANALYZE casework_individual")
    return {"households": count, "individuals": people_total, "seconds": round(time.perf_counter() - started, 2)}


RULES = [
    {"commodity": "food_basket", "per": "household", "quantity": 1, "household_size_max": 3},
    {"commodity": "food_basket", "per": "household", "quantity": 2, "household_size_min": 4},
    {"commodity": "hygiene_kit", "per": "member", "quantity": 1, "sex": "female", "age_min": 15, "age_max": 49},
    {"commodity": "baby_kit", "per": "member", "quantity": 1, "age_max": 1},
    {"commodity": "drinking_water", "per": "member", "quantity": 20},
    {"commodity": "cash_cbi", "per": "household", "quantity": 150},
]


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, round(time.perf_counter() - started, 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--receipts", type=int, default=500)
    parser.add_argument("--small", action="store_true", help="2,000 households and 100 receipts: a quick run")
    parser.add_argument("--pdf", action="store_true", help="also time the printable (PDF) roster")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.small:
        args.households, args.receipts = 2_000, 100
    args.receipts = min(args.receipts, args.households)

    database_url, admin_url = bench_database_url()
    recreate_database(admin_url)
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from casework.api.authentication import issue_token
    from casework.models import Household, Location, Organisation, Site, User
    from distributions import exports, services

    call_command("migrate", verbosity=0)
    organisation = Organisation.objects.create(code="BENCH", name="Bench", kind="un_agency")
    site = Site.objects.create(code="TAC", name="Santa Rosa, Tacna", kind="border_point",
                               location=Location.objects.get(pcode="PE230101"))
    officer = User.objects.create(username="bench.officer", role="field_officer", organisation=organisation)
    officer.sites.set([site])
    supervisor = User.objects.create(username="bench.supervisor", role="supervisor", organisation=organisation)
    loaded = load(args.households, organisation, site, officer, args.seed)

    today = timezone.localdate()
    distribution_round, _created = services.create_round(actor=supervisor, site=site, name="Bench round", status="open",
                                            starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1),
                                            rules=RULES)
    for code in ("food_basket", "hygiene_kit", "baby_kit", "drinking_water"):
        services.record_stock_movement(actor=supervisor, kind="received", site=site, commodity=code,
                                       quantity=10_000_000)

    roster, roster_seconds = timed(lambda: services.round_roster(distribution_round))
    csv_text, csv_seconds = timed(lambda: exports.roster_csv(distribution_round))
    pdf = None
    if args.pdf:
        pdf_bytes, pdf_seconds = timed(lambda: exports.roster_pdf(distribution_round))
        pdf = {"seconds": pdf_seconds, "bytes": len(pdf_bytes)}

    client = APIClient()
    key, _token = issue_token(officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/distributions/", {"page_size": 1})  # warm up connections and caches
    household_ids = list(Household.objects.order_by("?").values_list("pk", flat=True)[:args.receipts])
    latencies, queries = [], []
    started = time.perf_counter()
    for household_id in household_ids:
        body = {"id": str(uuid.uuid4()), "household": str(household_id), "round": str(distribution_round.pk),
                "site": site.code, "verification_method": "card_scanned"}
        with CaptureQueriesContext(connection) as captured:
            request_started = time.perf_counter()
            response = client.post("/api/v1/distributions/", body, format="json")
            latencies.append((time.perf_counter() - request_started) * 1000)
        assert response.status_code == 201, response.content[:500]
        queries.append(len(captured.captured_queries))
    elapsed = time.perf_counter() - started

    refusals = []
    for household_id in household_ids[:min(50, len(household_ids))]:
        request_started = time.perf_counter()
        body = {"household": str(household_id), "round": str(distribution_round.pk),
                "verification_method": "card_scanned"}
        response = client.post("/api/v1/distributions/", body, format="json")
        refusals.append((time.perf_counter() - request_started) * 1000)
        assert response.status_code == 409, response.content[:500]

    print(json.dumps({
        "benchmark": "distributions",
        "load": loaded,
        "roster": {
            "households": len(roster[1]),
            "build_seconds": roster_seconds,
            "csv_seconds": csv_seconds,
            "csv_bytes": len(csv_text.encode()),
            "pdf": pdf,
        },
        "receipts_through_api": {
            "requests": len(latencies),
            "receipts_per_second": round(len(latencies) / elapsed, 1),
            "median_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(percentile(latencies, 0.95), 2),
            "queries": max(queries),
        },
        "second_receipt_409": {
            "requests": len(refusals),
            "p95_ms": round(percentile(refusals, 0.95), 2),
        },
        "targets": {"receipt_p95_ms": 50, "roster_20000_seconds": 5},
    }, indent=2))


if __name__ == "__main__":
    main()
