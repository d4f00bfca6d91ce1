"""Code lists of the API contract (DESIGN.md): the values are the contract, the labels translate."""
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class Role(models.TextChoices):
    FIELD_OFFICER = "field_officer", _("Field officer")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    PARTNER_AGENCY = "partner_agency", _("Partner agency")
    ME_OFFICER = "me_officer", _("M&E officer")
    ADMIN = "admin", _("Administrator")


class OrganisationKind(models.TextChoices):
    UN_AGENCY = "un_agency", _("UN agency")
    INTERNATIONAL_NGO = "international_ngo", _("International NGO")
    NATIONAL_NGO = "national_ngo", _("National NGO")
    GOVERNMENT = "government", _("Government")
    COMMUNITY_BASED = "community_based", _("Community-based organisation")


class AdminLevel(models.IntegerChoices):
    COUNTRY = 0, _("Country")
    DEPARTMENT = 1, _("Department")
    PROVINCE = 2, _("Province")
    DISTRICT = 3, _("District")


class SiteKind(models.TextChoices):
    BORDER_POINT = "border_point", _("Border point")
    SHELTER = "shelter", _("Shelter")
    OUTREACH_CENTRE = "outreach_centre", _("Outreach centre")
    DISTRIBUTION_POINT = "distribution_point", _("Distribution point")
    OFFICE = "office", _("Office")


class PopulationType(models.TextChoices):
    IN_DESTINATION = "in_destination", _("In destination")
    IN_TRANSIT = "in_transit", _("In transit")
    PENDULAR = "pendular", _("Pendular")
    COLOMBIAN_RETURNEE = "colombian_returnee", _("Colombian returnee")
    HOST_COMMUNITY = "host_community", _("Host community")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", pgettext_lazy("sex", "Other")
    UNKNOWN = "unknown", _("Unknown")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Son or daughter")
    PARENT = "parent", _("Father or mother")
    SIBLING = "sibling", _("Brother or sister")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    NON_RELATIVE = "non_relative", _("Not related")


class DocumentType(models.TextChoices):
    CEDULA_VE = "cedula_ve", _("Venezuelan identity card (cédula)")
    PASSPORT = "passport", _("Passport")
    PTP = "ptp", _("Temporary Stay Permit (PTP)")
    CPP = "cpp", _("Temporary Permanence Permit (CPP)")
    CARNE_EXTRANJERIA = "carne_extranjeria", _("Foreigner's card (carné de extranjería)")
    ASYLUM_SEEKER_CARD = "asylum_seeker_card", _("Asylum seeker card")
    DNI_PE = "dni_pe", _("Peruvian national ID (DNI)")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    OTHER = "other", pgettext_lazy("document", "Other")
    NONE = "none", _("No document")


class ConsentPurpose(models.TextChoices):
    ASSISTANCE = "assistance", _("Registration and assistance")
    REFERRAL = "referral", _("Referral to partner organisations")
    DATA_SHARING = "data_sharing", _("Sharing data with partners")


# UNHCR proGres specific-needs codes with their sub-codes.
SPECIFIC_NEEDS = {
    "CR": (_("Child at risk"), {
        "CR-CP": _("Child parent"),
        "CR-CS": _("Child spouse"),
        "CR-CC": _("Child carer"),
        "CR-TP": _("Teenage pregnancy"),
        "CR-LW": _("Child in the worst forms of child labour"),
        "CR-LO": _("Child in other forms of child labour"),
        "CR-NE": _("Child at risk of not attending school"),
        "CR-SE": _("Child with special education needs"),
        "CR-AF": _("Child associated with armed forces or groups"),
        "CR-CL": _("Child in conflict with the law"),
    }),
    "SC": (_("Unaccompanied or separated child"), {
        "SC-UC": _("Unaccompanied child"),
        "SC-SC": _("Separated child"),
        "SC-CH": _("Child-headed household"),
        "SC-IC": _("Child in institutional care"),
        "SC-FC": _("Child in foster care"),
    }),
    "WR": (_("Woman at risk"), {
        "WR-WR": _("Single woman at risk"),
        "WR-SF": _("Single female household representative"),
        "WR-LC": _("Woman at risk of sexual exploitation"),
        "WR-HR": _("Woman at high risk"),
    }),
    "ER": (_("Older person at risk"), {
        "ER-NF": _("Older person unable to care for self"),
        "ER-MC": _("Older person with children"),
        "ER-FR": _("Older person without family support"),
    }),
    "SP": (_("Single parent or caregiver"), {
        "SP-PT": _("Single parent"),
        "SP-GP": _("Single grandparent"),
        "SP-CG": _("Single caregiver"),
    }),
    "DS": (_("Disability"), {
        "DS-BD": _("Visual impairment"),
        "DS-DF": _("Hearing impairment"),
        "DS-PM": _("Physical disability"),
        "DS-MM": _("Mental disability"),
        "DS-MS": _("Multiple disabilities"),
        "DS-SD": _("Speech impairment"),
    }),
    "SM": (_("Serious medical condition"), {
        "SM-MI": _("Mental illness"),
        "SM-MN": _("Malnutrition"),
        "SM-CI": _("Chronic illness"),
        "SM-CC": _("Critical medical condition"),
        "SM-DP": _("Difficult pregnancy"),
        "SM-AD": _("Addiction"),
        "SM-OT": _("Other medical condition"),
    }),
    "FU": (_("Family unity"), {
        "FU-TR": _("Tracing required"),
        "FU-FR": _("Family reunification required"),
    }),
    "LP": (_("Legal and physical protection needs"), {
        "LP-ND": _("No legal documentation"),
        "LP-BN": _("Unmet basic needs"),
        "LP-DT": _("Detained or held in country of asylum"),
        "LP-RR": _("At risk of refoulement"),
        "LP-AN": _("Violence, abuse or neglect"),
        "LP-ST": _("Security threat"),
        "LP-TR": _("Victim of trafficking"),
    }),
    "TR": (_("Torture"), {
        "TR-PI": _("Psychological or physical impairment due to torture"),
        "TR-HO": _("Forced to commit egregious acts"),
        "TR-WV": _("Witness of violence to others"),
    }),
    "SV": (_("Sexual and gender-based violence"), {
        "SV-VA": _("Survivor of violence in the country of asylum"),
        "SV-VF": _("Survivor of violence in the country of origin or in transit"),
        "SV-GM": _("Female genital mutilation"),
        "SV-HP": _("Harmful traditional practices"),
        "SV-HK": _("Threat of honour killing or violence"),
    }),
    "PG": (_("Pregnant or lactating"), {
        "PG-LC": _("Lactating"),
        "PG-HR": _("High-risk pregnancy"),
    }),
}


# Codes that reveal sexual violence, torture or trafficking: shown only to the caseworkers and
# supervisors of the owning organisation, never in lists, exports or to partners.
SENSITIVE_NEED_PREFIXES = ("SV", "TR", "LP-TR")


def is_sensitive_need(code):
    return code.startswith(SENSITIVE_NEED_PREFIXES)


def specific_need_choices():
    """Grouped choices for forms: each main code, then its sub-codes."""
    choices = []
    for code, (label, sub_codes) in SPECIFIC_NEEDS.items():
        options = [(code, f"{code} · {label}")]
        options += [(sub_code, f"{sub_code} · {sub_label}") for sub_code, sub_label in sub_codes.items()]
        choices.append((label, options))
    return choices


def all_specific_need_codes():
    codes = set()
    for code, (_label, sub_codes) in SPECIFIC_NEEDS.items():
        codes.add(code)
        codes.update(sub_codes)
    return codes


SPECIFIC_NEED_CODES = frozenset(all_specific_need_codes())


class Sector(models.TextChoices):
    """The RMRP sectors. NFI is not a sector: kits report under the sector of their indicator."""

    EDUCATION = "education", _("Education")
    FOOD_SECURITY = "food_security", _("Food Security")
    HEALTH = "health", _("Health")
    HUMANITARIAN_TRANSPORTATION = "humanitarian_transportation", _("Humanitarian Transportation")
    INTEGRATION = "integration", _("Integration")
    MULTIPURPOSE_CASH = "multipurpose_cash", _("Multipurpose Cash Assistance")
    NUTRITION = "nutrition", _("Nutrition")
    PROTECTION = "protection", _("Protection (General)")
    CHILD_PROTECTION = "child_protection", _("Protection (Child Protection)")
    GBV = "gbv", _("Protection (GBV)")
    HUMAN_TRAFFICKING = "human_trafficking", _("Protection (Human Trafficking and Smuggling)")
    SHELTER = "shelter", _("Shelter")
    WASH = "wash", _("WASH")
