"""Producer pages over orders (sales per cycle, what to prepare). They live in orders because
producers must not depend on orders; they are mounted under /producer/<slug>/."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from producers.selectors import memberships_for_user, producer_for_member

from .processing_selectors import producer_purchase_order, producer_purchase_orders
from .processing_views import purchase_order_response
from .selectors import producer_sales_by_cycle, producer_to_prepare

PURCHASE_ORDERS_PER_PAGE = 50

CHART_HEIGHT = 160


def _context(request, producer, section: str) -> dict:
    return {"producer": producer, "section": section,
            "my_producers": memberships_for_user(request.user)}


def _bars(rows: list[dict]) -> list[dict]:
    """Bar heights (px) of the sales chart, oldest cycle on the left."""
    top = max((row["revenue"] or Decimal("0") for row in rows), default=Decimal("0"))
    bars = []
    for index, row in enumerate(reversed(rows)):
        revenue = row["revenue"] or Decimal("0")
        height = int(CHART_HEIGHT * revenue / top) if top else 0
        bars.append({**row, "x": 10 + index * 60, "height": height,
                     "y": CHART_HEIGHT - height + 10})
    return bars


@login_required
def sales(request, slug: str):
    """Quantities and sales per order cycle, as a table and a bar chart."""
    producer = producer_for_member(user=request.user, slug=slug)
    rows = producer_sales_by_cycle(producer=producer)
    return render(request, "orders/producer_sales.html", _context(request, producer, "sales") | {
        "rows": rows, "bars": _bars(rows), "chart_width": 20 + 60 * len(rows),
        "chart_height": CHART_HEIGHT + 40,
    })


@login_required
def prepare(request, slug: str):
    """What has been ordered so far in open and just-closed cycles, per product."""
    producer = producer_for_member(user=request.user, slug=slug)
    rows = producer_to_prepare(producer=producer)
    return render(request, "orders/producer_prepare.html",
                  _context(request, producer, "prepare") | {"rows": rows})


@login_required
def purchase_orders(request, slug: str):
    """The producer's purchase orders (what to bring to each hub), newest first, with their
    PDF and CSV: 50 a page, a constant number of queries."""
    producer = producer_for_member(user=request.user, slug=slug)
    page = Paginator(producer_purchase_orders(producer=producer),
                     PURCHASE_ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/producer_purchase_orders.html",
                  _context(request, producer, "purchase-orders") | {
                      "page": page, "purchase_orders": list(page)})


@require_GET
def purchase_order_file(request, slug: str, purchase_order_id: int, fmt: str):
    """One of the producer's purchase orders as PDF or CSV; 404 for anyone else's (and for
    anonymous visitors: no login page hints that it exists)."""
    producer = producer_for_member(user=request.user, slug=slug)
    return purchase_order_response(
        producer_purchase_order(producer=producer, purchase_order_id=purchase_order_id), fmt)
