"""One typed product input for files, the product form and the API, and its one validator.

Each source turns what it received into a `ProductInput` (files: `producers.importing.parser`;
the form: `producers.forms`; the API: `producers.api`) and calls `validate_product`, which
returns errors keyed by field and variant index, or one `ImportRow` per variant ready for
`catalogue_upsert`. Each source then shows the errors its own way: row and column for files,
form fields for the form, `{"variants": [{"price": [...]}]}` for the API.

Descriptions are plain text or rich text cleaned by an allow-list (`producers.descriptions`):
the validator cleans them, so whatever the source, no script or event handler is stored.

Pure Python: nothing here touches the database.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from .descriptions import clean_description
from .parsing import MAX_INT
from .units import unit_label

MAX_LENGTHS = {
    "sku": 128,
    "name": 255,
    "display_name": 255,
    "variant_unit_name": 40,
    "description": 10_000,
    "shipping_category": 100,
}
# Database limits: Product.unit_value (10 digits, 3 decimals), stock record price (12 digits,
# 2 decimals) and stock (positive integer).
MAX_UNIT_VALUE = Decimal("9999999.999")
MAX_PRICE = Decimal("9999999999.99")
MAX_STOCK = MAX_INT
MAX_VARIANTS = 30
# unit code (as typed: g, kg, ml, L, or empty for items) -> (unit type, multiplier to g / ml)
UNIT_CODES = {
    "g": ("weight", 1),
    "kg": ("weight", 1000),
    "ml": ("volume", 1),
    "l": ("volume", 1000),
    "": ("items", 1),
}
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class VariantInput:
    """One variant as entered: `units` counts in `unit_type` (1.5 with "kg" is 1500 g)."""

    sku: str = ""
    display_name: str = ""
    units: Decimal | None = None
    unit_type: str = ""  # g, kg, ml, L, or "" for items
    variant_unit_name: str = ""  # the label shoppers read; required for items
    price: Decimal | None = None  # excl. VAT
    on_hand: int | None = None
    on_demand: bool = False
    available_on: datetime.date | None = None
    shipping_category: str = ""


@dataclass(frozen=True)
class ProductInput:
    """A product with its variants, as entered in a file row, the form or the API."""

    name: str = ""
    description: str = ""
    category_id: int | None = None
    vat_rate: Decimal | None = None  # None: the category's default rate
    variants: tuple[VariantInput, ...] = ()


@dataclass(frozen=True)
class InputError:
    """One problem: a product field (variant None) or a field of the variant at that index."""

    field: str
    message: str
    variant: int | None = None


@dataclass(frozen=True)
class ImportRow:
    """One valid variant with its product's fields, every value converted: what
    `catalogue_upsert` writes. `row` is the file row (or the variant's index elsewhere)."""

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
class ProductCheck:
    """The outcome of `validate_product`: rows when valid, errors otherwise."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def product_changed(
    base: ProductInput, changes: dict, variant_changes: Sequence[dict] | None = None
) -> tuple[ProductInput, list[int | None]]:
    """``base`` with some fields changed: how forms and the API edit a product.

    Each of ``variant_changes`` (VariantInput fields) changes the variant of ``base`` with
    its SKU, or adds a variant; variants not named are kept as they are. Also returns, for
    each variant of the result, the index of the change that named it (None if none did),
    so errors can be shown where they were entered.
    """
    variants = list(base.variants)
    origins: list[int | None] = [None] * len(variants)
    by_sku = {variant.sku: index for index, variant in enumerate(variants) if variant.sku}
    for position, change in enumerate(variant_changes or ()):
        index = by_sku.pop(change.get("sku", ""), None)  # pop: a SKU named twice is added twice
        if index is None:
            variants.append(VariantInput(**change))
            origins.append(position)
        else:
            variants[index] = replace(variants[index], **change)
            origins[index] = position
    return replace(base, variants=tuple(variants), **changes), origins


def validate_product(
    product: ProductInput, *, producer_id: int, rows: Sequence[int] | None = None
) -> ProductCheck:
    """Check a product and its variants against the catalogue's rules, collecting every error.

    ``rows`` numbers the variants in the ImportRows (file rows); by default their index.
    """
    checker = _Checker()
    name = checker.text("name", product.name, required=_("Name is required."))
    # Plain text, or rich text cleaned by the allow-list: never trusted HTML.
    description = clean_description(checker.text("description", product.description))
    if product.category_id is None:
        checker.error("category", _("Category is required."))
    vat_rate = checker.vat_rate(product.vat_rate)
    if not product.variants:
        checker.error("variants", _("Add at least one variant."))
    elif len(product.variants) > MAX_VARIANTS:
        checker.error(
            "variants", _("At most %(count)s variants per product.") % {"count": MAX_VARIANTS}
        )
    first_index: dict[str, int] = {}
    valid: list[ImportRow] = []
    for index, variant in enumerate(product.variants):
        checker.variant = index
        values = checker.variant_values(variant)
        if variant.sku:
            if variant.sku in first_index:
                checker.error("sku", _("Duplicate SKU %(sku)s (also variant %(other)s).") % {
                    "sku": shown(variant.sku), "other": first_index[variant.sku] + 1,
                })
            else:
                first_index[variant.sku] = index
        if values is not None:
            valid.append(ImportRow(
                row=rows[index] if rows is not None else index, producer_id=producer_id,
                name=name, description=description, category_id=product.category_id,
                vat_rate=vat_rate, **values,
            ))
    if checker.errors:
        return ProductCheck(errors=checker.errors)
    return ProductCheck(rows=valid)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[InputError] = []
        self.variant: int | None = None

    def error(self, name: str, message: str) -> None:
        self.errors.append(InputError(name, message, self.variant))

    def text(self, name: str, value: str, *, required: str = "") -> str:
        value = (value or "").strip()
        if not value and required:
            self.error(name, required)
        limit = MAX_LENGTHS.get(name)
        if limit is not None and len(value) > limit:
            self.error(name, _("Too long: at most %(limit)s characters (this one has %(length)s).")
                       % {"limit": limit, "length": len(value)})
        return value

    def vat_rate(self, rate: Decimal | None) -> Decimal | None:
        if rate is None:
            return None
        if not Decimal(0) <= rate <= Decimal(100):
            self.error("vat_rate", _("VAT rate must be between 0 and 100: %(rate)s.")
                       % {"rate": plain(rate)})
            return None
        if decimal_places(rate) > 2:
            self.error("vat_rate", _("VAT rate has more than 2 decimals: %(rate)s.")
                       % {"rate": plain(rate)})
            return None
        return normalise(rate)

    def variant_values(self, variant: VariantInput) -> dict | None:
        """The converted fields of one variant, or None (errors recorded)."""
        before = len(self.errors)
        sku = self.text("sku", variant.sku, required=_("SKU is required."))
        display_name = self.text("display_name", variant.display_name)
        shipping_category = self.text("shipping_category", variant.shipping_category)
        unit_name = self.text("variant_unit_name", variant.variant_unit_name)
        unit_type, unit_value = self.units(variant.units, variant.unit_type, unit_name)
        price = self.price(variant.price)
        on_hand = self.on_hand(variant.on_hand)
        if not variant.on_demand and variant.on_hand is None:
            self.error("on_hand", _("Give a stock quantity or mark the product on demand."))
        if len(self.errors) > before:
            return None
        assert unit_value is not None and price is not None
        return {
            "sku": sku, "display_name": display_name, "unit_type": unit_type,
            "unit_value": unit_value, "unit_label": unit_name or unit_label(unit_type, unit_value),
            "price": price, "on_hand": on_hand, "on_demand": variant.on_demand,
            "available_on": variant.available_on, "shipping_category": shipping_category,
        }

    def units(self, units: Decimal | None, code: str, unit_name: str) -> tuple[str, Decimal | None]:
        """(unit type, value in g / ml / count) from the units as typed and their code."""
        code = (code or "").strip()
        if code.lower() not in UNIT_CODES:
            self.error("unit_type", _("Unknown unit type: %(code)s. Use g, kg, ml, L, or leave "
                                      "empty for items.") % {"code": shown(code)})
            return "", None
        unit_type, factor = UNIT_CODES[code.lower()]
        if unit_type == "items" and not unit_name:
            self.error("variant_unit_name",
                       _("Items need a unit name (variant_unit_name), e.g. bunch or box of 6."))
        if units is None:
            self.error("units", _("Unit value is required."))
            return unit_type, None
        if units <= 0:
            self.error("units", _("Unit value must be greater than 0."))
            return unit_type, None
        if unit_type == "items" and units != units.to_integral_value():
            self.error("units", _("A number of items must be a whole number: %(value)s.")
                       % {"value": plain(units)})
            return unit_type, None
        sign, digits, exponent = units.as_tuple()
        if not isinstance(exponent, int):
            self.error("units", _("Unit value must be a number."))
            return unit_type, None
        value = Decimal((sign, digits, exponent + (3 if factor == 1000 else 0)))  # exact
        if value > MAX_UNIT_VALUE:
            self.error("units", _("Unit value is too large."))
            return unit_type, None
        if decimal_places(value) > 3:
            small = {"weight": "g", "volume": "ml"}.get(unit_type, "item")
            self.error("units", _("Unit value is too precise: at most 3 decimals in %(unit)s.")
                       % {"unit": small})
            return unit_type, None
        return unit_type, normalise(value)

    def price(self, price: Decimal | None) -> Decimal | None:
        if price is None:
            self.error("price", _("Price is required."))
            return None
        if not price.is_finite():
            self.error("price", _("Price must be a number."))
            return None
        if price < 0:
            self.error("price", _("Price cannot be negative."))
            return None
        if decimal_places(price) > 2:
            self.error("price", _("Price has more than 2 decimals."))
            return None
        if price > MAX_PRICE:
            self.error("price", _("Price is too large."))
            return None
        return price.quantize(_CENT)

    def on_hand(self, on_hand: int | None) -> int | None:
        if on_hand is None:
            return None
        if on_hand < 0:
            self.error("on_hand", _("Stock cannot be negative."))
            return None
        if on_hand > MAX_STOCK:
            self.error("on_hand", _("Stock is too large."))
            return None
        return on_hand


# --- Small helpers shared with the file reader and writer ----------------------------------


def normalise(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1500, not 1.5E+3)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def plain(value: Decimal) -> str:
    """Format a Decimal without exponent or trailing zeros: "1500", "1.5", "0.25"."""
    if not value.is_finite():
        return str(value)
    return format(normalise(value), "f")


def decimal_places(value: Decimal) -> int:
    """Count the decimals that matter (3.50 has 1), exactly, whatever the precision."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -exponent - (len(digits) - len(significant)))


def shown(text: str, limit: int = 60) -> str:
    """Shorten user text quoted back in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
