#!/usr/bin/env python
"""Cases at scale: a synthetic registry with cases and follow-ups, then the timings of what caseworkers
and supervisors do all day: the case list (with the overdue filter), the review queue, and a transition.

    .venv/bin/python bench/cases.py --individuals 1000000 --cases 100000
    .venv/bin/python bench/cases.py --small          # a quick check that it runs

Uses its own database (`caminos_bench_cases`), recreated on each run unless --reuse. Prints one JSON
document. Targets at 1,000,000 individuals and 100,000 cases: list and queue p95 <= 80 ms with a fixed
number of queries; a transition p95 <= 40 ms; opening a case p95 <= 60 ms.
"""
import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry  # noqa: E402 - the registry bench's loader and helpers, on the path set just above

registry.BENCH_DB = "caminos_bench_cases"
STATUSES = ["draft"] * 3 + ["submitted"] * 2 + ["approved"] * 4 + ["closed"]
PRIORITIES = ["low"] * 3 + ["medium"] * 4 + ["high"] * 2 + ["critical"]
NULL = "\\N"


def load_cases(count, organisation, caseworkers, supervisor, rng):
    from django.db import connection

    case_columns = ["id", "case_number", "organisation_id", "household_id", "status", "priority", "opened_by_id",
                    "opened_at", "assigned_to_id", "supervisor_id", "submitted_at", "approved_at", "closed_at",
                    "closure_reason", "updated_at", "version"]
    follow_up_columns = ["id", "case_id", "action", "assigned_to_id", "due_on", "done_on", "done_by_id",
                         "created_by_id", "created_at"]
    started = time.perf_counter()
    now = datetime.now(dt_timezone.utc)
    today = date.today()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM casework_household ORDER BY random() LIMIT %s", [count])
        households = [row[0] for row in cursor.fetchall()]
        cases, follow_ups = [], []
        for number, household_id in enumerate(households, start=1):
            status = rng.choice(STATUSES)
            opened = now - timedelta(days=rng.randrange(1, 365), seconds=rng.randrange(86400))
            worker = rng.choice(caseworkers)
            case_id = str(uuid.uuid4())
            submitted = opened + timedelta(days=rng.randrange(0, 5)) if status != "draft" else None
            cases.append([
                case_id, f"{organisation.code}-C-{opened.year}-{number:06d}", str(organisation.pk), str(household_id),
                status, rng.choice(PRIORITIES), str(worker.pk), opened.isoformat(), str(worker.pk),
                str(supervisor.pk), submitted.isoformat() if submitted else NULL,
                (submitted + timedelta(days=1)).isoformat() if status in ("approved", "closed") else NULL,
                (submitted + timedelta(days=30)).isoformat() if status == "closed" else NULL,
                "Resolved." if status == "closed" else "", now.isoformat(), "3",
            ])
            for _ in range(rng.randrange(0, 4)):
                due = today + timedelta(days=rng.randrange(-20, 30))
                done = due if rng.random() < 0.5 and due <= today else None
                follow_ups.append([
                    str(uuid.uuid4()), case_id, "Home visit", str(worker.pk), due.isoformat(),
                    done.isoformat() if done else NULL, str(worker.pk) if done else NULL, str(worker.pk),
                    opened.isoformat(),
                ])
        registry.copy_rows(cursor.cursor, "casework_case", case_columns, cases)
        registry.copy_rows(cursor.cursor, "casework_followup", follow_up_columns, follow_ups)
        cursor.execute("ANALYZE casework_case")
        cursor.execute("ANALYZE casework_followup")
        cursor.execute("INSERT INTO casework_casecounter (organisation_id, year, last_number) VALUES (%s, %s, %s) "
                       "ON CONFLICT DO NOTHING", [organisation.pk, today.year, len(households)])
    return {"cases": len(cases), "follow_ups": len(follow_ups), "seconds": round(time.perf_counter() - started, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--individuals", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--small", action="store_true", help="2,000 people, 200 cases, 10 requests")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database of the last run")
    args = parser.parse_args()
    if args.small:
        args.individuals, args.cases, args.requests = 2_000, 200, 10

    database_url, admin_url = registry.bench_database_url()
    if not args.reuse:
        registry.recreate_database(admin_url)
    # The pages name their static files through the manifest of a collectstatic run, which a bench
    # does not make; debug mode serves them by name instead (and the captured queries need it anyway).
    os.environ.setdefault("DJANGO_DEBUG", "1")
    registry.setup_django(database_url)
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from casework.api.authentication import issue_token
    from casework.models import Case, Household, Individual, Location, Organisation, Site, User

    call_command("migrate", verbosity=0)
    organisation, _ = Organisation.objects.get_or_create(code="BENCH", defaults={"name": "Bench", "kind": "un_agency"})
    sites = [
        Site.objects.get_or_create(code=code, defaults={"name": code, "kind": "border_point",
                                                        "location": Location.objects.get(pcode=pcode)})[0]
        for code, pcode in (("TUM", "PE240302"), ("TAC", "PE230101"), ("LIM", "PE150101"))
    ]
    officer, _ = User.objects.get_or_create(username="bench.officer", defaults={
        "role": "field_officer", "organisation": organisation})
    officer.sites.set(sites[:1])
    caseworkers = [
        User.objects.get_or_create(username=f"bench.caseworker{index}", defaults={
            "role": "caseworker", "organisation": organisation})[0]
        for index in range(20)
    ]
    for caseworker in caseworkers:
        caseworker.sites.set(sites)
    supervisor, _ = User.objects.get_or_create(username="bench.supervisor", defaults={
        "role": "supervisor", "organisation": organisation})
    rng = random.Random(args.seed)
    loaded = None
    if not args.reuse or not Case.objects.exists():
        loaded = {"registry": registry.load(args, organisation, sites, officer),
                  "cases": load_cases(args.cases, organisation, caseworkers, supervisor, rng)}

    def client_for(user):
        client = APIClient()
        key, _token = issue_token(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        client.get("/api/v1/cases/", {"page_size": 1})  # warm up connections and caches
        return client

    boss, worker = client_for(supervisor), client_for(caseworkers[0])
    # The pages are for signed-in people (sessions), the API for tokens: these clients carry both.
    boss.force_login(supervisor)
    worker.force_login(caseworkers[0])
    statuses = iter(lambda: {"page_size": 50, "status": rng.choice(["draft", "submitted", "approved"])}, None)
    results = {
        "supervisor_list_by_status": registry.timed_requests(args.requests, lambda: boss.get(
            "/api/v1/cases/", next(statuses))),
        "supervisor_list_overdue": registry.timed_requests(args.requests, lambda: boss.get(
            "/api/v1/cases/", {"page_size": 50, "overdue": "true"})),
        "review_queue_page": registry.timed_requests(args.requests, lambda: boss.get("/cases/review/")),
        "caseworker_my_cases_page": registry.timed_requests(args.requests, lambda: worker.get("/cases/")),
    }
    pending = list(Case.objects.filter(status="submitted").order_by("submitted_at")[:args.requests])
    pending_iter = iter(pending)
    results["approve_transition"] = registry.timed_requests(len(pending), lambda: boss.post(
        f"/api/v1/cases/{next(pending_iter).pk}/approve/", {}, format="json"))
    households = iter(Household.objects.values_list("pk", flat=True)[:args.requests])
    results["open_case_with_assessment"] = registry.timed_requests(args.requests, lambda: worker.post(
        "/api/v1/cases/", {"household": str(next(households)), "assessment": {"specific_needs": ["SC-UC"]}},
        format="json"))
    print(json.dumps({
        "benchmark": "cases",
        "individuals": Individual.objects.count(),
        "cases": Case.objects.count(),
        "load": loaded,
        **results,
        "targets": {"list_p95_ms": 80, "queue_p95_ms": 80, "transition_p95_ms": 40, "open_case_p95_ms": 60},
    }, indent=2))


if __name__ == "__main__":
    main()
