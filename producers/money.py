"""The project's single money rounding rule."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """Round an amount to the cent, halves away from zero (2.345 -> 2.35, -2.345 -> -2.35).

    Every price, tax and total shown or stored goes through this one function, so pages,
    the API and invoices can never disagree by a cent.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"round_money expects a Decimal, got {type(amount).__name__}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
