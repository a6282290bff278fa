"""Bench data for closing a cycle: a processed cycle of N orders x M lines, fast.

`generate_processed_cycle(orders=10_000, lines=8)` writes with `bulk_create` (not
`order_place`, which would take minutes): the bench hub "bench-close-hub" with its legal
details, two pickup points and a delivery zone; 20 producers with 25 products of two variants
each (`bench.generate`), at 5.5, 10 and 20 % VAT; one cycle offering all of them (markup
10 %, 12.5 % for one supplier), with an item fee in percent (3 % at 20 %), a flat item fee
(0.10 at 5.5 %), a per-order fee (1.00 at 20 %) and the zone's delivery fee (4.00 at 20 %);
then the orders, each with M distinct products (1-4 of each), 80 % picked up at one of the two
points and 20 % delivered, 1 % cancelled, by 500 shoppers.

Every line is what `order_place` would have written: its price breakdown comes from the hub's
price selector (`hubs.pricing.cycle_prices`) and the line from `orders.services._line` (the
function the service uses), the per-order fees from `hubs.pricing.order_fees`. The cycle is
then marked closed and processed (orders `processed`, `CycleProcessing` done) without running
the processing itself; `invoices=True` also issues an invoice per order (snapshots from
`orders.invoicing.invoice_snapshot`, numbered 1..N, bulk-inserted).

Run again, it replaces the bench hub's cycles and orders. Returns {"cycle", "hub", "orders",
"lines", "seconds"}.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from bench.generate import generate
from hubs.cycle_services import cycle_create, cycle_fee_save, cycle_offers_add, cycle_window_save
from hubs.models import (
    CycleFee,
    CycleSupplier,
    DeliveryZone,
    Hub,
    OrderCycle,
    PaymentMethod,
    PickupPoint,
)
from hubs.pricing import cycle_offers, cycle_prices, order_fees
from hubs.services import hub_create, hub_supplier_link
from orders import invoicing, services, transitions
from orders.models import CycleProcessing, Invoice, InvoiceCounter
from producers.models import Producer

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Surcharge = get_model("order", "Surcharge")
Product = get_model("catalogue", "Product")

HUB_SLUG = "bench-close-hub"
PRODUCERS = 20
PRODUCTS_PER_PRODUCER = 25
SHOPPERS = 500
CHUNK = 1000
VAT_RATES = (Decimal("5.5"), Decimal("10"), Decimal("20"))
ZERO = Decimal("0.00")


def _hub() -> Hub:
    hub = Hub.objects.filter(slug=HUB_SLUG).first() or hub_create(
        name="Bench Close Hub", slug=HUB_SLUG, city="Benchville")
    Hub.objects.filter(pk=hub.pk).update(
        legal_name="Bench Close SCIC", registered_address="1 bench street\n75011 Paris",
        company_number="73282932000074", vat_number="FR44732829320", invoice_prefix="BCH")
    hub.refresh_from_db()
    Invoice.objects.filter(hub=hub).delete()
    InvoiceCounter.objects.filter(hub=hub).delete()
    Order.objects.filter(cycle__hub=hub).delete()
    OrderCycle.objects.filter(hub=hub).delete()
    return hub


def _places(hub: Hub):
    points = list(PickupPoint.objects.filter(hub=hub).order_by("pk"))
    for n in range(len(points), 2):
        points.append(PickupPoint.objects.create(hub=hub, name=f"Bench hall {n + 1}",
                                                 address=f"{n + 1} bench street"))
    zone = DeliveryZone.objects.filter(hub=hub).first() or DeliveryZone.objects.create(
        hub=hub, name="Bench town", postcodes="75011, 75012", fee=Decimal("4.00"),
        fee_vat_rate=Decimal("20"))
    method = PaymentMethod.objects.filter(hub=hub).first() or PaymentMethod.objects.create(
        hub=hub, kind="at_pickup", name="At pickup")
    return points, zone, method


def _catalogue(hub: Hub) -> list[Producer]:
    generate(producers=PRODUCERS, products_per_producer=PRODUCTS_PER_PRODUCER)
    producers = list(Producer.objects.filter(slug__startswith="bench-producer-").order_by("pk"))
    for index, producer in enumerate(producers):
        Product.objects.filter(parent__isnull=True, children__stockrecords__partner_id=(
            producer.partner_id)).update(vat_rate=VAT_RATES[index % len(VAT_RATES)])
        hub_supplier_link(hub=hub, producer=producer)
    return producers


def _cycle(hub: Hub, producers, points, zone, now) -> OrderCycle:
    cycle = cycle_create(hub=hub, name="Bench week", opens_at=now - dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=6), markup_percent=Decimal("10"),
                         publish=True)
    for producer in producers:
        cycle_offers_add(cycle=cycle, producer=producer)
    CycleSupplier.objects.filter(cycle=cycle, producer=producers[0]).update(
        markup_percent=Decimal("12.5"))
    for name, kind, amount, vat_rate in (
            ("Hub costs", CycleFee.Kind.PER_ITEM_PERCENT, Decimal("3"), Decimal("20")),
            ("Packing", CycleFee.Kind.PER_ITEM_FLAT, Decimal("0.10"), Decimal("5.5")),
            ("Running costs", CycleFee.Kind.PER_ORDER_FLAT, Decimal("1.00"), Decimal("20"))):
        cycle_fee_save(cycle=cycle, name=name, kind=kind, amount=amount, vat_rate=vat_rate)
    day = (now + dt.timedelta(days=7)).date()
    for point in points:
        cycle_window_save(cycle=cycle, pickup_point=point, date=day, start_time=dt.time(17),
                          end_time=dt.time(19))
    cycle_window_save(cycle=cycle, delivery_zone=zone, date=day, start_time=dt.time(9),
                      end_time=dt.time(12))
    return cycle


def _shoppers() -> list:
    User = get_user_model()
    existing = {u.email: u for u in User.objects.filter(email__startswith="bench-close-")}
    new = [User(username=f"bench-close-{n}@example.org", email=f"bench-close-{n}@example.org",
                first_name="Bench", last_name=f"Shopper {n}", password="!")
           for n in range(SHOPPERS) if f"bench-close-{n}@example.org" not in existing]
    User.objects.bulk_create(new)
    return list(User.objects.filter(email__startswith="bench-close-").order_by("pk"))


@transaction.atomic
def generate_processed_cycle(*, orders: int = 10_000, lines: int = 8, seed: int = 42,
                             invoices: bool = False) -> dict:
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    hub = _hub()
    points, zone, method = _places(hub)
    producers = _catalogue(hub)
    cycle = _cycle(hub, producers, points, zone, now)
    windows = list(cycle.windows.select_related("pickup_point", "delivery_zone").order_by("pk"))
    pickup = [w for w in windows if w.pickup_point_id]
    delivery = next(w for w in windows if w.delivery_zone_id)
    offers = list(cycle_offers(cycle=cycle))
    if lines > len(offers):
        raise ValueError(f"{lines} lines per order, but the cycle has {len(offers)} offers")
    prices = cycle_prices(cycle=cycle, offers=offers)
    fees = {False: order_fees(cycle=cycle), True: order_fees(cycle=cycle, delivery_zone=zone)}
    shoppers = _shoppers()
    written = 0
    for start in range(0, orders, CHUNK):
        batch, plans = [], []
        for n in range(start, min(start + CHUNK, orders)):
            delivered = rng.random() < 0.2
            chosen = [(offer, rng.randint(1, 4)) for offer in rng.sample(offers, lines)]
            charges = fees[delivered]
            excl = sum((prices[o.pk].total_excl_tax * q for o, q in chosen), ZERO) + sum(
                (f.excl_tax for f in charges), ZERO)
            incl = sum((prices[o.pk].total_incl_tax * q for o, q in chosen), ZERO) + sum(
                (f.incl_tax for f in charges), ZERO)
            shopper = shoppers[n % len(shoppers)]
            window = delivery if delivered else rng.choice(pickup)
            batch.append(Order(
                number=f"BC{n + 1:07d}", site_id=1, user=shopper, currency=hub.currency,
                total_excl_tax=excl, total_incl_tax=incl, shipping_incl_tax=ZERO,
                shipping_excl_tax=ZERO, shipping_method=zone.name if delivered else "Pickup",
                shipping_code="delivery" if delivered else "pickup",
                status=transitions.CANCELLED if rng.random() < 0.01 else transitions.PROCESSED,
                cycle=cycle, fulfilment="delivery" if delivered else "pickup",
                pickup_window=window, delivery_zone=zone if delivered else None,
                delivery_address=f"{n} rue du Banc" if delivered else "",
                delivery_postcode="75011" if delivered else "", payment_method=method,
                payment_method_name=method.name, customer_name=f"Bench Shopper {n}",
                fees_breakdown=services._fees_breakdown(charges), language="en",
                date_placed=now - dt.timedelta(seconds=orders - n),
            ))
            plans.append((chosen, charges))
        batch = Order.objects.bulk_create(batch)
        order_lines, surcharges = [], []
        for order, (chosen, charges) in zip(batch, plans, strict=True):
            for offer, quantity in chosen:
                line = services._line(order, offer, prices[offer.pk], quantity)
                line.num_allocated = 0
                if order.status == transitions.CANCELLED:
                    line.status = transitions.CANCELLED
                order_lines.append(line)
            surcharges += services._surcharges(order, charges)
        Line.objects.bulk_create(order_lines, batch_size=2000)
        Surcharge.objects.bulk_create(surcharges, batch_size=2000)
        written += len(order_lines)
    OrderCycle.objects.filter(pk=cycle.pk).update(
        opens_at=now - dt.timedelta(days=8), closes_at=now - dt.timedelta(days=1),
        close_handled_at=now - dt.timedelta(days=1), processed_at=now)
    live = Order.objects.filter(cycle=cycle).exclude(status=transitions.CANCELLED).count()
    CycleProcessing.objects.update_or_create(cycle=cycle, defaults={
        "state": CycleProcessing.State.DONE, "total": live, "done": live, "finished_at": now})
    if invoices:
        _invoices(hub, cycle, now)
    return {"cycle": cycle.pk, "hub": hub.slug, "orders": orders, "lines": written,
            "seconds": time.perf_counter() - started}


def _invoices(hub: Hub, cycle: OrderCycle, now) -> None:
    """One invoice per live order, numbered in order (the gapless sequence's result)."""
    year = timezone.localtime(now, hub.tz).year
    sequence = 0
    live = (Order.objects.filter(cycle=cycle).exclude(status=transitions.CANCELLED)
            .select_related("cycle", "pickup_window__pickup_point", "user")
            .prefetch_related("lines__product").order_by("pk"))
    batch = []
    for order in live.iterator(chunk_size=CHUNK):
        sequence += 1
        data = invoicing.invoice_snapshot(order, hub=hub, issued_at=now)
        batch.append(Invoice(
            hub=hub, cycle=cycle, order=order, year=year, sequence=sequence,
            number=invoicing.invoice_number(prefix=hub.invoice_number_prefix, year=year,
                                            sequence=sequence),
            issued_at=now, customer_name=data["buyer"]["name"][:200],
            total_excl_tax=Decimal(data["totals"]["excl_tax"]),
            total_tax=Decimal(data["totals"]["tax"]),
            total_incl_tax=Decimal(data["totals"]["incl_tax"]), data=data,
        ))
        if len(batch) == CHUNK:
            Invoice.objects.bulk_create(batch)
            batch = []
    Invoice.objects.bulk_create(batch)
    InvoiceCounter.objects.update_or_create(hub=hub, year=year,
                                            defaults={"last_number": sequence})
