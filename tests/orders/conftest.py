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
    hub.language = "en"  # e-mails and documents in English unless a test says otherwise
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


@pytest.fixture
def two_suppliers(shop, legal_hub):
    """The shop's cycle supplied by two producers, each with a drop-off: Ferme A (the shop's,
    its address ferme@example.org, a member) and Ferme B (leeks, b@example.org)."""
    import datetime as dt

    from hubs.cycle_services import cycle_offers_add, cycle_supplier_add
    from hubs.services import hub_supplier_link
    from producers.catalogue_services import catalogue_upsert
    from producers.services import producer_member_add
    from tests.producers.factories import ProducerFactory
    from tests.producers.test_dashboard import rows_for

    producer_a = Producer.objects.get(pk=shop.offers[0].supplier.producer_id)
    member_a = UserFactory(email="farmer-a@example.org")
    producer_member_add(producer=producer_a, user=member_a, role="owner")
    producer_b = ProducerFactory(name="Ferme B", slug="ferme-b", contact_email="b@example.org")
    member_b = UserFactory(email="farmer-b@example.org")
    producer_member_add(producer=producer_b, user=member_b, role="owner")
    catalogue_upsert(rows=rows_for(producer_b, 2, name="Leeks", start=100),
                     producers={producer_b.id: producer_b})
    hub_supplier_link(hub=shop.hub, producer=producer_b)
    cycle_offers_add(cycle=shop.cycle, producer=producer_b)
    day = shop.window.date - dt.timedelta(days=1)
    cycle_supplier_add(cycle=shop.cycle, producer=producer_a, dropoff_date=day,
                       dropoff_time=dt.time(8, 30), dropoff_place="Quai de la Halle",
                       dropoff_instructions="Ring twice at the back door.")
    cycle_supplier_add(cycle=shop.cycle, producer=producer_b, dropoff_date=day,
                       dropoff_time=dt.time(9), dropoff_place="Cour B")
    offers_b = list(shop.cycle.offers.filter(supplier__producer=producer_b)
                    .order_by("stockrecord__partner_sku"))
    return SimpleNamespace(producer_a=producer_a, producer_b=producer_b, member_a=member_a,
                           member_b=member_b, offers_b=offers_b, dropoff_date=day)
