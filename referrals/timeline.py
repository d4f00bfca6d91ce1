"""Referrals on a case's timeline: those of the case's people that the viewer may see."""
from django.urls import reverse
from django.utils.translation import gettext as _

from casework.case_timeline import TimelineEntry, case_people, timeline_provider
from referrals.models import Referral


@timeline_provider
def referral_entries(case, user):
    referrals = Referral.objects.visible_to(user).filter(individual__in=case_people(case)).select_related(
        "service_type", "receiving_organisation", "referred_by")
    for referral in referrals:
        yield TimelineEntry(
            at=referral.sent_at, kind="referral",
            title=_("Referred to %(organisation)s for %(service)s (%(status)s)") % {
                "organisation": referral.receiving_organisation, "service": referral.service_type,
                "status": referral.get_status_display()},
            actor=referral.referred_by, text=referral.reason,
            url=reverse("referrals:detail", args=[referral.pk]),
        )
