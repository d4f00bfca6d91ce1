"""Code lists of the referrals API (DESIGN.md): the values are the contract, the labels translate."""
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency (24 hours)")
    HIGH = "high", _("High (72 hours)")
    NORMAL = "normal", _("Normal (7 days)")


# How long the receiving organisation has to acknowledge a referral.
ACKNOWLEDGE_WITHIN = {
    Urgency.EMERGENCY: timedelta(hours=24),
    Urgency.HIGH: timedelta(hours=72),
    Urgency.NORMAL: timedelta(days=7),
}


class Status(models.TextChoices):
    SENT = "sent", pgettext_lazy("referral", "Sent")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("referral", "Acknowledged")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral", "Declined")
    COMPLETED = "completed", pgettext_lazy("referral", "Completed")
    CLOSED = "closed", pgettext_lazy("referral", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("referral", "Cancelled")


class ContactPreference(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WHATSAPP = "whatsapp", _("WhatsApp or text message")
    IN_PERSON = "in_person", _("In person")
    THROUGH_REFERRER = "through_referrer", _("Through the referring organisation")


class ConsentException(models.TextChoices):
    """Why a referral goes without the person's consent: the only two reasons allowed."""

    CHILD_BEST_INTEREST = "child_best_interest", _("Best interest of the child")
    LIFE_THREATENING = "life_threatening_emergency", _("Life-threatening emergency")


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")
    PORTUGUESE = "pt", _("Portuguese")
    WAYUUNAIKI = "guc", _("Wayuunaiki")
    WARAO = "wba", _("Warao")
    OTHER = "other", _("Other language")
