"""The beat job flags referrals not acknowledged in time, once, and tells the referrer's supervisors."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from referrals import services, tasks
from referrals.models import Notification, Referral


@pytest.fixture
def late(send, supervisor):
    supervisor.email = "sara@oim.example"
    supervisor.save()
    referral = send(urgency="emergency")
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - timedelta(hours=25),
                                                   due_at=timezone.now() - timedelta(hours=1))
    return referral


def test_the_beat_schedule_runs_the_overdue_job_every_quarter_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["flag-overdue-referrals"]
    assert entry["task"] == "referrals.tasks.flag_overdue_referrals"
    assert entry["schedule"] == 15 * 60


def test_an_emergency_not_acknowledged_in_24_hours_is_flagged_and_the_supervisor_told(
        late, supervisor, caseworker, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flagged = tasks.flag_overdue_referrals()
    assert flagged == [str(late.pk)]
    assert Referral.objects.get(pk=late.pk).overdue_flagged_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sara@oim.example"]
    assert late.short_id in message.subject
    # The e-mail names the referral, not the person.
    assert "María" not in message.body and "Pérez" not in message.body
    assert f"/referrals/{late.pk}/" in message.body
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"sara", "camila"}


def test_a_rerun_flags_nothing_twice(late, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.flag_overdue_referrals()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.flag_overdue_referrals() == []
    assert callbacks == []
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 2


def test_acknowledged_or_not_yet_due_referrals_are_not_flagged(send, partner):
    on_time = send(urgency="normal")
    acknowledged = send(urgency="emergency")
    services.transition(actor=partner, referral=acknowledged, action="acknowledge")
    Referral.objects.filter(pk=acknowledged.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert services.flag_overdue_referrals() == []
    assert services.flag_overdue_referrals(now=on_time.due_at + timedelta(minutes=1)) == [on_time.pk]


def test_the_supervisor_sees_the_badge_and_the_notification(client, late, supervisor,
                                                            django_capture_on_commit_callbacks):
    services.flag_overdue_referrals()
    client.force_login(supervisor)
    page = client.get("/referrals/notifications/").content.decode()
    assert 'class="badge">1<' in page
    assert late.short_id in page
    client.post("/referrals/notifications/")
    assert not Notification.objects.filter(recipient=supervisor).unread().exists()
    assert 'class="badge"' not in client.get("/referrals/").content.decode()


def test_the_flag_is_in_the_audit_trail(late):
    from casework.models import AuditEvent

    services.flag_overdue_referrals()
    event = AuditEvent.objects.about(late).filter(action="update").get()
    assert event.actor is None
    assert "overdue_flagged_at" in event.changes
