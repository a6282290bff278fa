"""Invoice documents: every French legal mention on the PDF (read back with pypdf), dates in
the hub's time zone, long orders over several A4 pages, customer text escaped, and issued
invoices that nobody can change or delete (models, querysets, the Django admin)."""

import copy
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from hubs.models import Hub
from orders import invoice_documents, invoicing
from orders.models import Invoice
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Text with its line breaks as spaces (pypdf breaks long cells)."""
    return " ".join(text.split())


def stored_pdf(invoice) -> bytes:
    with invoice.pdf.open("rb") as handle:
        return handle.read()


def test_a_shoppers_invoice_carries_every_mention(processed_cycle):
    alice = Invoice.objects.get(order=processed_cycle.orders.alice)
    text = flat(pdf_text(stored_pdf(alice)))
    local_day = alice.issued_at.astimezone(processed_cycle.shop.hub.tz)
    # The seller's legal identity.
    for mention in ("Le Panier SCIC SAS", "12 rue des Lilas", "75019 Paris", "73282932000074",
                    "FR44732829320"):
        assert mention in text
    # The customer, the references and the dates.
    assert "Alice Martin" in text and "alice@example.org" in text
    assert f"Invoice {alice.number}" in text
    assert f"Issue date {local_day:%d/%m/%Y}" in text
    assert f"Order {processed_cycle.orders.alice.number}" in text
    assert "Order cycle This week" in text
    window = processed_cycle.shop.window
    assert f"Pickup date {window.date:%d/%m/%Y} 17:00–19:00" in text
    assert "Pickup point La Halle, 1 rue de la Halle" in text
    # Lines with producer, quantity, unit price excl. VAT, rate and totals; fees as lines.
    for line in alice.data["lines"]:
        assert line["product"] in text
        assert f"{line['unit_price_excl_tax']} {line['vat_rate']} % {line['total_excl_tax']} " \
               f"{line['total_incl_tax']}" in text
    assert "Producer: Ferme A" in text
    assert "Running costs 1 1.00 20 % 1.00 1.20" in text
    # The VAT per rate and the totals.
    for row in alice.data["vat"]:
        assert f"{row['rate']} % {row['base']} {row['tax']}" in text
    totals = alice.data["totals"]
    assert f"Total excl. VAT {totals['excl_tax']} EUR" in text
    assert f"VAT {totals['tax']} EUR" in text
    assert f"Total incl. VAT {totals['incl_tax']} EUR" in text
    assert Decimal(totals["incl_tax"]) == processed_cycle.orders.alice.total_incl_tax
    # Payment and the numbering rule; no business mentions for a private customer.
    assert "Payment method: Pay at pickup" in text and "Not paid yet." in text
    assert "unique and follow each other without gaps" in text
    assert "40 €" not in text and "TVA non applicable" not in text


def test_a_business_invoice_adds_the_company_and_the_late_payment_mentions(processed_cycle):
    hub = processed_cycle.shop.hub
    carol = Invoice.objects.get(order=processed_cycle.orders.carol)
    text = flat(pdf_text(stored_pdf(carol)))
    assert "Coop SARL" in text and "Carol Petit" in text and "3 place du Marché" in text
    assert "SIREN / SIRET: 732829320" in text
    assert "VAT number: FR44732829320" in text
    assert "Payment terms: payable on receipt. No discount for early payment." in text
    assert "fixed indemnity of 40 € for recovery costs" in text
    assert "three times the French legal interest rate" in text

    Hub.objects.filter(pk=hub.pk).update(payment_terms_days=30)
    order = processed_cycle.orders.carol
    issued = carol.issued_at
    due = (issued.astimezone(hub.tz).date() + dt.timedelta(days=30))
    data = invoicing.invoice_snapshot(order, hub=Hub.objects.get(pk=hub.pk), issued_at=issued)
    preview = Invoice(hub=hub, number="LPB-PREVIEW", issued_at=issued, data=data,
                      is_business=True)
    html = invoice_documents.invoice_html(preview)
    assert "Payment terms: 30 days from the issue date." in html
    assert f"Due by {due:%d/%m/%Y}." in html


def test_a_hub_without_vat_number_prints_article_293_b(cycle_orders):
    Hub.objects.filter(pk=cycle_orders.alice.cycle.hub_id).update(vat_number="")
    invoice = invoicing.invoice_issue(order_id=cycle_orders.alice.pk)
    assert invoice.data["seller"]["vat_exempt"] is True
    text = flat(pdf_text(invoice_documents.invoice_pdf_bytes(invoice)))
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "VAT summary" not in text and "excl. VAT" not in text
    assert f"Total {invoice.data['totals']['incl_tax']} EUR" in text


def test_dates_are_the_hubs_local_ones(cycle_orders):
    """23:30 UTC on 31 December is New Year's Day in Paris: the invoice is dated (and
    numbered) in the hub's year."""
    now = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    invoice = invoicing.invoice_issue(order_id=cycle_orders.bob.pk, now=now)
    assert invoice.number.startswith("LPB-2027-")
    text = flat(pdf_text(invoice_documents.invoice_pdf_bytes(invoice)))
    assert "Issue date 01/01/2027" in text
    assert "31/12/2026" not in text


def test_a_long_order_spills_onto_more_a4_pages_with_the_header_repeated(processed_cycle):
    alice = Invoice.objects.get(order=processed_cycle.orders.alice)
    data = copy.deepcopy(alice.data)
    data["lines"] = data["lines"] * 40  # 160 printed lines
    long = Invoice(hub=alice.hub, number="LPB-LONG", issued_at=alice.issued_at, data=data)
    reader = PdfReader(io.BytesIO(invoice_documents.invoice_pdf_bytes(long)))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    texts = [flat(page.extract_text()) for page in reader.pages]
    pages_with_lines = [t for t in texts if "Carrots" in t]
    assert len(pages_with_lines) >= 3
    assert all("Unit price excl. VAT" in t for t in pages_with_lines)
    assert texts[-1].rstrip().endswith(str(len(texts)))  # each page numbered
    assert "Total incl. VAT" in texts[-1]


def test_customer_text_is_escaped_in_the_invoice(cycle_orders):
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    Order.objects.filter(pk=cycle_orders.carol.pk).update(
        customer_name="<script>alert(1)</script>", customer_company="<b>Evil & Co</b>")
    invoice = invoicing.invoice_issue(order_id=cycle_orders.carol.pk)
    html = invoice_documents.invoice_html(invoice)
    assert "<script>" not in html and "<b>Evil" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in html
    text = flat(pdf_text(invoice_documents.invoice_pdf_bytes(invoice)))
    assert "<script>alert(1)</script>" in text  # shown as text, never run


def test_the_invoice_is_written_in_the_orders_language(cycle_orders):
    from oscar.core.loading import get_model

    get_model("order", "Order").objects.filter(pk=cycle_orders.bob.pk).update(language="fr")
    invoice = invoicing.invoice_issue(order_id=cycle_orders.bob.pk)
    html = invoice_documents.invoice_html(invoice)
    assert '<html lang="fr">' in html
    row = invoice.data["vat"][0]
    assert row["rate"] == "5.5"
    assert "5,5 %" in html  # French decimals


# --- immutability ----------------------------------------------------------------------------


def test_an_issued_invoice_cannot_be_changed_or_deleted(processed_cycle):
    invoice = Invoice.objects.get(order=processed_cycle.orders.alice)
    message = "An issued invoice cannot be changed: issue a credit note."
    invoice.total_incl_tax = Decimal("0.01")
    with pytest.raises(ValidationError, match=message):
        invoice.save()
    with pytest.raises(ValidationError, match=message):
        invoice.save(update_fields=["total_incl_tax"])
    with pytest.raises(ValidationError, match=message):
        Invoice.objects.filter(pk=invoice.pk).update(data={}, number="X")
    with pytest.raises(ValidationError, match="cannot be deleted"):
        invoice.delete()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        Invoice.objects.filter(pk=invoice.pk).delete()
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.total_incl_tax == processed_cycle.orders.alice.total_incl_tax
    assert stored.number == invoice.number
    # Only the marks of its files may change.
    assert Invoice.objects.filter(pk=invoice.pk).update(emailed_at=None) == 1


def test_the_django_admin_shows_invoices_read_only(client, processed_cycle):
    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    invoice = Invoice.objects.get(order=processed_cycle.orders.alice)
    listing = client.get("/django-admin/orders/invoice/")
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    page = client.get(f"/django-admin/orders/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "/delete/" not in html
    assert client.post(f"/django-admin/orders/invoice/{invoice.pk}/change/",
                       {"number": "X"}).status_code == 403
    assert client.post(f"/django-admin/orders/invoice/{invoice.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert client.get("/django-admin/orders/invoice/add/").status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).number == invoice.number
