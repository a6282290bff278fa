"""Oscar's pricing strategy (`partner.strategy.Selector`, loaded by Oscar from this fork).

By default a product sells at its producer price plus the product's VAT. A higher package
decides otherwise for some requests (orders: shopping in an order cycle) by registering a
strategy provider in its AppConfig.ready(): producers may not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from oscar.apps.partner import strategy
from oscar.core.loading import get_class

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
