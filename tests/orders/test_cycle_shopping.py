"""Shopping in an order cycle: Oscar's prices come from the price selector."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from hubs.cycle_services import cycle_create, cycle_fee_save
from hubs.pricing import cycle_prices

pytestmark = pytest.mark.django_db
Selector = get_class("partner.strategy", "Selector")
StockRecord = get_model("partner", "StockRecord")


def request_with_cycle(client, cycle, offer):
    """A request whose basket (the client's) is bound to `cycle` by adding `offer`."""
    from orders.basket.middleware import BasketMiddleware

    client.post(f"/{cycle.hub.slug}/shop/add/", {"offer": offer.pk, "quantity": 1})
    request = RequestFactory().get("/")
    request.COOKIES = {k: v.value for k, v in client.cookies.items()}
    request.session = client.session
    request.user = AnonymousUser()
    BasketMiddleware(lambda r: None)(request)  # sets request.strategy and request.basket
    return request


def test_shop_prices_are_the_cycle_price_selectors(client, cycle_with_offers):
    cycle, offers = cycle_with_offers
    cycle_fee_save(cycle=cycle, name="Packing", kind="item_flat", amount=Decimal("0.50"))
    request = request_with_cycle(client, cycle, offers[1])
    strategy = request.strategy
    record = offers[0].stockrecord
    info = strategy.fetch_for_product(record.product)
    breakdown = cycle_prices(cycle=cycle)[offers[0].id]
    assert info.price.incl_tax == breakdown.total_incl_tax == Decimal("3.39")
    assert info.price.excl_tax == breakdown.total_excl_tax
    assert info.availability.is_available_to_buy
    parent = strategy.fetch_for_parent(record.product.parent)
    assert parent.price.exists and parent.availability.is_available_to_buy


def test_products_not_offered_cannot_be_bought_in_the_cycle(client, cycle_with_offers):
    cycle, offers = cycle_with_offers
    record = offers[0].stockrecord
    request = request_with_cycle(client, cycle, offers[1])
    offers[0].delete()
    info = request.strategy.fetch_for_product(record.product)
    assert not info.price.exists and not info.availability.is_available_to_buy


def test_without_a_cycle_the_producer_price_plus_vat_shows(client, cycle_with_offers):
    _cycle, offers = cycle_with_offers
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = AnonymousUser()
    info = Selector().strategy(request=request).fetch_for_product(
        offers[0].stockrecord.product
    )
    assert info.price.incl_tax == Decimal("2.53")  # 2.40 + 5.5 % VAT
    assert not info.availability.is_available_to_buy  # not sold outside a cycle


def test_only_open_cycles_can_be_shopped(client, hub):
    now = timezone.now()
    upcoming = cycle_create(hub=hub, name="Later", opens_at=now + dt.timedelta(days=2),
                            closes_at=now + dt.timedelta(days=4), publish=True)
    assert client.post(f"/shop-in/cycles/{upcoming.id}/shop/").status_code == 404
    assert client.get(f"/shop-in/cycles/{upcoming.id}/shop/").status_code == 405


def test_each_request_prices_only_what_it_shows(client, cycle_with_offers):
    """The strategy never prices the whole cycle: the basket's lines (and the asked stock
    record) in one query, each other stock record in one query when first asked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, offers = cycle_with_offers
    request = request_with_cycle(client, cycle, offers[1])
    strategy = request.strategy
    list(request.basket.all_lines())
    records = {o.pk: o.stockrecord for o in offers}
    products = {pk: record.product for pk, record in records.items()}
    with CaptureQueriesContext(connection) as first:
        strategy.fetch_for_product(products[offers[1].pk], records[offers[1].pk])
    sql = [q["sql"] for q in first.captured_queries]
    assert len(sql) == 3, sql  # the basket's cycle, the fees, the lines' offers
    assert f"IN ({offers[1].stockrecord_id})" in sql[-1]
    with CaptureQueriesContext(connection) as cached:
        strategy.fetch_for_product(products[offers[1].pk], records[offers[1].pk])
    assert len(cached) == 0
    with CaptureQueriesContext(connection) as other:
        strategy.fetch_for_product(products[offers[2].pk], records[offers[2].pk])
    assert len(other) == 1
    assert f"IN ({offers[2].stockrecord_id})" in other.captured_queries[0]["sql"]


def test_home_page_offers_the_open_cycle(client, open_cycle):
    from django.core.management import call_command

    call_command("foodhub_demo", quiet_roster=True, stdout=__import__("io").StringIO())
    html = client.get("/").content.decode()
    assert "Shop &quot;Marché de la semaine&quot;" in html or 'Shop "Marché de la semaine"' in html


# --- the strategy registry: producers' Selector, orders' cycle strategy --------------------


def test_oscar_loads_the_selector_from_the_partner_fork_in_producers():
    assert Selector.__module__ == "producers.partner.strategy"


def test_oscars_basket_middleware_prices_from_the_basket_cycle(client, cycle_with_offers):
    """Oscar builds every request's strategy in BasketMiddleware: the cycle strategy that orders
    registers must reach it, and the default must apply outside a cycle."""
    from django.http import HttpResponse

    from orders.basket.middleware import BasketMiddleware

    cycle, offers = cycle_with_offers
    product = offers[0].stockrecord.product

    def view(request):
        return HttpResponse(str(request.strategy.fetch_for_product(product).price.incl_tax))

    outside = RequestFactory().get("/")
    outside.session, outside.user = client.session, AnonymousUser()
    assert BasketMiddleware(view)(outside).content == b"2.53"
    in_cycle = request_with_cycle(client, cycle, offers[1])
    assert str(in_cycle.strategy.fetch_for_product(product).price.incl_tax) == str(
        cycle_prices(cycle=cycle)[offers[0].id].total_incl_tax) == "2.79"


def test_without_a_registered_provider_the_producer_price_applies(client, cycle_with_offers,
                                                                   monkeypatch):
    from producers.partner import strategy as partner_strategy

    cycle, offers = cycle_with_offers
    request = request_with_cycle(client, cycle, offers[1])
    monkeypatch.setattr(partner_strategy, "_providers", [])
    info = Selector().strategy(request=request).fetch_for_product(offers[0].stockrecord.product)
    assert info.price.incl_tax == Decimal("2.53")
    assert not info.availability.is_available_to_buy


def test_orders_registers_its_cycle_strategy_once():
    from django.apps import apps

    from orders.strategy import cycle_strategy
    from producers.partner import strategy as partner_strategy

    apps.get_app_config("orders").ready()
    assert partner_strategy._providers.count(cycle_strategy) == 1
