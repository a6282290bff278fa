"""A hub's shop (`/<hub-slug>/shop/`): browse an order cycle's offers and fill the basket.

The page costs the same whatever the cycle's size: offers are filtered and ordered in SQL
(`hubs.selectors.shop_offers`; the order of ids is reused for a minute, `shop_offer_ids`),
only the page's offers are loaded and priced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from oscar.core.loading import get_model

from hubs.models import CycleOffer, CycleStatus, CycleSupplier, Hub, OrderCycle
from hubs.pricing import PriceBreakdown, available_quantity, cycle_prices
from hubs.selectors import (
    SHOP_GROUPS,
    shop_cycles,
    shop_hub,
    shop_offer_ids,
    shop_page_offers,
)
from producers.parsing import MAX_INT, IdField
from producers.units import per_label, unit_price

from .basket_services import BasketHoldsAnotherCycle, basket_add, shop_offer
from .services import MAX_QUANTITY

Category = get_model("catalogue", "Category")
ProductImage = get_model("catalogue", "ProductImage")

PER_PAGE = 48
LOW_STOCK = 5


def shop_url(cycle: OrderCycle, *, hub: Hub | None = None) -> str:
    """The shop page of a cycle (the `?cycle=` keeps the choice when a hub has several)."""
    hub = hub or cycle.hub
    return f"{reverse('orders-shop', args=[hub.slug])}?{urlencode({'cycle': cycle.pk})}"


class ShopFilterForm(forms.Form):
    """The shop's query string. A malformed cycle or page is a 404; any other malformed
    value is ignored (the filter is left out)."""

    cycle = IdField(required=False)
    q = forms.CharField(required=False, max_length=100, label=gettext_lazy("Search"))
    producer = IdField(required=False)
    category = IdField(required=False)
    in_stock = forms.BooleanField(required=False)
    group = forms.ChoiceField(
        required=False, choices=[(g, g) for g in SHOP_GROUPS]
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_INT)


@dataclass
class Card:
    """One offer as the shop shows it."""

    offer: CycleOffer
    product: str
    variant: str
    producer: str
    price: PriceBreakdown
    per: tuple[Decimal, str] | None
    available: int | None
    image: object | None

    @property
    def vat_lines(self) -> list[tuple[str, Decimal]]:
        """[("5.5", amount)]: rates as written, in a stable order."""
        return [(format(rate.normalize(), "f"), amount)
                for rate, amount in sorted(self.price.vat.items())]

    @property
    def sold_out(self) -> bool:
        return self.available == 0

    @property
    def low(self) -> bool:
        return self.available is not None and 0 < self.available <= LOW_STOCK

    @property
    def max_quantity(self) -> int:
        return min(self.available, MAX_QUANTITY) if self.available is not None else MAX_QUANTITY


def _images(offers) -> dict[int, object]:
    """The first image of each page's variant or of its parent: one query."""
    ids = set()
    for offer in offers:
        variant = offer.stockrecord.product
        ids.update(filter(None, (variant.pk, variant.parent_id)))
    images: dict[int, object] = {}
    if ids:
        for image in ProductImage.objects.filter(product_id__in=ids).order_by(
            "display_order", "pk"
        ):
            images.setdefault(image.product_id, image)
    return images


def _per_unit(variant, price: Decimal):
    """(amount, "kg") for goods sold by weight or volume or in packs; None for single items."""
    if not variant.unit_value or variant.unit_value <= 0:
        return None
    if variant.unit_type == "items" and variant.unit_value == 1:
        return None
    amount, per = unit_price(price=price, unit_type=variant.unit_type,
                             unit_value=variant.unit_value)
    return amount, per_label(per)


def _cards(cycle, offers) -> list[Card]:
    prices = cycle_prices(cycle=cycle, offers=offers)
    images = _images(offers)
    cards = []
    for offer in offers:
        variant = offer.stockrecord.product
        parent = variant.parent
        price = prices[offer.id]
        cards.append(Card(
            offer=offer,
            product=parent.title if parent else variant.title,
            variant=variant.unit_label or (variant.title if parent else ""),
            producer=offer.supplier.producer.name,
            price=price,
            per=_per_unit(variant, price.total_incl_tax),
            available=available_quantity(offer),
            image=images.get(variant.pk) or (images.get(parent.pk) if parent else None),
        ))
    return cards


def _groups(cards: list[Card], group: str, categories: dict[str, object]):
    """[(heading, cards)] in page order: consecutive cards of a category or producer."""
    groups: list[tuple[str, list[Card]]] = []
    for card in cards:
        if group == "producer":
            heading = card.producer
        else:
            path = getattr(card.offer, "category_path", None) or ""
            category = categories.get(path[: Category.steplen])
            heading = category.local_name if category else _("Other products")
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append(card)
    return groups


def _query(params: dict, **changes) -> str:
    """The current query string with some values changed (None drops one)."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "", False)}
    return urlencode(merged)


def _pick_cycle(open_cycles, upcoming, cycle_id):
    if cycle_id is None:
        return (open_cycles[0] if open_cycles else (upcoming[0] if upcoming else None))
    for cycle in [*open_cycles, *upcoming]:
        if cycle.pk == cycle_id:
            return cycle
    raise Http404


def _wagtail_page(request):
    """No hub of that name: the URL may be a CMS page's ("/about/shop/")."""
    from wagtail.views import serve

    return serve(request, request.path.lstrip("/"))


@require_GET
def shop_page(request, hub_slug: str):
    """The shop of one of the hub's cycles: open ones can be bought from; with none open,
    the next cycle's offers can be browsed and the page says when it opens."""
    hub = shop_hub(slug=hub_slug, user=request.user)
    if hub is None:
        return _wagtail_page(request)
    form = ShopFilterForm(request.GET)
    form.is_valid()
    if "cycle" in form.errors or "page" in form.errors:
        raise Http404
    data = form.cleaned_data
    open_cycles, upcoming = shop_cycles(hub=hub)
    cycle = _pick_cycle(open_cycles, upcoming, data.get("cycle"))
    context = {"hub": hub, "cycle": cycle, "open_cycles": open_cycles,
               "next_cycle": upcoming[0] if upcoming else None}
    if cycle is None:
        return render(request, "orders/shop/shop.html", context)

    categories = list(Category.objects.filter(depth=1).order_by("path"))
    suppliers = list(
        CycleSupplier.objects.filter(cycle=cycle).select_related("producer")
        .order_by("producer__name")
    )
    producer_id = data.get("producer")
    category = next((c for c in categories if c.pk == data.get("category")), None)
    group = data.get("group") or "category"
    if not any(s.producer_id == producer_id for s in suppliers):
        producer_id = None
    ids = shop_offer_ids(
        cycle=cycle, q=data.get("q") or "", in_stock=bool(data.get("in_stock")), group=group,
        producer_id=producer_id, category=category,
    )
    paginator = Paginator(ids, PER_PAGE)
    try:
        page = paginator.page(data.get("page") or 1)
    except InvalidPage:
        raise Http404 from None
    cards = _cards(cycle, shop_page_offers(ids=list(page.object_list)))
    params = {
        "cycle": cycle.pk if data.get("cycle") else None, "q": data.get("q"),
        "producer": producer_id, "category": category.pk if category else None,
        "in_stock": "1" if data.get("in_stock") else None,
        "group": group if group != "category" else None,
    }
    context.update(
        buyable=cycle.status == CycleStatus.OPEN,
        form=form, params=params, group=group, page=page, paginator=paginator,
        groups=_groups(cards, group, {c.path: c for c in categories}),
        categories=categories, producers=[s.producer for s in suppliers],
        selected_producer=producer_id, selected_category=category,
        group_links={g: _query(params, group=g if g != "category" else None, page=None)
                     for g in SHOP_GROUPS},
        previous_query=_query(params, page=page.previous_page_number())
        if page.has_previous() else None,
        next_query=_query(params, page=page.next_page_number()) if page.has_next() else None,
        here=request.get_full_path(),
    )
    return render(request, "orders/shop/shop.html", context)


class AddForm(forms.Form):
    offer = IdField()
    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY,
        error_messages={
            "required": gettext_lazy("Choose a quantity."),
            "invalid": gettext_lazy("Choose a quantity as a whole number."),
            "min_value": gettext_lazy("Choose a quantity of at least 1."),
            "max_value": gettext_lazy("At most %(limit_value)s of one product per order."),
        },
    )
    switch = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=2000)


def _back(request, form, hub) -> str:
    """Where to go after adding: the page the shopper added from, if it is ours."""
    target = form.data.get("next") or ""
    if (isinstance(target, str) and target.startswith("/") and "\x00" not in target
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())):
        return target
    return reverse("orders-shop", args=[hub.slug])


@require_POST
def add_to_basket(request, hub_slug: str):
    """Add an offer of one of the hub's cycles to the basket. A basket holding another
    cycle's products gets a confirmation page first (empty it and switch?)."""
    hub = shop_hub(slug=hub_slug, user=request.user)
    if hub is None:
        raise Http404
    form = AddForm(request.POST)
    back = _back(request, form, hub)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        message = errors[0] if field == "quantity" else _("Choose a product to add.")
        messages.error(request, message)
        return redirect(back)
    try:
        offer = shop_offer(hub=hub, offer_id=form.cleaned_data["offer"])
    except CycleOffer.DoesNotExist:
        raise Http404 from None
    try:
        added = basket_add(
            basket=request.basket, offer=offer, quantity=form.cleaned_data["quantity"],
            switch=form.cleaned_data["switch"],
        )
    except BasketHoldsAnotherCycle as held:
        return render(request, "orders/shop/switch.html", {
            "hub": hub, "offer": offer, "current": held.current, "num_items": held.num_items,
            "quantity": form.cleaned_data["quantity"], "back": back,
            "current_url": shop_url(held.current) if held.current else back,
        })
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(back)
    if added.switched:
        messages.info(request, _("Your basket was emptied: it now holds products of "
                                 "%(cycle)s at %(hub)s.") % {"cycle": offer.cycle.name,
                                                              "hub": hub.name})
    messages.success(request, _("%(title)s added to your basket (%(quantity)s in it).") % {
        "title": added.title, "quantity": added.quantity})
    return redirect(back)


def catalogue_index(request):
    """Oscar's platform-wide catalogue listed every product of every producer: shoppers buy
    in a hub's cycle, so send them to their basket's open cycle, or to the hubs."""
    basket = request.basket
    if basket.cycle_id:
        cycle = OrderCycle.objects.select_related("hub").filter(pk=basket.cycle_id).first()
        if cycle is not None and cycle.status == CycleStatus.OPEN:
            return redirect(shop_url(cycle))
    return redirect("/")
