"""Fixtures of the report tests: the shop's cycle with two producers, two pickup points, a
delivery, per-item fees at two VAT rates, a per-order fee and a cancelled order; and an
oracle that adds up the orders line by line in Python (the reports add them up in SQL).

Import the fixtures into a test module: `from tests.orders.report_fixtures import market`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.cycle_services import cycle_fee_save, cycle_offers_add, cycle_window_save
from hubs.models import PickupPoint
from hubs.services import hub_manager_add, hub_supplier_link
from orders import services
from orders.reports import ReportFilters
from producers.catalogue_services import catalogue_upsert
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.orders.conftest import place_order
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import rows_for

Order = get_model("order", "Order")
ZERO = Decimal("0.00")

FORMULA_NAME = '=HYPERLINK("http://evil.example/","Ferme B")'


@pytest.fixture
def market(shop, cycle_orders):
    """`cycle_orders` (Alice, Bob delivered, Carol the business: Ferme A's carrots at 5.5 %,
    "Packing" 0.10 per item at 20 %, "Running costs" 1.00 per order at 20 %, delivery 4.00)
    plus Ferme B (its name a formula) with leeks at 20 % VAT, an item fee at 5.5 %, a second
    pickup point "Le Marché" where Dave collects A's and B's products, and Erin's order of
    leeks, cancelled. Managers: manager@example.org; B's member: farmer-b@example.org."""
    cycle_fee_save(cycle=shop.cycle, name="Bag deposit", kind="item_flat",
                   amount=Decimal("0.05"), vat_rate=Decimal("5.5"))
    ferme_b = ProducerFactory(name=FORMULA_NAME, slug="ferme-b")
    catalogue_upsert(rows=rows_for(ferme_b, 2, name="Leeks", start=100, vat_rate=Decimal("20")),
                     producers={ferme_b.id: ferme_b})
    hub_supplier_link(hub=shop.hub, producer=ferme_b)
    cycle_offers_add(cycle=shop.cycle, producer=ferme_b)
    leeks = list(shop.cycle.offers.filter(supplier__producer=ferme_b).order_by("pk"))
    farmer_b = UserFactory(email="farmer-b@example.org")
    producer_member_add(producer=ferme_b, user=farmer_b, role="owner")
    marche = PickupPoint.objects.create(hub=shop.hub, name="Le Marché", address="2 place")
    window = cycle_window_save(cycle=shop.cycle, pickup_point=marche,
                               date=(timezone.now() + dt.timedelta(days=4)).date(),
                               start_time=dt.time(9), end_time=dt.time(12))
    a = shop.offers[0]
    dave = UserFactory(email="dave@example.org", first_name="Dave", last_name="Roux")
    dave_order = place_order(shop, dave, [(leeks[0], 2), (a, 1)], pickup_window_id=window.pk,
                             customer_name="=1+2")
    erin = UserFactory(email="erin@example.org", first_name="Erin", last_name="Blanc")
    erin_order = place_order(shop, erin, [(leeks[1], 5)], customer_name="Erin Blanc")
    services.order_cancel(order=erin_order, user=erin, notify=False)
    erin_order.refresh_from_db()
    return SimpleNamespace(
        shop=shop, hub=shop.hub, cycle=shop.cycle, orders=cycle_orders, dave=dave_order,
        erin=erin_order, ferme_a=a.supplier.producer, ferme_b=ferme_b, farmer_b=farmer_b,
        halle=shop.point, marche=marche, leeks=leeks,
    )


@pytest.fixture
def other_hub_cycle(shop):
    """Another hub (its own manager, other@example.org) with a cycle of its own."""
    from hubs.cycle_services import cycle_create

    hub = HubFactory(name="Autre marché", slug="autre")
    hub_manager_add(hub=hub, user=UserFactory(email="other@example.org"))
    now = timezone.now()
    return cycle_create(hub=hub, name="Their week", opens_at=now - dt.timedelta(days=1),
                        closes_at=now + dt.timedelta(days=2), publish=True)


def filters_for(market, **kwargs) -> ReportFilters:
    return ReportFilters(hub=market.hub, cycle_ids=(market.cycle.pk,), **kwargs)


def oracle(orders, *, producer=None) -> dict:
    """What the reports must say, added up line by line in Python from the stored columns:
    per producer name, per order number, and the whole."""
    per_producer: dict[str, dict] = {}
    per_order: dict[str, dict] = {}
    for order in orders:
        if order.status == "cancelled":
            continue
        row = per_order.setdefault(order.number, dict.fromkeys(
            ("goods", "fees", "vat", "incl_tax"), ZERO))
        for line in order.lines.all():
            if producer is not None and line.partner_id != producer.partner_id:
                continue
            q = line.quantity
            figures = per_producer.setdefault(line.partner_name, dict.fromkeys(
                ("quantity", "producer_price", "markup", "fees", "vat", "incl_tax"), ZERO))
            figures["quantity"] += q
            figures["producer_price"] += line.unit_producer_price * q
            figures["markup"] += line.unit_markup * q
            figures["fees"] += line.unit_fees * q
            figures["vat"] += line.unit_tax * q
            figures["incl_tax"] += line.line_price_incl_tax
            row["goods"] += (line.unit_producer_price + line.unit_markup) * q
            row["fees"] += line.unit_fees * q
            row["vat"] += line.unit_tax * q
            row["incl_tax"] += line.line_price_incl_tax
        if producer is None:
            for fee in order.fees_breakdown:
                row["fees"] += Decimal(fee["excl_tax"])
                row["vat"] += Decimal(fee["tax"])
                row["incl_tax"] += Decimal(fee["incl_tax"])
        if row["incl_tax"] == ZERO and producer is not None:
            del per_order[order.number]
    return {"producers": per_producer, "orders": per_order,
            "incl_tax": sum((r["incl_tax"] for r in per_order.values()), ZERO)}
