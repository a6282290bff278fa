"""Reads over orders placed in cycles: a cycle's order figures, a producer's sales and what it
has to prepare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.models import OrderCycle
from hubs.selectors import CycleFigures, cycles_visible_to
from producers.models import Producer

Line = get_model("order", "Line")
Order = get_model("order", "Order")

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


def cycle_orders(*, cycle, status: str = "", window_id: int | None = None):
    """A cycle's orders for its hub's managers, newest first, optionally of one status or
    pickup/delivery window; with everything the order list shows (a constant query count)."""
    qs = _orders_with_everything().filter(cycle=cycle)
    if status:
        qs = qs.filter(status=status)
    if window_id is not None:
        qs = qs.filter(pickup_window_id=window_id)
    return qs.order_by("-date_placed", "-pk")


def cycle_named_to(*, user, cycle_id: int) -> bool:
    """Whether a shopper may learn that this cycle exists (and its name, in an error): a
    published cycle of a visible hub, or one the user may read anyway (their hub's)."""
    published = OrderCycle.objects.filter(
        pk=cycle_id, published_at__isnull=False, hub__is_visible=True
    )
    return published.exists() or cycles_visible_to(user).filter(pk=cycle_id).exists()
