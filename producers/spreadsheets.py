"""Spreadsheets the project writes (CSV, XLSX) never carry a formula, and read back the same.

Every CSV or XLSX file written by the project goes through `csv_lines` or `xlsx_bytes`
(`tests/foodhub/test_output_safety.py` fails on another writer). The rule, for any cell:

- A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is one a
  spreadsheet would run as a formula ("CSV injection": ``=HYPERLINK(...)``, ``=cmd|...``).
  Plain numbers (``-3``, ``+2.5``, ``-1,5``) are not: they are left as they are.
- XLSX stores such a cell as text with Excel's quote prefix: the value is unchanged, shown
  as typed, and stays text even when edited.
- CSV has no cell types: such a cell gets a leading apostrophe (``'=1+2``).
- On import, `unescaped` removes one leading apostrophe before such a character, in both
  formats (a CSV opened and saved as XLSX imports the same). A text that itself starts with
  apostrophes followed by such a character therefore gets one more apostrophe when written,
  so every value reads back exactly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)")


def _formula_like(text: str) -> bool:
    """After any leading apostrophes, the text would start a formula (and is not a number)."""
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(bare)


def escaped(text: str) -> str:
    """The cell text to write in a CSV file: a formula-like text gets a leading apostrophe."""
    return "'" + text if _formula_like(text) else text


def unescaped(text: str) -> str:
    """A cell's text as imported: without the apostrophe `escaped` added."""
    if text.startswith("'") and _formula_like(text[1:]):
        return text[1:]
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV lines (header included, if it is the first row) for streaming, every cell escaped."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([escaped(str(cell)) for cell in row])


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, title: str = "Sheet") -> bytes:
    """An XLSX workbook of one sheet, every cell stored as text (formula-like ones with the
    quote prefix), so no cell is ever evaluated."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in rows:
        cells: list[Any] = []
        for value in row:
            text = str(value)
            if not _formula_like(text):
                cells.append(text)  # openpyxl stores any other str as text
                continue
            if text.startswith("'"):
                text = "'" + text  # so that `unescaped` gives the value back
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # openpyxl would store "=..." as a formula
            cell.quotePrefix = True
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
