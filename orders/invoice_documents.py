"""An invoice's files and e-mail: the PDF (rendered once from the snapshot) and the message
to the shopper with the PDF attached (once, when the hub's setting says so)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import pdf
from .models import Invoice

TEMPLATE = "orders/documents/invoice.html"


def invoice_context(invoice: Invoice) -> dict:
    """What the invoice template reads: the row and its snapshot, nothing live."""
    return {"invoice": invoice, "data": invoice.data}


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.data.get("language") or "en"):
        return render_to_string(TEMPLATE, invoice_context(invoice))


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice as PDF: the snapshot rendered by WeasyPrint."""
    return pdf.html_to_pdf(invoice_html(invoice))


def invoice_render(*, invoice_id: int) -> Invoice:
    """Write the invoice's PDF once; a rerun finds it and does nothing."""
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.pdf_rendered_at:
        return invoice
    content = invoice_pdf_bytes(invoice)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.pdf_rendered_at:
            return invoice
        invoice.pdf.save(invoice.filename, ContentFile(content), save=False)
        invoice.pdf_rendered_at = timezone.now()
        invoice.save(update_fields=["pdf", "pdf_rendered_at"])
    return invoice


def invoice_email(*, invoice_id: int, force: bool = False) -> bool:
    """E-mail the invoice PDF to the customer once, if their hub e-mails invoices."""
    with transaction.atomic():
        invoice = (Invoice.objects.select_for_update().select_related("hub", "order")
                   .get(pk=invoice_id))
        if invoice.emailed_at or not invoice.pdf_rendered_at or not invoice.order.email:
            return False
        if not (invoice.hub.email_invoices or force):
            return False
        context = {"invoice": invoice, "data": invoice.data,
                   "base_url": settings.FOODHUB_BASE_URL}
        with translation.override(invoice.data.get("language") or "en"):
            subject = render_to_string("orders/email/invoice_subject.txt", context).strip()
            body = render_to_string("orders/email/invoice_body.txt", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[invoice.order.email])
        with invoice.pdf.open("rb") as handle:
            message.attach(invoice.filename, handle.read(), "application/pdf")
        message.send()
        invoice.emailed_at = timezone.now()
        invoice.save(update_fields=["emailed_at"])
    return True
