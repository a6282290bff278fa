"""The processing of a closed cycle, for its hub's managers (mounted under
/hub/<slug>/cycles/<id>/, beside the cycle's orders): the progress (a page, and the JSON the
cycle page's bar polls), "Retry", the cycle's invoices and purchase orders with their
downloads. Another hub's manager gets a 404 (`hub_for_manager`); a download answers 404 to
anyone without the right, anonymous visitors included (no login page hints it exists)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from producers.private_files import private_file_response

from . import processing
from .hub_views import _cycle, _render
from .processing_selectors import (
    FORMATS,
    cycle_invoice,
    cycle_invoices,
    cycle_purchase_order,
    cycle_purchase_orders,
    processing_overview,
)

INVOICES_PER_PAGE = 50


@login_required
def cycle_processing(request, slug: str, cycle_id: int):
    """Progress, what blocks it and "Retry", the invoices (50 a page) and the purchase
    orders; a constant number of queries however many invoices."""
    hub, cycle = _cycle(request, slug, cycle_id)
    page = Paginator(cycle_invoices(cycle=cycle), INVOICES_PER_PAGE).get_page(
        request.GET.get("page"))
    return _render(request, hub, "orders/hub/cycle_processing.html", {
        "cycle": cycle, "overview": processing_overview(cycle=cycle),
        "page": page, "invoices": list(page),
        "page_range": page.paginator.get_elided_page_range(page.number),
        "purchase_orders": cycle_purchase_orders(cycle=cycle),
    })


@login_required
@require_GET
def cycle_processing_status(request, slug: str, cycle_id: int):
    """`{state, state_label, done, total, percent, message, active}`: what the bar polls."""
    _hub, cycle = _cycle(request, slug, cycle_id)
    response = JsonResponse(processing_overview(cycle=cycle).as_json())
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def cycle_processing_retry(request, slug: str, cycle_id: int):
    hub, cycle = _cycle(request, slug, cycle_id)
    if processing.processing_retry(cycle=cycle):
        messages.success(request, _("Processing started again."))
    else:
        messages.info(request, _("There is nothing to retry: this cycle's processing is done "
                                 "or has not started."))
    return redirect("orders_hub:cycle-processing", slug=hub.slug, cycle_id=cycle.pk)


@require_GET
def invoice_pdf(request, slug: str, cycle_id: int, invoice_id: int):
    """An invoice or credit note of the cycle as PDF, for the hub's managers."""
    _hub, cycle = _cycle(request, slug, cycle_id)
    invoice = cycle_invoice(cycle=cycle, invoice_id=invoice_id)
    if not invoice.pdf_rendered_at:
        raise Http404
    return private_file_response(invoice.pdf, invoice.filename)


def purchase_order_response(purchase_order, fmt: str):
    """A purchase order's PDF or CSV as a download (404 for another format, or before the
    file is written)."""
    if fmt not in FORMATS:
        raise Http404
    return private_file_response(getattr(purchase_order, fmt), f"{purchase_order.number}.{fmt}")


@require_GET
def purchase_order_file(request, slug: str, cycle_id: int, purchase_order_id: int, fmt: str):
    _hub, cycle = _cycle(request, slug, cycle_id)
    return purchase_order_response(
        cycle_purchase_order(cycle=cycle, purchase_order_id=purchase_order_id), fmt)
