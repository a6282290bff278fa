"""Shopping in an order cycle: Oscar's strategy for shoppers who chose a cycle.

Prices come from the hub's price selector (`hubs.pricing`), so the shop, the API and invoices
show the same numbers; products not offered in the cycle cannot be bought. The strategy is
registered with the partner fork's Selector (`producers.partner.strategy`) in
`OrdersConfig.ready()`; outside a cycle the Selector's default (producer price plus VAT) applies.
"""

from __future__ import annotations

from oscar.apps.partner import strategy
from oscar.core.loading import get_class

from hubs.models import CycleStatus, OrderCycle
from hubs.pricing import cycle_offers, cycle_prices
from producers.partner.strategy import OnDemandOrStockRequired

TaxInclusiveFixedPrice = get_class("partner.prices", "TaxInclusiveFixedPrice")
FixedPrice = get_class("partner.prices", "FixedPrice")
UnavailablePrice = get_class("partner.prices", "Unavailable")
Unavailable = get_class("partner.availability", "Unavailable")


class CyclePricing:
    """Pricing policy: the cycle's price breakdown (producer price, markup, fees, VAT)."""

    def __init__(self, request=None, cycle=None):
        super().__init__(request)
        self.cycle = cycle
        self._by_stockrecord = None

    def offered(self) -> dict:
        """stock record id -> price breakdown, computed once per request (two queries)."""
        if self._by_stockrecord is None:
            offers = list(cycle_offers(cycle=self.cycle))
            prices = cycle_prices(cycle=self.cycle, offers=offers)
            self._by_stockrecord = {o.stockrecord_id: prices[o.id] for o in offers}
        return self._by_stockrecord

    def pricing_policy(self, product, stockrecord):
        breakdown = self.offered().get(stockrecord.pk) if stockrecord else None
        if breakdown is None:
            return UnavailablePrice()
        return TaxInclusiveFixedPrice(
            currency=stockrecord.price_currency,
            excl_tax=breakdown.total_excl_tax,
            tax=breakdown.total_tax,
        )

    def parent_pricing_policy(self, product, children_stock):
        offered = self.offered()
        for _child, stockrecord in children_stock:
            if stockrecord is not None and stockrecord.pk in offered:
                breakdown = offered[stockrecord.pk]
                return FixedPrice(
                    currency=stockrecord.price_currency,
                    excl_tax=breakdown.total_excl_tax,
                    tax=breakdown.total_tax,
                )
        return UnavailablePrice()

    def availability_policy(self, product, stockrecord):
        if stockrecord is None or stockrecord.pk not in self.offered():
            return Unavailable()
        return super().availability_policy(product, stockrecord)


class CycleStrategy(
    CyclePricing, strategy.UseFirstStockRecord, OnDemandOrStockRequired, strategy.Structured
):
    """Shopping in an order cycle: the cycle's prices, only its offered products."""


SESSION_KEY = "order_cycle_id"


def current_cycle(request):
    """The open cycle the shopper chose (kept in the session), or None."""
    if request is None or not hasattr(request, "session"):
        return None
    cycle_id = request.session.get(SESSION_KEY)
    if not cycle_id:
        return None
    cycle = OrderCycle.objects.select_related("hub").filter(pk=cycle_id).first()
    if cycle is None or cycle.status != CycleStatus.OPEN:
        return None
    return cycle


def cycle_strategy(request=None, user=None, **kwargs):
    """Strategy provider: the cycle's strategy when the shopper shops in an open cycle."""
    cycle = current_cycle(request)
    if cycle is None:
        return None
    return CycleStrategy(request, cycle=cycle)
