"""The invoices API: a cycle's invoices and credit notes for its hub's managers, an invoice's
PDF for them and the order's own shopper; 404 for everyone else, 401 without a token."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from hubs.models import HubMembership
from hubs.services import hub_manager_add
from orders.invoicing import invoice_correct
from orders.models import Invoice
from producers.services import producer_member_add
from teams.roles import PLATFORM_ADMINS_GROUP
from tests.hubs.factories import HubFactory
from tests.orders.test_orders_api import token_client
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


def list_url(cycle) -> str:
    return f"/api/v1/order-cycles/{cycle.pk}/invoices/"


def pdf_url(invoice) -> str:
    return f"/api/v1/invoices/{invoice.pk}/pdf/"


@pytest.fixture
def manager(processed_cycle):
    return HubMembership.objects.get(hub=processed_cycle.shop.hub).user


@pytest.fixture
def outsiders(processed_cycle, supplier):
    """Signed-in users who may see none of the hub's invoices."""
    producer_member = UserFactory(email="farmer@example.org")
    producer_member_add(producer=supplier, user=producer_member, role="owner")
    other_manager = UserFactory(email="other-manager@example.org")
    hub_manager_add(hub=HubFactory(name="Autre", slug="autre"), user=other_manager)
    return {"a shopper of the cycle": processed_cycle.orders.users.bob,
            "a producer member": producer_member, "another hub's manager": other_manager}


def invoice_of(order) -> Invoice:
    return Invoice.objects.get(order=order, kind="invoice", revision=1)


def test_a_manager_lists_the_cycles_invoices(processed_cycle, manager):
    orders = processed_cycle.orders
    response = token_client(manager).get(list_url(processed_cycle.cycle))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["next"] is None
    rows = body["results"]
    invoices = list(Invoice.objects.filter(cycle=processed_cycle.cycle).order_by("sequence"))
    assert [row["number"] for row in rows] == [i.number for i in invoices]
    carol = next(row for row in rows if row["order"] == orders.carol.pk)
    invoice = invoice_of(orders.carol)
    assert carol == {
        "id": invoice.pk, "number": invoice.number, "kind": "invoice", "corrects": None,
        "order": orders.carol.pk, "order_number": orders.carol.number,
        "customer": "Coop SARL", "is_business": True,
        "total_excl_tax": f"{invoice.total_excl_tax:.2f}",
        "total_incl_tax": f"{invoice.total_incl_tax:.2f}",
        "issued_at": carol["issued_at"],
        "pdf": f"http://testserver/api/v1/invoices/{invoice.pk}/pdf/",
    }
    assert carol["issued_at"][:10] == invoice.issued_at.date().isoformat()
    alice = next(row for row in rows if row["order"] == orders.alice.pk)
    assert alice["customer"] == "Alice Martin" and alice["is_business"] is False


def test_credit_notes_are_listed_with_the_invoice_they_cancel(processed_cycle, manager):
    original = invoice_of(processed_cycle.orders.alice)
    credit, new = invoice_correct(invoice=original)
    rows = token_client(manager).get(list_url(processed_cycle.cycle)).json()["results"]
    by_number = {row["number"]: row for row in rows}
    assert len(rows) == 5
    assert by_number[credit.number]["kind"] == "credit_note"
    assert by_number[credit.number]["corrects"] == original.number
    assert by_number[credit.number]["total_incl_tax"] == f"-{original.total_incl_tax:.2f}"
    # Not rendered yet: no link, and the PDF endpoint says 404.
    assert by_number[credit.number]["pdf"] is None
    assert token_client(manager).get(pdf_url(credit)).status_code == 404
    assert by_number[new.number]["kind"] == "invoice"


def test_the_list_runs_a_constant_number_of_queries(processed_cycle, manager):
    api = token_client(manager)
    url = list_url(processed_cycle.cycle)
    api.get(url)
    with CaptureQueriesContext(connection) as three:
        api.get(url)
    for order in (processed_cycle.orders.alice, processed_cycle.orders.bob):
        invoice_correct(invoice=invoice_of(order))
    with CaptureQueriesContext(connection) as seven:
        assert api.get(url).json()["count"] == 7
    assert len(seven.captured_queries) == len(three.captured_queries)


def test_managers_and_the_shopper_download_the_pdf(processed_cycle, manager):
    invoice = invoice_of(processed_cycle.orders.alice)
    for user in (manager, processed_cycle.orders.users.alice):
        response = token_client(user).get(pdf_url(invoice))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
        content = b"".join(response.streaming_content)
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert invoice.number in text


def test_the_list_link_downloads_the_pdf(processed_cycle, manager):
    api = token_client(manager)
    row = api.get(list_url(processed_cycle.cycle)).json()["results"][0]
    response = api.get(row["pdf"].removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_platform_admin_sees_every_hubs_invoices(processed_cycle):
    admin = UserFactory(email="admin@example.org")
    admin.groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS_GROUP)[0])
    api = token_client(admin)
    assert api.get(list_url(processed_cycle.cycle)).json()["count"] == 3
    invoice = invoice_of(processed_cycle.orders.bob)
    assert api.get(pdf_url(invoice)).status_code == 200


def test_everyone_else_gets_404(processed_cycle, outsiders):
    alice_invoice = invoice_of(processed_cycle.orders.alice)
    for who, user in outsiders.items():
        api = token_client(user)
        response = api.get(list_url(processed_cycle.cycle))
        assert response.status_code == 404, who
        assert set(response.json()) == {"detail"}
        assert api.get(pdf_url(alice_invoice)).status_code == 404, who
    assert token_client(outsiders["a shopper of the cycle"]).get(
        pdf_url(invoice_of(processed_cycle.orders.bob))).status_code == 200


def test_an_unknown_invoice_or_cycle_is_a_404(processed_cycle, manager):
    api = token_client(manager)
    assert api.get("/api/v1/invoices/999999/pdf/").status_code == 404
    assert api.get("/api/v1/order-cycles/999999/invoices/").status_code == 404
    assert api.get("/api/v1/invoices/abc/pdf/").status_code == 404


def test_anonymous_callers_get_401(processed_cycle):
    api = token_client(None)
    assert api.get(list_url(processed_cycle.cycle)).status_code == 401
    assert api.get(pdf_url(invoice_of(processed_cycle.orders.alice))).status_code == 401


def test_a_pdf_not_rendered_yet_is_a_404(processed_cycle, manager):
    invoice = invoice_of(processed_cycle.orders.alice)
    Invoice.objects.filter(pk=invoice.pk).update(pdf="", pdf_rendered_at=None)
    assert token_client(manager).get(pdf_url(invoice)).status_code == 404
    row = token_client(manager).get(list_url(processed_cycle.cycle)).json()["results"]
    assert next(r for r in row if r["id"] == invoice.pk)["pdf"] is None
