"""The service types seeded by migration: (code, name, sector, RMRP indicator code). The names are
in the Spanish catalogue too: ServiceType shows a seeded name in the reader's language."""
from django.utils.translation import gettext_noop as _

SERVICE_TYPES = [
    ("legal_assistance", _("Legal assistance"), "protection", "PR-01"),
    ("psychosocial_support", _("Psychosocial support"), "health", "HE-02"),
    ("gbv_case_management", _("GBV case management"), "gbv", "GBV-01"),
    ("child_protection", _("Child protection"), "child_protection", "CP-01"),
    ("health", _("Health"), "health", "HE-01"),
    ("mental_health", _("Mental health"), "health", "HE-02"),
    ("shelter", _("Shelter"), "shelter", "SH-02"),
    ("documentation", _("Documentation and regularisation"), "protection", "PR-02"),
    ("livelihoods", _("Livelihoods"), "integration", "INT-01"),
    ("education", _("Education"), "education", "ED-01"),
    ("cash", _("Cash"), "multipurpose_cash", "MPC-01"),
]


def install(service_type_model, indicator_model):
    """Lay the service types (idempotent); the migration and the tests' fixtures call it."""
    for code, name, sector, indicator in SERVICE_TYPES:
        service_type_model.objects.update_or_create(code=code, defaults={
            "name": name, "sector": sector, "indicator": indicator_model.objects.filter(code=indicator).first()})
