"""An invoice's files and e-mail: the PDF (rendered once from the snapshot; Factur-X for a
business customer) and the message to the shopper with the PDF attached (once, when the hub's
setting says so)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import pdf
from .models import Invoice

TEMPLATE = "orders/documents/invoice.html"


def invoice_tz(invoice: Invoice) -> zoneinfo.ZoneInfo:
    """The hub's time zone, as snapshotted (older snapshots: the hub's current one)."""
    name = (invoice.data.get("hub") or {}).get("time_zone") or invoice.hub.time_zone
    return zoneinfo.ZoneInfo(name)


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _local_date(value: str, tz) -> dt.date | None:
    return timezone.localtime(dt.datetime.fromisoformat(value), tz).date() if value else None


def _row(item: dict, *, exempt: bool) -> dict:
    """A printed line: the snapshot's figures, and for a hub without a VAT number (nothing
    to show but the price paid) the unit price incl. VAT, total / quantity (exact: the total
    is the stored unit amounts times the quantity)."""
    quantity = Decimal(item.get("quantity") or 1)
    unit_price = (Decimal(item["total_incl_tax"]) / quantity).quantize(Decimal("0.01")) \
        if exempt else Decimal(item["unit_price_excl_tax"])
    return {**item, "quantity": item.get("quantity") or 1, "unit_price": unit_price,
            "rate": _rate(item["vat_rate"])}


def _rate(value: str) -> Decimal:
    """5.5 or 20 (never 2E+1), a Decimal the reader's language formats (5,5 in French)."""
    rate = Decimal(value)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


def _instructions(payment: dict) -> str:
    """The payment instructions without their first line when it only repeats the method."""
    lines = (payment.get("instructions") or "").splitlines()
    if lines and lines[0].strip() == (payment.get("method") or "").strip():
        lines = lines[1:]
    return "\n".join(lines).strip()


def invoice_context(invoice: Invoice) -> dict:
    """What the invoice template reads: the row and its snapshot, nothing live. Dates are
    the hub's local ones."""
    data = invoice.data
    tz = invoice_tz(invoice)
    exempt = bool(data["seller"].get("vat_exempt"))
    corrects = data.get("corrects") or {}
    return {
        "invoice": invoice, "data": data, "vat_exempt": exempt,
        "lines": [_row(line, exempt=exempt) for line in data["lines"]],
        "fees": [_row(fee, exempt=exempt) for fee in data["fees"]],
        # Decimals, so the reader's language formats them (5.5 / 5,5).
        "vat_rows": [{"rate": _rate(row["rate"]), "base": row["base"],
                      "tax": row["tax"]} for row in data["vat"]],
        "payment_instructions": _instructions(data["payment"]),
        "issued_on": timezone.localtime(invoice.issued_at, tz).date(),
        "delivery_date": _date(data["delivery"].get("date", "")),
        "due_date": _date(data["payment"].get("due_date", "")),
        "corrects_issued_on": _local_date(corrects.get("issued_at", ""), tz),
        "language": data.get("language") or "en",
    }


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.data.get("language") or "en"), \
            timezone.override(invoice_tz(invoice)):
        return render_to_string(TEMPLATE, invoice_context(invoice))


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice as PDF: the snapshot rendered by WeasyPrint. A business customer's is a
    Factur-X PDF/A-3 with the EN 16931 XML embedded (`orders.facturx`)."""
    if invoice.is_business:
        from . import facturx

        return facturx.facturx_pdf(invoice, invoice_html(invoice))
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
            subject = render_to_string("orders/email/invoice_subject.txt", context)
            subject = " ".join(subject.split())  # a name with a line break stays one header line
            body = render_to_string("orders/email/invoice_body.txt", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[invoice.order.email])
        with invoice.pdf.open("rb") as handle:
            message.attach(invoice.filename, handle.read(), "application/pdf")
        message.send()
        invoice.emailed_at = timezone.now()
        invoice.save(update_fields=["emailed_at"])
    return True
