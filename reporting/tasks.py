"""Rollups on Celery: a month splits into one task per department (a chord), so that several
workers share it; each department's rows are replaced in one transaction."""
from celery import chord, shared_task
from django.db import OperationalError
from django.utils import timezone

from reporting import rollup, services
from reporting.models import ReportRun


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300,
             max_retries=5)
def run_rollup(self, run_id):
    run = ReportRun.objects.get(pk=run_id)
    departments = rollup.departments_to_compute(run.period)
    ReportRun.objects.filter(pk=run_id).update(status=ReportRun.Status.RUNNING, started_at=timezone.now(),
                                               departments=len(departments), error="")
    if not departments:
        return finish_run([], run_id)
    work = [rollup_department.s(run.period.isoformat(), admin1_id) for admin1_id in departments]
    return chord(work)(finish_run.s(run_id).on_error(fail_run.s(run_id))).id


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def rollup_department(period, admin1_id):
    return rollup.compute_department(rollup.parse_period(period[:7]), admin1_id)


@shared_task
def finish_run(row_counts, run_id):
    ReportRun.objects.filter(pk=run_id).update(status=ReportRun.Status.SUCCEEDED, finished_at=timezone.now(),
                                               rows=sum(row_counts))
    return sum(row_counts)


@shared_task
def fail_run(request, exc, traceback, run_id):
    ReportRun.objects.filter(pk=run_id).update(status=ReportRun.Status.FAILED, finished_at=timezone.now(),
                                               error=f"{exc.__class__.__name__}: {exc}"[:2000])


@shared_task
def nightly_rollups():
    """The current and the previous month, recomputed every night (late data, voided receipts)."""
    today = timezone.localdate()
    current = today.replace(day=1)
    return [str(services.request_run(period=month).pk) for month in (services.previous_month(current), current)]
