"""A cycle's orders for its hub's managers: filters, search, totals summed in the database,
an order's detail with its audit trail, changes by the hub; other hubs get 404s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.cycle_services import cycle_fee_save, cycle_window_save
from hubs.models import PickupPoint
from hubs.services import hub_manager_add
from hubs.transitions import cycle_close_now
from orders import services
from orders.services import Delivery, LineRequest
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def manager(shop):
    user = UserFactory(email="manager@example.org")
    hub_manager_add(hub=shop.hub, user=user, role="staff")
    return user


def place(shop, user, lines, name="", **kwargs):
    options = {"pickup_window_id": shop.window.pk, "payment_method_id": shop.at_pickup.pk}
    options.update(kwargs)
    return services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(o.pk, q) for o, q in lines], user=user,
        customer_name=name, **options,
    )


def orders_url(shop):
    return f"/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/orders/"


def order_url(shop, order):
    return f"{orders_url(shop)}{order.number}/"


def rows(response) -> set[str]:
    html = response.content.decode()
    return {part.split('"', 1)[0] for part in html.split('data-order="')[1:]}


@pytest.fixture
def three_orders(shop):
    """Alice picks up at La Halle, Bob gets a delivery, Chloé cancelled; a per-order fee."""
    cycle_fee_save(cycle=shop.cycle, name="Packing", kind="order_flat", amount=Decimal("1.00"))
    first, second, _third = shop.offers
    alice = place(shop, UserFactory(email="alice@example.org"), [(first, 2)], name="Alice Roux")
    bob = place(shop, UserFactory(email="bob@example.org"), [(second, 1)], name="Bob Petit",
                pickup_window_id=None, delivery=Delivery(zone_id=shop.zone.pk,
                                                         address="3 rue X", postcode="75012"))
    chloe = place(shop, UserFactory(email="chloe@example.org"), [(first, 1)], name="Chloé")
    services.order_cancel(order=chloe, user=chloe.user)
    return alice, bob, chloe


def test_the_cycle_orders_page_lists_orders_with_totals(client, shop, manager, three_orders):
    alice, bob, chloe = three_orders
    client.force_login(manager)
    response = client.get(orders_url(shop))
    html = response.content.decode()
    assert rows(response) == {alice.number, bob.number, chloe.number}
    assert "Alice Roux" in html and "bob@example.org" in html and "Cancelled" in html
    assert "La Halle" in html and "Delivery: Paris 11-12" in html
    live = [alice, bob]
    total = sum(o.total_incl_tax for o in live)
    fees = Decimal("1.20") * 2 + Decimal("4.80")
    totals = html[html.index('id="order-totals"'):]
    assert ">3 <" in totals and "1 cancelled" in totals
    assert f"{total}" in totals and f"{total - fees}" in totals and f"{fees}" in totals


@pytest.mark.parametrize("query, expected", [
    ({"status": "cancelled"}, {"chloe"}),
    ({"status": "placed"}, {"alice", "bob"}),
    ({"q": "ROUX"}, {"alice"}),
    ({"q": "bob@example"}, {"bob"}),
    ({"point": "POINT"}, {"alice", "chloe"}),
    ({"window": "DELIVERY"}, {"bob"}),
    ({"window": "PICKUP", "status": "placed"}, {"alice"}),
])
def test_filters_and_search(client, shop, manager, three_orders, query, expected):
    alice, bob, chloe = three_orders
    by_name = {"alice": alice.number, "bob": bob.number, "chloe": chloe.number}
    ids = {"POINT": shop.point.pk, "DELIVERY": shop.delivery_window.pk, "PICKUP": shop.window.pk}
    client.force_login(manager)
    response = client.get(orders_url(shop), {k: ids.get(v, v) for k, v in query.items()})
    assert rows(response) == {by_name[name] for name in expected}
    # The totals are those of the filtered orders.
    count = response.content.decode().split('id="total-count">', 1)[1].split("<", 1)[0]
    assert count.strip() == str(len(expected))


@pytest.mark.parametrize("bad", [{"status": "shipped"}, {"point": "x"}, {"window": "999999"},
                                 {"window": "1e9"}, {"page": "zz"}, {"q": "x" * 500}])
def test_bad_filters_get_a_message_not_an_error(client, shop, manager, three_orders, bad):
    client.force_login(manager)
    response = client.get(orders_url(shop), bad)
    assert response.status_code == 200
    if "page" not in bad:
        assert "filters were not understood" in response.content.decode()
    assert len(rows(response)) == 3


def test_another_hubs_points_and_windows_are_not_filters(client, shop, manager, three_orders):
    other = HubFactory(slug="other")
    point = PickupPoint.objects.create(hub=other, name="Ailleurs", address="x")
    client.force_login(manager)
    response = client.get(orders_url(shop), {"point": point.pk})
    assert "filters were not understood" in response.content.decode()


def test_the_page_costs_the_same_queries_at_3_and_30_orders(client, shop, manager):
    StockRecord.objects.update(num_in_stock=1000)
    second_point = PickupPoint.objects.create(hub=shop.hub, name="Le Kiosque", address="2 av")
    kiosk = cycle_window_save(cycle=shop.cycle, pickup_point=second_point,
                              date=shop.window.date, start_time=dt.time(8), end_time=dt.time(9))
    cycle_fee_save(cycle=shop.cycle, name="Packing", kind="order_flat", amount=Decimal("1.00"))

    def add_orders(n):
        for i in range(n):
            window = kiosk if i % 2 else shop.window
            place(shop, UserFactory(), [(shop.offers[i % 3], 1), (shop.offers[(i + 1) % 3], 2)],
                  name=f"Shopper {i}", pickup_window_id=window.pk)

    client.force_login(manager)
    add_orders(3)
    client.get(orders_url(shop))
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client.get(orders_url(shop)))) == 3
    add_orders(27)
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client.get(orders_url(shop)))) == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_is_paginated(client, shop, manager, monkeypatch):
    from orders import hub_views

    monkeypatch.setattr(hub_views, "ORDERS_PER_PAGE", 2)
    StockRecord.objects.update(num_in_stock=100)
    numbers = [place(shop, UserFactory(), [(shop.offers[0], 1)], name="Dana").number
               for _ in range(3)]
    client.force_login(manager)
    first = client.get(orders_url(shop), {"q": "dana"})
    second = client.get(orders_url(shop), {"q": "dana", "page": 2})
    assert rows(first) | rows(second) == set(numbers) and len(rows(second)) == 1
    assert "q=dana&amp;page=2" in first.content.decode()


def test_the_cycle_page_links_to_its_orders(client, shop, manager):
    client.force_login(manager)
    html = client.get(f"/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/").content.decode()
    assert f'href="{orders_url(shop)}"' in html


# --- an order -------------------------------------------------------------------------------


def test_the_order_page_shows_customer_lines_and_who_changed_what(
        client, shop, manager, three_orders):
    alice = three_orders[0]
    first, second, _third = shop.offers
    services.order_amend(order=alice, lines=[LineRequest(first.pk, 3)], user=alice.user)
    client.force_login(manager)
    client.post(f"{order_url(shop, alice)}amend/", {
        f"line-{alice.lines.get().pk}": 1, "add_offer": second.pk, "add_quantity": 2})
    html = client.get(order_url(shop, alice)).content.decode()
    assert "Alice Roux" in html and "alice@example.org" in html
    assert second.stockrecord.product.get_title() in html and "Ferme A" in html
    audit = html[html.index('id="audit-trail"'):]
    title = first.stockrecord.product.get_title()
    assert f"{title}: 2 → 3" in audit and "alice@example.org" in audit
    assert f"{title}: 3 → 1" in audit and "manager@example.org (hub)" in audit
    assert audit.index("manager@example.org (hub)") < audit.index(f"{title}: 2 → 3")
    history = html[html.index('id="status-history"'):]
    assert "Placed → Amended" in history


def test_managers_change_orders_when_shoppers_may_not(
        client, shop, manager, three_orders, django_capture_on_commit_callbacks):
    shop.hub.order_changes_allowed = False
    shop.hub.save()
    alice = three_orders[0]
    line = alice.lines.get()
    client.force_login(manager)
    html = client.get(order_url(shop, alice)).content.decode()
    assert 'id="amend-form"' in html and "Shoppers cannot change their orders" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{order_url(shop, alice)}amend/", {f"line-{line.pk}": 1},
                               follow=True)
    assert "the customer was e-mailed" in response.content.decode()
    assert alice.lines.get().quantity == 1
    assert mail.outbox[0].to == ["alice@example.org"]


def test_a_manager_asking_for_more_than_is_left_gets_the_lines_named(
        client, shop, manager, three_orders):
    alice = three_orders[0]
    line = alice.lines.get()
    client.force_login(manager)
    response = client.post(f"{order_url(shop, alice)}amend/", {f"line-{line.pk}": 50})
    assert "you asked for 48 more, only 8 are left" in response.content.decode()
    assert alice.lines.get().quantity == 2


def test_managers_cancel_orders(client, shop, manager, three_orders):
    alice = three_orders[0]
    client.force_login(manager)
    response = client.post(f"{order_url(shop, alice)}cancel/", follow=True)
    html = response.content.decode()
    assert f"Order {alice.number} cancelled" in html and "This order was cancelled." in html
    assert "Cancelled by manager@example.org (hub)" in html
    assert Order.objects.get(pk=alice.pk).status == "cancelled"


def test_after_close_the_manager_sees_the_order_read_only(client, shop, manager, three_orders):
    alice = three_orders[0]
    cycle_close_now(cycle=shop.cycle)
    client.force_login(manager)
    html = client.get(order_url(shop, alice)).content.decode()
    assert "The order cycle closed" in html and 'id="amend-form"' not in html
    client.post(f"{order_url(shop, alice)}cancel/")
    assert Order.objects.get(pk=alice.pk).status == "placed"


# --- tenancy and escaping -----------------------------------------------------------------


def test_a_manager_of_another_hub_gets_404s(client, shop, three_orders):
    alice = three_orders[0]
    other = UserFactory(email="other-manager@example.org")
    hub_manager_add(hub=HubFactory(slug="autre"), user=other, role="owner")
    client.force_login(other)
    assert client.get(orders_url(shop)).status_code == 404
    assert client.get(order_url(shop, alice)).status_code == 404
    line = alice.lines.get()
    assert client.post(f"{order_url(shop, alice)}amend/",
                       {f"line-{line.pk}": 1}).status_code == 404
    assert client.post(f"{order_url(shop, alice)}cancel/").status_code == 404
    assert Order.objects.get(pk=alice.pk).status == "placed" and alice.lines.get().quantity == 2


def test_an_order_of_another_cycle_is_a_404_under_this_one(client, shop, manager, three_orders):
    from hubs.cycle_services import cycle_create

    now = timezone.now()
    later = cycle_create(hub=shop.hub, name="Later", opens_at=now + dt.timedelta(days=10),
                         closes_at=now + dt.timedelta(days=12))
    client.force_login(manager)
    url = f"/hub/{shop.hub.slug}/cycles/{later.pk}/orders/{three_orders[0].number}/"
    assert client.get(url).status_code == 404
    assert client.get(f"/hub/{shop.hub.slug}/cycles/{later.pk}/orders/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, shop, three_orders):
    for url in (orders_url(shop), order_url(shop, three_orders[0])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_what_customers_type_is_escaped(client, shop, manager):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    order = place(shop, UserFactory(), [(shop.offers[0], 1)], name=payload[:120],
                  note=payload, phone="<b>06</b>")
    client.force_login(manager)
    for url, params in ((orders_url(shop), {}), (orders_url(shop), {"q": payload}),
                        (order_url(shop, order), {})):
        html = client.get(url, params).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "<b>06" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_order_page_costs_the_same_queries_for_1_and_3_lines_and_changes(
        client, shop, manager):
    first, second, third = shop.offers
    client.force_login(manager)
    small = place(shop, UserFactory(), [(first, 1)])
    client.get(order_url(shop, small))
    with CaptureQueriesContext(connection) as one:
        client.get(order_url(shop, small))
    big = place(shop, UserFactory(), [(first, 1), (second, 2), (third, 3)])
    for quantity in (2, 3):
        services.order_amend(order=big, lines=[LineRequest(first.pk, quantity),
                                               LineRequest(second.pk, 1)], user=manager,
                             by_manager=True)
    with CaptureQueriesContext(connection) as three:
        assert "Placed → Amended" in client.get(order_url(shop, big)).content.decode()
    assert len(three.captured_queries) == len(one.captured_queries)
