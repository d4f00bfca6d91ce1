"""The round's roster as files to print and fill in where the connection is poor."""
import csv
import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.exports import safe_row
from distributions import services


def roster_csv(round):
    """The roster as CSV text: every cell spreadsheet-safe, a UTF-8 BOM so that Excel reads the accents."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in services.roster_csv_rows(round):
        writer.writerow(safe_row(row))
    return buffer.getvalue()


def roster_pdf(round):
    """A printable roster: one line per household with its entitlement, and room for the date and signature."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    round, rows = services.round_roster(round)
    commodities = services.roster_commodities(round)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                                 topMargin=10 * mm, bottomMargin=10 * mm, title=str(round))
    styles = getSampleStyleSheet()
    header = [_("Registration number"), _("Head of household"), _("Members")]
    header += [f"{commodity.display_name} ({commodity.get_unit_display()})" for commodity in commodities]
    header += [_("Date"), _("Signature")]
    cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    # Paragraph reads a little markup: names and labels are escaped so that "<" or "&" print as typed.
    table_rows = [[Paragraph(escape(text), cell) for text in header]]
    for row in rows:
        entitled = row.entitlement.by_code()
        served = ""
        if row.receipt is not None:
            served = _("served %(day)s") % {"day": timezone.localdate(row.receipt.distributed_at).isoformat()}
        table_rows.append(
            # Plain strings, not Paragraphs: ten times faster for a roster of thousands of households.
            [row.registration_number, row.head[:38], str(row.size)]
            + [services._quantity_text(entitled[c.code]) if c.code in entitled else "—" for c in commodities]
            + [served, ""]
        )
    widths = [32 * mm, 55 * mm, 16 * mm] + [18 * mm] * len(commodities) + [24 * mm, 40 * mm]
    table = LongTable(table_rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f8fa")]),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 7),
    ]))
    title = _("%(round)s · %(site)s · %(start)s to %(end)s") % {
        "round": round.name, "site": round.site.name, "start": round.starts_on.isoformat(),
        "end": round.ends_on.isoformat()}
    document.build([
        Paragraph(escape(title), styles["Heading2"]),
        Paragraph(_("%(count)s households. Write the date and have the person who receives sign.")
                  % {"count": len(rows)}, styles["BodyText"]),
        Spacer(1, 4 * mm),
        table,
    ])
    return buffer.getvalue()
