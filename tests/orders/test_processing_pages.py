"""What hub managers and producers see of a cycle's processing: the panel on the cycle page
and the JSON it polls, the processing page (progress, invoices 50 a page, purchase orders,
downloads), the producer's purchase orders; tenancy (404 for everyone else)."""

from __future__ import annotations

import io
import json

import pytest
from django.core import mail
from pypdf import PdfReader

from hubs import transitions as cycle_transitions
from hubs.services import hub_manager_add
from orders import processing_views
from orders.models import Invoice, PurchaseOrder
from tests.hubs.factories import HubFactory
from tests.orders.conftest import place_order
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(cycle, rest=""):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.pk}/{rest}"


@pytest.fixture
def manager(client, legal_hub):
    client.force_login(legal_hub.managers.get())
    return client


@pytest.fixture
def stranger(client):
    """A manager of another hub."""
    user = UserFactory(email="other-manager@example.org")
    hub_manager_add(hub=HubFactory(name="Other", slug="other"), user=user)
    client.force_login(user)
    return client


def test_the_cycle_page_shows_a_processing_panel_once_closed(manager, shop, cycle_orders,
                                                             django_capture_on_commit_callbacks):
    page = manager.get(_url(shop.cycle)).content.decode()
    assert 'id="processing-panel"' not in page  # open: nothing to process yet
    with django_capture_on_commit_callbacks(execute=False):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    page = manager.get(_url(shop.cycle)).content.decode()
    assert f'data-status-url="{_url(shop.cycle, "processing/status/")}"' in page
    assert '<progress id="processing-bar"' in page
    assert f'href="{_url(shop.cycle, "processing/")}"' in page  # works without JavaScript
    assert "orders/js/processing-progress.js" in page


def test_the_status_json_follows_processing(manager, shop, cycle_orders,
                                            django_capture_on_commit_callbacks,
                                            django_assert_max_num_queries):
    url = _url(shop.cycle, "processing/status/")
    assert manager.get(url).json()["state"] == "not_started"
    with django_capture_on_commit_callbacks(execute=False) as pending:
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    body = manager.get(url).json()
    assert (body["state"], body["active"], body["state_label"]) == ("pending", True,
                                                                    "Waiting to start")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in pending:
            callback()
    with django_assert_max_num_queries(8):
        response = manager.get(url)
    assert response["Cache-Control"] == "private, no-store"
    assert response.json() == {"state": "done", "state_label": "Done", "done": 4, "total": 4,
                               "percent": 100, "message": "", "active": False}
    page = manager.get(_url(shop.cycle)).content.decode()
    assert 'max="100" value="100"' in page


def test_the_processing_page_lists_invoices_and_purchase_orders(manager, processed_cycle):
    cycle = processed_cycle.cycle
    page = manager.get(_url(cycle, "processing/")).content.decode()
    assert 'id="processing-retry"' not in page
    assert '<ul id="cycle-documents">' in page
    for invoice in Invoice.objects.filter(cycle=cycle):
        assert f'data-invoice="{invoice.number}"' in page
        assert _url(cycle, f"invoices/{invoice.pk}/pdf/") in page
        assert invoice.customer_name in page
    po = PurchaseOrder.objects.get(cycle=cycle)
    assert po.number in page and "Ferme A" in page and "E-mailed" in page
    assert _url(cycle, f"purchase-orders/{po.pk}/pdf/") in page
    assert _url(cycle, f"purchase-orders/{po.pk}/csv/") in page


def test_invoices_are_paginated_in_a_constant_number_of_queries(
        manager, shop, cycle_orders, monkeypatch, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    extra = UserFactory(email="dave@example.org")
    for _ in range(3):
        place_order(shop, extra, [(shop.offers[0], 1)])
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    monkeypatch.setattr(processing_views, "INVOICES_PER_PAGE", 2)
    url = _url(shop.cycle, "processing/")
    with django_assert_max_num_queries(20) as one_page:
        first = manager.get(url).content.decode()
    numbers = list(Invoice.objects.filter(cycle=shop.cycle).order_by("sequence").values_list(
        "number", flat=True))
    assert len(numbers) == 6
    assert [n for n in numbers if f'data-invoice="{n}"' in first] == numbers[:2]
    monkeypatch.setattr(processing_views, "INVOICES_PER_PAGE", 50)
    with django_assert_max_num_queries(len(one_page.captured_queries)):
        everything = manager.get(url).content.decode()
    assert all(f'data-invoice="{n}"' in everything for n in numbers)
    monkeypatch.setattr(processing_views, "INVOICES_PER_PAGE", 2)
    last = manager.get(url + "?page=3").content.decode()
    assert [n for n in numbers if f'data-invoice="{n}"' in last] == numbers[4:]
    assert 'id="invoice-pages"' in last
    assert manager.get(url + "?page=oops").status_code == 200


def test_managers_download_invoices_and_purchase_orders(manager, processed_cycle):
    cycle = processed_cycle.cycle
    invoice = Invoice.objects.filter(cycle=cycle).first()
    response = manager.get(_url(cycle, f"invoices/{invoice.pk}/pdf/"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert invoice.number in text
    po = PurchaseOrder.objects.get(cycle=cycle)
    pdf = manager.get(_url(cycle, f"purchase-orders/{po.pk}/pdf/"))
    assert pdf["Content-Type"] == "application/pdf"
    csv = manager.get(_url(cycle, f"purchase-orders/{po.pk}/csv/"))
    assert csv["Content-Type"].startswith("text/csv")
    assert b"".join(csv.streaming_content).startswith(b"product,variant,unit")
    assert manager.get(_url(cycle, f"purchase-orders/{po.pk}/xlsx/")).status_code == 404
    assert manager.get(_url(cycle, "invoices/999999/pdf/")).status_code == 404


def test_other_hubs_and_anonymous_visitors_get_404s(client, processed_cycle, stranger):
    cycle = processed_cycle.cycle
    invoice = Invoice.objects.filter(cycle=cycle).first()
    po = PurchaseOrder.objects.get(cycle=cycle)
    urls = [_url(cycle, "processing/"), _url(cycle, "processing/status/"),
            _url(cycle, f"invoices/{invoice.pk}/pdf/"),
            _url(cycle, f"purchase-orders/{po.pk}/pdf/")]
    for url in urls:
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(_url(cycle, "processing/retry/")).status_code == 404
    client.logout()
    for url in urls[2:]:
        assert client.get(url).status_code == 404, url  # no login page for private files


def test_a_document_of_another_cycle_is_not_served_through_this_one(manager, processed_cycle,
                                                                     shop):
    from hubs.cycle_services import cycle_create

    other = cycle_create(hub=shop.hub, name="Other", opens_at=shop.cycle.opens_at,
                         closes_at=shop.cycle.closes_at)
    invoice = Invoice.objects.filter(cycle=processed_cycle.cycle).first()
    po = PurchaseOrder.objects.get(cycle=processed_cycle.cycle)
    assert manager.get(_url(other, f"invoices/{invoice.pk}/pdf/")).status_code == 404
    assert manager.get(_url(other, f"purchase-orders/{po.pk}/pdf/")).status_code == 404


def test_retry_of_a_finished_processing_says_there_is_nothing_to_do(manager, processed_cycle):
    mails = len(mail.outbox)
    response = manager.post(_url(processed_cycle.cycle, "processing/retry/"), follow=True)
    assert "nothing to retry" in response.content.decode()
    assert len(mail.outbox) == mails
    assert manager.get(_url(processed_cycle.cycle, "processing/retry/")).status_code == 405


# --- producers ---------------------------------------------------------------------------------


@pytest.fixture
def two_processed(shop, two_suppliers, django_capture_on_commit_callbacks):
    a1 = shop.offers[0]
    b1 = two_suppliers.offers_b[0]
    place_order(shop, UserFactory(email="alice@example.org"), [(a1, 2), (b1, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    return two_suppliers


def test_producers_see_and_download_only_their_own_purchase_orders(
        client, two_processed, django_assert_max_num_queries):
    mine = PurchaseOrder.objects.get(producer=two_processed.producer_a)
    theirs = PurchaseOrder.objects.get(producer=two_processed.producer_b)
    client.force_login(two_processed.member_a)
    base = f"/producer/{two_processed.producer_a.slug}/purchase-orders/"
    with django_assert_max_num_queries(20):  # the shared layout's included
        page = client.get(base).content.decode()
    assert mine.number in page and theirs.number not in page
    assert "Quai de la Halle" in page
    assert f"{base}{mine.pk}/pdf/" in page and f"{base}{mine.pk}/csv/" in page
    assert client.get(f"{base}{mine.pk}/pdf/").status_code == 200
    csv = client.get(f"{base}{mine.pk}/csv/")
    assert b"Carrots" in b"".join(csv.streaming_content)
    assert client.get(f"{base}{theirs.pk}/pdf/").status_code == 404
    other_base = f"/producer/{two_processed.producer_b.slug}/purchase-orders/"
    assert client.get(other_base).status_code == 404
    assert client.get(f"{other_base}{theirs.pk}/pdf/").status_code == 404
    client.logout()
    assert client.get(f"{base}{mine.pk}/pdf/").status_code == 404


def test_the_producer_purchase_orders_page_is_empty_before_any_close(client, two_suppliers):
    client.force_login(two_suppliers.member_b)
    page = client.get(f"/producer/{two_suppliers.producer_b.slug}/purchase-orders/")
    assert 'id="no-purchase-orders"' in page.content.decode()
    assert 'aria-current="page" href="/producer/ferme-b/purchase-orders/"' in (
        page.content.decode())


def test_status_json_is_valid_json_for_every_state(manager, shop):
    body = json.loads(manager.get(_url(shop.cycle, "processing/status/")).content)
    assert set(body) == {"state", "state_label", "done", "total", "percent", "message",
                         "active"}


def test_drop_off_dates_read_as_dates_in_the_readers_language(
        client, shop, two_suppliers, django_capture_on_commit_callbacks):
    """Purchase orders keep the drop-off as ISO text: the page, the PDF and the e-mail show
    it as a date of the reader's language ("3 décembre 2026"), not "2026-12-03"."""
    from django.utils import translation
    from django.utils.formats import date_format

    from hubs.models import Hub

    Hub.objects.filter(pk=shop.hub.pk).update(language="fr")  # documents in French
    place_order(shop, UserFactory(email="alice@example.org"), [(shop.offers[0], 2)])
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    day = two_suppliers.dropoff_date
    with translation.override("fr"):
        french = date_format(day, "DATE_FORMAT")
    with translation.override("en"):
        english = date_format(day, "DATE_FORMAT")
    assert french != english and not french[0].isalpha()

    po = PurchaseOrder.objects.get(producer=two_suppliers.producer_a)
    body = next(m.body for m in mail.outbox if po.number in m.subject + m.body)
    assert french in body and day.isoformat() not in body
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(po.pdf.read())).pages)
    assert french in pdf and day.isoformat() not in pdf

    client.force_login(two_suppliers.member_a)
    base = f"/producer/{two_suppliers.producer_a.slug}/purchase-orders/"
    page = client.get(base, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert french in page and day.isoformat() not in page
    assert english in client.get(base, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_closed_cycle_pages_show_times_on_the_hubs_clock(manager, processed_cycle):
    """A New York hub's processing page, pickup sheet and its PDF: times on New York's clock,
    day first, not the server's UTC; the same in French."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from hubs.models import Hub
    from orders.models import OrderHandover

    shop, cycle = processed_cycle.shop, processed_cycle.cycle
    Hub.objects.filter(pk=shop.hub.pk).update(time_zone="America/New_York")
    new_york = ZoneInfo("America/New_York")
    invoice = Invoice.objects.filter(cycle=cycle).order_by("number").first()
    issued = invoice.issued_at.astimezone(new_york).strftime("%d/%m/%Y %H:%M")
    issued_utc = invoice.issued_at.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M")
    for language in ("en", "fr"):
        page = manager.get(_url(cycle, "processing/"), HTTP_ACCEPT_LANGUAGE=language)
        assert issued in page.content.decode() and issued_utc not in page.content.decode()

    collected = dt.datetime(2030, 1, 31, 23, 30, tzinfo=dt.UTC)  # 18:30 in New York
    OrderHandover.objects.update_or_create(order=processed_cycle.orders.alice,
                                           defaults={"collected_at": collected})
    sheet = manager.get(_url(cycle, f"pickup/?sheet=window-{shop.window.pk}"),
                        HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "31/01/2030 18:30" in sheet and "31/01/2030 23:30" not in sheet
