"""Order e-mails to shoppers, in the language they ordered in (HTML and text)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
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
            subject = render_to_string("orders/email/order_subject.txt", context).strip()
            body = render_to_string("orders/email/order_body.txt", context)
            html = render_to_string("orders/email/order_body.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[order.email])
        message.attach_alternative(html, "text/html")
        message.send()
        OrderNote.objects.create(order=order, note_type=SENT_NOTE, message=marker)
    return True
