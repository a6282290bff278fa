"""Placing an order allocates stock, and the producer's stock history never shows the shopper.

Oscar's OrderCreator saved each stock record (a history row made "by" the shopper, so the
checkout named the order instead). The cycle's checkout places through
`orders.services.order_place`, whose conditional UPDATEs write no history row at all."""

import pytest
from oscar.core.loading import get_model

from producers.services import producer_member_add
from tests.orders.test_checkout import PREVIEW, THANK_YOU, fill_basket, pay, pickup
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
StockRecord = get_model("partner", "StockRecord")


def test_the_stock_history_never_names_the_shopper(client, shop):
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
    assert record.history.count() == rows_before
    assert not record.history.filter(history_user=shopper).exists()
    farmer = UserFactory(email="farmer@example.org")
    producer_member_add(producer=shop.offers[0].supplier.producer, user=farmer, role="owner")
    client.force_login(farmer)
    html = client.get("/producer/ferme-a/history/").content.decode()
    assert "shopper@example.org" not in html
