"""A shopper finds their invoices and credit notes in their account (order list and order
page) and downloads them; nobody else can."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from oscar.core.loading import get_model
from pypdf import PdfReader

from hubs.services import hub_manager_add
from orders.invoicing import invoice_correct
from orders.models import Invoice
from producers.services import producer_member_add
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
LIST = "/shop/accounts/orders/"


def invoice_of(order) -> Invoice:
    return Invoice.objects.get(order=order, kind="invoice", revision=1)


def download_url(order, invoice) -> str:
    return f"{LIST}{order.number}/invoices/{invoice.pk}/"


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_order_page_lists_the_invoice_and_downloads_it(client, processed_cycle):
    alice = processed_cycle.orders.users.alice
    order = processed_cycle.orders.alice
    invoice = invoice_of(order)
    client.force_login(alice)
    page = client.get(f"{LIST}{order.number}/").content.decode()
    assert 'id="order-invoices"' in page and invoice.number in page
    assert "<td>Invoice</td>" in page and f"€{invoice.total_incl_tax}</td>" in page
    issued = timezone.localtime(invoice.issued_at, processed_cycle.shop.hub.tz)
    assert date_format(issued, "DATE_FORMAT") in page
    assert download_url(order, invoice) in page
    response = client.get(download_url(order, invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert invoice.number in pdf_text(response)


def test_a_business_order_page_shows_whom_the_invoice_is_made_out_to(client, processed_cycle):
    carol = processed_cycle.orders.users.carol
    client.force_login(carol)
    page = client.get(f"{LIST}{processed_cycle.orders.carol.number}/").content.decode()
    assert "Made out to" in page and "Coop SARL" in page and "FR44732829320" in page


def test_a_credit_note_and_the_new_invoice_are_listed(client, processed_cycle):
    alice = processed_cycle.orders.users.alice
    order = processed_cycle.orders.alice
    original = invoice_of(order)
    credit, new = invoice_correct(invoice=original)
    client.force_login(alice)
    page = client.get(f"{LIST}{order.number}/").content.decode()
    for invoice in (original, credit, new):
        assert invoice.number in page
    assert "Credit note" in page and f"cancels {original.number}" in page
    assert f"-€{abs(credit.total_incl_tax)}" in page  # a credit note's total is negative
    # Just issued: its PDF is not rendered yet, so no link and the download is a 404.
    assert download_url(order, credit) not in page and "Being prepared" in page
    assert client.get(download_url(order, credit)).status_code == 404


def test_the_order_list_shows_each_orders_invoices(client, processed_cycle):
    alice = processed_cycle.orders.users.alice
    order = processed_cycle.orders.alice
    invoice = invoice_of(order)
    client.force_login(alice)
    response = client.get(LIST)
    page = response.content.decode()
    assert f'data-invoice="{invoice.number}"' in page
    assert download_url(order, invoice) in page
    assert "(Invoice, " in page


def test_an_order_not_invoiced_yet_says_when_it_will_be(client, shop, legal_hub):
    from tests.orders.conftest import place_order

    user = UserFactory(email="early@example.org")
    order = place_order(shop, user, [(shop.offers[0], 1)])
    client.force_login(user)
    page = client.get(f"{LIST}{order.number}/").content.decode()
    assert "issued when the order cycle closes" in page
    assert "—" in client.get(LIST).content.decode()


def test_the_order_list_reads_invoices_in_a_constant_number_of_queries(
        client, processed_cycle, django_assert_max_num_queries):
    orders = processed_cycle.orders
    alice = orders.users.alice
    invoice_correct(invoice=invoice_of(orders.alice))
    client.force_login(alice)
    client.get(LIST)  # warm: session, site, and the like
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    # Alice now has three orders with four invoices and a credit note between them.
    Order.objects.filter(pk__in=[orders.bob.pk, orders.carol.pk]).update(user=alice)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(LIST).content.decode()
    assert page.count("data-invoice=") == 5


# --- nobody else ------------------------------------------------------------------------------


@pytest.fixture
def strangers(processed_cycle, supplier):
    """Users who are not Alice: another shopper of the cycle, the hub's manager, a member of
    the cycle's producer, a manager of another hub, and a platform admin."""
    from django.contrib.auth.models import Group

    from teams.roles import PLATFORM_ADMINS_GROUP
    from tests.hubs.factories import HubFactory

    producer_member = UserFactory(email="farmer@example.org")
    producer_member_add(producer=supplier, user=producer_member, role="owner")
    other_manager = UserFactory(email="other-manager@example.org")
    hub_manager_add(hub=HubFactory(name="Autre", slug="autre"), user=other_manager)
    admin = UserFactory(email="admin@example.org")
    admin.groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS_GROUP)[0])
    return {
        "another shopper": processed_cycle.orders.users.bob,
        "the hub's manager": get_model("hubs", "HubMembership").objects.filter(
            hub=processed_cycle.shop.hub).first().user,
        "a producer member": producer_member,
        "another hub's manager": other_manager,
        "a platform admin": admin,
    }


def test_nobody_else_downloads_the_shoppers_invoice(client, processed_cycle, strangers):
    order = processed_cycle.orders.alice
    invoice = invoice_of(order)
    bob_order = processed_cycle.orders.bob
    for who, user in strangers.items():
        client.force_login(user)
        assert client.get(download_url(order, invoice)).status_code == 404, who
        page = client.get(f"{LIST}{order.number}/")
        assert page.status_code == 404, who
    # Bob cannot reach Alice's invoice through his own order either.
    client.force_login(processed_cycle.orders.users.bob)
    assert client.get(download_url(bob_order, invoice)).status_code == 404
    assert client.get(download_url(bob_order, invoice_of(bob_order))).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, processed_cycle):
    order = processed_cycle.orders.alice
    response = client.get(download_url(order, invoice_of(order)))
    assert response.status_code == 302 and "/login/" in response.url
