"""A case's timeline: everything that happened to the case and to the people in it, newest first.

Each app adds its own entries by registering a provider, from its AppConfig.ready():

    from casework.case_timeline import timeline_provider

    @timeline_provider
    def referral_entries(case, user):
        for referral in Referral.objects.visible_to(user).filter(individual__in=case_people(case)):
            yield TimelineEntry(at=referral.created_at, kind="referral", title=..., actor=..., text=...)

A provider receives the case and the user looking at it, and yields only what that user may read.
"""
from dataclasses import dataclass
from datetime import datetime, time

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from casework.case_services import status_label
from casework.models import CaseNote, Individual

_providers = []


@dataclass(frozen=True)
class TimelineEntry:
    at: object  # a datetime, or a date for things that happen on a day
    kind: str  # "status", "assessment", "note", "follow_up", "referral", "distribution", ...
    title: str
    actor: object = None
    text: str = ""
    confidential: bool = False
    url: str = ""  # where the entry's record can be opened, when the user may open it

    @property
    def is_day(self):
        return not isinstance(self.at, datetime)


def timeline_provider(function):
    """Register a function(case, user) -> iterable of TimelineEntry. Returns it unchanged (a decorator)."""
    if function not in _providers:
        _providers.append(function)
    return function


def case_people(case):
    """The people a case is about: the one person, or every member of the household."""
    if case.individual_id:
        return Individual.objects.filter(pk=case.individual_id)
    return Individual.objects.filter(household_id=case.household_id)


def timeline_for(case, user):
    entries = []
    for provider in _providers:
        entries.extend(provider(case, user))
    return sorted(entries, key=_sort_key, reverse=True)


def _sort_key(entry):
    at = entry.at
    if not isinstance(at, datetime):
        # Something done on a day comes after what was recorded during that day.
        at = timezone.make_aware(datetime.combine(at, time.max))
    return at


@timeline_provider
def status_changes(case, user):
    for event in case.events.select_related("actor"):
        if not event.from_status:
            title = _("Case opened")
        else:
            title = _("Status changed from %(from)s to %(to)s") % {
                "from": status_label(event.from_status), "to": status_label(event.to_status)}
        yield TimelineEntry(at=event.at, kind="status", title=title, actor=event.actor, text=event.comment)


@timeline_provider
def assessments(case, user):
    # Codes such as SV (sexual violence) are as sensitive as the details: others see the priority only.
    sensitive = case.can_read_sensitive(user)
    for assessment in case.assessments.select_related("assessed_by"):
        title = _("Vulnerability assessment: priority %(priority)s") % {
            "priority": str(assessment.get_priority_override_display() or assessment.get_computed_priority_display())
            .lower()}
        text = ""
        if sensitive:
            text = ", ".join(assessment.specific_needs)
            if assessment.priority_override:
                text += " · " + _("set by hand: %(reason)s") % {"reason": assessment.override_reason}
        yield TimelineEntry(at=assessment.assessed_at, kind="assessment", title=title, actor=assessment.assessed_by,
                            text=text)


@timeline_provider
def notes(case, user):
    for note in CaseNote.objects.readable_by(user, case).filter(case=case).select_related("author"):
        yield TimelineEntry(at=note.written_at, kind="note",
                            title=_("Confidential note") if note.confidential else _("Note"),
                            actor=note.author, text=note.text, confidential=note.confidential)


@timeline_provider
def follow_ups(case, user):
    for follow_up in case.follow_ups.select_related("assigned_to", "created_by", "done_by"):
        due = formats.date_format(follow_up.due_on, "SHORT_DATE_FORMAT")
        yield TimelineEntry(at=follow_up.created_at, kind="follow_up", actor=follow_up.created_by,
                            title=_("Follow-up planned for %(date)s") % {"date": due}, text=follow_up.action)
        if follow_up.done_on:
            yield TimelineEntry(at=follow_up.done_on, kind="follow_up_done", actor=follow_up.done_by,
                                title=_("Follow-up done"), text=follow_up.action)
