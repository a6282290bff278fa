"""Oscar's strategy for shoppers: prices and availability come from the basket's order cycle.

A basket belongs to one cycle (`Basket.cycle`, bound when the first product is added from a
hub's shop: `orders.basket_services.basket_add`). Prices come from the hub's price selector
(`hubs.pricing`), so the shop, the basket, the API and invoices show the same numbers. They
are computed per stock record, lazily, and cached for the request: the first price asked
loads the cycle's fees (one query) and the offers of the basket's lines together with the
stock record asked (one query); any other stock record costs one query the first time it is
asked. A request never prices the whole cycle, so its cost does not grow with the cycle.

With an empty basket (no cycle) the default applies (`producers.partner.strategy.Foodhub`):
producer price plus VAT shown, nothing for sale. Once the basket's cycle is no longer open,
its lines are unavailable, so Oscar's basket and checkout refuse them.

The strategy is registered with the partner fork's Selector in `OrdersConfig.ready()`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oscar.apps.partner import strategy
from oscar.core.loading import get_class

from hubs.models import CycleStatus
from hubs.pricing import available_quantity, cycle_item_fees, cycle_offers, cycle_prices
from producers.partner.strategy import OutsideCycle, ProductVatRate

from .services import line_title

TaxInclusiveFixedPrice = get_class("partner.prices", "TaxInclusiveFixedPrice")
FixedPrice = get_class("partner.prices", "FixedPrice")
UnavailablePrice = get_class("partner.prices", "Unavailable")
Available = get_class("partner.availability", "Available")
Unavailable = get_class("partner.availability", "Unavailable")
StockRequiredAvailability = get_class("partner.availability", "StockRequired")


class NotOffered(Unavailable):
    code = "not_offered"
    message = _("Not offered in your basket's order cycle.")

    def is_purchase_permitted(self, quantity):
        return False, _("it is not offered in your basket's order cycle")


class CycleClosed(Unavailable):
    code = "cycle_closed"
    message = _("The order cycle of your basket is closed.")

    def is_purchase_permitted(self, quantity):
        return False, _("the order cycle is closed")


class NoLongerSold(Unavailable):
    code = "no_longer_sold"
    message = _("No longer sold.")

    def is_purchase_permitted(self, quantity):
        return False, _("it is no longer sold")


class CycleStock(StockRequiredAvailability):
    """What is left of an offer in the cycle (stock left and the offer's cap left); a refusal
    names the product, as Oscar's basket form shows the reason alone."""

    def __init__(self, num_available: int, title: str):
        super().__init__(num_available)
        self.title = title

    def is_purchase_permitted(self, quantity):
        if self.num_available <= 0:
            return False, _("%(title)s is sold out") % {"title": self.title}
        if quantity > self.num_available:
            return False, _("only %(n)s of %(title)s left") % {
                "n": self.num_available, "title": self.title}
        return True, ""


class CycleStrategy(strategy.UseFirstStockRecord, ProductVatRate, strategy.Structured):
    """Prices and availability of the basket's cycle (or of `cycle`, when given)."""

    def __init__(self, request=None, cycle=None, basket=None):
        super().__init__(request)
        self._fixed_cycle = cycle
        self._basket = basket
        self._cycle_id = None
        self._reset()

    def _reset(self) -> None:
        self._offers: dict[int, tuple | None] = {}  # stock record id -> (offer, breakdown)
        self._fees = None
        self._primed = False
        self._open = None

    # --- which cycle -----------------------------------------------------------------------

    def basket(self):
        """The basket priced: the one given, else the request's (Oscar loads it lazily)."""
        if self._basket is not None:
            return self._basket
        request = self.request
        if request is None:
            return None
        # While Oscar loads the basket (offers applied to it) it is already cached here.
        basket = getattr(request, "_basket_cache", None)
        if basket is None:
            basket = getattr(request, "basket", None)
        return basket

    @property
    def cycle(self):
        """The cycle prices come from; None for an empty, unbound basket."""
        if self._fixed_cycle is not None:
            cycle = self._fixed_cycle
        else:
            basket = self.basket()
            cycle_id = getattr(basket, "cycle_id", None)
            cycle = basket.cycle if cycle_id else None
        if (cycle.pk if cycle else None) != self._cycle_id:
            self._cycle_id = cycle.pk if cycle else None
            self._reset()
        return cycle

    def cycle_is_open(self) -> bool:
        if self._open is None:
            self._open = self.cycle is not None and self.cycle.status == CycleStatus.OPEN
        return self._open

    # --- the per-request price cache --------------------------------------------------------

    def _basket_stockrecord_ids(self) -> set[int]:
        basket = self.basket()
        if basket is None or not getattr(basket, "id", None):
            return set()
        return {line.stockrecord_id for line in basket.all_lines()}

    def _load(self, stockrecord_ids) -> None:
        cycle = self.cycle
        wanted = {pk for pk in stockrecord_ids if pk is not None}
        if not self._primed:
            # The basket's lines are what most pages of a shopper price: one query for all.
            self._primed = True
            wanted |= self._basket_stockrecord_ids()
        wanted -= set(self._offers)
        if not wanted:
            return
        if self._fees is None:
            self._fees = cycle_item_fees(cycle=cycle)
        offers = list(cycle_offers(cycle=cycle).filter(stockrecord_id__in=wanted).order_by())
        prices = cycle_prices(cycle=cycle, offers=offers, item_fees=self._fees)
        for offer in offers:
            self._offers[offer.stockrecord_id] = (offer, prices[offer.id])
        for pk in wanted:
            self._offers.setdefault(pk, None)

    def offer_for(self, stockrecord):
        """(offer, price breakdown) of the stock record in the cycle, or None."""
        if stockrecord is None or self.cycle is None:
            return None
        if stockrecord.pk not in self._offers:
            self._load([stockrecord.pk])
        return self._offers.get(stockrecord.pk)

    # --- Oscar's policies -------------------------------------------------------------------

    def pricing_policy(self, product, stockrecord):
        if self.cycle is None:
            return super().pricing_policy(product, stockrecord)
        found = self.offer_for(stockrecord)
        if found is None:
            return UnavailablePrice()
        _offer, breakdown = found
        return TaxInclusiveFixedPrice(
            currency=stockrecord.price_currency,
            excl_tax=breakdown.total_excl_tax,
            tax=breakdown.total_tax,
        )

    def parent_pricing_policy(self, product, children_stock):
        if self.cycle is None:
            return super().parent_pricing_policy(product, children_stock)
        self._load(sr.pk for _child, sr in children_stock if sr is not None)
        offered = [
            (found[1], sr) for _child, sr in children_stock
            if sr is not None and (found := self._offers.get(sr.pk)) is not None
        ]
        if not offered:
            return UnavailablePrice()
        # The "from" price: the cheapest size offered, as the shop lists it.
        breakdown, stockrecord = min(offered, key=lambda pair: pair[0].total_incl_tax)
        return FixedPrice(
            currency=stockrecord.price_currency,
            excl_tax=breakdown.total_excl_tax,
            tax=breakdown.total_tax,
        )

    def availability_policy(self, product, stockrecord):
        if self.cycle is None:
            return OutsideCycle()
        found = self.offer_for(stockrecord)
        if found is None:
            return NotOffered()
        if not self.cycle_is_open():
            return CycleClosed()
        offer, _breakdown = found
        variant = offer.stockrecord.product
        if variant.archived_at is not None or (
            variant.parent is not None and variant.parent.archived_at is not None
        ):
            return NoLongerSold()
        available = available_quantity(offer)
        if available is None:
            return Available()
        return CycleStock(available, line_title(offer))

    def parent_availability_policy(self, product, children_stock):
        if self.cycle is None:
            return OutsideCycle()
        self._load(sr.pk for _child, sr in children_stock if sr is not None)
        policies = [self.availability_policy(child, sr) for child, sr in children_stock]
        if any(policy.is_available_to_buy for policy in policies):
            return Available()
        return policies[0] if policies else NotOffered()


def cycle_strategy(request=None, user=None, **kwargs):
    """Strategy provider: a request's prices come from its basket's cycle (resolved only when
    a price is asked); without a request, the default applies."""
    if request is None:
        return None
    return CycleStrategy(request)
