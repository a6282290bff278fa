"""Writes to a shopper's basket: a basket holds the offers of one order cycle (one hub).

The strategy (`orders.strategy.CycleStrategy`) prices a basket from its cycle; binding the
basket to the cycle of the first product added is what makes the rest of the request (and
every later one) price and check availability in that cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hubs.models import CycleOffer, CycleStatus, Hub, OrderCycle
from hubs.pricing import available_quantity

from .services import MAX_QUANTITY, line_title
from .strategy import CycleStrategy


class BasketHoldsAnotherCycle(Exception):
    """The basket holds products of another cycle: the shopper must agree to empty it."""

    def __init__(self, current: OrderCycle | None, num_items: int):
        self.current = current
        self.num_items = num_items
        super().__init__("basket bound to another cycle")


@dataclass(frozen=True)
class Added:
    title: str
    quantity: int  # in the basket now
    switched: bool  # the basket was emptied to change cycle


def shop_offer(*, hub: Hub, offer_id: int) -> CycleOffer:
    """An offer of one of the hub's cycles, loaded for pricing; DoesNotExist otherwise."""
    return (
        CycleOffer.objects.select_related(
            "cycle__hub", "supplier__producer", "stockrecord__product__parent",
            "stockrecord__partner",
        )
        .filter(cycle__hub=hub)
        .get(pk=offer_id)
    )


def _in_basket(basket, offer: CycleOffer) -> int:
    if not basket.id:
        return 0
    return sum(
        line.quantity for line in basket.all_lines()
        if line.stockrecord_id == offer.stockrecord_id
    )


@transaction.atomic
def basket_add(*, basket, offer: CycleOffer, quantity: int, switch: bool = False) -> Added:
    """Add `quantity` of an offer to the basket, binding an empty basket to the offer's cycle.

    Raises ValidationError with a message naming the product when the cycle is not open, the
    product is no longer sold, or the basket would hold more than is left (stock left and
    the offer's cap); BasketHoldsAnotherCycle when the basket holds another cycle's products
    and `switch` is not set (with `switch`, the basket is emptied first)."""
    cycle = offer.cycle
    title = line_title(offer)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationError(_("Choose a quantity of at least 1."))
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(
            _("%(cycle)s at %(hub)s is not open for orders: %(title)s was not added.")
            % {"cycle": cycle.name, "hub": cycle.hub.name, "title": title}
        )
    variant = offer.stockrecord.product
    if variant.archived_at is not None or (
        variant.parent is not None and variant.parent.archived_at is not None
    ):
        raise ValidationError(_("%(title)s is no longer sold.") % {"title": title})

    switched = False
    if basket.id and basket.cycle_id != cycle.pk and not basket.is_empty:
        if not switch:
            raise BasketHoldsAnotherCycle(basket.cycle, basket.num_items)
        basket.flush()
        switched = True

    already = _in_basket(basket, offer)
    wanted = already + quantity
    available = available_quantity(offer)
    if available is not None and wanted > available:
        if available == 0:
            message = _("Sorry, %(title)s is sold out.")
        elif already:
            message = _("Only %(available)s of %(title)s left: you already have %(already)s "
                        "in your basket.")
        else:
            message = _("Only %(available)s of %(title)s left.")
        raise ValidationError(
            message % {"title": title, "available": available, "already": already}
        )
    if wanted > MAX_QUANTITY:
        raise ValidationError(_("At most %(n)s of %(title)s per order.") % {
            "n": MAX_QUANTITY, "title": title})

    if basket.cycle_id != cycle.pk:
        basket.cycle = cycle
        basket.save()
    if not basket.has_strategy:
        basket.strategy = CycleStrategy(cycle=cycle, basket=basket)
    basket.add_product(variant, quantity)
    return Added(title=title, quantity=wanted, switched=switched)

