"""One arithmetic (issue 10, §7): a processed cycle reconciles to the cent.

The sum of its invoices (kind invoice, not cancelled by a credit note) = customer totals =
supplier totals (producer price) + hub markup + fees + VAT; each order's invoice = its row of
customer totals = the order's total; the VAT report = the invoices' VAT summaries, rate by
rate. Checked on the `processed_cycle` fixture and on a bigger randomized cycle (three
producers at three VAT rates, markups per cycle, supplier and offer, item fees in percent and
flat at two rates, per-order fees, one only for deliveries, the delivery fee, business
customers, an amended order, cancelled ones, prices and fees changed after ordering)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from hubs import transitions as cycle_transitions
from hubs.cycle_services import cycle_fee_save, cycle_offers_add, cycle_window_save
from hubs.models import CycleFee, CycleOffer, CycleSupplier, PickupPoint
from hubs.services import hub_supplier_link
from orders import services
from orders.models import Invoice
from orders.reports import (
    ReportFilters,
    customer_totals,
    fees_summary,
    revenue_per_producer,
    supplier_totals,
    vat_by_rate,
)
from producers.catalogue_services import catalogue_upsert
from tests.orders.conftest import place_order
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import rows_for

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
ZERO = Decimal("0.00")


def reconcile(cycle) -> dict:
    """Every equality of the one arithmetic, asserted; returns the figures checked."""
    filters = ReportFilters(hub=cycle.hub, cycle_ids=(cycle.pk,))
    invoices = list(Invoice.objects.filter(cycle=cycle, kind=Invoice.Kind.INVOICE,
                                           credit_note__isnull=True))
    customers = customer_totals(filters=filters)
    supplier = supplier_totals(filters=filters)
    fees = fees_summary(filters=filters)
    vat = vat_by_rate(filters=filters)
    revenue = revenue_per_producer(filters=filters)

    invoiced = sum((i.total_incl_tax for i in invoices), ZERO)
    assert invoiced == customers.totals["incl_tax"]
    assert sum((i.total_excl_tax for i in invoices), ZERO) == customers.totals["excl_tax"]
    assert sum((i.total_tax for i in invoices), ZERO) == customers.totals["vat"]

    # Each order: its invoice, its row, its stored total.
    rows = {row["order_id"]: row for row in customers.rows}
    assert sorted(rows) == sorted(i.order_id for i in invoices)
    totals = dict(Order.objects.filter(pk__in=rows).values_list("pk", "total_incl_tax"))
    for invoice in invoices:
        row = rows[invoice.order_id]
        assert (row["excl_tax"], row["vat"], row["incl_tax"]) == (
            invoice.total_excl_tax, invoice.total_tax, invoice.total_incl_tax), invoice.number
        assert row["incl_tax"] == totals[invoice.order_id]

    # Producer price + hub markup + fees + VAT = what customers paid.
    assert (supplier.totals["producer_price"] + supplier.totals["markup"]
            + fees.totals["excl_tax"] + vat.totals["vat"]) == invoiced
    order_fees = sum((r["incl_tax"] for r in fees.rows if r["charged"] != "item"), ZERO)
    assert supplier.totals["incl_tax"] + order_fees == invoiced
    item_fees = sum((r["excl_tax"] for r in fees.rows if r["charged"] == "item"), ZERO)
    assert item_fees == supplier.totals["fees"]
    assert customers.totals["fees"] == fees.totals["excl_tax"]
    assert vat.totals["incl_tax"] == invoiced
    assert revenue.totals["incl_tax"] == supplier.totals["incl_tax"]

    # The VAT report is the invoices' VAT summaries, rate by rate.
    invoice_vat: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for invoice in invoices:
        for line in invoice.data["vat"]:
            invoice_vat[Decimal(line["rate"])][0] += Decimal(line["base"])
            invoice_vat[Decimal(line["rate"])][1] += Decimal(line["tax"])
    assert {row["vat_rate"]: [row["base"], row["vat"]] for row in vat.rows} == dict(invoice_vat)
    return {"invoiced": invoiced, "invoices": len(invoices), "rates": sorted(invoice_vat),
            "fees": {(r["fee"], r["charged"]) for r in fees.rows}}


def test_the_processed_cycle_reconciles_to_the_cent(processed_cycle):
    figures = reconcile(processed_cycle.cycle)
    assert figures["invoiced"] == Decimal("40.41")
    assert figures["invoices"] == 3
    assert figures["rates"] == [Decimal("5.5"), Decimal("20")]


# --- a bigger, randomized cycle ----------------------------------------------------------------


def _catalogue(producer, count, *, name, start, vat_rate, rng):
    rows = [dataclasses.replace(row, price=Decimal(rng.randint(95, 1890)) / 100)
            for row in rows_for(producer, count, name=name, start=start, vat_rate=vat_rate)]
    catalogue_upsert(rows=rows, producers={producer.id: producer})


@pytest.fixture
def big_processed_cycle(shop, legal_hub, django_capture_on_commit_callbacks):
    rng = random.Random(20261201)
    cycle, hub = shop.cycle, shop.hub
    for name, vat_rate, start in (("Leeks", Decimal("20"), 100), ("Cider", Decimal("10"), 200)):
        producer = ProducerFactory(name=f"Ferme {name}", slug=f"ferme-{name.lower()}",
                                   contact_email=f"{name.lower()}@example.org")
        _catalogue(producer, 4, name=name, start=start, vat_rate=vat_rate, rng=rng)
        hub_supplier_link(hub=hub, producer=producer)
        cycle_offers_add(cycle=cycle, producer=producer)
    StockRecord.objects.update(num_in_stock=10_000)
    CycleSupplier.objects.filter(cycle=cycle, producer__slug="ferme-leeks").update(
        markup_percent=Decimal("12.5"))
    offers = list(CycleOffer.objects.filter(cycle=cycle).order_by("pk"))
    CycleOffer.objects.filter(pk=offers[-1].pk).update(hub_price=Decimal("7.77"))
    CycleOffer.objects.filter(pk=offers[-2].pk).update(markup_percent=Decimal("33.3"))
    fees = [
        ("Hub costs", CycleFee.Kind.PER_ITEM_PERCENT, Decimal("3"), Decimal("20"), None),
        ("Bag", CycleFee.Kind.PER_ITEM_FLAT, Decimal("0.07"), Decimal("5.5"), None),
        ("Admin", CycleFee.Kind.PER_ORDER_FLAT, Decimal("0.90"), Decimal("10"), None),
        ("Cold chain", CycleFee.Kind.PER_ORDER_FLAT, Decimal("1.25"), Decimal("5.5"), shop.zone),
    ]
    for name, kind, amount, vat_rate, zone in fees:
        cycle_fee_save(cycle=cycle, name=name, kind=kind, amount=amount, vat_rate=vat_rate,
                       delivery_zone=zone)
    point = PickupPoint.objects.create(hub=hub, name="Le Marché", address="2 place du Marché")
    second = cycle_window_save(cycle=cycle, pickup_point=point,
                               date=(timezone.now() + dt.timedelta(days=4)).date(),
                               start_time=dt.time(9), end_time=dt.time(12))
    shoppers = [UserFactory(email=f"shopper{n}@example.org", first_name=f"Shopper {n}")
                for n in range(10)]
    orders = []
    for n in range(30):
        lines = [(offer, rng.randint(1, 4)) for offer in rng.sample(offers, rng.randint(1, 5))]
        options = {"payment_method_id": rng.choice([shop.at_pickup.pk, shop.transfer.pk])}
        if rng.random() < 0.25:
            options |= {"pickup_window_id": None,
                        "delivery": services.Delivery(shop.zone.pk, f"{n} rue Oberkampf",
                                                      "75011")}
        else:
            options["pickup_window_id"] = rng.choice([shop.window.pk, second.pk])
        order = place_order(shop, rng.choice(shoppers), lines, **options)
        if n % 7 == 3:
            Order.objects.filter(pk=order.pk).update(customer_company=f"Company {n}",
                                                     customer_company_number="732829320")
        orders.append(order)
    # An amended order keeps its old lines' prices and takes today's for new ones...
    services.order_amend(order=orders[0], user=shoppers[0], by_manager=True, notify=False,
                         lines=[services.LineRequest(offers[0].pk, 6),
                                services.LineRequest(offers[5].pk, 2)])
    for order in orders[1:3]:
        services.order_cancel(order=order, user=order.user, notify=False)
    # ... and what changes after ordering changes nothing already charged.
    StockRecord.objects.update(price=Decimal("50.00"))
    CycleFee.objects.filter(cycle=cycle).update(amount=Decimal("9.99"))
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=cycle)
    cycle.refresh_from_db()
    return cycle


def test_a_bigger_randomized_cycle_reconciles_to_the_cent(big_processed_cycle):
    cycle = big_processed_cycle
    assert cycle.processed_at is not None
    figures = reconcile(cycle)
    assert figures["invoices"] == 28  # 30 orders, 2 cancelled
    assert figures["rates"] == [Decimal("5.5"), Decimal("10"), Decimal("20")]
    assert figures["fees"] >= {("Hub costs", "item"), ("Bag", "item"), ("Admin", "order"),
                               ("Cold chain", "order"), ("Paris 11-12", "delivery")}
    cancelled = Order.objects.filter(cycle=cycle, status="cancelled")
    assert cancelled.count() == 2
    assert not Invoice.objects.filter(order__in=cancelled).exists()
