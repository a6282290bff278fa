"""Fixtures for close processing: a hub with its legal details and a cycle with orders of
every kind (pickup, delivery with its fee, a business customer), closed and processed."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from oscar.core.loading import get_model

from hubs import transitions as cycle_transitions
from hubs.cycle_services import cycle_fee_save
from hubs.services import hub_manager_add
from orders import services
from orders.services import Delivery, LineRequest
from producers.models import Producer
from tests.producers.factories import UserFactory

Order = get_model("order", "Order")


@pytest.fixture
def legal_hub(shop):
    """The shop's hub with everything an invoice needs (and a VAT number)."""
    hub = shop.hub
    hub.legal_name = "Le Panier SCIC SAS"
    hub.registered_address = "12 rue des Lilas\n75019 Paris"
    hub.company_number = "73282932000074"
    hub.vat_number = "FR44732829320"
    hub.invoice_prefix = "LPB"
    hub.save()
    hub_manager_add(hub=hub, user=UserFactory(email="manager@example.org"))
    for offer in shop.offers:  # the supplier's address, for its purchase order
        Producer.objects.filter(pk=offer.supplier.producer_id).update(
            contact_email="ferme@example.org")
    return hub


def place_order(shop, user, lines, **kwargs):
    """Place an order in the shop's cycle: `lines` is [(offer, quantity)]."""
    options = {"pickup_window_id": shop.window.pk, "payment_method_id": shop.at_pickup.pk,
               "notify": False}
    options.update(kwargs)
    return services.order_place(
        cycle_id=shop.cycle.pk, lines=[LineRequest(o.pk, q) for o, q in lines], user=user,
        **options)


@pytest.fixture
def cycle_orders(shop, legal_hub):
    """Three orders in the shop's open cycle, with an item fee at another VAT rate and a
    per-order fee: Alice picks up (2 lines), Bob is delivered, Coop SARL is a business."""
    cycle_fee_save(cycle=shop.cycle, name="Packing", kind="item_flat", amount=Decimal("0.10"),
                   vat_rate=Decimal("20"))
    cycle_fee_save(cycle=shop.cycle, name="Running costs", kind="order_flat",
                   amount=Decimal("1.00"), vat_rate=Decimal("20"))
    a, b, c = shop.offers
    alice = UserFactory(email="alice@example.org", first_name="Alice", last_name="Martin")
    bob = UserFactory(email="bob@example.org", first_name="Bob", last_name="Durand")
    carol = UserFactory(email="carol@example.org", first_name="Carol", last_name="Petit")
    alice_order = place_order(shop, alice, [(a, 2), (b, 1)], customer_name="Alice Martin",
                              phone="0611223344")
    bob_order = place_order(
        shop, bob, [(b, 3), (c, 1)], pickup_window_id=None, payment_method_id=shop.transfer.pk,
        delivery=Delivery(shop.zone.pk, "5 rue Oberkampf", "75011"), customer_name="Bob Durand",
        phone="0699887766")
    carol_order = place_order(shop, carol, [(c, 4)], customer_name="Carol Petit")
    Order.objects.filter(pk=carol_order.pk).update(
        customer_company="Coop SARL", customer_company_number="732829320",
        customer_vat_number="FR44732829320", customer_address="3 place du Marché\n75011 Paris")
    carol_order.refresh_from_db()
    return SimpleNamespace(alice=alice_order, bob=bob_order, carol=carol_order,
                           users=SimpleNamespace(alice=alice, bob=bob, carol=carol))


@pytest.fixture
def processed_cycle(shop, cycle_orders, django_capture_on_commit_callbacks):
    """The shop's cycle closed now and processed (Celery runs eagerly in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    shop.cycle.refresh_from_db()
    return SimpleNamespace(shop=shop, cycle=shop.cycle, orders=cycle_orders)
