"""Two tenants of each kind and one user per role, for the suite-wide API and page checks
(tests/foodhub/test_api_fuzz.py, tests/foodhub/test_permission_matrix.py).

Producer A and hub H are "the tenant": the producer member is a *staff* member of A (so
owner-only team actions are refused to them: 403), the hub manager an *owner* of H. Producer
B and hub G belong to the "other" producer member and hub manager, who must see A's and H's
member pages and member API as if they did not exist (404).

H's open cycle takes orders (a pickup window, a delivery zone, pay at pickup): the shopper has
placed one (`ids["order_id"]`, everyone else's 404), and so has the producer member, shopping
like anyone (`ids["producer_order_id"]`, what the fuzzer amends and cancels as that role).
H (with its legal details) has a cycle closed and processed (`ids["processed_cycle_id"]`):
the shopper's order in it has an invoice (`ids["processed_invoice_id"]`) and A a purchase order
(`ids["purchase_order_id"]`), with their files. H has also invoiced the shopper's order in the
open cycle (`ids["invoice_id"]`, a stand-in PDF): the shopper and H's managers download it,
everyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from hubs import transitions
from hubs.cycle_services import cycle_create, cycle_offers_add, cycle_window_save
from hubs.models import (
    DeliveryZone,
    Hub,
    HubMembership,
    HubProducer,
    OrderCycle,
    PaymentMethod,
    PickupPoint,
)
from hubs.services import hub_manager_add, hub_supplier_link
from orders.models import Invoice, InvoiceBundle, PurchaseOrder
from orders.services import LineRequest, order_place
from producers.catalogue_services import catalogue_upsert
from producers.models import Producer, ProducerMembership, ProductImport
from producers.services import producer_member_add
from teams.roles import PLATFORM_ADMINS_GROUP
from teams.services import invite
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import rows_for

PASSWORD = "correct horse battery"  # every UserFactory user's
TOKEN_URL = "/api/v1/auth/token/"


def api_token(user, post) -> dict:
    """THE AUTH HOOK of the suite-wide API checks: a token for `user`, got the way a client
    gets one, by logging in at POST /api/v1/auth/token/, so it stays true whatever tokens
    are stored as. `post(path, data)` sends `data` as JSON and returns the decoded answer
    (`{"token": ...}`). The throttle's counts (the cache) are cleared first: earlier tests
    of the session may have used the endpoint's budget."""
    from django.core.cache import cache

    cache.clear()
    body = post(TOKEN_URL, {"email": user.email, "password": PASSWORD})
    assert "token" in body, body
    return body


ROLES = (
    "anonymous", "shopper", "producer", "other_producer", "manager", "other_manager",
    "platform_admin",
)


@dataclass
class World:
    """The tenant's objects (A, H) and the other tenants' (B, G), and a user per role."""

    users: dict[str, object]
    producer: Producer  # A
    other_producer: Producer  # B
    hub: Hub  # H
    other_hub: Hub  # G
    product_id: int  # one of A's products (an Oscar parent)
    import_id: int  # one of A's product imports
    cycle: OrderCycle  # H's open cycle, offering A's products
    draft_cycle: OrderCycle  # H's draft cycle
    link: HubProducer  # H <-> A, active
    producer_staff: ProducerMembership  # another staff member of A (not the "producer" user)
    hub_staff: HubMembership  # a staff manager of H (not the "manager" user)
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # pending invitations to A and H
    order: object = None  # the shopper's order in H's open cycle (a pickup, paid at pickup)
    invoice: object = None  # H's invoice of the shopper's other order (`ids["order_id"]`)

    def user(self, role: str):
        return self.users.get(role)


def build_world() -> World:
    """Create the two tenants of each kind, their objects and the users (a few queries)."""
    users = {
        role: UserFactory(email=f"{role.replace('_', '-')}@example.com")
        for role in ROLES if role != "anonymous"
    }
    users["platform_admin"].groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS_GROUP)[0])

    producer = ProducerFactory(name="Ferme A", slug="ferme-a", contact_email="a@example.com")
    other_producer = ProducerFactory(name="Ferme B", slug="ferme-b")
    owner = UserFactory(email="producer-owner@example.com")
    producer_member_add(producer=producer, user=owner, role="owner")
    producer_member_add(producer=producer, user=users["producer"], role="staff")
    producer_member_add(producer=other_producer, user=users["other_producer"], role="owner")
    staff = UserFactory(email="producer-staff@example.com")
    producer_staff = producer_member_add(producer=producer, user=staff, role="staff")
    catalogue_upsert(rows=rows_for(producer, 4), producers={producer.id: producer})
    catalogue_upsert(rows=rows_for(other_producer, 2, name="Leeks", start=100),
                     producers={other_producer.id: other_producer})

    hub = HubFactory(name="Marché H", slug="marche-h", contact_email="h@example.com",
                     legal_name="Marché H SCIC", registered_address="1 rue du Marché, Paris",
                     company_number="73282932000074")
    other_hub = HubFactory(name="Marché G", slug="marche-g")
    hub_manager_add(hub=hub, user=users["manager"], role="owner")
    hub_manager_add(hub=other_hub, user=users["other_manager"], role="owner")
    hub_staff = hub_manager_add(
        hub=hub, user=UserFactory(email="hub-staff@example.com"), role="staff"
    )
    link = hub_supplier_link(hub=hub, producer=producer)
    hub_supplier_link(hub=other_hub, producer=other_producer)

    now = timezone.now()
    cycle = cycle_create(
        hub=hub, name="This week", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=2), markup_percent=Decimal("10"),
        note_to_producers="Deliver by 8.", publish=True,
    )
    cycle_offers_add(cycle=cycle, producer=producer)
    point = PickupPoint.objects.create(hub=hub, name="Barn", address="1 rue de la Ferme")
    zone = DeliveryZone.objects.create(hub=hub, name="East", postcodes="75020", fee=Decimal("4"))
    window = cycle_window_save(cycle=cycle, pickup_point=point,
                               date=(now + dt.timedelta(days=3)).date(),
                               start_time=dt.time(17), end_time=dt.time(19))
    pay_at_pickup = PaymentMethod.objects.create(hub=hub, kind="at_pickup", name="Cash")
    offer = cycle.offers.order_by("id").first()
    orders = {
        role: order_place(cycle_id=cycle.id, lines=[LineRequest(offer.id, 1)],
                          pickup_window_id=window.id, payment_method_id=pay_at_pickup.id,
                          user=users[role])
        for role in ("shopper", "producer")
    }
    draft_cycle = cycle_create(
        hub=hub, name="Next month", opens_at=now + dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=33),
    )
    other_cycle = cycle_create(
        hub=other_hub, name="G's week", opens_at=now + dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=5),
    )
    transitions.cycle_publish(cycle=other_cycle)
    order = _shopper_order(cycle, users["shopper"])
    processed = _processed_cycle(hub, producer, users["shopper"])
    invoice = _invoice(hub, order)

    product_id = producer.partner.stockrecords.order_by("id").first().product.parent_id
    product_import = ProductImport.objects.create(
        producer=producer, uploaded_by=users["producer"], filename="products.csv",
        status=ProductImport.Status.INVALID, total=1,
        errors=[{"row": 2, "column": "price", "message": "A price is required."}],
        file=ContentFile(b"sku,name\n", name="products.csv"),
    )
    other_import = ProductImport.objects.create(
        producer=other_producer, uploaded_by=users["other_producer"], filename="b.csv",
        status=ProductImport.Status.INVALID,
    )
    other_product_id = (
        other_producer.partner.stockrecords.order_by("id").first().product.parent_id
    )
    other_link = HubProducer.objects.get(hub=other_hub, producer=other_producer)
    bundle = InvoiceBundle.objects.create(  # a ready bundle of H's cycle's invoices
        cycle=cycle, format="pdf", state="done", total=1, done=1, invoice_count=1,
        file=ContentFile(b"%PDF-1.7\n", name="bundle.pdf"))
    producer_invitation = invite(team=producer, email="invitee@example.com", role="staff",
                                 invited_by=owner)
    hub_invitation = invite(team=hub, email="invitee@example.com", role="staff",
                            invited_by=users["manager"])
    return World(
        users=users, producer=producer, other_producer=other_producer, hub=hub,
        other_hub=other_hub, product_id=product_id, import_id=product_import.id, cycle=cycle,
        draft_cycle=draft_cycle, link=link, producer_staff=producer_staff, hub_staff=hub_staff,
        ids={
            "other_product_id": other_product_id, "other_import_id": other_import.id,
            "other_cycle_id": other_cycle.id, "other_link_id": other_link.id,
            "supplier_id": cycle.suppliers.get().id,
            "offer_id": offer.id, "window_id": window.id, "zone_id": zone.id,
            "payment_method_id": pay_at_pickup.id, "order_id": orders["shopper"].id,
            "producer_order_id": orders["producer"].id, "invoice_id": invoice.id,
            "processed_cycle_id": processed.id,
            "processed_invoice_id": Invoice.objects.get(cycle=processed).id,
            "purchase_order_id": PurchaseOrder.objects.get(cycle=processed, producer=producer).id,
            "bundle_id": bundle.id,
        },
        order=order,
        invoice=invoice,
        tokens={"producer": producer_invitation.token, "hub": hub_invitation.token},
    )


def _processed_cycle(hub: Hub, producer: Producer, shopper) -> OrderCycle:
    """A cycle of H offering A's products, with one order of the shopper, closed and
    processed through the real pipeline (eager Celery): an invoice, a purchase order."""
    from orders import processing

    now = timezone.now()
    cycle = cycle_create(hub=hub, name="Last week", opens_at=now - dt.timedelta(days=2),
                         closes_at=now + dt.timedelta(hours=1), publish=True)
    cycle_offers_add(cycle=cycle, producer=producer)
    point = PickupPoint.objects.create(hub=hub, name="Depot", address="2 rue du Dépôt")
    window = cycle_window_save(cycle=cycle, pickup_point=point,
                               date=(now + dt.timedelta(days=2)).date(),
                               start_time=dt.time(17), end_time=dt.time(19))
    method = PaymentMethod.objects.create(hub=hub, kind="at_pickup", name="At the depot")
    order_place(cycle_id=cycle.id, lines=[LineRequest(cycle.offers.order_by("id").first().id, 1)],
                pickup_window_id=window.id, payment_method_id=method.id, user=shopper)
    transitions.cycle_close_now(cycle=cycle)
    # The close queues processing on commit, which a test's transaction never reaches.
    processing.processing_start(cycle_id=cycle.id)
    cycle.refresh_from_db()
    assert cycle.processed_at is not None
    return cycle


def _shopper_order(cycle: OrderCycle, shopper):
    """The shopper's order of one of A's products in H's open cycle, placed by the service."""
    from hubs.cycle_services import cycle_window_save
    from hubs.models import PaymentMethod, PickupPoint
    from orders.services import LineRequest, order_place

    point = PickupPoint.objects.create(hub=cycle.hub, name="La Halle", address="1 rue Haute")
    window = cycle_window_save(
        cycle=cycle, pickup_point=point, date=(cycle.closes_at + dt.timedelta(days=1)).date(),
        start_time=dt.time(17), end_time=dt.time(19),
    )
    method = PaymentMethod.objects.create(hub=cycle.hub, kind="at_pickup", name="At pickup")
    offer = cycle.offers.order_by("id").first()
    return order_place(
        cycle_id=cycle.id, lines=[LineRequest(offer.id, 1)], payment_method_id=method.id,
        pickup_window_id=window.id, user=shopper,
    )


def _invoice(hub: Hub, order):
    """H's invoice of the shopper's open-cycle order, numbered and snapshotted by the service,
    with a stand-in PDF (no WeasyPrint needed). H gets the legal details invoices need."""
    from orders.invoicing import invoice_issue

    Hub.objects.filter(pk=hub.pk).update(
        legal_name="Marché H SAS", registered_address="1 rue Haute\n75001 Paris",
        company_number="73282932000074")
    invoice = invoice_issue(order_id=order.id)
    invoice.pdf.save(invoice.filename, ContentFile(b"%PDF-1.4\n% an invoice\n%%EOF\n"),
                     save=False)
    invoice.pdf_rendered_at = timezone.now()
    invoice.save(update_fields=["pdf", "pdf_rendered_at"])
    return invoice
