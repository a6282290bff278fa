"""Reads for hub pages, the API and the storefront."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from producers.selectors import producers_for_user
from teams.selectors import teams_for_user, user_is_platform_admin, user_memberships

from .models import CycleStatus, Hub, HubMembership, HubProducer, OrderCycle


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
    now = now or timezone.now()
    published = Q(state=OrderCycle.State.PUBLISHED)
    filters = {
        CycleStatus.DRAFT: Q(state=OrderCycle.State.DRAFT),
        CycleStatus.PROCESSED: Q(state=OrderCycle.State.PROCESSED),
        CycleStatus.UPCOMING: published & Q(opens_at__gt=now),
        CycleStatus.OPEN: published & Q(opens_at__lte=now, closes_at__gt=now),
        CycleStatus.CLOSED: published & Q(closes_at__lte=now),
    }
    return qs.filter(filters[status])


def cycles_visible_to(user, *, now=None):
    """Cycles a user may read: upcoming and open ones of visible hubs for everyone; all of
    their hubs' cycles for managers; the cycles offering their products for producers."""
    now = now or timezone.now()
    public = Q(state=OrderCycle.State.PUBLISHED, closes_at__gt=now, hub__is_visible=True)
    condition = public
    if user.is_authenticated:
        if user_is_platform_admin(user):
            return OrderCycle.objects.all()
        condition |= Q(hub__memberships__user=user)
        condition |= Q(suppliers__producer__in=producers_for_user(user))
    return OrderCycle.objects.filter(condition).distinct()


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
