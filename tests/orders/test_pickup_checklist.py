"""Pickup and delivery sheets of a closed cycle: one per pickup point and window (and per
delivery zone and window) with each customer, phone, items, amount due; as a PDF; and as a
phone checklist whose "Collected" and "Paid" toggles record who and when, move the order to
"collected", can be undone, and are harmless when two managers tick at once."""

import datetime as dt
import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model
from pypdf import PdfReader

from hubs.cycle_services import cycle_create
from hubs.services import hub_manager_add
from orders import packing
from orders.handover import order_handover_mark
from orders.models import OrderHandover
from tests.hubs.factories import HubFactory
from tests.orders.conftest import place_order
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()


@pytest.fixture
def manager(legal_hub):
    user = User.objects.get(email="manager@example.org")
    User.objects.filter(pk=user.pk).update(first_name="Marie", last_name="Curie")
    user.refresh_from_db()
    return user


def pickup_url(cycle, query=""):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.pk}/pickup/" + (f"?{query}" if query else "")


def mark_url(cycle):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.pk}/pickup/mark/"


def rows(html: str) -> dict[str, str]:
    found = {}
    for part in html.split('data-order="')[1:]:
        number, rest = part.split('"', 1)
        found[number] = rest.split("</tr>", 1)[0]
    return found


def test_one_sheet_per_pickup_window_and_delivery_window(client, processed_cycle, manager):
    shop, orders = processed_cycle.shop, processed_cycle.orders
    client.force_login(manager)
    html = client.get(pickup_url(shop.cycle)).content.decode()
    assert f'data-sheet="window-{shop.window.pk}"' in html
    assert f'data-sheet="window-{shop.delivery_window.pk}"' in html
    assert "La Halle" in html and "Delivery: Paris 11-12" in html
    summaries = packing.pickup_sheet_summaries(cycle=shop.cycle)
    assert [(s.key, s.orders, s.collected, s.paid) for s in summaries] == [
        (f"window-{shop.window.pk}", 2, 0, 0), (f"window-{shop.delivery_window.pk}", 1, 0, 0)]

    response = client.get(pickup_url(shop.cycle, f"sheet=window-{shop.window.pk}"))
    found = rows(response.content.decode())
    assert set(found) == {orders.alice.number, orders.carol.number}
    alice = found[orders.alice.number]
    assert "Alice Martin" in alice and "0611223344" in alice
    assert '<td class="text-right">3</td>' in alice  # 2 + 1 items
    assert f"{orders.alice.total_incl_tax}" in alice.replace(",", ".") or \
        f"{orders.alice.total_incl_tax:.2f}".replace(".", ",") in alice
    assert "Pay at pickup" in alice
    assert 'aria-pressed="false"' in alice and 'value="yes"' in alice

    found = rows(client.get(pickup_url(
        shop.cycle, f"sheet=window-{shop.delivery_window.pk}")).content.decode())
    assert set(found) == {orders.bob.number}
    assert "5 rue Oberkampf" in found[orders.bob.number]
    assert "Bank transfer" in found[orders.bob.number]


def test_all_sheets_download_as_one_pdf(client, processed_cycle, manager):
    shop, orders = processed_cycle.shop, processed_cycle.orders
    order_handover_mark(order=orders.alice, user=manager, paid=True)
    client.force_login(manager)
    response = client.get(pickup_url(shop.cycle, "sheet=all&format=pdf"))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # one page per sheet
    first, second = (page.extract_text() for page in reader.pages)
    assert "La Halle" in first and "Alice Martin" in first and "Carol Petit" in first
    assert "0611223344" in first and "Marie Curie" in first  # who ticked "paid"
    assert "0 collected, 1 paid" in first
    assert "Bob Durand" not in first
    assert "Paris 11-12" in second and "Bob Durand" in second and "0699887766" in second
    assert f"{orders.bob.total_incl_tax}".replace(".", ",") in second.replace(".", ",")

    one = client.get(pickup_url(shop.cycle, f"sheet=window-{shop.delivery_window.pk}"
                                            "&format=pdf"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(one.content)).pages)
    assert "Bob Durand" in text and "Alice Martin" not in text


def test_ticking_collected_records_who_and_when_and_the_status(client, processed_cycle,
                                                                 manager):
    shop, alice = processed_cycle.shop, processed_cycle.orders.alice
    sheet = f"window-{shop.window.pk}"
    client.force_login(manager)
    response = client.post(mark_url(shop.cycle), {"order": alice.pk, "collected": "yes",
                                                  "sheet": sheet})
    assert response.status_code == 302
    assert response["Location"] == pickup_url(shop.cycle, f"sheet={sheet}") + \
        f"#order-{alice.pk}"
    handover = OrderHandover.objects.get(order=alice)
    assert handover.collected_by == manager and handover.collected_at is not None
    assert handover.paid_at is None
    alice.refresh_from_db()
    assert alice.status == "collected"
    note = OrderNote.objects.get(order=alice, note_type="audit")
    assert "manager@example.org" in note.message and "marked collected" in note.message

    page = client.get(response["Location"])
    html = page.content.decode()
    assert f"Order {alice.number} updated." in html and "1 collected, 0 paid" in html
    row = rows(html)[alice.number]
    assert 'name="collected" value="no" aria-pressed="true"' in row
    local = timezone.localtime(handover.collected_at, shop.hub.tz)
    assert f"{local:%H:%M}" in row and "Marie Curie" in row
    assert "Collected" in row.split('data-status>', 1)[1]

    # Un-ticking is allowed, recorded, and puts the order back to processed.
    client.post(mark_url(shop.cycle), {"order": alice.pk, "collected": "no"})
    handover.refresh_from_db()
    alice.refresh_from_db()
    assert handover.collected_at is None and handover.collected_by is None
    assert alice.status == "processed"
    notes = list(OrderNote.objects.filter(order=alice, note_type="audit").order_by("pk")
                 .values_list("message", flat=True))
    assert len(notes) == 2 and "collected mark removed" in notes[1]
    assert [c.new_status for c in alice.status_changes.order_by("pk")][-2:] == [
        "collected", "processed"]


def test_the_script_gets_json_and_paid_leaves_the_status(client, processed_cycle, manager):
    bob = processed_cycle.orders.bob
    client.force_login(manager)
    response = client.post(mark_url(processed_cycle.cycle), {"order": bob.pk, "paid": "yes"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["order"] == bob.number and body["status"] == "Processed"
    assert body["paid"]["on"] is True and "Marie Curie" in body["paid"]["detail"]
    assert body["collected"] == {"on": False, "detail": ""}
    bob.refresh_from_db()
    assert bob.status == "processed" and bob.handover.paid_by == manager

    response = client.post(mark_url(processed_cycle.cycle), {"order": bob.pk,
                                                             "collected": "yes"},
                           HTTP_ACCEPT="application/json")
    assert response.json()["status"] == "Collected"
    assert response.json()["paid"]["on"] is True


def test_a_tick_twice_keeps_the_first_who_and_when(processed_cycle, manager):
    alice = processed_cycle.orders.alice
    other = UserFactory(email="second@example.org")
    hub_manager_add(hub=processed_cycle.shop.hub, user=other)
    first = timezone.now()
    order_handover_mark(order=alice, user=manager, collected=True, paid=True, now=first)
    again = order_handover_mark(order=alice, user=other, collected=True, paid=True,
                                now=first + dt.timedelta(minutes=5))
    assert again.collected_by == manager and again.collected_at == first
    assert again.paid_by == manager and again.paid_at == first
    assert OrderNote.objects.filter(order=alice, note_type="audit").count() == 1
    assert Order.objects.get(pk=alice.pk).status == "collected"


def test_nothing_is_ticked_before_the_close(client, shop, cycle_orders, manager):
    alice = cycle_orders.alice
    client.force_login(manager)
    page = client.get(pickup_url(shop.cycle)).content.decode()
    assert "ready once the order cycle has closed" in page and "Alice Martin" not in page
    response = client.post(mark_url(shop.cycle), {"order": alice.pk, "collected": "yes"},
                           follow=True)
    assert "once the order cycle has closed" in response.content.decode()
    assert not OrderHandover.objects.exists()
    assert not OrderNote.objects.filter(note_type="audit").exists()
    with pytest.raises(ValidationError):
        order_handover_mark(order=alice, user=manager, paid=True)
    json = client.post(mark_url(shop.cycle), {"order": alice.pk, "paid": "yes"},
                       HTTP_ACCEPT="application/json")
    assert json.status_code == 400 and "closed" in json.json()["errors"][0]


def test_hostile_input_is_refused_and_writes_nothing(client, processed_cycle, manager, shop):
    cycle = processed_cycle.cycle
    client.force_login(manager)
    # Another hub's order, in that hub's closed cycle: a 404 here.
    other_hub = HubFactory(name="Autre", slug="autre")
    now = timezone.now()
    foreign_cycle = cycle_create(hub=other_hub, name="Theirs", opens_at=now - dt.timedelta(2),
                                 closes_at=now + dt.timedelta(1))
    foreign = Order.objects.create(number="900001", currency="EUR", cycle=foreign_cycle,
                                   total_incl_tax=1, total_excl_tax=1, status="processed")
    # Another cycle of the same hub.
    next_cycle = cycle_create(hub=shop.hub, name="Next", opens_at=now + dt.timedelta(5),
                              closes_at=now + dt.timedelta(7))
    sibling = Order.objects.create(number="900002", currency="EUR", cycle=next_cycle,
                                   total_incl_tax=1, total_excl_tax=1, status="processed")
    for order in (foreign, sibling):
        response = client.post(mark_url(cycle), {"order": order.pk, "collected": "yes"})
        assert response.status_code == 404
    cancelled = processed_cycle.orders.carol
    Order.objects.filter(pk=cancelled.pk).update(status="cancelled")
    assert client.post(mark_url(cycle), {"order": cancelled.pk, "paid": "yes"}
                       ).status_code == 404
    alice = processed_cycle.orders.alice
    for data in ({"order": "abc", "paid": "yes"}, {"order": "99999999999999999999",
                                                   "paid": "yes"},
                 {"order": alice.pk}, {"order": alice.pk, "collected": "maybe"},
                 {"order": alice.pk, "paid": "yes", "sheet": "<script>"},
                 {"order": "-1", "paid": "yes"}, {}):
        response = client.post(mark_url(cycle), data)
        assert response.status_code == 400, data
        assert 'id="pickup-errors"' in response.content.decode()
        assert client.post(mark_url(cycle), data, HTTP_ACCEPT="application/json"
                           ).status_code == 400
    assert client.get(mark_url(cycle)).status_code == 405
    assert not OrderHandover.objects.exists()
    # An unknown sheet: a message and the list of sheets.
    response = client.get(pickup_url(cycle, "sheet=window-999999&format=pdf"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "That sheet is not one of this cycle" in response.content.decode()
    # The forms need the CSRF token.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(mark_url(cycle), {"order": alice.pk, "paid": "yes"}).status_code == 403
    assert not OrderHandover.objects.exists()


def test_only_the_hubs_managers_see_and_tick(client, processed_cycle):
    cycle, alice = processed_cycle.cycle, processed_cycle.orders.alice
    other = UserFactory(email="other@example.org")
    hub_manager_add(hub=HubFactory(name="Autre", slug="autre"), user=other)
    for user in (other, processed_cycle.orders.users.alice):
        client.force_login(user)
        assert client.get(pickup_url(cycle)).status_code == 404
        assert client.post(mark_url(cycle), {"order": alice.pk, "paid": "yes"}
                           ).status_code == 404
    client.logout()
    response = client.post(mark_url(cycle), {"order": alice.pk, "paid": "yes"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not OrderHandover.objects.exists()


def test_constant_queries_on_the_sheet(client, shop, legal_hub, manager,
                                       django_capture_on_commit_callbacks,
                                       django_assert_max_num_queries):
    from hubs import transitions as cycle_transitions

    StockRecord.objects.update(num_in_stock=100)
    for i in range(12):
        place_order(shop, UserFactory(email=f"s{i}@example.org"),
                    [(shop.offers[i % 3], 1 + i % 2)], customer_name=f"Shopper {i}",
                    phone=f"06000000{i:02d}")
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    for order in Order.objects.filter(cycle=shop.cycle)[:5]:
        order_handover_mark(order=order, user=manager, collected=True, paid=True)
    client.force_login(manager)
    client.get(pickup_url(shop.cycle))  # the first visit creates the manager's basket
    for query in ("", f"sheet=window-{shop.window.pk}", "sheet=all"):
        with django_assert_max_num_queries(20):
            response = client.get(pickup_url(shop.cycle, query))
        assert response.status_code == 200
    assert response.content.decode().count('aria-pressed="true"') == 10
    with CaptureQueriesContext(connection) as queries:
        packing.pickup_sheets(cycle=shop.cycle)
    assert len(queries) == 3
    with CaptureQueriesContext(connection) as queries:
        packing.pickup_sheet_summaries(cycle=shop.cycle)
    assert len(queries) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_managers_ticking_at_once_is_harmless(processed_cycle, manager):
    """Two managers, each on their own connection, tick "collected" (and "paid") for the same
    order at the same moment: one tick wins, no error, one note, one status change."""
    alice = processed_cycle.orders.alice
    second = UserFactory(email="second@example.org")
    hub_manager_add(hub=processed_cycle.shop.hub, user=second)
    barrier = threading.Barrier(2)
    outcome = []

    def tick(user):
        try:
            barrier.wait()
            order_handover_mark(order=alice, user=user, collected=True, paid=True)
            outcome.append("ok")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick, args=(u,)) for u in (manager, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcome == ["ok", "ok"]
    handover = OrderHandover.objects.get(order=alice)
    assert handover.collected_by in (manager, second)
    assert handover.paid_by == handover.collected_by
    assert OrderNote.objects.filter(order=alice, note_type="audit").count() == 1
    alice.refresh_from_db()
    assert alice.status == "collected"
    assert alice.status_changes.filter(new_status="collected").count() == 1
