"""A producer's purchase order, read back as the producer gets it: the PDF (pypdf), the CSV
and the e-mail with both attached, to the producer's address and its members."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format
from pypdf import PdfReader

from hubs import transitions as cycle_transitions
from hubs.models import Hub
from orders import purchasing
from orders.models import PurchaseOrder
from producers.services import producer_member_add
from tests.orders.conftest import place_order
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(shop, two_suppliers, django_capture_on_commit_callbacks):
    """Alice orders 2 + 1 of A's carrots and 1 of B's leeks, Bob 3 of B's leeks; closed."""
    Hub.objects.filter(pk=shop.hub.pk).update(language="en")
    a1, a2, _a3 = shop.offers
    (b1, _b2) = two_suppliers.offers_b
    place_order(shop, UserFactory(email="alice@example.org"), [(a1, 2), (a2, 1), (b1, 1)])
    place_order(shop, UserFactory(email="bob@example.org"), [(b1, 3), (a1, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    return two_suppliers


def _po(producer) -> PurchaseOrder:
    return PurchaseOrder.objects.get(producer=producer)


def test_the_pdf_lists_what_to_bring_with_prices_totals_and_the_drop_off(closed):
    po = _po(closed.producer_a)
    with po.pdf.open("rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert f"Purchase order {po.number}" in text
    # product, variant, unit, total quantity, producer price, line total
    assert "Carrots 0 Carrots 0 – 500 g 500 g 3 2.40 7.20" in text
    assert "Carrots 0 Carrots 0 – 1000 g 1000 g 1 2.40 2.40" in text
    assert "Total 4 9.60 EUR" in text
    # The drop-off date reads in the document's language, not as ISO text.
    with translation.override(po.data.get("language") or "en"):
        dropoff = date_format(closed.dropoff_date, "DATE_FORMAT")
    assert dropoff in text and closed.dropoff_date.isoformat() not in text and "08:30" in text
    assert "Quai de la Halle" in text and "Ring twice at the back door." in text
    assert "Leeks" not in text  # B's lines are on B's purchase order only
    assert po.total_quantity == 4 and str(po.total_producer_price) == "9.60"


def test_the_csv_has_a_row_per_variant_the_drop_off_and_a_total(closed):
    po = _po(closed.producer_b)
    with po.csv.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))
    assert [(r["product"], r["variant"], r["unit"], r["quantity"], r["unit_producer_price"],
             r["total_producer_price"]) for r in rows] == [
        ("Leeks 50", "Leeks 50 – 500 g", "500 g", "4", "2.40", "9.60"),
        ("Total", "", "", "4", "", "9.60"),
    ]
    assert {(r["dropoff_date"], r["dropoff_time"], r["dropoff_place"],
             r["dropoff_instructions"]) for r in rows} == {
        (closed.dropoff_date.isoformat(), "09:00", "Cour B", "")}
    assert "Carrots" not in po.csv.open("rb").read().decode()


def test_each_producer_is_emailed_its_own_purchase_order_with_both_files(closed):
    sent = {tuple(m.to): m for m in mail.outbox if m.subject.startswith("Purchase order")}
    assert set(sent) == {("ferme@example.org", "farmer-a@example.org"),
                         ("b@example.org", "farmer-b@example.org")}
    message = sent[("b@example.org", "farmer-b@example.org")]
    po = _po(closed.producer_b)
    assert message.subject == f"Purchase order {po.number} from Marché (This week)"
    assert [(name, kind) for name, _content, kind in message.attachments] == [
        (f"{po.number}.pdf", "application/pdf"), (f"{po.number}.csv", "text/csv")]
    assert message.attachments[0][1].startswith(b"%PDF")
    assert "4 × Leeks 50 – 500 g (500 g): 9.60 EUR" in message.body
    assert "Cour B" in message.body
    assert po.emailed_at is not None


def test_recipients_are_the_contact_address_and_active_members_once_each(shop, two_suppliers):
    producer = two_suppliers.producer_a
    producer_member_add(producer=producer, user=UserFactory(email="ferme@example.org"))
    gone = UserFactory(email="gone@example.org", is_active=False)
    producer_member_add(producer=producer, user=gone)
    assert purchasing.producer_emails(producer) == ["ferme@example.org",
                                                    "farmer-a@example.org"]


@pytest.fixture
def hostile_closed(shop, two_suppliers, django_capture_on_commit_callbacks):
    """Ferme B's product, variant, SKU and drop-off read like spreadsheet formulas; Alice
    orders one, the cycle closes."""
    from hubs.models import CycleSupplier

    offer = two_suppliers.offers_b[0]
    variant = offer.stockrecord.product
    variant.parent.title = '=HYPERLINK("http://evil.example","Leeks")'
    variant.parent.save()
    variant.title = "@SUM(A1)"
    variant.save()
    type(offer.stockrecord).objects.filter(pk=offer.stockrecord.pk).update(
        partner_sku="-2+3")
    CycleSupplier.objects.filter(cycle=shop.cycle, producer=two_suppliers.producer_b).update(
        dropoff_place="+cmd|' /C calc'!A0", dropoff_instructions="\tRing")
    place_order(shop, UserFactory(email="alice@example.org"), [(offer, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    return two_suppliers


def test_the_csv_escapes_formula_like_cells_wherever_it_is_downloaded(
        client, shop, hostile_closed):
    from rest_framework.test import APIClient

    po = _po(hostile_closed.producer_b)
    member = hostile_closed.member_b
    api = APIClient()
    api.force_authenticate(member)
    client.force_login(member)
    with po.csv.open("rb") as handle:
        stored = handle.read()
    downloads = {
        "stored": stored,
        "api": b"".join(api.get(f"/api/v1/purchase-orders/{po.pk}/csv/").streaming_content),
        "page": b"".join(client.get(
            f"/producer/{hostile_closed.producer_b.slug}/purchase-orders/{po.pk}/csv/"
        ).streaming_content),
    }
    for where, content in downloads.items():
        row = next(csv.DictReader(io.StringIO(content.decode("utf-8"))))
        assert row["product"] == '\'=HYPERLINK("http://evil.example","Leeks")', where
        assert not [cell for cell in row.values()
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r"))], where
        assert row["sku"] == "'-2+3", where
        assert row["dropoff_place"] == "'+cmd|' /C calc'!A0", where
        assert row["dropoff_instructions"] == "'\tRing", where
        assert row["quantity"] == "1", where  # numbers stay numbers
