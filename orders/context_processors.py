"""The mini-basket of every storefront page (oscar/partials/mini_basket.html, in foodhub)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from hubs.models import CycleStatus, OrderCycle

from .shop_views import shop_url as url_of


@dataclass(frozen=True)
class MiniBasket:
    count: int
    total: Decimal
    currency: str
    cycle: object | None  # the basket's order cycle, with its hub
    shop_url: str | None = None  # its shop, while the cycle is open


def _summary(request) -> MiniBasket:
    basket = getattr(request, "basket", None)
    if basket is None or not basket.id:
        return MiniBasket(0, Decimal("0.00"), settings.OSCAR_DEFAULT_CURRENCY, None)
    cycle = None
    if basket.cycle_id:
        cycle = OrderCycle.objects.select_related("hub").filter(pk=basket.cycle_id).first()
        if cycle is not None:
            basket.cycle = cycle  # the strategy prices from it: no second query for it
    # Oscar's lines query and the strategy's two (fees, the lines' offers): a constant
    # number of queries whatever the basket or the cycle holds.
    lines = list(basket.all_lines())
    count = sum(line.quantity for line in lines)
    total = basket.total_incl_tax if basket.is_tax_known else basket.total_excl_tax
    currency = basket.currency or (cycle.hub.currency if cycle else
                                   settings.OSCAR_DEFAULT_CURRENCY)
    shop_url = None
    if cycle is not None and cycle.status == CycleStatus.OPEN:
        shop_url = url_of(cycle)
    return MiniBasket(count, total, currency, cycle, shop_url)


def mini_basket(request):
    """`mini_basket` (count, total, currency, cycle), computed only if a template shows it."""
    return {"mini_basket": SimpleLazyObject(lambda: _summary(request))}
