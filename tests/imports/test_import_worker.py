"""A large batch through a real Celery worker and the real broker: validated, then merged; the tasks
answer bad arguments with a message and run twice without a second family."""
import time

import pytest
from celery.contrib.testing.worker import start_worker

from casework.models import Household
from config.celery import app as celery_app
from imports import tasks
from imports.models import ImportBatch
from tests.imports.test_imports_api import good_file, upload

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for(batch_id, status, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status == status or batch.error:
            return batch
        time.sleep(0.1)
    return ImportBatch.objects.get(pk=batch_id)


def test_a_real_worker_validates_and_merges_a_large_batch(api_for, officer, supervisor, settings):
    settings.IMPORT_SYNC_ROWS = 1
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = upload(api_for(officer), good_file())
        assert response.status_code == 202 and response.json()["status"] == "received"
        batch = wait_for(response.json()["id"], "validated")
        assert batch.status == "validated" and batch.processed_rows == 2
        merged = api_for(supervisor).post(f"/api/v1/imports/batches/{batch.pk}/merge/")
        assert merged.status_code == 202
        assert merged.json()["merge_requested_at"] is not None  # clients and the page follow it
        batch = wait_for(batch.pk, "merged")
    assert batch.status == "merged" and batch.error == "" and not batch.merging
    assert Household.objects.count() == 2


def test_the_tasks_run_twice_without_a_second_family_and_refuse_bad_arguments(api_for, officer, supervisor):
    batch = upload(api_for(officer), good_file()).json()
    assert tasks.merge_batch_task(batch["id"], supervisor.pk) == {"status": "merged"}
    # The message delivered again after the worker was lost: nothing more happens.
    assert tasks.merge_batch_task(batch["id"], supervisor.pk) == {"status": "merged"}
    assert tasks.validate_batch_task(batch["id"]) == {"status": "merged"}
    assert Household.objects.count() == 2
    assert ImportBatch.objects.get(pk=batch["id"]).error == ""
    assert "no import batch" in tasks.validate_batch_task("not-a-batch")["error"]
    assert "no import batch" in tasks.merge_batch_task("00000000-0000-0000-0000-000000000000", supervisor.pk)["error"]


def test_a_merge_asked_by_a_user_who_is_gone_writes_nothing(api_for, officer):
    batch = upload(api_for(officer), good_file()).json()
    assert "error" in tasks.merge_batch_task(batch["id"], 999_999)
    assert ImportBatch.objects.get(pk=batch["id"]).error
    assert not Household.objects.exists()
