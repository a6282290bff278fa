"""Hub managers' pages over a cycle's orders (mounted under /hub/<slug>/cycles/<id>/orders/;
they live in orders because hubs may not read orders): the list with filters and totals,
an order's detail with its audit trail, and changes made by the hub. A manager of another
hub gets a 404, like for every hub page (`hubs.selectors.hub_for_manager`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hubs.models import CycleWindow, OrderCycle, PickupPoint
from hubs.selectors import hub_for_manager
from producers.private_files import private_file_response

from . import invoice_documents, invoicing, order_pages
from .forms import CorrectionForm, CycleOrderFilterForm
from .selectors import (
    cycle_invoice,
    cycle_order,
    cycle_order_rows,
    cycle_order_totals,
    cycle_orders,
    order_change_refusal,
    order_invoices,
)

ORDERS_PER_PAGE = 50


def _cycle(request, slug: str, cycle_id: int):
    hub = hub_for_manager(user=request.user, slug=slug)
    return hub, get_object_or_404(OrderCycle, pk=cycle_id, hub=hub)


def _render(request, hub, template: str, context: dict):
    with timezone.override(hub.time_zone):
        return render(request, template, {"hub": hub, **context})


@login_required
def cycle_orders_page(request, slug: str, cycle_id: int):
    """The cycle's orders, filtered and searched, 50 a page, with totals summed in the
    database: a constant number of queries however many orders."""
    hub, cycle = _cycle(request, slug, cycle_id)
    windows = list(CycleWindow.objects.filter(cycle=cycle).select_related(
        "pickup_point", "delivery_zone"))
    points = list(PickupPoint.objects.filter(hub=hub))
    form = CycleOrderFilterForm(request.GET or None, points=points, windows=windows)
    filters = form.filters()
    if form.is_bound and form.errors:
        messages.error(request, _("Some filters were not understood and were left out."))
    orders = cycle_orders(cycle=cycle, **filters)
    page = Paginator(cycle_order_rows(orders), ORDERS_PER_PAGE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(request, hub, "orders/hub/cycle_orders.html", {
        "cycle": cycle, "form": form, "filtered": bool(filters and any(filters.values())),
        "totals": cycle_order_totals(orders), "page": page, "orders": list(page),
        "page_range": page.paginator.get_elided_page_range(page.number),
        "query": query.urlencode(),
    })


def _order(request, slug, cycle_id, number):
    hub, cycle = _cycle(request, slug, cycle_id)
    return hub, cycle, cycle_order(cycle=cycle, number=number)


def _render_order(request, hub, cycle, order, *, form=None, correction=None):
    refusal = order_change_refusal(order, by_manager=True)
    if not refusal and form is None:
        form = order_pages.amend_form(request, order)
    invoices = order_invoices(order=order)
    if correction is None and order.status in invoicing.CORRECTABLE and any(
            i.in_force for i in invoices):
        correction = CorrectionForm(lines=order.lines.all())
    return _render(request, hub, "orders/hub/order_detail.html", {
        "cycle": cycle, "order": order, "refusal": refusal,
        "form": None if refusal else form,
        "search": None if refusal else order_pages.search_form(request),
        "invoices": invoices, "correction": correction,
    })


@login_required
def order_detail(request, slug: str, cycle_id: int, number: str):
    """The order as the hub sees it: customer, lines, fees, VAT, pickup or delivery,
    payment, status history and who changed what, when."""
    hub, cycle, order = _order(request, slug, cycle_id, number)
    return _render_order(request, hub, cycle, order)


@login_required
@require_POST
def order_amend(request, slug: str, cycle_id: int, number: str):
    """Change quantities or add products for the customer: allowed while the cycle is open,
    even when the hub does not let shoppers change their orders."""
    hub, cycle, order = _order(request, slug, cycle_id, number)
    form = order_pages.amend(request, order, by_manager=True)
    if form is None:
        return redirect("orders_hub:order", slug=hub.slug, cycle_id=cycle.pk,
                        number=order.number)
    return _render_order(request, hub, cycle, order, form=form)


@login_required
@require_POST
def order_correct(request, slug: str, cycle_id: int, number: str):
    """After the close: lower quantities or remove lines (a producer was short). The invoice
    in force is cancelled by a credit note and a new one issued, both e-mailed."""
    hub, cycle, order = _order(request, slug, cycle_id, number)
    form = CorrectionForm(request.POST, lines=order.lines.all())
    if form.is_valid():
        try:
            credit, new = invoicing.order_correct(order=order, lines=form.line_requests(),
                                                  user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if new is None:
                text = _("Order %(number)s corrected: credit note %(credit)s issued (no "
                         "product left, so no new invoice); the customer is e-mailed it.")
            else:
                text = _("Order %(number)s corrected: credit note %(credit)s and invoice "
                         "%(invoice)s issued; the customer is e-mailed both.")
            messages.success(request, text % {"number": order.number, "credit": credit.number,
                                              "invoice": new.number if new else ""})
            return redirect("orders_hub:order", slug=hub.slug, cycle_id=cycle.pk,
                            number=order.number)
    return _render_order(request, hub, cycle, order, correction=form)


@login_required
def invoice_download(request, slug: str, cycle_id: int, number: str, invoice_id: int):
    """An invoice or credit note of the order as PDF (rendered now if the task has not yet)."""
    hub, cycle = _cycle(request, slug, cycle_id)
    invoice = cycle_invoice(cycle=cycle, number=number, invoice_id=invoice_id)
    invoice = invoice_documents.invoice_render(invoice_id=invoice.pk)
    return private_file_response(invoice.pdf, invoice.filename)


@login_required
@require_POST
def order_cancel(request, slug: str, cycle_id: int, number: str):
    hub, cycle, order = _order(request, slug, cycle_id, number)
    order_pages.cancel(request, order, by_manager=True)
    return redirect("orders_hub:order", slug=hub.slug, cycle_id=cycle.pk, number=order.number)
