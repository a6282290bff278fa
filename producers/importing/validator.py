"""Validating a whole file: every row parsed, checked by the shared product validator
(`producers.product_input.validate_product`), its errors placed at their row and column, and
the file's own rule (a SKU once per producer) applied across rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from producers.product_input import ImportRow, shown, validate_product

from .parser import FIELD_COLUMNS, parse_row
from .reader import COLUMNS

_COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS)}


@dataclass(frozen=True)
class RowError:
    """One problem in one cell; row is numbered as in a spreadsheet (header = row 1)."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """Valid rows and the errors of every invalid row."""

    rows: list[ImportRow]
    errors: list[RowError]

    @property
    def is_valid(self) -> bool:
        return not self.errors


def validate_rows(
    rows: list[dict[str, str]],
    *,
    producers: dict[str, int],
    categories: dict[str, int],
    tax_categories: dict[str, Decimal],
    forced_producer_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ValidationResult:
    """Check and convert every row, collecting all errors.

    ``producers`` maps lower-cased slugs and unique names to ids, ``categories`` lower-cased
    category names to ids and ``tax_categories`` lower-cased names to VAT rates. With
    ``forced_producer_id`` every row must be for that producer (a blank cell means it).
    Only valid rows are returned; errors cover every invalid cell. ``progress(done, total)``
    hears every 500 rows and at the end.
    """
    valid: list[ImportRow] = []
    errors: list[RowError] = []
    first_sku_row: dict[tuple[int, str], int] = {}
    for index, cells in enumerate(rows):
        if progress is not None and index % 500 == 0:
            progress(index, len(rows))
        line = getattr(cells, "line", index + 2)
        parsed = parse_row(
            cells, line=line, producers=producers, categories=categories,
            tax_categories=tax_categories, forced_producer_id=forced_producer_id,
        )
        row_errors = list(parsed.errors)
        check = validate_product(parsed.product, producer_id=parsed.producer_id or 0,
                                 rows=[line])
        for error in check.errors:
            column = FIELD_COLUMNS.get(error.field, error.field)
            if column not in parsed.failed_columns:  # one message per cell
                row_errors.append((column, error.message))
        sku = parsed.product.variants[0].sku
        if parsed.producer_id is not None and sku:
            key = (parsed.producer_id, sku)
            if key in first_sku_row:
                row_errors.append(("sku", _("Duplicate SKU %(sku)s (also on row %(row)s).")
                                   % {"sku": shown(sku), "row": first_sku_row[key]}))
            else:
                first_sku_row[key] = line
        row_errors.sort(key=lambda error: _COLUMN_ORDER.get(error[0], len(COLUMNS)))
        errors.extend(RowError(line, column, message) for column, message in row_errors)
        if not row_errors:
            valid.extend(check.rows)
    if progress is not None:
        progress(len(rows), len(rows))
    return ValidationResult(rows=valid, errors=errors)
