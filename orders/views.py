"""Shopper entry into an order cycle (the storefront issue builds the full hub shop)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hubs.models import CycleStatus
from hubs.selectors import cycles_visible_to, cycles_with_status

from .strategy import SESSION_KEY


@require_POST
def shop_cycle(request, cycle_id: int):
    """Shop in an open cycle: prices and availability then come from that cycle."""
    cycle = get_object_or_404(
        cycles_with_status(cycles_visible_to(request.user), CycleStatus.OPEN), pk=cycle_id
    )
    request.session[SESSION_KEY] = cycle.pk
    messages.success(
        request,
        _("You are shopping in %(cycle)s at %(hub)s.") % {"cycle": cycle.name,
                                                            "hub": cycle.hub.name},
    )
    return redirect("catalogue:index")
