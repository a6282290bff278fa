"""Editor writes for order cycles: create, details, clone, suppliers, offers, fees, windows,
and the opening e-mails.

Status, times and claims are written by `hubs.transitions` only. Every write here first calls
`transitions.require_editable`, which locks the cycle's row and refuses once it has closed.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import transitions
from .models import (
    CYCLE_YEARS,
    CycleFee,
    CycleOffer,
    CycleSupplier,
    CycleWindow,
    Hub,
    HubProducer,
    OrderCycle,
)

logger = logging.getLogger(__name__)
StockRecord = get_model("partner", "StockRecord")


@transaction.atomic
def cycle_create(
    *, hub: Hub, name: str, opens_at: dt.datetime, closes_at: dt.datetime,
    markup_percent: Decimal = Decimal("0"), note_to_producers: str = "", publish: bool = False,
) -> OrderCycle:
    """Create a cycle as a draft (published at once if `publish`), validated as a whole."""
    cycle = OrderCycle(
        hub=hub, name=name, opens_at=opens_at, closes_at=closes_at,
        markup_percent=markup_percent, note_to_producers=note_to_producers,
    )
    cycle.full_clean()
    cycle.save()
    if publish:
        transitions.cycle_publish(cycle=cycle)
    return cycle


DETAIL_FIELDS = frozenset({"name", "markup_percent", "note_to_producers"})


@transaction.atomic
def cycle_update(*, cycle: OrderCycle, **fields) -> OrderCycle:
    """Change a cycle's name, markup or note, and its times (through the reschedule
    transition), until it closes."""
    unknown = set(fields) - DETAIL_FIELDS - {"opens_at", "closes_at"}
    if unknown:
        raise ValueError(f"cycle_update cannot set {sorted(unknown)}")
    fresh = transitions.require_editable(cycle)
    times = {k: fields.pop(k) for k in ("opens_at", "closes_at") if k in fields}
    if times:
        transitions.cycle_reschedule(cycle=fresh, **times)
    if fields:
        for key, value in fields.items():
            setattr(fresh, key, value)
        fresh.full_clean()
        fresh.save(update_fields=sorted(fields))
    cycle.refresh_from_db()
    return cycle


# --- suppliers, offers, fees ---------------------------------------------------------------


def _require_own(cycle: OrderCycle, row) -> None:
    # The lock checked is `cycle`'s: a row of another (perhaps closed) cycle is refused.
    if row is not None and row.cycle_id != cycle.pk:
        raise ValidationError(_("This item belongs to another cycle."))


@transaction.atomic
def cycle_supplier_add(*, cycle: OrderCycle, producer, **dropoff) -> CycleSupplier:
    """Add a producer to a cycle; it must be an active supplier of the hub."""
    transitions.require_editable(cycle)
    if not HubProducer.objects.filter(
        hub_id=cycle.hub_id, producer=producer, status=HubProducer.Status.ACTIVE
    ).exists():
        raise ValidationError(
            _("%(producer)s does not supply this hub: invite it first."),
            params={"producer": producer.name},
        )
    supplier, _created = CycleSupplier.objects.get_or_create(cycle=cycle, producer=producer)
    for key, value in dropoff.items():
        setattr(supplier, key, value)
    supplier.full_clean()
    supplier.save()
    return supplier


@transaction.atomic
def cycle_supplier_remove(*, cycle: OrderCycle, supplier: CycleSupplier) -> None:
    """Take a producer and all its offers out of a cycle that has not closed."""
    transitions.require_editable(cycle)
    _require_own(cycle, supplier)
    CycleOffer.objects.filter(cycle=cycle, supplier=supplier).delete()
    supplier.delete()


@transaction.atomic
def cycle_offers_add(
    *, cycle: OrderCycle, producer, stockrecord_ids: list[int] | None = None
) -> int:
    """Offer a producer's variants in a cycle: the listed ones, or all its active ones.

    Returns how many offers were added (already offered ones are left as they are).
    """
    transitions.require_editable(cycle)
    supplier = CycleSupplier.objects.filter(cycle=cycle, producer=producer).first()
    if supplier is None:
        supplier = cycle_supplier_add(cycle=cycle, producer=producer)
    records = StockRecord.objects.filter(
        partner_id=producer.partner_id, product__is_public=True,
        product__archived_at__isnull=True, product__parent__isnull=False,
    )
    if stockrecord_ids is not None:
        records = records.filter(pk__in=stockrecord_ids)
        unknown = set(stockrecord_ids) - set(records.values_list("pk", flat=True))
        if unknown:
            raise ValidationError(_("Some of these products are not this producer's."))
    existing = set(
        CycleOffer.objects.filter(cycle=cycle, stockrecord__in=records).values_list(
            "stockrecord_id", flat=True
        )
    )
    new = [
        CycleOffer(cycle=cycle, supplier=supplier, stockrecord_id=pk)
        for pk in records.values_list("pk", flat=True)
        if pk not in existing
    ]
    CycleOffer.objects.bulk_create(new, batch_size=1000)
    return len(new)


@transaction.atomic
def cycle_offers_remove(*, cycle: OrderCycle, offer_ids: list[int]) -> int:
    transitions.require_editable(cycle)
    deleted, _details = CycleOffer.objects.filter(cycle=cycle, pk__in=offer_ids).delete()
    return deleted


@transaction.atomic
def cycle_offers_update(*, cycle: OrderCycle, changes: dict[int, dict]) -> int:
    """Set caps, markup overrides and hub price overrides of offers, all or nothing.

    `changes` maps offer id -> {"cap", "markup_percent", "hub_price"} (None clears).
    Raises ValidationError keyed by offer id.
    """
    transitions.require_editable(cycle)
    offers = CycleOffer.objects.select_related("stockrecord").in_bulk(list(changes))
    errors: dict[str, list[str]] = {}
    for offer_id, values in changes.items():
        offer = offers.get(offer_id)
        if offer is None or offer.cycle_id != cycle.pk:
            errors[str(offer_id)] = [_("No such offer in this cycle.")]
            continue
        for key in ("cap", "markup_percent", "hub_price"):
            if key in values:
                value = values[key]
                if value is not None and value < 0:
                    errors.setdefault(str(offer_id), []).append(
                        _("%(field)s cannot be negative.") % {"field": key}
                    )
                setattr(offer, key, value)
        if offer.hub_price is not None and offer.hub_price < offer.stockrecord.price:
            errors.setdefault(str(offer_id), []).append(
                _("The hub price cannot be below the producer's price (%(price)s).")
                % {"price": offer.stockrecord.price}
            )
    if errors:
        raise ValidationError(errors)
    CycleOffer.objects.bulk_update(
        [offers[i] for i in changes], ["cap", "markup_percent", "hub_price"], batch_size=1000
    )
    return len(changes)


@transaction.atomic
def cycle_fee_save(*, cycle: OrderCycle, fee: CycleFee | None = None, **fields) -> CycleFee:
    transitions.require_editable(cycle)
    _require_own(cycle, fee)
    fee = fee or CycleFee(cycle=cycle)
    for key, value in fields.items():
        setattr(fee, key, value)
    if fee.delivery_zone_id and fee.kind != CycleFee.Kind.PER_ORDER_FLAT:
        raise ValidationError({"delivery_zone": _("Only per-order fees can depend on a zone.")})
    fee.full_clean()
    fee.save()
    return fee


@transaction.atomic
def cycle_fee_delete(*, cycle: OrderCycle, fee_id: int) -> None:
    """Remove a fee from a cycle that has not closed."""
    transitions.require_editable(cycle)
    CycleFee.objects.filter(cycle=cycle, pk=fee_id).delete()


@transaction.atomic
def cycle_window_save(
    *, cycle: OrderCycle, window: CycleWindow | None = None, **fields
) -> CycleWindow:
    """Add or change a pickup or delivery window of a cycle that has not closed."""
    transitions.require_editable(cycle)
    _require_own(cycle, window)
    window = window or CycleWindow(cycle=cycle)
    for key, value in fields.items():
        setattr(window, key, value)
    for related in (window.pickup_point, window.delivery_zone):
        if related is not None and related.hub_id != cycle.hub_id:
            raise ValidationError(_("This place belongs to another hub."))
    window.full_clean()
    overlapping = CycleWindow.objects.filter(
        cycle=cycle, date=window.date, pickup_point=window.pickup_point,
        delivery_zone=window.delivery_zone, start_time__lt=window.end_time,
        end_time__gt=window.start_time,
    ).exclude(pk=window.pk)
    if overlapping.exists():
        raise ValidationError(_("This window overlaps another one at the same place."))
    window.save()
    return window


@transaction.atomic
def cycle_window_delete(*, cycle: OrderCycle, window_id: int) -> None:
    """Remove a window from a cycle that has not closed."""
    transitions.require_editable(cycle)
    try:
        CycleWindow.objects.filter(cycle=cycle, pk=window_id).delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Shoppers have chosen this window for their orders: it cannot be removed.")
        ) from error


@transaction.atomic
def cycle_clone(*, cycle: OrderCycle, opens_at: dt.datetime, name: str = "") -> OrderCycle:
    """Copy a cycle to a later date as a draft: offers, fees, suppliers with their drop-offs,
    and windows, all shifted by the same number of days."""
    if opens_at <= timezone.now():
        raise ValidationError({"opens_at": _("The copy must open in the future.")})
    if not CYCLE_YEARS[0] <= opens_at.year < CYCLE_YEARS[1] - 1:
        raise ValidationError({"opens_at": _("Choose a date before %(year)s.")
                               % {"year": CYCLE_YEARS[1] - 1}})
    shift = opens_at - cycle.opens_at
    clone = cycle_create(
        hub=cycle.hub, name=name or cycle.name, opens_at=opens_at,
        closes_at=cycle.closes_at + shift, markup_percent=cycle.markup_percent,
        note_to_producers=cycle.note_to_producers,
    )
    clone.cloned_from = cycle
    clone.save(update_fields=["cloned_from"])
    days = dt.timedelta(days=shift.days + (1 if shift.seconds >= 43200 else 0))
    suppliers = {}
    for supplier in cycle.suppliers.all():
        old_pk = supplier.pk
        supplier.pk = None
        supplier.cycle = clone
        if supplier.dropoff_date:
            supplier.dropoff_date += days
        supplier.save()
        suppliers[old_pk] = supplier
    CycleOffer.objects.bulk_create(
        [
            CycleOffer(
                cycle=clone, supplier=suppliers[o.supplier_id], stockrecord_id=o.stockrecord_id,
                cap=o.cap, markup_percent=o.markup_percent, hub_price=o.hub_price,
            )
            for o in cycle.offers.all()
        ],
        batch_size=1000,
    )
    CycleFee.objects.bulk_create([
        CycleFee(cycle=clone, name=f.name, kind=f.kind, amount=f.amount, vat_rate=f.vat_rate,
                 delivery_zone_id=f.delivery_zone_id)
        for f in cycle.fees.all()
    ])
    CycleWindow.objects.bulk_create([
        CycleWindow(cycle=clone, pickup_point_id=w.pickup_point_id,
                    delivery_zone_id=w.delivery_zone_id, date=w.date + days,
                    start_time=w.start_time, end_time=w.end_time, instructions=w.instructions)
        for w in cycle.windows.all()
    ])
    return clone


# --- opening notifications -------------------------------------------------------------------


def notify_opened_cycles(*, now: dt.datetime | None = None) -> int:
    """E-mail each supplier of every cycle that has opened, once per cycle (beat task)."""
    now = now or timezone.now()
    sent = 0
    for cycle_id in transitions.cycles_opened_unnotified(now=now):
        if not transitions.cycle_claim_opening_notice(cycle_id=cycle_id, now=now):
            continue
        cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
        for supplier in cycle.suppliers.select_related("producer").prefetch_related(
            "producer__memberships__user"
        ):
            recipients = sorted(
                {m.user.email for m in supplier.producer.memberships.all() if m.user.email}
                | ({supplier.producer.contact_email} if supplier.producer.contact_email else set())
            )
            if not recipients:
                continue
            context = {"cycle": cycle, "supplier": supplier}
            with translation.override(cycle.hub.language):
                subject = render_to_string("hubs/email/cycle_opened_subject.txt", context)
                body = render_to_string("hubs/email/cycle_opened_body.txt", context)
            send_mail(subject=" ".join(subject.split()), message=body, from_email=None,
                      recipient_list=recipients)
            sent += 1
    return sent
