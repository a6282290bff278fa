"""Reads over orders placed in cycles: a cycle's order figures, a producer's sales and what it
has to prepare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.selectors import CycleFigures
from producers.models import Producer

from .models import CycleOrder

Line = get_model("order", "Line")

JUST_CLOSED = dt.timedelta(days=7)


def cycle_order_figures(cycle_ids: Iterable[int]) -> dict[int, CycleFigures]:
    """Number of orders and revenue (incl. VAT) per cycle, for cycles with orders: one query.

    Registered with `hubs.selectors.register_cycle_figures` (hubs may not read orders)."""
    rows = (
        CycleOrder.objects.filter(cycle_id__in=list(cycle_ids))
        .values("cycle_id")
        .annotate(order_count=Count("pk"), revenue=Sum("order__total_incl_tax"))
        .order_by()
    )
    return {
        row["cycle_id"]: CycleFigures(row["order_count"], row["revenue"] or Decimal("0"))
        for row in rows
    }


def _producer_lines(producer: Producer) -> QuerySet:
    return Line.objects.filter(partner_id=producer.partner_id, order__cycle_link__isnull=False)


def producer_sales_by_cycle(*, producer: Producer, limit: int = 12) -> list[dict]:
    """Quantities and sales (excl. VAT) of a producer per cycle, newest first: one query."""
    rows = (
        _producer_lines(producer)
        .values(
            cycle_id=F("order__cycle_link__cycle_id"),
            cycle_name=F("order__cycle_link__cycle__name"),
            hub_name=F("order__cycle_link__cycle__hub__name"),
            hub_time_zone=F("order__cycle_link__cycle__hub__time_zone"),
            closes_at=F("order__cycle_link__cycle__closes_at"),
        )
        .annotate(quantity=Sum("quantity"), revenue=Sum("line_price_excl_tax"))
        .order_by("-closes_at")[:limit]
    )
    return list(rows)


def producer_to_prepare(*, producer: Producer, now=None) -> list[dict]:
    """Quantities already ordered per product in open and just-closed cycles: one query."""
    now = now or timezone.now()
    recent = Q(order__cycle_link__cycle__closes_at__gt=now - JUST_CLOSED,
               order__cycle_link__cycle__published_at__isnull=False)
    rows = (
        _producer_lines(producer)
        .filter(recent)
        .filter(order__cycle_link__cycle__processed_at=None)
        .values(
            cycle_id=F("order__cycle_link__cycle_id"),
            cycle_name=F("order__cycle_link__cycle__name"),
            hub_name=F("order__cycle_link__cycle__hub__name"),
            hub_time_zone=F("order__cycle_link__cycle__hub__time_zone"),
            closes_at=F("order__cycle_link__cycle__closes_at"),
            sku=F("partner_sku"),
            product_title=F("title"),
        )
        .annotate(quantity=Sum("quantity"))
        .order_by("closes_at", "cycle_id", "product_title", "sku")
    )
    return list(rows)
