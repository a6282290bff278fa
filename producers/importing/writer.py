"""Writing a catalogue in the import format (CSV rows or an XLSX workbook): reading the
output back gives the same values. Cells that a spreadsheet would run as formulas are
written as text (`producers.spreadsheets`); the parser removes the CSV escape."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from producers.money import round_money
from producers.product_input import plain
from producers.spreadsheets import csv_lines, xlsx_bytes
from producers.units import unit_label

from .reader import COLUMNS


def export_rows(items: Iterable[dict]) -> Iterator[list[str]]:
    """Yield the header then one row of cell text per product, in COLUMNS order.

    Each item has the ImportRow fields, with ``producer`` (slug) and ``category`` (English
    name) instead of ids. Reading and validating the output gives back the same values.
    """
    yield list(COLUMNS)
    for item in items:
        unit_type = item.get("unit_type") or "items"
        value = Decimal(str(item["unit_value"]))
        units, code = _export_units(unit_type, value)
        label = item.get("unit_label") or ""
        if unit_type != "items" and label == unit_label(unit_type, value):
            label = ""  # derived again on import, and follows any change of units
        on_hand = item.get("on_hand")
        vat_rate = item.get("vat_rate")
        cells = {
            "producer": item.get("producer") or "",
            "sku": item.get("sku") or "",
            "name": item.get("name") or "",
            "display_name": item.get("display_name") or "",
            "category": item.get("category") or "",
            "description": item.get("description") or "",
            "units": units,
            "unit_type": code,
            "variant_unit_name": label,
            "price": _money(item["price"]),
            "on_hand": "" if on_hand is None else str(int(on_hand)),
            "available_on": _export_date(item.get("available_on")),
            "on_demand": "1" if item.get("on_demand") else "0",
            "shipping_category": item.get("shipping_category") or "",
            "tax_category": "" if vat_rate is None else plain(Decimal(str(vat_rate))),
        }
        yield [str(cells[column]) for column in COLUMNS]


def write_csv(items: Iterable[dict]) -> Iterator[str]:
    """Yield the products as CSV lines (for streaming), formula-like text escaped."""
    return csv_lines(export_rows(items))


def write_xlsx(items: Iterable[dict]) -> bytes:
    """Return the products as an XLSX workbook, every cell stored as text."""
    return xlsx_bytes(export_rows(items), title="Products")


def _export_units(unit_type: str, value: Decimal) -> tuple[str, str]:
    if unit_type in ("weight", "volume"):
        big, small = ("kg", "g") if unit_type == "weight" else ("L", "ml")
        if value >= 1000 and value % 1000 == 0:
            return plain(value / 1000), big
        return plain(value), small
    return plain(value), ""


def _export_date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _money(value: Any) -> str:
    return format(round_money(Decimal(str(value))), "f")
