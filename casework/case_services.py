"""Writes to cases. As in services.py: validate everything first and write nothing on error, one
transaction per call, an audit row for each record touched, and a row lock on the case so that two
people acting on it at once are served one after the other (the second one is told it changed)."""
import uuid

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit
from casework.case_priority import priority_for
from casework.codes import SPECIFIC_NEED_CODES, Role
from casework.errors import InvalidInput, NotAllowed, StaleWrite
from casework.models import (
    AuditEvent,
    Case,
    CaseActivityType,
    CaseEvent,
    CaseNote,
    CasePriority,
    CaseStatus,
    FollowUp,
    Household,
    Individual,
    User,
    VulnerabilityAssessment,
)
from casework.retries import create_once
from reporting import activity

CASEWORKER_ROLES = {Role.CASEWORKER, Role.SUPERVISOR}


def _refusal_messages():
    # Built on each call so that the messages follow the language of the request.
    return {
        "submit": _("Only a draft case can be submitted; this case is currently %(status)s."),
        "approve": _("Only a case submitted for review can be approved; this case is currently %(status)s."),
        "return": _("Only a case submitted for review can be returned; this case is currently %(status)s."),
        "close": _("Only an approved case can be closed; this case is currently %(status)s."),
        "reopen": _("Only a closed case can be reopened; this case is currently %(status)s."),
    }


# action: (status it must be in, status it goes to)
TRANSITIONS = {
    "submit": (CaseStatus.DRAFT, CaseStatus.SUBMITTED),
    "approve": (CaseStatus.SUBMITTED, CaseStatus.APPROVED),
    "return": (CaseStatus.SUBMITTED, CaseStatus.DRAFT),
    "close": (CaseStatus.APPROVED, CaseStatus.CLOSED),
    "reopen": (CaseStatus.CLOSED, CaseStatus.DRAFT),
}
# The "why" a transition must carry: the supervisor's comment, the closure reason, the reason to reopen.
COMMENT_REQUIRED = {"return", "close", "reopen"}
SUPERVISOR_ACTIONS = {"approve", "return"}


def status_label(status):
    return str(CaseStatus(status).label).lower()


def allowed_actions(case, user):
    """The transitions this user may take on the case now (for buttons and the API)."""
    actions = []
    for action, (from_status, _to) in TRANSITIONS.items():
        if case.status == from_status and _may_transition(case, user, action):
            actions.append(action)
    return actions


def _may_transition(case, user, action):
    if action in SUPERVISOR_ACTIONS:
        return user.role == Role.SUPERVISOR and user.organisation_id == case.organisation_id
    return case.is_handled_by(user)


# --- numbering ------------------------------------------------------------------------------------

def next_case_number(organisation, year):
    """The next number of the organisation's yearly sequence, held under a row lock until commit (no gaps)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO casework_casecounter (organisation_id, year, last_number) VALUES (%s, %s, 1)
            ON CONFLICT (organisation_id, year)
            DO UPDATE SET last_number = casework_casecounter.last_number + 1
            RETURNING last_number
            """,
            [organisation.pk, year],
        )
        (number,) = cursor.fetchone()
    return f"{organisation.code}-C-{year}-{number:06d}"


# --- validation -------------------------------------------------------------------------------------

def _clean_staff(value, *, organisation_id, roles, field, errors, message):
    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else User.objects.filter(username=value).first()
    if user is None or not user.is_active or user.organisation_id != organisation_id or user.role not in roles:
        errors[field] = [message]
        return None
    return user


def _clean_assessment(data, errors):
    """Codes, details, and an override that must carry its reason; returns the cleaned fields."""
    codes = sorted(set(data.get("specific_needs") or []))
    unknown = [code for code in codes if code not in SPECIFIC_NEED_CODES]
    if unknown:
        errors["specific_needs"] = [_("Unknown specific-needs code: %(codes)s.") % {"codes": ", ".join(unknown)}]
    override = data.get("priority_override") or ""
    reason = " ".join(str(data.get("override_reason") or "").split())
    if override and override not in CasePriority.values:
        errors["priority_override"] = [_("Choose a priority from the list.")]
    if override and not reason:
        errors["override_reason"] = [_("Say why you set the priority by hand.")]
    computed, _reasons = priority_for(codes)
    return {
        "specific_needs": codes,
        "details": str(data.get("details") or "").strip(),
        "computed_priority": computed,
        "priority_override": override,
        "override_reason": reason if override else "",
    }


def _raise(errors):
    if errors:
        raise InvalidInput(errors)


def _lock(case, expected_version):
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version not in (None, "") and int(expected_version) != locked.version:
        raise StaleWrite(locked.version)
    return locked


def _save_changed(case, actor, before, **extra_changes):
    case.version += 1
    case.save()
    changes = audit.diff(before, audit.snapshot(case))
    changes.update(extra_changes)
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, instance=case, changes=changes)


def _add_assessment(case, actor, cleaned):
    assessment = VulnerabilityAssessment(case=case, assessed_by=actor, **cleaned)
    assessment.save(force_insert=True)
    # The details are sensitive: the audit row says that they changed, not what they say.
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, instance=assessment, changes={"after": {
        "case": str(case.pk), "specific_needs": cleaned["specific_needs"],
        "computed_priority": cleaned["computed_priority"], "priority_override": cleaned["priority_override"],
        "details_written": bool(cleaned["details"]),
    }})
    case.priority = assessment.priority
    return assessment


# --- opening ---------------------------------------------------------------------------------------

def open_case(*, actor, household=None, individual=None, assigned_to=None, supervisor=None, assessment=None,
              id=None):
    """Open a case for a household or one of its members. Returns (case, created): a retried request
    with the same client id gets the case the first one opened."""
    return create_once(lambda: _open_case(actor=actor, household=household, individual=individual,
                                          assigned_to=assigned_to, supervisor=supervisor, assessment=assessment,
                                          id=id),
                       lambda: _existing_case(actor, id) if id is not None else None)


def _existing_case(actor, case_id):
    existing = Case.objects.filter(pk=case_id).first()
    if existing is None:
        return None
    if not Case.objects.visible_to(actor).filter(pk=case_id).exists():
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


@transaction.atomic
def _open_case(*, actor, household, individual, assigned_to, supervisor, assessment, id):
    errors = {}
    visible = Household.objects.visible_to(actor)
    if household is not None and not isinstance(household, Household):
        household = visible.filter(pk=household).first()
        if household is None:
            errors["household"] = [_("Choose a household you can see.")]
    elif household is not None and not visible.filter(pk=household.pk).exists():
        errors["household"] = [_("Choose a household you can see.")]
    if individual is not None and not isinstance(individual, Individual):
        individual = Individual.objects.visible_to(actor).filter(pk=individual).select_related("household").first()
        if individual is None:
            errors["individual"] = [_("Choose a person you can see.")]
    elif individual is not None and not visible.filter(pk=individual.household_id).exists():
        errors["individual"] = [_("Choose a person you can see.")]
    if household is None and individual is None and not errors:
        errors["household"] = [_("Open the case for a household or for one person.")]
    if household is not None and individual is not None and individual.household_id != household.pk:
        errors["individual"] = [_("This person is not a member of the household %(number)s.") % {
            "number": household.registration_number}]
    if assigned_to in (None, "") and actor.role == Role.CASEWORKER:
        assigned_to = actor
    assigned_to = _clean_staff(
        assigned_to, organisation_id=actor.organisation_id, roles=CASEWORKER_ROLES, field="assigned_to",
        errors=errors, message=_("Choose a caseworker of your organisation."),
    )
    supervisor = _clean_staff(
        supervisor, organisation_id=actor.organisation_id, roles={Role.SUPERVISOR}, field="supervisor",
        errors=errors, message=_("Choose a supervisor of your organisation."),
    )
    cleaned_assessment = _clean_assessment(assessment, errors) if assessment is not None else None
    _raise(errors)

    household = household or individual.household
    today = timezone.localdate()
    case = Case(
        id=id or uuid.uuid4(),
        case_number=next_case_number(household.organisation, today.year),
        organisation_id=household.organisation_id,
        household=household,
        individual=individual,
        opened_by=actor,
        assigned_to=assigned_to,
        supervisor=supervisor,
    )
    case.save(force_insert=True)
    audit.record_created(actor, case)
    CaseEvent.objects.create(case=case, actor=actor, from_status="", to_status=CaseStatus.DRAFT)
    if cleaned_assessment is not None:
        _add_assessment(case, actor, cleaned_assessment)
        case.save(update_fields=["priority", "updated_at"])
    return case


# --- changes -------------------------------------------------------------------------------------

@transaction.atomic
def record_assessment(*, actor, case, expected_version=None, **fields):
    """Add a vulnerability assessment; the case takes its priority (the rules' or the override)."""
    case = _lock(case, expected_version)
    if not case.is_handled_by(actor) and case.opened_by_id != actor.pk:
        raise PermissionDenied(_("Only the assigned caseworker or a supervisor can assess this case."))
    if case.status == CaseStatus.CLOSED:
        raise NotAllowed(_("A closed case cannot be assessed; reopen it first. This case is currently %(status)s.")
                         % {"status": status_label(case.status)})
    errors = {}
    cleaned = _clean_assessment(fields, errors)
    _raise(errors)
    before = audit.snapshot(case)
    assessment = _add_assessment(case, actor, cleaned)
    _save_changed(case, actor, before)
    return assessment


@transaction.atomic
def assign_case(*, actor, case, expected_version=None, **fields):
    """Give the case a caseworker and a supervisor (a supervisor's decision)."""
    case = _lock(case, expected_version)
    if actor.role != Role.SUPERVISOR or actor.organisation_id != case.organisation_id:
        raise PermissionDenied(_("Only a supervisor can assign a case."))
    errors = {}
    changes = {}
    if "assigned_to" in fields:
        changes["assigned_to"] = _clean_staff(
            fields["assigned_to"], organisation_id=case.organisation_id, roles=CASEWORKER_ROLES,
            field="assigned_to", errors=errors, message=_("Choose a caseworker of your organisation."),
        )
    if "supervisor" in fields:
        changes["supervisor"] = _clean_staff(
            fields["supervisor"], organisation_id=case.organisation_id, roles={Role.SUPERVISOR},
            field="supervisor", errors=errors, message=_("Choose a supervisor of your organisation."),
        )
    _raise(errors)
    before = audit.snapshot(case)
    for name, value in changes.items():
        setattr(case, name, value)
    if audit.diff(before, audit.snapshot(case)):
        _save_changed(case, actor, before)
    return case


@transaction.atomic
def transition_case(*, actor, case, action, comment="", expected_version=None):
    """Move the case along its workflow. Refusals, in order: 403 (not theirs to do), stale version,
    409 (not allowed in the current status, naming it), 400 (the comment or reason is missing)."""
    if action not in TRANSITIONS:
        raise ValueError(action)
    case = _lock(case, None)
    return _apply_transition(actor=actor, case=case, action=action, comment=comment,
                             expected_version=expected_version)


def _apply_transition(*, actor, case, action, comment, expected_version=None):
    from_status, to_status = TRANSITIONS[action]
    if not _may_transition(case, actor, action):
        if action in SUPERVISOR_ACTIONS:
            raise PermissionDenied(_("Only a supervisor of the organisation can review this case."))
        raise PermissionDenied(_("Only the assigned caseworker or a supervisor can do this."))
    if expected_version not in (None, "") and int(expected_version) != case.version:
        raise StaleWrite(case.version)
    if case.status != from_status:
        raise NotAllowed(_refusal_messages()[action] % {"status": status_label(case.status)})
    comment = str(comment or "").strip()
    errors = {}
    if action in COMMENT_REQUIRED and not comment:
        field = "reason" if action == "close" else "comment"
        errors[field] = [{
            "return": _("Tell the caseworker what to change."),
            "close": _("Give the reason for closing the case."),
            "reopen": _("Say why the case is reopened."),
        }[action]]
    if action == "submit":
        if case.assigned_to_id is None:
            errors["assigned_to"] = [_("Assign a caseworker before submitting the case.")]
        if not case.assessments.exists():
            errors["assessment"] = [_("Record the vulnerability assessment before submitting the case.")]
    _raise(errors)

    now = timezone.now()
    before = audit.snapshot(case)
    case.status = to_status
    if action == "submit":
        case.submitted_at = now
    elif action == "approve":
        case.approved_at = now
        if case.supervisor_id is None:
            case.supervisor = actor
    elif action == "return":
        case.submitted_at = None
    elif action == "close":
        case.closed_at, case.closure_reason = now, comment
    elif action == "reopen":
        case.closed_at, case.closure_reason, case.approved_at, case.submitted_at = None, "", None, None
    _save_changed(case, actor, before, transition={"action": action, "comment": comment})
    CaseEvent.objects.create(case=case, actor=actor, at=now, from_status=from_status, to_status=to_status,
                             comment=comment)
    return case


@transaction.atomic
def review_cases(*, actor, decisions, action, comment=""):
    """Approve or return several cases at once. `decisions` pairs each case id with the version the
    supervisor saw; if any of them changed meanwhile nothing is saved, and the message names them."""
    if action not in SUPERVISOR_ACTIONS:
        raise ValueError(action)
    seen = {str(case_id): int(version) for case_id, version in decisions}
    if not seen:
        raise InvalidInput({"cases": [_("Tick at least one case.")]})
    cases = list(Case.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk__in=seen).order_by("pk"))
    if len(cases) != len(seen):
        raise InvalidInput({"cases": [_("Some of the ticked cases are not yours to review.")]})
    changed = [case for case in cases if case.version != seen[str(case.pk)]]
    if changed:
        raise NotAllowed(
            _("These cases changed since you opened the list: %(numbers)s. Nothing was saved; check them and "
              "try again.") % {"numbers": ", ".join(sorted(case.case_number for case in changed))}
        )
    return [_apply_transition(actor=actor, case=case, action=action, comment=comment) for case in cases]


# --- notes and follow-ups ----------------------------------------------------------------------------

def add_note(*, actor, case, text, confidential=False, id=None):
    """A note on the case. Returns (note, created): a retried request with the same id gets the note
    the first one wrote, also when the two raced past the check for it."""
    return create_once(lambda: _add_note(actor=actor, case=case, text=text, confidential=confidential, id=id),
                       lambda: _existing_note(actor, case, id))


def _existing_note(actor, case, note_id):
    existing = CaseNote.objects.filter(pk=note_id).first() if note_id is not None else None
    if existing is not None and (existing.case_id != case.pk or existing.author_id != actor.pk):
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


@transaction.atomic
def _add_note(*, actor, case, text, confidential, id):
    text = str(text or "").strip()
    _raise({"text": [_("Write the note.")]} if not text else {})
    note = CaseNote(id=id or uuid.uuid4(), case=case, author=actor, text=text, confidential=bool(confidential))
    note.save(force_insert=True)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, instance=note, changes={"after": {
        "case": str(case.pk), "confidential": note.confidential,
    }})
    return note


def plan_follow_up(*, actor, case, action="", due_on=None, assigned_to=None, activity_type=None, id=None):
    """`activity_type` (a code) says which kind of case work it is; when that kind reports under an
    indicator, doing the follow-up counts the case's people in the monthly report. Returns
    (follow-up, created): a retried request with the same id gets the first one's follow-up."""
    return create_once(lambda: _plan_follow_up(actor=actor, case=case, action=action, due_on=due_on,
                                               assigned_to=assigned_to, activity_type=activity_type, id=id),
                       lambda: _existing_follow_up(case, id))


def _existing_follow_up(case, follow_up_id):
    existing = FollowUp.objects.filter(pk=follow_up_id).first() if follow_up_id is not None else None
    if existing is not None and existing.case_id != case.pk:
        raise InvalidInput({"id": [_("This id already belongs to another record. Send a new id.")]})
    return existing


@transaction.atomic
def _plan_follow_up(*, actor, case, action, due_on, assigned_to, activity_type, id):
    if case.status == CaseStatus.CLOSED:
        raise NotAllowed(_("A closed case takes no new follow-ups; this case is currently %(status)s.")
                         % {"status": status_label(case.status)})
    errors = {}
    action = " ".join(str(action or "").split())
    if not action:
        errors["action"] = [_("Say what is to be done.")]
    if due_on is None:
        errors["due_on"] = [_("Give a due date.")]
    elif due_on < timezone.localdate():
        errors["due_on"] = [_("The due date cannot be in the past.")]
    assigned_to = _clean_staff(
        assigned_to or actor, organisation_id=case.organisation_id,
        roles={Role.CASEWORKER, Role.SUPERVISOR, Role.FIELD_OFFICER}, field="assigned_to", errors=errors,
        message=_("Choose someone of your organisation."),
    )
    activity_type = _clean_activity_type(activity_type, errors)
    _raise(errors)
    follow_up = FollowUp(id=id or uuid.uuid4(), case=case, action=action[:300], assigned_to=assigned_to,
                         due_on=due_on, activity_type=activity_type, created_by=actor)
    follow_up.save(force_insert=True)
    audit.record_created(actor, follow_up)
    return follow_up


@transaction.atomic
def complete_follow_up(*, actor, follow_up, done_on=None):
    """Mark a follow-up done. Doing it twice keeps the first date (a retry changes nothing)."""
    follow_up = FollowUp.objects.select_for_update(of=("self",)).select_related(
        "case__organisation", "activity_type__indicator").get(pk=follow_up.pk)
    if not follow_up.case.is_handled_by(actor) and follow_up.assigned_to_id != actor.pk:
        raise PermissionDenied(_("Only the person it is assigned to, the caseworker or a supervisor can do this."))
    if follow_up.done_on is not None:
        return follow_up
    done_on = done_on or timezone.localdate()
    _raise({"done_on": [_("The date cannot be in the future.")]} if done_on > timezone.localdate() else {})
    before = audit.snapshot(follow_up)
    follow_up.done_on, follow_up.done_by = done_on, actor
    follow_up.save(update_fields=["done_on", "done_by"])
    audit.record_updated(actor, follow_up, before)
    _record_case_activity(follow_up)
    return follow_up


def _clean_activity_type(code, errors):
    if code in (None, ""):
        return None
    activity_type = CaseActivityType.objects.filter(code=str(code), is_active=True).first()
    if activity_type is None:
        errors["activity_type"] = [_("Choose a kind of activity from the list.")]
    return activity_type


def _record_case_activity(follow_up):
    """The people the case is about, reached by its organisation on the day the follow-up was done:
    the person of a one-person case, or every member of a household case."""
    activity_type = follow_up.activity_type
    if activity_type is None or activity_type.indicator_id is None:
        return
    case = follow_up.case
    household = Household.objects.select_related("site__location__parent__parent").get(pk=case.household_id)
    kwargs = {"source_type": activity.SOURCE_CASE, "source_id": follow_up.pk, "organisation": case.organisation,
              "site": household.site, "indicator": activity_type.indicator, "date": follow_up.done_on}
    if case.individual_id is None:
        activity.record_for_household(household=household, **kwargs)
    else:
        activity.record(people=[Individual.objects.select_related("household").get(pk=case.individual_id)],
                        **kwargs)
