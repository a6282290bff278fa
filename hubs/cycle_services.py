"""Writes for order cycles: create, publish, clone, suppliers and offers, fees, closing.

Closing side effects run exactly once per close: a conditional UPDATE claims the close
(`close_handled_at` set only where it was empty), which holds under duplicated or retried
beat tasks and on SQLite alike. Higher packages register what a close does (order
processing) with `register_close_handler` in their AppConfig.ready().
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from .models import (
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

CloseHandler = Callable[[OrderCycle], None]
_close_handlers: list[CloseHandler] = []


def register_close_handler(handler: CloseHandler) -> None:
    """Run `handler(cycle)` once each time a cycle closes (idempotent registration)."""
    if handler not in _close_handlers:
        _close_handlers.append(handler)


def _check_unlocked(cycle: OrderCycle) -> None:
    if cycle.is_locked:
        raise ValidationError(_("This cycle is closed: its products can no longer change."))


@transaction.atomic
def cycle_create(
    *, hub: Hub, name: str, opens_at: dt.datetime, closes_at: dt.datetime,
    markup_percent: Decimal = Decimal("0"), note_to_producers: str = "", publish: bool = False,
) -> OrderCycle:
    """Create a cycle (draft unless `publish`), validated as a whole."""
    cycle = OrderCycle(
        hub=hub, name=name, opens_at=opens_at, closes_at=closes_at,
        markup_percent=markup_percent, note_to_producers=note_to_producers,
        state=OrderCycle.State.PUBLISHED if publish else OrderCycle.State.DRAFT,
    )
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(*, cycle: OrderCycle, **fields) -> OrderCycle:
    """Change a cycle's name, times, markup or note (not once it is processed)."""
    if cycle.state == OrderCycle.State.PROCESSED:
        raise ValidationError(_("A processed cycle cannot change."))
    if cycle.is_locked and {"markup_percent"} & set(fields):
        raise ValidationError(_("This cycle is closed: its prices can no longer change."))
    for key, value in fields.items():
        setattr(cycle, key, value)
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_publish(*, cycle: OrderCycle) -> OrderCycle:
    if cycle.state == OrderCycle.State.DRAFT:
        cycle.state = OrderCycle.State.PUBLISHED
        cycle.save(update_fields=["state"])
    return cycle


def _claim_close(cycle_id: int, now: dt.datetime) -> bool:
    # The one conditional UPDATE that makes closing happen exactly once.
    return bool(
        OrderCycle.objects.filter(
            pk=cycle_id, state=OrderCycle.State.PUBLISHED, close_handled_at=None,
            closes_at__lte=now,
        ).update(close_handled_at=now)
    )


def _run_close_handlers(cycle: OrderCycle) -> None:
    for handler in list(_close_handlers):
        handler(cycle)


def close_due_cycles(*, now: dt.datetime | None = None) -> list[int]:
    """Claim and close every published cycle whose close time has passed (the beat task).

    Safe to run twice at once or to retry: each close is claimed by one caller only.
    """
    now = now or timezone.now()
    due = OrderCycle.objects.filter(
        state=OrderCycle.State.PUBLISHED, close_handled_at=None, closes_at__lte=now
    ).values_list("pk", flat=True)
    closed = []
    for cycle_id in list(due):
        with transaction.atomic():
            if not _claim_close(cycle_id, now):
                continue
            cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
            _run_close_handlers(cycle)
        closed.append(cycle_id)
    return closed


@transaction.atomic
def cycle_close_now(*, cycle: OrderCycle) -> OrderCycle:
    """The manager's "close now": an open cycle closes at once, its side effects run once."""
    now = timezone.now()
    status = cycle.status_at(now)
    if status != "open":
        raise ValidationError(_("Only an open cycle can be closed now."))
    OrderCycle.objects.filter(pk=cycle.pk).update(closes_at=now)
    close_due_cycles(now=now)
    cycle.refresh_from_db()
    return cycle


@transaction.atomic
def cycle_reopen(*, cycle: OrderCycle, closes_at: dt.datetime) -> OrderCycle:
    """Reopen a closed cycle until `closes_at` (not once processed); it will close again."""
    if cycle.state == OrderCycle.State.PROCESSED:
        raise ValidationError(_("A processed cycle cannot be reopened."))
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("Choose a closing time in the future.")})
    updated = OrderCycle.objects.filter(
        pk=cycle.pk, state=OrderCycle.State.PUBLISHED
    ).update(closes_at=closes_at, close_handled_at=None)
    if not updated:
        raise ValidationError(_("Only a published cycle can be reopened."))
    cycle.refresh_from_db()
    return cycle


@transaction.atomic
def cycle_mark_processed(*, cycle: OrderCycle) -> bool:
    """Set `processed` (order processing calls this once its work is done)."""
    return bool(
        OrderCycle.objects.filter(
            pk=cycle.pk, state=OrderCycle.State.PUBLISHED, close_handled_at__isnull=False
        ).update(state=OrderCycle.State.PROCESSED)
    )


# --- suppliers, offers, fees ---------------------------------------------------------------


@transaction.atomic
def cycle_supplier_add(*, cycle: OrderCycle, producer, **dropoff) -> CycleSupplier:
    """Add a producer to a cycle; it must be an active supplier of the hub."""
    _check_unlocked(cycle)
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
    _check_unlocked(cycle)
    CycleOffer.objects.filter(cycle=cycle, supplier=supplier).delete()
    supplier.delete()


@transaction.atomic
def cycle_offers_add(
    *, cycle: OrderCycle, producer, stockrecord_ids: list[int] | None = None
) -> int:
    """Offer a producer's variants in a cycle: the listed ones, or all its active ones.

    Returns how many offers were added (already offered ones are left as they are).
    """
    _check_unlocked(cycle)
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
    _check_unlocked(cycle)
    deleted, _details = CycleOffer.objects.filter(cycle=cycle, pk__in=offer_ids).delete()
    return deleted


@transaction.atomic
def cycle_offers_update(*, cycle: OrderCycle, changes: dict[int, dict]) -> int:
    """Set caps, markup overrides and hub price overrides of offers, all or nothing.

    `changes` maps offer id -> {"cap", "markup_percent", "hub_price"} (None clears).
    Raises ValidationError keyed by offer id.
    """
    _check_unlocked(cycle)
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
    _check_unlocked(cycle)
    fee = fee or CycleFee(cycle=cycle)
    for key, value in fields.items():
        setattr(fee, key, value)
    if fee.delivery_zone_id and fee.kind != CycleFee.Kind.PER_ORDER_FLAT:
        raise ValidationError({"delivery_zone": _("Only per-order fees can depend on a zone.")})
    fee.full_clean()
    fee.save()
    return fee


@transaction.atomic
def cycle_window_save(*, cycle: OrderCycle, window: CycleWindow | None = None, **fields):
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
def cycle_clone(*, cycle: OrderCycle, opens_at: dt.datetime, name: str = "") -> OrderCycle:
    """Copy a cycle to a later date: offers, fees, suppliers and windows, all shifted."""
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
    due = OrderCycle.objects.filter(
        state=OrderCycle.State.PUBLISHED, opening_notified_at=None, opens_at__lte=now,
        closes_at__gt=now,
    ).values_list("pk", flat=True)
    for cycle_id in list(due):
        claimed = OrderCycle.objects.filter(pk=cycle_id, opening_notified_at=None).update(
            opening_notified_at=now
        )
        if not claimed:
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
            send_mail(subject=subject.strip(), message=body, from_email=None,
                      recipient_list=recipients)
            sent += 1
    return sent
