"""Exported spreadsheets never carry a formula ("CSV injection"), and read back the same."""

import csv
import io

import pytest
from openpyxl import load_workbook

from producers import importing
from producers.spreadsheets import csv_lines, escaped, unescaped, xlsx_bytes
from tests.producers.test_importing import FORMULA_ITEM, ITEMS

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(lines):
    return list(csv.reader(io.StringIO("".join(lines))))


def test_csv_export_writes_formula_like_text_with_an_apostrophe():
    header, *rows = csv_cells(importing.write_csv([FORMULA_ITEM]))
    cells = dict(zip(header, rows[0], strict=True))
    assert cells["name"] == '\'=HYPERLINK("http://evil.example","Leeks")'
    assert cells["sku"] == "'-SKU-1"
    assert cells["display_name"] == "'@SUM(1+1)"
    assert cells["description"] == "'+33 1 23 45 67 89"
    assert cells["shipping_category"] == "'=1+2"
    assert cells["variant_unit_name"] == "''=bunch"  # an apostrophe of its own is kept
    for row in rows:
        assert not [cell for cell in row if cell.startswith(TRIGGERS)]


def test_numbers_are_never_escaped():
    item = dict(ITEMS[0], on_hand=-3, price=-1)
    header, row = csv_cells(importing.write_csv([item]))
    cells = dict(zip(header, row, strict=True))
    assert (cells["on_hand"], cells["price"]) == ("-3", "-1.00")
    assert csv_cells(csv_lines([["-1,5", "+2", "-0.25", ".5"]])) == [["-1,5", "+2", "-0.25", ".5"]]


def test_xlsx_export_stores_formula_like_text_as_quoted_text():
    workbook = load_workbook(io.BytesIO(importing.write_xlsx([FORMULA_ITEM])))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    cells = {name: sheet.cell(row=2, column=i + 1) for i, name in enumerate(header)}
    for column in ("name", "sku", "display_name", "description", "shipping_category"):
        assert cells[column].data_type == "s", column
        assert cells[column].quotePrefix, column  # stays text even when edited in Excel
        assert cells[column].value == FORMULA_ITEM[column], column  # value unchanged
    assert cells["variant_unit_name"].value == "''=bunch"
    assert cells["on_hand"].value == "4" and not cells["on_hand"].quotePrefix


@pytest.mark.parametrize("text", [
    "=1+2", "+33", "-x", "@SUM(A1)", "\tTab", "\rCR", "'=1", "''=1", "'", "'hello", "-3",
    "'-3", "+2.5", "plain", "", "a=b", "=", "--", "-1-1",
])  # fmt: skip
def test_escape_rule_round_trips_and_leaves_no_formula(text):
    written = escaped(text)
    assert unescaped(written) == text
    assert not written.startswith(TRIGGERS) or written.lstrip("+-").replace(".", "").isdigit()
    workbook = load_workbook(io.BytesIO(xlsx_bytes([[text]])), read_only=True)
    value = next(workbook.active.iter_rows(values_only=True))[0] or ""
    # openpyxl keeps a CR with lxml installed, and turns it into LF without it.
    assert unescaped(value) in (text, text.replace("\r", "\n"))
