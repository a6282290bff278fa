"""The cycle API shows what the pages show (issue 8, finding 8): drafts only to the hub's
managers and platform admins; the note to producers only to the hub's managers and the
cycle's producers."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hubs.cycle_services import cycle_create, cycle_offers_add, cycle_update
from hubs.services import hub_manager_add
from producers.services import producer_member_add
from tests.hubs.factories import HubFactory
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db
NOTE = "Drop-off moved to the back door; the code is 4711."


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def farmer(supplier):
    user = UserFactory(email="farmer@example.com")
    producer_member_add(producer=supplier, user=user)
    return user


@pytest.fixture
def draft(hub, supplier):
    now = timezone.now()
    cycle = cycle_create(hub=hub, name="Secret draft", opens_at=now + dt.timedelta(days=3),
                         closes_at=now + dt.timedelta(days=5), note_to_producers=NOTE)
    cycle_offers_add(cycle=cycle, producer=supplier)
    return cycle


def names(response) -> list[str]:
    return [c["name"] for c in response.json()["results"]]


def test_a_producer_does_not_see_a_draft_it_supplies(farmer, draft):
    api = client_for(farmer)
    assert "Secret draft" not in names(api.get("/api/v1/order-cycles/"))
    assert api.get(f"/api/v1/order-cycles/{draft.id}/").status_code == 404
    assert api.get(f"/api/v1/order-cycles/{draft.id}/products/").status_code == 404


def test_the_hubs_managers_and_platform_admins_see_drafts(hub, draft):
    manager = UserFactory()
    hub_manager_add(hub=hub, user=manager)
    admin = UserFactory(is_superuser=True)
    for user in (manager, admin):
        api = client_for(user)
        assert "Secret draft" in names(api.get("/api/v1/order-cycles/"))
        body = api.get(f"/api/v1/order-cycles/{draft.id}/").json()
        assert body["note_to_producers"] == NOTE
        assert api.get(f"/api/v1/order-cycles/{draft.id}/products/").json()["count"] == 3


def test_the_note_to_producers_is_for_managers_and_the_cycles_producers(
    hub, farmer, cycle_with_offers
):
    cycle, _offers = cycle_with_offers
    cycle_update(cycle=cycle, note_to_producers=NOTE)
    manager = UserFactory()
    hub_manager_add(hub=hub, user=manager)
    other_farmer = UserFactory()
    producer_member_add(producer=ProducerFactory(), user=other_farmer)
    other_manager = UserFactory()
    hub_manager_add(hub=HubFactory(), user=other_manager)
    readers = {None: False, UserFactory(): False, other_farmer: False, other_manager: False,
               farmer: True, manager: True}
    for user, sees in readers.items():
        api = client_for(user)
        detail = api.get(f"/api/v1/order-cycles/{cycle.id}/").json()
        listed = api.get("/api/v1/order-cycles/").json()["results"][0]
        for body in (detail, listed):
            assert ("note_to_producers" in body) is sees, user
            if sees:
                assert body["note_to_producers"] == NOTE


def test_the_cycle_list_reads_a_constant_number_of_queries(hub, farmer, supplier):
    now = timezone.now()

    def cycles(n):
        for i in range(n):
            cycle = cycle_create(hub=hub, name=f"C{i}", opens_at=now - dt.timedelta(days=1),
                                 closes_at=now + dt.timedelta(days=i + 1), publish=True,
                                 note_to_producers=NOTE)
            cycle_offers_add(cycle=cycle, producer=supplier)

    api = client_for(farmer)
    cycles(1)
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/order-cycles/")
    cycles(5)
    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/order-cycles/").json()
    assert body["count"] == 6 and all("note_to_producers" in c for c in body["results"])
    assert len(many) == len(few)


def test_the_order_apis_do_not_reveal_a_draft_to_its_producers(farmer, draft):
    """A draft's purchase orders, orders, invoices, processing and reports: 404 to a producer
    supplying it, as its pages and the cycle API are (not an empty list that confirms it)."""
    api = client_for(farmer)
    for tail in ("purchase-orders/", "orders/", "invoices/", "processing/",
                 "reports/supplier-totals/", "reports/customer-totals/", "reports/fees/",
                 "reports/vat/"):
        response = api.get(f"/api/v1/order-cycles/{draft.id}/{tail}")
        assert response.status_code == 404, tail
        assert "Secret draft" not in response.content.decode()
