"""Purchase orders: what each producer brings to the hub for a processed cycle.

One per cycle and producer (a unique constraint), built from the order lines in SQL (summed
per product and producer price, as stored at checkout), with the drop-off of the producer's
`CycleSupplier`. `purchase_order_complete` is idempotent: it creates what is missing, renders
the PDF and CSV once, and e-mails the producer's team once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from hubs.models import CycleSupplier, OrderCycle
from producers.models import Producer
from producers.money import round_money
from producers.spreadsheets import csv_lines

from . import pdf, transitions
from .models import PurchaseOrder

Line = get_model("order", "Line")

ZERO = Decimal("0.00")

CSV_HEADER = ("product", "variant", "unit", "sku", "quantity", "unit_producer_price",
              "total_producer_price")
# Every row also says where and when to bring it (a spreadsheet filtered on a few rows
# keeps the drop-off); the last row is the total.
CSV_DROPOFF = ("dropoff_date", "dropoff_time", "dropoff_place", "dropoff_instructions")


def purchase_order_rows(*, cycle_id: int, producer_id: int) -> list[dict]:
    """The lines a producer delivers: quantity and producer price per product, in SQL."""
    rows = (
        Line.objects.filter(order__cycle_id=cycle_id, offer__supplier__producer_id=producer_id)
        .exclude(order__status=transitions.CANCELLED)
        .values("product_id", "title", "partner_sku", "unit_producer_price",
                "product__unit_label", "product__parent__title", "product__title")
        .annotate(qty=Sum("quantity"), total=Sum(F("quantity") * F("unit_producer_price")))
        .order_by("title", "unit_producer_price")
    )
    return [
        {
            "product": row["product__parent__title"] or row["product__title"] or row["title"],
            "variant": row["title"],
            "unit": row["product__unit_label"] or "",
            "sku": row["partner_sku"],
            "quantity": row["qty"],
            "unit_producer_price": f"{row['unit_producer_price']:.2f}",
            "total_producer_price": f"{round_money(Decimal(row['total'])):.2f}",
        }
        for row in rows
    ]


def _snapshot(cycle: OrderCycle, producer: Producer, rows: list[dict]) -> dict:
    supplier = CycleSupplier.objects.filter(cycle=cycle, producer=producer).first()
    hub = cycle.hub
    total = sum((Decimal(r["total_producer_price"]) for r in rows), ZERO)
    return {
        "hub": {"name": hub.name, "legal_name": hub.legal_name, "address":
                hub.registered_address or f"{hub.street}, {hub.postcode} {hub.city}".strip(", "),
                "email": hub.contact_email, "phone": hub.phone},
        "producer": {"name": producer.name, "email": producer.contact_email},
        "cycle": {"id": cycle.pk, "name": cycle.name},
        "currency": hub.currency,
        "language": hub.language,
        "dropoff": {
            "date": supplier.dropoff_date.isoformat() if supplier and supplier.dropoff_date
            else "",
            "time": supplier.dropoff_time.strftime("%H:%M") if supplier and supplier.dropoff_time
            else "",
            "place": supplier.dropoff_place if supplier else "",
            "instructions": supplier.dropoff_instructions if supplier else "",
        },
        "lines": rows,
        "totals": {
            "quantity": sum(r["quantity"] for r in rows),
            "producer_price": f"{total:.2f}",
        },
    }


def purchase_order_issue(*, cycle_id: int, producer_id: int) -> PurchaseOrder:
    """The producer's purchase order for the cycle: created once, then returned as it is."""
    existing = PurchaseOrder.objects.filter(cycle_id=cycle_id, producer_id=producer_id).first()
    if existing is not None:
        return existing
    cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
    producer = Producer.objects.get(pk=producer_id)
    data = _snapshot(cycle, producer, purchase_order_rows(cycle_id=cycle_id,
                                                          producer_id=producer_id))
    try:
        with transaction.atomic():
            return PurchaseOrder.objects.create(
                cycle=cycle, producer=producer,
                number=f"{cycle.hub.invoice_number_prefix}-PO-{cycle.pk}-{producer.pk}",
                created_at=timezone.now(), total_quantity=data["totals"]["quantity"],
                total_producer_price=Decimal(data["totals"]["producer_price"]), data=data,
            )
    except IntegrityError:  # another worker created it first
        return PurchaseOrder.objects.get(cycle_id=cycle_id, producer_id=producer_id)


def purchase_order_csv(purchase_order: PurchaseOrder) -> bytes:
    """The lines as CSV (UTF-8, formulas escaped by `producers.spreadsheets`), each with the
    drop-off, then a total row."""
    data = purchase_order.data
    dropoff = [data["dropoff"].get(key.removeprefix("dropoff_"), "") for key in CSV_DROPOFF]
    rows = [CSV_HEADER + CSV_DROPOFF]
    rows += [[line[key] for key in CSV_HEADER] + dropoff for line in data["lines"]]
    with translation.override(data.get("language") or "en"):
        total = _("Total")
    rows.append([total, "", "", "", data["totals"]["quantity"], "",
                 data["totals"]["producer_price"]] + dropoff)
    return "".join(csv_lines(rows)).encode("utf-8")


def purchase_order_pdf(purchase_order: PurchaseOrder) -> bytes:
    return pdf.render_pdf("orders/documents/purchase_order.html", {"po": purchase_order,
                          "data": purchase_order.data},
                          language=purchase_order.data.get("language"))


def purchase_order_render(*, purchase_order_id: int) -> PurchaseOrder:
    """Write the PDF and CSV files once (a rerun finds them and does nothing)."""
    po = PurchaseOrder.objects.get(pk=purchase_order_id)
    if po.pdf and po.csv:
        return po
    pdf_bytes = purchase_order_pdf(po)
    csv_bytes = purchase_order_csv(po)
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=purchase_order_id)
        if po.pdf and po.csv:
            return po
        po.csv.save(f"{po.number}.csv", ContentFile(csv_bytes), save=False)
        po.pdf.save(f"{po.number}.pdf", ContentFile(pdf_bytes), save=False)
        po.save(update_fields=["pdf", "csv"])
    return po


def producer_emails(producer: Producer) -> list[str]:
    """Where a producer's purchase orders go: its contact address and its members'."""
    emails = [producer.contact_email] if producer.contact_email else []
    emails += list(producer.members.filter(is_active=True).exclude(email="")
                   .values_list("email", flat=True).order_by("email"))
    return list(dict.fromkeys(emails))


def purchase_order_email(*, purchase_order_id: int) -> bool:
    """E-mail the purchase order (PDF and CSV attached) to the producer's team, once.

    A producer with no e-mail address anywhere is recorded (`email_problem`) and named in the
    managers' summary, instead of failing the processing."""
    with transaction.atomic():
        po = (PurchaseOrder.objects.select_for_update().select_related("producer", "cycle__hub")
              .get(pk=purchase_order_id))
        if po.emailed_at or po.email_problem:
            return False
        recipients = producer_emails(po.producer)
        if not recipients:
            with translation.override(po.data.get("language") or "en"):
                po.email_problem = _("no e-mail address")
            po.save(update_fields=["email_problem"])
            return False
        context = {"po": po, "data": po.data, "base_url": settings.FOODHUB_BASE_URL}
        with translation.override(po.data.get("language") or "en"):
            subject = render_to_string("orders/email/purchase_order_subject.txt", context)
            subject = " ".join(subject.split())  # a name with a line break stays one header line
            body = render_to_string("orders/email/purchase_order_body.txt", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=recipients,
                                         reply_to=[po.cycle.hub.contact_email]
                                         if po.cycle.hub.contact_email else None)
        with po.pdf.open("rb") as handle:
            message.attach(f"{po.number}.pdf", handle.read(), "application/pdf")
        with po.csv.open("rb") as handle:
            message.attach(f"{po.number}.csv", handle.read(), "text/csv")
        message.send()
        po.emailed_at = timezone.now()
        po.save(update_fields=["emailed_at"])
    return True


def purchase_order_complete(*, cycle_id: int, producer_id: int) -> PurchaseOrder:
    """Issue, render and e-mail one producer's purchase order; each step happens once."""
    po = purchase_order_issue(cycle_id=cycle_id, producer_id=producer_id)
    purchase_order_render(purchase_order_id=po.pk)
    purchase_order_email(purchase_order_id=po.pk)
    return po
