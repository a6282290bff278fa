"""Read, validate and write Open Food Network style product list files (CSV or XLSX).

Pure Python: nothing here touches the database. The caller looks up producers, categories
and tax categories, passes them in as plain dictionaries, and saves the validated rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from producers.money import round_money
from producers.units import unit_label

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
MAX_LENGTHS = {
    "sku": 128,
    "name": 255,
    "display_name": 255,
    "variant_unit_name": 40,
    "description": 10_000,
    "shipping_category": 100,
}

UNIT_TYPES = ("weight", "volume", "items")
# Database limits: Product.unit_value (10 digits, 3 decimals), stock record price (12 digits,
# 2 decimals) and stock (positive integer).
MAX_UNIT_VALUE = Decimal("9999999.999")
MAX_PRICE = Decimal("9999999999.99")
MAX_STOCK = 2_147_483_647
XLSX_SIGNATURE = b"PK\x03\x04"
_CENT = Decimal("0.01")
_TRUE = {"1", "true", "yes", "y", "oui"}
_FALSE = {"", "0", "false", "no", "n", "non"}
# unit_type cell -> (unit type, multiplier to grams / millilitres)
_UNIT_CODES = {
    "g": ("weight", 1),
    "kg": ("weight", 1000),
    "ml": ("volume", 1),
    "l": ("volume", 1000),
}
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_PLAIN_NUMBER = re.compile(r"\d+(?:[.,]\d*)?|[.,]\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_SHOWN_CATEGORIES = 30


class ImportFileError(Exception):
    """A problem with the whole file; str(exc) is a plain-English message for the user."""


class TableRow(dict):
    """A row of cells by column name, remembering its row number in the spreadsheet."""

    def __init__(self, cells: dict[str, str], line: int) -> None:
        super().__init__(cells)
        self.line = line


@dataclass(frozen=True)
class RowError:
    """One problem in one cell; row is numbered as in a spreadsheet (header = row 1)."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportRow:
    """A valid product line, with every value converted and looked up."""

    row: int
    producer_id: int
    sku: str
    name: str
    display_name: str
    category_id: int
    description: str
    unit_type: str
    unit_value: Decimal
    unit_label: str
    price: Decimal
    on_hand: int | None
    on_demand: bool
    available_on: datetime.date | None
    shipping_category: str
    vat_rate: Decimal | None


@dataclass(frozen=True)
class ValidationResult:
    """Valid rows and the errors of every invalid row."""

    rows: list[ImportRow]
    errors: list[RowError]

    @property
    def is_valid(self) -> bool:
        return not self.errors


# --- Reading ---------------------------------------------------------------------------------


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
            f"The file is too large: the limit is {MAX_IMPORT_BYTES // (1024 * 1024)} MB."
        )
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if data.startswith(XLSX_SIGNATURE):
        records = _xlsx_records(data)
    elif b"\x00" in data:
        raise ImportFileError("This file is not a CSV or XLSX spreadsheet.")
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
                f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
            )
        values = {col: (cells[i] if i < len(cells) else "") for col, i in positions.items()}
        rows.append(TableRow(values, line))
    if header is None:
        raise ImportFileError("The file is empty.")
    return header, rows


def _check_header(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name not in COLUMNS:
            continue  # unknown columns are ignored
        if name in positions:
            raise ImportFileError(f"The column {name} appears more than once.")
        positions[name] = i
    missing = [col for col in COLUMNS if col in REQUIRED_COLUMNS and col not in positions]
    if missing:
        raise ImportFileError(f"Missing columns: {', '.join(missing)}.")
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
        raise ImportFileError(f"The CSV file could not be read near row {line + 1}.") from exc


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
            "This file could not be opened: the XLSX spreadsheet is damaged or not XLSX."
        ) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("The file is empty.")
        sheet = workbook.worksheets[0]
        try:
            rows = list(_sheet_rows(sheet))
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError("This XLSX file is damaged and could not be read.") from exc
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
        return _plain(Decimal(str(value)))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


# --- Parsing values --------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """Parse a number written with a decimal point or comma and optional thousands separators.

    Accepts "3.50", "3,50", " 1 234,50 ", "1.234,50", "1,234.50", "1234" and a leading sign.
    A single comma without a dot is a decimal comma. Raises ValueError otherwise.
    """
    shown = _shown(text.strip())
    body = text.translate(_SPACES).strip()
    sign = ""
    if body and body[0] in "+-":
        sign, body = ("-" if body[0] == "-" else ""), body[1:].lstrip()
    normal = _normal_number(body)
    if normal is None:
        raise ValueError(f"Not a number: {shown}." if shown else "A number is required.")
    try:
        number = Decimal(sign + normal)
    except InvalidOperation as exc:
        raise ValueError(f"Not a number: {shown}.") from exc
    return abs(number) if number == 0 else number  # no "-0"


def _normal_number(body: str) -> str | None:
    """Return body with '.' as the only separator (decimal), or None if it is not a number."""
    if " " in body:
        match = re.fullmatch(r"(\d{1,3}(?: \d{3})+)(?:([.,])(\d+))?", body)
        if not match:
            return None
        whole = match.group(1).replace(" ", "")
        return whole + ("." + match.group(3) if match.group(3) else "")
    if "," in body and "." in body:
        decimal_sep = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        t, d = re.escape(thousands), re.escape(decimal_sep)
        if not re.fullmatch(rf"\d{{1,3}}(?:{t}\d{{3}})+{d}\d+", body):
            return None
        return body.replace(thousands, "").replace(decimal_sep, ".")
    for sep in ",.":
        if body.count(sep) > 1:
            if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", body):
                return None
            return body.replace(sep, "")
    if not _PLAIN_NUMBER.fullmatch(body):
        return None
    return body.replace(",", ".")


def parse_vat_rate(text: str, tax_categories: dict[str, Decimal]) -> Decimal | None:
    """Parse a VAT rate ("5,5 %", "20") or a tax category name (case-insensitive).

    Returns None for an empty cell (use the category's default rate). Raises ValueError for
    an unknown name or a rate outside 0-100 or with more than 2 decimals.
    """
    cell = text.translate(_SPACES).strip()
    if not cell:
        return None
    rate: Decimal | None = None
    number = cell.removesuffix("%").rstrip()
    if re.fullmatch(r"[+-]?[\d.,]+", number):
        try:
            rate = parse_decimal(number)
        except ValueError:
            rate = None
    if rate is None:
        rate = tax_categories.get(_key(cell))
    if rate is None:
        raise ValueError(f"Unknown tax category or VAT rate: {_shown(cell)}.")
    if not Decimal(0) <= rate <= Decimal(100):
        raise ValueError(f"VAT rate must be between 0 and 100: {_shown(cell)}.")
    if _decimals(rate) > 2:
        raise ValueError(f"VAT rate has more than 2 decimals: {_shown(cell)}.")
    return _normalise(rate)


# --- Validation ------------------------------------------------------------------------------


def validate_rows(
    rows: list[dict[str, str]],
    *,
    producers: dict[str, int],
    categories: dict[str, int],
    tax_categories: dict[str, Decimal],
    forced_producer_id: int | None = None,
) -> ValidationResult:
    """Check and convert every row, collecting all errors.

    ``producers`` maps lower-cased slugs and unique names to ids, ``categories`` lower-cased
    category names to ids and ``tax_categories`` lower-cased names to VAT rates. With
    ``forced_producer_id`` every row must be for that producer (a blank cell means it).
    Only valid rows are returned; errors cover every invalid cell.
    """
    valid: list[ImportRow] = []
    errors: list[RowError] = []
    first_sku_row: dict[tuple[int, str], int] = {}
    for index, cells in enumerate(rows):
        line = getattr(cells, "line", index + 2)
        checker = _RowChecker(line, cells)
        row = checker.check(producers, categories, tax_categories, forced_producer_id)
        key = (checker.producer_id, checker.sku)
        if checker.producer_id is not None and checker.sku:
            if key in first_sku_row:
                checker.error(
                    "sku",
                    f"Duplicate SKU {_shown(checker.sku)} (also on row {first_sku_row[key]}).",
                )
                row = None
            else:
                first_sku_row[key] = line
        errors.extend(checker.errors)
        if row is not None:
            valid.append(row)
    return ValidationResult(rows=valid, errors=errors)


class _RowChecker:
    """Validates one row; errors are collected in ``errors``."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.errors: list[RowError] = []
        self.producer_id: int | None = None
        self.sku = ""

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str, *, required: str = "") -> str:
        value = (self.cells.get(column) or "").strip()
        if not value and required:
            self.error(column, required)
        limit = MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            self.error(column, f"Too long: at most {limit} characters (this one has {len(value)}).")
        return value

    def check(
        self,
        producers: dict[str, int],
        categories: dict[str, int],
        tax_categories: dict[str, Decimal],
        forced_producer_id: int | None,
    ) -> ImportRow | None:
        self.producer_id = self._producer(producers, forced_producer_id)
        self.sku = self.text("sku", required="SKU is required.")
        name = self.text("name", required="Name is required.")
        display_name = self.text("display_name")
        description = self.text("description")
        shipping_category = self.text("shipping_category")
        category_id = self._category(categories)
        unit_type, unit_value, label = self._units()
        price = self._price()
        on_hand = self._on_hand()
        on_demand = self._on_demand()
        if on_demand is False and on_hand is None and not self.text("on_hand"):
            self.error("on_hand", "Give a stock quantity or mark the product on demand.")
        available_on = self._available_on()
        vat_rate = self._vat_rate(tax_categories)
        if self.errors:
            return None
        assert self.producer_id is not None and category_id is not None
        assert unit_value is not None and price is not None and on_demand is not None
        return ImportRow(
            row=self.line,
            producer_id=self.producer_id,
            sku=self.sku,
            name=name,
            display_name=display_name,
            category_id=category_id,
            description=description,
            unit_type=unit_type,
            unit_value=unit_value,
            unit_label=label,
            price=price,
            on_hand=on_hand,
            on_demand=on_demand,
            available_on=available_on,
            shipping_category=shipping_category,
            vat_rate=vat_rate,
        )

    def _producer(self, producers: dict[str, int], forced: int | None) -> int | None:
        cell = self.text("producer")
        if forced is not None:
            if not cell:
                return forced
            if producers.get(_key(cell)) != forced:
                self.error(
                    "producer",
                    "This file is for one producer only: "
                    f"row names another producer ({_shown(cell)}).",
                )
                return None
            return forced
        if not cell:
            self.error("producer", "Producer is required.")
            return None
        producer_id = producers.get(_key(cell))
        if producer_id is None:
            self.error("producer", f"Unknown producer: {_shown(cell)}.")
        return producer_id

    def _category(self, categories: dict[str, int]) -> int | None:
        cell = self.text("category", required="Category is required.")
        if not cell:
            return None
        category_id = categories.get(_key(cell))
        if category_id is None:
            names = sorted(categories)
            listed = ", ".join(names[:_SHOWN_CATEGORIES])
            if len(names) > _SHOWN_CATEGORIES:
                listed += ", …"
            self.error("category", f"Unknown category: {_shown(cell)}. Use one of: {listed}.")
        return category_id

    def _units(self) -> tuple[str, Decimal | None, str]:
        units = self.text("units", required="Unit value is required.")
        code = self.text("unit_type")
        unit_name = self.text("variant_unit_name")
        value: Decimal | None = None
        if units:
            try:
                value = parse_decimal(units)
            except ValueError as exc:
                self.error("units", str(exc))
            else:
                if value <= 0:
                    self.error("units", "Unit value must be greater than 0.")
                    value = None
        if not code:
            unit_type, factor = "items", 1
            if not unit_name:
                self.error(
                    "variant_unit_name",
                    "Items need a unit name (variant_unit_name), e.g. bunch or box of 6.",
                )
            if value is not None and value != value.to_integral_value():
                self.error("units", f"A number of items must be a whole number: {_shown(units)}.")
                value = None
        elif code.lower() in _UNIT_CODES:
            unit_type, factor = _UNIT_CODES[code.lower()]
        else:
            self.error(
                "unit_type",
                f"Unknown unit type: {_shown(code)}. Use g, kg, ml, L, or leave empty for items.",
            )
            return "", None, ""
        if value is None:
            return unit_type, None, ""
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)  # parse_decimal only returns finite numbers
        value = Decimal((sign, digits, exponent + (3 if factor == 1000 else 0)))  # exact
        if value > MAX_UNIT_VALUE:
            self.error("units", "Unit value is too large.")
            return unit_type, None, ""
        if _decimals(value) > 3:
            small = {"weight": "g", "volume": "ml"}.get(unit_type, "item")
            self.error("units", f"Unit value is too precise: at most 3 decimals in {small}.")
            return unit_type, None, ""
        value = _normalise(value)
        return unit_type, value, unit_name or unit_label(unit_type, value)

    def _price(self) -> Decimal | None:
        cell = self.text("price", required="Price is required.")
        if not cell:
            return None
        try:
            price = parse_decimal(cell)
        except ValueError as exc:
            self.error("price", str(exc))
            return None
        if price < 0:
            self.error("price", "Price cannot be negative.")
            return None
        if _decimals(price) > 2:
            self.error("price", "Price has more than 2 decimals.")
            return None
        if price > MAX_PRICE:
            self.error("price", "Price is too large.")
            return None
        return price.quantize(_CENT)

    def _on_hand(self) -> int | None:
        cell = self.text("on_hand")
        if not cell:
            return None
        try:
            number = parse_decimal(cell)
        except ValueError:
            number = None
        if number is None or number != number.to_integral_value():
            self.error("on_hand", f"Not a whole number: {_shown(cell)}.")
            return None
        if number < 0:
            self.error("on_hand", "Stock cannot be negative.")
            return None
        if number > MAX_STOCK:
            self.error("on_hand", "Stock is too large.")
            return None
        return int(number)

    def _on_demand(self) -> bool | None:
        cell = self.text("on_demand")
        if cell.lower() in _TRUE:
            return True
        if cell.lower() in _FALSE:
            return False
        self.error("on_demand", f"Not a yes/no value: {_shown(cell)}. Use 1 for yes, 0 for no.")
        return None

    def _available_on(self) -> datetime.date | None:
        cell = self.text("available_on")
        if not cell:
            return None
        try:
            if match := _ISO_DATE.fullmatch(cell):
                year, month, day = match.groups()
                return datetime.date(int(year), int(month), int(day))
            if match := _FRENCH_DATE.fullmatch(cell):
                day, month, year = match.groups()
                return datetime.date(int(year), int(month), int(day))
        except ValueError:
            pass
        self.error("available_on", f"Not a date: {_shown(cell)}. Use YYYY-MM-DD or DD/MM/YYYY.")
        return None

    def _vat_rate(self, tax_categories: dict[str, Decimal]) -> Decimal | None:
        try:
            return parse_vat_rate(self.text("tax_category"), tax_categories)
        except ValueError as exc:
            self.error("tax_category", str(exc))
            return None


# --- Writing ---------------------------------------------------------------------------------


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
            "tax_category": "" if vat_rate is None else _plain(Decimal(str(vat_rate))),
        }
        yield [str(cells[column]) for column in COLUMNS]


def write_csv(items: Iterable[dict], stream: IO[str]) -> None:
    """Write the products as CSV (comma-separated) to a text stream."""
    csv.writer(stream).writerows(export_rows(items))


def write_xlsx(items: Iterable[dict]) -> bytes:
    """Return the products as an XLSX workbook, every cell stored as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Products")
    for row in export_rows(items):
        cells: list[Any] = []
        for text in row:
            if text.startswith("="):  # openpyxl would store it as a formula: force text
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(text)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_units(unit_type: str, value: Decimal) -> tuple[str, str]:
    if unit_type in ("weight", "volume"):
        big, small = ("kg", "g") if unit_type == "weight" else ("L", "ml")
        if value >= 1000 and value % 1000 == 0:
            return _plain(value / 1000), big
        return _plain(value), small
    return _plain(value), ""


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


# --- Small helpers ---------------------------------------------------------------------------


def _normalise(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1500, not 1.5E+3)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def _plain(value: Decimal) -> str:
    """Format a Decimal without exponent or trailing zeros: "1500", "1.5", "0.25"."""
    if not value.is_finite():
        return str(value)
    return format(_normalise(value), "f")


def _decimals(value: Decimal) -> int:
    """Count the decimals that matter (3.50 has 1), exactly, whatever the precision."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -exponent - (len(digits) - len(significant)))


def _key(text: str) -> str:
    """Lookup key for a name typed by a user: lower-cased, spaces collapsed."""
    return " ".join(text.lower().split())


def _shown(text: str, limit: int = 60) -> str:
    """Shorten user text quoted back in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
