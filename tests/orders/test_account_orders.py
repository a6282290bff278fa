"""The shopper's orders in their account: the list across hubs, an order's page, changing and
cancelling it while allowed, and nobody else's orders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.cycle_services import cycle_create, cycle_fee_save, cycle_offers_add, cycle_window_save
from hubs.models import PaymentMethod, PickupPoint
from hubs.transitions import cycle_close_now
from orders import services
from orders.services import LineRequest
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
LIST = "/shop/accounts/orders/"


@pytest.fixture
def shopper():
    return UserFactory(email="shopper@example.org", first_name="Alice", last_name="Martin")


def place(shop, user, lines, **kwargs):
    options = {"pickup_window_id": shop.window.pk, "payment_method_id": shop.at_pickup.pk}
    options.update(kwargs)
    return services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(o.pk, q) for o, q in lines], user=user,
        **options,
    )


def detail(order):
    return f"{LIST}{order.number}/"


def amend_data(order, quantities: dict, **extra) -> dict:
    """The change form as a browser posts it: one quantity per line (keyed by offer)."""
    data = {f"line-{line.pk}": quantities.get(line.offer_id, line.quantity)
            for line in order.lines.all()}
    data.update(add_offer="", add_quantity="1")
    data.update(extra)
    return data


def left(offer) -> int:
    record = StockRecord.objects.get(pk=offer.stockrecord_id)
    return record.num_in_stock - record.num_allocated


@pytest.fixture
def other_hub_order(shopper, supplier):
    """An order of the same shopper at a second hub."""
    from hubs.services import hub_supplier_link

    hub = HubFactory(name="Épicerie du Nord", slug="nord")
    hub_supplier_link(hub=hub, producer=supplier)
    now = timezone.now()
    cycle = cycle_create(hub=hub, name="Nord week", opens_at=now - dt.timedelta(hours=1),
                         closes_at=now + dt.timedelta(days=1), publish=True)
    cycle_offers_add(cycle=cycle, producer=supplier)
    point = PickupPoint.objects.create(hub=hub, name="Le Hangar", address="2 quai")
    window = cycle_window_save(cycle=cycle, pickup_point=point, date=now.date()
                               + dt.timedelta(days=4), start_time=dt.time(10),
                               end_time=dt.time(12))
    method = PaymentMethod.objects.create(hub=hub, kind="at_pickup", name="Cash")
    return services.order_place(
        cycle_id=cycle.pk, lines=[LineRequest(cycle.offers.first().pk, 1)],
        payment_method_id=method.pk, pickup_window_id=window.pk, user=shopper,
    )


# --- the list and the page --------------------------------------------------------------------


def test_the_list_shows_the_shoppers_orders_across_hubs_and_no_one_elses(
        client, shop, shopper, other_hub_order):
    mine = place(shop, shopper, [(shop.offers[0], 2)])
    services.order_cancel(order=other_hub_order, user=shopper)
    theirs = place(shop, UserFactory(email="bob@example.org"), [(shop.offers[1], 1)])
    client.force_login(shopper)
    html = client.get(LIST).content.decode()
    assert f"Order {mine.number}" in html and f"Order {other_hub_order.number}" in html
    assert theirs.number not in html
    assert "Marché" in html and "Épicerie du Nord" in html and "Nord week" in html
    assert "Placed" in html and "Cancelled" in html
    assert "La Halle" in html and shop.window.date.strftime("%-d") in html
    assert f"{mine.total_incl_tax}" in html
    # Oscar's own name for the page still leads here.
    assert client.get("/shop/accounts/orders/").status_code == 200


def test_the_list_costs_the_same_queries_for_2_and_8_orders(
        client, shop, shopper, django_assert_num_queries):
    StockRecord.objects.update(num_in_stock=100)
    client.force_login(shopper)
    for _ in range(2):
        place(shop, shopper, [(shop.offers[0], 1)])
    client.get(LIST)  # the first request of a session also loads what is cached after it
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(6):
        place(shop, shopper, [(shop.offers[1], 1)])
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(LIST).content.decode().count("data-order=") == 8


def test_the_order_page_shows_lines_fees_vat_pickup_and_payment(client, shop, shopper):
    cycle_fee_save(cycle=shop.cycle, name="Packing", kind="order_flat", amount=Decimal("1.00"))
    order = place(shop, shopper, [(shop.offers[0], 2), (shop.offers[1], 1)],
                  payment_method_id=shop.transfer.pk)
    client.force_login(shopper)
    response = client.get(detail(order))
    html = response.content.decode()
    line = order.lines.order_by("pk").first()
    assert line.title in html and "Ferme A" in html
    assert f"{line.unit_price_incl_tax}" in html and f"{line.line_price_incl_tax}" in html
    assert "Packing" in html and "1.20" in html
    assert "of which VAT at 5.5 %" in html and "of which VAT at 20 %" in html
    assert f"{order.total_incl_tax}" in html
    assert "La Halle" in html and "1 rue de la Halle" in html and "17:00" in html
    assert "FR7630006000011234567890189" in html and f"FH-{order.number}" in html
    assert "Change this order" in html


def test_delivery_orders_show_the_address(client, shop, shopper):
    order = place(shop, shopper, [(shop.offers[0], 1)], pickup_window_id=None,
                  delivery=services.Delivery(zone_id=shop.zone.pk, address="3 rue Oberkampf",
                                             postcode="75011"))
    client.force_login(shopper)
    html = client.get(detail(order)).content.decode()
    assert "3 rue Oberkampf" in html and "75011" in html and "Paris 11-12" in html


# --- changing and cancelling ---------------------------------------------------------------


def test_a_shopper_changes_quantities_removes_and_adds_lines(
        client, shop, shopper, django_capture_on_commit_callbacks):
    first, second, third = shop.offers
    order = place(shop, shopper, [(first, 2), (second, 1)])
    client.force_login(shopper)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{detail(order)}amend/", amend_data(
            order, {first.pk: 5, second.pk: 0}, add_offer=third.pk, add_quantity=3),
            follow=True)
    assert "was changed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "amended"
    assert {ln.offer_id: ln.quantity for ln in order.lines.all()} == {first.pk: 5, third.pk: 3}
    assert (left(first), left(second), left(third)) == (5, 10, 7)
    assert len(mail.outbox) == 1 and "was changed" in mail.outbox[0].subject


def test_the_products_to_add_show_price_and_what_is_left_and_can_be_searched(
        client, shop, shopper):
    first, second, third = shop.offers
    place(shop, UserFactory(), [(third, 7)])
    order = place(shop, shopper, [(first, 1)])
    client.force_login(shopper)
    html = client.get(detail(order)).content.decode()
    assert f'<option value="{second.pk}">' in html and "3 left" in html
    assert f'<option value="{first.pk}">' not in html  # already in the order
    title = third.stockrecord.product.get_title()
    searched = client.get(detail(order), {"q": title}).content.decode()
    assert f'<option value="{third.pk}">' in searched
    assert f'<option value="{second.pk}">' not in searched


def test_asking_for_more_than_is_left_names_the_line_and_changes_nothing(
        client, shop, shopper):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    client.force_login(shopper)
    mail.outbox.clear()
    response = client.post(f"{detail(order)}amend/", amend_data(order, {first.pk: 15}))
    html = response.content.decode()
    title = first.stockrecord.product.get_title()
    assert response.status_code == 200
    assert f"{title}: you asked for 13 more, only 8 are left" in html
    assert 'value="15"' in html  # what the shopper typed is kept
    order.refresh_from_db()
    assert order.status == "placed" and order.lines.get().quantity == 2 and left(first) == 8
    assert not mail.outbox


@pytest.mark.parametrize("typed", ["abc", "-1", "1.5", "²", "1e3", "", "99999999999"])
def test_bad_quantities_get_a_message_and_change_nothing(client, shop, shopper, typed):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    client.force_login(shopper)
    response = client.post(f"{detail(order)}amend/", amend_data(order, {first.pk: typed}))
    assert response.status_code == 200
    assert 'class="text-danger small"' in response.content.decode()
    assert order.lines.get().quantity == 2 and left(first) == 8


@pytest.mark.parametrize("offer", ["x", "0", "-3", "99999999999999999999999", "other-cycle"])
def test_a_bad_or_foreign_product_to_add_is_refused(client, shop, shopper, offer):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    if offer == "other-cycle":
        other = cycle_create(hub=shop.hub, name="Later", opens_at=timezone.now(),
                             closes_at=timezone.now() + dt.timedelta(days=9), publish=True)
        cycle_offers_add(cycle=other, producer=shop.offers[0].supplier.producer)
        offer = other.offers.first().pk
    client.force_login(shopper)
    response = client.post(f"{detail(order)}amend/",
                           amend_data(order, {}, add_offer=offer, add_quantity=1))
    assert response.status_code == 200
    assert order.lines.count() == 1 and Order.objects.get().status == "placed"


def test_removing_every_product_asks_to_cancel_instead(client, shop, shopper):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    client.force_login(shopper)
    response = client.post(f"{detail(order)}amend/", amend_data(order, {first.pk: 0}))
    assert "cancel the order" in response.content.decode()
    assert order.lines.get().quantity == 2


def test_cancelling_gives_stock_back_and_e_mails(client, shop, shopper,
                                                  django_capture_on_commit_callbacks):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 4)])
    client.force_login(shopper)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{detail(order)}cancel/", follow=True)
    html = response.content.decode()
    assert "was cancelled" in html and "This order was cancelled." in html
    assert "Change this order" not in html
    assert left(first) == 10 and Order.objects.get().status == "cancelled"
    assert len(mail.outbox) == 1 and "cancelled" in mail.outbox[0].subject


def test_after_the_cycle_closes_the_order_is_read_only(client, shop, shopper):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    cycle_close_now(cycle=shop.cycle)
    client.force_login(shopper)
    html = client.get(detail(order)).content.decode()
    assert "The order cycle closed" in html and "can no longer be changed" in html
    assert 'id="amend-form"' not in html and 'id="cancel-form"' not in html
    response = client.post(f"{detail(order)}amend/", amend_data(order, {first.pk: 3}))
    assert "can no longer be changed" in response.content.decode()
    client.post(f"{detail(order)}cancel/")
    order.refresh_from_db()
    assert order.status == "placed" and order.lines.get().quantity == 2


def test_a_hub_that_allows_no_changes_shows_the_order_read_only(client, shop, shopper):
    shop.hub.order_changes_allowed = False
    shop.hub.contact_email = "contact@marche.example"
    shop.hub.save()
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    client.force_login(shopper)
    html = client.get(detail(order)).content.decode()
    assert "does not allow changes" in html and "contact@marche.example" in html
    assert 'id="amend-form"' not in html
    client.post(f"{detail(order)}amend/", amend_data(order, {first.pk: 3}))
    client.post(f"{detail(order)}cancel/")
    order.refresh_from_db()
    assert order.status == "placed" and order.lines.get().quantity == 2


# --- tenancy ----------------------------------------------------------------------------------


def test_another_shoppers_order_is_a_404_on_every_page_and_action(client, shop, shopper):
    first = shop.offers[0]
    order = place(shop, shopper, [(first, 2)])
    line = order.lines.get()
    client.force_login(UserFactory(email="mallory@example.org"))
    assert client.get(detail(order)).status_code == 404
    assert client.post(f"{detail(order)}amend/",
                       amend_data(order, {first.pk: 9})).status_code == 404
    assert client.post(f"{detail(order)}cancel/").status_code == 404
    assert client.get(f"{detail(order)}{line.pk}/").status_code == 404
    assert client.get(f"{LIST}999999/").status_code == 404
    order.refresh_from_db()
    assert order.status == "placed" and order.lines.get().quantity == 2


def test_anonymous_visitors_are_sent_to_log_in(client, shop, shopper):
    order = place(shop, shopper, [(shop.offers[0], 1)])
    for url in (LIST, detail(order)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(f"{detail(order)}cancel/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Order.objects.get().status == "placed"


def test_oscars_line_page_leads_back_to_the_order(client, shop, shopper):
    order = place(shop, shopper, [(shop.offers[0], 1)])
    client.force_login(shopper)
    response = client.get(f"{detail(order)}{order.lines.get().pk}/")
    assert response.status_code == 302 and response["Location"] == detail(order)


def test_the_order_e_mail_links_to_the_order_page(shop, shopper,
                                                 django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop, shopper, [(shop.offers[0], 1)])
    message = mail.outbox[0]
    assert f"/shop/accounts/orders/{order.number}/" in message.body
    assert f"/shop/accounts/orders/{order.number}/" in message.alternatives[0][0]


def test_the_order_page_costs_the_same_queries_for_1_and_3_lines_and_changes(
        client, shop, shopper, django_assert_num_queries):
    first, second, third = shop.offers
    client.force_login(shopper)
    small = place(shop, shopper, [(first, 1)])
    client.get(detail(small))
    with CaptureQueriesContext(connection) as one:
        client.get(detail(small))
    big = place(shop, shopper, [(first, 1), (second, 2), (third, 3)])
    services.order_amend(order=big, lines=[LineRequest(first.pk, 2), LineRequest(second.pk, 2),
                                           LineRequest(third.pk, 1)], user=shopper)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(detail(big)).status_code == 200
