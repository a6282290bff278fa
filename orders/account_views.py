"""The shopper's orders in Oscar's account area (mounted over Oscar's order history, at
/shop/accounts/orders/): across hubs, each order's detail with its invoices and credit notes
(downloadable), changing and cancelling it while its cycle is open and its hub allows it.
Another shopper's order or invoice is a 404. And the shopper's business details
(/shop/accounts/business/), offered at checkout."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from producers.private_files import private_file_response

from . import order_pages
from .business import Business, customer_profile_save
from .forms import BusinessDetailsForm
from .invoice_selectors import customer_profile, order_invoices, shopper_invoice, with_invoices
from .selectors import order_change_refusal, shopper_order, shopper_order_list

ORDERS_PER_PAGE = 20


@login_required
def order_list(request):
    """Number, hub, cycle, date, status, total, pickup or delivery day and invoices of each
    order."""
    page = Paginator(with_invoices(shopper_order_list(user=request.user)),
                     ORDERS_PER_PAGE).get_page(request.GET.get("page"))
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
        "order": order, "refusal": refusal, "invoices": order_invoices(order=order),
        "form": None if refusal else form,
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


@login_required
def order_invoice(request, number: str, invoice_id: int):
    """The PDF of an invoice or credit note of one of the shopper's orders (404 for anyone
    else's, and while the PDF is not rendered yet)."""
    invoice = shopper_invoice(user=request.user, number=number, invoice_id=invoice_id)
    return private_file_response(invoice.pdf, invoice.filename)


@login_required
def business_details(request):
    """The company the shopper's invoices are made out to when they buy for a business:
    offered (ticked) at checkout; emptying every field removes them."""
    if request.method == "POST":
        form = BusinessDetailsForm(request.POST)
        if form.is_valid():
            business = form.cleaned_data["business"]
            try:
                customer_profile_save(user=request.user, business=business)
            except ValidationError as error:
                for name, field_messages in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, field_messages)
            else:
                messages.success(request, _(
                    "Business details saved: they are offered when you check out.")
                    if business else _("Business details removed."))
                return redirect("account-business")
    else:
        business = Business.from_profile(customer_profile(user=request.user))
        form = BusinessDetailsForm(initial=business.as_dict() if business else None)
    return render(request, "orders/account/business.html", {
        "form": form, "page_title": _("Business details"), "active_tab": "business",
    })
