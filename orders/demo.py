"""Demo data for orders: a dozen shoppers, three weeks of orders in each demo hub's past
cycles, and a few open baskets in the open cycles.

Every order goes through `orders.services.order_place` (and amend/cancel), as of a moment while
its cycle was open, so prices, fee snapshots and stock allocations are what a real checkout
would have written; then the past cycles are closed through `hubs.transitions`, so the close
handlers see those orders. No e-mail is sent. A fixed random seed keeps every run alike.

The past cycles are then processed as their close would have (orders frozen, stock consumed,
purchase orders and invoices issued as of an hour after the close), without e-mails.

Re-runs: `clear()` (run by `foodhub_demo` before any package re-seeds) gives the stock those
orders hold back and deletes the orders, documents and baskets of the demo hubs' cycles,
which `hubs.demo` then rebuilds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from oscar.core.loading import get_model

from hubs import transitions as cycle_transitions
from hubs.demo import HUBS
from hubs.models import CycleStatus, CycleWindow, Hub, OrderCycle, PaymentMethod
from hubs.pricing import cycle_offers, cycle_prices
from producers import services as producer_services
from producers.demo import demo_user

from . import invoice_documents, invoicing, processing, purchasing, services
from .models import (
    CycleProcessing,
    Invoice,
    InvoiceBundle,
    InvoiceCounter,
    OrderHandover,
    PurchaseOrder,
)
from .strategy import CycleStrategy

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Basket = get_model("basket", "Basket")

SHOPPER_EMAIL = "shopper@example.org"
FR, EN = "panier-de-belleville", "riverside-food-hub"
SEED = 20_261_130
PICKUP, TRANSFER = PaymentMethod.Kind.AT_PICKUP, PaymentMethod.Kind.BANK_TRANSFER
# Last weeks' orders use plentiful products only, so this week's "only N left" stays as the
# catalogue sets it.
MIN_STOCK = 20


@dataclass(frozen=True)
class Shopper:
    email: str
    first_name: str
    last_name: str
    hubs: tuple[str, ...]
    language: str
    phone: str
    pays_by: str = PICKUP
    address: tuple[str, str] | None = None  # (address, postcode): usually has it delivered
    pickup_point: int = 0  # index of the pickup point they usually go to


SHOPPERS = [
    Shopper(SHOPPER_EMAIL, "Sam", "Shopper", (FR, EN), "en", "+33 6 12 34 56 78"),
    Shopper("camille.martin@example.org", "Camille", "Martin", (FR,), "fr", "06 23 45 67 81",
            pays_by=TRANSFER),
    Shopper("julien.bernard@example.org", "Julien", "Bernard", (FR,), "fr", "06 74 12 90 33",
            pickup_point=1),
    Shopper("lea.dubois@example.org", "Léa", "Dubois", (FR,), "fr", "07 61 28 44 19",
            pays_by=TRANSFER, address=("7 rue Dénoyez, 75020 Paris", "75020")),
    Shopper("karim.benali@example.org", "Karim", "Benali", (FR,), "fr", "06 45 88 21 07",
            address=("112 rue de Crimée, 75019 Paris", "75019")),
    Shopper("sophie.nguyen@example.org", "Sophie", "Nguyen", (FR,), "fr", "06 98 03 52 64",
            pays_by=TRANSFER, pickup_point=1),
    Shopper("thomas.moreau@example.org", "Thomas", "Moreau", (FR,), "fr", "07 82 15 39 46"),
    Shopper("aicha.diallo@example.org", "Aïcha", "Diallo", (FR,), "fr", "06 31 77 60 25",
            address=("5 villa de l'Ermitage, 75020 Paris", "75020")),
    Shopper("siobhan.murphy@example.org", "Siobhán", "Murphy", (EN,), "en", "087 214 3390",
            pays_by=TRANSFER),
    Shopper("conor.obrien@example.org", "Conor", "O'Brien", (EN,), "en", "086 552 1047",
            address=("14 Douglas Street, Cork", "T12 HX27")),
    Shopper("aoife.kelly@example.org", "Aoife", "Kelly", (EN,), "en", "085 730 6612",
            pickup_point=1),
    Shopper("declan.walsh@example.org", "Declan", "Walsh", (EN,), "en", "087 906 4158",
            pays_by=TRANSFER, pickup_point=1),
    Shopper("niamh.byrne@example.org", "Niamh", "Byrne", (EN,), "en", "083 418 2275",
            pays_by=TRANSFER, address=("3 Blarney Street, Cork", "T23 KX80")),
]
NOTES = {
    "fr": ["Je passerai plutôt en fin de créneau.", "Pain bien cuit si possible, merci !",
           "Code de l'immeuble : 4512B."],
    "en": ["I'll be there towards the end of the slot.", "Ring the bell twice, please.",
           "Could you keep the eggs apart? Thanks!"],
}
# Open baskets, not yet checked out: (shopper e-mail, hub slug, number of products).
BASKETS = [
    ("camille.martin@example.org", FR, 4),
    ("thomas.moreau@example.org", FR, 2),
    ("aoife.kelly@example.org", EN, 3),
    ("declan.walsh@example.org", EN, 5),
]


def _demo_cycles():
    """The demo hubs' cycles, which `hubs.demo` rebuilds on every run."""
    return OrderCycle.objects.filter(hub__slug__in=[h["slug"] for h in HUBS])


def _delete_documents(cycles) -> None:
    """Delete the demo cycles' invoices, purchase orders and bundles, with their files.

    Invoices are immutable and never deleted by the product; demo data is the exception:
    it is rebuilt on every run, numbering included (the demo hubs' counters restart)."""
    for model, fields in ((Invoice, ("pdf",)), (PurchaseOrder, ("pdf", "csv")),
                          (InvoiceBundle, ("file",))):
        rows = model.objects.filter(cycle__in=cycles)
        for row in rows.only("pk", *fields):
            for name in fields:
                file = getattr(row, name)
                if file:
                    file.storage.delete(file.name)
        if model is Invoice:  # credit notes first: they protect the invoices they cancel
            rows.filter(corrects__isnull=False).purge_demo_data()
            rows.purge_demo_data()
        else:
            rows.delete()
    CycleProcessing.objects.filter(cycle__in=cycles).delete()
    OrderHandover.objects.filter(order__cycle__in=cycles).delete()
    InvoiceCounter.objects.filter(hub__slug__in=[h["slug"] for h in HUBS]).delete()


@transaction.atomic
def clear() -> None:
    """Give back the stock the demo cycles' orders hold, then delete those orders, their
    documents and baskets."""
    cycles = _demo_cycles()
    held = (
        Line.objects.filter(order__cycle__in=cycles, stockrecord__isnull=False,
                            num_allocated__gt=0)
        .values("stockrecord_id").annotate(held=Sum("num_allocated")).order_by("stockrecord_id")
    )
    for row in held:
        producer_services.stock_allocate(stockrecord_id=row["stockrecord_id"],
                                         quantity=-row["held"])
    _delete_documents(cycles)
    Order.objects.filter(cycle__in=cycles).delete()
    Basket.objects.filter(cycle__in=cycles).delete()


def _process(cycle: OrderCycle) -> int:
    """Process a past cycle here and now, as its close would have an hour after closing:
    orders frozen, purchase orders and invoices issued and rendered, nothing e-mailed."""
    when = cycle.closes_at + dt.timedelta(hours=1)
    processing.orders_freeze(cycle_id=cycle.pk)
    for producer_id in processing.cycle_producer_ids(cycle.pk):
        po = purchasing.purchase_order_issue(cycle_id=cycle.pk, producer_id=producer_id)
        purchasing.purchase_order_render(purchase_order_id=po.pk)
    issued = 0
    for order_id in (processing.invoiceable_orders(cycle.pk).order_by("date_placed", "pk")
                     .values_list("pk", flat=True)):
        invoice = invoicing.invoice_issue(order_id=order_id, now=when)
        invoice_documents.invoice_render(invoice_id=invoice.pk)
        issued += 1
    total = issued + PurchaseOrder.objects.filter(cycle=cycle).count()
    CycleProcessing.objects.update_or_create(cycle=cycle, defaults={
        "state": CycleProcessing.State.DONE, "total": total, "done": total,
        "finished_at": when, "summary_sent_at": when})
    cycle_transitions.cycle_mark_processed(cycle=cycle, now=when)
    return issued


class _CycleShop:
    """What placing orders in one cycle needs, read once: offers, prices, windows, payment."""

    def __init__(self, cycle: OrderCycle):
        self.cycle = cycle
        self.hub: Hub = cycle.hub
        offers = list(cycle_offers(cycle=cycle))
        self.prices = cycle_prices(cycle=cycle, offers=offers)
        self.offers = [o for o in offers if self._plentiful(o)]
        self.windows = list(
            CycleWindow.objects.filter(cycle=cycle, pickup_point__isnull=False)
            .order_by("date", "start_time", "id")
        )
        self.zone = self.hub.delivery_zones.filter(is_active=True).order_by("id").first()
        self.methods = {m.kind: m for m in self.hub.payment_methods.filter(is_active=True)}

    @staticmethod
    def _plentiful(offer) -> bool:
        variant = offer.stockrecord.product
        on_demand = variant.on_demand or (variant.parent_id and variant.parent.on_demand)
        return bool(on_demand) or (offer.stockrecord.num_in_stock or 0) >= MIN_STOCK

    def lines(self, rng: random.Random, count: int, minimum: Decimal) -> dict[int, int]:
        """`count` products (at least worth `minimum` with VAT), a few of each."""
        offers = rng.sample(self.offers, len(self.offers))
        quantities = {o.pk: rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
                      for o in offers[:count]}
        for offer in offers[count:]:  # short of the minimum: one more product, up to 8
            if self.goods(quantities) >= minimum or len(quantities) >= 8:
                break
            quantities[offer.pk] = 1
        while self.goods(quantities) < minimum:
            quantities[rng.choice(list(quantities))] += 1
        return quantities

    def goods(self, quantities: dict[int, int]) -> Decimal:
        return sum((self.prices[pk].total_incl_tax * q for pk, q in quantities.items()),
                   Decimal("0"))


def _shoppers() -> dict[str, object]:
    return {
        s.email: demo_user(s.email, first_name=s.first_name, last_name=s.last_name)
        for s in SHOPPERS
    }


def _place(shop: _CycleShop, rng: random.Random, shopper: Shopper, user, when, *,
           top_up: bool = False):
    delivers = shopper.address is not None and shop.zone is not None and rng.random() < 0.8
    minimum = max(shop.hub.minimum_order, shop.zone.minimum_order if delivers else 0)
    count = rng.choice((2, 3)) if top_up else rng.choice((2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8))
    quantities = shop.lines(rng, count, minimum + Decimal("2"))
    kind = shopper.pays_by if rng.random() < 0.85 else (PICKUP if shopper.pays_by == TRANSFER
                                                          else TRANSFER)
    window = shop.windows[min(shopper.pickup_point, len(shop.windows) - 1)]
    delivery = (
        services.Delivery(zone_id=shop.zone.pk, address=shopper.address[0],
                          postcode=shopper.address[1]) if delivers else None
    )
    return services.order_place(
        cycle_id=shop.cycle.pk,
        lines=[services.LineRequest(offer_id=pk, quantity=q) for pk, q in quantities.items()],
        payment_method_id=shop.methods[kind].pk,
        pickup_window_id=None if delivers else window.pk,
        delivery=delivery,
        user=user,
        phone=shopper.phone,
        note=rng.choice(NOTES[shopper.language]) if rng.random() < 0.15 else "",
        language=shopper.language,
        now=when,
        notify=False,
    )


def _order_time(rng: random.Random, cycle: OrderCycle) -> dt.datetime:
    """A moment while the cycle was open, in the daytime of the hub (07:00-23:00)."""
    zone = ZoneInfo(cycle.hub.time_zone)
    span = (cycle.closes_at - cycle.opens_at).total_seconds()
    while True:
        when = cycle.opens_at + dt.timedelta(seconds=rng.uniform(0.02, 0.9) * span)
        if 7 <= when.astimezone(zone).hour < 23:
            return when


def _past_orders(rng: random.Random, users: dict) -> list:
    """Three weeks of orders in each demo hub: every shopper orders most weeks, someone
    comes back for a forgotten item; one order a week amended, and last week
    one cancelled per hub, all while the cycle was open. Then the cycles close, oldest
    first (each as of its closing time)."""
    past = sorted(
        OrderCycle.objects.in_status(CycleStatus.CLOSED).filter(
            hub__slug__in=[FR, EN], close_handled_at=None, processed_at=None,
        ).select_related("hub"),
        key=lambda c: c.closes_at,
    )
    last_week = {c.hub_id: c for c in past}  # the latest past cycle of each hub
    orders = []
    for cycle in past:
        shop = _CycleShop(cycle)
        regulars = [s for s in SHOPPERS if cycle.hub.slug in s.hubs]
        rng.shuffle(regulars)
        if rng.random() < 0.5:
            regulars.pop()  # away this week
        visits = [(s, False) for s in regulars] + [(rng.choice(regulars), True)]
        times = sorted(_order_time(rng, cycle) for _ in visits)
        placed = [
            (_place(shop, rng, shopper, users[shopper.email], when, top_up=top_up), shopper, when)
            for (shopper, top_up), when in zip(visits, times, strict=True)
        ]
        # Changes a few hours after ordering, well before the close.
        order, shopper, when = placed[0]
        wanted = {line.offer_id: line.quantity for line in order.lines.all()}
        wanted[min(wanted)] += 1
        if len(wanted) < 8:
            wanted[next(o.pk for o in shop.offers if o.pk not in wanted)] = 1
        services.order_amend(
            order=order, user=users[shopper.email], now=when + dt.timedelta(hours=3),
            lines=[services.LineRequest(offer_id=pk, quantity=q) for pk, q in wanted.items()],
            notify=False,
        )
        if last_week[cycle.hub_id] == cycle:
            order, shopper, when = placed[1]
            services.order_cancel(order=order, user=users[shopper.email],
                                  now=when + dt.timedelta(hours=2), notify=False)
        orders += [order for order, _shopper, _when in placed]
        cycle_transitions.cycles_close_due(now=cycle.closes_at)
    return orders


def _open_baskets(rng: random.Random, users: dict) -> int:
    """Baskets being filled in this week's open cycles (Oscar's basket, bound to the cycle)."""
    count = 0
    for email, slug, products in BASKETS:
        cycle = OrderCycle.objects.in_status(CycleStatus.OPEN).filter(hub__slug=slug).first()
        if cycle is None:
            continue
        shop = _CycleShop(cycle)
        basket, _created = Basket.open.get_or_create(owner=users[email])
        basket.flush()
        basket.cycle = cycle
        basket.save(update_fields=["cycle"])
        basket.strategy = CycleStrategy(cycle=cycle)
        offers = {o.pk: o for o in shop.offers}
        for offer_id, quantity in shop.lines(rng, products, Decimal("0")).items():
            basket.add_product(offers[offer_id].stockrecord.product, quantity)
        count += 1
    return count


@transaction.atomic
def seed(*, stdout=None) -> dict:
    rng = random.Random(SEED)  # noqa: S311 - the same demo on every run, not security
    users = _shoppers()
    orders = _past_orders(rng, users)
    past = OrderCycle.objects.filter(hub__slug__in=[FR, EN], processed_at=None,
                                     close_handled_at__isnull=False).order_by("closes_at")
    invoices = sum(_process(cycle) for cycle in past.select_related("hub"))
    baskets = _open_baskets(rng, users)
    if stdout:
        stdout.write(f"  orders: {len(users)} shoppers, {len(orders)} orders in past cycles "
                     f"(processed: {invoices} invoices), {baskets} open baskets")
    return {"shopper": users[SHOPPER_EMAIL], "orders": orders}


@transaction.atomic
def reset() -> None:
    clear()
    get_user_model().objects.filter(email__in=[s.email for s in SHOPPERS]).delete()
