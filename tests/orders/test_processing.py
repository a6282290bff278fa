"""Closing a cycle processes it once: orders frozen, stock consumed, purchase orders and
invoices issued, rendered and e-mailed, the cycle marked processed."""

import pytest
from django.core import mail
from oscar.core.loading import get_model

from orders import processing
from orders.models import CycleProcessing, Invoice, PurchaseOrder

pytestmark = pytest.mark.django_db
StockRecord = get_model("partner", "StockRecord")


def test_closing_processes_the_cycle_once(processed_cycle):
    cycle = processed_cycle.cycle
    orders = processed_cycle.orders
    assert cycle.processed_at is not None
    invoices = Invoice.objects.filter(cycle=cycle).order_by("sequence")
    assert [i.number for i in invoices] == [f"LPB-{i.year}-{n:06d}"
                                            for n, i in enumerate(invoices, 1)]
    assert {i.order_id for i in invoices} == {orders.alice.pk, orders.bob.pk, orders.carol.pk}
    assert all(i.pdf_rendered_at and i.pdf for i in invoices)
    assert PurchaseOrder.objects.filter(cycle=cycle).count() == 1
    progress = processing.processing_progress(cycle_id=cycle.pk)
    assert progress == {"state": "done", "done": 4, "total": 4, "message": ""}
    for order in (orders.alice, orders.bob, orders.carol):
        order.refresh_from_db()
        assert order.status == "processed"
        assert order.total_incl_tax == Invoice.objects.get(order=order).total_incl_tax
    subjects = [m.subject for m in mail.outbox]
    assert sum("Invoice LPB-" in s for s in subjects) == 3
    assert sum("Purchase order" in s for s in subjects) == 1
    assert sum("is processed" in s for s in subjects) == 1

    outbox = len(mail.outbox)
    stock = list(StockRecord.objects.order_by("pk").values_list("num_in_stock", "num_allocated"))
    processing.processing_start(cycle_id=cycle.pk)
    processing.invoices_complete(cycle_id=cycle.pk, order_ids=[orders.alice.pk])
    assert Invoice.objects.filter(cycle=cycle).count() == 3
    assert len(mail.outbox) == outbox
    assert list(StockRecord.objects.order_by("pk").values_list(
        "num_in_stock", "num_allocated")) == stock
    assert CycleProcessing.objects.get(cycle=cycle).state == "done"
