"""Hub managers' packing lists and pickup sheets of a closed cycle (mounted under
/hub/<slug>/cycles/<id>/; see docs/packing.md). Pages print cleanly, download as PDF
(`?format=pdf`) and, for the pickup sheet, work as a phone checklist whose "Collected" and
"Paid" toggles are plain POST forms (orders/static/orders/js/packing.js sends them without a
reload). A manager of another hub gets a 404, like for every hub page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hubs.models import OrderCycle
from hubs.selectors import hub_for_manager

from . import pdf
from .handover import order_handover_mark
from .packing import (
    ALL,
    packing_available,
    packing_by_customer,
    packing_by_producer,
    packing_by_product,
    pickup_order,
    pickup_sheet_summaries,
    pickup_sheets,
)
from .packing_forms import BY_CHOICES, HandoverForm, PackingForm, PickupForm
from .transitions import status_label

LISTS = {"customer": packing_by_customer, "producer": packing_by_producer,
         "product": packing_by_product}


def _cycle(request, slug: str, cycle_id: int):
    hub = hub_for_manager(user=request.user, slug=slug)
    return hub, get_object_or_404(OrderCycle.objects.select_related("hub"), pk=cycle_id,
                                  hub=hub)


def _render(request, hub, template: str, context: dict, *, status: int = 200):
    with timezone.override(hub.time_zone):
        return render(request, template, {"hub": hub, **context}, status=status)


def _pdf(hub, template: str, context: dict, filename: str) -> HttpResponse:
    with timezone.override(hub.time_zone):
        content = pdf.render_pdf(template, {"hub": hub, "printed_at": timezone.now(),
                                            **context})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def packing(request, slug: str, cycle_id: int):
    """The cycle's packing list by customer, producer or product (`?by=`), as a page or a
    PDF (`?format=pdf`)."""
    hub, cycle = _cycle(request, slug, cycle_id)
    form = PackingForm(request.GET or None)
    if form.is_bound and form.errors:
        messages.error(request, _("That list was not understood: here is the list by "
                                  "customer."))
    by, fmt = form.choice()
    context = {"cycle": cycle, "form": form, "by": by, "by_choices": BY_CHOICES,
               "by_label": dict(BY_CHOICES)[by]}
    if not packing_available(cycle):
        return _render(request, hub, "orders/hub/packing_list.html",
                       {**context, "available": False})
    context[by] = LISTS[by](cycle=cycle)
    if fmt == "pdf":
        return _pdf(hub, "orders/documents/packing_list.html", context,
                    f"{hub.slug}-cycle-{cycle.pk}-packing-{by}.pdf")
    return _render(request, hub, "orders/hub/packing_list.html",
                   {**context, "available": True})


@login_required
def pickup(request, slug: str, cycle_id: int):
    """The pickup/delivery sheets: choose a point (or zone) and window, or all of them; the
    chosen sheet as a checklist, or as a PDF (`?format=pdf`)."""
    hub, cycle = _cycle(request, slug, cycle_id)
    if not packing_available(cycle):
        return _render(request, hub, "orders/hub/pickup_sheet.html",
                       {"cycle": cycle, "available": False})
    return _pickup_page(request, hub, cycle)


def _pickup_page(request, hub, cycle, *, errors=(), status: int = 200):
    summaries = pickup_sheet_summaries(cycle=cycle)
    form = PickupForm(request.GET or None, summaries=summaries)
    if form.is_bound and form.errors:
        messages.error(request, _("That sheet is not one of this cycle's: choose one below."))
    key, fmt = form.choice()
    if not key and (fmt == "pdf" or len(summaries) == 1):
        key = ALL if fmt == "pdf" else summaries[0].key
    sheets = pickup_sheets(cycle=cycle, key=key) if key and not errors else []
    context = {"cycle": cycle, "available": True, "form": form, "summaries": summaries,
               "sheet_key": key, "sheets": sheets, "errors": errors}
    if fmt == "pdf" and not errors:
        return _pdf(hub, "orders/documents/pickup_sheet.html", context,
                    f"{hub.slug}-cycle-{cycle.pk}-pickup-{key}.pdf")
    return _render(request, hub, "orders/hub/pickup_sheet.html", context, status=status)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _mark_state(at, by) -> dict:
    if at is None:
        return {"on": False, "detail": ""}
    who = (by.get_full_name() or by.email) if by is not None else ""
    when = date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")
    return {"on": True, "detail": f"{when} · {who}" if who else when}


@login_required
@require_POST
def pickup_mark(request, slug: str, cycle_id: int):
    """A tick on the checklist: the order (an id of this cycle's, else 404) collected and/or
    paid, or un-ticked. Answers JSON to the page's script, else goes back to the sheet."""
    hub, cycle = _cycle(request, slug, cycle_id)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        if _wants_json(request):
            return JsonResponse({"errors": errors}, status=400)
        if not packing_available(cycle):
            return _render(request, hub, "orders/hub/pickup_sheet.html",
                           {"cycle": cycle, "available": False, "errors": errors}, status=400)
        return _pickup_page(request, hub, cycle, errors=errors, status=400)
    data = form.cleaned_data
    order = pickup_order(cycle=cycle, order_id=data["order"])
    try:
        handover = order_handover_mark(order=order, user=request.user,
                                       collected=data["collected"], paid=data["paid"])
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"errors": error.messages}, status=400)
        for message in error.messages:
            messages.error(request, message)
        handover = None
    if _wants_json(request):
        order.refresh_from_db(fields=["status"])
        with timezone.override(hub.time_zone):
            return JsonResponse({
                "order": order.number, "status": status_label(order.status),
                "collected": _mark_state(handover.collected_at, handover.collected_by),
                "paid": _mark_state(handover.paid_at, handover.paid_by),
            })
    if handover is not None:
        messages.success(request, _("Order %(number)s updated.") % {"number": order.number})
    url = reverse("orders_hub:pickup", kwargs={"slug": hub.slug, "cycle_id": cycle.pk})
    if data["sheet"]:
        url += "?" + urlencode({"sheet": data["sheet"]})
    return redirect(f"{url}#order-{order.pk}")
