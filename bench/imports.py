#!/usr/bin/env python
"""Registration import at scale: a 100,000-person XLSX staged, validated, checked for duplicates and merged
by a real Celery worker, as an upload of that size goes in the app.

    .venv/bin/python bench/imports.py                              # 100,000 people, registry of 100,000
    .venv/bin/python bench/imports.py --people 400 --registry 500  # a smoke run

The file is the Caminos template (households and members sheets), written by openpyxl; about one family
in fifty is a second registration of someone already in the registry and one in a hundred is typed twice
in the file, without documents, so that the duplicate check has real work and the merge is allowed.
Staging (reading the file, storing the rows) is timed in this process, as the upload request does it;
validation with duplicate flags and the merge run on a worker started here (`celery worker --pool solo`),
whose peak resident memory (VmHWM) is read from /proc. Uses its own database (`caminos_bench_imports`).
Targets: >= 1,000 people per second over stage + validate + merge; worker peak <= 500 MB.
"""
import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dedupe as dedupe_bench  # noqa: E402
from bench import registry as registry_bench  # noqa: E402

registry_bench.BENCH_DB = "caminos_bench_imports"


def broker_url():
    """The machine's Redis (a database of its own, so no test run's worker takes the bench's tasks), or
    the settings' filesystem broker when Redis does not answer."""
    if os.environ.get("CELERY_BROKER_URL"):
        return os.environ["CELERY_BROKER_URL"]
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return "redis://127.0.0.1:6379/7"
    except OSError:
        return ""


def member_row(key, relationship, person, age_only=False):
    from bench.dedupe import TODAY

    age = max(0, (TODAY - person.date_of_birth).days // 365)
    return [key, relationship, person.given_name, person.family_name, person.sex,
            "" if age_only else person.date_of_birth.isoformat(), str(age) if age_only else "", person.nationality,
            person.document_type if person.document_number else "none", person.document_number, person.phone, ""]


def write_workbook(path, people, registry_sample, rng):
    """The template filled with `people` persons; returns (households, persons)."""
    from openpyxl import Workbook

    from casework import demo_names
    from imports import parsing

    workbook = Workbook(write_only=True)
    households_sheet = workbook.create_sheet(parsing.HOUSEHOLDS_SHEET)
    members_sheet = workbook.create_sheet(parsing.MEMBERS_SHEET)
    households_sheet.append(list(parsing.HOUSEHOLD_COLUMNS))
    members_sheet.append(list(parsing.MEMBER_COLUMNS))
    written = households = 0
    typed_before = []
    while written < people:
        households += 1
        key = f"H{households}"
        roll = rng.random()
        if roll < 0.02 and registry_sample:
            first = rng.choice(registry_sample)
            again, _variations = dedupe_bench.second_registration(rng, first)
            if again.date_of_birth > date.today():  # a day-off variation of someone born this week
                again = replace(again, date_of_birth=first.date_of_birth)
            family = [replace(again, document_number="", document_type="none")]
        elif roll < 0.03 and typed_before:
            family = [replace(person, document_number="", document_type="none") for person in rng.choice(typed_before)]
        else:
            size = demo_names.household_size(rng)
            family = [dedupe_bench.random_person(rng, 5_000_000 + written + index) for index in range(size)]
            if rng.random() < 0.01:
                typed_before.append(family)
        family = family[:people - written]
        households_sheet.append([key, rng.choice(["in_transit", "in_destination", "pendular"]),
                                 demo_names.peruvian_phone(rng) if rng.random() < .5 else "",
                                 rng.choice(demo_names.DESTINATIONS), "yes", ""])
        for index, person in enumerate(family):
            relationship = "head" if index == 0 else ("spouse" if index == 1 else "child")
            members_sheet.append(member_row(key, relationship, person, age_only=rng.random() < .05))
        written += len(family)
    workbook.save(path)
    return households, written


def start_worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until_ready(worker):
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker did not start: {worker.stderr.read()[-3000:]}")
        if app.control.inspect(timeout=0.5).ping():
            return
    raise SystemExit("the worker did not answer within 60 s")


def peak_memory_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def wait_for(batch_id, done, worker, timeout):
    from imports.models import ImportBatch

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get(pk=batch_id)
        if done(batch) or batch.error:
            return batch
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped: {worker.stderr.read()[-3000:]}")
        time.sleep(0.2)
    raise SystemExit(f"the batch did not finish within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--registry", type=int, default=100_000, help="people registered before the import")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()

    database_url, admin_url = registry_bench.bench_database_url()
    registry_bench.recreate_database(admin_url)
    broker = broker_url()
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    # The worker does what a real deployment's worker does; below this many rows the request would.
    os.environ["CAMINOS_IMPORT_SYNC_ROWS"] = "0"
    os.environ["CAMINOS_IMPORT_MAX_BYTES"] = str(200_000_000)
    registry_bench.setup_django(database_url)
    from django.core.files import File
    from django.core.management import call_command

    from casework.models import Household, Individual, User
    from imports import services
    from imports.models import ImportBatch, StagedRow
    from imports.tasks import merge_batch_task

    call_command("migrate", verbosity=0)
    organisation, sites, officer = registry_bench.bench_catalogue()
    supervisor, _ = User.objects.get_or_create(username="bench.supervisor", defaults={
        "role": "supervisor", "organisation": organisation})
    rng = random.Random(args.seed)
    loaded, sample = dedupe_bench.load_registry(args.registry, organisation, sites, officer, rng)
    sample = sample or dedupe_bench.sample_of_registry(rng, size=50)

    worker = start_worker(dict(os.environ))
    try:
        wait_until_ready(worker)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "registro.xlsx"
            started = time.perf_counter()
            households, people = write_workbook(path, args.people, sample, rng)
            write_seconds = time.perf_counter() - started
            size_mb = round(path.stat().st_size / 1_000_000, 2)
            before = Individual.objects.count()
            started = time.perf_counter()
            with path.open("rb") as handle:
                batch, _created = services.stage_upload(actor=officer, upload=File(handle, name=path.name),
                                                        site=sites[0])
            stage_seconds = time.perf_counter() - started
        started = time.perf_counter()
        batch = wait_for(batch.pk, lambda b: b.status == ImportBatch.Status.VALIDATED, worker, args.timeout)
        validate_seconds = time.perf_counter() - started
        rows = StagedRow.objects.filter(batch=batch)
        with_errors = rows.exclude(errors={}).count()
        with_duplicates = rows.exclude(duplicates=[]).count()
        started = time.perf_counter()
        merge_batch_task.delay(str(batch.pk), supervisor.pk)
        batch = wait_for(batch.pk, lambda b: b.status == ImportBatch.Status.MERGED, worker, args.timeout)
        merge_seconds = time.perf_counter() - started
        worker_peak = peak_memory_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    total = stage_seconds + validate_seconds + merge_seconds
    print(json.dumps({
        "benchmark": "imports",
        "registry_before": loaded,
        "file": {"people": people, "households": households, "megabytes": size_mb,
                 "write_seconds": round(write_seconds, 2)},
        "stage_seconds": round(stage_seconds, 2),
        "validate_and_dedupe_seconds": round(validate_seconds, 2),
        "merge_seconds": round(merge_seconds, 2),
        "total_seconds": round(total, 2),
        "people_per_second": round(people / total),
        "rows_with_errors": with_errors,
        "rows_with_duplicate_flags": with_duplicates,
        "merge_error": batch.error,
        "status": batch.status,
        "individuals_added": Individual.objects.count() - before,
        "households_added": Household.objects.exclude(registration_number__contains="-DD-").count(),
        "worker_peak_mb": worker_peak,
        "stage_process_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": {"people_per_second": 1000, "worker_peak_mb": 500},
    }, indent=2))


if __name__ == "__main__":
    main()
