"""Shopper entry into an order cycle: its shop (`orders.shop_views`)."""

from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from hubs.models import CycleStatus
from hubs.selectors import cycles_visible_to, cycles_with_status

from .shop_views import shop_url


@require_POST
def shop_cycle(request, cycle_id: int):
    """Kept for links and forms made before the shop existed: go to the cycle's shop (the
    basket binds to a cycle when its first product is added there)."""
    cycle = get_object_or_404(
        cycles_with_status(cycles_visible_to(request.user), CycleStatus.OPEN)
        .select_related("hub"),
        pk=cycle_id,
    )
    return redirect(shop_url(cycle))
