"""Producer area pages. Thin: they call selectors and render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import memberships_for_user, producer_for_member, producer_products

PRODUCTS_SHOWN = 50


@login_required
def home(request):
    """The producers the signed-in user belongs to."""
    memberships = memberships_for_user(request.user)
    return render(request, "producers/home.html", {"memberships": memberships})


@login_required
def detail(request, slug: str):
    """One producer's home for its members: profile and catalogue at a glance."""
    producer = producer_for_member(user=request.user, slug=slug)
    products = list(producer_products(producer=producer)[:PRODUCTS_SHOWN])
    return render(
        request, "producers/detail.html", {"producer": producer, "products": products}
    )
