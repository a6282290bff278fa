"""Writes for hubs."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from producers.services import role_group_sync

from .models import HUB_MANAGERS_GROUP, Hub, HubMembership, HubProducer, ManagerRole


@transaction.atomic
def hub_create(
    *, name: str, slug: str | None = None, description: str = "", city: str = "",
    time_zone: str = "Europe/Paris", currency: str = "EUR", language: str = "fr",
) -> Hub:
    """Create a hub after validating its fields (time zone, slug)."""
    hub = Hub(
        name=name, slug=slug or slugify(name), description=description, city=city,
        time_zone=time_zone, currency=currency, language=language,
    )
    hub.full_clean()
    hub.save()
    return hub


@transaction.atomic
def hub_update(*, hub: Hub, **fields) -> Hub:
    """Update a hub's profile after validating it as a whole (time zone, slug, language)."""
    for key, value in fields.items():
        setattr(hub, key, value)
    hub.full_clean()
    hub.save()
    return hub


@transaction.atomic
def hub_manager_add(*, hub: Hub, user, role: str = ManagerRole.STAFF) -> HubMembership:
    """Make a user a manager of a hub (idempotent) and give them the hub manager role."""
    membership, created = HubMembership.objects.get_or_create(
        hub=hub, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    role_group_sync(user=user, group_name=HUB_MANAGERS_GROUP, has_role=True)
    return membership


@transaction.atomic
def hub_manager_remove(*, hub: Hub, user) -> None:
    HubMembership.objects.filter(hub=hub, user=user).delete()
    still_manager = HubMembership.objects.filter(user=user).exists()
    role_group_sync(user=user, group_name=HUB_MANAGERS_GROUP, has_role=still_manager)


@transaction.atomic
def hub_supplier_link(*, hub: Hub, producer) -> HubProducer:
    """Record that a producer supplies a hub (idempotent; reactivates an ended link)."""
    link, created = HubProducer.objects.get_or_create(hub=hub, producer=producer)
    if not created and link.status != HubProducer.Status.ACTIVE:
        link.status = HubProducer.Status.ACTIVE
        link.save(update_fields=["status"])
    return link
