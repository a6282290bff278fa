"""The price selector: one place computes what a shopper pays for a variant in a cycle, and
its breakdown. Pages, the API and invoices all read it, so their numbers cannot disagree.

Order of operations (see docs/pricing.md, whose worked example a test checks):

1. producer price P: the producer's price excl. VAT (the stock record).
2. hub markup M: if the offer has a hub price override H, M = H - P; otherwise
   M = round(P × m / 100) with m the offer's markup %, else the supplier's, else the cycle's.
3. per-item fees F_i: a percentage fee is round(P × pct / 100); a flat fee is its amount.
4. VAT: the goods (P + M) at the product's rate: round((P + M) × rate / 100); each fee at its
   own rate: round(F_i × rate_i / 100). VAT amounts are grouped by rate.
5. total incl. VAT = P + M + ΣF_i + ΣVAT.

`round` is `producers.money.round_money` (to the cent, halves away from zero), applied to
each amount once, so the parts always add up exactly to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from producers.money import round_money

from .models import CycleFee, CycleOffer, OrderCycle

HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FeeLine:
    name: str
    type: str
    amount: Decimal
    vat_rate: Decimal


@dataclass
class PriceBreakdown:
    producer_price: Decimal
    markup: Decimal
    fees: list[FeeLine] = field(default_factory=list)
    vat: dict[Decimal, Decimal] = field(default_factory=dict)  # rate -> amount

    @property
    def total_excl_tax(self) -> Decimal:
        return self.producer_price + self.markup + sum((f.amount for f in self.fees), ZERO)

    @property
    def total_tax(self) -> Decimal:
        return sum(self.vat.values(), ZERO)

    @property
    def total_incl_tax(self) -> Decimal:
        return self.total_excl_tax + self.total_tax

    def as_dict(self) -> dict:
        """The API shape: decimal strings, fees and VAT lines in a stable order."""
        return {
            "producer_price": f"{self.producer_price:.2f}",
            "markup": f"{self.markup:.2f}",
            "fees": [
                {"name": f.name, "type": f.type, "amount": f"{f.amount:.2f}",
                 "vat_rate": _rate(Decimal(f.vat_rate))}
                for f in self.fees
            ],
            "vat": [
                {"rate": _rate(rate), "amount": f"{amount:.2f}"}
                for rate, amount in sorted(self.vat.items())
            ],
            "total_incl_tax": f"{self.total_incl_tax:.2f}",
        }


def _rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def price_breakdown(
    *, producer_price: Decimal, vat_rate: Decimal, markup_percent: Decimal,
    hub_price: Decimal | None, item_fees: list[CycleFee],
) -> PriceBreakdown:
    """The shopper price of one item from its inputs (the single rule, no database)."""
    producer_price = round_money(producer_price)
    if hub_price is not None:
        markup = round_money(hub_price) - producer_price
    else:
        markup = round_money(producer_price * markup_percent / HUNDRED)
    fees = []
    for fee in item_fees:
        if fee.kind == CycleFee.Kind.PER_ITEM_PERCENT:
            amount = round_money(producer_price * fee.amount / HUNDRED)
        elif fee.kind == CycleFee.Kind.PER_ITEM_FLAT:
            amount = round_money(fee.amount)
        else:
            continue  # per-order fees are added to the order, not to each item
        fees.append(FeeLine(name=fee.name, type=fee.kind, amount=amount, vat_rate=fee.vat_rate))
    vat: dict[Decimal, Decimal] = {}
    goods_rate = Decimal(vat_rate).normalize()
    vat[goods_rate] = round_money((producer_price + markup) * vat_rate / HUNDRED)
    for fee in fees:
        rate = Decimal(fee.vat_rate).normalize()
        vat[rate] = vat.get(rate, ZERO) + round_money(fee.amount * fee.vat_rate / HUNDRED)
    return PriceBreakdown(producer_price=producer_price, markup=markup, fees=fees, vat=vat)


def _markup_percent(offer: CycleOffer, cycle: OrderCycle) -> Decimal:
    if offer.markup_percent is not None:
        return offer.markup_percent
    if offer.supplier.markup_percent is not None:
        return offer.supplier.markup_percent
    return cycle.markup_percent


def cycle_offers(*, cycle: OrderCycle):
    """A cycle's offers with everything pricing and listing need, in one query."""
    return (
        CycleOffer.objects.filter(cycle=cycle)
        .select_related(
            "supplier__producer", "stockrecord__product__parent", "stockrecord__partner"
        )
        .order_by("supplier__producer__name", "stockrecord__product__parent__title",
                  "stockrecord__product__unit_value", "id")
    )


def cycle_item_fees(*, cycle: OrderCycle) -> list[CycleFee]:
    """The cycle's per-item fees (one query), for callers that price in several batches."""
    return [
        fee for fee in CycleFee.objects.filter(cycle=cycle)
        if fee.kind != CycleFee.Kind.PER_ORDER_FLAT
    ]


def cycle_prices(
    *, cycle: OrderCycle, offers=None, item_fees: list[CycleFee] | None = None
) -> dict[int, PriceBreakdown]:
    """Price breakdowns of the given offers of a cycle (default: all of them), keyed by offer
    id: two queries in all (the offers with their variants, the fees; none for the fees when
    `item_fees` from `cycle_item_fees` is given), whatever the number of products."""
    offers = list(offers if offers is not None else cycle_offers(cycle=cycle))
    if item_fees is None:
        item_fees = cycle_item_fees(cycle=cycle)
    prices = {}
    for offer in offers:
        variant = offer.stockrecord.product
        prices[offer.id] = price_breakdown(
            producer_price=offer.stockrecord.price,
            vat_rate=variant.vat_rate if variant.vat_rate is not None
            else (variant.parent.vat_rate if variant.parent else Decimal("0")),
            markup_percent=_markup_percent(offer, cycle),
            hub_price=offer.hub_price,
            item_fees=item_fees,
        )
    return prices


@dataclass(frozen=True)
class OrderFee:
    """A per-order charge (a per-order fee of the cycle, or the delivery zone's fee)."""

    name: str
    code: str
    excl_tax: Decimal
    vat_rate: Decimal

    @property
    def tax(self) -> Decimal:
        return round_money(self.excl_tax * self.vat_rate / HUNDRED)

    @property
    def incl_tax(self) -> Decimal:
        return self.excl_tax + self.tax


def order_fees(*, cycle: OrderCycle, delivery_zone=None) -> list[OrderFee]:
    """Per-order fees an order of `cycle` pays: the cycle's per-order fees (those tied to a
    delivery zone only for deliveries there), then the zone's delivery fee. One query."""
    fees = []
    for fee in CycleFee.objects.filter(cycle=cycle, kind=CycleFee.Kind.PER_ORDER_FLAT):
        if fee.delivery_zone_id is not None and (
            delivery_zone is None or fee.delivery_zone_id != delivery_zone.pk
        ):
            continue
        fees.append(OrderFee(name=fee.name, code=f"fee-{fee.pk}",
                             excl_tax=round_money(fee.amount), vat_rate=fee.vat_rate))
    if delivery_zone is not None and delivery_zone.fee:
        fees.append(OrderFee(name=delivery_zone.name, code=f"delivery-{delivery_zone.pk}",
                             excl_tax=round_money(delivery_zone.fee),
                             vat_rate=delivery_zone.fee_vat_rate))
    return fees


def offers_available_q() -> Q:
    """`available_quantity(offer) != 0` as a filter on CycleOffer rows, in SQL."""
    on_demand = Q(stockrecord__product__on_demand=True) | Q(
        stockrecord__product__parent__on_demand=True
    )
    stock_left = Q(stockrecord__num_in_stock__gt=Coalesce(F("stockrecord__num_allocated"), 0))
    cap_left = Q(cap__isnull=True) | Q(cap__gt=F("num_allocated"))
    return (on_demand | stock_left) & cap_left


def available_quantity(offer: CycleOffer) -> int | None:
    """Units a shopper can still order: stock left (stock − allocated) and the cap left,
    whichever is lower; None when unlimited (on demand, no cap). Needs the offer loaded with
    `cycle_offers` (stock record, variant and parent)."""
    stockrecord = offer.stockrecord
    variant = stockrecord.product
    on_demand = variant.on_demand or (variant.parent is not None and variant.parent.on_demand)
    limits = []
    if not on_demand:
        limits.append(max((stockrecord.num_in_stock or 0) - (stockrecord.num_allocated or 0), 0))
    if offer.cap is not None:
        limits.append(max(offer.cap - offer.num_allocated, 0))
    return min(limits) if limits else None
