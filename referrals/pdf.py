"""The printable referral form for partners without a system: only the fields a partner may see."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casework.codes import ConsentPurpose, Sex
from referrals import sharing
from referrals.codes import ConsentException, ContactPreference, Language, Urgency


def referral_form(referral):
    """The PDF bytes of one referral's form."""
    shared = sharing.shared_fields(referral)
    person = shared["person"]
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                 topMargin=18 * mm, bottomMargin=18 * mm,
                                 title=_("Referral %(number)s") % {"number": referral.short_id})

    def cell(text):
        return Paragraph(_escape(text), styles["BodyText"])

    if referral.consent_given:
        consent = ", ".join(str(ConsentPurpose(purpose).label) for purpose in shared["consent_scope"])
    else:
        consent = _("No consent: %(exception)s") % {
            "exception": ConsentException(referral.consent_exception).label}
    rows = [
        (_("Referral"), referral.short_id),
        (_("Sent"), timezone.localtime(referral.sent_at).strftime("%Y-%m-%d %H:%M")),
        (_("From"), str(referral.referring_organisation)),
        (_("To"), str(referral.receiving_organisation)),
        (_("Service"), str(referral.service_type)),
        (_("Urgency"), str(Urgency(referral.urgency).label)),
        (_("Acknowledge by"), timezone.localtime(referral.due_at).strftime("%Y-%m-%d %H:%M")),
        (_("Name"), f"{person['given_name']} {person['family_name']}"),
        (_("Sex"), str(Sex(person["sex"]).label)),
        (_("Age"), str(person["age"])),
        (_("Contact"), person["contact"] or "—"),
        (_("Contact preference"), str(ContactPreference(referral.contact_preference).label)),
        (_("Language"), str(Language(person["language"]).label)),
        (_("Consent"), consent),
        (_("Reason for referral"), referral.reason),
    ]
    table = Table([[cell(label), cell(value)] for label, value in rows], colWidths=[50 * mm, 124 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    feedback = Table([[cell(_("Acknowledged on")), cell("")], [cell(_("Accepted / declined (reason)")), cell("")],
                      [cell(_("Outcome")), cell("")], [cell(_("Name and signature")), cell("")]],
                     colWidths=[50 * mm, 124 * mm], rowHeights=[12 * mm] * 4)
    feedback.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
    story = [
        Paragraph(_escape(_("Referral form")), styles["Title"]),
        Paragraph(_escape(_("Confidential: for the receiving organisation only. Do not copy.")), styles["Italic"]),
        Spacer(1, 6 * mm), table, Spacer(1, 8 * mm),
        Paragraph(_escape(_("Feedback to the referring organisation")), styles["Heading2"]), feedback,
    ]
    document.build(story)
    return buffer.getvalue()


def _escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
