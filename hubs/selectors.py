"""Reads for hub pages, the API and the storefront."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from producers.selectors import producers_for_user
from teams.selectors import teams_for_user, user_is_platform_admin, user_memberships

from .models import (
    CycleOffer,
    CycleStatus,
    CycleSupplier,
    CycleWindow,
    Hub,
    HubMembership,
    HubProducer,
    OrderCycle,
    PickupPoint,
)


def hub_memberships_for_user(user) -> QuerySet[HubMembership]:
    return user_memberships(HubMembership, user)


def hubs_for_user(user) -> QuerySet[Hub]:
    """The hubs a user may manage: theirs, or all for platform admins."""
    return teams_for_user(Hub, user)


def hub_for_manager(*, user, slug: str) -> Hub:
    """The hub with this slug if the user manages it; 404 otherwise (tenancy)."""
    return get_object_or_404(hubs_for_user(user), slug=slug)


def hub_suppliers(*, hub: Hub) -> QuerySet[HubProducer]:
    return (
        HubProducer.objects.filter(hub=hub, status=HubProducer.Status.ACTIVE)
        .select_related("producer")
        .order_by("producer__name")
    )


def public_hubs() -> QuerySet[Hub]:
    """Visible hubs with the number of active suppliers, in one query."""
    return Hub.objects.filter(is_visible=True).annotate(
        supplier_count=Count(
            "supplier_links", filter=Q(supplier_links__status=HubProducer.Status.ACTIVE)
        )
    )


# --- order cycles ----------------------------------------------------------------------------


def cycles_with_status(qs, status: str, *, now=None):
    """Filter cycles by their (partly clock-derived) status, in SQL."""
    return qs.in_status(status, now=now)


def cycles_visible_to(user, *, now=None):
    """Cycles a user may read, as the pages show them: upcoming and open ones of visible hubs
    for everyone; all of their hubs' cycles (drafts too) for managers and platform admins;
    the published cycles offering their products for producers (a draft is the hub's own
    until it is published)."""
    now = now or timezone.now()
    public = Q(hub__is_visible=True) & Q(
        pk__in=OrderCycle.objects.in_status(CycleStatus.UPCOMING, CycleStatus.OPEN, now=now)
        .values("pk")
    )
    condition = public
    if user.is_authenticated:
        if user_is_platform_admin(user):
            return OrderCycle.objects.all()
        condition |= Q(hub__memberships__user=user)
        condition |= Q(suppliers__producer__in=producers_for_user(user),
                       published_at__isnull=False)
    return OrderCycle.objects.filter(condition).distinct()


def cycles_with_note_for(user, *, cycle_ids: Iterable[int]) -> set[int]:
    """Of these cycles, those whose note to producers the user may read: their hub's
    managers and platform admins, and members of the cycle's producers (one query at most)."""
    cycle_ids = list(cycle_ids)
    if not cycle_ids or not user.is_authenticated:
        return set()
    if user_is_platform_admin(user):
        return set(cycle_ids)
    return set(
        OrderCycle.objects.filter(pk__in=cycle_ids)
        .filter(Q(hub__memberships__user=user)
                | Q(suppliers__producer__in=producers_for_user(user)))
        .values_list("pk", flat=True)
    )


def cycle_for_manager(*, user, cycle_id: int):
    """A cycle of a hub the user manages (or any, for platform admins); 404 otherwise."""
    qs = OrderCycle.objects.select_related("hub")
    if not user_is_platform_admin(user):
        qs = qs.filter(hub__memberships__user=user)
    return get_object_or_404(qs, pk=cycle_id)


def open_cycles_by_hub() -> dict[int, list]:
    """Open cycles of visible hubs, grouped by hub id (one query), for the storefront."""
    qs = cycles_with_status(
        OrderCycle.objects.filter(hub__is_visible=True), CycleStatus.OPEN
    ).order_by("closes_at")
    grouped: dict[int, list] = {}
    for cycle in qs:
        grouped.setdefault(cycle.hub_id, []).append(cycle)
    return grouped


@dataclass
class Storefront:
    """What a hub's public page shows about ordering from it."""

    open_cycles: list[OrderCycle]  # soonest to close first
    next_cycle: OrderCycle | None  # the next published one, when none is open
    pickup_points: list[PickupPoint]  # active ones, each with `upcoming_windows`
    suppliers: list = field(default_factory=list)  # visible producers with an active link


def hub_storefront(*, hub: Hub, now=None) -> Storefront:
    """The hub's open cycles (or the next one), its pickup points with the windows of the open
    cycles from today on (dates and times are the hub's local ones) and its visible suppliers:
    four queries at most, whatever the number of cycles, points and windows."""
    now = now or timezone.now()
    cycles = OrderCycle.objects.filter(hub=hub)
    open_cycles = list(cycles.in_status(CycleStatus.OPEN, now=now).order_by("closes_at", "pk"))
    next_cycle = None
    if not open_cycles:
        next_cycle = (
            cycles.in_status(CycleStatus.UPCOMING, now=now).order_by("opens_at", "pk").first()
        )
    points = list(PickupPoint.objects.filter(hub=hub, is_active=True).order_by("name", "pk"))
    by_point: dict[int, list[CycleWindow]] = {point.pk: [] for point in points}
    if open_cycles and points:
        today = now.astimezone(ZoneInfo(hub.time_zone)).date()
        windows = (
            CycleWindow.objects.filter(cycle__in=open_cycles, pickup_point__in=points,
                                       date__gte=today)
            .select_related("cycle")
            .order_by("date", "start_time", "pk")
        )
        for window in windows:
            by_point[window.pickup_point_id].append(window)
    for point in points:
        point.upcoming_windows = by_point[point.pk]
    suppliers = [link.producer for link in hub_suppliers(hub=hub).filter(
        producer__is_visible=True)]
    return Storefront(open_cycles=open_cycles, next_cycle=next_cycle, pickup_points=points,
                      suppliers=suppliers)


def hub_supplier_ids(*, hub: Hub) -> set[int]:
    """Ids of the producers actively supplying a hub (one query)."""
    return set(
        HubProducer.objects.filter(hub=hub, status=HubProducer.Status.ACTIVE)
        .values_list("producer_id", flat=True)
    )


def hubs_supplied_by(*, producer) -> QuerySet[Hub]:
    """The visible hubs a producer actively supplies, by name (its public page lists them)."""
    return Hub.objects.filter(
        is_visible=True, supplier_links__producer=producer,
        supplier_links__status=HubProducer.Status.ACTIVE,
    ).order_by("name")


def _count_per_cycle(model) -> Coalesce:
    """How many `model` rows each cycle has, as a correlated subquery: counting two relations
    over one join would multiply their rows (offers x producers) before counting."""
    counts = (
        model.objects.filter(cycle=OuterRef("pk"))
        .order_by()
        .values("cycle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def hub_cycles_list(*, hub: Hub) -> QuerySet[OrderCycle]:
    """A hub's cycles, newest first, with `offer_count` and `supplier_count`: one query."""
    return (
        OrderCycle.objects.filter(hub=hub)
        .annotate(
            offer_count=_count_per_cycle(CycleOffer),
            supplier_count=_count_per_cycle(CycleSupplier),
        )
        .order_by("-opens_at", "-pk")
    )


class CycleFigures(NamedTuple):
    """A cycle's orders, as the orders package counts them."""

    order_count: int
    revenue: Decimal


# cycle ids -> {cycle id: figures} for the cycles that have orders, in a constant number of queries.
CycleFiguresProvider = Callable[[Iterable[int]], dict[int, CycleFigures]]
_cycle_figures_provider: list[CycleFiguresProvider] = []


def register_cycle_figures(provider: CycleFiguresProvider) -> None:
    """Orders (a higher package, which hubs may not read) says how to count a cycle's orders
    and revenue, from its AppConfig.ready(). The last registration wins."""
    _cycle_figures_provider[:] = [provider]


def cycle_figures(*, cycle_ids: Iterable[int]) -> dict[int, CycleFigures] | None:
    """Order figures per cycle (zero for cycles without orders), or None when no package
    provides them."""
    if not _cycle_figures_provider:
        return None
    cycle_ids = list(cycle_ids)
    found = _cycle_figures_provider[0](cycle_ids)
    none = CycleFigures(0, Decimal("0"))
    return {cycle_id: found.get(cycle_id, none) for cycle_id in cycle_ids}


# --- the shop: a cycle's offers as shoppers browse them ---------------------------------------

SHOP_GROUPS = ("category", "producer")


def shop_hub(*, slug: str, user) -> Hub | None:
    """A visible hub (or one the user manages, to look at its shop before it goes public),
    or None."""
    visible = Q(is_visible=True)
    if user.is_authenticated:
        visible |= Q(pk__in=hubs_for_user(user).values("pk"))
    return Hub.objects.filter(visible, slug=slug).first()


def shop_cycles(*, hub: Hub, now=None) -> tuple[list[OrderCycle], list[OrderCycle]]:
    """The hub's open cycles, soonest closing first, and its upcoming ones, soonest opening
    first: one query."""
    now = now or timezone.now()
    open_cycles, upcoming = [], []
    qs = OrderCycle.objects.filter(hub=hub).in_status(
        CycleStatus.OPEN, CycleStatus.UPCOMING, now=now
    ).order_by("closes_at", "pk")
    for cycle in qs:
        (upcoming if cycle.opens_at > now else open_cycles).append(cycle)
    upcoming.sort(key=lambda c: (c.opens_at, c.pk))
    return open_cycles, upcoming


def _top_level_path() -> Subquery:
    """The path of the parent product's first category (an offer's place in the taxonomy)."""
    from oscar.core.loading import get_model

    product_category = get_model("catalogue", "ProductCategory")
    return Subquery(
        product_category.objects.filter(product_id=OuterRef("stockrecord__product__parent_id"))
        # In the order of the (product, category) index: no sort per row.
        .order_by("category_id")
        .values("category__path")[:1]
    )


def _shop_listable(qs: QuerySet[CycleOffer]) -> QuerySet[CycleOffer]:
    """Offers of products still sold, loaded for a card (prices, availability, names)."""
    return (
        qs.filter(stockrecord__product__archived_at__isnull=True)
        .exclude(stockrecord__product__parent__archived_at__isnull=False)
        .select_related("supplier__producer", "stockrecord__product__parent",
                        "stockrecord__partner")
    )


def shop_offers(
    *, cycle: OrderCycle, q: str = "", producer_id: int | None = None,
    category=None, in_stock: bool = False, group: str = "category",
) -> QuerySet[CycleOffer]:
    """The offers a shopper sees in a cycle, filtered and ordered in SQL so that a page of
    them costs the same whatever the cycle's size: products still sold, searched by
    product, variant or producer name (every word must match), of one producer, of a
    category (and its subcategories), only those left to buy; grouped by the category's
    place in the taxonomy (`category_path`) or by producer. Price only the page
    (`hubs.pricing.cycle_prices(cycle=..., offers=page)`)."""
    from .pricing import offers_available_q

    qs = _shop_listable(CycleOffer.objects.filter(cycle=cycle))
    for word in q.split()[:8]:
        qs = qs.filter(
            Q(stockrecord__product__parent__title__icontains=word)
            | Q(stockrecord__product__title__icontains=word)
            | Q(supplier__producer__name__icontains=word)
        )
    if producer_id is not None:
        qs = qs.filter(supplier__producer_id=producer_id)
    if category is not None:
        from oscar.core.loading import get_model

        in_category = get_model("catalogue", "ProductCategory").objects.filter(
            category__path__startswith=category.path
        )
        qs = qs.filter(stockrecord__product__parent_id__in=in_category.values("product_id"))
    if in_stock:
        qs = qs.filter(offers_available_q())
    products = ("stockrecord__product__parent__title", "stockrecord__product__unit_value", "id")
    if group == "producer":
        return qs.order_by("supplier__producer__name", "supplier__producer_id", *products)
    return qs.annotate(category_path=_top_level_path()).order_by(
        F("category_path").asc(nulls_last=True), *products
    )


# How long the order of a cycle's offers (for one set of filters) is reused: the shop's page 1
# at 10,000 offers would otherwise sort them all on every request. Adding or removing offers
# shows at once (the key carries how many offers the cycle has and the last one); renamed
# products, archived ones and stock sold out are re-sorted within this time. Prices and what
# is left are always read live, for the page's offers only.
SHOP_ORDER_SECONDS = 60


def shop_offer_ids(*, cycle: OrderCycle, **filters) -> list[int]:
    """The ids of `shop_offers(cycle=..., **filters)` in order: one query for the cycle's
    offer count (an index scan), and on a cache miss one to sort them."""
    version = CycleOffer.objects.filter(cycle=cycle).aggregate(n=Count("pk"), last=Max("pk"))
    category = filters.get("category")
    key = json.dumps([
        cycle.pk, cycle.created_at.isoformat(), version["n"], version["last"],
        filters.get("group", "category"),
        filters.get("q", ""), filters.get("producer_id"), category.pk if category else None,
        bool(filters.get("in_stock")),
    ])
    key = "hubs:shop-order:" + hashlib.sha256(key.encode()).hexdigest()
    ids = cache.get(key)
    if ids is None:
        ids = list(shop_offers(cycle=cycle, **filters).values_list("pk", flat=True))
        cache.set(key, ids, SHOP_ORDER_SECONDS)
    return ids


def shop_page_offers(*, ids: list[int]) -> list[CycleOffer]:
    """The offers of a page of `shop_offer_ids`, in that order, loaded for their cards
    (with `category_path`); one query. An offer archived since it was sorted is left out."""
    found = {
        offer.pk: offer for offer in _shop_listable(CycleOffer.objects.filter(pk__in=ids))
        .annotate(category_path=_top_level_path())
    }
    return [found[pk] for pk in ids if pk in found]
