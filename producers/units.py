"""Sale units: the label a shopper reads ("500 g") and the comparable price per kg / L / item."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .money import round_money

THOUSAND = Decimal("1000")


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 1.500 -> "1.5", 1000 -> "1000"."""
    return format(value.normalize(), "f")


def unit_label(unit_type: str, unit_value: Decimal) -> str:
    """The default label of a unit: "500 g", "1.5 kg", "750 ml", "1 L"; items get none."""
    value = Decimal(unit_value)
    if unit_type == "weight":
        return f"{_plain(value / THOUSAND)} kg" if value >= THOUSAND else f"{_plain(value)} g"
    if unit_type == "volume":
        return f"{_plain(value / THOUSAND)} L" if value >= THOUSAND else f"{_plain(value)} ml"
    return ""


def unit_price(*, price: Decimal, unit_type: str, unit_value: Decimal) -> tuple[Decimal, str]:
    """Price per kg (weight), per L (volume) or per item, rounded by the money rule.

    >>> unit_price(price=Decimal("2.60"), unit_type="weight", unit_value=Decimal("250"))
    (Decimal('10.40'), 'kg')
    """
    value = Decimal(unit_value)
    if value <= 0:
        raise ValueError("unit_value must be greater than 0")
    if unit_type == "weight":
        return round_money(price * THOUSAND / value), "kg"
    if unit_type == "volume":
        return round_money(price * THOUSAND / value), "L"
    return round_money(price / value), "item"


PER_LABELS = {"kg": _("kg"), "L": _("L"), "item": _("item")}


def per_label(per: str) -> str:
    """What a unit price is per, in the active language: "kg", "L", "item" ("pièce")."""
    return str(PER_LABELS[per])

