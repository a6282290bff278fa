"""A producer's sales per cycle and its "to prepare" list, built from factory orders."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.transitions import cycle_mark_processed
from hubs.transitions import cycles_close_due as close_due_cycles
from orders.selectors import producer_sales_by_cycle, producer_to_prepare
from orders.services import order_link_cycle
from producers.services import producer_member_add
from tests.orders.factories import order_line_for
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


def order_in(cycle, offer, quantity):
    line = order_line_for(offer.stockrecord.product, quantity=quantity)
    order_link_cycle(order=line.order, cycle=cycle)
    return line


@pytest.fixture
def farmer(client, supplier):
    user = UserFactory(email="farmer@example.com")
    producer_member_add(producer=supplier, user=user)
    client.force_login(user)
    return user


def test_sales_per_cycle_in_one_query(cycle_with_offers, supplier):
    cycle, offers = cycle_with_offers
    order_in(cycle, offers[0], 3)
    order_in(cycle, offers[1], 2)
    with CaptureQueriesContext(connection) as queries:
        rows = producer_sales_by_cycle(producer=supplier)
    assert len(queries) == 1
    assert len(rows) == 1
    assert rows[0]["quantity"] == 5 and rows[0]["revenue"] == Decimal("12.00")
    assert rows[0]["cycle_name"] == "This week"


def test_to_prepare_lists_open_cycle_quantities_until_processed(cycle_with_offers, supplier):
    cycle, offers = cycle_with_offers
    order_in(cycle, offers[0], 3)
    order_in(cycle, offers[0], 4)
    rows = producer_to_prepare(producer=supplier)
    assert [(r["sku"], r["quantity"]) for r in rows] == [(offers[0].stockrecord.partner_sku, 7)]
    cycle.closes_at = cycle.opens_at + dt.timedelta(hours=1)
    cycle.save()
    close_due_cycles()
    assert producer_to_prepare(producer=supplier)  # just closed: still to prepare
    cycle_mark_processed(cycle=cycle)
    assert producer_to_prepare(producer=supplier) == []


def test_pages_show_sales_chart_and_preparation(client, farmer, cycle_with_offers, supplier):
    cycle, offers = cycle_with_offers
    order_in(cycle, offers[0], 3)
    html = client.get(f"/producer/{supplier.slug}/sales/").content.decode()
    assert 'id="sales-chart"' in html and "This week" in html and "€7.20" in html
    html = client.get(f"/producer/{supplier.slug}/prepare/").content.decode()
    assert offers[0].stockrecord.partner_sku in html


def test_empty_pages_explain_themselves(client, farmer, supplier):
    assert "No sales yet" in client.get(f"/producer/{supplier.slug}/sales/").content.decode()
    assert "Nothing ordered yet" in client.get(
        f"/producer/{supplier.slug}/prepare/"
    ).content.decode()


def test_other_producers_sales_are_404(client, cycle_with_offers, supplier):
    cycle, offers = cycle_with_offers
    order_in(cycle, offers[0], 3)
    other = UserFactory(email="other@example.com")
    producer_member_add(producer=ProducerFactory(), user=other)
    client.force_login(other)
    assert client.get(f"/producer/{supplier.slug}/sales/").status_code == 404
    assert client.get(f"/producer/{supplier.slug}/prepare/").status_code == 404


def test_cycle_order_figures_in_one_query_for_the_hubs_cycles_list(cycle_with_offers, hub):
    from hubs.cycle_services import cycle_create
    from hubs.selectors import CycleFigures, cycle_figures
    from orders.selectors import cycle_order_figures

    cycle, offers = cycle_with_offers
    order_in(cycle, offers[0], 3)
    order_in(cycle, offers[1], 2)
    now = dt.datetime.now(dt.UTC)
    quiet = cycle_create(hub=hub, name="Quiet", opens_at=now, closes_at=now + dt.timedelta(1))
    with CaptureQueriesContext(connection) as queries:
        figures = cycle_order_figures([cycle.id, quiet.id])
    assert len(queries) == 1
    assert figures == {cycle.id: CycleFigures(2, Decimal("12.00"))}
    # Through the registry hubs reads (orders fills it in its AppConfig.ready()).
    assert cycle_figures(cycle_ids=[cycle.id, quiet.id]) == {
        cycle.id: (2, Decimal("12.00")), quiet.id: (0, Decimal("0")),
    }


def test_pages_show_closing_times_on_each_hubs_clock(client, farmer, cycle_with_offers, supplier):
    cycle, offers = cycle_with_offers
    cycle.hub.time_zone = "Pacific/Auckland"
    cycle.hub.save()
    cycle.closes_at = (cycle.closes_at + dt.timedelta(days=1)).replace(
        hour=11, minute=30, second=0, microsecond=0, tzinfo=dt.UTC
    )
    cycle.save()
    order_in(cycle, offers[0], 3)
    local = cycle.closes_at.astimezone(ZoneInfo("Pacific/Auckland"))  # 23:30 or 00:30 there
    html = client.get(f"/producer/{supplier.slug}/prepare/").content.decode()
    assert f"closes {local:%d/%m/%Y %H:%M}" in html
    html = client.get(f"/producer/{supplier.slug}/sales/").content.decode()
    assert f"<td>{local:%d/%m/%Y}</td>" in html and f">{local:%d/%m}</text>" in html
