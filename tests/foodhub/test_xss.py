"""Stored and reflected XSS: a payload in every free-text field a producer, a hub manager or a
shopper can write, and every page that shows it, fetched as the people who see it.

The field list is walked from the models: a new CharField or TextField in producers, hubs,
teams or orders (or the shopper's account and addresses) fails `test_every_text_field_is_
covered` until it is added to COVERED (a payload is stored in it below) or to NOT_FREE_TEXT
with the reason nobody can put markup in it.
"""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from hubs.cycle_services import cycle_create, cycle_fee_save, cycle_offers_add, cycle_window_save
from hubs.models import (
    CycleSupplier,
    DeliveryZone,
    HubInvitation,
    PaymentMethod,
    PickupPoint,
)
from hubs.services import hub_manager_add, hub_supplier_link, relationship_request
from orders.models import CustomerProfile, CycleProcessing
from orders.purchasing import purchase_order_issue
from orders.services import order_link_cycle
from producers.catalogue_services import catalogue_upsert
from producers.models import ProducerInvitation, ProducerPhoto, ProductImport
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.orders.factories import order_line_for
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import rows_for

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
HistoricalStockRecord = apps.get_model("producers", "HistoricalStockRecord")

# Apps whose models hold what producers, hub managers and shoppers write (teams has only
# abstract models: their fields are walked in the concrete ones of producers and hubs).
WALKED_APPS = ["producers", "catalogue", "partner", "hubs", "orders", "checkout", "order"]
WALKED_MODELS = ["auth.User", "address.UserAddress"]

# model label -> fields a payload is stored in by `world` below.
COVERED = {
    "producers.Producer": [
        "name", "description", "practices", "street", "postcode", "city", "contact_email",
        "phone", "website", "legal_name", "company_number", "vat_number",
    ],
    "producers.ProducerPhoto": ["caption"],
    "producers.ProducerInvitation": ["email"],
    "producers.ProductImport": ["filename", "message"],
    "producers.HistoricalStockRecord": ["partner_sku"],
    "catalogue.Product": ["title", "description", "unit_label", "shipping_category"],
    "partner.Partner": ["name"],
    "partner.StockRecord": ["partner_sku"],
    "hubs.Hub": [
        "name", "description", "city", "street", "postcode", "contact_email", "phone",
        "legal_name", "company_number", "vat_number", "registered_address",
    ],
    "hubs.PickupPoint": ["name", "address", "opening_hours", "instructions"],
    "hubs.DeliveryZone": ["name", "postcodes"],
    "hubs.PaymentMethod": ["name", "instructions", "iban", "bic", "reference_pattern"],
    "hubs.OrderCycle": ["name", "note_to_producers"],
    "hubs.CycleWindow": ["instructions"],
    "hubs.CycleSupplier": ["dropoff_place", "dropoff_instructions"],
    "hubs.CycleFee": ["name"],
    "hubs.HubInvitation": ["email"],
    "orders.CustomerProfile": ["company_name", "company_number", "vat_number",
                               "billing_address"],
    # Written by code, but naming a producer (what failed): shown on the processing page.
    "orders.CycleProcessing": ["message"],
    "auth.User": ["username", "first_name", "last_name", "email"],
    # What the shopper typed at checkout (or their business details, copied), and what the
    # order copied from the hub and the product: shown on order pages, documents, e-mails.
    "order.Order": [
        "customer_name", "contact_phone", "delivery_address", "delivery_postcode",
        "customer_note", "customer_company", "customer_company_number", "customer_vat_number",
        "customer_address", "payment_method_name", "payment_instructions",
    ],
    "order.Line": ["title", "partner_sku"],
    "address.UserAddress": [
        "first_name", "last_name", "line1", "line2", "line3", "line4", "state", "postcode",
        "notes",
    ],
}  # fmt: skip

CHOICES = "a choice from a fixed list"
ADMIN = "written by platform admins only (Oscar's dashboard or the Django admin)"
# "model.field" (or "model.*") -> why no one in the roles above can put markup in it.
NOT_FREE_TEXT = {
    "producers.Producer.slug": "a slug (letters, digits, hyphens), validated",
    "producers.Producer.country": "two letters",
    "producers.ProducerInvitation.role": CHOICES,
    "producers.ProducerInvitation.token": "generated",
    "producers.ProducerInvitation.language": "set from the site's language codes",
    "producers.ProducerMembership.role": CHOICES,
    "producers.ProductImport.status": CHOICES,
    "producers.TaxCategory.*": ADMIN,
    "producers.HistoricalStockRecord.price_currency": "the platform currency",
    "producers.HistoricalStockRecord.history_change_reason": "written by code (order:100023)",
    "producers.HistoricalStockRecord.history_type": CHOICES,
    "catalogue.Product.structure": CHOICES,
    "catalogue.Product.unit_type": CHOICES,
    "catalogue.Product.slug": "made by slugify from the name",
    "catalogue.Product.upc": ADMIN,
    "catalogue.Product.meta_title": ADMIN,
    "catalogue.Product.meta_description": ADMIN,
    "catalogue.Product.code": ADMIN,
    "catalogue.ProductImage.*": ADMIN + "; producers' photos have no caption",
    "catalogue.Category.*": ADMIN + " (the seeded food taxonomy)",
    "catalogue.ProductClass.*": ADMIN,
    "catalogue.ProductAttribute.*": ADMIN,
    "catalogue.ProductAttributeValue.*": ADMIN,
    "catalogue.AttributeOptionGroup.*": ADMIN,
    "catalogue.AttributeOption.*": ADMIN,
    "catalogue.Option.*": ADMIN,
    "catalogue.ProductCategoryHierarchy.*": "a database view of category paths",
    "partner.Partner.code": "made by slugify from the name",
    "partner.PartnerAddress.*": ADMIN + "; producers keep their address on Producer",
    "partner.StockRecord.price_currency": "the platform currency",
    "partner.StockAlert.status": CHOICES,
    "hubs.Hub.slug": "a slug, validated",
    "hubs.Hub.time_zone": "validated against the time zone database",
    "hubs.Hub.currency": "three letters",
    "hubs.Hub.language": CHOICES,
    "hubs.HubMembership.role": CHOICES,
    "hubs.HubProducer.status": CHOICES,
    "hubs.PaymentMethod.kind": CHOICES,
    "hubs.CycleFee.kind": CHOICES,
    "hubs.HubInvitation.role": CHOICES,
    "hubs.HubInvitation.token": "generated",
    "hubs.HubInvitation.language": "set from the site's language codes",
    "hubs.Hub.invoice_prefix": "1 to 10 capital letters or digits, validated",
    "orders.Invoice.kind": CHOICES,
    "orders.Invoice.number": "generated from the validated prefix and the counter",
    "orders.Invoice.customer_name": "copied from the order's customer name or company, "
    "which tests/orders cover on the invoice pages and PDFs",
    "orders.InvoiceBundle.format": CHOICES,
    "orders.InvoiceBundle.state": CHOICES,
    "orders.InvoiceBundle.message": "written by code (an error, naming at most an invoice "
                                    "number)",
    "orders.CycleProcessing.state": CHOICES,
    "orders.CycleProcessing.summary_note": "written by code (the state and message last "
                                           "e-mailed), never shown",
    "orders.PurchaseOrder.number": "made by code from the hub's invoice prefix (capitals and "
                                   "digits) and ids",
    "orders.PurchaseOrder.email_problem": "written by code (why it was not e-mailed)",
    "auth.User.password": "a password hash",
    "order.Order.number": "generated digits",
    "order.Order.currency": "the hub's validated currency",
    "order.Order.shipping_tax_code": "Oscar's shipping, unused",
    "order.Order.shipping_method": "Oscar's shipping, unused (fulfilment replaces it)",
    "order.Order.shipping_code": "Oscar's shipping, unused (fulfilment replaces it)",
    "order.Order.status": CHOICES,
    "order.Order.guest_email": "an e-mail address validated by the checkout's EmailField",
    "order.Order.fulfilment": CHOICES,
    "order.Order.payment_reference": "made by code from the hub's pattern and the number",
    "order.Order.language": "set from the site's language codes",
    "order.Line.partner_name": "copied from partner.Partner.name (covered, and shown with "
                               "this line)",
    "order.Line.partner_line_reference": "Oscar's, never set",
    "order.Line.partner_line_notes": "Oscar's, never set",
    "order.Line.upc": ADMIN + " (copied from the product's UPC)",
    "order.Line.tax_code": "Oscar's, never set",
    "order.Line.status": "Oscar's line status, never set by foodhub",
    "order.OrderNote.note_type": "written by code",
    "order.OrderNote.message": "written by code (which e-mail was sent); never shown",
    "order.OrderStatusChange.*": "written by code from the order's states",
    "order.ShippingAddress.*": "Oscar's shipping address step is replaced by fulfilment "
                               "(the delivery address is Order.delivery_address)",
    "order.BillingAddress.*": "Oscar's payment details step is not used (the billing address "
                              "is Order.customer_address)",
    "order.LinePrice.*": "written by code",
    "order.LineAttribute.*": "product options are not used",
    "order.ShippingEvent.*": ADMIN,
    "order.ShippingEventType.*": ADMIN,
    "order.PaymentEvent.*": ADMIN,
    "order.PaymentEventType.*": ADMIN,
    "order.OrderDiscount.*": "offers and vouchers are not used",
    "order.Surcharge.*": "written by code (fees are CycleFee)",
    "address.UserAddress.code": "never set by a form",
    "address.UserAddress.title": CHOICES,
    "address.UserAddress.search_text": "derived by Oscar from the address",
    "address.UserAddress.hash": "derived by Oscar from the address",
    "address.UserAddress.phone_number": "a phone number parsed by django-phonenumber-field",
}
# Fields covered above that no page shows yet (the API returns them as JSON; checkout and
# invoices will show some). When a page starts showing one, the test asks to remove it here.
NOT_ON_PAGES = {
    "hubs.PaymentMethod.bic": "checkout shows it for bank transfers (the world's method is "
                              "paid at pickup)",
    "hubs.PaymentMethod.reference_pattern": "pages show the reference made from it",
    "auth.User.username": "people sign in with their e-mail; the username is not shown",
    "catalogue.Product.shipping_category": "kept as text for the import format (exports)",
    "order.Order.payment_method_name": "shown on the invoice (test_documents_and_html_e_"
                                       "mails_escape_what_users_wrote)",
}

# Forbidden in any HTML answer: markup the payloads would create if not escaped.
RAW = ["<script>alert(1)", "<img src=x onerror", "<svg onload"]
JAVASCRIPT_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def payload_for(field: models.Field, marker: str) -> str:
    """The strongest payload that fits the field, with a marker to find where it shows."""
    if isinstance(field, models.EmailField):
        return f'"{marker}<script>alert(1)</script>"@example.com'
    if isinstance(field, models.URLField):
        return f"javascript:alert(1)//{marker}"
    room = field.max_length or 10_000
    for value in (f'{marker}"><img src=x onerror=alert(1)><script>alert(1)</script>',
                  f'{marker}"><svg onload=alert(1)>', f'{marker}"><b>'):
        if len(value) <= room:
            return value
    raise AssertionError(f"{field} is too short for a payload: list it in NOT_FREE_TEXT")


def walked_text_fields():
    user_models = [apps.get_model(label) for label in WALKED_MODELS]
    for model in [m for app in WALKED_APPS for m in apps.get_app_config(app).get_models()]:
        user_models.append(model)
    for model in user_models:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                yield model._meta.label, field.name


def test_every_text_field_is_covered():
    missing = []
    for label, name in walked_text_fields():
        if name in COVERED.get(label, []):
            continue
        if f"{label}.{name}" in NOT_FREE_TEXT or f"{label}.*" in NOT_FREE_TEXT:
            continue
        missing.append(f"{label}.{name}")
    assert missing == [], (
        "New free-text fields: store a payload in them (COVERED) and fetch the pages that "
        "show them, or say in NOT_FREE_TEXT why no user can put markup in them."
    )
    walked = set(walked_text_fields())
    stale = [f"{label}.{name}" for label, names in COVERED.items() for name in names
             if (label, name) not in walked]
    assert stale == []


# --- the world: one of everything, with every covered field holding a payload ---------------


class World:
    def __init__(self):
        self.instances: dict[str, list] = {}
        self.payloads: dict[str, str] = {}  # "model.field" -> payload

    def add(self, *objects):
        for obj in objects:
            self.instances.setdefault(obj._meta.label, []).append(obj)

    def store_payloads(self, labels=None):
        number = 0
        for label, names in COVERED.items():
            if labels is not None and label not in labels:
                number += len(names)  # markers stay the same whichever call stores them
                continue
            objects = self.instances.get(label)
            assert objects, f"the world has no {label}: create one"
            model = apps.get_model(label)
            for name in names:
                number += 1
                value = payload_for(model._meta.get_field(name), f"xss{number:03d}")
                self.payloads[f"{label}.{name}"] = value
                for obj in objects:
                    model._default_manager.filter(pk=obj.pk).update(**{name: value})


@pytest.fixture
def world(client):
    w = World()
    now = timezone.now()
    farmer = UserFactory(email="farmer@example.com")
    manager = UserFactory(email="manager@example.com")
    shopper = UserFactory(email="shopper@example.com")  # also staff of both teams
    w.users = {"farmer": farmer, "manager": manager, "shopper": shopper}
    w.add(shopper)

    producer = ProducerFactory(name="Ferme", slug="xss-farm")
    producer_member_add(producer=producer, user=farmer, role="owner")
    producer_member_add(producer=producer, user=shopper, role="staff")
    catalogue_upsert(rows=rows_for(producer, 1), producers={producer.id: producer}, user=farmer)
    record = StockRecord.objects.get(partner=producer.partner)
    variant = record.product
    w.product, w.variant = variant.parent, variant
    w.add(producer, producer.partner, record, variant.parent, variant)
    w.add(*HistoricalStockRecord.objects.filter(id=record.id))
    w.add(ProducerPhoto.objects.create(producer=producer, image="producers/photos/x.jpg"))
    w.add(ProducerInvitation.objects.create(producer=producer, email="a@example.com"))
    w.invalid_import = ProductImport.objects.create(
        producer=producer, filename="p.csv", status="invalid", file="imports/p.csv"
    )
    w.failed_import = ProductImport.objects.create(
        producer=producer, filename="p.csv", status="failed", file="imports/p.csv"
    )
    w.add(w.invalid_import, w.failed_import)

    hub = HubFactory(name="Hub", slug="xss-hub")
    hub_manager_add(hub=hub, user=manager, role="owner")
    hub_manager_add(hub=hub, user=shopper, role="staff")
    hub_supplier_link(hub=hub, producer=producer)
    point = PickupPoint.objects.create(hub=hub, name="Barn", address="1 road")
    zone = DeliveryZone.objects.create(hub=hub, name="Zone", postcodes="75*", fee=Decimal("3"))
    payment = PaymentMethod.objects.create(hub=hub, kind="at_pickup", name="Cash")
    cycle = cycle_create(
        hub=hub, name="Week", opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=2), markup_percent=Decimal("10"), publish=True,
    )
    cycle_offers_add(cycle=cycle, producer=producer)
    fee = cycle_fee_save(cycle=cycle, name="Fee", kind="item_flat", amount=Decimal("0.10"),
                         vat_rate=Decimal("20"))
    window = cycle_window_save(
        cycle=cycle, pickup_point=point, date=(now + dt.timedelta(days=3)).date(),
        start_time=dt.time(17), end_time=dt.time(19),
    )
    w.add(hub, point, zone, payment, cycle, fee, window, CycleSupplier.objects.get(cycle=cycle))
    w.add(HubInvitation.objects.create(hub=hub, email="b@example.com"))
    w.producer, w.hub, w.cycle = producer, hub, cycle
    w.add(CycleProcessing.objects.create(cycle=cycle, state="failed"))

    country, _created = Country.objects.get_or_create(
        iso_3166_1_a2="FR", defaults={"name": "France", "printable_name": "France"}
    )
    address = UserAddress.objects.create(
        user=shopper, first_name="A", last_name="B", line1="1 rue", line4="Paris",
        postcode="75001", country=country,
    )
    w.address = address
    w.add(address)
    # The shopper's business details (their account page; prefilled at checkout).
    w.add(CustomerProfile.objects.create(user=shopper, company_name="Coop",
                                         billing_address="1 rue"))

    w.store_payloads(labels=[label for label in COVERED if not label.startswith("order.")])
    ProductImport.objects.filter(pk=w.invalid_import.pk).update(errors=[
        {"row": 2, "column": "name", "message": w.payloads["catalogue.Product.title"]},
    ])
    # An order made after the payloads: its line copies the variant's title.
    line = order_line_for(Product.objects.get(pk=variant.pk), quantity=2)
    order_link_cycle(order=line.order, cycle=cycle)
    type(line.order).objects.filter(pk=line.order_id).update(
        user=shopper, fulfilment="delivery", pickup_window=window, language="en")
    w.order_number = line.order.number
    w.add(line.order, line)
    w.store_payloads(labels=["order.Order", "order.Line"])
    # A purchase order snapshotting the payloads (producer, hub, cycle, drop-off).
    purchase_order_issue(cycle_id=cycle.pk, producer_id=producer.pk)
    return w


def pages(w):
    """(who, url) for every page that shows what the world holds."""
    p, h, c = w.producer.slug, w.hub.slug, w.cycle.id
    search = quote(w.payloads["catalogue.Product.title"])
    product = Product.objects.get(pk=w.product.pk)
    variant = Product.objects.get(pk=w.variant.pk)
    category = product.get_categories().first()
    return [
        (None, "/"),
        (None, "/shop/catalogue/"),
        (None, product.get_absolute_url()),
        (None, variant.get_absolute_url()),
        (None, category.get_absolute_url()),
        (None, f"/shop/search/?q={search}"),
        (None, f"/{h}/shop/"),
        (None, f"/{h}/shop/?q={search}"),
        (None, f"/{h}/shop/?group=producer"),
        ("farmer", "/producer/"),
        ("farmer", f"/producer/{p}/"),
        ("farmer", f"/producer/{p}/?q={search}"),
        ("farmer", f"/producer/{p}/products/{w.product.pk}/"),
        ("farmer", f"/producer/{p}/history/"),
        ("farmer", f"/producer/{p}/import/"),
        ("farmer", f"/producer/{p}/imports/{w.invalid_import.pk}/"),
        ("farmer", f"/producer/{p}/imports/{w.failed_import.pk}/"),
        ("farmer", f"/producer/{p}/profile/"),
        ("farmer", f"/producer/{p}/team/"),
        ("farmer", f"/producer/{p}/hubs/"),
        ("farmer", f"/producer/{p}/cycles/"),
        ("farmer", f"/producer/{p}/sales/"),
        ("farmer", f"/producer/{p}/prepare/"),
        ("farmer", f"/producer/{p}/reports/"),
        ("farmer", f"/producer/{p}/purchase-orders/"),
        ("manager", "/hub/"),
        ("manager", f"/hub/{h}/"),
        ("manager", f"/hub/{h}/settings/"),
        ("manager", f"/hub/{h}/team/"),
        ("manager", f"/hub/{h}/producers/"),
        ("manager", f"/hub/{h}/cycles/new/"),
        ("manager", f"/hub/{h}/cycles/{c}/"),
        ("manager", f"/hub/{h}/cycles/{c}/?q={search}"),
        ("manager", f"/hub/{h}/cycles/{c}/orders/"),
        ("manager", f"/hub/{h}/cycles/{c}/orders/?q={search}"),
        ("manager", f"/hub/{h}/cycles/{c}/orders/{w.order_number}/"),
        ("manager", f"/hub/{h}/cycles/{c}/packing/"),
        ("manager", f"/hub/{h}/cycles/{c}/pickup/"),
        *[("manager", f"/hub/{h}/reports/?cycle={c}&report={kind}")
          for kind in ("supplier-products", "customer-totals", "fees", "revenue")],
        ("manager", f"/hub/{h}/cycles/{c}/processing/"),
        ("shopper", "/shop/accounts/orders/"),
        ("shopper", f"/shop/accounts/orders/{w.order_number}/"),
        ("shopper", "/shop/accounts/profile/"),
        ("shopper", "/shop/accounts/business/"),
        ("shopper", "/shop/accounts/addresses/"),
        ("shopper", f"/shop/accounts/addresses/{w.address.pk}/"),
        ("shopper", "/producer/"),
        ("shopper", "/hub/"),
    ]


def checkout_pages(client, w):
    """(url, html) of the checkout steps, as the shopper with a basket in the world's cycle."""
    from orders.strategy import CycleStrategy

    client.logout()
    client.force_login(w.users["shopper"])
    basket = get_model("basket", "Basket").objects.create(owner=w.users["shopper"],
                                                         cycle=w.cycle)
    basket.strategy = CycleStrategy(None, cycle=w.cycle)
    basket.add_product(Product.objects.get(pk=w.variant.pk), 1)
    window = w.instances["hubs.CycleWindow"][0]
    payment = w.instances["hubs.PaymentMethod"][0]
    steps = [
        ("/shop/checkout/fulfilment/", {"fulfilment": f"pickup-{window.pk}", "name": "Sam"}),
        ("/shop/checkout/payment-method/", {"payment_method": payment.pk}),
        ("/shop/checkout/preview/", None),
    ]
    for url, data in steps:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        yield url, response.content.decode()
        if data:
            assert client.post(url, data).status_code == 302


def assert_escaped(html: str, where: str, payloads) -> None:
    for raw in RAW:
        assert raw not in html, f"{where}: unescaped {raw!r}"
    assert not JAVASCRIPT_URL.search(html), f"{where}: a javascript: URL in an attribute"
    for key, payload in payloads.items():
        if "<" in payload or '"' in payload:
            assert payload not in html, f"{where}: {key} served as is"


def test_payloads_in_every_field_are_escaped_on_every_page(client, world):
    shown: dict[str, str] = {}
    for who, url in pages(world):
        client.logout()
        if who:
            client.force_login(world.users[who])
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{who} {url}: {response.status_code}"
        html = response.content.decode()
        assert_escaped(html, f"{who or 'anonymous'} {url}", world.payloads)
        for key, payload in world.payloads.items():
            marker = re.search(r"xss\d{3}", payload).group()
            if marker in html.lower():  # postcodes are shown upper-cased
                shown.setdefault(key, url)
    for url, html in checkout_pages(client, world):
        assert_escaped(html, f"shopper {url}", world.payloads)
        for key, payload in world.payloads.items():
            if re.search(r"xss\d{3}", payload).group() in html.lower():
                shown.setdefault(key, url)
    not_shown = sorted(set(world.payloads) - set(shown) - set(NOT_ON_PAGES))
    assert not_shown == [], f"fetch a page that shows {not_shown} (or list in NOT_ON_PAGES)"
    now_shown = sorted(key for key in NOT_ON_PAGES if key in shown)
    assert now_shown == [], f"{now_shown} are shown now: remove them from NOT_ON_PAGES"


def test_a_payload_in_an_e_mail_address_is_escaped_where_the_page_echoes_it(client, world):
    client.force_login(world.users["farmer"])
    email = '"<script>alert(1)</script>"@example.com'
    response = client.post(f"/producer/{world.producer.slug}/team/",
                           {"action": "invite", "email": email, "role": "staff"}, follow=True)
    html = response.content.decode()
    assert "Invitation sent to" in html  # the message quotes the address
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert_escaped(html, "team page", {"email": email})


def test_relationship_messages_escape_the_other_teams_name(client, world):
    hub = HubFactory(name='"><img src=x onerror=alert(1)>', slug="other-hub")
    link = relationship_request(hub=hub, producer=world.producer, by="hub")
    client.force_login(world.users["farmer"])
    response = client.post(f"/producer/{world.producer.slug}/hubs/",
                           {"link": link.id, "do": "accept"}, follow=True)
    html = response.content.decode()
    assert "You now supply" in html
    assert_escaped(html, "producer hubs", {"hub": hub.name})


# --- descriptions: cleaned on the way in, whatever the source ------------------------------


XSS_DESCRIPTION = (
    'Crunchy <b>carrots</b><img src=x onerror=alert(document.domain)>'
    '<script>alert(1)</script><a href="javascript:alert(1)">more</a>'
)


def _detail_html(client, product):
    client.logout()
    return client.get(product.get_absolute_url()).content.decode()


@pytest.mark.parametrize("source", ["api", "form", "file"])
def test_a_description_with_html_is_cleaned_whatever_the_source(
    client, source, django_capture_on_commit_callbacks
):
    user = UserFactory(email="farmer@example.com")
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    producer_member_add(producer=producer, user=user, role="owner")
    category = get_model("catalogue", "Category").objects.get(name="Vegetables")
    if source == "api":
        api = APIClient()
        api.force_authenticate(user)
        response = api.post(f"/api/v1/producers/{producer.id}/products/", {
            "name": "Carrots", "description": XSS_DESCRIPTION, "category": category.id,
            "variants": [{"sku": "C1", "units": "1", "unit_type": "kg", "price": "2.40",
                          "on_hand": 5}],
        }, format="json")
        assert response.status_code == 201, response.content
    elif source == "form":
        client.force_login(user)
        response = client.post(f"/producer/{producer.slug}/products/new/", {
            "name": "Carrots", "description": XSS_DESCRIPTION, "category": category.id,
            "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0",
            "variants-0-sku": "C1", "variants-0-units": "1", "variants-0-unit_type": "kg",
            "variants-0-price": "2.40", "variants-0-on_hand": "5",
        })
        assert response.status_code == 302, response.content.decode()[:2000]
    else:
        client.force_login(user)
        content = (
            "sku,name,category,description,units,unit_type,price,on_hand\n"
            f'C1,Carrots,Vegetables,"{XSS_DESCRIPTION.replace(chr(34), chr(34) * 2)}",1,kg,2.40,5\n'
        )
        with django_capture_on_commit_callbacks(execute=True):  # the check runs in Celery
            client.post(f"/producer/{producer.slug}/import/",
                        {"file": SimpleUploadedFile("p.csv", content.encode())})
        product_import = ProductImport.objects.get()
        assert product_import.status == "ready", product_import.errors
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/producer/{producer.slug}/imports/{product_import.id}/")
    product = Product.objects.get(structure="parent")
    assert product.description == (
        'Crunchy <b>carrots</b><a rel="noopener noreferrer nofollow">more</a>'
    )
    assert "onerror" not in product.description and "<script" not in product.description
    assert "javascript:" not in product.description
    html = _detail_html(client, product)
    assert "Crunchy <b>carrots</b>" in html  # allow-listed rich text stays rich
    assert_escaped(html, "product page", {"description": XSS_DESCRIPTION})


def test_an_old_description_with_html_is_safe_on_the_product_page_and_cleaned_by_migration(
    client,
):
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    catalogue_upsert(rows=rows_for(producer, 1), producers={producer.id: producer})
    product = Product.objects.get(structure="parent")
    # Written before the fix (or by Oscar's dashboard): stored as is.
    Product.objects.filter(pk=product.pk).update(description=XSS_DESCRIPTION)
    html = _detail_html(client, product)
    assert "Crunchy <b>carrots</b>" in html
    assert_escaped(html, "product page", {"description": XSS_DESCRIPTION})

    import importlib

    migration = importlib.import_module(
        "producers.catalogue.migrations.0035_foodhub_xss_clean_descriptions"
    )
    migration.clean_descriptions(apps, None)
    product.refresh_from_db()
    assert "onerror" not in product.description and "<script" not in product.description
    assert product.description.startswith("Crunchy <b>carrots</b>")


def test_a_plain_text_description_is_shown_as_typed():
    from producers.descriptions import clean_description, description_html

    text = "Fish & chips, 5 < 6 and <3\nSecond line"
    assert clean_description(text) == text
    assert description_html(text) == "<p>Fish &amp; chips, 5 &lt; 6 and &lt;3<br>Second line</p>"


# --- e-mails -------------------------------------------------------------------------------


def test_html_e_mails_escape_what_users_wrote(world):
    from cms.services import welcome_email_send

    welcome_email_send(user_id=world.users["farmer"].id)
    html = mail.outbox[-1].alternatives[0][0]
    assert_escaped(html, "welcome e-mail", {"hub": world.payloads["hubs.Hub.name"]})
    product = Product.objects.get(pk=world.product.pk)
    alert = get_model("customer", "ProductAlert")(product=product, email="s@example.com", key="k")
    for name in ("commtype_product_alert_body.html",
                 "commtype_product_alert_confirmation_body.html"):
        html = render_to_string(f"oscar/communication/emails/{name}",
                                {"alert": alert, "site": {"domain": "example.com"}})
        assert_escaped(html, name, {"title": world.payloads["catalogue.Product.title"]})


def test_user_model_is_the_walked_one():
    assert get_user_model()._meta.label in WALKED_MODELS


def test_javascript_urls_are_refused_where_urls_are_accepted(client):
    user = UserFactory(email="farmer@example.com")
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    producer_member_add(producer=producer, user=user, role="owner")
    api = APIClient()
    api.force_authenticate(user)
    response = api.patch(f"/api/v1/producers/{producer.id}/",
                         {"website": "javascript:alert(1)"}, format="json")
    assert response.status_code == 400 and "website" in response.json()
    client.force_login(user)
    response = client.post(f"/producer/{producer.slug}/profile/", {
        "action": "profile", "name": "Ferme A", "country": "FR",
        "website": "javascript:alert(1)",
    })
    assert "website" in response.context["form"].errors
    producer.refresh_from_db()
    assert producer.website == ""


# --- packing lists and pickup sheets: what the customer typed at checkout ---------------------


def test_customer_details_are_escaped_on_packing_pages_and_harmless_in_their_pdfs(client,
                                                                                  world):
    """A closed cycle whose order carries a payload in every field the customer typed (name,
    phone, note, delivery address): escaped on the packing lists and the pickup sheet, and
    printed as plain text in their PDFs."""
    import io

    from pypdf import PdfReader

    from hubs.transitions import cycle_close_now

    Order = get_model("order", "Order")
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    window = world.instances["hubs.CycleWindow"][0]
    Order.objects.filter(number=world.order_number).update(
        customer_name=f"Eve{payload}"[:120], contact_phone='<svg onload=alert(1)>',
        customer_note=f"Note{payload}", delivery_address=f"Street{payload}",
        fulfilment="delivery", pickup_window=window,
    )
    cycle_close_now(cycle=world.cycle)
    client.force_login(world.users["manager"])
    base = f"/hub/{world.hub.slug}/cycles/{world.cycle.id}"
    urls = [f"{base}/packing/?by={by}" for by in ("customer", "producer", "product")]
    urls += [f"{base}/pickup/?sheet=all", f"{base}/pickup/?sheet=window-{window.pk}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_escaped(html, url, {"customer": payload, "phone": "<svg onload=alert(1)>"})
        if "producer" not in url:
            assert "Eve&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    for url in [f"{base}/packing/?by={by}&format=pdf" for by in ("customer", "product")] + [
            f"{base}/pickup/?sheet=all&format=pdf"]:
        response = client.get(url)
        assert response["Content-Type"] == "application/pdf", url
        text = "".join(page.extract_text() for page in PdfReader(
            io.BytesIO(response.content)).pages)
        assert "Eve<script>alert(1)</script>" in text.replace("\n", ""), url
        if "customer" in url:
            assert "Note<script>alert(1)</script>" in text.replace("\n", "")


# --- documents and e-mails: invoices, purchase orders, packing lists, pickup sheets ---------


def test_documents_and_html_e_mails_escape_what_users_wrote(client, world, monkeypatch):
    """Every document is HTML before WeasyPrint makes it a PDF: markup from a payload could
    reshape it or make it fetch URLs. The HTML of each (invoice with business details,
    purchase order, packing lists, pickup sheet, reports) and the HTML part of the order
    e-mail are checked like pages, and between them show the order's and the hub's legal
    fields; the purchase order CSV holds the payloads as plain text."""
    from hubs.transitions import cycle_close_now
    from orders import pdf
    from orders.emails import order_email_send
    from orders.invoice_documents import invoice_pdf_bytes
    from orders.invoicing import invoice_issue
    from orders.models import PurchaseOrder
    from orders.purchasing import purchase_order_csv, purchase_order_pdf

    rendered: list[str] = []

    def capture(html, **kwargs):
        rendered.append(html)
        return b"%PDF-1.7 captured"

    monkeypatch.setattr(pdf, "html_to_pdf", capture)
    monkeypatch.setattr("orders.facturx.facturx_pdf",
                        lambda invoice, html: capture(html), raising=False)
    hub = world.hub
    type(hub).objects.filter(pk=hub.pk).update(invoice_prefix="XSS")
    Order = get_model("order", "Order")
    order = Order.objects.get(number=world.order_number)
    cycle_close_now(cycle=world.cycle)
    documents: list[tuple[str, str]] = []
    invoice = invoice_issue(order_id=order.pk)
    assert invoice is not None and invoice.is_business
    invoice_pdf_bytes(invoice)
    documents.append(("invoice", rendered.pop()))
    purchase_order = PurchaseOrder.objects.get(cycle=world.cycle)
    purchase_order_pdf(purchase_order)
    documents.append(("purchase order", rendered.pop()))
    client.force_login(world.users["manager"])
    base = f"/hub/{hub.slug}/cycles/{world.cycle.id}"
    for url in [*[f"{base}/packing/?by={by}&format=pdf"
                  for by in ("customer", "producer", "product")],
                f"{base}/pickup/?sheet=all&format=pdf"]:
        response = client.get(url)
        assert response.status_code == 200, url
        documents.append((url, rendered.pop()))
    mail.outbox.clear()
    assert order_email_send(order_id=order.pk, kind="placed")
    documents.append(("order e-mail", mail.outbox[-1].alternatives[0][0]))

    shown = set()
    for where, html in documents:
        assert_escaped(html, where, world.payloads)
        shown |= {key for key, payload in world.payloads.items()
                  if re.search(r"xss\d{3}", payload).group() in html.lower()}
    for key in ("order.Order.customer_name", "order.Order.customer_company",
                "order.Order.customer_address", "order.Order.delivery_address",
                "order.Order.customer_note", "order.Line.title", "hubs.Hub.legal_name",
                "hubs.Hub.registered_address", "hubs.PickupPoint.name",
                "hubs.OrderCycle.name", "hubs.CycleSupplier.dropoff_place",
                "order.Order.payment_method_name", "order.Order.customer_vat_number",
                "producers.Producer.name"):
        assert key in shown, f"no document shows {key}: the check above proves nothing for it"

    text = purchase_order_csv(purchase_order).decode()
    assert world.payloads["hubs.CycleSupplier.dropoff_place"] in text.replace('""', '"')
