"""Correcting a processed order (a producer was short): the hub's manager lowers quantities
or removes lines on the order page; the invoice in force is cancelled by a credit note (its
own number, same gapless sequence) and a new invoice issued, both e-mailed once; refusals are
form errors; other hubs get 404s."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from pypdf import PdfReader

from hubs.services import hub_manager_add
from orders import invoicing, tasks
from orders.models import Invoice
from orders.services import LineRequest
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def manager(legal_hub):
    return get_user_model().objects.get(email="manager@example.org")


def order_url(cycle, order):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.pk}/orders/{order.number}/"


def pdf_text(invoice) -> str:
    with invoice.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def sequences(hub) -> list[int]:
    return list(Invoice.objects.filter(hub=hub).order_by("sequence")
                .values_list("sequence", flat=True))


def line_of(order, index=0):
    """The order's lines, the largest quantity first (Alice's first line: 2 ordered)."""
    return order.lines.order_by("-quantity", "pk")[index]


# --- the service -----------------------------------------------------------------------------


def test_a_short_delivery_issues_a_credit_note_and_a_new_invoice(
        processed_cycle, manager, django_capture_on_commit_callbacks):
    order = processed_cycle.orders.alice
    hub = processed_cycle.shop.hub
    first = Invoice.objects.get(order=order)
    carrots, other = line_of(order), line_of(order, 1)
    stock = list(StockRecord.objects.order_by("pk").values_list("num_in_stock", flat=True))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        credit, new = invoicing.order_correct(
            order=order, lines=[LineRequest(carrots.offer_id, 1)], user=manager)

    # Numbers follow the cycle's three invoices, no gap, one sequence for both kinds.
    assert sequences(hub) == [1, 2, 3, 4, 5]
    assert (credit.kind, credit.corrects_id, credit.sequence) == ("credit_note", first.pk, 4)
    assert (new.kind, new.revision, new.sequence) == ("invoice", 2, 5)
    assert credit.total_incl_tax == -first.total_incl_tax
    assert credit.data["corrects"]["number"] == first.number
    # The order keeps the prices charged; its totals are the new invoice's.
    order.refresh_from_db()
    carrots.refresh_from_db()
    assert carrots.quantity == 1
    assert carrots.line_price_incl_tax == carrots.unit_price_incl_tax
    assert order.total_incl_tax == new.total_incl_tax
    assert order.total_excl_tax == new.total_excl_tax
    assert new.total_incl_tax == first.total_incl_tax - carrots.unit_price_incl_tax
    assert order.fees_breakdown and order.surcharges.count() == 1
    assert order.lines.count() == 2 and other.pk in set(order.lines.values_list("pk", flat=True))
    assert invoicing.current_invoice(order) == new
    # Stock is not given back: what was short never reached the hub.
    assert list(StockRecord.objects.order_by("pk").values_list(
        "num_in_stock", flat=True)) == stock
    # Audit trail.
    note = OrderNote.objects.filter(order=order, note_type="audit").latest("pk")
    assert "manager@example.org (hub)" in note.message
    assert f"{carrots.title}: 2 → 1" in note.message and credit.number in note.message

    # Both rendered and e-mailed once, after commit.
    credit.refresh_from_db()
    new.refresh_from_db()
    assert credit.pdf_rendered_at and new.pdf_rendered_at
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2
    assert any(credit.number in s for s in subjects) and any(new.number in s for s in subjects)
    assert all(m.to == ["alice@example.org"] and m.attachments for m in mail.outbox)
    text = pdf_text(credit)
    assert f"Credit note {credit.number}" in text
    assert f"This credit note cancels invoice {first.number}" in text
    assert "-" + str(first.total_incl_tax) in text
    assert f"Invoice {new.number}" in pdf_text(new)
    # A rerun of the task sends nothing twice.
    assert tasks.send_invoice_documents([credit.pk, new.pk]) == 0
    assert len(mail.outbox) == 2


def test_removing_every_line_leaves_only_a_credit_note(processed_cycle, manager):
    order = processed_cycle.orders.bob
    first = Invoice.objects.get(order=order)
    credit, new = invoicing.order_correct(
        order=order, lines=[LineRequest(line.offer_id, 0) for line in order.lines.all()],
        user=manager)
    assert new is None
    assert credit.total_incl_tax == -first.total_incl_tax
    order.refresh_from_db()
    assert order.lines.count() == 0 and order.surcharges.count() == 0
    assert order.fees_breakdown == []
    assert order.total_incl_tax == Decimal("0.00")
    assert invoicing.current_invoice(order) is None
    with pytest.raises(ValidationError, match="no invoice in force"):
        invoicing.order_correct(order=order, lines=[], user=manager)


def test_a_second_correction_cancels_the_corrected_invoice(processed_cycle, manager):
    order = processed_cycle.orders.carol  # 4 of one product
    line = order.lines.get()
    _, second = invoicing.order_correct(order=order, lines=[LineRequest(line.offer_id, 3)],
                                        user=manager)
    credit, third = invoicing.order_correct(
        order=order, lines=[LineRequest(line.offer_id, 2)], user=manager)
    assert credit.corrects == second and third.revision == 3
    assert sequences(processed_cycle.shop.hub) == list(range(1, 8))
    order.refresh_from_db()
    assert order.total_incl_tax == third.total_incl_tax
    assert third.is_business and second.is_business


@pytest.mark.parametrize(("quantity", "message"), [
    (5, "can only be lowered"),
    (-1, "cannot be negative"),
    ("1", "whole numbers"),
    (True, "whole numbers"),
    (2, "Nothing to correct"),
])
def test_the_service_refuses_what_is_not_a_lower_quantity(processed_cycle, manager, quantity,
                                                         message):
    order = processed_cycle.orders.alice
    line = line_of(order)  # 2 ordered
    with pytest.raises(ValidationError, match=message):
        invoicing.order_correct(order=order, lines=[LineRequest(line.offer_id, quantity)],
                                user=manager)
    assert Invoice.objects.filter(order=order).count() == 1


def test_the_service_refuses_other_lines_open_orders_and_other_hubs(
        processed_cycle, manager, cycle_orders):
    order = processed_cycle.orders.alice
    bobs_only = next(ln for ln in processed_cycle.orders.bob.lines.all()
                     if ln.offer_id not in {x.offer_id for x in order.lines.all()})
    with pytest.raises(ValidationError, match="no such line"):
        invoicing.order_correct(order=order, lines=[LineRequest(bobs_only.offer_id, 1)],
                                user=manager)
    line = line_of(order)
    with pytest.raises(ValidationError, match="only once"):
        invoicing.order_correct(order=order, lines=[LineRequest(line.offer_id, 1),
                                                    LineRequest(line.offer_id, 0)], user=manager)
    stranger = UserFactory(email="other@example.org")
    hub_manager_add(hub=HubFactory(), user=stranger)
    with pytest.raises(PermissionDenied):
        invoicing.order_correct(order=order, lines=[LineRequest(line.offer_id, 1)],
                                user=stranger)
    assert Invoice.objects.filter(order=order).count() == 1


def test_an_order_not_yet_processed_is_amended_not_corrected(cycle_orders, manager):
    order = cycle_orders.alice
    with pytest.raises(ValidationError, match="Only a processed order"):
        invoicing.order_correct(order=order, lines=[LineRequest(line_of(order).offer_id, 1)],
                                user=manager)


# --- the manager's order page ----------------------------------------------------------------


def test_the_order_page_lists_invoices_and_corrects(client, processed_cycle, manager,
                                                   django_capture_on_commit_callbacks):
    cycle, order = processed_cycle.cycle, processed_cycle.orders.alice
    first = Invoice.objects.get(order=order)
    client.force_login(manager)
    client.get(order_url(cycle, order))
    with CaptureQueriesContext(connection) as one_invoice:
        page = client.get(order_url(cycle, order))
    html = page.content.decode()
    assert 'id="order-invoices"' in html and first.number in html
    download = f"{order_url(cycle, order)}invoices/{first.pk}/"
    assert f'href="{download}"' in html
    assert 'id="correct-form"' in html and 'id="order-read-only"' not in html

    line = line_of(order)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{order_url(cycle, order)}correct/",
                               {f"correct-{ln.pk}": (1 if ln.pk == line.pk else ln.quantity)
                                for ln in order.lines.all()}, follow=True)
    html = response.content.decode()
    credit, new = Invoice.objects.filter(order=order).order_by("sequence")[1:]
    assert f"credit note {credit.number} and invoice {new.number} issued" in html
    assert html.count("Cancelled by a credit note") == 1
    assert f"Cancels {first.number}" in html and "In force" in html
    # The order page costs the same queries with three invoices as with one.
    with CaptureQueriesContext(connection) as three_invoices:
        client.get(order_url(cycle, order))
    assert len(three_invoices) == len(one_invoice)

    pdf = client.get(f"{order_url(cycle, order)}invoices/{credit.pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f'filename="{credit.number}.pdf"' in pdf["Content-Disposition"]
    assert pdf["Cache-Control"] == "private, no-store"
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF")


def test_a_download_is_rendered_when_the_task_has_not_run(client, cycle_orders, manager):
    invoice = invoicing.invoice_issue(order_id=cycle_orders.bob.pk)
    assert not invoice.pdf_rendered_at
    client.force_login(manager)
    response = client.get(f"{order_url(cycle_orders.bob.cycle, cycle_orders.bob)}invoices/"
                          f"{invoice.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.pdf_rendered_at


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "Enter a whole number."),
    ("-1", "A quantity cannot be negative."),
    ("99999999999999999999", "can only be lowered after the close (at most 2)"),
    ("3", "can only be lowered after the close (at most 2)"),
    ("1e999999", "Enter a whole number."),
    ("<script>alert(1)</script>", "Enter a whole number."),
    ("NaN", "Enter a whole number."),
    ("\x00", "Enter a whole number."),
    ("", "Nothing to correct: lower at least one quantity."),
])
def test_bad_quantities_are_form_errors(client, processed_cycle, manager, value, message):
    cycle, order = processed_cycle.cycle, processed_cycle.orders.alice
    client.force_login(manager)
    line = line_of(order)
    data = {f"correct-{ln.pk}": ln.quantity for ln in order.lines.all()}
    data[f"correct-{line.pk}"] = value
    response = client.post(f"{order_url(cycle, order)}correct/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert Invoice.objects.filter(order=order).count() == 1
    assert order.lines.get(pk=line.pk).quantity == line.quantity


def test_nothing_changed_or_unknown_lines_change_nothing(client, processed_cycle, manager):
    cycle, order = processed_cycle.cycle, processed_cycle.orders.alice
    client.force_login(manager)
    bobs = processed_cycle.orders.bob.lines.first()
    data = {f"correct-{ln.pk}": ln.quantity for ln in order.lines.all()}
    data[f"correct-{bobs.pk}"] = 0  # another order's line: not a field of this form
    response = client.post(f"{order_url(cycle, order)}correct/", data)
    assert response.status_code == 200
    assert "Nothing to correct: lower at least one quantity." in response.content.decode()
    assert Invoice.objects.filter(cycle=cycle).count() == 3
    assert processed_cycle.orders.bob.lines.filter(pk=bobs.pk).exists()


def test_correcting_an_open_order_is_refused_on_the_page(client, cycle_orders, manager):
    order = cycle_orders.alice
    client.force_login(manager)
    page = client.get(order_url(order.cycle, order)).content.decode()
    assert 'id="correct-form"' not in page
    line = line_of(order)
    response = client.post(f"{order_url(order.cycle, order)}correct/",
                           {f"correct-{line.pk}": 1})
    assert response.status_code == 200
    assert "Only a processed order can be corrected" in response.content.decode()
    assert line_of(order).quantity == line.quantity


def test_other_hubs_and_shoppers_get_404s(client, processed_cycle):
    cycle, order = processed_cycle.cycle, processed_cycle.orders.alice
    invoice = Invoice.objects.get(order=order)
    line = line_of(order)
    other = UserFactory(email="other-manager@example.org")
    hub_manager_add(hub=HubFactory(), user=other)
    urls = [order_url(cycle, order), f"{order_url(cycle, order)}invoices/{invoice.pk}/"]
    for user in (other, processed_cycle.orders.users.alice):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404
        assert client.post(f"{order_url(cycle, order)}correct/",
                           {f"correct-{line.pk}": 0}).status_code == 404
    assert Invoice.objects.filter(order=order).count() == 1
    assert line_of(order).quantity == line.quantity
    client.logout()
    assert client.get(urls[1]).status_code == 302  # to the login page


def test_an_invoice_of_another_order_is_not_downloaded_through_this_one(
        client, processed_cycle, manager):
    cycle, alice = processed_cycle.cycle, processed_cycle.orders.alice
    bobs = Invoice.objects.get(order=processed_cycle.orders.bob)
    client.force_login(manager)
    assert client.get(f"{order_url(cycle, alice)}invoices/{bobs.pk}/").status_code == 404
    assert client.get(f"{order_url(cycle, alice)}invoices/999999/").status_code == 404
