"""Hub manager pages. Thin: they call selectors and render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import hub_for_manager, hub_memberships_for_user, hub_suppliers


@login_required
def home(request):
    """The hubs the signed-in user manages."""
    memberships = hub_memberships_for_user(request.user)
    return render(request, "hubs/home.html", {"memberships": memberships})


@login_required
def detail(request, slug: str):
    """One hub's home for its managers: profile and suppliers."""
    hub = hub_for_manager(user=request.user, slug=slug)
    return render(request, "hubs/detail.html", {"hub": hub, "suppliers": hub_suppliers(hub=hub)})
