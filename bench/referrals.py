#!/usr/bin/env python
"""Referrals at scale: a synthetic registry with referrals to five partners, then the partner's pull,
the response-times aggregate and one overdue sweep.

    .venv/bin/python bench/referrals.py --referrals 1000000
    .venv/bin/python bench/referrals.py --small          # a smoke run in seconds

Uses its own database (`caminos_bench_referrals` on the server of DATABASE_URL, or the embedded
server), recreated on each run. Prints one JSON document.
"""
import argparse
import json
import os
import random
import re
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import registry  # noqa: E402 - after the path is set

BENCH_DB = "caminos_bench_referrals"
STATUSES = ["sent", "acknowledged", "accepted", "declined", "completed", "closed", "cancelled"]


def bench_database_name():
    """BENCH_DB, plus CAMINOS_BENCH_SUFFIX when set: on a server shared by several worktrees, the test
    suite's smoke runs of the benchmarks drop `caminos_bench…` and would kill a long run in progress."""
    suffix = os.environ.get("CAMINOS_BENCH_SUFFIX", "")
    if not re.fullmatch(r"[a-z0-9_]*", suffix):
        raise SystemExit("CAMINOS_BENCH_SUFFIX: lower-case letters, digits and underscores only")
    return BENCH_DB + suffix


def database_urls():
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


def referral_rows(count, individual_ids, referrer, caseworker, partners, service_type_ids, rng):
    now = datetime.now(dt_timezone.utc)
    for _ in range(count):
        sent = now - timedelta(days=rng.randrange(0, 365), seconds=rng.randrange(0, 86400))
        urgency, window = rng.choice([("emergency", 1), ("high", 3), ("normal", 7)])
        status = rng.choices(STATUSES, weights=[10, 10, 25, 10, 30, 10, 5])[0]
        # Older unanswered referrals were flagged by earlier sweeps; the last ten days' wait for this one.
        flagged = sent + timedelta(days=window) if status == "sent" and sent < now - timedelta(days=10) else None
        steps = {}
        clock = sent
        for step in ("acknowledged", "accepted", "completed", "closed"):
            clock += timedelta(hours=rng.randrange(1, 24 * window * 2))
            steps[step] = clock
        acknowledged = steps["acknowledged"] if status != "sent" and status != "cancelled" else None
        accepted = steps["accepted"] if status in {"accepted", "completed", "closed"} else None
        declined = steps["accepted"] if status == "declined" else None
        completed = steps["completed"] if status in {"completed", "closed"} else None
        closed = steps["closed"] if status == "closed" else None
        cancelled = steps["acknowledged"] if status == "cancelled" else None

        def stamp(value):
            return value.isoformat() if value is not None else "\\N"

        yield [
            str(uuid.uuid4()), rng.choice(individual_ids), str(referrer.pk), str(caseworker.pk),
            str(rng.choice(partners).pk), str(rng.choice(service_type_ids)), urgency, "Needs support.", "es",
            "phone", "f", "\\N", "life_threatening_emergency", "Synthetic bench row.", status,
            (sent + timedelta(days=window)).isoformat(), sent.isoformat(), stamp(acknowledged), stamp(accepted),
            stamp(declined), "No capacity." if declined else "", stamp(completed), "Done." if completed else "",
            stamp(closed), stamp(cancelled), "", stamp(flagged), sent.isoformat(),
            sent.isoformat(), "1",
        ]


COLUMNS = [
    "id", "individual_id", "referring_organisation_id", "referred_by_id", "receiving_organisation_id",
    "service_type_id", "urgency", "reason", "language", "contact_preference", "consent_given", "consent_id",
    "consent_exception", "exception_justification", "status", "due_at", "sent_at", "acknowledged_at",
    "accepted_at", "declined_at", "decline_reason", "completed_at", "outcome", "closed_at", "cancelled_at",
    "cancel_reason", "overdue_flagged_at", "created_at", "updated_at", "version",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--small", action="store_true", help="2,000 referrals and 5 requests: a smoke run")
    args = parser.parse_args()
    if args.small:
        args.referrals, args.requests = 2_000, 5

    database_url, admin_url = database_urls()
    recreate_database(admin_url)
    registry.setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from casework.api.authentication import issue_token
    from casework.models import Individual, Location, Organisation, Site, User
    from referrals import services, tasks
    from referrals.models import Referral, ServiceType

    call_command("migrate", verbosity=0)
    oim = Organisation.objects.create(code="BENCH", name="Bench", kind="un_agency")
    partners = [Organisation.objects.create(code=f"P{n}", name=f"Partner {n}", kind="national_ngo")
                for n in range(5)]
    sites = [Site.objects.create(code="TUM", name="TUM", kind="border_point",
                                 location=Location.objects.get(pcode="PE240302"))]
    officer = User.objects.create(username="bench.officer", role="field_officer", organisation=oim)
    caseworker = User.objects.create(username="bench.caseworker", role="caseworker", organisation=oim)
    caseworker.sites.set(sites)
    supervisor = User.objects.create(username="bench.supervisor", role="supervisor", organisation=oim)
    partner = User.objects.create(username="bench.partner", role="partner_agency", organisation=partners[0])

    rng = random.Random(args.seed)
    registry_args = argparse.Namespace(individuals=max(1_000, args.referrals // 2), seed=args.seed)
    registry.load(registry_args, oim, sites, officer)
    individual_ids = [str(pk) for pk in Individual.objects.values_list("pk", flat=True)]
    service_type_ids = list(ServiceType.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        rows = referral_rows(args.referrals, individual_ids, oim, caseworker, partners, service_type_ids, rng)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                registry.copy_rows(cursor.cursor, "referrals_referral", COLUMNS, batch)
                batch = []
        if batch:
            registry.copy_rows(cursor.cursor, "referrals_referral", COLUMNS, batch)
        cursor.execute("ANALYZE referrals_referral")
    load_seconds = time.perf_counter() - started

    def client_for(user):
        client = APIClient()
        key, _token = issue_token(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    partner_client, supervisor_client = client_for(partner), client_for(supervisor)
    partner_client.get("/api/v1/referrals/", {"page_size": 1})
    supervisor_client.get("/api/v1/referrals/", {"page_size": 1})
    pull = registry.timed_requests(args.requests, lambda: partner_client.get(
        "/api/v1/referrals/", {"direction": "received", "status": "sent", "page_size": 50}))
    times = registry.timed_requests(args.requests, lambda: supervisor_client.get(
        "/api/v1/referrals/response-times/"))
    # The sweep is measured, not the e-mails it queues: nothing goes to the broker from a bench.
    tasks.email_overdue_referral.delay = lambda *args, **kwargs: None
    started = time.perf_counter()
    flagged = len(services.flag_overdue_referrals())
    sweep_seconds = time.perf_counter() - started
    started = time.perf_counter()
    services.flag_overdue_referrals()
    rerun_seconds = time.perf_counter() - started
    print(json.dumps({
        "benchmark": "referrals",
        "referrals": Referral.objects.count(),
        "load_seconds": round(load_seconds, 2),
        "partner_pull_page_1": pull,
        "response_times_all_partners_and_services": times,
        "overdue_sweep": {"flagged": flagged, "seconds": round(sweep_seconds, 2),
                          "rerun_seconds": round(rerun_seconds, 3)},
    }, indent=2))


if __name__ == "__main__":
    main()
