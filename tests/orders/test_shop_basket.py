"""The basket holds one cycle's products: adding binds it, another cycle asks first, stock
and caps are checked with a message naming the product, a closed cycle's basket is refused,
and nothing is sold outside an open cycle."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from hubs import transitions
from hubs.cycle_services import cycle_create, cycle_offers_add
from hubs.models import CycleOffer
from hubs.pricing import cycle_prices
from tests.hubs.factories import HubFactory
from tests.orders.test_shop import offer_more
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")
Selector = get_class("partner.strategy", "Selector")


def add(client, offer, quantity=1, **extra):
    return client.post(f"/{offer.cycle.hub.slug}/shop/add/",
                       {"offer": offer.pk, "quantity": quantity, **extra})


def after(client, response) -> str:
    """The page the shopper lands on (with the messages) after a redirect."""
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def html_of(response):
    assert response.status_code == 200
    return response.content.decode()


def basket_of(user):
    return Basket.open.get(owner=user)


@pytest.fixture
def shopper(client):
    user = UserFactory(email="shopper@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def other_shop(supplier):
    """Another hub's open cycle offering the same producer's products."""
    from hubs.services import hub_supplier_link

    hub = HubFactory(name="Halle Sud", slug="halle-sud")
    hub_supplier_link(hub=hub, producer=supplier)
    now = timezone.now()
    cycle = cycle_create(hub=hub, name="Sud week", opens_at=now - dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=3), publish=True)
    cycle_offers_add(cycle=cycle, producer=supplier)
    return cycle, list(cycle.offers.order_by("stockrecord__partner_sku"))


def test_adding_binds_the_basket_to_the_cycle_and_prices_from_it(client, shop, shopper):
    offer = shop.offers[0]
    response = add(client, offer, 2, next=f"/{shop.hub.slug}/shop/?q=carrots")
    assert response.status_code == 302
    assert response["Location"] == f"/{shop.hub.slug}/shop/?q=carrots"
    basket = basket_of(shopper)
    assert basket.cycle_id == shop.cycle.pk
    line = basket.lines.get()
    assert line.quantity == 2
    assert line.price_incl_tax == cycle_prices(cycle=shop.cycle)[offer.pk].total_incl_tax
    html = client.get(f"/{shop.hub.slug}/shop/").content.decode()
    assert "Carrots 0 – 500 g added to your basket (2 in it)." in html
    assert "Basket: 2 items" in html and "€5.58" in html  # 2 × 2.79
    assert "This week · Marché" in html


def test_anonymous_shoppers_fill_a_cookie_basket(client, shop):
    response = add(client, shop.offers[0], 1)
    assert response.status_code == 302
    assert Basket.objects.get(owner=None).cycle_id == shop.cycle.pk
    html = client.get("/shop/accounts/login/").content.decode()
    assert "Basket: 1 item" in html


def test_adding_from_another_cycle_asks_before_emptying(client, shop, shopper, other_shop):
    add(client, shop.offers[0], 2)
    cycle, offers = other_shop
    response = add(client, offers[1], 1)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your basket holds 2 items from This week at Marché." in html
    assert "empty it and switch to Sud week at Halle Sud?" in html
    basket = basket_of(shopper)
    assert basket.cycle_id == shop.cycle.pk and basket.lines.get().quantity == 2  # unchanged
    response = add(client, offers[1], 1, switch="1")
    assert response.status_code == 302
    basket = basket_of(shopper)
    assert basket.cycle_id == cycle.pk
    assert [(line.stockrecord_id, line.quantity) for line in basket.lines.all()] == [
        (offers[1].stockrecord_id, 1)]


def test_an_empty_basket_changes_cycle_without_asking(client, shop, shopper, other_shop):
    add(client, shop.offers[0], 1)
    basket_of(shopper).flush()
    cycle, offers = other_shop
    assert add(client, offers[0], 1).status_code == 302
    assert basket_of(shopper).cycle_id == cycle.pk


def test_more_than_the_stock_left_is_refused_naming_the_product(client, shop, shopper):
    offer = shop.offers[0]
    StockRecord.objects.filter(pk=offer.stockrecord_id).update(num_in_stock=5, num_allocated=2)
    response = add(client, offer, 4)
    assert response.status_code == 302
    html = after(client, response)
    assert "Only 3 of Carrots 0 – 500 g left." in html
    assert not Basket.open.filter(owner=shopper, lines__isnull=False).exists()
    add(client, offer, 2)
    response = add(client, offer, 2)
    html = after(client, response)
    assert "Only 3 of Carrots 0 – 500 g left: you already have 2 in your basket." in html
    assert basket_of(shopper).lines.get().quantity == 2


def test_more_than_the_offers_cap_is_refused(client, shop, shopper):
    offer = shop.offers[1]
    CycleOffer.objects.filter(pk=offer.pk).update(cap=4, num_allocated=3)
    response = add(client, offer, 2)
    assert "Only 1 of Carrots 0 – 1000 g left." in after(client, response)
    CycleOffer.objects.filter(pk=offer.pk).update(num_allocated=4)
    response = add(client, offer, 1)
    assert "Sorry, Carrots 0 – 1000 g is sold out." in after(client, response)


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "abc", "²", "", "1000"])
def test_bad_quantities_are_refused_with_a_message(client, shop, shopper, quantity):
    response = add(client, shop.offers[0], quantity)
    assert response.status_code == 302
    html = after(client, response)
    assert "Choose a quantity" in html or "At most 999" in html
    assert not basket_of(shopper).lines.exists()


def test_offers_of_another_hub_or_unknown_are_404(client, shop, other_shop):
    _cycle, offers = other_shop
    response = client.post(f"/{shop.hub.slug}/shop/add/", {"offer": offers[0].pk, "quantity": 1})
    assert response.status_code == 404
    response = client.post(f"/{shop.hub.slug}/shop/add/", {"offer": 99999, "quantity": 1})
    assert response.status_code == 404
    response = client.post("/no-such-hub/shop/add/", {"offer": 1, "quantity": 1})
    assert response.status_code == 404
    assert client.get(f"/{shop.hub.slug}/shop/add/").status_code == 405
    response = client.post(f"/{shop.hub.slug}/shop/add/", {"offer": "²", "quantity": 1})
    assert response.status_code == 302


def test_next_must_be_a_page_of_ours(client, shop):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = add(client, shop.offers[0], 1, next=target)
        assert response["Location"] == f"/{shop.hub.slug}/shop/"


def test_nothing_is_added_once_the_cycle_closed(client, shop, shopper):
    transitions.cycle_close_now(cycle=shop.cycle)
    response = add(client, shop.offers[0], 1)
    assert "This week at Marché is not open for orders" in after(client, response)
    assert not basket_of(shopper).lines.exists()


def test_a_closed_cycles_basket_is_revalidated_and_cannot_go_to_checkout(client, shop, shopper):
    add(client, shop.offers[0], 2)
    transitions.cycle_close_now(cycle=shop.cycle)
    html = client.get("/shop/basket/").content.decode()
    assert "This week at Marché is closed: this basket can no longer be ordered." in html
    assert "no longer available" in html
    html = client.get(f"/{shop.hub.slug}/shop/").content.decode()
    assert "This week · Marché (closed)" in html  # the mini-basket
    response = client.get("/shop/checkout/", follow=True)
    assert response.redirect_chain[-1][0] == "/shop/basket/"
    assert "it no longer takes orders" in response.content.decode()
    # Oscar's own add form (product pages) refuses too.
    variant = shop.offers[1].stockrecord.product
    client.post(f"/shop/basket/add/{variant.pk}/", {"quantity": 1})
    assert basket_of(shopper).lines.count() == 1


def test_oscars_add_form_checks_the_cycle_stock_too(client, shop, shopper):
    add(client, shop.offers[0], 1)
    variant = shop.offers[0].stockrecord.product
    variant.parent.__class__.objects.filter(pk=variant.parent_id).update(title="Pommes d'api")
    response = client.post(f"/shop/basket/add/{variant.pk}/", {"quantity": 10}, follow=True)
    assert "only 10 of Pommes d&#x27;api – 500 g left" in html_of(response)
    assert basket_of(shopper).lines.get().quantity == 1
    client.post(f"/shop/basket/add/{variant.pk}/", {"quantity": 2})
    assert basket_of(shopper).lines.get().quantity == 3


# --- nothing is sold outside an open cycle -----------------------------------------------------


def test_the_default_strategy_shows_prices_but_sells_nothing(shop):
    product = shop.offers[0].stockrecord.product
    info = Selector().strategy().fetch_for_product(product)
    assert info.price.incl_tax == Decimal("2.53")  # producer price + VAT, shown
    assert not info.availability.is_available_to_buy
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    info = Selector().strategy(request=request).fetch_for_product(product)
    assert not info.availability.is_available_to_buy
    assert not Selector().strategy(request=request).fetch_for_parent(
        product.parent).availability.is_available_to_buy


def test_oscars_add_form_refuses_without_a_cycle(client, shop, shopper):
    variant = shop.offers[0].stockrecord.product
    response = client.post(f"/shop/basket/add/{variant.pk}/", {"quantity": 1}, follow=True)
    assert "products are sold only in the open order cycles of hubs" in html_of(response)
    assert not basket_of(shopper).lines.exists()


def test_product_pages_price_from_the_basket_cycle(client, shop, shopper):
    product = shop.offers[0].stockrecord.product
    html = client.get(product.parent.get_absolute_url()).content.decode()
    assert "€2.53" in html and "Order it from a hub" in html
    add(client, shop.offers[1], 1)
    html = client.get(product.parent.get_absolute_url()).content.decode()
    assert "€2.79" in html


# --- what a request costs ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/shop/accounts/login/", "/shop/basket/"])
def test_pages_with_a_basket_do_not_price_the_whole_cycle(client, shop, url):
    from django.core.management import call_command

    call_command("foodhub_demo", quiet_roster=True, stdout=__import__("io").StringIO())
    add(client, shop.offers[0], 1)  # an anonymous basket, in the cookie
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    queries = len(small)
    offer_more(shop.cycle, 60, name="Kale", slug="ferme-k", start=2000)
    client.get(url)
    with CaptureQueriesContext(connection) as big:
        response = client.get(url)
    assert response.status_code == 200
    assert len(big) == queries
    offer_sql = [q["sql"] for q in big.captured_queries if 'FROM "hubs_cycleoffer"' in q["sql"]]
    assert all("IN (" in sql or "LIMIT" in sql for sql in offer_sql), offer_sql


def test_the_catalogue_index_sends_shoppers_to_their_cycle_or_the_hubs(client, shop, shopper):
    response = client.get("/shop/catalogue/")
    assert response.status_code == 302 and response["Location"] == "/"
    add(client, shop.offers[0], 1)
    response = client.get("/shop/catalogue/")
    assert response["Location"] == f"/{shop.hub.slug}/shop/?cycle={shop.cycle.pk}"
    transitions.cycle_close_now(cycle=shop.cycle)
    assert client.get("/shop/catalogue/")["Location"] == "/"


def test_the_old_shop_in_button_leads_to_the_shop(client, shop):
    response = client.post(f"/shop-in/cycles/{shop.cycle.pk}/shop/")
    assert response.status_code == 302
    assert response["Location"] == f"/{shop.hub.slug}/shop/?cycle={shop.cycle.pk}"


def test_signing_in_keeps_one_cycle_in_the_basket(client, shop, other_shop):
    user = UserFactory(email="shopper@example.com")
    client.force_login(user)
    add(client, shop.offers[0], 2)
    client.logout()
    cycle, offers = other_shop
    add(client, offers[0], 1)  # anonymous, in another hub
    client.force_login(user)
    html = client.get(f"/{shop.hub.slug}/shop/").content.decode()  # shows the basket
    basket = basket_of(user)
    assert basket.cycle_id == cycle.pk
    assert [(line.stockrecord_id, line.quantity) for line in basket.lines.all()] == [
        (offers[0].stockrecord_id, 1)]
    assert "the 2 items saved in your account from another order cycle were removed" in html
