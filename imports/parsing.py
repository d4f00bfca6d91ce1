"""Reading a registration spreadsheet (XLSX or CSV) into households with their members, streamed,
refusing at once what is not a usable file. Values stay as typed; the staging service validates them."""
import csv
import io
import zipfile
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from casework.errors import InvalidInput

HOUSEHOLD_COLUMNS = ("household_key", "population_type", "phone", "intended_destination", "consent_given",
                     "registered_at")
MEMBER_COLUMNS = ("household_key", "relationship_to_head", "given_name", "family_name", "sex", "date_of_birth",
                  "age_years", "nationality", "document_type", "document_number", "phone", "specific_needs")
REQUIRED_HOUSEHOLD = {"household_key", "population_type"}
REQUIRED_MEMBER = {"household_key", "relationship_to_head", "given_name", "family_name", "sex"}
HOUSEHOLDS_SHEET, MEMBERS_SHEET = "households", "members"
# In the flat CSV, one line per person carries its household's columns too.
CSV_HOUSEHOLD_COLUMNS = {"population_type": "population_type", "household_phone": "phone",
                         "intended_destination": "intended_destination", "consent_given": "consent_given",
                         "registered_at": "registered_at"}
CSV_COLUMNS = MEMBER_COLUMNS + tuple(CSV_HOUSEHOLD_COLUMNS)
TEXT_TAG, RUN_TEXT_PATH = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r/{{{SHEET_MAIN_NS}}}t"


def refuse(message):
    raise InvalidInput({"file": [message]})


def parse_upload(upload):
    """[(key, household_fields, [member_fields, ...]), ...] in file order, or InvalidInput for the file."""
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        refuse(_("The file is %(size)s MB; the largest file accepted is %(limit)s MB. Split it into smaller files.")
               % {"size": round(upload.size / 1_000_000, 1), "limit": round(limit / 1_000_000)})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    name = (getattr(upload, "name", "") or "").lower()
    if head.startswith(b"PK\x03\x04"):
        return _parse_xlsx(upload)
    if name.endswith(".csv"):
        return _parse_csv(upload)
    refuse(_("This file is not a spreadsheet. Upload the Caminos template saved as Excel (.xlsx) or CSV."))


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_columns(sheet_label, header, required, known):
    missing = sorted(required - set(header))
    unknown = sorted(set(header) - set(known) - {""})
    problems = []
    if missing:
        problems.append(_("The sheet “%(sheet)s” lacks the columns: %(columns)s.")
                        % {"sheet": sheet_label, "columns": ", ".join(missing)})
    if unknown:
        problems.append(_("The sheet “%(sheet)s” has columns the template does not know: %(columns)s.")
                        % {"sheet": sheet_label, "columns": ", ".join(unknown)})
    if problems:
        problems.append(_("Download the template again and copy your data into it."))
        raise InvalidInput({"file": problems})


def _rows(cells_by_row, sheet_label, required, known):
    """Dicts of one sheet's rows, from (row number, [cell, ...]) as the sheet reader gives them; a
    formula anywhere refuses the file (its value is not in the file)."""
    header = None
    for number, cells in cells_by_row:
        values = []
        for cell in cells:
            if cell["data_type"] == "f":
                refuse(_("The cell %(cell)s of the sheet “%(sheet)s” holds a formula. Replace formulas with "
                         "their values (copy, then paste values only) and upload again.")
                       % {"cell": f"{get_column_letter(cell['column'])}{cell['row']}", "sheet": sheet_label})
            column = cell["column"] - 1
            if column >= len(values):  # an empty cell is left out of the file
                values.extend([""] * (column - len(values) + 1))
            values[column] = _cell_text(cell["value"])
        if header is None:
            header = [value.strip().lower() for value in values]
            _check_columns(sheet_label, header, required, known)
            continue
        if not any(values):
            continue
        if number > settings.IMPORT_MAX_ROWS + 1:
            refuse(_("The sheet “%(sheet)s” has more than %(limit)s rows. Split it into smaller files.")
                   % {"sheet": sheet_label, "limit": settings.IMPORT_MAX_ROWS})
        values.extend([""] * (len(header) - len(values)))  # and so are the empty cells that end a row
        yield number, dict(zip(header, values))
    if header is None:
        refuse(_("The sheet “%(sheet)s” is empty.") % {"sheet": sheet_label})


class _SheetParser(WorkSheetParser):
    """openpyxl's streaming sheet parser, with the text of an inline-string cell (what openpyxl itself
    and many generators write) read straight from its <t> elements: building openpyxl's rich-text
    objects for each was a third of reading a 100,000-person file. Everything else, numbers, dates by
    their cell style, shared strings and formulas, is openpyxl's."""

    def parse_cell(self, element):
        if element.get("t") != "inlineStr" or element.find(FORMULA_TAG) is not None:
            return super().parse_cell(element)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        inline = element.find(INLINE_STRING)
        # Plain text, then rich-text runs, as openpyxl reads them; phonetic guides (<rPh>) are left out.
        value = None if inline is None else "".join(
            node.text or "" for node in inline.findall(TEXT_TAG) + inline.findall(RUN_TEXT_PATH))
        return {"row": row, "column": column, "value": value, "data_type": "s", "style_id": 0}


def _open_xlsx(upload):
    """The workbook's parts that reading needs (manifest, shared strings, workbook, styles), without
    openpyxl's read-only worksheets, which read each sheet through once just to size it. Returns
    (archive, shared strings, workbook, {sheet name: its part in the archive})."""
    try:
        reader = ExcelReader(upload, read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        parts = {sheet.name.strip().lower(): rel.target for sheet, rel in reader.parser.find_sheets()
                 if rel.target in reader.valid_files and "chartsheet" not in rel.Type}
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, ParseError):
        refuse(_("This file is not a spreadsheet. Upload the Caminos template saved as Excel (.xlsx) or CSV."))
    return reader.archive, reader.shared_strings, reader.wb, parts


def _sheet_cells(archive, part, shared_strings, workbook):
    with archive.open(part) as source:
        parser = _SheetParser(source, shared_strings, epoch=workbook.epoch, date_formats=workbook._date_formats,
                              timedelta_formats=workbook._timedelta_formats)
        try:
            yield from parser.parse()
        except (ParseError, ValueError, KeyError, IndexError, zipfile.BadZipFile):
            refuse(_("This file is not a spreadsheet. Upload the Caminos template saved as Excel (.xlsx) or CSV."))


def _parse_xlsx(upload):
    archive, shared_strings, workbook, parts = _open_xlsx(upload)
    try:
        missing = [label for label in (HOUSEHOLDS_SHEET, MEMBERS_SHEET) if label not in parts]
        if missing:
            refuse(_("The file lacks the sheets: %(sheets)s. Use the Caminos template.")
                   % {"sheets": ", ".join(missing)})
        households = {}
        for number, row in _rows(_sheet_cells(archive, parts[HOUSEHOLDS_SHEET], shared_strings, workbook),
                                 HOUSEHOLDS_SHEET, REQUIRED_HOUSEHOLD, HOUSEHOLD_COLUMNS):
            key = row.get("household_key", "")
            if not key:
                refuse(_("Row %(row)s of the sheet “households” has no household_key.") % {"row": number})
            if key in households:
                refuse(_("The household_key “%(key)s” appears twice in the sheet “households” (row %(row)s).")
                       % {"key": key, "row": number})
            households[key] = (number, {k: v for k, v in row.items() if k != "household_key"}, [])
        orphans = []
        for number, row in _rows(_sheet_cells(archive, parts[MEMBERS_SHEET], shared_strings, workbook),
                                 MEMBERS_SHEET, REQUIRED_MEMBER, MEMBER_COLUMNS):
            key = row.pop("household_key", "")
            if key not in households:
                orphans.append(_("row %(row)s (household_key “%(key)s”)") % {"row": number, "key": key})
                continue
            households[key][2].append(row)
        if orphans:
            refuse(_("These rows of the sheet “members” point to no household of the sheet “households”: "
                     "%(rows)s.") % {"rows": "; ".join(orphans[:20])})
    finally:
        archive.close()
    return [(key, number, fields, members) for key, (number, fields, members) in households.items()]


def _parse_csv(upload):
    try:
        text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        header = [value.strip().lower() for value in next(reader, [])]
        if not header:
            refuse(_("The file is empty."))
        _check_columns("CSV", header, REQUIRED_MEMBER | {"population_type"}, CSV_COLUMNS)
        households = {}
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if number > settings.IMPORT_MAX_ROWS + 1:
                refuse(_("The sheet “%(sheet)s” has more than %(limit)s rows. Split it into smaller files.")
                       % {"sheet": "CSV", "limit": settings.IMPORT_MAX_ROWS})
            row = dict(zip(header, (value.strip() for value in values)))
            if any(value.startswith("=") for value in row.values()):
                refuse(_("Row %(row)s holds a formula. Replace formulas with their values and upload again.")
                       % {"row": number})
            key = row.pop("household_key", "")
            if not key:
                refuse(_("Row %(row)s has no household_key.") % {"row": number})
            household = {target: row.pop(column, "") for column, target in CSV_HOUSEHOLD_COLUMNS.items()}
            households.setdefault(key, (number, household, []))[2].append(row)
    except UnicodeDecodeError:
        refuse(_("This file is not a spreadsheet. Upload the Caminos template saved as Excel (.xlsx) or CSV."))
    except csv.Error:
        refuse(_("This file is not a spreadsheet. Upload the Caminos template saved as Excel (.xlsx) or CSV."))
    return [(key, number, fields, members) for key, (number, fields, members) in households.items()]
