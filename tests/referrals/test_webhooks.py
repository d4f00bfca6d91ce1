"""Partners' systems hear of new and changed referrals through signed webhooks; a partner that is
down loses nothing. A real HTTP server on 127.0.0.1 receives them."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from referrals import services, tasks, webhooks
from referrals.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

SECRET = "s3cret-shared-with-hias"


class Receiver:
    """Answers with the queued status codes (then 200) and keeps every request it got."""

    def __init__(self):
        self.answers = []
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/caminos-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(hias, receiver):
    return WebhookEndpoint.objects.create(organisation=hias, url=receiver.url, secret=SECRET)


def test_a_new_referral_is_posted_signed_to_the_partner(endpoint, receiver, send, eager,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send()
    assert len(receiver.received) == 1
    request = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Caminos-Signature"], expected)
    assert request["headers"]["X-Caminos-Event"] == "referral.created"
    assert request["headers"]["X-Caminos-Timestamp"].isdigit()
    payload = json.loads(request["body"])
    assert payload["delivery_id"] == request["headers"]["X-Caminos-Delivery"]
    assert payload["referral"]["id"] == str(referral.pk)
    assert payload["referral"]["person"]["given_name"] == "María José"
    # The minimal fields only: no registry ids, no household, no specific needs.
    assert "individual" not in payload["referral"] and "SV-VA" not in request["body"].decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)


def test_a_signature_with_another_secret_does_not_match(endpoint, receiver, send, eager,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send()
    request = receiver.received[0]
    assert request["headers"]["X-Caminos-Signature"] != webhooks.signature("another-secret", request["body"])


def test_each_step_is_posted_as_a_change(endpoint, receiver, send, partner, eager,
                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(actor=partner, referral=referral, action="acknowledge")
    assert [r["headers"]["X-Caminos-Event"] for r in receiver.received] == [
        "referral.created", "referral.acknowledged"]
    assert json.loads(receiver.received[1]["body"])["referral"]["status"] == "acknowledged"


def test_a_failed_delivery_is_retried_with_the_same_delivery_id_and_body(endpoint, receiver, send, eager,
                                                                         django_capture_on_commit_callbacks):
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert len(receiver.received) == 2
    first, retry = receiver.received
    assert first["headers"]["X-Caminos-Delivery"] == retry["headers"]["X-Caminos-Delivery"]
    assert first["body"] == retry["body"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "delivered"
    assert list(WebhookAttempt.objects.values_list("number", "status_code")) == [(1, 500), (2, 200)]


def test_running_a_delivered_delivery_again_posts_nothing(endpoint, receiver, send, eager,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send()
    delivery = WebhookDelivery.objects.get()
    tasks.deliver_webhook.apply(args=[str(delivery.pk)])
    assert len(receiver.received) == 1
    assert WebhookAttempt.objects.count() == 1


def test_a_partner_that_stays_down_loses_nothing(hias, send, partner, api_for, eager,
                                                 django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(webhooks, "MAX_RETRIES", 2)
    monkeypatch.setattr(tasks.deliver_webhook, "max_retries", 2)
    # Nothing listens on this port.
    WebhookEndpoint.objects.create(organisation=hias, url="http://127.0.0.1:9/down", secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        referral = send()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert delivery.attempts == 3
    assert all(attempt.status_code is None and attempt.error for attempt in delivery.attempt_log.all())
    pulled = api_for(partner).get("/api/v1/referrals/", {"status": "sent"}).json()
    assert [row["id"] for row in pulled["results"]] == [str(referral.pk)]


def test_backoff_grows_exponentially_and_is_capped():
    assert [webhooks.backoff_seconds(n) for n in range(4)] == [30, 60, 120, 240]
    assert webhooks.backoff_seconds(20) == 6 * 60 * 60


def test_admins_see_every_delivery_attempt_in_the_api_and_the_admin(
        endpoint, receiver, send, eager, django_capture_on_commit_callbacks, api_for, admin_user, partner,
        settings, client):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    receiver.answers = [503]
    with django_capture_on_commit_callbacks(execute=True):
        send()
    body = api_for(admin_user).get("/api/v1/webhook-deliveries/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["organisation"] == "HIAS" and row["state"] == "delivered"
    assert [attempt["status_code"] for attempt in row["attempt_log"]] == [503, 200]
    assert "body" not in row
    assert api_for(partner).get("/api/v1/webhook-deliveries/").status_code == 403
    client.force_login(admin_user)
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"/admin/referrals/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert "503" in page.content.decode()


def test_no_webhook_is_queued_inside_the_transaction(endpoint, receiver, send, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send()
    assert len(callbacks) == 1
    assert receiver.received == []


def test_the_deliveries_list_takes_the_same_queries_for_any_page_size(
        endpoint, receiver, send, eager, django_capture_on_commit_callbacks, api_for, admin_user, settings,
        django_assert_max_num_queries):
    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client = api_for(admin_user)
    client.get("/api/v1/webhook-deliveries/")
    with django_capture_on_commit_callbacks(execute=True):
        send()
    with django_assert_max_num_queries(5) as small:
        client.get("/api/v1/webhook-deliveries/")
    receiver.answers = [500, 500]
    for _index in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            send()
    with django_assert_max_num_queries(5) as large:
        assert client.get("/api/v1/webhook-deliveries/").json()["count"] == 4
    assert len(small.captured_queries) == len(large.captured_queries)


def test_an_admin_changing_an_endpoint_is_audited_without_its_secret(client, admin_user, endpoint, settings):
    from casework.models import AuditEvent

    settings.CAMINOS_2FA_REQUIRED_ROLES = []
    client.force_login(admin_user)
    response = client.post(f"/admin/referrals/webhookendpoint/{endpoint.pk}/change/", {
        "organisation": endpoint.organisation_id, "url": "https://hias.example.org/caminos",
        "secret": "a-new-secret-for-hias", "is_active": "on"})
    assert response.status_code == 302, response.content[:500]
    changed = AuditEvent.objects.get(object_type="referrals.webhookendpoint", action="update")
    assert changed.actor == admin_user
    assert changed.changes["url"]["after"] == "https://hias.example.org/caminos"
    assert changed.changes["secret"] == {"before": "(hidden)", "after": "(hidden)"}
    assert SECRET not in json.dumps(changed.changes) and "a-new-secret" not in json.dumps(changed.changes)
