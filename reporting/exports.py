"""The 5W export as CSV (streamed) and XLSX, with the HXL hashtag row under the header."""
import csv
import io

from openpyxl import Workbook

from casework.exports import safe_row
from reporting.figures import FIVE_W_HEADER, FIVE_W_HXL


class _Echo:
    def write(self, value):
        return value


def five_w_csv_lines(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(FIVE_W_HEADER)
    yield writer.writerow(FIVE_W_HXL)
    for row in rows:
        yield writer.writerow(safe_row(row))


def five_w_xlsx(rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("5W")
    sheet.append(FIVE_W_HEADER)
    sheet.append(FIVE_W_HXL)
    for row in rows:
        sheet.append(safe_row(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
