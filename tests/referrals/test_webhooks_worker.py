"""The same webhook through a real Celery worker and the real broker: queued after commit, delivered."""
import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from referrals.models import WebhookDelivery, WebhookEndpoint
from tests.referrals.test_webhooks import SECRET, receiver  # noqa: F401 - the local HTTP server fixture

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_delivers_the_webhook_after_commit(receiver, hias, send):  # noqa: F811
    WebhookEndpoint.objects.create(organisation=hias, url=receiver.url, secret=SECRET)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        referral = send()
        deadline = time.monotonic() + 20
        while not WebhookDelivery.objects.filter(state="delivered").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(receiver.received) == 1
    assert receiver.received[0]["headers"]["X-Caminos-Event"] == "referral.created"
    assert str(referral.pk) in receiver.received[0]["body"].decode()
    assert WebhookDelivery.objects.get().state == "delivered"
