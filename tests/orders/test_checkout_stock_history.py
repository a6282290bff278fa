"""Checkout allocates stock: the producer's stock history names the order, not the shopper."""

import pytest
from oscar.core.loading import get_model

from producers.services import producer_member_add
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")


def checkout(client, offer, quantity=2):
    response = client.post(f"/{offer.cycle.hub.slug}/shop/add/",
                           {"offer": offer.pk, "quantity": quantity})
    assert response.status_code == 302
    # The food product class needs no shipping: Oscar skips the address and method steps.
    client.get("/shop/checkout/", follow=True)
    client.get("/shop/checkout/payment-details/", follow=True)
    response = client.post("/shop/checkout/preview/", {"action": "place_order"}, follow=True)
    assert response.status_code == 200
    return Order.objects.get()


def test_stock_history_shows_the_order_not_the_shoppers_email(client, cycle_with_offers):
    _cycle, offers = cycle_with_offers
    producer = offers[0].supplier.producer
    record = StockRecord.objects.get(pk=offers[0].stockrecord_id)
    shopper = UserFactory(email="shopper@example.org")
    client.force_login(shopper)

    order = checkout(client, offers[0])

    record.refresh_from_db()
    assert record.num_allocated == 2
    latest = record.history.order_by("-history_id").first()
    assert latest.history_user is None
    farmer = UserFactory(email="farmer@example.org")
    producer_member_add(producer=producer, user=farmer, role="owner")
    client.force_login(farmer)
    html = client.get("/producer/ferme-a/history/").content.decode()
    assert f"Order {order.number}" in html
    assert "shopper@example.org" not in html
