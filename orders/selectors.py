"""Reads over orders placed in cycles: a cycle's order figures, a producer's sales and what it
has to prepare."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from hubs.models import OrderCycle
from hubs.selectors import CycleFigures
from producers.models import Producer

Line = get_model("order", "Line")
Order = get_model("order", "Order")
Surcharge = get_model("order", "Surcharge")

CANCELLED = "cancelled"

JUST_CLOSED = dt.timedelta(days=7)


def cycle_order_figures(cycle_ids: Iterable[int]) -> dict[int, CycleFigures]:
    """Number of orders and revenue (incl. VAT) per cycle, for cycles with orders: one query.

    Registered with `hubs.selectors.register_cycle_figures` (hubs may not read orders)."""
    rows = (
        Order.objects.filter(cycle_id__in=list(cycle_ids))
        .exclude(status=CANCELLED)
        .values("cycle_id")
        .annotate(order_count=Count("pk"), revenue=Sum("total_incl_tax"))
        .order_by()
    )
    return {
        row["cycle_id"]: CycleFigures(row["order_count"], row["revenue"] or Decimal("0"))
        for row in rows
    }


def _producer_lines(producer: Producer) -> QuerySet:
    return Line.objects.filter(
        partner_id=producer.partner_id, order__cycle__isnull=False
    ).exclude(order__status=CANCELLED)


def producer_sales_by_cycle(*, producer: Producer, limit: int = 12) -> list[dict]:
    """Quantities and sales (excl. VAT) of a producer per cycle, newest first: one query."""
    rows = (
        _producer_lines(producer)
        .values(
            cycle_id=F("order__cycle_id"),
            cycle_name=F("order__cycle__name"),
            hub_name=F("order__cycle__hub__name"),
            hub_time_zone=F("order__cycle__hub__time_zone"),
            closes_at=F("order__cycle__closes_at"),
        )
        .annotate(quantity=Sum("quantity"), revenue=Sum("line_price_excl_tax"))
        .order_by("-closes_at")[:limit]
    )
    return list(rows)


def producer_to_prepare(*, producer: Producer, now=None) -> list[dict]:
    """Quantities already ordered per product in open and just-closed cycles: one query."""
    now = now or timezone.now()
    recent = Q(order__cycle__closes_at__gt=now - JUST_CLOSED,
               order__cycle__published_at__isnull=False)
    rows = (
        _producer_lines(producer)
        .filter(recent)
        .filter(order__cycle__processed_at=None)
        .values(
            cycle_id=F("order__cycle_id"),
            cycle_name=F("order__cycle__name"),
            hub_name=F("order__cycle__hub__name"),
            hub_time_zone=F("order__cycle__hub__time_zone"),
            closes_at=F("order__cycle__closes_at"),
            sku=F("partner_sku"),
            product_title=F("title"),
        )
        .annotate(quantity=Sum("quantity"))
        .order_by("closes_at", "cycle_id", "product_title", "sku")
    )
    return list(rows)


def _orders_with_everything():
    return Order.objects.select_related(
        "cycle__hub", "pickup_window__pickup_point", "pickup_window__delivery_zone",
        "delivery_zone", "payment_method", "user",
    ).prefetch_related("lines", "surcharges")


def order_detail(*, order_id: int):
    """One order with its cycle, hub, window, lines and charges, and `vat_by_rate` (from the
    stored breakdowns): what confirmation pages, e-mails and the API show."""
    from .services import order_totals_by_rate

    order = _orders_with_everything().get(pk=order_id)
    order.vat_by_rate = order_totals_by_rate(order)
    return order


def shopper_orders(*, user):
    """A signed-in shopper's orders across hubs, newest first."""
    return _orders_with_everything().filter(user=user).order_by("-date_placed", "-pk")


# --- fair share: where each euro of a cycle went ------------------------------------------------

FAIR_SHARE_PARTS = {
    "producers": _("Producers"),
    "markup": _("Hub markup"),
    "fees": _("Fees"),
    "vat": _("VAT"),
}
ZERO = Decimal("0.00")
TENTH = Decimal("0.1")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _times_quantity(column: str) -> Sum:
    return Sum(F(column) * F("quantity"), output_field=_MONEY)


def _shares(amounts: dict[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    """Percentages to one decimal that add up to exactly 100.0 (largest remainders get the
    tenths left over by rounding down); all zero when nothing was paid."""
    if total <= 0:
        return dict.fromkeys(amounts, Decimal("0.0"))
    tenths = {key: amount * 1000 / total for key, amount in amounts.items()}
    floors = {key: math.floor(value) for key, value in tenths.items()}
    left = 1000 - sum(floors.values())
    for key in sorted(tenths, key=lambda k: floors[k] - tenths[k])[:max(left, 0)]:
        floors[key] += 1
    return {key: (Decimal(value) / 10).quantize(TENTH) for key, value in floors.items()}


def cycle_fair_share(*, cycle: OrderCycle) -> dict:
    """Of every euro shoppers paid in a cycle (cancelled orders left out): how much went to the
    producers, the hub's markup, fees (per item and per order, delivery included) and VAT.

    Summed in SQL from what each order stored when it was charged (the lines' unit breakdown
    times quantity, the per-order charges), so it matches the breakdowns shoppers saw; three
    queries. Returns {"cycle", "currency", "order_count", "total", "amounts": {part: amount},
    "shares": {part: percent}, "parts": [{"key", "label", "amount", "share"}]}, the shares
    adding up to 100 % when anything was paid.
    """
    lines = Line.objects.filter(order__cycle=cycle).exclude(order__status=CANCELLED)
    goods = lines.aggregate(
        producers=_times_quantity("unit_producer_price"),
        markup=_times_quantity("unit_markup"),
        fees=_times_quantity("unit_fees"),
        vat=_times_quantity("unit_tax"),
    )
    charges = (
        Surcharge.objects.filter(order__cycle=cycle).exclude(order__status=CANCELLED)
        .aggregate(excl=Sum("excl_tax"), incl=Sum("incl_tax"))
    )
    order_count = Order.objects.filter(cycle=cycle).exclude(status=CANCELLED).count()
    charges_excl = charges["excl"] or ZERO
    charges_tax = (charges["incl"] or ZERO) - charges_excl
    amounts = {
        "producers": goods["producers"] or ZERO,
        "markup": goods["markup"] or ZERO,
        "fees": (goods["fees"] or ZERO) + charges_excl,
        "vat": (goods["vat"] or ZERO) + charges_tax,
    }
    total = sum(amounts.values(), ZERO)
    shares = _shares(amounts, total)
    return {
        "cycle": cycle,
        "currency": cycle.hub.currency,
        "order_count": order_count,
        "total": total,
        "amounts": amounts,
        "shares": shares,
        "parts": [
            {"key": key, "label": label, "amount": amounts[key], "share": shares[key]}
            for key, label in FAIR_SHARE_PARTS.items()
        ],
    }


def hub_last_processed_fair_share(*, hub) -> dict | None:
    """The fair share of the hub's most recently processed cycle, or None if none is."""
    cycle = (
        OrderCycle.objects.filter(hub=hub, processed_at__isnull=False)
        .select_related("hub").order_by("-processed_at", "-pk").first()
    )
    return cycle_fair_share(cycle=cycle) if cycle is not None else None
