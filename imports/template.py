"""The registration template: a households sheet and a members sheet linked by household_key, with
the code lists as drop-downs (a hidden sheet holds the lists)."""
import csv
import io

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from casework.codes import DocumentType, PopulationType, Relationship, Sex
from imports import parsing

LISTS = {
    "population_type": PopulationType.values,
    "consent_given": ["yes", "no"],
    "relationship_to_head": Relationship.values,
    "sex": Sex.values,
    "document_type": DocumentType.values,
}
ROWS_WITH_LISTS = 5000


def xlsx_bytes():
    workbook = Workbook()
    households = workbook.active
    households.title = parsing.HOUSEHOLDS_SHEET
    members = workbook.create_sheet(parsing.MEMBERS_SHEET)
    codes = workbook.create_sheet("codes")
    codes.sheet_state = "hidden"
    ranges = {}
    for column, (name, values) in enumerate(LISTS.items(), start=1):
        letter = codes.cell(row=1, column=column).column_letter
        codes.cell(row=1, column=column, value=name)
        for row, value in enumerate(values, start=2):
            codes.cell(row=row, column=column, value=value)
        ranges[name] = f"codes!${letter}$2:${letter}${len(values) + 1}"
    for sheet, columns in ((households, parsing.HOUSEHOLD_COLUMNS), (members, parsing.MEMBER_COLUMNS)):
        sheet.append(list(columns))
        for index, name in enumerate(columns, start=1):
            if name in ranges:
                letter = sheet.cell(row=1, column=index).column_letter
                validation = DataValidation(type="list", formula1=ranges[name], allow_blank=True)
                validation.add(f"{letter}2:{letter}{ROWS_WITH_LISTS}")
                sheet.add_data_validation(validation)
    households.append(["H1", "in_transit", "987654321", "Lima", "yes", ""])
    members.append(["H1", "head", "María José", "Pérez González", "female", "1990-05-17", "", "VEN", "cedula_ve",
                    "V12345678", "", ""])
    members.append(["H1", "child", "Samuel", "Pérez", "male", "", "6", "VEN", "none", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(parsing.CSV_COLUMNS)
    writer.writerow(["H1", "head", "María José", "Pérez González", "female", "1990-05-17", "", "VEN", "cedula_ve",
                     "V12345678", "", "", "in_transit", "987654321", "Lima", "yes", ""])
    return buffer.getvalue()
