"""Oscar's pricing strategy (`partner.strategy.Selector`, loaded by Oscar from this fork).

Nothing is sold outside an open order cycle: by default a product shows its producer price
plus the product's VAT but cannot be bought (`Foodhub`). A higher package decides otherwise
for some requests (orders: the basket's order cycle) by registering a strategy provider in
its AppConfig.ready(): producers may not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from oscar.apps.partner import strategy
from oscar.core.loading import get_class

from producers.money import round_money

TaxInclusiveFixedPrice = get_class("partner.prices", "TaxInclusiveFixedPrice")
FixedPrice = get_class("partner.prices", "FixedPrice")
UnavailablePrice = get_class("partner.prices", "Unavailable")
Unavailable = get_class("partner.availability", "Unavailable")


class OutsideCycle(Unavailable):
    """Browsable, not for sale: products are bought in a hub's shop while a cycle is open."""

    code = "outside_cycle"
    message = _("Order it from a hub's shop while an order cycle is open.")

    @property
    def short_message(self):
        return _("Not available to buy")

    def is_purchase_permitted(self, quantity):
        return False, _("products are sold only in the open order cycles of hubs")


class OnlyInCycles:
    """Availability policy: nothing is sold outside an open order cycle."""

    def availability_policy(self, product, stockrecord):
        return OutsideCycle()

    def parent_availability_policy(self, product, children_stock):
        return OutsideCycle()


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


class Foodhub(strategy.UseFirstStockRecord, OnlyInCycles, ProductVatRate, strategy.Structured):
    """First stock record (one per producer), producer price plus VAT shown, not for sale."""


# provider(request=..., user=..., **kwargs) -> a strategy, or None to leave the request alone.
StrategyProvider = Callable[..., strategy.Structured | None]
_providers: list[StrategyProvider] = []


def register_strategy_provider(provider: StrategyProvider) -> None:
    """Let a higher package choose the strategy of some requests (idempotent registration).

    The first provider returning a strategy wins; when none does, `Foodhub` applies."""
    if provider not in _providers:
        _providers.append(provider)


class Selector:
    """Oscar asks it for the strategy of each request (BasketMiddleware, catalogue, API)."""

    def strategy(self, request=None, user=None, **kwargs):
        for provider in _providers:
            chosen = provider(request=request, user=user, **kwargs)
            if chosen is not None:
                return chosen
        return Foodhub(request)
