"""The processing and purchase orders API: progress for the hub's managers, purchase orders
for them and, each their own, for the producers' members; downloads; 404 for the others."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from hubs import transitions as cycle_transitions
from orders.models import PurchaseOrder
from producers.services import producer_member_add
from tests.orders.conftest import place_order
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def closed(shop, two_suppliers, django_capture_on_commit_callbacks):
    place_order(shop, UserFactory(email="alice@example.org"),
                [(shop.offers[0], 2), (two_suppliers.offers_b[0], 1)])
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    return two_suppliers


def test_progress_for_the_hubs_managers(shop, legal_hub, cycle_orders,
                                        django_capture_on_commit_callbacks):
    manager = legal_hub.managers.get()
    url = f"/api/v1/order-cycles/{shop.cycle.pk}/processing/"
    assert api(manager).get(url).json() == {"state": "not_started", "done": 0, "total": 0,
                                            "message": ""}
    with django_capture_on_commit_callbacks(execute=True):
        cycle_transitions.cycle_close_now(cycle=shop.cycle)
    assert api(manager).get(url).json() == {"state": "done", "done": 4, "total": 4,
                                            "message": ""}
    assert api().get(url).status_code == 401
    for user in (cycle_orders.users.alice, UserFactory(email="nobody@example.org")):
        assert api(user).get(url).status_code == 404
    assert api(manager).get("/api/v1/order-cycles/999999/processing/").status_code == 404


def test_managers_list_every_purchase_order_with_download_links(
        shop, closed, django_assert_max_num_queries):
    manager = shop.hub.managers.get()
    with django_assert_max_num_queries(8):
        body = api(manager).get(f"/api/v1/order-cycles/{shop.cycle.pk}/purchase-orders/").json()
    assert body["count"] == 2
    rows = {row["producer_name"]: row for row in body["results"]}
    po = PurchaseOrder.objects.get(producer=closed.producer_a)
    assert rows["Ferme A"] == {
        "id": po.pk, "producer": closed.producer_a.pk, "producer_name": "Ferme A",
        "number": po.number, "total_quantity": 2, "total_producer_price": "4.80",
        "currency": "EUR", "emailed_at": rows["Ferme A"]["emailed_at"], "email_problem": "",
        "pdf": f"http://testserver/api/v1/purchase-orders/{po.pk}/pdf/",
        "csv": f"http://testserver/api/v1/purchase-orders/{po.pk}/csv/",
    }
    assert rows["Ferme A"]["emailed_at"].endswith(("+01:00", "+02:00", "Z", "+00:00"))
    response = api(manager).get(rows["Ferme B"]["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "Leeks 50" in text
    csv = api(manager).get(rows["Ferme B"]["csv"])
    assert csv["Content-Type"].startswith("text/csv")
    assert b"Leeks 50" in b"".join(csv.streaming_content)


def test_a_producers_members_see_only_their_own_purchase_order(shop, closed):
    url = f"/api/v1/order-cycles/{shop.cycle.pk}/purchase-orders/"
    mine = PurchaseOrder.objects.get(producer=closed.producer_b)
    theirs = PurchaseOrder.objects.get(producer=closed.producer_a)
    body = api(closed.member_b).get(url).json()
    assert [row["number"] for row in body["results"]] == [mine.number]
    assert api(closed.member_b).get(f"/api/v1/purchase-orders/{mine.pk}/csv/").status_code == 200
    for fmt in ("pdf", "csv"):
        response = api(closed.member_b).get(f"/api/v1/purchase-orders/{theirs.pk}/{fmt}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    # A producer that does not supply this cycle, a shopper: the cycle is not theirs.
    outsider = UserFactory(email="outsider@example.org")
    producer_member_add(producer=ProducerFactory(name="Ferme C", slug="ferme-c"),
                        user=outsider, role="owner")
    for user in (outsider, UserFactory(email="shopper@example.org")):
        assert api(user).get(url).status_code == 404
        assert api(user).get(f"/api/v1/purchase-orders/{mine.pk}/pdf/").status_code == 404
    assert api().get(url).status_code == 401
    assert api().get(f"/api/v1/purchase-orders/{mine.pk}/pdf/").status_code == 401


def test_a_supplier_sees_an_empty_list_before_the_close(shop, two_suppliers):
    url = f"/api/v1/order-cycles/{shop.cycle.pk}/purchase-orders/"
    body = api(two_suppliers.member_a).get(url).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert api(two_suppliers.member_a).get(url + "?page=2").status_code == 404


def test_a_file_not_written_yet_is_404(shop, closed):
    po = PurchaseOrder.objects.get(producer=closed.producer_a)
    PurchaseOrder.objects.filter(pk=po.pk).update(csv="")
    manager = shop.hub.managers.get()
    assert api(manager).get(f"/api/v1/purchase-orders/{po.pk}/csv/").status_code == 404
    row = next(r for r in api(manager).get(
        f"/api/v1/order-cycles/{shop.cycle.pk}/purchase-orders/").json()["results"]
        if r["id"] == po.pk)
    assert row["csv"] is None and row["pdf"]
