"""The order-cycle admin pages: editor, offers, fees, windows, actions, preview, tenancy."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hubs.cycle_services import cycle_create, cycle_offers_add
from hubs.models import CycleFee, OrderCycle, PickupPoint
from hubs.selectors import hub_cycles_list
from hubs.services import hub_manager_add
from producers.catalogue_services import catalogue_upsert
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import UserFactory
from tests.producers.test_dashboard import rows_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, hub):
    user = UserFactory(email="manager@example.com")
    hub_manager_add(hub=hub, user=user)
    client.force_login(user)
    return user


def url(cycle, suffix=""):
    return f"/hub/{cycle.hub.slug}/cycles/{cycle.id}/{suffix}"


def test_hub_page_lists_cycles_with_status(client, manager, open_cycle):
    html = client.get("/hub/marche/").content.decode()
    assert "This week" in html and "Open" in html


def test_create_cycle_in_the_hubs_time_zone(client, manager, hub):
    hub.time_zone = "Europe/Dublin"
    hub.save()
    response = client.post("/hub/marche/cycles/new/", {
        "name": "Winter market", "opens_at": "2026-12-14T09:00",
        "closes_at": "2026-12-17T20:00", "markup_percent": "10",
    })
    assert response.status_code == 302
    cycle = OrderCycle.objects.get(name="Winter market")
    assert cycle.opens_at == dt.datetime(2026, 12, 14, 9, tzinfo=ZoneInfo("Europe/Dublin"))
    assert cycle.status == "draft"


def test_create_cycle_closing_before_opening_shows_the_error(client, manager):
    response = client.post("/hub/marche/cycles/new/", {
        "name": "Backwards", "opens_at": "2026-12-17T09:00",
        "closes_at": "2026-12-14T20:00", "markup_percent": "10",
    })
    assert response.status_code == 200
    assert "The cycle must close after it opens." in response.content.decode()
    assert not OrderCycle.objects.exists()


def test_editor_shows_prices_and_a_fee_changes_them(client, manager, cycle_with_offers):
    cycle, offers = cycle_with_offers
    html = client.get(url(cycle)).content.decode()
    assert "€2.79" in html  # 2.40 + 0.24 markup + 0.15 VAT
    client.post(url(cycle, "fees/"), {
        "fee-name": "Packing", "fee-kind": CycleFee.Kind.PER_ITEM_FLAT, "fee-amount": "0.50",
        "fee-vat_rate": "20",
    })
    html = client.get(url(cycle)).content.decode()
    assert "€3.39" in html  # + 0.50 + 0.10 VAT


def test_preview_changes_prices_without_saving(client, manager, cycle_with_offers):
    cycle, offers = cycle_with_offers
    response = client.get(url(cycle, "preview/"), {"markup_percent": "50",
                                                 "offers": str(offers[0].id)})
    assert response.json()[str(offers[0].id)]["total_incl_tax"] == "3.80"
    cycle.refresh_from_db()
    assert cycle.markup_percent == Decimal("10")
    bad = client.get(url(cycle, "preview/"), {"markup_percent": "-1"})
    assert bad.status_code == 400


def test_offers_page_saves_caps_and_refuses_negatives(client, manager, cycle_with_offers):
    cycle, offers = cycle_with_offers
    data = {"offers-TOTAL_FORMS": 2, "offers-INITIAL_FORMS": 2,
            "offers-0-offer_id": offers[0].id, "offers-0-cap": "12",
            "offers-1-offer_id": offers[1].id, "offers-1-cap": "-3"}
    client.post(url(cycle, "offers/"), data)
    offers[0].refresh_from_db()
    assert offers[0].cap is None  # nothing saved
    data["offers-1-cap"] = ""
    data["offers-1-remove"] = "on"
    client.post(url(cycle, "offers/"), data)
    offers[0].refresh_from_db()
    assert offers[0].cap == 12 and cycle.offers.count() == 2


def test_clone_close_and_reopen_from_the_editor(client, manager, open_cycle):
    # A week later, whatever today is (a fixed date would expire and be refused as past).
    later = timezone.localtime(open_cycle.opens_at + dt.timedelta(days=7),
                               ZoneInfo(open_cycle.hub.time_zone))
    response = client.post(url(open_cycle, "clone/do/"),
                           {"clone-opens_at": later.strftime("%Y-%m-%dT%H:%M")})
    clone = OrderCycle.objects.exclude(pk=open_cycle.pk).get()
    assert response["Location"].endswith(f"/cycles/{clone.id}/")
    client.post(url(open_cycle, "close/do/"))
    open_cycle.refresh_from_db()
    assert open_cycle.status == "closed"
    zone = ZoneInfo(open_cycle.hub.time_zone)
    again = timezone.localtime(timezone.now(), zone) + dt.timedelta(days=2)
    client.post(url(open_cycle, "reopen/do/"),
                {"reopen-closes_at": again.strftime("%Y-%m-%dT%H:%M")})
    open_cycle.refresh_from_db()
    assert open_cycle.status == "open"


def test_overlapping_window_shows_an_error(client, manager, open_cycle):
    point = PickupPoint.objects.create(hub=open_cycle.hub, name="Hall", address="1 rue")
    window = {"window-pickup_point": point.id, "window-date": "2026-12-10",
              "window-start_time": "17:00", "window-end_time": "19:00"}
    client.post(url(open_cycle, "windows/"), window)
    response = client.post(url(open_cycle, "windows/"), {**window, "window-start_time": "18:00",
                                                        "window-end_time": "20:00"},
                           follow=True)
    assert "overlaps" in response.content.decode()
    assert open_cycle.windows.count() == 1


def test_editor_query_count_does_not_grow_with_offers(client, manager, cycle_with_offers,
                                                      supplier):
    cycle, _offers = cycle_with_offers
    client.get(url(cycle))
    with CaptureQueriesContext(connection) as few:
        client.get(url(cycle))
    catalogue_upsert(rows=rows_for(supplier, 60, start=10), producers={supplier.id: supplier})
    cycle_offers_add(cycle=cycle, producer=supplier)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url(cycle)).content.decode()
    assert html.count("data-offer=") == 63
    assert len(many) == len(few)


@pytest.mark.parametrize("suffix", ["", "fees/", "windows/", "offers/", "preview/",
                                    "close/do/", "clone/do/", "producers/"])
def test_other_hubs_and_other_roles_get_404(client, hub, open_cycle, suffix, supplier):
    other_manager = UserFactory(email="other@example.com")
    hub_manager_add(hub=HubFactory(), user=other_manager)
    farmer = UserFactory(email="farmer@example.com")
    producer_member_add(producer=supplier, user=farmer)
    shopper = UserFactory(email="shopper@example.com")
    for user in (other_manager, farmer, shopper):
        client.force_login(user)
        method = client.get if suffix in ("", "preview/") else client.post
        assert method(url(open_cycle, suffix)).status_code == 404
    open_cycle.refresh_from_db()
    assert open_cycle.status == "open" and not open_cycle.fees.exists()


def test_another_hubs_cycle_through_my_hub_url_is_404(client, manager, hub):
    other = HubFactory()
    now = dt.datetime.now(dt.UTC)
    theirs = cycle_create(hub=other, name="Theirs", opens_at=now,
                          closes_at=now + dt.timedelta(days=1))
    assert client.get(f"/hub/marche/cycles/{theirs.id}/").status_code == 404


def test_cycle_editor_speaks_french(client, manager, cycle_with_offers):
    cycle, _offers = cycle_with_offers
    html = client.get(url(cycle), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Produits et prix clients" in html and "Copier ce cycle" in html


# --- the cycles list: counts in subqueries, 20 a page, constant queries ----------------------


def second_supplier(hub, n):
    from hubs.services import hub_supplier_link
    from tests.producers.factories import ProducerFactory

    producer = ProducerFactory(name="Ferme B", slug="ferme-b")
    catalogue_upsert(rows=rows_for(producer, n, start=100), producers={producer.id: producer})
    hub_supplier_link(hub=hub, producer=producer)
    return producer


def add_cycles(hub, producers, n, *, start=0):
    first = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for i in range(start, start + n):
        cycle = cycle_create(hub=hub, name=f"Week {i:02d}",
                             opens_at=first + dt.timedelta(weeks=i),
                             closes_at=first + dt.timedelta(weeks=i, days=3))
        for producer in producers:
            cycle_offers_add(cycle=cycle, producer=producer)


def cycle_row(html, name):
    row = html[html.index(f">{name}</a>"):]
    return row[:row.index("</tr>")]


def test_cycles_list_counts_producers_and_products_without_multiplying(client, manager, hub,
                                                                       supplier):
    add_cycles(hub, [supplier, second_supplier(hub, 4)], 1)
    row = cycle_row(client.get("/hub/marche/").content.decode(), "Week 00")
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[4:8]]
    assert cells == ["2", "7", "0", "€0.00"]  # producers, products (3 + 4), orders, revenue
    # Counted in subqueries: joining offers and producers would count offers x producers rows.
    assert "JOIN" not in str(hub_cycles_list(hub=hub).query).upper()


def test_cycles_list_is_paginated_20_a_page_newest_first(client, manager, hub, supplier):
    add_cycles(hub, [supplier], 23)
    first = client.get("/hub/marche/").content.decode()
    assert first.count('<tr>\n        <td><a href="/hub/marche/cycles/') == 20
    assert "Week 22" in first and "Week 03" in first and "Week 02<" not in first
    assert 'href="?page=2"' in first and 'aria-current="page"' in first
    second = client.get("/hub/marche/?page=2").content.decode()
    assert "Week 02<" in second and "Week 00<" in second and "Week 03<" not in second
    assert 'rel="prev" href="?page=1"' in second
    # A page number out of range shows the last page rather than an error.
    assert "Week 00<" in client.get("/hub/marche/?page=99").content.decode()


def test_cycles_list_queries_do_not_grow_with_the_hubs_history(client, manager, hub, supplier):
    from orders.services import order_link_cycle
    from tests.orders.factories import order_line_for

    def add_orders(cycles, count):
        for cycle in cycles:
            for _ in range(count):
                line = order_line_for(cycle.offers.first().stockrecord.product, quantity=2)
                order_link_cycle(order=line.order, cycle=cycle)

    add_cycles(hub, [supplier, second_supplier(hub, 2)], 3)
    add_orders(OrderCycle.objects.all(), 1)
    client.get("/hub/marche/")
    with CaptureQueriesContext(connection) as three:
        client.get("/hub/marche/")
    # Ten times the cycles, and more orders in each of the newer ones (the first page).
    add_cycles(hub, [supplier], 27, start=3)
    add_orders(OrderCycle.objects.filter(name__gte="Week 03"), 3)
    with CaptureQueriesContext(connection) as thirty:
        html = client.get("/hub/marche/").content.decode()
    with CaptureQueriesContext(connection) as second_page:
        client.get("/hub/marche/?page=2")
    assert html.count('<tr>\n        <td><a href="/hub/marche/cycles/') == 20
    assert len(three) == len(thirty) == len(second_page)
    assert ">1</td>" in cycle_row(client.get("/hub/marche/?page=2").content.decode(), "Week 00")
    # Figures stay right: 3 orders of 2 x 2.40 each, counted once per order (not per offer).
    cells = [cell.split(">")[-1] for cell in cycle_row(html, "Week 29").split("</td>")[4:8]]
    assert cells == ["1", "3", "3", "€14.40"]


def test_cycles_list_without_an_order_figures_provider_shows_dashes(client, manager, hub,
                                                                    supplier, monkeypatch):
    from hubs import selectors

    add_cycles(hub, [supplier], 1)
    monkeypatch.setattr(selectors, "_cycle_figures_provider", [])
    row = cycle_row(client.get("/hub/marche/").content.decode(), "Week 00")
    assert row.count("—") == 2
