"""Parsing file rows: cell text -> a `ProductInput` (one variant per row), with the column of
every cell that could not be read.

The text parsers (`parse_decimal`, `parse_stock`...) are also used by the product form,
whose number fields are typed as text so "3,50" works there as in a file.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from producers.product_input import ProductInput, VariantInput, shown
from producers.spreadsheets import unescaped

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_PLAIN_NUMBER = re.compile(r"\d+(?:[.,]\d*)?|[.,]\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TRUE = {"1", "true", "yes", "y", "oui"}
_FALSE = {"", "0", "false", "no", "n", "non"}
_SHOWN_CATEGORIES = 30
# ProductInput / VariantInput field -> file column, where they differ.
FIELD_COLUMNS = {"vat_rate": "tax_category"}


# --- Values ----------------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """Parse a number written with a decimal point or comma and optional thousands separators.

    Accepts "3.50", "3,50", " 1 234,50 ", "1.234,50", "1,234.50", "1234" and a leading sign.
    A single comma without a dot is a decimal comma. Raises ValueError otherwise.
    """
    cell = shown(text.strip())
    body = text.translate(_SPACES).strip()
    sign = ""
    if body and body[0] in "+-":
        sign, body = ("-" if body[0] == "-" else ""), body[1:].lstrip()
    normal = _normal_number(body)
    if normal is None:
        raise ValueError(
            _("Not a number: %(value)s.") % {"value": cell} if cell else _("A number is required.")
        )
    try:
        number = Decimal(sign + normal)
    except InvalidOperation as exc:
        raise ValueError(_("Not a number: %(value)s.") % {"value": cell}) from exc
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


def parse_optional_decimal(text: str) -> Decimal | None:
    """parse_decimal, or None for an empty cell."""
    return parse_decimal(text) if text.strip() else None


def parse_stock(text: str) -> int | None:
    """A whole number of items in stock ("12", "1 200", "3.0"), or None for an empty cell.

    The sign is kept: the validator says "cannot be negative" rather than "not a number".
    """
    cell = text.strip()
    if not cell:
        return None
    try:
        number = parse_decimal(cell)
    except ValueError:
        number = None
    if number is None or number != number.to_integral_value():
        raise ValueError(_("Not a whole number: %(value)s.") % {"value": shown(cell)})
    return int(number)


def parse_yes_no(text: str) -> bool:
    """1/0, yes/no, true/false, oui/non, y/n (any case); empty is no."""
    cell = text.strip()
    if cell.lower() in _TRUE:
        return True
    if cell.lower() in _FALSE:
        return False
    raise ValueError(
        _("Not a yes/no value: %(value)s. Use 1 for yes, 0 for no.") % {"value": shown(cell)}
    )


def parse_date(text: str) -> datetime.date | None:
    """YYYY-MM-DD or DD/MM/YYYY, or None for an empty cell."""
    cell = text.strip()
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
    raise ValueError(
        _("Not a date: %(value)s. Use YYYY-MM-DD or DD/MM/YYYY.") % {"value": shown(cell)}
    )


def parse_vat_rate(text: str, tax_categories: dict[str, Decimal]) -> Decimal | None:
    """Parse a VAT rate ("5,5 %", "20") or a tax category name (case-insensitive).

    Returns None for an empty cell (use the category's default rate). Raises ValueError for
    text that is neither; the validator checks the rate's range and decimals.
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
        rate = tax_categories.get(lookup_key(cell))
    if rate is None:
        raise ValueError(
            _("Unknown tax category or VAT rate: %(value)s.") % {"value": shown(cell)}
        )
    return rate


def lookup_key(text: str) -> str:
    """Lookup key for a name typed by a user: lower-cased, spaces collapsed."""
    return " ".join(text.lower().split())


# --- Rows ------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    """One file row read into a product with one variant; ``errors`` are (column, message)
    for the cells that could not be read (their fields are left empty in ``product``)."""

    line: int
    product: ProductInput
    producer_id: int | None
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed_columns(self) -> set[str]:
        return {column for column, _message in self.errors}


def parse_row(
    cells: dict[str, str],
    *,
    line: int,
    producers: dict[str, int],
    categories: dict[str, int],
    tax_categories: dict[str, Decimal],
    forced_producer_id: int | None = None,
) -> ParsedRow:
    """Read one row's cells; lookups map lower-cased names to ids (or rates)."""
    errors: list[tuple[str, str]] = []

    def text(column: str) -> str:
        # Text cells lose the apostrophe an export adds before a formula-like text.
        return unescaped((cells.get(column) or "").strip())

    def number(column: str) -> str:
        return (cells.get(column) or "").strip()

    def value(column: str, parse, default=None):
        try:
            return parse(number(column))
        except ValueError as exc:
            errors.append((column, str(exc)))
            return default

    producer_id = _producer(text("producer"), producers, forced_producer_id, errors)
    category_id = _category(text("category"), categories, errors)
    variant = VariantInput(
        sku=text("sku"),
        display_name=text("display_name"),
        units=value("units", parse_optional_decimal),
        unit_type=text("unit_type"),
        variant_unit_name=text("variant_unit_name"),
        price=value("price", parse_optional_decimal),
        on_hand=value("on_hand", parse_stock),
        on_demand=value("on_demand", parse_yes_no, default=False),
        available_on=value("available_on", parse_date),
        shipping_category=text("shipping_category"),
    )
    product = ProductInput(
        name=text("name"),
        description=text("description"),
        category_id=category_id,
        vat_rate=value("tax_category", lambda cell: parse_vat_rate(cell, tax_categories)),
        variants=(variant,),
    )
    return ParsedRow(line=line, product=product, producer_id=producer_id, errors=errors)


def _producer(
    cell: str, producers: dict[str, int], forced: int | None, errors: list
) -> int | None:
    if forced is not None:
        if not cell:
            return forced
        if producers.get(lookup_key(cell)) != forced:
            errors.append(("producer", _(
                "This file is for one producer only: row names another producer (%(value)s)."
            ) % {"value": shown(cell)}))
            return None
        return forced
    if not cell:
        errors.append(("producer", _("Producer is required.")))
        return None
    producer_id = producers.get(lookup_key(cell))
    if producer_id is None:
        errors.append(("producer", _("Unknown producer: %(value)s.") % {"value": shown(cell)}))
    return producer_id


def _category(cell: str, categories: dict[str, int], errors: list) -> int | None:
    if not cell:
        return None  # the validator says it is required
    category_id = categories.get(lookup_key(cell))
    if category_id is None:
        names = sorted(categories)
        listed = ", ".join(names[:_SHOWN_CATEGORIES])
        if len(names) > _SHOWN_CATEGORIES:
            listed += ", …"
        errors.append(("category", _("Unknown category: %(value)s. Use one of: %(names)s.")
                       % {"value": shown(cell), "names": listed}))
    return category_id
