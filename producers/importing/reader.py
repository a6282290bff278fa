"""Reading product list files: CSV (encoding and delimiter detected) or XLSX, into rows of
cell text by column name, each remembering its spreadsheet row number.

Problems with the whole file raise ImportFileError; cells are not interpreted here (that is
the parser's job).

Hostile files are bounded before they cost memory: an XLSX file is checked by `xlsx` before
openpyxl reads it, then its first sheet is streamed in read-only mode without trusting its
declared dimension; no row is read past column MAX_COLUMNS + 1 and rows are cut at the
header's last used column; every row (empty ones too) counts toward MAX_ROWS; a CSV is
decoded as it is read, a line at most MAX_CSV_LINE_CHARS long; the text kept from all cells
is at most MAX_IMPORT_BYTES.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from producers.product_input import plain

from . import xlsx

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
# Every row counts, empty ones included: no row numbered above MAX_ROWS + 1 (a header and
# MAX_ROWS rows) is read.
MAX_ROWS = 50_000
# A header may have unknown columns (ignored), but not hundreds of them.
MAX_COLUMNS = 100
# A CSV line longer than this is not a product list (it would become one huge row in memory).
MAX_CSV_LINE_CHARS = 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportFileError(Exception):
    """A problem with the whole file; str(exc) is a message for the user."""


class TableRow(dict):
    """A row of cells by column name, remembering its row number in the spreadsheet."""

    def __init__(self, cells: dict[str, str], line: int) -> None:
        super().__init__(cells)
        self.line = line


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV or XLSX file into (header, rows).

    The header is lower-cased and stripped, up to its last used column. Each row maps the
    known columns present in the header to stripped cell text ('' when empty); completely
    empty rows are skipped (but count toward MAX_ROWS). Rows are TableRow dicts whose
    ``line`` is the row number the user sees in a spreadsheet. The filename is only
    informative: the format is detected from the content.
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
    elif data.startswith(UTF16_BOMS):
        # Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
        records = _csv_records(data)
    elif b"\x00" in data:
        raise ImportFileError(_("This file is not a CSV or XLSX spreadsheet."))
    else:
        records = _csv_records(data)
    try:
        return _build_table(records)
    finally:
        records.close()  # an XLSX generator closes its workbook


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(rows)s rows (empty rows count too). "
            "Split it into smaller files."
        )
        % {"rows": f"{MAX_ROWS:,}"}
    )


def _build_table(records: Iterator[tuple[int, list]]) -> tuple[list[str], list[dict]]:
    header: list[str] | None = None
    positions: dict[str, int] = {}
    rows: list[dict[str, str]] = []
    kept_chars = 0
    for line, cells in records:
        if line > MAX_ROWS + 1:
            raise _too_many_rows()
        if header is None:
            header = _header(cells)
            if header:
                positions = _check_header(header)
            else:
                header = None  # blank lines above the header
            continue
        cells = cells[: len(header)]  # nothing right of the header's last column is read
        if not _has_text(cells):
            continue
        values = {
            col: (_cell_text(cells[i]) if i < len(cells) else "") for col, i in positions.items()
        }
        kept_chars += sum(len(value) for value in values.values())
        if kept_chars > MAX_IMPORT_BYTES:
            raise ImportFileError(
                _("The cells of this file hold more than %(mb)s MB of text.")
                % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        rows.append(TableRow(values, line))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return header, rows


def _header(cells: list) -> list[str]:
    """The header's names up to its last used column ([] for an empty row)."""
    width = len(cells)
    while width and not _cell_text(cells[width - 1]):
        width -= 1
    if width > MAX_COLUMNS:
        raise ImportFileError(
            _("The header row has more than %(count)s columns.") % {"count": MAX_COLUMNS}
        )
    return [_cell_text(cell).lower() for cell in cells[:width]]


def _has_text(cells: list) -> bool:
    return any(_cell_text(cell) for cell in cells)


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


def _encoding(data: bytes) -> str:
    """UTF-16 if the file starts with its BOM; else UTF-8 (with or without BOM), else
    Windows-1252, else Latin-1 (which never fails).

    Checked chunk by chunk, so no decoded copy of the whole file is made.
    """
    if data.startswith(UTF16_BOMS):
        if _decodes(data, "utf-16"):
            return "utf-16"
        raise ImportFileError(_("This file is not a CSV or XLSX spreadsheet."))
    candidates = ["utf-8", "cp1252"]
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.insert(0, "utf-8-sig")
    for encoding in candidates:
        if _decodes(data, encoding):
            return encoding
    return "latin-1"


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), 1024 * 1024):
            decoder.decode(data[start : start + 1024 * 1024])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_lines(stream: io.TextIOBase) -> Iterator[str]:
    while line := stream.readline(MAX_CSV_LINE_CHARS + 1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise ImportFileError(
                _("A line of this file is longer than %(mb)s MB: it is not a product list.")
                % {"mb": MAX_CSV_LINE_CHARS // (1024 * 1024)}
            )
        if "\x00" in line:
            # A UTF-16 file passes the byte check; PostgreSQL refuses NUL in text.
            raise ImportFileError(_("This file is not a CSV or XLSX spreadsheet."))
        yield line


def _csv_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    # Decoded as it is read (newline="" keeps quoted line breaks for the csv module).
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=_encoding(data), newline="")
    first_line = next((line for line in _csv_lines(stream) if line.strip()), "")
    stream.seek(0)
    # The header's separator: comma, else semicolon (French Excel), else tab (Unicode text).
    delimiter = max([",", ";", "\t"], key=lambda sep: _count_fields(first_line, sep))
    reader = csv.reader(_csv_lines(stream), delimiter=delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, cells
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file could not be read near row %(row)s.") % {"row": line + 1}
        ) from exc


def _count_fields(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _xlsx_records(data: bytes) -> Iterator[tuple[int, tuple]]:
    """The first sheet's rows as raw cell values, streamed, at most MAX_COLUMNS + 1 wide."""
    try:
        workbook = xlsx.open_workbook(data, max_rows=MAX_ROWS + 1)
    except xlsx.TooManyRows as exc:
        raise _too_many_rows() from exc
    except xlsx.XlsxRefused as exc:
        raise ImportFileError(str(exc)) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The file is empty."))
        sheet = workbook.worksheets[0]
        # The declared dimension (e.g. A1:XFD1048576) would pad every row to it: ignore it.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        line = 0
        while True:
            try:
                values = next(rows, None)
            except Exception as exc:
                raise ImportFileError(
                    _("This XLSX file is damaged and could not be read.")
                ) from exc
            if values is None:
                return
            line += 1
            yield line, values
    finally:
        workbook.close()


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
