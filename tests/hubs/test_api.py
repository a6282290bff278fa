"""Hubs and order-cycle API: public reads, manager writes, producer reads, 404 elsewhere."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hubs.cycle_services import cycle_create, cycle_fee_save, cycle_offers_add
from hubs.models import CycleFee, OrderCycle
from hubs.services import hub_manager_add
from producers.catalogue_services import catalogue_upsert
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory, past_cycle
from tests.producers.factories import UserFactory
from tests.producers.test_dashboard import rows_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def manager(api, hub):
    user = UserFactory(email="manager@example.com")
    hub_manager_add(hub=hub, user=user)
    api.force_authenticate(user)
    return user


def window(days_from_now: int, length: int = 3):
    now = timezone.now()
    return now + dt.timedelta(days=days_from_now), now + dt.timedelta(days=days_from_now + length)


def test_public_reads_hubs_and_upcoming_or_open_cycles(api, hub, open_cycle):
    opens, closes = window(-10)
    past_cycle(hub, name="Old", opens_at=opens, closes_at=closes)
    draft_opens, draft_closes = window(3)
    cycle_create(hub=hub, name="Draft", opens_at=draft_opens, closes_at=draft_closes)
    assert api.get("/api/v1/hubs/").json()["count"] == 1
    body = api.get("/api/v1/order-cycles/").json()
    assert [c["name"] for c in body["results"]] == ["This week"]
    assert body["results"][0]["status"] == "open"


def test_status_and_hub_filters(api, hub, manager, open_cycle):
    other = HubFactory()
    opens, closes = window(5)
    cycle_create(hub=hub, name="Next", opens_at=opens, closes_at=closes, publish=True)
    cycle_create(hub=other, name="Elsewhere", opens_at=opens, closes_at=closes, publish=True)
    body = api.get("/api/v1/order-cycles/", {"status": "upcoming", "hub": hub.id}).json()
    assert [c["name"] for c in body["results"]] == ["Next"]
    bad = api.get("/api/v1/order-cycles/", {"status": "sideways"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_manager_creates_updates_clones_closes_and_reopens(api, hub, manager):
    opens, closes = window(1)
    created = api.post("/api/v1/order-cycles/", {
        "hub": hub.id, "name": "Christmas", "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(), "markup_percent": "10.00", "publish": True,
    }, format="json")
    assert created.status_code == 201, created.json()
    cycle_id = created.json()["id"]
    assert created.json()["status"] == "upcoming"
    patched = api.patch(f"/api/v1/order-cycles/{cycle_id}/", {"name": "Christmas market"},
                        format="json")
    assert patched.json()["name"] == "Christmas market"
    clone = api.post(f"/api/v1/order-cycles/{cycle_id}/clone/",
                     {"opens_at": (opens + dt.timedelta(days=7)).isoformat()}, format="json")
    assert clone.status_code == 201 and clone.json()["status"] == "draft"
    assert api.post(f"/api/v1/order-cycles/{cycle_id}/close/").status_code == 400  # upcoming
    OrderCycle.objects.filter(pk=cycle_id).update(opens_at=timezone.now() - dt.timedelta(hours=1))
    closed = api.post(f"/api/v1/order-cycles/{cycle_id}/close/")
    assert closed.json()["status"] == "closed"
    reopened = api.post(f"/api/v1/order-cycles/{cycle_id}/reopen/",
                        {"closes_at": closes.isoformat()}, format="json")
    assert reopened.json()["status"] == "open"


def test_bad_cycle_input_gets_field_errors(api, hub, manager):
    opens, closes = window(1)
    response = api.post("/api/v1/order-cycles/", {
        "hub": hub.id, "name": "Backwards", "opens_at": closes.isoformat(),
        "closes_at": opens.isoformat(), "markup_percent": "-3",
    }, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "markup_percent" in body
    assert not OrderCycle.objects.exists()
    response = api.post("/api/v1/order-cycles/", {
        "hub": hub.id, "name": "Backwards", "opens_at": closes.isoformat(),
        "closes_at": opens.isoformat(),
    }, format="json")
    assert response.status_code == 400 and "closes_at" in response.json()


def test_products_come_with_their_price_breakdown(api, cycle_with_offers):
    cycle, offers = cycle_with_offers
    cycle_fee_save(cycle=cycle, name="Running costs", kind=CycleFee.Kind.PER_ITEM_PERCENT,
                   amount=Decimal("5"), vat_rate=Decimal("20"))
    body = api.get(f"/api/v1/order-cycles/{cycle.id}/products/").json()
    assert body["count"] == 3
    breakdown = body["results"][0]["price_breakdown"]
    assert breakdown == {
        "producer_price": "2.40", "markup": "0.24",
        "fees": [{"name": "Running costs", "type": "item_percent", "amount": "0.12",
                  "vat_rate": "20"}],
        "vat": [{"rate": "5.5", "amount": "0.15"}, {"rate": "20", "amount": "0.02"}],
        "total_incl_tax": "2.93",
    }


def test_products_say_how_many_are_left_to_order(api, cycle_with_offers):
    from oscar.core.loading import get_model

    from hubs.models import CycleOffer

    Product, StockRecord = get_model("catalogue", "Product"), get_model("partner", "StockRecord")
    cycle, offers = cycle_with_offers
    CycleOffer.objects.filter(pk=offers[0].pk).update(cap=4, num_allocated=1)
    StockRecord.objects.filter(pk=offers[1].stockrecord_id).update(num_allocated=10)
    Product.objects.filter(pk=offers[2].stockrecord.product_id).update(on_demand=True)
    body = api.get(f"/api/v1/order-cycles/{cycle.id}/products/").json()
    available = {row["id"]: row["available"] for row in body["results"]}
    assert available == {offers[0].pk: 3, offers[1].pk: 0, offers[2].pk: None}


def test_cycle_products_query_count_is_constant(api, hub, open_cycle, supplier):
    cycle_offers_add(cycle=open_cycle, producer=supplier)
    url = f"/api/v1/order-cycles/{open_cycle.id}/products/"
    with CaptureQueriesContext(connection) as few:
        api.get(url)
    catalogue_upsert(rows=rows_for(supplier, 30, start=10), producers={supplier.id: supplier})
    cycle_offers_add(cycle=open_cycle, producer=supplier)
    with CaptureQueriesContext(connection) as many:
        assert api.get(url).json()["count"] == 33
    assert len(many) == len(few)


def test_other_hubs_cycles_are_404_for_writes(api, manager):
    other = HubFactory()
    opens, closes = window(1)
    theirs = cycle_create(hub=other, name="Theirs", opens_at=opens, closes_at=closes,
                          publish=True)
    url = f"/api/v1/order-cycles/{theirs.id}/"
    assert api.patch(url, {"name": "Mine"}, format="json").status_code == 404
    for action in ("clone", "close", "reopen"):
        assert api.post(url + f"{action}/", {}, format="json").status_code == 404
    created = api.post("/api/v1/order-cycles/", {
        "hub": other.id, "name": "Sneaky", "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
    }, format="json")
    assert created.status_code == 404
    assert api.patch(f"/api/v1/hubs/{other.id}/", {"name": "Mine"},
                     format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_producer_reads_closed_cycles_offering_its_products_only(api, hub, supplier):
    opens, closes = window(-10)
    closed = cycle_create(hub=hub, name="Past", opens_at=opens, closes_at=closes,
                          publish=False)
    cycle_offers_add(cycle=closed, producer=supplier)
    OrderCycle.objects.filter(pk=closed.pk).update(published_at=opens)
    farmer = UserFactory(email="farmer@example.com")
    producer_member_add(producer=supplier, user=farmer)
    stranger = UserFactory(email="stranger@example.com")
    api.force_authenticate(stranger)
    assert api.get(f"/api/v1/order-cycles/{closed.id}/").status_code == 404
    api.force_authenticate(farmer)
    assert api.get(f"/api/v1/order-cycles/{closed.id}/").json()["status"] == "closed"
    assert api.get(f"/api/v1/order-cycles/{closed.id}/products/").json()["count"] == 3
    assert api.patch(f"/api/v1/order-cycles/{closed.id}/", {"name": "x"},
                     format="json").status_code == 404


def test_relationships_request_accept_end(api, hub, manager):
    from tests.producers.factories import ProducerFactory

    producer = ProducerFactory()
    farmer = UserFactory(email="farmer@example.com")
    producer_member_add(producer=producer, user=farmer)
    invited = api.post("/api/v1/relationships/", {"hub": hub.id, "producer": producer.id},
                       format="json")
    assert invited.status_code == 201 and invited.json()["status"] == "invited"
    link_id = invited.json()["id"]
    assert api.post(f"/api/v1/relationships/{link_id}/accept/").status_code == 400
    api.force_authenticate(farmer)
    assert api.post(f"/api/v1/relationships/{link_id}/accept/").json()["status"] == "active"
    assert api.post(f"/api/v1/relationships/{link_id}/end/").json()["status"] == "ended"
    outsider = UserFactory(email="out@example.com")
    api.force_authenticate(outsider)
    assert api.post(f"/api/v1/relationships/{link_id}/end/").status_code == 404
    assert api.post("/api/v1/relationships/", {"hub": hub.id, "producer": producer.id},
                    format="json").status_code == 404
