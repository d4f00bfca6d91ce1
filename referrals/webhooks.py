"""Sending one webhook delivery: signed POST, every attempt recorded. No transaction is held open
while the partner's server answers."""
import hashlib
import hmac
import time
import urllib.error
import urllib.request

from django.db.models import F
from django.utils import timezone

from referrals.models import WebhookAttempt, WebhookDelivery

TIMEOUT_SECONDS = 10
MAX_RETRIES = 10
SIGNATURE_HEADER = "X-Caminos-Signature"
DELIVERY_HEADER = "X-Caminos-Delivery"
TIMESTAMP_HEADER = "X-Caminos-Timestamp"
EVENT_HEADER = "X-Caminos-Event"


def signature(secret, body):
    """`sha256=<hex>`: HMAC-SHA256 of the raw body with the endpoint's secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_seconds(retries):
    """30 s, 1 min, 2 min, … capped at 6 h: ten retries span about a day of a partner's outage."""
    return min(30 * 2 ** retries, 6 * 60 * 60)


def attempt(delivery_id):
    """Try to deliver once. Returns True when delivered (now or before), False to retry later."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return True
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    number = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    body = delivery.body.encode()
    request = urllib.request.Request(delivery.endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Caminos-Webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: str(int(time.time())),
        SIGNATURE_HEADER: signature(delivery.endpoint.secret, body),
    })
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - admin-set URL
            status_code = response.status
    except urllib.error.HTTPError as refused:
        status_code, error = refused.code, str(refused.reason)[:500]
    except (urllib.error.URLError, OSError) as failure:
        error = str(getattr(failure, "reason", failure))[:500] or failure.__class__.__name__
    delivered = status_code is not None and 200 <= status_code < 300
    WebhookAttempt.objects.create(delivery=delivery, number=number, status_code=status_code, error=error,
                                  duration_ms=int((time.monotonic() - started) * 1000))
    if delivered:
        WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.State.PENDING).update(
            state=WebhookDelivery.State.DELIVERED, delivered_at=timezone.now())
    return delivered


def give_up(delivery_id):
    """The partner did not answer through every retry; its referrals are still there to pull."""
    WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING).update(
        state=WebhookDelivery.State.FAILED)
