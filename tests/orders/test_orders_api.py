"""Orders API: shoppers place, read, amend and cancel their own orders through the checkout's
services; a hub's managers list a cycle's orders; everyone else gets 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from foodhub.services import api_token_create
from hubs import transitions as cycle_transitions
from hubs.cycle_services import cycle_create, cycle_offers_add, cycle_window_save
from hubs.models import PaymentMethod
from hubs.services import hub_manager_add
from orders import services
from orders.services import LineRequest
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
URL = "/api/v1/orders/"


def token_client(user) -> APIClient:
    """A client sending the user's API token, as an app would."""
    client = APIClient()
    if user is not None:
        _token, key = api_token_create(user=user, name="test")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def shopper():
    return UserFactory(email="shopper@example.org", first_name="Ada", last_name="L")


@pytest.fixture
def api(shopper):
    return token_client(shopper)


def body(shop, lines=None, **changes) -> dict:
    data = {
        "order_cycle": shop.cycle.pk,
        "lines": lines if lines is not None else [{"offer": shop.offers[0].pk, "quantity": 2}],
        "pickup_window": shop.window.pk,
        "delivery": None,
        "payment_method": shop.at_pickup.pk,
    }
    data.update(changes)
    return data


def allocated(offer) -> int:
    return StockRecord.objects.get(pk=offer.stockrecord_id).num_allocated or 0


def place(shop, user, quantity=2, offer=None):
    offer = offer or shop.offers[0]
    return services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(offer.pk, quantity)], user=user,
        pickup_window_id=shop.window.pk, payment_method_id=shop.at_pickup.pk,
    )


# --- placing --------------------------------------------------------------------------------


def test_a_shopper_places_an_order_and_gets_it_back(shop, api, shopper):
    offer = shop.offers[0]
    response = api.post(URL, body(shop, note="Ring twice", phone="06 00 00 00 00"),
                        format="json")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "placed" and order["number"] == str(100000 + order["id"])
    assert order["order_cycle"] == shop.cycle.pk and order["hub"] == shop.hub.pk
    assert order["hub_name"] == "Marché" and order["changeable"] is True
    (line,) = order["lines"]
    assert line["offer"] == offer.pk and line["quantity"] == 2
    assert line["producer"] == "Ferme A" and "Carrots" in line["title"]
    # 2.40 + 10 % markup = 2.64, VAT 5.5 % = 0.15: 2.79 a unit, charged and stored.
    assert line["price_breakdown"]["total_incl_tax"] == "2.79"
    assert line["price_breakdown"]["vat"] == [{"rate": "5.5", "amount": "0.15"}]
    assert line["total_incl_tax"] == "5.58" and order["total_incl_tax"] == "5.58"
    assert order["vat"] == [{"rate": "5.5", "amount": "0.30"}]
    assert order["pickup_window"]["place"] == "La Halle"
    assert order["pickup_window"]["kind"] == "pickup" and order["delivery"] is None
    assert order["payment_method_name"] == "Pay at pickup"
    assert "Pay at pickup" in order["payment_instructions"]
    assert order["note"] == "Ring twice" and order["phone"] == "06 00 00 00 00"
    assert order["placed_at"].endswith(("+00:00", "Z")) or "+" in order["placed_at"]
    assert allocated(offer) == 2
    stored = Order.objects.get(pk=order["id"])
    assert stored.user == shopper and stored.cycle == shop.cycle


def test_delivery_by_bank_transfer_adds_the_zone_fee_and_the_reference(shop, api):
    delivery = {"zone": shop.zone.pk, "address": "3 rue Oberkampf", "postcode": "75011"}
    response = api.post(URL, body(shop, pickup_window=None, delivery=delivery,
                                  payment_method=shop.transfer.pk), format="json")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["fulfilment"] == "delivery"
    assert order["delivery"] == {"zone": shop.zone.pk, "zone_name": "Paris 11-12",
                                 "address": "3 rue Oberkampf", "postcode": "75011"}
    assert order["pickup_window"]["kind"] == "delivery"
    assert order["fees"][-1]["incl_tax"] == "4.80"
    assert order["vat"] == [{"rate": "5.5", "amount": "0.30"}, {"rate": "20", "amount": "0.80"}]
    assert order["total_incl_tax"] == "10.38"
    assert order["payment_reference"] == f"FH-{order['number']}"
    assert "FR76" in order["payment_instructions"]


def test_too_little_stock_is_a_409_naming_the_lines_and_nothing_is_written(shop, api):
    first, second = shop.offers[:2]
    response = api.post(URL, body(shop, lines=[
        {"offer": first.pk, "quantity": 2}, {"offer": second.pk, "quantity": 11}]),
        format="json")
    assert response.status_code == 409
    answer = response.json()
    assert answer["lines"] == [{"offer": second.pk, "title": second.stockrecord.product
                                .get_title(), "requested": 11, "available": 10}]
    assert "left" in answer["detail"]
    assert not Order.objects.exists() and allocated(first) == 0


def test_the_cap_is_a_409_too(shop, api):
    offer = shop.offers[0]
    offer.cap = 1
    offer.save()
    response = api.post(URL, body(shop), format="json")
    assert response.status_code == 409
    assert response.json()["lines"][0]["available"] == 1


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "x", 10**12, None, True])
def test_bad_quantities_are_field_errors(shop, api, quantity):
    response = api.post(URL, body(shop, lines=[{"offer": shop.offers[0].pk,
                                                "quantity": quantity}]), format="json")
    assert response.status_code == 400
    # Nested errors by index, as the schema's ValidationError says.
    assert "quantity" in response.json()["lines"]["0"]
    assert not Order.objects.exists() and allocated(shop.offers[0]) == 0


@pytest.mark.parametrize("lines", [[], "x", [{"offer": "x", "quantity": 1}],
                                   [{"offer": 10**30, "quantity": 1}], [{"quantity": 1}]])
def test_bad_lines_are_field_errors(shop, api, lines):
    response = api.post(URL, body(shop, lines=lines), format="json")
    assert response.status_code == 400 and "lines" in response.json()


def test_offers_windows_and_payment_methods_must_be_the_cycles(shop, api):
    now = timezone.now()
    other_cycle = cycle_create(
        hub=shop.hub, name="Other", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=2), publish=True,
    )
    cycle_offers_add(cycle=other_cycle, producer=shop.offers[0].supplier.producer)
    foreign_offer = other_cycle.offers.first()
    foreign_window = cycle_window_save(
        cycle=other_cycle, pickup_point=shop.point, date=(now + dt.timedelta(days=3)).date(),
        start_time=dt.time(17), end_time=dt.time(19))
    foreign_method = PaymentMethod.objects.create(hub=HubFactory(), kind="at_pickup",
                                                  name="Elsewhere")
    cases = {
        "lines": body(shop, lines=[{"offer": foreign_offer.pk, "quantity": 1}]),
        "pickup_window": body(shop, pickup_window=foreign_window.pk),
        "payment_method": body(shop, payment_method=foreign_method.pk),
    }
    for field, data in cases.items():
        response = api.post(URL, data, format="json")
        assert response.status_code == 400, (field, response.content)
        assert field in response.json(), (field, response.json())
    assert not Order.objects.exists()


def test_a_postcode_outside_every_zone_is_refused(shop, api):
    delivery = {"zone": shop.zone.pk, "address": "1 place Bellecour", "postcode": "69002"}
    response = api.post(URL, body(shop, pickup_window=None, delivery=delivery), format="json")
    assert response.status_code == 400
    assert "does not deliver to 69002" in response.json()["delivery"][0]
    too_long = {"zone": shop.zone.pk, "address": "x" * 301, "postcode": "75011"}
    response = api.post(URL, body(shop, pickup_window=None, delivery=too_long), format="json")
    assert response.status_code == 400 and "address" in response.json()["delivery"]


def test_neither_or_both_of_pickup_and_delivery_is_refused(shop, api):
    response = api.post(URL, body(shop, pickup_window=None), format="json")
    assert response.status_code == 400 and "pickup_window" in response.json()


def test_nothing_is_sold_once_the_cycle_closed(shop, api):
    cycle_transitions.cycle_close_now(cycle=shop.cycle)
    response = api.post(URL, body(shop), format="json")
    assert response.status_code == 400
    assert "not open" in response.json()["order_cycle"][0]
    assert allocated(shop.offers[0]) == 0


def test_a_draft_of_another_hub_is_not_named(shop, api):
    now = timezone.now()
    draft = cycle_create(hub=HubFactory(), name="Secret plans",
                         opens_at=now + dt.timedelta(days=5), closes_at=now + dt.timedelta(days=6))
    response = api.post(URL, body(shop, order_cycle=draft.pk), format="json")
    assert response.status_code == 400
    assert "Secret" not in response.content.decode()
    assert response.json()["order_cycle"] == ["This order cycle does not exist."]


def test_anonymous_callers_cannot_order(shop):
    response = APIClient().post(URL, body(shop), format="json")
    assert response.status_code == 401
    assert APIClient().get(URL).status_code == 401
    assert not Order.objects.exists()


# --- reading ----------------------------------------------------------------------------------


def test_the_list_holds_only_my_orders_newest_first(shop, api, shopper):
    first = place(shop, shopper, 1)
    second = place(shop, shopper, 1, offer=shop.offers[1])
    place(shop, UserFactory(email="other@example.org"), 1)
    answer = api.get(URL).json()
    assert answer["count"] == 2
    assert [o["id"] for o in answer["results"]] == [second.pk, first.pk]


def test_the_list_costs_the_same_queries_for_many_orders(shop, api, shopper):
    place(shop, shopper, 1)
    api.get(URL)  # the token's first use records it: not part of the list's cost
    with CaptureQueriesContext(connection) as few:
        assert api.get(URL).status_code == 200
    for offer in shop.offers:
        place(shop, shopper, 1, offer=offer)
    services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(o.pk, 1) for o in shop.offers],
        user=shopper, pickup_window_id=None, payment_method_id=shop.transfer.pk,
        delivery=services.Delivery(zone_id=shop.zone.pk, address="1 rue", postcode="75012"),
    )
    with CaptureQueriesContext(connection) as many:
        assert api.get(URL).json()["count"] == 5
    assert len(many) == len(few)


def test_another_shoppers_order_is_404_for_reading_changing_and_cancelling(shop, api):
    theirs = place(shop, UserFactory(email="other@example.org"), 2)
    url = f"{URL}{theirs.pk}/"
    assert api.get(url).status_code == 404
    response = api.patch(url, {"lines": [{"offer": shop.offers[0].pk, "quantity": 1}]},
                         format="json")
    assert response.status_code == 404
    assert api.post(f"{url}cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "placed" and theirs.lines.get().quantity == 2
    assert api.get(f"{URL}999999/").status_code == 404


def test_my_order_reads_back(shop, api, shopper):
    order = place(shop, shopper, 3)
    answer = api.get(f"{URL}{order.pk}/").json()
    assert answer["id"] == order.pk and answer["lines"][0]["quantity"] == 3


# --- amending and cancelling -----------------------------------------------------------------


def test_amend_changes_lines_and_moves_stock(shop, api, shopper):
    first, second = shop.offers[:2]
    order = place(shop, shopper, 2)
    response = api.patch(f"{URL}{order.pk}/", {"lines": [
        {"offer": first.pk, "quantity": 5}, {"offer": second.pk, "quantity": 1}]},
        format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "amended"
    assert {ln["offer"]: ln["quantity"] for ln in answer["lines"]} == {first.pk: 5,
                                                                       second.pk: 1}
    assert allocated(first) == 5 and allocated(second) == 1


def test_amend_short_is_a_409_and_changes_nothing(shop, api, shopper):
    order = place(shop, shopper, 2)
    response = api.patch(f"{URL}{order.pk}/", {"lines": [
        {"offer": shop.offers[0].pk, "quantity": 11}]}, format="json")
    assert response.status_code == 409
    assert response.json()["lines"][0] == {
        "offer": shop.offers[0].pk, "title": shop.offers[0].stockrecord.product.get_title(),
        "requested": 9, "available": 8}
    assert allocated(shop.offers[0]) == 2


@pytest.mark.parametrize("lines", [[], [{"offer": 1, "quantity": 0}], None])
def test_amend_with_bad_lines_is_a_400(shop, api, shopper, lines):
    order = place(shop, shopper, 2)
    data = {} if lines is None else {"lines": lines}
    response = api.patch(f"{URL}{order.pk}/", data, format="json")
    assert response.status_code == 400 and "lines" in response.json()


def test_amend_and_cancel_after_close_are_400(shop, api, shopper):
    order = place(shop, shopper, 2)
    cycle_transitions.cycle_close_now(cycle=shop.cycle)
    assert api.get(f"{URL}{order.pk}/").json()["changeable"] is False
    response = api.patch(f"{URL}{order.pk}/", {"lines": [
        {"offer": shop.offers[0].pk, "quantity": 1}]}, format="json")
    assert response.status_code == 400
    assert "closed" in response.json()["non_field_errors"][0]
    assert api.post(f"{URL}{order.pk}/cancel/").status_code == 400
    assert allocated(shop.offers[0]) == 2


def test_amend_and_cancel_are_400_when_the_hub_allows_no_changes(shop, api, shopper):
    order = place(shop, shopper, 2)
    shop.hub.order_changes_allowed = False
    shop.hub.save()
    response = api.patch(f"{URL}{order.pk}/", {"lines": [
        {"offer": shop.offers[0].pk, "quantity": 1}]}, format="json")
    assert response.status_code == 400
    assert "does not allow" in response.json()["non_field_errors"][0]
    assert api.post(f"{URL}{order.pk}/cancel/").status_code == 400


def test_cancel_gives_stock_back_and_cancelling_twice_is_a_400(shop, api, shopper):
    order = place(shop, shopper, 4)
    response = api.post(f"{URL}{order.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["changeable"] is False
    assert allocated(shop.offers[0]) == 0
    again = api.post(f"{URL}{order.pk}/cancel/")
    assert again.status_code == 400 and "non_field_errors" in again.json()


# --- the hub's managers -----------------------------------------------------------------------


@pytest.fixture
def manager(shop):
    user = UserFactory(email="manager@example.org")
    hub_manager_add(hub=shop.hub, user=user)
    return user


def cycle_orders_url(shop) -> str:
    return f"/api/v1/order-cycles/{shop.cycle.pk}/orders/"


def test_managers_list_the_cycles_orders_with_customers_and_filters(shop, shopper, manager):
    picked = place(shop, shopper, 1)
    other = UserFactory(email="bob@example.org")
    delivered = services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(shop.offers[1].pk, 2)], user=other,
        pickup_window_id=None, payment_method_id=shop.at_pickup.pk,
        delivery=services.Delivery(zone_id=shop.zone.pk, address="1 rue", postcode="75012"),
    )
    cancelled = place(shop, other, 1, offer=shop.offers[2])
    services.order_cancel(order=cancelled, user=other)
    client = token_client(manager)
    url = cycle_orders_url(shop)
    answer = client.get(url).json()
    assert answer["count"] == 3
    by_id = {o["id"]: o for o in answer["results"]}
    assert by_id[picked.pk]["customer_email"] == "shopper@example.org"
    assert by_id[picked.pk]["customer_name"] == "Ada L"
    assert by_id[delivered.pk]["lines"][0]["quantity"] == 2
    assert by_id[delivered.pk]["total_incl_tax"] == str(delivered.total_incl_tax)
    only = client.get(url, {"status": "cancelled"}).json()["results"]
    assert [o["id"] for o in only] == [cancelled.pk]
    window = client.get(url, {"pickup_window": shop.delivery_window.pk}).json()["results"]
    assert [o["id"] for o in window] == [delivered.pk]
    for bad in ({"status": "lost"}, {"pickup_window": "x"}, {"pickup_window": "0"}):
        response = client.get(url, bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())


def test_cycle_orders_are_404_for_shoppers_and_other_hubs_managers(shop, shopper, api):
    place(shop, shopper, 1)
    assert api.get(cycle_orders_url(shop)).status_code == 404
    stranger = UserFactory(email="g@example.org")
    hub_manager_add(hub=HubFactory(), user=stranger)
    assert token_client(stranger).get(cycle_orders_url(shop)).status_code == 404
    assert APIClient().get(cycle_orders_url(shop)).status_code == 401


def test_cycle_orders_cost_the_same_queries_for_many_orders(shop, shopper, manager):
    client = token_client(manager)
    place(shop, shopper, 1)
    client.get(cycle_orders_url(shop))  # the token's first use records it
    with CaptureQueriesContext(connection) as few:
        assert client.get(cycle_orders_url(shop)).status_code == 200
    for i in range(4):
        place(shop, UserFactory(email=f"s{i}@example.org"), 1, offer=shop.offers[i % 3])
    with CaptureQueriesContext(connection) as many:
        assert client.get(cycle_orders_url(shop)).json()["count"] == 5
    assert len(many) == len(few)


def test_amounts_are_decimal_strings(shop, api):
    order = api.post(URL, body(shop), format="json").json()
    for value in (order["total_incl_tax"], order["lines"][0]["unit_price_incl_tax"]):
        assert isinstance(value, str) and Decimal(value) > 0
