"""Celery tasks of the referrals: they take ids and call the services; each can run twice safely."""
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from referrals import services, webhooks
from referrals.models import Referral


@shared_task
def flag_overdue_referrals():
    """Beat: flag referrals not acknowledged in time and notify the referrers' supervisors."""
    return [str(pk) for pk in services.flag_overdue_referrals()]


@shared_task
def email_overdue_referral(referral_id):
    referral = Referral.objects.select_related("service_type", "receiving_organisation").get(pk=referral_id)
    recipients = services.overdue_email_recipients(referral)
    if not recipients:
        return 0
    # No name in the e-mail: it says which referral to open, the app shows the rest to those allowed.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Referral %(number)s not acknowledged in time") % {"number": referral.short_id}
        body = _(
            "The %(urgency)s referral %(number)s to %(organisation)s for %(service)s was due to be acknowledged "
            "by %(due)s and has not been.\n\nOpen it in Caminos: %(path)s"
        ) % {
            "urgency": referral.get_urgency_display(), "number": referral.short_id,
            "organisation": referral.receiving_organisation, "service": referral.service_type,
            "due": timezone.localtime(referral.due_at).strftime("%Y-%m-%d %H:%M"),
            "path": reverse("referrals:detail", args=[referral.pk]),
        }
    return send_mail(subject, body, None, recipients)


@shared_task(bind=True, max_retries=webhooks.MAX_RETRIES)
def deliver_webhook(self, delivery_id):
    if webhooks.attempt(delivery_id):
        return "delivered"
    if self.request.retries >= self.max_retries:
        webhooks.give_up(delivery_id)
        return "failed"
    raise self.retry(countdown=webhooks.backoff_seconds(self.request.retries))
