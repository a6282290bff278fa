"""Reading product list files: CSV (encoding and delimiter detected) or XLSX, into rows of
cell text by column name, each remembering its spreadsheet row number.

Problems with the whole file raise ImportFileError; cells are not interpreted here (that is
the parser's job).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from producers.product_input import plain

COLUMNS = [
    "producer",
    "sku",
    "name",
    "display_name",
    "category",
    "description",
    "units",
    "unit_type",
    "variant_unit_name",
    "price",
    "on_hand",
    "available_on",
    "on_demand",
    "shipping_category",
    "tax_category",
]
# "producer" is also required, unless the import is forced to one producer.
REQUIRED_COLUMNS = {"sku", "name", "units", "price"}
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
XLSX_SIGNATURE = b"PK\x03\x04"


class ImportFileError(Exception):
    """A problem with the whole file; str(exc) is a message for the user."""


class TableRow(dict):
    """A row of cells by column name, remembering its row number in the spreadsheet."""

    def __init__(self, cells: dict[str, str], line: int) -> None:
        super().__init__(cells)
        self.line = line


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV or XLSX file into (header, rows).

    The header is lower-cased and stripped. Each row maps the known columns present in the
    header to stripped cell text ('' when empty); completely empty rows are skipped. Rows are
    TableRow dicts whose ``line`` is the row number the user sees in a spreadsheet. The
    filename is only informative: the format is detected from the content.
    Raises ImportFileError for problems with the whole file.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            _("The file is too large: the limit is %(mb)s MB.")
            % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(XLSX_SIGNATURE):
        records = _xlsx_records(data)
    elif b"\x00" in data:
        raise ImportFileError(_("This file is not a CSV or XLSX spreadsheet."))
    else:
        records = _csv_records(_decode(data))
    return _build_table(records)


def _build_table(records: Iterator[tuple[int, list[str]]]) -> tuple[list[str], list[dict]]:
    header: list[str] | None = None
    positions: dict[str, int] = {}
    rows: list[dict[str, str]] = []
    for line, cells in records:
        if not any(cells):
            continue
        if header is None:
            header = [cell.lower() for cell in cells]
            positions = _check_header(header)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(rows)s rows. Split it into smaller files.")
                % {"rows": f"{MAX_ROWS:,}"}
            )
        values = {col: (cells[i] if i < len(cells) else "") for col, i in positions.items()}
        rows.append(TableRow(values, line))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return header, rows


def _check_header(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name not in COLUMNS:
            continue  # unknown columns are ignored
        if name in positions:
            raise ImportFileError(
                _("The column %(name)s appears more than once.") % {"name": name}
            )
        positions[name] = i
    missing = [col for col in COLUMNS if col in REQUIRED_COLUMNS and col not in positions]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    return positions


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = ","
    if _count_fields(first_line, ";") > _count_fields(first_line, ","):
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, [cell.strip() for cell in cells]
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file could not be read near row %(row)s.") % {"row": line + 1}
        ) from exc


def _count_fields(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged zip or XML raises many different exception types
        raise ImportFileError(
            _("This file could not be opened: the XLSX spreadsheet is damaged or not XLSX.")
        ) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The file is empty."))
        sheet = workbook.worksheets[0]
        try:
            rows = list(_sheet_rows(sheet))
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(_("This XLSX file is damaged and could not be read.")) from exc
    finally:
        workbook.close()
    return iter(rows)


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    kept = 0
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(value) for value in values]
        if any(cells):
            kept += 1
            if kept > MAX_ROWS + 1:  # header + MAX_ROWS rows: let _build_table say so
                yield line, cells
                return
        yield line, cells


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return plain(Decimal(str(value)))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()
