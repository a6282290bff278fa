"""An order moves stock, and the producer's stock history names the order, never the shopper.

Oscar's OrderCreator saved each stock record (a history row made "by" the shopper). The
cycle's checkout places through `orders.services.order_place`, whose conditional UPDATEs
write no history row; each order then records what it moved under its number, when it is
placed, amended, cancelled and processed (stock consumed at close)."""

import pytest
from oscar.core.loading import get_model

from orders.processing import orders_freeze
from orders.services import LineRequest, order_amend, order_cancel, order_place
from producers.services import producer_member_add
from tests.orders.test_checkout import PREVIEW, THANK_YOU, fill_basket, pay, pickup
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")


def _farmer_page(client, shop) -> str:
    farmer = UserFactory(email="farmer@example.org")
    producer_member_add(producer=shop.offers[0].supplier.producer, user=farmer, role="owner")
    client.force_login(farmer)
    return client.get("/producer/ferme-a/history/").content.decode()


def test_the_stock_history_names_the_order_never_the_shopper(client, shop):
    record = StockRecord.objects.get(pk=shop.offers[0].stockrecord_id)
    rows_before = record.history.count()
    shopper = UserFactory(email="shopper@example.org")
    client.force_login(shopper)
    fill_basket(client, shop, [(0, 2)], user=shopper)
    pickup(client, shop)
    pay(client, shop.at_pickup)
    assert client.post(PREVIEW, {"action": "place_order"}).url == THANK_YOU

    record.refresh_from_db()
    assert record.num_allocated == 2
    order = Order.objects.get(user=shopper)
    latest = record.history.latest("history_id")
    assert record.history.count() == rows_before + 1
    assert latest.history_user is None
    assert latest.history_change_reason == f"order:{order.number}"
    assert (latest.num_in_stock, latest.num_allocated) == (10, 2)
    assert not record.history.filter(history_user=shopper).exists()
    html = _farmer_page(client, shop)
    assert f"Order {order.number}" in html
    assert "shopper@example.org" not in html


def test_amend_cancel_and_processing_are_recorded_under_the_order(client, shop):
    shopper = UserFactory(email="shopper@example.org")
    first, second = shop.offers[0], shop.offers[1]
    order = order_place(
        cycle_id=shop.cycle.id, lines=[LineRequest(first.id, 3)],
        payment_method_id=shop.at_pickup.id, pickup_window_id=shop.window.id, user=shopper,
        notify=False,
    )
    other = order_place(
        cycle_id=shop.cycle.id, lines=[LineRequest(first.id, 1), LineRequest(second.id, 2)],
        payment_method_id=shop.at_pickup.id, pickup_window_id=shop.window.id, user=shopper,
        notify=False,
    )
    order_amend(order=order, lines=[LineRequest(first.id, 4)], user=shopper, notify=False)
    order_cancel(order=other, user=shopper, notify=False)
    orders_freeze(cycle_id=shop.cycle.id)  # the close: allocated units leave the stock

    def steps(offer):
        history = StockRecord.objects.get(pk=offer.stockrecord_id).history.exclude(
            history_change_reason__isnull=True).exclude(history_change_reason="")
        return [(h.history_change_reason, h.num_in_stock, h.num_allocated, h.history_user_id)
                for h in history.order_by("history_id")]

    mine, theirs = f"order:{order.number}", f"order:{other.number}"
    assert steps(first) == [
        (mine, 10, 3, None),    # placed
        (theirs, 10, 4, None),  # placed
        (mine, 10, 5, None),    # amended 3 -> 4
        (theirs, 10, 4, None),  # cancelled
        (mine, 6, 0, None),     # processed: 4 sold
    ]
    assert steps(second) == [(theirs, 10, 2, None), (theirs, 10, 0, None)]
    html = _farmer_page(client, shop)
    assert f"Order {order.number}" in html and f"Order {other.number}" in html
    assert "shopper@example.org" not in html
