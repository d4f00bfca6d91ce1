"""How a vulnerability assessment's specific-needs codes give a case its priority.

The rules are a table so that an admin can read them (the "Priority rules" page and
`GET /api/v1/cases/priority-rules/`) and a reviewer can check the code against them. A case takes the
highest priority of any of its codes; without any code it is low. A caseworker may override the result,
with a reason that stays in the assessment.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework.codes import SPECIFIC_NEEDS
from casework.models import PRIORITY_RANK, CasePriority


@dataclass(frozen=True)
class PriorityRule:
    priority: str
    # A code ("SC-UC") or a main code with all its sub-codes ("SV-*", which also matches "SV").
    codes: tuple
    why: str

    def matches(self, code):
        for pattern in self.codes:
            if pattern.endswith("-*"):
                main = pattern[:-2]
                if code == main or code.startswith(main + "-"):
                    return True
            elif code == pattern:
                return True
        return False


PRIORITY_RULES = (
    PriorityRule(CasePriority.CRITICAL, ("SC-UC",), _("An unaccompanied child needs a guardian and a best-interests "
                                                      "procedure at once.")),
    PriorityRule(CasePriority.CRITICAL, ("SV-*",), _("Survivors of sexual and gender-based violence need care within "
                                                     "72 hours.")),
    PriorityRule(CasePriority.CRITICAL, ("TR-*",), _("Survivors of torture need specialised care and protection.")),
    PriorityRule(CasePriority.CRITICAL, ("LP-RR", "LP-TR", "LP-ST"),
                 _("Refoulement, trafficking and security threats put life and liberty at risk.")),
    PriorityRule(CasePriority.CRITICAL, ("SM-CC",), _("A critical medical condition cannot wait.")),
    PriorityRule(CasePriority.HIGH, ("SC-*",), _("Separated children and child-headed households need protection "
                                                 "follow-up.")),
    PriorityRule(CasePriority.HIGH, ("CR-AF", "CR-LW", "CR-CS"),
                 _("Children in armed groups, in the worst forms of labour or married are at serious risk.")),
    PriorityRule(CasePriority.HIGH, ("LP-AN", "LP-DT", "WR-HR", "WR-LC", "PG-HR", "ER-NF"),
                 _("Violence, detention, high-risk women and pregnancies and older people unable to care for "
                   "themselves need quick action.")),
    PriorityRule(CasePriority.HIGH, ("SM-*",), _("A serious medical condition needs health referral.")),
    PriorityRule(CasePriority.MEDIUM, ("CR-*", "WR-*", "ER-*", "DS-*", "SP-*", "PG-*", "FU-*", "LP-*"),
                 _("Any other specific need calls for a planned follow-up.")),
)


def priority_for(codes):
    """The priority the rules give these codes, and the rules that gave it."""
    best, reasons = CasePriority.LOW, []
    for rule in PRIORITY_RULES:
        matched = sorted(code for code in codes if rule.matches(code))
        if not matched:
            continue
        if PRIORITY_RANK[rule.priority] > PRIORITY_RANK[best]:
            best, reasons = rule.priority, []
        if rule.priority == best:
            reasons.append((rule, matched))
    return CasePriority(best), reasons


def rules_table():
    """The rules as rows for people (and the API): priority, codes with their names, and why."""
    labels = {}
    for code, (label, sub_codes) in SPECIFIC_NEEDS.items():
        labels[code] = label
        labels.update(sub_codes)
    rows = []
    for rule in PRIORITY_RULES:
        codes = []
        for pattern in rule.codes:
            main = pattern.removesuffix("-*")
            codes.append({"code": pattern, "label": str(labels[main])})
        rows.append({"priority": rule.priority, "priority_label": str(CasePriority(rule.priority).label),
                     "codes": codes, "why": str(rule.why)})
    rows.append({"priority": CasePriority.LOW, "priority_label": str(CasePriority.LOW.label), "codes": [],
                 "why": str(_("No specific need recorded."))})
    return rows
