"""Reads over issued invoices and credit notes for the pages and the API that list and send
them: a shopper's (their account), a cycle's (its hub's managers), and one invoice for a
download, each refusing (404) whoever may not see it; and a shopper's saved business
details, which their invoices are made out to.

Lists never load the snapshot (`Invoice.data`, everything the PDF prints): the number, kind,
date, customer and totals are columns of their own.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from hubs.models import HubMembership
from teams.selectors import user_is_platform_admin

from .models import CustomerProfile, Invoice


def _invoices() -> QuerySet:
    """Invoices with what a list shows (the credit note's cancelled invoice number too),
    oldest first: numbers are chronological within a hub."""
    return (Invoice.objects.select_related("corrects").defer("data", "corrects__data")
            .order_by("issued_at", "sequence"))


def with_invoices(orders: QuerySet) -> QuerySet:
    """`orders` with each one's invoices and credit notes as `invoice_list` (one query more,
    whatever the number of orders)."""
    return orders.prefetch_related(
        Prefetch("invoices", queryset=_invoices(), to_attr="invoice_list"))


def order_invoices(*, order) -> list[Invoice]:
    """An order's invoices and credit notes, oldest first (the caller checked the order)."""
    return list(_invoices().filter(order=order))


def shopper_invoice(*, user, number: str, invoice_id: int) -> Invoice:
    """An invoice of one of the signed-in user's own orders (`number`); 404 for any other,
    platform admins included (as the account's order pages)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    invoice = Invoice.objects.filter(pk=invoice_id, order__number=number,
                                     order__user=user).first()
    if invoice is None:
        raise Http404
    return invoice


def cycle_invoices(*, cycle) -> QuerySet:
    """A cycle's invoices and credit notes, in number order, with their order's number.
    The caller checked that the user manages the cycle's hub."""
    return (Invoice.objects.filter(cycle=cycle).select_related("order", "corrects")
            .defer("data", "corrects__data")
            .order_by("year", "sequence"))


def invoice_for_download(*, user, invoice_id: int) -> Invoice:
    """An invoice its reader may download: the order's own shopper, the invoicing hub's
    managers and platform admins; 404 for anyone else (never telling it exists)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    invoice = Invoice.objects.select_related("order").defer("data").filter(
        pk=invoice_id).first()
    if invoice is None:
        raise Http404
    if invoice.order.user_id == user.pk:
        return invoice
    if HubMembership.objects.filter(hub_id=invoice.hub_id, user=user).exists():
        return invoice
    if user_is_platform_admin(user):
        return invoice
    raise Http404


def customer_profile(*, user) -> CustomerProfile | None:
    """The signed-in user's business details (None when they never saved any)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return CustomerProfile.objects.filter(user=user).first()
