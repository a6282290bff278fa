"""Writes for producers. Views, commands and tasks call these; nothing else writes producers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils.text import slugify
from oscar.core.loading import get_model

from teams import services as team_services
from teams.roles import TeamRole

from .models import Producer, ProducerMembership, ProducerPhoto
from .stock_history import source_reason

Partner = get_model("partner", "Partner")

ProducerCreatedHandler = Callable[[Producer], None]
_producer_created_handlers: list[ProducerCreatedHandler] = []


def register_producer_created_handler(handler: ProducerCreatedHandler) -> None:
    """Run `handler(producer)` in the transaction that creates a producer (the storefront makes
    its public page from its AppConfig.ready()). Idempotent registration."""
    if handler not in _producer_created_handlers:
        _producer_created_handlers.append(handler)


def producer_created(*, producer: Producer) -> None:
    """What follows a new producer: for producer_create and the Django admin."""
    for handler in list(_producer_created_handlers):
        handler(producer)


@transaction.atomic
def producer_create(
    *, name: str, slug: str | None = None, description: str = "", city: str = "",
    is_visible: bool = True,
) -> Producer:
    """Create a producer with its Oscar partner (same name), so its stock works in checkout."""
    partner = Partner.objects.create(name=name)
    producer = Producer.objects.create(
        name=name,
        slug=slug or slugify(name),
        description=description,
        city=city,
        is_visible=is_visible,
        partner=partner,
    )
    producer_created(producer=producer)
    return producer


@transaction.atomic
def producer_update(*, producer: Producer, **fields) -> Producer:
    """Update a producer's profile; the partner's name follows the producer's."""
    for key, value in fields.items():
        setattr(producer, key, value)
    producer.full_clean()
    producer.save()
    if producer.partner.name != producer.name:
        producer.partner.name = producer.name
        producer.partner.save(update_fields=["name"])
    return producer


@transaction.atomic
def producer_photo_add(*, producer: Producer, image, caption: str = "") -> ProducerPhoto:
    """Add a photo to a producer's public profile (after the last one)."""
    last = producer.photos.order_by("-display_order").values_list("display_order", flat=True)
    return ProducerPhoto.objects.create(
        producer=producer, image=image, caption=caption, display_order=(last.first() or 0) + 1
    )


@transaction.atomic
def producer_photo_remove(*, producer: Producer, photo_id: int) -> None:
    photo = producer.photos.filter(pk=photo_id).first()
    if photo is not None:
        photo.image.delete(save=False)
        photo.delete()


def producer_member_add(
    *, producer: Producer, user, role: str = TeamRole.STAFF, by=None
) -> ProducerMembership:
    """Make a user a member of a producer's team (see teams.services.member_add)."""
    return team_services.member_add(team=producer, user=user, role=role, by=by)


def stock_consume(*, stockrecord_id: int, quantity: int) -> None:
    """Turn `quantity` allocated units into sold ones when a cycle is processed: they leave
    both the stock and the allocation (never below zero). One UPDATE; idempotence is the
    caller's (orders clears the line's allocation in the same transaction)."""
    StockRecord = get_model("partner", "StockRecord")
    StockRecord.objects.filter(pk=stockrecord_id).update(
        num_in_stock=Greatest(Coalesce(F("num_in_stock"), 0) - quantity, 0),
        num_allocated=Greatest(Coalesce(F("num_allocated"), 0) - quantity, 0),
    )


def stock_allocate(*, stockrecord_id: int, quantity: int, on_demand: bool | None = None) -> bool:
    """Reserve `quantity` units of a stock record for an order; False when too few are left.

    One conditional UPDATE, so concurrent orders can never allocate more than is in stock:
    the row lock PostgreSQL takes for the UPDATE serialises them, and the WHERE clause is
    re-checked on the locked row. On-demand products (no stock tracking) always succeed.
    A negative quantity releases units (never below zero). Call inside the order's
    transaction, in ascending stock record id order, so two orders cannot deadlock.
    `on_demand`: whether the product is made to order, when the caller has it loaded (it
    saves a query); None looks it up.
    """

    StockRecord = get_model("partner", "StockRecord")
    rows = StockRecord.objects.filter(pk=stockrecord_id)
    # Oscar's num_allocated (and num_in_stock) may be NULL: NULL means none.
    allocated = Coalesce(F("num_allocated"), 0)
    if quantity <= 0:
        rows.update(num_allocated=Greatest(allocated + quantity, 0))
        return True
    if on_demand is None:
        made_to_order = Q(product__on_demand=True) | Q(product__parent__on_demand=True)
        on_demand = StockRecord.objects.filter(pk=stockrecord_id).filter(made_to_order).exists()
    if on_demand:
        rows.update(num_allocated=allocated + quantity)
        return True
    updated = rows.filter(num_in_stock__gte=allocated + quantity).update(
        num_allocated=allocated + quantity
    )
    return updated == 1


@transaction.atomic
def stock_history_note(*, stockrecord_ids: Iterable[int], kind: str, reference: str) -> None:
    """Record the stock records' current stock and allocation in the stock history as changed
    by ``kind`` and ``reference`` (an order and its number), never by the signed-in person.

    `stock_allocate` and `stock_consume` change stock by conditional UPDATEs, which write no
    history row: callers name what moved the stock here once it is known (an order's number
    exists only after its allocation). One SELECT and one INSERT, whatever the number of
    records."""
    StockRecord = get_model("partner", "StockRecord")
    records = list(StockRecord.objects.filter(pk__in=set(stockrecord_ids)).order_by("pk"))
    if not records:
        return
    for record in records:
        record._history_user = None  # else simple-history takes the request's user (a shopper)
    StockRecord.history.bulk_history_create(
        records, update=True, default_change_reason=source_reason(kind=kind, reference=reference)
    )
