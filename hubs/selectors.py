"""Reads for hub pages, the API and the storefront."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from producers.models import ProducerMembership
from producers.selectors import memberships_for_user, producers_for_user, user_is_platform_admin

from .models import CycleStatus, Hub, HubMembership, HubProducer, OrderCycle
from .roles import Role


def hub_memberships_for_user(user) -> QuerySet[HubMembership]:
    return HubMembership.objects.filter(user=user).select_related("hub").order_by("hub__name")


def hub_for_manager(*, user, slug: str) -> Hub:
    """The hub with this slug if the user manages it; 404 otherwise (tenancy)."""
    qs = Hub.objects.all()
    if not user_is_platform_admin(user):
        qs = qs.filter(memberships__user=user)
    return get_object_or_404(qs, slug=slug)


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


@dataclass
class UserProfile:
    """Who a user is on the platform: roles and the producers and hubs they belong to."""

    roles: list[str]
    producers: list = field(default_factory=list)
    hubs: list = field(default_factory=list)


def user_profile(user) -> UserProfile:
    """Roles and memberships of a user, in three queries whatever their number."""
    producer_memberships = list(memberships_for_user(user))
    hub_memberships = list(hub_memberships_for_user(user))
    roles = [Role.SHOPPER.value]
    if producer_memberships:
        roles.append(Role.PRODUCER.value)
    if hub_memberships:
        roles.append(Role.HUB_MANAGER.value)
    if user_is_platform_admin(user):
        roles.append(Role.PLATFORM_ADMIN.value)
    return UserProfile(roles=roles, producers=producer_memberships, hubs=hub_memberships)


def user_areas(user) -> dict[str, bool]:
    """Which member areas the navigation links to, in one query."""
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            producer=Exists(ProducerMembership.objects.filter(user=OuterRef("pk"))),
            hub=Exists(HubMembership.objects.filter(user=OuterRef("pk"))),
        )
        .values("producer", "hub")
        .first()
    )
    return row or {"producer": False, "hub": False}


# --- order cycles ----------------------------------------------------------------------------


def cycles_with_status(qs, status: str, *, now=None):
    """Filter cycles by their (partly clock-derived) status, in SQL."""
    return qs.in_status(status, now=now)


def cycles_visible_to(user, *, now=None):
    """Cycles a user may read: upcoming and open ones of visible hubs for everyone; all of
    their hubs' cycles for managers; the cycles offering their products for producers."""
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
