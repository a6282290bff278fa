"""Order e-mails to shoppers, in the language they ordered in (HTML and text)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from oscar.core.loading import get_model

from . import selectors

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")

KINDS = ("placed", "amended", "cancelled")
SENT_NOTE = "email"


def order_email_send(*, order_id: int, kind: str) -> bool:
    """Send the `kind` e-mail of an order once per change of the order.

    A note (type "email", naming the kind and the order's change time) records the sending in
    the same transaction, so a retried or duplicated task sends nothing."""
    if kind not in KINDS:
        return False
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or not order.email:
            return False
        marker = f"{kind} e-mail sent for the version of {order.updated_at.isoformat()}"
        if order.notes.filter(note_type=SENT_NOTE, message=marker).exists():
            return False
        context = {"order": selectors.order_detail(order_id=order.pk), "kind": kind,
                   "base_url": settings.FOODHUB_BASE_URL}
        with translation.override(order.language or "en"):
            subject = render_to_string("orders/email/order_subject.txt", context)
            subject = " ".join(subject.split())  # a name with a line break stays one header line
            body = render_to_string("orders/email/order_body.txt", context)
            html = render_to_string("orders/email/order_body.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[order.email])
        message.attach_alternative(html, "text/html")
        message.send()
        OrderNote.objects.create(order=order, note_type=SENT_NOTE, message=marker)
    return True


def processing_summary_send(*, cycle_id: int) -> bool:
    """Tell the hub's managers where the processing of a cycle stands: done (figures, and
    producers who could not be e-mailed), blocked (the legal fields to fill in) or failed
    (what could not be made).

    Sent once per outcome, claimed by a conditional UPDATE in the sending transaction (a
    failed send gives the claim back): the `done` summary by `summary_sent_at`, a `blocked`
    or `failed` notice by `summary_note` (once per message, so a retry that stops at the
    same place does not write again)."""
    from hubs.models import OrderCycle

    from .models import CycleProcessing, Invoice, PurchaseOrder

    State = CycleProcessing.State
    processing = CycleProcessing.objects.filter(cycle_id=cycle_id).first()
    if processing is None or processing.state not in (State.DONE, State.BLOCKED,
                                                      State.FAILED):
        return False
    cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
    recipients = list(cycle.hub.managers.filter(is_active=True).exclude(email="")
                      .values_list("email", flat=True).order_by("email"))
    if not recipients:
        return False
    with transaction.atomic():
        mine = CycleProcessing.objects.filter(pk=processing.pk, state=processing.state)
        if processing.state == State.DONE:
            claimed = mine.filter(summary_sent_at=None).update(summary_sent_at=timezone.now())
        else:
            marker = f"{processing.state}:{processing.message}"[:300]
            claimed = mine.exclude(summary_note=marker).update(summary_note=marker)
        if not claimed:
            return False
        invoices = Invoice.objects.filter(cycle_id=cycle_id, kind=Invoice.Kind.INVOICE)
        context = {
            "cycle": cycle, "hub": cycle.hub, "processing": processing,
            "invoice_count": invoices.count(),
            "purchase_orders": list(PurchaseOrder.objects.filter(cycle_id=cycle_id)
                                    .select_related("producer").order_by("producer__name")),
            "base_url": settings.FOODHUB_BASE_URL,
        }
        with translation.override(cycle.hub.language or "en"):
            subject = render_to_string("orders/email/processing_subject.txt", context)
            subject = " ".join(subject.split())  # a name with a line break stays one header line
            body = render_to_string("orders/email/processing_body.txt", context)
        EmailMultiAlternatives(subject=subject, body=body, to=recipients).send()
    return True
