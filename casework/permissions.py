"""The one permission layer: which role may do which action on which kind of record.

Web views and API viewsets both ask `can(user, resource, action)`; which records a user may touch
at all is the job of the QuerySet methods (`visible_to`), so a record out of scope is a 404.
"""
from rest_framework.permissions import BasePermission

from casework.codes import Role

FIELD_OFFICER, CASEWORKER, SUPERVISOR = Role.FIELD_OFFICER, Role.CASEWORKER, Role.SUPERVISOR
PARTNER, ME_OFFICER, ADMIN = Role.PARTNER_AGENCY, Role.ME_OFFICER, Role.ADMIN
EVERYONE = frozenset(Role.values)
REGISTRARS = frozenset({FIELD_OFFICER, CASEWORKER, SUPERVISOR})
REGISTRY_READERS = REGISTRARS | {ADMIN}
# Who may read sensitive fields (GBV, torture and trafficking codes, protection narratives) of their
# own organisation's records; case files narrow it further to the assigned caseworker.
SENSITIVE_READERS = frozenset({CASEWORKER, SUPERVISOR})
# Field officers open cases for the households they see; which cases each one sees is Case.visible_to's.
CASE_STAFF = frozenset({FIELD_OFFICER, CASEWORKER, SUPERVISOR})
CASE_HANDLERS = frozenset({CASEWORKER, SUPERVISOR})

POLICY = {
    "household": {"list": REGISTRY_READERS, "retrieve": REGISTRY_READERS, "create": REGISTRARS,
                  "update": REGISTRARS, "delete": frozenset()},
    "individual": {"list": REGISTRY_READERS, "retrieve": REGISTRY_READERS, "create": REGISTRARS,
                   "update": REGISTRARS, "delete": REGISTRARS, "duplicates": REGISTRARS},
    "duplicate": {"list": {SUPERVISOR, ADMIN}, "retrieve": {SUPERVISOR, ADMIN}, "merge": {SUPERVISOR, ADMIN},
                  "not_same": {SUPERVISOR, ADMIN}, "unmerge": {SUPERVISOR, ADMIN}},
    "consent": {"list": REGISTRY_READERS, "retrieve": REGISTRY_READERS, "create": REGISTRARS,
                "withdraw": REGISTRARS},
    "person_data": {"export": {ADMIN}, "anonymise": {ADMIN}},
    "audit": {"list": {SUPERVISOR, ADMIN}, "retrieve": {SUPERVISOR, ADMIN}},
    "organisation": {"list": EVERYONE, "retrieve": EVERYONE, "create": {ADMIN}, "update": {ADMIN}},
    "location": {"list": EVERYONE, "retrieve": EVERYONE},
    "site": {"list": EVERYONE, "retrieve": EVERYONE, "create": {ADMIN}, "update": {ADMIN}},
    "user": {"list": {ADMIN}, "retrieve": {ADMIN}, "create": {ADMIN}, "update": {ADMIN}},
    "api_token": {"list": {ADMIN}, "retrieve": {ADMIN}, "revoke": {ADMIN}},
    "me": {"get": EVERYONE, "patch": EVERYONE},
    "report": {"list": {SUPERVISOR, ME_OFFICER}, "retrieve": {SUPERVISOR, ME_OFFICER},
               "create": {SUPERVISOR, ME_OFFICER}, "export": {SUPERVISOR, ME_OFFICER}},
    "indicator": {"list": EVERYONE, "retrieve": EVERYONE, "create": {ADMIN}, "update": {ADMIN}},
    # Within these roles the case decides: only its assigned caseworker or a supervisor moves it on
    # (case_services.allowed_actions), and confidential notes are for them only.
    "case": {"list": CASE_STAFF, "retrieve": CASE_STAFF, "create": CASE_STAFF, "update": {SUPERVISOR},
             "assess": CASE_STAFF, "timeline": CASE_STAFF, "priority_rules": EVERYONE,
             "submit": CASE_HANDLERS, "approve": {SUPERVISOR}, "return": {SUPERVISOR}, "review": {SUPERVISOR},
             "close": CASE_HANDLERS, "reopen": CASE_HANDLERS},
    "case_note": {"list": CASE_STAFF, "create": CASE_STAFF},
    "follow_up": {"list": CASE_STAFF, "create": CASE_STAFF, "complete": CASE_STAFF},
    "case_activity_type": {"list": EVERYONE, "retrieve": EVERYONE, "create": {ADMIN}, "update": {ADMIN}},
    # Partners see referrals addressed to or sent by their organisation (ReferralQuerySet.visible_to),
    # through the minimal fields only; which side may take which step is the referral service's rule.
    "referral": {"list": {CASEWORKER, SUPERVISOR, PARTNER}, "retrieve": {CASEWORKER, SUPERVISOR, PARTNER},
                 "create": {CASEWORKER, SUPERVISOR}, "cancel": {CASEWORKER, SUPERVISOR},
                 "close": {CASEWORKER, SUPERVISOR}, "acknowledge": {CASEWORKER, SUPERVISOR, PARTNER},
                 "accept": {CASEWORKER, SUPERVISOR, PARTNER}, "decline": {CASEWORKER, SUPERVISOR, PARTNER},
                 "complete": {CASEWORKER, SUPERVISOR, PARTNER}, "print": {CASEWORKER, SUPERVISOR, PARTNER},
                 "response_times": {SUPERVISOR, ME_OFFICER, PARTNER}},
    "service": {"list": EVERYONE, "retrieve": EVERYONE, "create": {ADMIN}, "update": {ADMIN}},
    "webhook": {"list": {ADMIN}, "retrieve": {ADMIN}, "create": {ADMIN}, "update": {ADMIN}},
    "notification": {"list": EVERYONE, "read": EVERYONE},
    # Distributions: supervisors (and admins) plan rounds and manage stock; field officers and
    # caseworkers record receipts at their sites; admins keep the catalogue.
    "commodity": {"list": EVERYONE, "retrieve": EVERYONE, "create": {ADMIN}, "update": {ADMIN}},
    "distribution_round": {"list": REGISTRY_READERS | {ME_OFFICER}, "retrieve": REGISTRY_READERS | {ME_OFFICER},
                           "create": {SUPERVISOR, ADMIN}, "update": {SUPERVISOR, ADMIN},
                           "entitlement": REGISTRY_READERS, "roster_csv": REGISTRY_READERS,
                           "roster_pdf": REGISTRY_READERS, "import_roster": REGISTRY_READERS},
    "receipt": {"list": REGISTRY_READERS, "retrieve": REGISTRY_READERS, "create": REGISTRY_READERS,
                "void": {SUPERVISOR, ADMIN}, "delete": frozenset()},
    "stock": {"list": REGISTRY_READERS | {ME_OFFICER}, "retrieve": REGISTRY_READERS | {ME_OFFICER}},
    "stock_movement": {"list": REGISTRY_READERS | {ME_OFFICER}, "retrieve": REGISTRY_READERS | {ME_OFFICER},
                       "create": {SUPERVISOR, ADMIN}},
    # Imports: officers upload; supervisors review, fix, drop and merge; admins keep the Kobo sources.
    "import_source": {"list": {SUPERVISOR, ADMIN}, "retrieve": {SUPERVISOR, ADMIN}, "create": {ADMIN},
                      "update": {ADMIN}},
    "import_batch": {"list": REGISTRY_READERS, "retrieve": REGISTRY_READERS, "create": REGISTRY_READERS,
                     "rows": {SUPERVISOR, ADMIN}, "update_row": {SUPERVISOR, ADMIN}, "drop": {SUPERVISOR, ADMIN},
                     "merge": {SUPERVISOR, ADMIN}, "refuse": {SUPERVISOR, ADMIN}},
}

# DRF's action names mapped onto the policy's verbs.
VIEWSET_ACTIONS = {"partial_update": "update", "destroy": "delete", "return_case": "return"}


def can(user, resource, action):
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.role in POLICY.get(resource, {}).get(action, frozenset())


class RolePolicyPermission(BasePermission):
    """Viewsets name their `policy_resource`; an action not in the policy is refused."""

    def has_permission(self, request, view):
        resource = getattr(view, "policy_resource", None)
        if resource is None:
            return False
        action = getattr(view, "action", None) or request.method.lower()
        return can(request.user, resource, VIEWSET_ACTIONS.get(action, action))


def can_see_sensitive(user, household):
    return (
        user.is_authenticated and user.role in SENSITIVE_READERS and household.organisation_id == user.organisation_id
    )
