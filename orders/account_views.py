"""The shopper's orders in Oscar's account area (mounted over Oscar's order history, at
/shop/accounts/orders/): across hubs, each order's detail, changing and cancelling it while
its cycle is open and its hub allows it. Another shopper's order is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import order_pages
from .selectors import order_change_refusal, shopper_order, shopper_order_list

ORDERS_PER_PAGE = 20


@login_required
def order_list(request):
    """Number, hub, cycle, date, status, total and pickup or delivery day of each order."""
    page = Paginator(shopper_order_list(user=request.user), ORDERS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "orders/account/order_list.html", {
        "page": page, "orders": list(page), "page_title": _("My orders"),
        "active_tab": "orders",
    })


def _render_detail(request, order, *, form=None):
    refusal = order_change_refusal(order)
    if not refusal and form is None:
        form = order_pages.amend_form(request, order)
    zone = order.cycle.hub.time_zone if order.cycle else None
    context = {
        "order": order, "refusal": refusal, "form": None if refusal else form,
        "search": None if refusal else order_pages.search_form(request), "active_tab": "orders",
        "page_title": _("Order %(number)s") % {"number": order.number},
    }
    with timezone.override(zone):  # None: the site's time zone
        return render(request, "orders/account/order_detail.html", context)


@login_required
def order_detail(request, number: str):
    """Lines, fees, VAT per rate, pickup or delivery, payment; the change form while allowed."""
    return _render_detail(request, shopper_order(user=request.user, number=number))


@login_required
@require_POST
def order_amend(request, number: str):
    order = shopper_order(user=request.user, number=number)
    form = order_pages.amend(request, order, by_manager=False)
    if form is None:
        return redirect("orders_account:detail", number=order.number)
    return _render_detail(request, order, form=form)


@login_required
@require_POST
def order_cancel(request, number: str):
    order = shopper_order(user=request.user, number=number)
    order_pages.cancel(request, order, by_manager=False)
    return redirect("orders_account:detail", number=order.number)


@login_required
def order_line(request, number: str, line_id: int):
    """Oscar's line page (and its "buy again" outside any cycle) is not ours: the order."""
    order = shopper_order(user=request.user, number=number)
    return redirect("orders_account:detail", number=order.number)
