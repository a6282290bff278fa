"""What the shopper's and the hub manager's order pages share: the change form, built and
handled the same way, writing only through `services.order_amend` / `order_cancel`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import selectors, services
from .forms import AmendForm, OfferSearchForm


def short_message(short: services.OrderShort) -> str:
    """Each line that is short, and how many more can be had."""
    parts = [
        ngettext(
            "%(title)s: you asked for %(requested)s more, only %(available)s is left",
            "%(title)s: you asked for %(requested)s more, only %(available)s are left",
            line["available"],
        ) % line
        for line in short.lines
    ]
    return _("Not changed: %(lines)s.") % {"lines": "; ".join(parts)}


def search_form(request) -> OfferSearchForm:
    """The search (in the query string) that narrows the list of products to add."""
    return OfferSearchForm(request.GET)


def amend_form(request, order, *, data=None) -> AmendForm:
    """The change form of `order`, bound to `data` on a POST."""
    search = search_form(request)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    lines = list(order.lines.all())
    choices = selectors.amend_offer_choices(
        cycle=order.cycle, exclude_offer_ids=[ln.offer_id for ln in lines if ln.offer_id], q=q,
    )
    return AmendForm(data, lines=lines, choices=choices, currency_code=order.currency)


def amend(request, order, *, by_manager: bool):
    """Handle a posted change: None when the order was changed (the caller redirects),
    otherwise the bound form to show again with what went wrong."""
    form = amend_form(request, order, data=request.POST)
    if not form.is_valid():
        return form
    try:
        services.order_amend(order=order, lines=form.line_requests(), user=request.user,
                             by_manager=by_manager)
    except services.OrderShort as short:
        messages.error(request, short_message(short))
        return form
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return form
    if by_manager:
        messages.success(request, _("Order %(number)s changed; the customer was e-mailed the "
                                    "new version.") % {"number": order.number})
    else:
        messages.success(request, _("Your order %(number)s was changed; we e-mailed you the "
                                    "new version.") % {"number": order.number})
    return None


def cancel(request, order, *, by_manager: bool) -> None:
    try:
        services.order_cancel(order=order, user=request.user, by_manager=by_manager)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return
    if by_manager:
        messages.success(request, _("Order %(number)s cancelled; the customer was e-mailed.")
                         % {"number": order.number})
    else:
        messages.success(request, _("Your order %(number)s was cancelled; we e-mailed you a "
                                    "confirmation.") % {"number": order.number})
