"""The web checkout of an order cycle: guest or signed in per the hub, pickup window or
delivery, the hub's payment methods, the review with every breakdown, and placing through
`orders.services.order_place` only."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.signing import Signer
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.cycle_services import cycle_create, cycle_fee_save, cycle_window_save
from hubs.models import PaymentMethod, PickupPoint
from hubs.transitions import cycle_close_now
from orders.strategy import CycleStrategy
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

INDEX = "/shop/checkout/"
FULFILMENT = "/shop/checkout/fulfilment/"
PAYMENT = "/shop/checkout/payment-method/"
PREVIEW = "/shop/checkout/preview/"
THANK_YOU = "/shop/checkout/thank-you/"


@pytest.fixture
def shopper():
    return UserFactory(email="shopper@example.org", first_name="Sam", last_name="Shopper")


def fill_basket(client, shop, lines=((0, 2),), user=None):
    """A basket of the shop's cycle with `lines` ((offer index, quantity)), as the shop would
    leave it (the basket bound to the cycle)."""
    basket = Basket.objects.create(owner=user, cycle=shop.cycle)
    basket.strategy = CycleStrategy(None, cycle=shop.cycle)
    for index, quantity in lines:
        basket.add_product(shop.offers[index].stockrecord.product, quantity)
    if user is None:
        client.cookies[settings.OSCAR_BASKET_COOKIE_OPEN] = Signer().sign(basket.pk)
    return basket


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def allocated(shop) -> list[int]:
    return [StockRecord.objects.get(pk=o.stockrecord_id).num_allocated or 0 for o in shop.offers]


def pickup(client, shop, **extra):
    data = {"fulfilment": f"pickup-{shop.window.pk}", "name": "Sam Shopper", "phone": "",
            "note": ""}
    data.update(extra)
    return client.post(FULFILMENT, data)


def pay(client, method):
    return client.post(PAYMENT, {"payment_method": method.pk})


def test_a_signed_in_shopper_checks_out_with_a_pickup_window(
        client, shop, shopper, django_capture_on_commit_callbacks):
    cycle_fee_save(cycle=shop.cycle, name="Basket fee", kind="order_flat",
                   amount=Decimal("1.00"))
    client.force_login(shopper)
    basket = fill_basket(client, shop, [(0, 2), (1, 1)], user=shopper)

    assert client.get(INDEX).url == FULFILMENT
    page = client.get(FULFILMENT).content.decode()
    assert "La Halle" in page and "1 rue de la Halle" in page and "17:00" in page
    assert "Paris 11-12" in page  # the delivery zone, with its fee
    assert pickup(client, shop).url == PAYMENT
    page = client.get(PAYMENT).content.decode()
    assert "Pay at pickup" in page and "FR7630006000011234567890189" in page
    assert "Payment details to go here" not in page
    assert pay(client, shop.at_pickup).url == PREVIEW

    review = client.get(PREVIEW)
    html = review.content.decode()
    assert "Payment details to go here" not in html
    title = shop.offers[0].stockrecord.product.get_title()
    assert title in html and "Ferme A" in html and "Basket fee" in html
    assert "Producer price" in html and "Hub markup" in html and "VAT" in html
    shown_total = review.context["review"].total

    with django_capture_on_commit_callbacks(execute=True):
        placed = client.post(PREVIEW, {"action": "place_order"})
    assert placed.url == THANK_YOU
    order = Order.objects.get()
    assert order.user == shopper and order.cycle == shop.cycle
    assert order.pickup_window == shop.window and order.payment_method == shop.at_pickup
    assert order.total_incl_tax == shown_total
    assert order.customer_name == "Sam Shopper"
    assert allocated(shop) == [2, 1, 0]
    basket.refresh_from_db()
    assert basket.status == Basket.SUBMITTED
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["shopper@example.org"]

    thanks = client.get(THANK_YOU).content.decode()
    assert order.number in thanks and "La Halle" in thanks and title in thanks
    assert "/shop/accounts/orders/" in thanks


def as_guest(client, shop, email="guest@example.org"):
    shop.hub.guest_checkout = True
    shop.hub.save()
    return client.post(INDEX, {"email": email})


def deliver(client, **extra):
    data = {"fulfilment": "delivery", "address": "12 rue Oberkampf", "postcode": "75011",
            "name": "Gail Guest", "phone": "+33 6 12 34 56 78", "note": "Code 1234"}
    data.update(extra)
    return client.post(FULFILMENT, data)


def nothing_ordered(shop, before=(0, 0, 0)):
    return not Order.objects.exists() and allocated(shop) == list(before)


def test_a_guest_checks_out_with_delivery_and_a_bank_transfer(
        client, shop, django_capture_on_commit_callbacks):
    fill_basket(client, shop, [(0, 3)])
    assert as_guest(client, shop).url == FULFILMENT
    assert deliver(client).url == PAYMENT
    assert pay(client, shop.transfer).url == PREVIEW

    review = client.get(PREVIEW)
    html = review.content.decode()
    assert "12 rue Oberkampf" in html and "75011" in html and "guest@example.org" in html
    assert "Paris 11-12" in html and "4.80" in html  # 4.00 fee + 20 % VAT
    assert "FR7630006000011234567890189" in html
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(PREVIEW, {"action": "place_order"}).url == THANK_YOU

    order = Order.objects.get()
    assert order.user is None and order.guest_email == "guest@example.org"
    assert order.fulfilment == "delivery" and order.delivery_zone == shop.zone
    assert order.pickup_window == shop.delivery_window
    assert (order.delivery_address, order.delivery_postcode) == ("12 rue Oberkampf", "75011")
    assert order.contact_phone == "+33 6 12 34 56 78" and order.customer_note == "Code 1234"
    assert order.total_incl_tax == review.context["review"].total
    assert [fee["incl_tax"] for fee in order.fees_breakdown] == ["4.80"]
    assert order.payment_reference == f"FH-{order.number}"
    assert mail.outbox[0].to == ["guest@example.org"]

    thanks = client.get(THANK_YOU).content.decode()
    assert f"FH-{order.number}" in thanks and "FR7630006000011234567890189" in thanks
    assert "12 rue Oberkampf" in thanks
    # Another visitor's session does not see this order.
    client.cookies.clear()
    assert client.get(THANK_YOU).status_code == 302


def test_a_hub_without_guest_checkout_sends_guests_to_sign_in(client, shop):
    assert not shop.hub.guest_checkout
    fill_basket(client, shop)
    for url in (INDEX, FULFILMENT, PAYMENT, PREVIEW):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == "/shop/accounts/login/?next=%2Fshop%2Fcheckout%2F"
    response = client.post(INDEX, {"email": "guest@example.org"})
    assert response.url.startswith("/shop/accounts/login/")
    assert any("sign in" in m for m in messages_of(response))
    assert client.post(PREVIEW, {"action": "place_order"}).url.startswith(
        "/shop/accounts/login/")
    assert nothing_ordered(shop)


def test_a_guest_gives_a_valid_email_first(client, shop):
    fill_basket(client, shop)
    shop.hub.guest_checkout = True
    shop.hub.save()
    assert client.get(FULFILMENT).url == INDEX
    for email in ("", "not-an-email"):
        response = client.post(INDEX, {"email": email})
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
    assert client.get(PREVIEW).url == INDEX


@pytest.fixture
def other_hub_things(shop):
    """A window of another cycle of the same hub, and another hub's payment method."""
    now = timezone.now()
    other_cycle = cycle_create(hub=shop.hub, name="Next week", opens_at=now,
                               closes_at=now + dt.timedelta(days=9), publish=True)
    other_window = cycle_window_save(
        cycle=other_cycle, pickup_point=shop.point, date=(now + dt.timedelta(days=10)).date(),
        start_time=dt.time(10), end_time=dt.time(12))
    other_hub = HubFactory()
    other_method = PaymentMethod.objects.create(hub=other_hub, kind="at_pickup", name="Theirs")
    other_point = PickupPoint.objects.create(hub=other_hub, name="Elsewhere", address="x")
    return other_window, other_method, other_point


def test_a_window_of_another_cycle_or_a_method_of_another_hub_is_refused(
        client, shop, shopper, other_hub_things):
    other_window, other_method, _point = other_hub_things
    client.force_login(shopper)
    fill_basket(client, shop, user=shopper)
    response = pickup(client, shop, fulfilment=f"pickup-{other_window.pk}")
    assert response.status_code == 200
    assert "Choose one of the pickup windows" in response.content.decode()
    assert client.get(PAYMENT).url == FULFILMENT  # nothing was kept

    pickup(client, shop)
    response = pay(client, other_method)
    assert response.status_code == 200
    assert "Choose one of the payment methods" in response.content.decode()
    assert client.get(PREVIEW).url == PAYMENT
    assert client.post(PREVIEW, {"action": "place_order"}).url == PAYMENT
    assert nothing_ordered(shop)


def test_a_postcode_outside_every_zone_is_refused(client, shop, shopper):
    client.force_login(shopper)
    fill_basket(client, shop, user=shopper)
    response = deliver(client, postcode="69001")
    assert response.status_code == 200
    errors = response.context["form"].errors["postcode"]
    assert "We do not deliver to 69001" in errors[0] and "75011" in errors[0]
    assert client.get(PAYMENT).url == FULFILMENT
    assert nothing_ordered(shop)


@pytest.mark.parametrize("data, field", [
    ({"fulfilment": ""}, "fulfilment"),
    ({"fulfilment": "pickup-abc"}, "fulfilment"),
    ({"fulfilment": "pickup-1 OR 1=1"}, "fulfilment"),
    ({"fulfilment": "delivery", "address": "", "postcode": "75011", "phone": "0612345678"},
     "address"),
    ({"fulfilment": "delivery", "address": "1 rue X", "postcode": "", "phone": "0612345678"},
     "postcode"),
    ({"fulfilment": "delivery", "address": "1 rue X", "postcode": "75011", "phone": ""},
     "phone"),
    ({"fulfilment": "delivery", "address": "1 rue X", "postcode": "75011", "phone": "call me"},
     "phone"),
    ({"fulfilment": "delivery", "address": "x" * 301, "postcode": "75011",
      "phone": "0612345678"}, "address"),
    ({"name": "   "}, "name"),
])
def test_empty_or_tampered_fulfilment_fields_get_a_message(client, shop, shopper, data, field):
    client.force_login(shopper)
    fill_basket(client, shop, user=shopper)
    posted = {"fulfilment": f"pickup-{shop.window.pk}", "name": "Sam"}
    posted.update(data)
    response = client.post(FULFILMENT, posted)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert client.get(PAYMENT).url == FULFILMENT


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999", "1.5"])
def test_empty_or_tampered_payment_methods_get_a_message(client, shop, shopper, value):
    client.force_login(shopper)
    fill_basket(client, shop, user=shopper)
    pickup(client, shop)
    response = client.post(PAYMENT, {"payment_method": value})
    assert response.status_code == 200
    assert response.context["form"].errors["payment_method"]
    assert client.get(PREVIEW).url == PAYMENT


def ready_to_place(client, shop, shopper, lines=((0, 2),)):
    client.force_login(shopper)
    basket = fill_basket(client, shop, lines, user=shopper)
    pickup(client, shop)
    pay(client, shop.at_pickup)
    return basket


def test_prices_and_choices_posted_with_the_order_are_ignored(
        client, shop, shopper, other_hub_things):
    other_window, other_method, _point = other_hub_things
    ready_to_place(client, shop, shopper)
    expected = client.get(PREVIEW).context["review"].total
    response = client.post(PREVIEW, {
        "action": "place_order", "price": "0.01", "total_incl_tax": "0.01",
        "pickup_window": other_window.pk, "payment_method": other_method.pk,
        "cycle_id": "1", "quantity": "999"})
    assert response.url == THANK_YOU
    order = Order.objects.get()
    assert order.total_incl_tax == expected
    assert order.pickup_window == shop.window and order.payment_method == shop.at_pickup
    assert order.lines.get().quantity == 2


def test_only_the_place_order_action_places(client, shop, shopper):
    ready_to_place(client, shop, shopper)
    assert client.post(PREVIEW, {"action": "something"}).url == PREVIEW
    assert client.post(PREVIEW).url == PREVIEW
    assert nothing_ordered(shop)


def test_a_choice_gone_since_it_was_made_sends_the_shopper_back(client, shop, shopper):
    ready_to_place(client, shop, shopper)
    shop.point.is_active = False
    shop.point.save()
    response = client.post(PREVIEW, {"action": "place_order"})
    assert response.url == FULFILMENT
    assert nothing_ordered(shop)
    shop.point.is_active = True
    shop.point.save()
    shop.at_pickup.is_active = False
    shop.at_pickup.save()
    assert client.post(PREVIEW, {"action": "place_order"}).url == PAYMENT
    assert nothing_ordered(shop)


def test_stock_sold_before_the_review_sends_back_to_the_basket(client, shop, shopper):
    ready_to_place(client, shop, shopper, [(0, 4)])
    StockRecord.objects.filter(pk=shop.offers[0].stockrecord_id).update(num_in_stock=3)
    response = client.get(PREVIEW)
    assert response.url == "/shop/basket/"
    title = shop.offers[0].stockrecord.product.get_title()
    assert f"Only 3 left of {title}" in " ".join(messages_of(response))


def test_stock_sold_while_placing_keeps_the_basket_and_names_the_line(
        client, shop, shopper, monkeypatch):
    """Another shopper takes the last units between the review and this order's
    allocation: order_place raises OrderShort, nothing is written, the basket stays."""
    from orders.checkout.mixins import CycleCheckoutMixin

    basket = ready_to_place(client, shop, shopper, [(0, 2), (1, 5)])
    last_check = CycleCheckoutMixin.check_payment_method_is_captured

    def someone_buys_meanwhile(view, request):
        # After this page checked the stock, before it places the order.
        StockRecord.objects.filter(pk=shop.offers[1].stockrecord_id).update(num_allocated=7)
        return last_check(view, request)

    monkeypatch.setattr(CycleCheckoutMixin, "check_payment_method_is_captured",
                        someone_buys_meanwhile)
    response = client.post(PREVIEW, {"action": "place_order"})
    assert response.url == "/shop/basket/"
    title = shop.offers[1].stockrecord.product.get_title()
    assert [m for m in messages_of(response) if f"Only 3 left of {title}" in m
            and "you asked for 5" in m]
    assert not Order.objects.exists()
    assert allocated(shop) == [0, 7, 0]
    basket.refresh_from_db()
    assert basket.status == Basket.OPEN and basket.num_items == 7


def test_a_closed_cycle_is_refused(client, shop, shopper):
    basket = ready_to_place(client, shop, shopper)
    cycle_close_now(cycle=shop.cycle)
    response = client.post(PREVIEW, {"action": "place_order"})
    assert response.url == "/shop/basket/"
    assert any("no longer takes orders" in m for m in messages_of(response))
    for url in (INDEX, FULFILMENT, PAYMENT, PREVIEW):
        assert client.get(url).url == "/shop/basket/"
    assert nothing_ordered(shop)
    basket.refresh_from_db()
    assert basket.status == Basket.OPEN


def test_a_cycle_closing_during_placement_places_nothing(client, shop, shopper, monkeypatch):
    from orders import services

    basket = ready_to_place(client, shop, shopper)
    place = services.order_place

    def closes_first(**kwargs):
        cycle_close_now(cycle=shop.cycle)
        return place(**kwargs)

    monkeypatch.setattr(services, "order_place", closes_first)
    response = client.post(PREVIEW, {"action": "place_order"})
    assert response.url == "/shop/basket/"
    assert any("not open for orders" in m for m in messages_of(response))
    assert nothing_ordered(shop)
    basket.refresh_from_db()
    assert basket.status == Basket.OPEN


def test_a_basket_without_a_cycle_is_refused(client, shop, shopper):
    client.force_login(shopper)
    basket = fill_basket(client, shop, user=shopper)
    basket.cycle = None
    basket.save()
    response = client.get(INDEX, follow=True)
    assert response.redirect_chain[0][0] == "/shop/basket/"
    assert any("not linked to an order cycle" in m for m in messages_of(response))
    assert client.post(PREVIEW, {"action": "place_order"}).url == "/shop/basket/"
    assert nothing_ordered(shop)


def test_an_empty_basket_cannot_check_out(client, shop, shopper):
    client.force_login(shopper)
    Basket.objects.create(owner=shopper, cycle=shop.cycle)
    assert client.get(INDEX).url == "/shop/basket/"


def test_products_not_offered_in_the_cycle_are_refused(client, shop, shopper):
    ready_to_place(client, shop, shopper, [(0, 1), (2, 1)])
    shop.offers[2].delete()
    response = client.get(PREVIEW)
    assert response.url == "/shop/basket/"
    title = shop.offers[2].stockrecord.product.get_title()
    assert any(f"{title} is not sold in this order cycle" in m for m in messages_of(response))


def test_the_minimum_orders_are_shown_and_enforced(client, shop, shopper):
    shop.hub.minimum_order = Decimal("50.00")
    shop.hub.save()
    ready_to_place(client, shop, shopper)
    html = client.get(PREVIEW).content.decode()
    assert "minimum order is 50.00" in html
    assert 'id="place-order"' not in html
    response = client.post(PREVIEW, {"action": "place_order"})
    assert response.url == "/shop/basket/"
    assert nothing_ordered(shop)


def test_the_zone_minimum_is_shown(client, shop, shopper):
    shop.zone.minimum_order = Decimal("30.00")
    shop.zone.save()
    client.force_login(shopper)
    fill_basket(client, shop, user=shopper)
    deliver(client)
    pay(client, shop.at_pickup)
    html = client.get(PREVIEW).content.decode()
    assert "Deliveries to Paris 11-12 need at least 30.00" in html
    assert 'id="place-order"' not in html


def test_the_review_shows_the_closing_time_in_the_hubs_time_zone(client, shop, shopper):
    shop.hub.time_zone = "America/Montreal"
    shop.hub.save()
    ready_to_place(client, shop, shopper)
    html = client.get(PREVIEW).content.decode()
    montreal = timezone.localtime(shop.cycle.closes_at, ZoneInfo("America/Montreal"))
    paris = timezone.localtime(shop.cycle.closes_at, ZoneInfo("Europe/Paris"))
    assert f"orders close {montreal:%A} {montreal.day} {montreal:%B, %H:%M}" in html
    assert f"{paris:%B, %H:%M}" not in html


XSS = '<script>alert("x")</script>'


def test_what_shoppers_type_is_escaped_on_the_review_and_thank_you_pages(
        client, shop, django_capture_on_commit_callbacks):
    fill_basket(client, shop)
    as_guest(client, shop)
    deliver(client, name=f"Eve {XSS}", note=f"<img src=x onerror=alert(1)> {XSS}",
            address=f"1 rue {XSS}")
    pay(client, shop.at_pickup)
    for html in (client.get(PREVIEW).content.decode(),):
        assert XSS not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PREVIEW, {"action": "place_order"})
    html = client.get(THANK_YOU).content.decode()
    assert XSS not in html and "<img src=x" not in html and "&lt;script&gt;" in html
    assert XSS not in mail.outbox[0].alternatives[0][0]


def test_the_review_costs_the_same_queries_whatever_the_basket_size(
        client, shop, shopper, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ready_to_place(client, shop, shopper, [(0, 1)])
    with CaptureQueriesContext(connection) as one_line:
        assert client.get(PREVIEW).status_code == 200
    one_line_count = len(one_line)  # now: later requests empty the connection's query log
    Basket.objects.filter(owner=shopper).delete()
    ready_to_place(client, shop, shopper, [(0, 1), (1, 1), (2, 1)])
    with django_assert_max_num_queries(one_line_count):
        assert client.get(PREVIEW).status_code == 200


def test_the_checkout_speaks_french(client, shop, shopper):
    ready_to_place(client, shop, shopper)
    response = client.get(PREVIEW, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert re.search(r'<html lang="fr"', response.content.decode())


def test_a_guest_sent_to_sign_in_comes_back_to_the_checkout_with_the_basket(client, shop):
    shopper = UserFactory(email="member@example.org", password="a-long-password-1")
    fill_basket(client, shop, [(0, 2)])
    login = client.get(INDEX).url
    response = client.post(login, {
        "login-username": "member@example.org", "login-password": "a-long-password-1",
        "login_submit": "1", "login-redirect_url": INDEX})
    assert response.status_code == 302
    response = client.get(INDEX)
    assert response.url == FULFILMENT  # the basket kept its cycle through the merge
    basket = Basket.objects.get(owner=shopper, status=Basket.OPEN)
    assert basket.cycle == shop.cycle and basket.num_items == 2
