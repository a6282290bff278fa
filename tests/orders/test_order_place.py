"""Placing, amending and cancelling an order: one service, prices from the server, stock and
caps allocated with conditional updates."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from oscar.core.loading import get_model

from hubs.cycle_services import cycle_fee_save
from orders import services
from orders.services import Delivery, LineRequest, OrderShort
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def shopper():
    return UserFactory(email="shopper@example.org")


def place(shop, shopper, lines, **kwargs):
    options = {"pickup_window_id": shop.window.pk, "payment_method_id": shop.at_pickup.pk}
    options.update(kwargs)
    return services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(o.pk, q) for o, q in lines], user=shopper,
        **options,
    )


def test_an_order_stores_what_it_charged_and_allocates_stock(shop, shopper,
                                                             django_capture_on_commit_callbacks):
    cycle_fee_save(cycle=shop.cycle, name="Packing", kind="item_flat", amount=Decimal("0.50"))
    cycle_fee_save(cycle=shop.cycle, name="Basket", kind="order_flat", amount=Decimal("1.00"))
    offer = shop.offers[0]
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop, shopper, [(offer, 2)])
    line = order.lines.get()
    # 2.40 + 10 % markup 0.24 + 0.50 fee; VAT 5.5 % on 2.64 = 0.15, 20 % on 0.50 = 0.10
    assert line.unit_price_incl_tax == Decimal("3.39")
    assert line.line_price_incl_tax == Decimal("6.78")
    assert (line.unit_producer_price, line.unit_markup, line.unit_fees, line.unit_tax) == (
        Decimal("2.40"), Decimal("0.24"), Decimal("0.50"), Decimal("0.25"))
    assert line.price_breakdown["total_incl_tax"] == "3.39"
    assert "Carrots" in line.title and "g" in line.title
    assert order.total_incl_tax == Decimal("6.78") + Decimal("1.20")
    assert order.cycle == shop.cycle and order.pickup_window == shop.window
    assert order.status == "placed" and order.number == str(100000 + order.pk)
    record = StockRecord.objects.get(pk=offer.stockrecord_id)
    assert record.num_allocated == 2
    offer.refresh_from_db()
    assert offer.num_allocated == 2
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject
    assert "La Halle" in mail.outbox[0].body and "Carrots" in mail.outbox[0].body


def test_stock_short_refuses_the_whole_order_and_names_the_line(shop, shopper):
    first, second = shop.offers[:2]
    with pytest.raises(OrderShort) as short:
        place(shop, shopper, [(first, 2), (second, 11)])
    assert short.value.lines == [{"offer": second.pk, "title": second.stockrecord.product
                                  .get_title(), "requested": 11, "available": 10}]
    assert not StockRecord.objects.get(pk=first.stockrecord_id).num_allocated
    assert not get_model("order", "Order").objects.exists()


def test_the_cap_holds(shop, shopper):
    offer = shop.offers[0]
    offer.cap = 3
    offer.save()
    place(shop, shopper, [(offer, 2)])
    with pytest.raises(OrderShort) as short:
        place(shop, shopper, [(offer, 2)])
    assert short.value.lines[0]["available"] == 1


@pytest.mark.parametrize("quantity", [0, -1, 1000])
def test_bad_quantities_are_refused(shop, shopper, quantity):
    with pytest.raises(ValidationError):
        place(shop, shopper, [(shop.offers[0], quantity)])


def test_other_cycles_windows_and_other_hubs_payment_methods_are_refused(shop, shopper):
    from hubs.models import PaymentMethod
    from tests.hubs.factories import HubFactory

    other = PaymentMethod.objects.create(hub=HubFactory(), kind="at_pickup", name="Elsewhere")
    with pytest.raises(ValidationError) as error:
        place(shop, shopper, [(shop.offers[0], 1)], payment_method_id=other.pk)
    assert "payment_method" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        place(shop, shopper, [(shop.offers[0], 1)], pickup_window_id=shop.delivery_window.pk)
    assert "pickup_window" in error.value.message_dict


def test_delivery_adds_the_zone_fee_and_refuses_other_postcodes(shop, shopper):
    delivery = Delivery(zone_id=shop.zone.pk, address="3 rue X", postcode="75011")
    order = place(shop, shopper, [(shop.offers[0], 1)], pickup_window_id=None,
                  delivery=delivery)
    assert order.fulfilment == "delivery" and order.delivery_postcode == "75011"
    assert order.fees_breakdown[-1]["incl_tax"] == "4.80"
    with pytest.raises(ValidationError) as error:
        place(shop, shopper, [(shop.offers[0], 1)], pickup_window_id=None,
              delivery=Delivery(zone_id=shop.zone.pk, address="3 rue X", postcode="69001"))
    assert "does not deliver" in str(error.value)


def test_the_hub_minimum_order_is_enforced(shop, shopper):
    shop.hub.minimum_order = Decimal("20")
    shop.hub.save()
    with pytest.raises(ValidationError) as error:
        place(shop, shopper, [(shop.offers[0], 1)])
    assert "minimum order" in str(error.value)


def test_nothing_is_sold_once_the_cycle_closed(shop, shopper):
    later = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(ValidationError) as error:
        place(shop, shopper, [(shop.offers[0], 1)], now=later)
    assert "not open" in str(error.value)


def test_bank_transfer_gives_the_reference_to_quote(shop, shopper):
    order = place(shop, shopper, [(shop.offers[0], 1)], payment_method_id=shop.transfer.pk)
    assert order.payment_reference == f"FH-{order.number}"
    assert "FR76" in order.payment_instructions


def test_amend_moves_stock_by_the_difference_and_keeps_the_charged_price(shop, shopper):
    first, second = shop.offers[:2]
    order = place(shop, shopper, [(first, 2)])
    charged = order.lines.get().unit_price_incl_tax
    cycle_fee_save(cycle=shop.cycle, name="New fee", kind="item_flat", amount=Decimal("1"))
    order = services.order_amend(order=order, lines=[LineRequest(first.pk, 5),
                                                     LineRequest(second.pk, 1)], user=shopper)
    assert order.status == "amended"
    lines = {ln.offer_id: ln for ln in order.lines.all()}
    assert lines[first.pk].quantity == 5 and lines[first.pk].unit_price_incl_tax == charged
    assert lines[second.pk].unit_price_incl_tax > charged  # new line at today's price
    assert StockRecord.objects.get(pk=first.stockrecord_id).num_allocated == 5
    assert order.notes.filter(note_type="audit").exists()
    order = services.order_amend(order=order, lines=[LineRequest(second.pk, 1)], user=shopper)
    assert not StockRecord.objects.get(pk=first.stockrecord_id).num_allocated


def test_cancel_gives_stock_back(shop, shopper):
    offer = shop.offers[0]
    order = place(shop, shopper, [(offer, 4)])
    services.order_cancel(order=order, user=shopper)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert StockRecord.objects.get(pk=offer.stockrecord_id).num_allocated == 0
    with pytest.raises(ValidationError):
        services.order_cancel(order=order, user=shopper)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_orders_for_the_last_units_never_oversell(shop):
    """8 shoppers, each on their own connection, race for 3 units: exactly 3 orders win."""
    offer = shop.offers[0]
    StockRecord.objects.filter(pk=offer.stockrecord_id).update(num_in_stock=3, num_allocated=0)
    shoppers = [UserFactory(email=f"racer{i}@example.org") for i in range(8)]
    barrier = threading.Barrier(len(shoppers))
    results = []

    def attempt(user):
        try:
            barrier.wait()
            place(shop, user, [(offer, 1)])
            results.append("ok")
        except OrderShort:
            results.append("short")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in shoppers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 3 and results.count("short") == 5
    record = StockRecord.objects.get(pk=offer.stockrecord_id)
    assert record.num_allocated == 3 and record.num_in_stock - record.num_allocated == 0
