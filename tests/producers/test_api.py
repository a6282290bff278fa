"""Producer API: public reads, member writes, all-or-nothing stock, imports, tenancy (404)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from producers.catalogue_services import catalogue_upsert
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import rows_for

pytestmark = pytest.mark.django_db
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def farm():
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    catalogue_upsert(rows=rows_for(producer, 4), producers={producer.id: producer})
    return producer


@pytest.fixture
def other():
    producer = ProducerFactory(name="Ferme B", slug="ferme-b")
    catalogue_upsert(rows=rows_for(producer, 2, name="Leeks", start=10),
                     producers={producer.id: producer})
    return producer


@pytest.fixture
def member(api, farm):
    user = UserFactory(email="farmer@example.com")
    producer_member_add(producer=farm, user=user, role="owner")
    api.force_authenticate(user)
    return user


def product_payload(**extra):
    payload = {
        "name": "Honey", "category": Category.objects.get(name="Pantry").id,
        "variants": [
            {"sku": "H-250", "units": "250", "unit_type": "g", "price": "4.60", "on_hand": "12"},
            {"sku": "H-1K", "units": "1", "unit_type": "kg", "price": "15.90", "on_demand": True},
        ],
    }
    payload.update(extra)
    return payload


def test_public_producer_list_and_detail(api, farm):
    ProducerFactory(is_visible=False, slug="hidden")
    body = api.get("/api/v1/producers/").json()
    assert body["count"] == 1 and body["results"][0]["slug"] == "ferme-a"
    assert api.get(f"/api/v1/producers/{farm.id}/").json()["name"] == "Ferme A"


def test_hidden_producer_is_404_for_the_public(api):
    hidden = ProducerFactory(is_visible=False)
    assert api.get(f"/api/v1/producers/{hidden.id}/").status_code == 404
    assert api.get(f"/api/v1/producers/{hidden.id}/products/").status_code == 404


def test_public_products_with_variants_units_prices_vat_stock(api, farm):
    body = api.get(f"/api/v1/producers/{farm.id}/products/").json()
    assert body["count"] == 2
    product = body["results"][0]
    assert product["vat_rate"] == "5.50"
    assert product["category"]["name_fr"] == "Légumes"
    variant = product["variants"][0]
    assert variant["price"] == "2.40" and variant["unit_label"] == "500 g"
    assert variant["price_per_unit"] == {"amount": "4.80", "per": "kg"}
    assert variant["on_hand"] == 10


def test_product_list_query_count_is_constant(api, farm):
    url = f"/api/v1/producers/{farm.id}/products/"
    with CaptureQueriesContext(connection) as few:
        api.get(url)
    catalogue_upsert(rows=rows_for(farm, 30, start=4), producers={farm.id: farm})
    with CaptureQueriesContext(connection) as many:
        assert api.get(url).json()["count"] == 17
    assert len(many) == len(few)


def test_member_creates_updates_and_archives_a_product(api, farm, member):
    created = api.post(f"/api/v1/producers/{farm.id}/products/", product_payload(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [v["sku"] for v in body["variants"]] == ["H-250", "H-1K"]
    assert body["variants"][1]["on_demand"] is True
    payload = product_payload(name="Wildflower honey")
    payload["variants"][0]["price"] = "4.80"
    updated = api.patch(
        f"/api/v1/producers/{farm.id}/products/{body['id']}/", payload, format="json"
    )
    assert updated.status_code == 200 and updated.json()["name"] == "Wildflower honey"
    assert updated.json()["variants"][0]["price"] == "4.80"
    removed = api.delete(f"/api/v1/producers/{farm.id}/products/{body['id']}/")
    assert removed.json() == {"result": "deleted"}


def test_removing_a_product_an_order_cycle_offers_archives_it(api, cycle_with_offers, supplier):
    """It answered 500: the cycle's offers protect the variants' stock records."""
    user = UserFactory(email="farmer@example.com")
    producer_member_add(producer=supplier, user=user, role="owner")
    api.force_authenticate(user)
    cycle, offers = cycle_with_offers
    product = offers[0].stockrecord.product.parent
    removed = api.delete(f"/api/v1/producers/{supplier.id}/products/{product.id}/")
    assert removed.status_code == 200
    assert removed.json() == {"result": "archived"}
    product.refresh_from_db()
    assert product.archived_at is not None and not product.is_public
    assert cycle.offers.count() == len(offers)


def test_invalid_product_gets_field_errors(api, farm, member):
    payload = product_payload()
    payload["variants"][0]["price"] = "-1"
    payload["variants"][1]["unit_type"] = "stone"
    response = api.post(f"/api/v1/producers/{farm.id}/products/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["variants"][0] == {"price": ["Price cannot be negative."]}
    assert "Unknown unit type" in body["variants"][1]["unit_type"][0]
    assert not Product.objects.filter(title="Honey").exists()


def test_stock_update_is_all_or_nothing(api, farm, member):
    url = f"/api/v1/producers/{farm.id}/stock/"
    bad = [{"sku": "SKU-0", "price": "3.00", "on_hand": 5},
           {"sku": "SKU-1", "price": "2.00", "on_hand": -2}]
    response = api.post(url, bad, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "1": {"on_hand": ["Ensure this value is greater than or equal to 0."]}
    }
    assert StockRecord.objects.get(partner_sku="SKU-0").price == Decimal("2.40")
    unknown = [{"sku": "SKU-0", "price": "3.00", "on_hand": 5},
               {"sku": "NOPE", "price": "1", "on_hand": 1}]
    assert api.post(url, unknown, format="json").json() == {
        "1": {"sku": ["No variant with SKU NOPE."]}
    }
    good = [{"sku": "SKU-0", "price": "3.00", "on_hand": 5, "on_demand": True}]
    assert api.post(url, good, format="json").json() == {"updated": 1}
    record = StockRecord.objects.get(partner_sku="SKU-0")
    assert (record.price, record.num_in_stock, record.product.on_demand) == (
        Decimal("3.00"), 5, True
    )


def test_import_preview_then_confirm(api, farm, member, django_capture_on_commit_callbacks):
    csv = (
        "sku,name,category,units,unit_type,price,on_hand\n"
        "N-1,Nuts,Pantry,250,g,\"5,20\",9\n"
    )
    upload = SimpleUploadedFile("nuts.csv", csv.encode())
    with django_capture_on_commit_callbacks(execute=True):
        preview = api.post(f"/api/v1/producers/{farm.id}/imports/", {"file": upload})
    assert preview.status_code == 202 and preview.json()["status"] == "checking"
    body = api.get(f"/api/v1/producers/{farm.id}/imports/{preview.json()['id']}/").json()
    assert body["status"] == "ready" and body["counts"]["new"] == 1 and body["errors"] == []
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"/api/v1/producers/{farm.id}/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 202
    detail = api.get(f"/api/v1/producers/{farm.id}/imports/{body['id']}/").json()
    assert detail["status"] == "done" and detail["progress"]["percent"] == 100
    assert StockRecord.objects.get(partner_sku="N-1").price == Decimal("5.20")


def test_import_preview_lists_row_errors(api, farm, member, django_capture_on_commit_callbacks):
    csv = "sku,name,category,units,unit_type,price,on_hand\nN-1,Nuts,Nope,0,g,abc,9\n"
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            f"/api/v1/producers/{farm.id}/imports/",
            {"file": SimpleUploadedFile("nuts.csv", csv.encode())},
        ).json()
    body = api.get(f"/api/v1/producers/{farm.id}/imports/{created['id']}/").json()
    assert body["status"] == "invalid"
    assert {e["column"] for e in body["errors"]} == {"category", "units", "price"}
    assert all(e["row"] == 2 for e in body["errors"])
    confirm = api.post(f"/api/v1/producers/{farm.id}/imports/{body['id']}/confirm/")
    assert confirm.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("patch", "", {"name": "Mine now"}),
        ("post", "products/", None),
        ("post", "stock/", [{"sku": "SKU-10", "price": "0.01", "on_hand": 0}]),
        ("post", "imports/", {}),
    ],
)
def test_writes_to_another_producer_are_404(api, farm, other, member, method, path, payload):
    body = payload if payload is not None else product_payload()
    response = getattr(api, method)(f"/api/v1/producers/{other.id}/{path}", body, format="json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Ferme B"
    assert StockRecord.objects.get(partner_sku="SKU-10").price == Decimal("2.40")


def test_another_producers_product_and_import_are_404(api, farm, other, member):
    theirs = Product.objects.filter(
        structure="parent", children__stockrecords__partner=other.partner
    ).first()
    url = f"/api/v1/producers/{other.id}/products/{theirs.id}/"
    assert api.patch(url, product_payload(), format="json").status_code == 404
    assert api.delete(url).status_code == 404
    # Through our own producer's URL, their product does not exist either.
    mixed = f"/api/v1/producers/{farm.id}/products/{theirs.id}/"
    assert api.get(mixed).status_code == 404
    assert api.delete(mixed).status_code == 404
    assert api.get(f"/api/v1/producers/{other.id}/imports/1/").status_code == 404


def test_anonymous_writes_are_refused(farm):
    anonymous = APIClient()
    response = anonymous.post(f"/api/v1/producers/{farm.id}/stock/", [], format="json")
    assert response.status_code == 401


def test_members_update_their_profile_with_validated_numbers(api, farm, member):
    url = f"/api/v1/producers/{farm.id}/"
    bad = api.patch(url, {"company_number": "123"}, format="json")
    assert bad.status_code == 400 and "company_number" in bad.json()
    good = api.patch(url, {"vat_number": "FR40303265045", "practices": "No-till"}, format="json")
    assert good.status_code == 200 and good.json()["practices"] == "No-till"


def test_schema_is_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/producers/{producer_id}/stock/" in (tmp_path / "s.yml").read_text()


def test_an_import_is_checked_by_a_worker_and_cannot_be_confirmed_before(api, farm, member):
    csv = "sku,name,category,units,unit_type,price,on_hand\nN-1,Nuts,Pantry,250,g,5.20,9\n"
    created = api.post(  # on-commit callbacks do not run here: the check has not run yet
        f"/api/v1/producers/{farm.id}/imports/",
        {"file": SimpleUploadedFile("nuts.csv", csv.encode())},
    )
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "checking" and body["counts"] == {} and body["message"] == ""
    detail = api.get(f"/api/v1/producers/{farm.id}/imports/{body['id']}/").json()
    assert detail["progress"]["status"] == "checking"
    confirm = api.post(f"/api/v1/producers/{farm.id}/imports/{body['id']}/confirm/")
    assert confirm.status_code == 400
    assert "still being checked" in confirm.json()["non_field_errors"][0]
