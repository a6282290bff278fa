"""Reads for packing and pickup, once a cycle has closed: its non-cancelled orders as packing
lists (by customer, by producer, by product) and as pickup/delivery sheets (one per pickup
point and window, or delivery zone and window) with the checklist of what was collected and
paid (`orders.models.OrderHandover`, written by `orders.handover.order_handover_mark`).

Every function runs a constant number of queries, whatever the number of orders and lines.
The figures are the orders' own: quantities and titles as stored on the lines, producers as
named on the lines, amounts due as `Order.total_incl_tax`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from hubs.models import CycleStatus, CycleWindow, DeliveryZone, OrderCycle

from . import transitions

Line = get_model("order", "Line")
Order = get_model("order", "Order")

ALL = "all"
ZERO = Decimal("0.00")
PACKABLE = (CycleStatus.CLOSED, CycleStatus.PROCESSED)


def packing_available(cycle: OrderCycle, *, now: dt.datetime | None = None) -> bool:
    """Packing lists and pickup sheets exist once the cycle has closed (orders are final)."""
    return cycle.status_at(now or timezone.now()) in PACKABLE


def customer_label(*, name: str = "", first_name: str = "", last_name: str = "",
                   email: str = "") -> str:
    """What a packer calls a customer: the name given at checkout, else the account's name,
    else the e-mail address."""
    full = f"{first_name or ''} {last_name or ''}".strip()
    return (name or "").strip() or full or email or _("Guest")


def order_customer(order) -> str:
    user = order.user
    return customer_label(
        name=order.customer_name, first_name=getattr(user, "first_name", ""),
        last_name=getattr(user, "last_name", ""), email=order.email,
    )


def _live_orders(cycle: OrderCycle):
    return Order.objects.filter(cycle=cycle).exclude(status=transitions.CANCELLED)


# --- where an order is handed over ------------------------------------------------------------


def sheet_key(*, window_id: int | None, zone_id: int | None) -> str:
    """The pickup sheet an order is on: its window (pickup or delivery), else its zone."""
    if window_id:
        return f"window-{window_id}"
    if zone_id:
        return f"zone-{zone_id}"
    return "other"


@dataclass
class Place:
    """A pickup point and window, or a delivery zone (and window): one pickup sheet."""

    key: str
    kind: str  # "pickup", "delivery" or "other"
    name: str
    address: str = ""
    window: CycleWindow | None = None

    @property
    def sort_key(self) -> tuple:
        window = self.window
        return (
            {"pickup": 0, "delivery": 1}.get(self.kind, 2),
            window.date if window else dt.date.max,
            window.start_time if window else dt.time.max,
            self.name.casefold(), self.key,
        )

    @property
    def label(self) -> str:
        if self.kind == "delivery":
            return _("Delivery: %(zone)s") % {"zone": self.name}
        return self.name


def _places(cycle: OrderCycle) -> dict[str, Place]:
    """Every sheet the cycle could have: its windows and the hub's zones (two queries)."""
    places: dict[str, Place] = {}
    windows = CycleWindow.objects.filter(cycle=cycle).select_related(
        "pickup_point", "delivery_zone")
    for window in windows:
        if window.pickup_point_id:
            place = Place(f"window-{window.pk}", "pickup", window.pickup_point.name,
                          window.pickup_point.address, window)
        else:
            place = Place(f"window-{window.pk}", "delivery", window.delivery_zone.name,
                          window=window)
        places[place.key] = place
    for zone in DeliveryZone.objects.filter(hub_id=cycle.hub_id):
        places[f"zone-{zone.pk}"] = Place(f"zone-{zone.pk}", "delivery", zone.name)
    places["other"] = Place("other", "other", _("No pickup or delivery recorded"))
    return places


def _place(places: dict[str, Place], key: str) -> Place:
    return places.get(key) or places["other"]


@dataclass
class SheetSummary:
    """A pickup sheet in the chooser: its place and how far the handover has gone."""

    place: Place
    orders: int
    collected: int
    paid: int

    @property
    def key(self) -> str:
        return self.place.key


def pickup_sheet_summaries(*, cycle: OrderCycle) -> list[SheetSummary]:
    """The cycle's pickup/delivery sheets that have orders, in date order, with their counts
    of orders, collected and paid: three queries."""
    rows = (
        _live_orders(cycle).values("pickup_window_id", "delivery_zone_id")
        .annotate(
            orders=Count("pk"),
            collected=Count("pk", filter=Q(handover__collected_at__isnull=False)),
            paid=Count("pk", filter=Q(handover__paid_at__isnull=False)),
        ).order_by()
    )
    places = _places(cycle)
    sheets: dict[str, SheetSummary] = {}
    for row in rows:
        key = sheet_key(window_id=row["pickup_window_id"], zone_id=row["delivery_zone_id"])
        if key in sheets:  # a window's orders with different zones: one sheet
            sheets[key].orders += row["orders"]
            sheets[key].collected += row["collected"]
            sheets[key].paid += row["paid"]
        else:
            sheets[key] = SheetSummary(_place(places, key), row["orders"], row["collected"],
                                       row["paid"])
    return sorted(sheets.values(), key=lambda s: s.place.sort_key)


def _on_sheet(orders, key: str):
    kind, _sep, pk = key.partition("-")
    if kind == "window":
        return orders.filter(pickup_window_id=int(pk))
    if kind == "zone":
        return orders.filter(pickup_window__isnull=True, delivery_zone_id=int(pk))
    return orders.filter(pickup_window__isnull=True, delivery_zone__isnull=True)


@dataclass
class PickupSheet:
    place: Place
    orders: list  # Orders with customer, item_count and handover (or None)

    @property
    def total_due(self) -> Decimal:
        return sum((o.total_incl_tax for o in self.orders), ZERO)

    @property
    def collected(self) -> int:
        return sum(1 for o in self.orders if o.handover_state.collected_at)

    @property
    def paid(self) -> int:
        return sum(1 for o in self.orders if o.handover_state.paid_at)


class _NoHandover:
    collected_at = collected_by = paid_at = paid_by = None


NO_HANDOVER = _NoHandover()


def _item_count():
    items = (Line.objects.filter(order=OuterRef("pk")).order_by().values("order")
             .annotate(n=Sum("quantity")).values("n"))
    return Coalesce(Subquery(items, output_field=IntegerField()), 0)


def pickup_sheets(*, cycle: OrderCycle, key: str = ALL) -> list[PickupSheet]:
    """The pickup/delivery sheets of the cycle (`key` one of `pickup_sheet_summaries`, or
    `ALL`): per order its customer, phone, item count, amount due, payment method and
    handover (`handover_state`: collected/paid, by whom, when). Three queries."""
    orders = _live_orders(cycle)
    if key != ALL:
        orders = _on_sheet(orders, key)
    orders = list(
        orders.select_related("user", "payment_method", "delivery_zone",
                              "handover__collected_by", "handover__paid_by")
        .annotate(item_count=_item_count())
        .order_by("number")
    )
    places = _places(cycle)
    sheets: dict[str, PickupSheet] = {}
    for order in orders:
        order.customer = order_customer(order)
        order.handover_state = getattr(order, "handover", None) or NO_HANDOVER
        sheet_of = sheet_key(window_id=order.pickup_window_id, zone_id=order.delivery_zone_id)
        sheet = sheets.setdefault(sheet_of, PickupSheet(_place(places, sheet_of), []))
        sheet.orders.append(order)
    for sheet in sheets.values():
        sheet.orders.sort(key=lambda o: (o.customer.casefold(), o.number))
    return sorted(sheets.values(), key=lambda s: s.place.sort_key)


def pickup_order(*, cycle: OrderCycle, order_id: int):
    """One non-cancelled order of the cycle, for the checklist; 404 for any other order (of
    another cycle or hub, cancelled, or no order at all)."""
    order = _live_orders(cycle).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


# --- packing lists ----------------------------------------------------------------------------


@dataclass
class PackingLine:
    quantity: int
    title: str
    producer: str
    sku: str = ""


@dataclass
class PackingBlock:
    """One order to pack: who, where, and its lines to tick."""

    order: object
    customer: str
    place: Place
    lines: list[PackingLine] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def packing_by_customer(*, cycle: OrderCycle) -> list[PackingBlock]:
    """One block per order (customer, order number, pickup point and window or delivery
    address, phone, note, lines with quantity, product and producer), grouped by where the
    order is handed over, then by customer: four queries."""
    orders = list(
        _live_orders(cycle).select_related("user")
        .prefetch_related("lines").order_by("number")
    )
    places = _places(cycle)
    blocks = []
    for order in orders:
        key = sheet_key(window_id=order.pickup_window_id, zone_id=order.delivery_zone_id)
        lines = sorted(order.lines.all(), key=lambda ln: (ln.partner_name.casefold(),
                                                          ln.title.casefold(), ln.pk))
        blocks.append(PackingBlock(
            order=order, customer=order_customer(order), place=_place(places, key),
            lines=[PackingLine(ln.quantity, ln.title, ln.partner_name, ln.partner_sku)
                   for ln in lines],
        ))
    blocks.sort(key=lambda b: (b.place.sort_key, b.customer.casefold(), b.order.number))
    return blocks


@dataclass
class ProducerProduct:
    title: str
    sku: str
    quantity: int
    orders: int


@dataclass
class ProducerBlock:
    """What one producer brings: each product and its total quantity."""

    name: str
    products: list[ProducerProduct] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(p.quantity for p in self.products)


def packing_by_producer(*, cycle: OrderCycle) -> list[ProducerBlock]:
    """What to unload: per producer, each product with its total quantity and number of
    orders, summed in SQL (one query)."""
    rows = (
        Line.objects.filter(order__cycle=cycle).exclude(order__status=transitions.CANCELLED)
        .values("partner_id", "partner_name", "title", "partner_sku")
        .annotate(quantity=Sum("quantity"), orders=Count("order_id", distinct=True))
        .order_by("partner_name", "partner_id", "title", "partner_sku")
    )
    blocks: dict = {}
    for row in rows:
        block = blocks.setdefault(row["partner_id"], ProducerBlock(row["partner_name"]))
        block.products.append(ProducerProduct(row["title"], row["partner_sku"],
                                              row["quantity"], row["orders"]))
    return sorted(blocks.values(), key=lambda b: b.name.casefold())


@dataclass
class ProductShare:
    customer: str
    number: str
    quantity: int
    place: Place


@dataclass
class ProductBlock:
    """One product split across the customers who ordered it."""

    title: str
    producer: str
    sku: str
    shares: list[ProductShare] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(s.quantity for s in self.shares)


def packing_by_product(*, cycle: OrderCycle) -> list[ProductBlock]:
    """Each product (title, producer) split across customers: who gets how many, and where
    their order is handed over. Three queries."""
    rows = (
        Line.objects.filter(order__cycle=cycle).exclude(order__status=transitions.CANCELLED)
        .values("partner_id", "partner_name", "title", "partner_sku", "order__number",
                "order__customer_name", "order__user__first_name", "order__user__last_name",
                "order__user__email", "order__guest_email", "order__pickup_window_id",
                "order__delivery_zone_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("title", "partner_name", "partner_id", "partner_sku", "order__number")
    )
    places = _places(cycle)
    blocks: dict[tuple, ProductBlock] = {}
    for row in rows:
        key = (row["title"], row["partner_id"], row["partner_sku"])
        block = blocks.setdefault(key, ProductBlock(row["title"], row["partner_name"],
                                                    row["partner_sku"]))
        customer = customer_label(
            name=row["order__customer_name"], first_name=row["order__user__first_name"],
            last_name=row["order__user__last_name"],
            email=row["order__user__email"] or row["order__guest_email"],
        )
        place = _place(places, sheet_key(window_id=row["order__pickup_window_id"],
                                         zone_id=row["order__delivery_zone_id"]))
        block.shares.append(ProductShare(customer, row["order__number"], row["quantity"],
                                         place))
    for block in blocks.values():
        block.shares.sort(key=lambda s: (s.customer.casefold(), s.number))
    return sorted(blocks.values(),
                  key=lambda b: (b.title.casefold(), b.producer.casefold(), b.sku))
