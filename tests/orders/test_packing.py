"""Packing lists of a closed cycle for its hub's managers: by customer (one block per order,
tickable), by producer (what to unload), by product (who gets how many); as pages and as
PDFs; a constant number of queries; nothing before the close; other people get 404s."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from pypdf import PdfReader

from hubs.cycle_services import cycle_create
from hubs.services import hub_manager_add
from orders import packing, services
from tests.hubs.factories import HubFactory
from tests.orders.conftest import place_order
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()


@pytest.fixture
def manager(legal_hub):
    return User.objects.get(email="manager@example.org")


@pytest.fixture
def packed(shop, cycle_orders, request):
    """The processed cycle, with Dan's order cancelled before the close (left out)."""
    dan = UserFactory(email="dan@example.org", first_name="Dan", last_name="Roux")
    order = place_order(shop, dan, [(shop.offers[0], 5)], customer_name="Dan Roux")
    services.order_cancel(order=order, user=dan, notify=False)
    result = request.getfixturevalue("processed_cycle")
    result.cancelled = order
    return result


def url(packed, by="", fmt=""):
    base = f"/hub/{packed.shop.hub.slug}/cycles/{packed.cycle.pk}/packing/"
    query = "&".join(f"{k}={v}" for k, v in (("by", by), ("format", fmt)) if v)
    return f"{base}?{query}" if query else base


def titles(shop):
    return [offer.stockrecord.product.get_title() for offer in shop.offers]


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def blocks(html: str) -> dict[str, str]:
    """Each order's packing block, by order number."""
    found = {}
    for part in html.split('data-order="')[1:]:
        number, rest = part.split('"', 1)
        found[number] = rest.split("</section>", 1)[0]
    return found


def test_by_customer_one_block_per_order_with_where_who_and_what(client, packed, manager):
    client.force_login(manager)
    response = client.get(url(packed))
    assert response.status_code == 200
    html = response.content.decode()
    orders = packed.orders
    found = blocks(html)
    assert set(found) == {orders.alice.number, orders.bob.number, orders.carol.number}
    assert packed.cancelled.number not in html and "Dan Roux" not in html
    a, b, c = titles(packed.shop)
    alice = found[orders.alice.number]
    assert "Alice Martin" in alice and "La Halle" in alice and "0611223344" in alice
    assert "17:00–19:00" in alice
    assert re.search(rf"<strong>2</strong></td>\s*<td>{re.escape(a)}<span[^>]*>Ferme A</span>",
                     alice)
    assert "3 items in all" in alice
    assert alice.count('type="checkbox"') == 2  # a tick box per line
    bob = found[orders.bob.number]
    assert "5 rue Oberkampf" in bob and "75011" in bob and "Paris 11-12" in bob
    assert "0699887766" in bob
    assert re.search(rf"<strong>3</strong></td>\s*<td>{re.escape(b)}<span", bob)
    # Pickup orders first (by window), then deliveries; customers in name order.
    assert html.index("Alice Martin") < html.index("Carol Petit") < html.index("Bob Durand")


def test_the_customers_note_is_on_their_block(client, packed, manager):
    Order.objects.filter(pk=packed.orders.carol.pk).update(customer_note="No plastic bags")
    client.force_login(manager)
    found = blocks(client.get(url(packed)).content.decode())
    assert "No plastic bags" in found[packed.orders.carol.number]
    assert "No plastic bags" not in found[packed.orders.alice.number]


def test_by_producer_says_what_to_unload(client, packed, manager):
    client.force_login(manager)
    html = client.get(url(packed, "producer")).content.decode()
    a, b, c = titles(packed.shop)
    assert 'data-producer="Ferme A"' in html and "11 items" in html
    for title, quantity, orders in ((a, 2, 1), (b, 4, 2), (c, 5, 2)):
        assert re.search(rf"<strong>{quantity}</strong></td>\s*<td>{re.escape(title)}", html)
    rows = packing.packing_by_producer(cycle=packed.cycle)
    assert [(p.title, p.quantity, p.orders) for p in rows[0].products] == sorted(
        [(a, 2, 1), (b, 4, 2), (c, 5, 2)])


def test_by_product_splits_each_product_across_customers(client, packed, manager):
    client.force_login(manager)
    html = client.get(url(packed, "product")).content.decode()
    a, b, c = titles(packed.shop)
    rows = {block.title: block for block in packing.packing_by_product(cycle=packed.cycle)}
    assert [(s.customer, s.quantity) for s in rows[b].shares] == [
        ("Alice Martin", 1), ("Bob Durand", 3)]
    assert [(s.customer, s.quantity) for s in rows[c].shares] == [
        ("Bob Durand", 1), ("Carol Petit", 4)]
    assert rows[c].quantity == 5 and rows[c].producer == "Ferme A"
    section = html.split(f'data-product="{b}"', 1)[1].split("</section>", 1)[0]
    assert "Alice Martin" in section and "Bob Durand" in section
    assert "Carol Petit" not in section and "Delivery: Paris 11-12" in section


@pytest.mark.parametrize("by", ["customer", "producer", "product"])
def test_each_list_downloads_as_a_pdf(client, packed, manager, by):
    client.force_login(manager)
    text = pdf_text(client.get(url(packed, by, "pdf")))
    assert packed.cycle.name in text and "Ferme A" in text
    a, b, c = titles(packed.shop)
    if by == "customer":
        for order in (packed.orders.alice, packed.orders.bob, packed.orders.carol):
            assert order.number in text
        assert "Alice Martin" in text and "5 rue Oberkampf" in text and "0699887766" in text
    elif by == "producer":
        assert "11 items" in text and a in text
    else:
        assert "Bob Durand" in text and "Carol Petit" in text
    assert "Dan Roux" not in text


def test_the_page_is_printable(client, packed, manager):
    client.force_login(manager)
    html = client.get(url(packed)).content.decode()
    assert "orders/css/packing.css" in html and "orders/js/packing.js" in html
    assert "data-print" in html and 'id="packing-pdf"' in html
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("orders/css/packing.css")).read_text(encoding="utf-8")
    assert "@media print" in css


def test_lists_wait_for_the_close(client, shop, cycle_orders, manager):
    client.force_login(manager)
    for by in ("customer", "producer", "product"):
        for fmt in ("", "pdf"):
            response = client.get(url_for(shop, by, fmt))
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/html")
            html = response.content.decode()
            assert "ready once the order cycle has closed" in html
            assert "Alice Martin" not in html


def url_for(shop, by="", fmt=""):
    return url(type("P", (), {"shop": shop, "cycle": shop.cycle}), by, fmt)


def test_an_unknown_list_falls_back_to_by_customer_with_a_message(client, packed, manager):
    client.force_login(manager)
    for query in ("by=<script>alert(1)</script>", "by=x&format=docx", "format=%C2%B2"):
        response = client.get(url(packed) + "?" + query)
        assert response.status_code == 200
        html = response.content.decode()
        assert "That list was not understood" in html
        assert "Alice Martin" in html and "<script>alert(1)" not in html


def test_constant_queries_whatever_the_number_of_orders(client, shop, legal_hub,
                                                        django_capture_on_commit_callbacks,
                                                        django_assert_max_num_queries):
    """12 orders of 1 to 3 lines: as many queries as for a handful."""
    from hubs import transitions as cycle_transitions

    a, b, c = shop.offers
    StockRecord.objects.update(num_in_stock=100)
    for i in range(12):
        user = UserFactory(email=f"s{i}@example.org")
        lines = [(a, 1), (b, 1), (c, 1)][: 1 + i % 3]
        place_order(shop, user, lines, customer_name=f"Shopper {i}")
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    client.force_login(User.objects.get(email="manager@example.org"))
    client.get(url_for(shop))  # the first visit creates the manager's basket
    for by in ("customer", "producer", "product"):
        with django_assert_max_num_queries(16):
            response = client.get(url_for(shop, by))
        assert response.status_code == 200
        assert ("Shopper 11" in response.content.decode()) == (by != "producer")
    for function, expected in ((packing.packing_by_customer, 4),
                               (packing.packing_by_producer, 1),
                               (packing.packing_by_product, 3)):
        with CaptureQueriesContext(connection) as queries:
            function(cycle=shop.cycle)
        assert len(queries) == expected, function.__name__


def test_only_the_hubs_managers_see_the_lists(client, packed, manager):
    other_hub = HubFactory(name="Autre", slug="autre")
    other = UserFactory(email="other@example.org")
    hub_manager_add(hub=other_hub, user=other)
    shopper = packed.orders.users.alice
    for user in (other, shopper):
        client.force_login(user)
        assert client.get(url(packed)).status_code == 404
        assert client.get(url(packed, "producer", "pdf")).status_code == 404
    client.logout()
    response = client.get(url(packed))
    assert response.status_code == 302 and "/login/" in response["Location"]
    # The hub's own slug with a cycle of another hub: 404.
    import datetime as dt

    from django.utils import timezone

    foreign = cycle_create(hub=other_hub, name="Theirs", opens_at=timezone.now(),
                           closes_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(manager)
    response = client.get(f"/hub/{packed.shop.hub.slug}/cycles/{foreign.pk}/packing/")
    assert response.status_code == 404
