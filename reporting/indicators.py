"""The RMRP indicators Caminos reports under, seeded by migration (code, sector, name, activity).

The names are the platform's (English, as its 5W template wants them); pages show them translated.
"""
from django.utils.translation import gettext_noop as N_

INDICATORS = [
    ("FS-01", "food_security", N_("Number of people receiving in-kind food assistance"), "Food basket distribution"),
    ("NU-01", "nutrition", N_("Number of children under 5 and pregnant or lactating women receiving nutrition support"),
     "Nutrition support"),
    ("WASH-01", "wash", N_("Number of people receiving hygiene items"), "Hygiene kit distribution"),
    ("WASH-02", "wash", N_("Number of people receiving safe drinking water"), "Drinking water distribution"),
    ("SH-01", "shelter", N_("Number of people receiving essential household items (NFI)"), "NFI distribution"),
    ("SH-02", "shelter", N_("Number of people receiving shelter support (kits, temporary accommodation)"),
     "Shelter support"),
    ("HT-01", "humanitarian_transportation", N_("Number of people receiving humanitarian transportation"),
     "Humanitarian transportation"),
    ("MPC-01", "multipurpose_cash", N_("Number of people receiving multipurpose cash assistance"), "Multipurpose cash"),
    ("HE-01", "health", N_("Number of people receiving primary health care"), "Primary health care"),
    ("HE-02", "health", N_("Number of people receiving mental health and psychosocial support"), "MHPSS"),
    ("PR-01", "protection", N_("Number of people receiving protection information, orientation or legal assistance"),
     "Legal orientation and assistance"),
    ("PR-02", "protection", N_("Number of people supported with documentation and regularisation"),
     "Documentation and regularisation"),
    ("PR-03", "protection", N_("Number of people receiving protection case management"), "Protection case management"),
    ("CP-01", "child_protection", N_("Number of children receiving child protection case management or services"),
     "Child protection case management"),
    ("GBV-01", "gbv", N_("Number of people receiving GBV case management or specialised services"),
     "GBV case management"),
    ("HTS-01", "human_trafficking", N_("Number of survivors of trafficking or smuggling assisted"),
     "Assistance to survivors of trafficking"),
    ("INT-01", "integration", N_("Number of people receiving livelihoods or socio-economic integration support"),
     "Livelihoods support"),
    ("ED-01", "education", N_("Number of children and adolescents receiving education support"), "Education support"),
]


def install(Indicator):
    """Create or update the seeded indicators with the given model class (a migration's or the real one)."""
    for code, sector, name, activity in INDICATORS:
        Indicator.objects.update_or_create(code=code, defaults={"sector": sector, "name": name,
                                                                "activity_name": activity})
