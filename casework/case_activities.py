"""The kinds of case work the monthly report counts, seeded by migration: (code, name, RMRP indicator
code). The names are in the Spanish catalogue too: a seeded name shows in the reader's language."""
from django.utils.translation import gettext_noop as _

CASE_ACTIVITY_TYPES = [
    ("case_management", _("Protection case management follow-up"), "PR-03"),
    ("legal_orientation", _("Legal orientation"), "PR-01"),
    ("documentation_support", _("Documentation and regularisation support"), "PR-02"),
    ("psychosocial_support", _("Psychosocial support"), "HE-02"),
    ("health_accompaniment", _("Accompaniment to health care"), "HE-01"),
    ("child_protection", _("Child protection case management"), "CP-01"),
    ("gbv_case_management", _("GBV case management"), "GBV-01"),
    ("trafficking_assistance", _("Assistance to a survivor of trafficking"), "HTS-01"),
    ("livelihoods_support", _("Livelihoods support"), "INT-01"),
    ("education_support", _("Education support"), "ED-01"),
]


def install(activity_type_model, indicator_model):
    """Lay the seeded kinds (idempotent); the migration and the tests' fixtures call it. An admin's
    later change of a kind's indicator is kept: only missing kinds are created."""
    indicators = dict(indicator_model.objects.values_list("code", "pk"))
    for code, name, indicator in CASE_ACTIVITY_TYPES:
        activity_type_model.objects.get_or_create(code=code, defaults={"name": name,
                                                                      "indicator_id": indicators.get(indicator)})
