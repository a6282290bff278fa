"""The demo's shoppers, last weeks' orders and open baskets (issue 9 §10): enough realistic
orders for the close to work on, open cycles a shopper can check out in, and figures that add
up (totals, fees, stock)."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from oscar.core.loading import get_model
from schwifty import IBAN

from hubs.models import Hub, OrderCycle
from orders import transitions
from orders.demo import SHOPPER_EMAIL, SHOPPERS

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
Line = get_model("order", "Line")
Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")


def load(*args):
    call_command("foodhub_demo", *args, quiet_roster=True, stdout=StringIO())


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo load for the tests that only read it (a load takes seconds), rolled back once
    they are done; each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        load()
        yield
        transaction.set_rollback(True)


def allocations():
    return dict(StockRecord.objects.filter(num_allocated__gt=0)
                .values_list("id", "num_allocated"))


def test_closed_cycles_have_forty_realistic_orders_across_both_hubs(demo):
    closed = OrderCycle.objects.in_status("processed")
    orders = list(Order.objects.filter(cycle__in=closed).select_related("cycle__hub", "user",
                                                                         "payment_method"))
    assert len(orders) >= 40
    assert {o.cycle.hub.slug for o in orders} == {"panier-de-belleville", "riverside-food-hub"}
    assert len(closed) == 6 and all(c.orders.count() >= 5 for c in closed)  # every week
    # Processed an hour after closing, as the close would have (dated by the transition).
    assert all(c.processed_at == c.closes_at + dt.timedelta(hours=1) for c in closed)
    shoppers = {o.user.email for o in orders}
    assert len(shoppers) >= 10 and SHOPPER_EMAIL in shoppers
    assert shoppers <= {s.email for s in SHOPPERS}
    assert all(o.customer_name and o.user.get_full_name() == o.customer_name for o in orders)
    assert {o.fulfilment for o in orders} == {"pickup", "delivery"}
    assert {o.payment_method.kind for o in orders} == {"at_pickup", "bank_transfer"}
    statuses = [o.status for o in orders]
    assert 2 <= statuses.count(transitions.CANCELLED) <= 4
    # Processing froze every other order; the changes made while open are in its history.
    assert set(statuses) == {transitions.CANCELLED, transitions.PROCESSED}
    assert sum(o.status_changes.filter(new_status=transitions.AMENDED).exists()
               for o in orders) >= 2
    for order in orders:
        cycle = order.cycle
        # Placed while the cycle was open, then the cycle was closed by its transition.
        assert cycle.opens_at <= order.date_placed < cycle.closes_at
        assert cycle.close_handled_at == cycle.closes_at
        assert 2 <= order.lines.count() <= 8
        if order.fulfilment == "delivery":
            assert order.delivery_zone.covers(order.delivery_postcode)
            assert order.delivery_address and order.pickup_window.delivery_zone_id
        else:
            assert order.pickup_window.pickup_point.hub_id == cycle.hub_id
        if order.payment_method.kind == "bank_transfer":
            assert order.payment_reference in order.payment_instructions
            assert order.payment_method.iban in order.payment_instructions


def test_order_totals_are_their_lines_plus_fees(demo):
    orders = Order.objects.filter(cycle__isnull=False).prefetch_related("lines", "surcharges")
    assert orders.count() >= 40
    for order in orders:
        lines = list(order.lines.all())
        for line in lines:
            unit = line.unit_producer_price + line.unit_markup + line.unit_fees + line.unit_tax
            assert unit == line.unit_price_incl_tax, line.title
            assert line.line_price_incl_tax == line.unit_price_incl_tax * line.quantity
            assert Decimal(line.price_breakdown["total_incl_tax"]) == line.unit_price_incl_tax
        fees = sum((Decimal(f["incl_tax"]) for f in order.fees_breakdown), Decimal("0"))
        assert fees == sum((s.incl_tax for s in order.surcharges.all()), Decimal("0"))
        assert order.total_incl_tax == sum(ln.line_price_incl_tax for ln in lines) + fees
        names = {f["name"] for f in order.fees_breakdown}
        if order.fulfilment == "delivery":  # the zone's fee once, plus the crate
            assert order.delivery_zone.name in names and len(names) == 2
        else:
            assert not names
        minimum = max(order.cycle.hub.minimum_order,
                      order.delivery_zone.minimum_order if order.delivery_zone else 0)
        assert order.total_incl_tax - fees >= minimum


def test_processing_consumed_the_stock_the_orders_held(demo):
    """Past cycles are processed: their orders' allocations became sales, so no line and no
    stock record holds anything, and the demo's invoices match its orders."""
    from orders.models import Invoice

    assert not Line.objects.filter(num_allocated__gt=0).exists()
    assert allocations() == {}
    assert not StockRecord.objects.filter(num_in_stock__lt=0).exists()
    invoiced = Order.objects.exclude(status=transitions.CANCELLED).filter(cycle__isnull=False)
    assert Invoice.objects.count() == invoiced.count() >= 40
    for invoice in Invoice.objects.select_related("order"):
        assert invoice.total_incl_tax == invoice.order.total_incl_tax
        assert invoice.pdf_rendered_at is not None


def test_open_cycles_can_be_checked_out_and_have_open_baskets(demo):
    open_cycles = list(OrderCycle.objects.in_status("open").select_related("hub"))
    assert {c.hub.slug for c in open_cycles} == {"panier-de-belleville", "riverside-food-hub"}
    for cycle in open_cycles:
        hub = cycle.hub
        points = set(hub.pickup_points.filter(is_active=True).values_list("id", flat=True))
        windows = list(cycle.windows.all())
        assert len(points) >= 2
        assert points == {w.pickup_point_id for w in windows if w.pickup_point_id}
        close_day = cycle.closes_at.astimezone(ZoneInfo(hub.time_zone)).date()
        assert all(w.date > close_day for w in windows)  # after the close, hub time
        zone_windows = [w for w in windows if w.delivery_zone_id]
        assert zone_windows
        zone = zone_windows[0].delivery_zone
        assert zone.patterns() and zone.fee > 0 and zone.minimum_order > 0
        assert zone.covers(hub.postcode)  # the hub's own neighbourhood
        kinds = {m.kind: m for m in hub.payment_methods.filter(is_active=True)}
        assert set(kinds) == {"at_pickup", "bank_transfer"}
        assert IBAN(kinds["bank_transfer"].iban).is_valid
        assert not cycle.orders.exists()
    baskets = list(Basket.objects.filter(cycle__in=open_cycles, status=Basket.OPEN))
    assert len(baskets) >= 3
    assert {b.cycle.hub.slug for b in baskets} == {"panier-de-belleville", "riverside-food-hub"}
    for basket in baskets:
        assert basket.owner.email in {s.email for s in SHOPPERS}
        assert basket.owner.email != SHOPPER_EMAIL  # the documented login starts empty
        lines = list(basket.lines.select_related("stockrecord"))
        assert lines and all(ln.price_incl_tax > 0 for ln in lines)
        offered = set(cycle_stockrecords(basket.cycle))
        assert {ln.stockrecord_id for ln in lines} <= offered


def cycle_stockrecords(cycle):
    return cycle.offers.values_list("stockrecord_id", flat=True)


def test_reloading_rebuilds_the_same_orders_and_gives_stock_back():
    load()
    before = (Order.objects.count(), Line.objects.aggregate(n=Sum("quantity"))["n"],
              Basket.objects.filter(cycle__isnull=False).count(), allocations())
    load()
    after = (Order.objects.count(), Line.objects.aggregate(n=Sum("quantity"))["n"],
             Basket.objects.filter(cycle__isnull=False).count(), allocations())
    assert after[:3] == before[:3]
    assert sum(after[3].values()) == sum(before[3].values())  # not held twice
    from orders.models import Invoice

    # The invoices are rebuilt too, numbered from 1 again in each hub.
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert {f"LPB-{n[4:8]}-000001" for n in numbers if n.startswith("LPB-")} <= numbers
    assert any(n.startswith("LPB-") for n in numbers)
    assert OrderCycle.objects.count() == 10
    load("--reset")
    assert Order.objects.count() == before[0]
    assert sum(allocations().values()) == sum(before[3].values())
    assert Hub.objects.count() == 2
