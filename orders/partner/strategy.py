"""Foodhub's Oscar pricing strategies.

- Shopping in an order cycle (the session names it): prices come from the hub's price
  selector (`hubs.pricing`), so the shop, the API and invoices show the same numbers; products
  not offered in the cycle cannot be bought.
- Outside a cycle (browsing the catalogue): the producer price plus the product's VAT.
"""

from decimal import Decimal

from oscar.apps.partner import strategy
from oscar.core.loading import get_class

from hubs.models import CycleStatus, OrderCycle
from hubs.pricing import cycle_offers, cycle_prices
from producers.money import round_money

TaxInclusiveFixedPrice = get_class("partner.prices", "TaxInclusiveFixedPrice")
FixedPrice = get_class("partner.prices", "FixedPrice")
UnavailablePrice = get_class("partner.prices", "Unavailable")
Available = get_class("partner.availability", "Available")
Unavailable = get_class("partner.availability", "Unavailable")


class OnDemandOrStockRequired(strategy.StockRequired):
    """Archived products cannot be bought; on-demand ones can whatever their stock level."""

    def availability_policy(self, product, stockrecord):
        if product.archived_at is not None:
            return Unavailable()
        if product.on_demand and stockrecord is not None:
            return Available()
        return super().availability_policy(product, stockrecord)


class ProductVatRate:
    """Pricing policy: VAT at the product's rate, rounded by the project's one money rule."""

    def _tax(self, product, stockrecord) -> Decimal:
        rate = product.get_vat_rate() / Decimal("100")
        return round_money(stockrecord.price * rate)

    def pricing_policy(self, product, stockrecord):
        if not stockrecord or stockrecord.price is None:
            return UnavailablePrice()
        return TaxInclusiveFixedPrice(
            currency=stockrecord.price_currency,
            excl_tax=stockrecord.price,
            tax=self._tax(product, stockrecord),
        )

    def parent_pricing_policy(self, product, children_stock):
        stockrecords = [sr for _child, sr in children_stock if sr is not None]
        if not stockrecords:
            return UnavailablePrice()
        stockrecord = stockrecords[0]
        return FixedPrice(
            currency=stockrecord.price_currency,
            excl_tax=stockrecord.price,
            tax=self._tax(product, stockrecord),
        )


class Foodhub(
    strategy.UseFirstStockRecord, OnDemandOrStockRequired, ProductVatRate, strategy.Structured
):
    """First stock record (one per producer), stock required unless on demand, product VAT."""


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


class Selector:
    def strategy(self, request=None, user=None, **kwargs):
        cycle = current_cycle(request)
        if cycle is not None:
            return CycleStrategy(request, cycle=cycle)
        return Foodhub(request)
