"""Reads over orders placed in cycles: a cycle's order figures, a producer's sales and what it
has to prepare; and for the checkout, what a shopper may choose in a cycle and what its basket
would cost (`checkout_choices`, `basket_review`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from hubs.models import CycleStatus, CycleWindow, DeliveryZone, OrderCycle, PaymentMethod
from hubs.pricing import PriceBreakdown, available_quantity, cycle_offers, cycle_prices, order_fees
from hubs.selectors import CycleFigures, cycles_visible_to
from producers.models import Producer

from . import transitions

Line = get_model("order", "Line")
Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
OrderStatusChange = get_model("order", "OrderStatusChange")
Surcharge = get_model("order", "Surcharge")

CANCELLED = transitions.CANCELLED
ZERO = Decimal("0.00")

JUST_CLOSED = dt.timedelta(days=7)


def products_ordered(product_ids: list[int]) -> bool:
    """Whether any of these products is on an order line (producers keeps those, archived)."""
    return Line.objects.filter(product_id__in=product_ids).exists()


def cycle_order_figures(cycle_ids: Iterable[int]) -> dict[int, CycleFigures]:
    """Number of orders and revenue (incl. VAT) per cycle, for cycles with orders: one query.

    Registered with `hubs.selectors.register_cycle_figures` (hubs may not read orders)."""
    rows = (
        Order.objects.filter(cycle_id__in=list(cycle_ids))
        .exclude(status=CANCELLED)
        .values("cycle_id")
        .annotate(order_count=Count("pk"), revenue=Sum("total_incl_tax"))
        .order_by()
    )
    return {
        row["cycle_id"]: CycleFigures(row["order_count"], row["revenue"] or Decimal("0"))
        for row in rows
    }


def _producer_lines(producer: Producer) -> QuerySet:
    return Line.objects.filter(
        partner_id=producer.partner_id, order__cycle__isnull=False
    ).exclude(order__status=CANCELLED)


def producer_sales_by_cycle(*, producer: Producer, limit: int = 12) -> list[dict]:
    """Quantities and sales (excl. VAT) of a producer per cycle, newest first: one query."""
    rows = (
        _producer_lines(producer)
        .values(
            cycle_id=F("order__cycle_id"),
            cycle_name=F("order__cycle__name"),
            hub_name=F("order__cycle__hub__name"),
            hub_time_zone=F("order__cycle__hub__time_zone"),
            closes_at=F("order__cycle__closes_at"),
        )
        .annotate(quantity=Sum("quantity"), revenue=Sum("line_price_excl_tax"))
        .order_by("-closes_at")[:limit]
    )
    return list(rows)


def producer_to_prepare(*, producer: Producer, now=None) -> list[dict]:
    """Quantities already ordered per product in open and just-closed cycles: one query."""
    now = now or timezone.now()
    recent = Q(order__cycle__closes_at__gt=now - JUST_CLOSED,
               order__cycle__published_at__isnull=False)
    rows = (
        _producer_lines(producer)
        .filter(recent)
        .filter(order__cycle__processed_at=None)
        .values(
            cycle_id=F("order__cycle_id"),
            cycle_name=F("order__cycle__name"),
            hub_name=F("order__cycle__hub__name"),
            hub_time_zone=F("order__cycle__hub__time_zone"),
            closes_at=F("order__cycle__closes_at"),
            sku=F("partner_sku"),
            product_title=F("title"),
        )
        .annotate(quantity=Sum("quantity"))
        .order_by("closes_at", "cycle_id", "product_title", "sku")
    )
    return list(rows)


ORDER_RELATED = ("cycle__hub", "pickup_window__pickup_point", "pickup_window__delivery_zone",
                 "delivery_zone", "payment_method", "user")


def _with_everything(orders):
    """What an order's page, e-mail or API answer shows, in three queries for any number."""
    return orders.select_related(*ORDER_RELATED).prefetch_related("lines", "surcharges")


def _orders_with_everything():
    return _with_everything(Order.objects.all())


def order_detail(*, order_id: int):
    """One order with its cycle, hub, window, lines and charges, and `vat_by_rate` (from the
    stored breakdowns): what confirmation pages, e-mails and the API show."""
    from .services import order_totals_by_rate

    order = _orders_with_everything().get(pk=order_id)
    order.vat_by_rate = order_totals_by_rate(order)
    return order


def shopper_orders(*, user):
    """A signed-in shopper's orders across hubs, newest first."""
    return _orders_with_everything().filter(user=user).order_by("-date_placed", "-pk")


def cycle_orders_for_api(*, cycle, status: str = "", window_id: int | None = None):
    """A cycle's orders for its hub's managers, newest first, optionally of one status or
    pickup/delivery window; with everything the order list shows (a constant query count)."""
    orders = cycle_orders(cycle=cycle, status=status)
    if window_id is not None:
        orders = orders.filter(pickup_window_id=window_id)
    return _with_everything(orders).order_by("-date_placed", "-pk")


def cycle_named_to(*, user, cycle_id: int) -> bool:
    """Whether a shopper may learn that this cycle exists (and its name, in an error): a
    published cycle of a visible hub, or one the user may read anyway (their hub's)."""
    published = OrderCycle.objects.filter(
        pk=cycle_id, published_at__isnull=False, hub__is_visible=True
    )
    return published.exists() or cycles_visible_to(user).filter(pk=cycle_id).exists()


# --- the shopper's account and the hub's cycle orders -------------------------------------------


def shopper_order_list(*, user):
    """A signed-in shopper's orders across hubs, newest first, with what the list shows
    (hub, cycle, pickup point or zone): one query, whatever the number of orders."""
    return (
        Order.objects.filter(user=user)
        .select_related("cycle__hub", "pickup_window__pickup_point", "delivery_zone")
        .order_by("-date_placed", "-pk")
    )


def shopper_order(*, user, number: str):
    """One of the shopper's own orders with everything its page shows; 404 for any other."""
    from .services import order_totals_by_rate

    if not getattr(user, "is_authenticated", False):
        raise Http404
    order = _orders_with_everything().filter(user=user, number=number).first()
    if order is None:
        raise Http404
    order.vat_by_rate = order_totals_by_rate(order)
    return order


def order_change_refusal(order, *, by_manager: bool = False, now=None) -> str:
    """Why this order cannot be changed now, "" when it can: the rules of
    `services.order_amend` / `order_cancel`, said to the reader (the services still decide)."""
    now = now or timezone.now()
    cycle = order.cycle
    if order.status == transitions.CANCELLED:
        return _("This order was cancelled.")
    if cycle is None:
        return _("This order was not placed in an order cycle: it cannot be changed here.")
    if order.status not in transitions.CHANGEABLE:
        return _("The hub has processed this order: it can no longer be changed.")
    if cycle.status_at(now) != CycleStatus.OPEN:
        with timezone.override(cycle.hub.time_zone):
            closed = date_format(timezone.localtime(cycle.closes_at), "DATETIME_FORMAT")
        return _("The order cycle closed (%(date)s): this order can no longer be changed.") % {
            "date": closed}
    if not by_manager and not cycle.hub.order_changes_allowed:
        return _("%(hub)s does not allow changes to orders once they are placed: contact the "
                 "hub if something is wrong.") % {"hub": cycle.hub.name}
    return ""


def amend_offer_choices(*, cycle, exclude_offer_ids=(), q: str = "",
                        limit: int = 100) -> list[dict]:
    """Offers of the cycle a shopper may add to an order: title, producer, today's price and
    how many are left, the first `limit` matching `q`. Three queries whatever the cycle's size
    (offers, the cycle's fees, nothing per offer)."""
    offers = cycle_offers(cycle=cycle).filter(
        stockrecord__product__archived_at__isnull=True
    ).exclude(pk__in=list(exclude_offer_ids))
    # Every word typed must be in the product's name, its variant or its producer's name.
    for word in [w for w in q.split() if any(c.isalnum() for c in w)][:6]:
        offers = offers.filter(
            Q(stockrecord__product__title__icontains=word)
            | Q(stockrecord__product__parent__title__icontains=word)
            | Q(supplier__producer__name__icontains=word)
        )
    offers = list(offers[:limit])
    prices = cycle_prices(cycle=cycle, offers=offers)
    choices = []
    for offer in offers:
        available = available_quantity(offer)
        if available == 0:
            continue
        choices.append({
            "offer": offer, "title": offer.stockrecord.product.get_title(),
            "producer": offer.supplier.producer.name,
            "price": prices[offer.pk].total_incl_tax, "available": available,
        })
    return choices


def cycle_orders(*, cycle, status: str = "", pickup_point=None, window=None, q: str = ""):
    """A cycle's orders for its managers, filtered, newest first, with what each row shows
    (customer, pickup point or zone, number of lines): one query for the page."""
    orders = Order.objects.filter(cycle=cycle)
    if status:
        orders = orders.filter(status=status)
    if pickup_point is not None:
        orders = orders.filter(pickup_window__pickup_point=pickup_point)
    if window is not None:
        orders = orders.filter(pickup_window=window)
    q = (q or "").strip()
    if q:
        orders = orders.filter(
            Q(customer_name__icontains=q) | Q(guest_email__icontains=q)
            | Q(user__email__icontains=q) | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q) | Q(number=q)
        )
    return orders


def cycle_order_rows(orders):
    return (
        orders.select_related("user", "pickup_window__pickup_point", "delivery_zone")
        .annotate(line_count=Count("lines"))
        .order_by("-date_placed", "-pk")
    )


def cycle_order_totals(orders) -> dict:
    """Totals of the orders (cancelled ones counted apart, their money left out), summed in
    the database: number, goods, per-order fees and delivery, total incl. VAT, VAT. Two
    queries."""
    live = ~Q(status=CANCELLED)
    figures = orders.order_by().aggregate(
        count=Count("pk"),
        cancelled=Count("pk", filter=~live),
        total_incl_tax=Sum("total_incl_tax", filter=live),
        total_excl_tax=Sum("total_excl_tax", filter=live),
    )
    fees = Surcharge.objects.filter(
        order__in=orders.order_by().exclude(status=CANCELLED).values("pk")
    ).aggregate(incl_tax=Sum("incl_tax"))["incl_tax"] or ZERO
    total = figures["total_incl_tax"] or ZERO
    return {
        "count": figures["count"], "cancelled": figures["cancelled"],
        "goods_incl_tax": total - fees, "fees_incl_tax": fees, "total_incl_tax": total,
        "vat": total - (figures["total_excl_tax"] or ZERO),
    }


def cycle_order(*, cycle, number: str):
    """One order of the cycle for its managers, with its audit trail (`audit_notes`, newest
    first) and status history (`status_history`); 404 when it is not the cycle's."""
    from .services import order_totals_by_rate

    order = (
        _orders_with_everything().filter(cycle=cycle, number=number)
        .prefetch_related(
            Prefetch("notes", queryset=OrderNote.objects.filter(note_type="audit")
                     .select_related("user").order_by("-date_created", "-pk"),
                     to_attr="audit_notes"),
            Prefetch("status_changes", queryset=OrderStatusChange.objects.order_by(
                "-date_created", "-pk"), to_attr="status_history"),
        )
        .first()
    )
    if order is None:
        raise Http404
    order.vat_by_rate = order_totals_by_rate(order)
    return order


# --- checkout ---------------------------------------------------------------------------------


@dataclass
class CheckoutChoices:
    """What a shopper may choose at checkout in a cycle: its pickup windows (active pickup
    points), the hub's active delivery zones (each with `delivery_window`, its first window in
    the cycle, or None) and the hub's active payment methods. Three queries."""

    pickup_windows: list
    zones: list
    payment_methods: list

    def window(self, pk):
        return next((w for w in self.pickup_windows if w.pk == pk), None)

    def zone(self, pk):
        return next((z for z in self.zones if z.pk == pk), None)

    def zone_for(self, postcode: str):
        """The zone delivering to `postcode`: the cheapest if several do."""
        covering = [z for z in self.zones if z.covers(postcode)]
        return min(covering, key=lambda z: (z.fee, z.name, z.pk)) if covering else None

    def payment_method(self, pk):
        return next((m for m in self.payment_methods if m.pk == pk), None)


def checkout_choices(*, cycle) -> CheckoutChoices:
    windows = list(
        CycleWindow.objects.filter(cycle=cycle, pickup_point__isnull=False,
                                   pickup_point__is_active=True)
        .select_related("pickup_point").order_by("date", "start_time", "pk")
    )
    first_delivery: dict[int, CycleWindow] = {}
    for window in CycleWindow.objects.filter(cycle=cycle, delivery_zone__isnull=False).order_by(
            "date", "start_time", "pk"):
        first_delivery.setdefault(window.delivery_zone_id, window)
    zones = list(DeliveryZone.objects.filter(hub_id=cycle.hub_id, is_active=True))
    for zone in zones:
        zone.delivery_window = first_delivery.get(zone.pk)
    methods = list(PaymentMethod.objects.filter(hub_id=cycle.hub_id, is_active=True))
    return CheckoutChoices(pickup_windows=windows, zones=zones, payment_methods=methods)


@dataclass
class ReviewLine:
    """A basket line as the shopper will be charged for it (per unit, then the line)."""

    title: str
    producer: str
    quantity: int
    offer_id: int | None
    breakdown: PriceBreakdown | None
    available: int | None = None

    @property
    def unit_price(self) -> Decimal:
        return self.breakdown.total_incl_tax

    @property
    def total(self) -> Decimal:
        return self.breakdown.total_incl_tax * self.quantity

    @property
    def unit_fees(self) -> Decimal:
        return sum((fee.amount for fee in self.breakdown.fees), ZERO)

    @property
    def vat(self) -> list[tuple[Decimal, Decimal]]:
        return sorted(self.breakdown.vat.items())


@dataclass
class BasketReview:
    """What an order of this basket would cost now, from the hub's price selector: the same
    functions `orders.services.order_place` charges with, so the review and the order agree."""

    cycle: object
    currency: str
    lines: list[ReviewLine]
    missing: list[str]  # titles of lines the cycle does not offer
    short: list[ReviewLine]  # lines asking for more than is left
    fees: list
    minimum_warnings: list[str] = field(default_factory=list)

    @property
    def goods_total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    @property
    def fees_total(self) -> Decimal:
        return sum((fee.incl_tax for fee in self.fees), ZERO)

    @property
    def total(self) -> Decimal:
        return self.goods_total + self.fees_total

    @property
    def total_tax(self) -> Decimal:
        return sum((amount for _rate, amount in self.vat_by_rate), ZERO)

    @property
    def total_excl_tax(self) -> Decimal:
        return self.total - self.total_tax

    @property
    def vat_by_rate(self) -> list[tuple[Decimal, Decimal]]:
        rates: dict[Decimal, Decimal] = {}
        for line in self.lines:
            for rate, amount in line.breakdown.vat.items():
                rates[rate] = rates.get(rate, ZERO) + amount * line.quantity
        for fee in self.fees:
            rate = Decimal(fee.vat_rate).normalize()
            rates[rate] = rates.get(rate, ZERO) + fee.tax
        return sorted(rates.items())

    @property
    def can_be_placed(self) -> bool:
        return bool(self.lines) and not (self.missing or self.short or self.minimum_warnings)


def basket_review(*, cycle, basket, delivery_zone=None) -> BasketReview:
    """Price a basket's lines in its cycle, with the per-order fees (and the zone's delivery
    fee), VAT per rate and the minimum-order warnings. Four queries whatever its size."""
    basket_lines = list(
        basket.lines.select_related("product__parent").order_by("pk")
    ) if basket.pk else []
    offers = {
        offer.stockrecord_id: offer
        for offer in cycle_offers(cycle=cycle).filter(
            stockrecord_id__in={line.stockrecord_id for line in basket_lines})
    }
    prices = cycle_prices(cycle=cycle, offers=list(offers.values()))
    lines, missing = [], []
    wanted: dict[int, int] = {}
    for basket_line in basket_lines:
        offer = offers.get(basket_line.stockrecord_id)
        title = basket_line.product.get_title()
        if offer is None or offer.stockrecord.product.archived_at is not None:
            missing.append(title)
            continue
        wanted[offer.pk] = wanted.get(offer.pk, 0) + basket_line.quantity
        lines.append(ReviewLine(
            title=title, producer=offer.supplier.producer.name,
            quantity=basket_line.quantity, offer_id=offer.pk, breakdown=prices[offer.pk],
        ))
    left = {offer.pk: available_quantity(offer) for offer in offers.values()}
    short = []
    for line in lines:
        line.available = left[line.offer_id]
        if line.available is not None and wanted[line.offer_id] > line.available:
            short.append(line)
    review = BasketReview(
        cycle=cycle, currency=cycle.hub.currency, lines=lines, missing=missing, short=short,
        fees=order_fees(cycle=cycle, delivery_zone=delivery_zone),
    )
    review.minimum_warnings = minimum_warnings(
        hub=cycle.hub, zone=delivery_zone, goods_total=review.goods_total)
    return review


def minimum_warnings(*, hub, zone, goods_total: Decimal) -> list[str]:
    """The hub's and the delivery zone's minimum orders the goods do not reach yet."""
    warnings = []
    if hub.minimum_order and goods_total < hub.minimum_order:
        warnings.append(_("%(hub)s's minimum order is %(amount)s %(currency)s of products: "
                          "add %(missing)s %(currency)s more.") % {
            "hub": hub.name, "amount": hub.minimum_order, "currency": hub.currency,
            "missing": hub.minimum_order - goods_total})
    if zone is not None and zone.minimum_order and goods_total < zone.minimum_order:
        warnings.append(_("Deliveries to %(zone)s need at least %(amount)s %(currency)s of "
                          "products: add %(missing)s %(currency)s more.") % {
            "zone": zone.name, "amount": zone.minimum_order, "currency": hub.currency,
            "missing": zone.minimum_order - goods_total})
    return warnings


# --- fair share: where each euro of a cycle went ------------------------------------------------

FAIR_SHARE_PARTS = {
    "producers": gettext_lazy("Producers"),
    "markup": gettext_lazy("Hub markup"),
    "fees": gettext_lazy("Fees"),
    "vat": gettext_lazy("VAT"),
}
TENTH = Decimal("0.1")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _times_quantity(column: str) -> Sum:
    return Sum(F(column) * F("quantity"), output_field=_MONEY)


def _shares(amounts: dict[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    """Percentages to one decimal that add up to exactly 100.0 (largest remainders get the
    tenths left over by rounding down); all zero when nothing was paid."""
    if total <= 0:
        return dict.fromkeys(amounts, Decimal("0.0"))
    tenths = {key: amount * 1000 / total for key, amount in amounts.items()}
    floors = {key: math.floor(value) for key, value in tenths.items()}
    left = 1000 - sum(floors.values())
    for key in sorted(tenths, key=lambda k: floors[k] - tenths[k])[:max(left, 0)]:
        floors[key] += 1
    return {key: (Decimal(value) / 10).quantize(TENTH) for key, value in floors.items()}


def cycle_fair_share(*, cycle: OrderCycle) -> dict:
    """Of every euro shoppers paid in a cycle (cancelled orders left out): how much went to the
    producers, the hub's markup, fees (per item and per order, delivery included) and VAT.

    Summed in SQL from what each order stored when it was charged (the lines' unit breakdown
    times quantity, the per-order charges), so it matches the breakdowns shoppers saw; three
    queries. Returns {"cycle", "currency", "order_count", "total", "amounts": {part: amount},
    "shares": {part: percent}, "parts": [{"key", "label", "amount", "share"}]}, the shares
    adding up to 100 % when anything was paid.
    """
    lines = Line.objects.filter(order__cycle=cycle).exclude(order__status=CANCELLED)
    goods = lines.aggregate(
        producers=_times_quantity("unit_producer_price"),
        markup=_times_quantity("unit_markup"),
        fees=_times_quantity("unit_fees"),
        vat=_times_quantity("unit_tax"),
    )
    charges = (
        Surcharge.objects.filter(order__cycle=cycle).exclude(order__status=CANCELLED)
        .aggregate(excl=Sum("excl_tax"), incl=Sum("incl_tax"))
    )
    order_count = Order.objects.filter(cycle=cycle).exclude(status=CANCELLED).count()
    charges_excl = charges["excl"] or ZERO
    charges_tax = (charges["incl"] or ZERO) - charges_excl
    amounts = {
        "producers": goods["producers"] or ZERO,
        "markup": goods["markup"] or ZERO,
        "fees": (goods["fees"] or ZERO) + charges_excl,
        "vat": (goods["vat"] or ZERO) + charges_tax,
    }
    total = sum(amounts.values(), ZERO)
    shares = _shares(amounts, total)
    return {
        "cycle": cycle,
        "currency": cycle.hub.currency,
        "order_count": order_count,
        "total": total,
        "amounts": amounts,
        "shares": shares,
        "parts": [
            {"key": key, "label": label, "amount": amounts[key], "share": shares[key]}
            for key, label in FAIR_SHARE_PARTS.items()
        ],
    }


def hub_last_processed_fair_share(*, hub) -> dict | None:
    """The fair share of the hub's most recently processed cycle, or None if none is."""
    cycle = (
        OrderCycle.objects.filter(hub=hub, processed_at__isnull=False)
        .select_related("hub").order_by("-processed_at", "-pk").first()
    )
    return cycle_fair_share(cycle=cycle) if cycle is not None else None


# --- invoices -----------------------------------------------------------------------------------


def order_invoices(*, order) -> list:
    """An order's invoices and credit notes in the order they were numbered (one query), each
    with `cancelled` (a credit note cancels it) and `in_force`."""
    from .models import Invoice

    invoices = list(Invoice.objects.filter(order=order).order_by("year", "sequence"))
    cancelled = {i.corrects_id for i in invoices if i.corrects_id}
    for invoice in invoices:
        invoice.cancelled = invoice.pk in cancelled
        invoice.in_force = not invoice.is_credit_note and not invoice.cancelled
    return invoices


def cycle_invoice(*, cycle, number: str, invoice_id: int):
    """One invoice or credit note of an order of the cycle; 404 otherwise."""
    from .models import Invoice

    invoice = Invoice.objects.filter(pk=invoice_id, cycle=cycle, order__number=number).first()
    if invoice is None:
        raise Http404
    return invoice
