"""Writes for orders placed in order cycles: place, amend, cancel.

One service places every order (web checkout and API): it re-reads the offers of the cycle,
recomputes every price with the hub's price selector, allocates stock and caps with
conditional UPDATEs in a fixed order (stock records by id, then offers by id), and stores per
line the breakdown it charged. See docs/orders.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from hubs import services as hub_services
from hubs.models import CycleOffer, CycleStatus, CycleWindow, DeliveryZone, OrderCycle
from hubs.models import PaymentMethod as HubPaymentMethod
from hubs.pricing import (
    PriceBreakdown,
    available_quantity,
    cycle_offers,
    cycle_prices,
    order_fees,
)
from producers import services as producer_services
from producers.money import round_money
from producers.stock_history import ORDER as ORDER_SOURCE

from . import transitions
from .business import Business, business_clean, order_business_fields

Order = get_model("order", "Order")
Line = get_model("order", "Line")
OrderNote = get_model("order", "OrderNote")
Surcharge = get_model("order", "Surcharge")

MAX_QUANTITY = 999
MAX_LINES = 200
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineRequest:
    """A line as a shopper asks for it: an offer of the cycle and a quantity."""

    offer_id: int
    quantity: int


@dataclass(frozen=True)
class Delivery:
    zone_id: int
    address: str
    postcode: str


class OrderShort(Exception):
    """Some lines ask for more than is left (stock or the offer's cap). Nothing was written.

    `lines`: [{"offer": id, "title": str, "requested": n, "available": n}]."""

    def __init__(self, lines: list[dict]):
        self.lines = lines
        names = ", ".join(
            _("%(title)s (%(available)s left)") % line for line in lines
        )
        super().__init__(_("Not enough left for: %(names)s.") % {"names": names})

    @property
    def message(self) -> str:
        return str(self.args[0])


# --- reading what the shopper asked for --------------------------------------------------------


def _open_cycle(cycle_id: int, now) -> OrderCycle:
    """The cycle, share-locked on PostgreSQL so its close claim waits for this order.

    Locked first, then read: the read (a new snapshot under READ COMMITTED) sees the row as
    the lock found it, so a close claimed just before cannot be missed."""
    _share_lock_cycle(cycle_id)
    cycle = OrderCycle.objects.select_related("hub").filter(pk=cycle_id).first()
    if cycle is None:
        raise ValidationError({"order_cycle": _("This order cycle does not exist.")})
    if cycle.status_at(now) != CycleStatus.OPEN:
        raise ValidationError(
            {"order_cycle": _("%(cycle)s is not open for orders.") % {"cycle": cycle.name}}
        )
    return cycle


def _share_lock_cycle(cycle_id) -> None:
    """FOR SHARE on the cycle row (PostgreSQL): orders of a cycle don't block each other,
    but the close claim (an UPDATE of that row) waits until this order commits, so closing
    sees every order placed while the cycle was open. SQLite serialises writers anyway."""
    if connection.vendor != "postgresql" or cycle_id is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(SHARE_LOCK_SQL, [cycle_id])


SHARE_LOCK_SQL = "SELECT id FROM hubs_ordercycle WHERE id = %s FOR SHARE"


def _merge(lines: list[LineRequest]) -> dict[int, int]:
    if not lines:
        raise ValidationError({"lines": _("The order has no products.")})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": _("An order has at most %(n)s lines.") % {"n": MAX_LINES}})
    merged: dict[int, int] = {}
    for line in lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool):
            raise ValidationError({"lines": _("Quantities are whole numbers.")})
        if line.quantity < 1:
            raise ValidationError({"lines": _("Quantities are at least 1.")})
        merged[line.offer_id] = merged.get(line.offer_id, 0) + line.quantity
        if merged[line.offer_id] > MAX_QUANTITY:
            raise ValidationError(
                {"lines": _("At most %(n)s of one product per order.") % {"n": MAX_QUANTITY}}
            )
    return merged


def _offers(cycle: OrderCycle, offer_ids) -> dict[int, CycleOffer]:
    offers = {o.pk: o for o in cycle_offers(cycle=cycle).filter(pk__in=list(offer_ids))
              .order_by()}  # a dict: the listing order would only cost a sort
    missing = set(offer_ids) - set(offers)
    if missing:
        raise ValidationError({"lines": _("Some products are not offered in this cycle.")})
    for offer in offers.values():
        if offer.stockrecord.product.archived_at is not None:
            raise ValidationError({"lines": _("%(title)s is no longer sold.") % {
                "title": line_title(offer)}})
    return offers


def line_title(offer: CycleOffer) -> str:
    """"Carrots – 1 kg": what every page and e-mail names a line by."""
    return offer.stockrecord.product.get_title()


def _fulfilment(cycle, *, window_id, delivery: Delivery | None):
    """(fulfilment, window, zone, address, postcode) after checking they belong to the hub."""
    if (window_id is None) == (delivery is None):
        raise ValidationError(
            {"pickup_window": _("Choose a pickup window or delivery to an address.")}
        )
    if delivery is None:
        window = (
            CycleWindow.objects.select_related("pickup_point")
            .filter(pk=window_id, cycle=cycle, pickup_point__isnull=False,
                    pickup_point__is_active=True)
            .first()
        )
        if window is None:
            raise ValidationError(
                {"pickup_window": _("Choose one of this cycle's pickup windows.")}
            )
        return Order.Fulfilment.PICKUP, window, None, "", ""
    zone = DeliveryZone.objects.filter(pk=delivery.zone_id, hub=cycle.hub, is_active=True).first()
    if zone is None:
        raise ValidationError({"delivery": _("Choose one of the hub's delivery zones.")})
    address = (delivery.address or "").strip()
    postcode = (delivery.postcode or "").strip().upper()
    errors = {}
    if not address:
        errors["delivery"] = _("Enter the delivery address.")
    elif len(address) > 300:
        errors["delivery"] = _("The address is too long (300 characters at most).")
    elif not postcode or len(postcode) > 12:
        errors["delivery"] = _("Enter the postcode of the delivery address.")
    elif not zone.covers(postcode):
        errors["delivery"] = _("%(zone)s does not deliver to %(postcode)s.") % {
            "zone": zone.name, "postcode": postcode}
    if errors:
        raise ValidationError(errors)
    window = (
        CycleWindow.objects.filter(cycle=cycle, delivery_zone=zone).order_by("date", "start_time")
        .first()
    )
    return Order.Fulfilment.DELIVERY, window, zone, address, postcode


def _payment_method(cycle, payment_method_id) -> HubPaymentMethod:
    method = HubPaymentMethod.objects.filter(
        pk=payment_method_id, hub=cycle.hub, is_active=True
    ).first()
    if method is None:
        raise ValidationError({"payment_method": _("Choose one of the hub's payment methods.")})
    return method


def _check_minimums(*, hub, zone, goods_total: Decimal, currency: str) -> None:
    for minimum, message in (
        (hub.minimum_order, _("%(hub)s's minimum order is %(amount)s %(currency)s.")),
        (zone.minimum_order if zone else None,
         _("Deliveries to %(zone)s need at least %(amount)s %(currency)s of products.")),
    ):
        if minimum and goods_total < minimum:
            raise ValidationError({"lines": message % {
                "hub": hub.name, "zone": zone.name if zone else "", "amount": minimum,
                "currency": currency}})


# --- allocation -------------------------------------------------------------------------------


def _note_stock(order, offers: dict[int, CycleOffer], deltas: dict[int, int]) -> None:
    """The producers' stock history names the order (never the shopper) for what it moved."""
    producer_services.stock_history_note(
        stockrecord_ids=[offers[oid].stockrecord_id for oid, delta in deltas.items() if delta],
        kind=ORDER_SOURCE, reference=order.number,
    )


def _on_demand(offer: CycleOffer) -> bool:
    """Made to order (no stock limit), read from the variant `cycle_offers` loaded."""
    variant = offer.stockrecord.product
    return bool(variant.on_demand or (variant.parent is not None and variant.parent.on_demand))


def _allocate(offers: dict[int, CycleOffer], deltas: dict[int, int]) -> None:
    """Apply quantity changes per offer to stock and caps, or raise OrderShort (the caller's
    transaction then rolls every change back). Fixed order: stock rows, then offers, by id."""
    short: dict[int, dict] = {}
    by_stockrecord = sorted(
        (offers[oid].stockrecord_id, oid) for oid, delta in deltas.items() if delta
    )
    for stockrecord_id, offer_id in by_stockrecord:
        if not producer_services.stock_allocate(
            stockrecord_id=stockrecord_id, quantity=deltas[offer_id],
            on_demand=_on_demand(offers[offer_id]) if deltas[offer_id] > 0 else None,
        ):
            short[offer_id] = {}
    for offer_id in sorted(oid for oid, delta in deltas.items() if delta):
        if offer_id in short:
            continue
        if not hub_services.offer_allocate(offer_id=offer_id, quantity=deltas[offer_id]):
            short[offer_id] = {}
    if not short:
        return
    report = []
    fresh = {o.pk: o for o in cycle_offers(cycle=next(iter(offers.values())).cycle)
             .filter(pk__in=list(short))}
    for offer_id in sorted(short):
        left = available_quantity(fresh[offer_id])
        requested = deltas[offer_id]
        report.append({"offer": offer_id, "title": line_title(fresh[offer_id]),
                       "requested": requested, "available": max(left or 0, 0)})
    raise OrderShort(report)


# --- writing ----------------------------------------------------------------------------------


def _snapshot(breakdown: PriceBreakdown, vat_rate: Decimal) -> dict:
    data = breakdown.as_dict()
    data["vat_rate"] = format(Decimal(vat_rate).normalize(), "f")
    data["total_excl_tax"] = f"{breakdown.total_excl_tax:.2f}"
    return data


def _write_line(order, offer: CycleOffer, breakdown: PriceBreakdown, quantity: int):
    line = _line(order, offer, breakdown, quantity)
    line.save()
    return line


def _line(order, offer: CycleOffer, breakdown: PriceBreakdown, quantity: int):
    """An order line as charged (unsaved)."""
    stockrecord = offer.stockrecord
    product = stockrecord.product
    unit_fees = sum((f.amount for f in breakdown.fees), ZERO)
    return Line(
        order=order,
        offer=offer,
        partner=stockrecord.partner,
        partner_name=stockrecord.partner.name,
        partner_sku=stockrecord.partner_sku,
        stockrecord=stockrecord,
        product=product,
        title=line_title(offer)[:255],
        upc=product.upc or "",
        quantity=quantity,
        num_allocated=quantity,
        unit_price_excl_tax=breakdown.total_excl_tax,
        unit_price_incl_tax=breakdown.total_incl_tax,
        line_price_excl_tax=breakdown.total_excl_tax * quantity,
        line_price_incl_tax=breakdown.total_incl_tax * quantity,
        line_price_before_discounts_excl_tax=breakdown.total_excl_tax * quantity,
        line_price_before_discounts_incl_tax=breakdown.total_incl_tax * quantity,
        unit_producer_price=breakdown.producer_price,
        unit_markup=breakdown.markup,
        unit_fees=unit_fees,
        unit_tax=breakdown.total_tax,
        vat_rate=product.get_vat_rate(),
        price_breakdown=_snapshot(breakdown, product.get_vat_rate()),
        status=transitions.PLACED,
    )


def _fees_breakdown(fees) -> list[dict]:
    return [
        {"name": fee.name, "code": fee.code, "excl_tax": f"{fee.excl_tax:.2f}",
         "vat_rate": format(Decimal(fee.vat_rate).normalize(), "f"), "tax": f"{fee.tax:.2f}",
         "incl_tax": f"{fee.incl_tax:.2f}"}
        for fee in fees
    ]


def _surcharges(order, fees) -> list:
    return [
        Surcharge(order=order, name=fee.name[:128], code=fee.code, excl_tax=fee.excl_tax,
                  incl_tax=fee.incl_tax)
        for fee in fees
    ]


def _refresh_totals(order) -> None:
    """Order totals from its stored lines and charges (never from today's prices)."""
    lines = list(order.lines.all())
    charges = list(order.surcharges.all())
    order.total_excl_tax = sum((ln.line_price_excl_tax for ln in lines), ZERO) + sum(
        (c.excl_tax for c in charges), ZERO)
    order.total_incl_tax = sum((ln.line_price_incl_tax for ln in lines), ZERO) + sum(
        (c.incl_tax for c in charges), ZERO)
    order.save(update_fields=["total_excl_tax", "total_incl_tax", "updated_at"])


def _goods_total(prices, quantities: dict[int, int]) -> Decimal:
    return sum((prices[oid].total_incl_tax * q for oid, q in quantities.items()), ZERO)


def _note(order, *, user, message: str) -> None:
    OrderNote.objects.create(
        order=order, user=user if getattr(user, "is_authenticated", False) else None,
        note_type="audit", message=message[:2000],
    )


def _payment_texts(method: HubPaymentMethod, number: str) -> tuple[str, str]:
    reference = ""
    parts = [method.name]
    if method.kind == HubPaymentMethod.Kind.BANK_TRANSFER:
        reference = (method.reference_pattern or "FH-{order_number}").replace(
            "{order_number}", number)[:64]
        parts.append(_("IBAN: %(iban)s") % {"iban": method.iban})
        if method.bic:
            parts.append(_("BIC: %(bic)s") % {"bic": method.bic})
        parts.append(_("Reference to quote: %(ref)s") % {"ref": reference})
    if method.instructions:
        parts.append(method.instructions)
    return reference, "\n".join(parts)


def _enqueue_email(order, kind: str) -> None:
    from .tasks import send_order_email

    order_id = order.pk
    transaction.on_commit(lambda: send_order_email.delay(order_id, kind))


@transaction.atomic
def order_place(
    *,
    cycle_id: int,
    lines: list[LineRequest],
    payment_method_id: int,
    pickup_window_id: int | None = None,
    delivery: Delivery | None = None,
    user=None,
    guest_email: str = "",
    customer_name: str = "",
    phone: str = "",
    note: str = "",
    language: str = "",
    basket=None,
    now=None,
    notify: bool = True,
    business: Business | None = None,
) -> Order:
    """Place an order in an open cycle, or raise ValidationError (field errors) / OrderShort.

    Every price is recomputed here from the cycle's offers; what the shopper's page showed is
    never trusted. Nothing is written unless everything succeeds. `notify=False` sends no
    e-mail (demo data, imports of past orders). `business`: the details of a business
    customer (checked by `orders.business.business_clean`; errors name `company_name`,
    `company_number`, `vat_number`, `billing_address`), stored on the order for its invoice.
    """
    now = now or timezone.now()
    quantities = _merge(lines)
    if business is not None:
        business = business_clean(business)
    cycle = _open_cycle(cycle_id, now)
    hub = cycle.hub
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if not signed_in:
        user = None
        if not hub.guest_checkout:
            raise ValidationError({"guest_email": _("Sign in to order from %(hub)s.") % {
                "hub": hub.name}})
        if not guest_email:
            raise ValidationError({"guest_email": _("Enter your e-mail address.")})
    fulfilment, window, zone, address, postcode = _fulfilment(
        cycle, window_id=pickup_window_id, delivery=delivery
    )
    method = _payment_method(cycle, payment_method_id)
    offers = _offers(cycle, quantities)
    prices = cycle_prices(cycle=cycle, offers=list(offers.values()))
    _check_minimums(hub=hub, zone=zone, goods_total=_goods_total(prices, quantities),
                    currency=hub.currency)
    _allocate(offers, quantities)

    order = Order.objects.create(
        number=uuid.uuid4().hex,
        site_id=1,
        basket=basket,
        user=user,
        guest_email="" if user else guest_email[:254],
        currency=hub.currency,
        total_incl_tax=ZERO,
        total_excl_tax=ZERO,
        shipping_incl_tax=ZERO,
        shipping_excl_tax=ZERO,
        shipping_method=str(zone.name if zone else _("Pickup")),
        shipping_code=fulfilment,
        status=transitions.PLACED,
        cycle=cycle,
        fulfilment=fulfilment,
        pickup_window=window,
        delivery_zone=zone,
        delivery_address=address,
        delivery_postcode=postcode,
        payment_method=method,
        payment_method_name=method.name,
        customer_name=(customer_name or (user.get_full_name() if user else ""))[:120],
        contact_phone=phone[:30],
        customer_note=note[:500],
        language=(language or translation.get_language() or hub.language)[:10],
        date_placed=now,
        **order_business_fields(business),
    )
    # Lines and charges in one INSERT each; the totals are theirs, summed here (as
    # `_refresh_totals` would read them back), and written with the number in one UPDATE.
    lines = Line.objects.bulk_create([
        _line(order, offers[offer_id], prices[offer_id], quantities[offer_id])
        for offer_id in sorted(quantities, key=lambda oid: line_title(offers[oid]))
    ])
    fees = order_fees(cycle=cycle, delivery_zone=zone)
    charges = Surcharge.objects.bulk_create(_surcharges(order, fees))
    order.number = str(100000 + order.pk)
    order.payment_reference, order.payment_instructions = _payment_texts(method, order.number)
    order.fees_breakdown = _fees_breakdown(fees)
    order.total_excl_tax = sum((ln.line_price_excl_tax for ln in lines), ZERO) + sum(
        (c.excl_tax for c in charges), ZERO)
    order.total_incl_tax = sum((ln.line_price_incl_tax for ln in lines), ZERO) + sum(
        (c.incl_tax for c in charges), ZERO)
    order.save(update_fields=["number", "payment_reference", "payment_instructions",
                              "fees_breakdown", "total_excl_tax", "total_incl_tax",
                              "updated_at"])
    _note_stock(order, offers, quantities)
    if basket is not None:
        basket.submit()
    if notify:
        _enqueue_email(order, "placed")
    return order


def _changeable(order, now) -> None:
    cycle = order.cycle
    if order.status not in transitions.CHANGEABLE:
        raise ValidationError(_("This order can no longer be changed."))
    if cycle is None or cycle.status_at(now) != CycleStatus.OPEN:
        raise ValidationError(_("The cycle has closed: this order can no longer be changed."))


def _lock(order):
    locked = Order.objects.select_for_update(of=("self",)).select_related("cycle__hub").get(
        pk=order.pk)
    _share_lock_cycle(locked.cycle_id)
    return locked


@transaction.atomic
def order_amend(*, order, lines: list[LineRequest], user, by_manager: bool = False,
                now=None, notify: bool = True) -> Order:
    """Replace an order's quantities (new lines, changed ones, removed ones) while its cycle
    is open. Kept lines keep the price they were charged; new lines take today's price.
    Stock and caps move by the difference only, with the same allocation as placing."""
    now = now or timezone.now()
    order = _lock(order)
    _changeable(order, now)
    if not by_manager and not order.cycle.hub.order_changes_allowed:
        raise ValidationError(_("%(hub)s does not allow changes to orders.") % {
            "hub": order.cycle.hub.name})
    wanted = _merge(lines)
    current = {ln.offer_id: ln for ln in order.lines.select_related("offer")}
    if None in current:
        raise ValidationError(_("This order has a product that left the cycle; ask the hub."))
    offers = _offers(order.cycle, set(wanted) | set(current))
    deltas = {oid: wanted.get(oid, 0) - (current[oid].quantity if oid in current else 0)
              for oid in set(wanted) | set(current)}
    if not any(deltas.values()):
        return order
    new_ids = [oid for oid in wanted if oid not in current]
    prices = cycle_prices(cycle=order.cycle, offers=[offers[oid] for oid in new_ids])
    goods = sum((current[oid].unit_price_incl_tax * q for oid, q in wanted.items()
                 if oid in current), ZERO) + _goods_total(prices, {
                     oid: wanted[oid] for oid in new_ids})
    _check_minimums(hub=order.cycle.hub, zone=order.delivery_zone, goods_total=goods,
                    currency=order.currency)
    _allocate(offers, deltas)
    _note_stock(order, offers, deltas)
    changes = []
    for oid, delta in sorted(deltas.items()):
        if not delta:
            continue
        title = line_title(offers[oid])
        if oid in current and oid in wanted:
            line = current[oid]
            changes.append(f"{title}: {line.quantity} → {wanted[oid]}")
            line.quantity = wanted[oid]
            line.num_allocated = wanted[oid]
            line.line_price_excl_tax = line.unit_price_excl_tax * line.quantity
            line.line_price_incl_tax = line.unit_price_incl_tax * line.quantity
            line.line_price_before_discounts_excl_tax = line.line_price_excl_tax
            line.line_price_before_discounts_incl_tax = line.line_price_incl_tax
            line.save()
        elif oid in current:
            changes.append(f"{title}: {current[oid].quantity} → 0")
            current[oid].delete()
        else:
            changes.append(f"{title}: 0 → {wanted[oid]}")
            _write_line(order, offers[oid], prices[oid], wanted[oid])
    _refresh_totals(order)
    transitions.order_mark_amended(order=order)
    _note(order, user=user, message=_("Changed by %(who)s: %(changes)s") % {
        "who": _who(user, by_manager), "changes": "; ".join(changes)})
    if notify:
        _enqueue_email(order, "amended")
    return order


def _who(user, by_manager: bool) -> str:
    name = getattr(user, "email", "") or _("guest")
    return _("%(name)s (hub)") % {"name": name} if by_manager else name


@transaction.atomic
def order_cancel(*, order, user, by_manager: bool = False, now=None,
                 notify: bool = True) -> Order:
    """Cancel an order while its cycle is open: its stock and caps are given back."""
    now = now or timezone.now()
    order = _lock(order)
    _changeable(order, now)
    if not by_manager and not order.cycle.hub.order_changes_allowed:
        raise ValidationError(_("%(hub)s does not allow changes to orders.") % {
            "hub": order.cycle.hub.name})
    lines = list(order.lines.select_related("offer"))
    offers = {ln.offer_id: ln.offer for ln in lines if ln.offer_id}
    deltas = {ln.offer_id: -ln.quantity for ln in lines if ln.offer_id}
    if offers:
        _allocate(offers, deltas)
        _note_stock(order, offers, deltas)
    order.lines.update(num_allocated=0, status=transitions.CANCELLED)
    transitions.order_mark_cancelled(order=order)
    _note(order, user=user, message=_("Cancelled by %(who)s") % {"who": _who(user, by_manager)})
    if notify:
        _enqueue_email(order, "cancelled")
    return order


def order_totals_by_rate(order) -> dict[str, Decimal]:
    """VAT per rate of an order, from its stored line breakdowns and charges."""
    rates: dict[str, Decimal] = {}
    for line in order.lines.all():
        for vat in line.price_breakdown.get("vat", []):
            rates[vat["rate"]] = rates.get(vat["rate"], ZERO) + Decimal(vat["amount"]) * (
                line.quantity)
    for fee in order.fees_breakdown:
        rates[fee["vat_rate"]] = rates.get(fee["vat_rate"], ZERO) + Decimal(fee["tax"])
    return {rate: round_money(amount) for rate, amount in sorted(rates.items(),
                                                                   key=lambda r: Decimal(r[0]))}


def order_link_cycle(*, order, cycle):
    """Record the cycle of an order made outside `order_place` (tests, imports)."""
    type(order).objects.filter(pk=order.pk, cycle=None).update(cycle=cycle)
    order.refresh_from_db(fields=["cycle"])
    return order
