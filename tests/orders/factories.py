"""Order factories (Oscar's order models) for tests that need "this was ordered"."""

from decimal import Decimal
from itertools import count

from oscar.core.loading import get_model

Order = get_model("order", "Order")
Line = get_model("order", "Line")
_numbers = count(100000)


def order_line_for(product, *, quantity: int = 1):
    """A placed order with one line for this variant (its first stock record)."""
    record = product.stockrecords.first()
    order = Order.objects.create(
        number=str(next(_numbers)), currency="EUR",
        total_incl_tax=record.price * quantity, total_excl_tax=record.price * quantity,
        shipping_incl_tax=Decimal("0"), shipping_excl_tax=Decimal("0"),
    )
    return Line.objects.create(
        order=order, partner=record.partner, partner_name=record.partner.name,
        partner_sku=record.partner_sku, stockrecord=record, product=product,
        title=product.get_title(), quantity=quantity, num_allocated=0,
        line_price_incl_tax=record.price * quantity, line_price_excl_tax=record.price * quantity,
        line_price_before_discounts_incl_tax=record.price * quantity,
        line_price_before_discounts_excl_tax=record.price * quantity,
    )
