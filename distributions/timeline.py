"""Distributions on a case's timeline: the receipts of the case's households that the viewer may see."""
from django.urls import reverse
from django.utils.translation import gettext as _

from casework.case_timeline import TimelineEntry, case_people, timeline_provider
from distributions.models import Receipt


@timeline_provider
def receipt_entries(case, user):
    households = case_people(case).values("household_id")
    receipts = Receipt.objects.visible_to(user).filter(household_id__in=households).with_details()
    for receipt in receipts:
        goods = ", ".join(f"{line.quantity.normalize()} × {line.commodity.name}" for line in receipt.lines.all())
        title = _("Received %(goods)s (%(round)s)") % {"goods": goods, "round": receipt.round.name}
        if receipt.voided_at:
            title = _("Voided: %(title)s") % {"title": title}
        yield TimelineEntry(at=receipt.distributed_at, kind="distribution", title=title,
                            actor=receipt.handed_over_by, url=reverse("distributions:round", args=[receipt.round_id]))
