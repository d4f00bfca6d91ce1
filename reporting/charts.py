"""Charts drawn on the server as SVG: no chart library to ship, and they print as they show."""
from django.utils.html import escape

BAR = "#0b5cab"
SECOND = "#c2561a"


def _number(value):
    return f"{value:,}".replace(",", " ")


def horizontal_bars(items, *, width=640, bar_height=22, label_width=230):
    """[(label, value)] as labelled horizontal bars, longest first as given."""
    if not items:
        return ""
    largest = max(value for _label, value in items) or 1
    height = len(items) * (bar_height + 8) + 8
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart" '
             f'xmlns="http://www.w3.org/2000/svg">']
    room = width - label_width - 70
    for row, (label, value) in enumerate(items):
        y = 8 + row * (bar_height + 8)
        length = max(1, round(room * value / largest)) if value else 0
        parts.append(f'<text x="{label_width - 8}" y="{y + bar_height * 0.72:.1f}" text-anchor="end" '
                     f'font-size="13" fill="#1d2430">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR}">'
                     f'<title>{escape(label)}: {_number(value)}</title></rect>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.72:.1f}" font-size="13" '
                     f'fill="#1d2430">{_number(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(items, *, width=640, height=240):
    """[(label, value)] as vertical columns (months)."""
    if not items:
        return ""
    largest = max(value for _label, value in items) or 1
    slot = (width - 20) / len(items)
    chart_height = height - 40
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for index, (label, value) in enumerate(items):
        bar = round(chart_height * value / largest) if value else 0
        x = 10 + index * slot + slot * 0.15
        y = 20 + chart_height - bar
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{slot * 0.7:.1f}" height="{bar}" fill="{BAR}">'
                     f'<title>{escape(label)}: {_number(value)}</title></rect>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 4}" text-anchor="middle" font-size="11" '
                     f'fill="#1d2430">{_number(value)}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
                     f'fill="#1d2430">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def pyramid(bands, women, men, *, width=640, bar_height=24, women_label="", men_label=""):
    """Women to the left and men to the right of each age band."""
    largest = max([*women.values(), *men.values(), 1])
    middle = width / 2
    room = middle - 60
    height = len(bands) * (bar_height + 8) + 36
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{middle - 40}" y="14" text-anchor="end" font-size="13" fill="{SECOND}">'
             f'{escape(women_label)}</text>',
             f'<text x="{middle + 40}" y="14" font-size="13" fill="{BAR}">{escape(men_label)}</text>']
    for row, band in enumerate(reversed(bands)):
        y = 24 + row * (bar_height + 8)
        left = round(room * women.get(band, 0) / largest)
        right = round(room * men.get(band, 0) / largest)
        parts.append(f'<rect x="{middle - 30 - left}" y="{y}" width="{left}" height="{bar_height}" '
                     f'fill="{SECOND}"><title>{escape(band)}: {_number(women.get(band, 0))}</title></rect>')
        parts.append(f'<rect x="{middle + 30}" y="{y}" width="{right}" height="{bar_height}" fill="{BAR}">'
                     f'<title>{escape(band)}: {_number(men.get(band, 0))}</title></rect>')
        parts.append(f'<text x="{middle}" y="{y + bar_height * 0.72:.1f}" text-anchor="middle" font-size="12" '
                     f'fill="#1d2430">{escape(band)}</text>')
        parts.append(f'<text x="{middle - 34 - left}" y="{y + bar_height * 0.72:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#1d2430">{_number(women.get(band, 0))}</text>')
        parts.append(f'<text x="{middle + 34 + right}" y="{y + bar_height * 0.72:.1f}" font-size="11" '
                     f'fill="#1d2430">{_number(men.get(band, 0))}</text>')
    parts.append("</svg>")
    return "".join(parts)
