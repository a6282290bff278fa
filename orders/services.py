"""Writes for orders placed in order cycles."""

from django.db import transaction

from .models import CycleOrder


@transaction.atomic
def order_link_cycle(*, order, cycle) -> CycleOrder:
    """Record the cycle an order was placed in (idempotent)."""
    link, _created = CycleOrder.objects.get_or_create(order=order, defaults={"cycle": cycle})
    return link
