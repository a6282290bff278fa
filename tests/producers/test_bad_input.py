"""Malformed input on the producer pages and API answers 400 or the page with a clear message,
never a server error; stock, countries, certifications and SKUs are checked (issue 8,
findings 6 and 9)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from producers.catalogue_services import catalogue_upsert
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_api import product_payload
from tests.producers.test_dashboard import _bulk_post, _png, _product_post, rows_for

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def farm():
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    catalogue_upsert(rows=rows_for(producer, 2), producers={producer.id: producer})
    return producer


@pytest.fixture
def member(client, farm):
    user = UserFactory(email="farmer@example.com")
    producer_member_add(producer=farm, user=user, role="owner")
    client.force_login(user)
    return user


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def shown(response) -> list[str]:
    """The messages this request added (earlier ones wait in the session, unread)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


# --- ids ----------------------------------------------------------------------------------------


def test_remove_photo_with_a_bad_id_says_so(client, member, farm):
    photo = SimpleUploadedFile("field.png", _png(), content_type="image/png")
    client.post("/producer/ferme-a/profile/", {"action": "photo", "image": photo})
    for bad in ["²", "x", "", "99999999999999999999"]:
        response = client.post("/producer/ferme-a/profile/",
                               {"action": "remove-photo", "photo": bad})
        assert response.status_code == 302, bad
        assert shown(response) == ["Nothing was removed: unknown photo."]
    assert farm.photos.count() == 1


# --- stock --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stock", ["2147483648", "99999999999999999999", "1e999999", "NaN"])
def test_api_stock_is_bounded_by_the_column(api, farm, stock):
    response = api.post(f"/api/v1/producers/{farm.id}/stock/",
                        [{"sku": "SKU-0", "price": "3.00", "on_hand": stock}], format="json")
    assert response.status_code == 400
    assert "on_hand" in response.json()["0"]
    assert StockRecord.objects.get(partner_sku="SKU-0").num_in_stock == 10


def test_api_stock_as_a_huge_json_number_is_refused(api, farm):
    body = '[{"sku": "SKU-0", "price": 3, "on_hand": 99999999999999999999}]'
    response = api.post(f"/api/v1/producers/{farm.id}/stock/", body,
                        content_type="application/json")
    assert response.status_code == 400
    assert StockRecord.objects.get(partner_sku="SKU-0").num_in_stock == 10


@pytest.mark.parametrize("price", ["NaN", "sNaN", "Infinity", "1e999999"])
def test_api_stock_price_must_be_a_number(api, farm, price):
    response = api.post(f"/api/v1/producers/{farm.id}/stock/",
                        [{"sku": "SKU-0", "price": price, "on_hand": 1}], format="json")
    assert response.status_code == 400 and "price" in response.json()["0"]


@pytest.mark.parametrize("stock", ["2147483648", "99999999999999999999"])
def test_dashboard_stock_is_bounded_by_the_column(client, member, farm, stock):
    records = list(StockRecord.objects.filter(partner=farm.partner).order_by("id"))
    data = _bulk_post(records, **{"SKU-0": {"num_in_stock": stock}})
    response = client.post("/producer/ferme-a/", data)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert "Ensure this value is less than or equal to 2147483647." in response.content.decode()
    assert StockRecord.objects.get(partner_sku="SKU-0").num_in_stock == 10


# --- certifications and country -------------------------------------------------------------


@pytest.mark.parametrize("bad", ["organic", 5, {"organic": True}, [{"a": 1}], [["organic"]],
                                 ["bogus"], [None], True, ["organic\x00"]])
def test_api_certifications_are_a_list_of_known_codes(api, farm, bad):
    response = api.patch(f"/api/v1/producers/{farm.id}/", {"certifications": bad}, format="json")
    assert response.status_code == 400
    assert "certifications" in response.json()
    farm.refresh_from_db()
    assert farm.certifications == []


def test_api_certifications_accept_known_codes(api, farm):
    response = api.patch(f"/api/v1/producers/{farm.id}/",
                         {"certifications": ["organic", "hve"]}, format="json")
    assert response.status_code == 200
    assert response.json()["certifications"] == ["organic", "hve"]


def test_model_refuses_certifications_of_the_wrong_type(farm):
    from django.core.exceptions import ValidationError

    for bad in ["organic", 5, {"organic": True}, [{"a": 1}]]:
        farm.certifications = bad
        with pytest.raises(ValidationError) as caught:
            farm.full_clean()
        assert "certifications" in caught.value.message_dict


@pytest.mark.parametrize("bad", ["ZZ", "XX", "fr", "F", "FRA", "€"])
def test_country_is_an_iso_3166_code(client, api, member, farm, bad):
    response = api.patch(f"/api/v1/producers/{farm.id}/", {"country": bad}, format="json")
    assert response.status_code == 400
    assert "country" in response.json()
    response = client.post("/producer/ferme-a/profile/", {
        "action": "profile", "name": "Ferme A", "country": bad, "is_visible": "on",
    })
    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    farm.refresh_from_db()
    assert farm.country == "FR"


def test_country_accepts_real_codes(api, farm):
    assert api.patch(f"/api/v1/producers/{farm.id}/", {"country": "BE"},
                     format="json").status_code == 200


# --- SKUs of another product ------------------------------------------------------------------


def test_api_create_refuses_a_sku_of_another_product(api, farm):
    before = Product.objects.get(stockrecords__partner_sku="SKU-0")
    payload = product_payload()
    payload["variants"][1]["sku"] = "SKU-0"
    response = api.post(f"/api/v1/producers/{farm.id}/products/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["variants"][1] == {
        "sku": [f"SKU SKU-0 is already used by another product ({before.parent.title}): "
                "choose another SKU, or edit that product."]
    }
    assert Product.objects.get(stockrecords__partner_sku="SKU-0").parent_id == before.parent_id
    assert not Product.objects.filter(title="Honey").exists()


def test_api_edit_refuses_a_sku_of_another_product(api, farm):
    created = api.post(f"/api/v1/producers/{farm.id}/products/", product_payload(),
                       format="json").json()
    before = Product.objects.get(stockrecords__partner_sku="SKU-0").parent_id
    response = api.patch(f"/api/v1/producers/{farm.id}/products/{created['id']}/", {
        "variants": [{"sku": "SKU-0", "units": "1", "unit_type": "kg", "price": "1",
                      "on_hand": 1}],
    }, format="json")
    assert response.status_code == 400
    assert "already used by another product" in response.json()["variants"][0]["sku"][0]
    assert Product.objects.get(stockrecords__partner_sku="SKU-0").parent_id == before


def test_form_create_refuses_a_sku_of_another_product(client, member, farm):
    before = Product.objects.get(stockrecords__partner_sku="SKU-1").parent_id
    response = client.post("/producer/ferme-a/products/new/",
                           _product_post(**{"variants-0-sku": "SKU-1"}))
    assert response.status_code == 200
    assert "SKU SKU-1 is already used by another product" in response.content.decode()
    assert Product.objects.get(stockrecords__partner_sku="SKU-1").parent_id == before


def test_import_still_upserts_by_sku(farm):
    from producers.catalogue_services import product_save
    from producers.product_input import ProductInput, VariantInput

    # A file names variants by SKU: a row moves its variant to the product it names.
    catalogue_upsert(rows=rows_for(farm, 1, name="Renamed"), producers={farm.id: farm})
    parent = Product.objects.get(stockrecords__partner_sku="SKU-0").parent
    assert parent.title == "Renamed 0"
    # A product's own variants keep their SKUs when it is edited.
    other = Product.objects.get(stockrecords__partner_sku="SKU-1").parent
    saved, errors = product_save(producer=farm, parent=other, product=ProductInput(
        name=other.title, category_id=other.categories.get().id,
        variants=(VariantInput(sku="SKU-1", units=Decimal("1"), unit_type="kg",
                                  price=Decimal("1"), on_hand=1),),
    ))
    assert errors == [] and saved == other
    assert parent.pk != other.pk


@pytest.mark.parametrize("price", ["sNaN", "NaN", "Infinity", "1e999999"])
def test_dashboard_price_must_be_a_number(client, member, farm, price):
    # A formset compares each row with its initial values first: Decimal("sNaN") raised there.
    records = list(StockRecord.objects.filter(partner=farm.partner).order_by("id"))
    response = client.post("/producer/ferme-a/", _bulk_post(records, **{"SKU-0": {"price": price}}))
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert StockRecord.objects.get(partner_sku="SKU-0").price == Decimal("2.40")


def test_profile_with_a_malformed_vat_number_shows_the_error(client, member, farm):
    # clean() compacted the raw number even after its validator refused it, and raised.
    response = client.post("/producer/ferme-a/profile/", {
        "action": "profile", "name": "Ferme A", "country": "FR", "is_visible": "on",
        "vat_number": "NaN",
    })
    assert response.status_code == 200
    assert "not a valid EU VAT number" in response.content.decode()


def test_a_product_offered_in_a_cycle_is_archived_not_deleted(client, member, farm, hub):
    import datetime as dt

    from django.utils import timezone

    from hubs.cycle_services import cycle_create, cycle_offers_add
    from hubs.services import hub_supplier_link

    hub_supplier_link(hub=hub, producer=farm)
    now = timezone.now()
    cycle = cycle_create(hub=hub, name="Week", opens_at=now + dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=2))
    cycle_offers_add(cycle=cycle, producer=farm)
    parent = Product.objects.get(stockrecords__partner_sku="SKU-0").parent
    response = client.post(f"/producer/ferme-a/products/{parent.id}/archive/")
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.archived_at is not None and cycle.offers.count() == 2


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/order-cycles/", "hub"), ("/api/v1/relationships/", "producer"),
])
def test_an_id_too_large_for_any_number_is_a_400(api, farm, hub, path, field):
    body = f'{{"{field}": 1e999999}}'
    response = api.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_category_too_large_for_any_number_is_a_400(api, farm):
    body = product_payload()
    body["category"] = "__inf__"
    text = __import__("json").dumps(body).replace('"__inf__"', "1e999999")
    response = api.post(f"/api/v1/producers/{farm.id}/products/", text,
                        content_type="application/json")
    assert response.status_code == 400 and "category" in response.json()


def test_a_huge_form_count_builds_no_more_forms_than_allowed(client, member):
    # Django builds up to max_num + 1,000 forms for a posted TOTAL_FORMS: seconds per request.
    response = client.post("/producer/ferme-a/products/new/", _product_post(**{
        "variants-TOTAL_FORMS": "99999999999999999999"}))
    assert response.status_code == 200
    assert len(response.context["variants"].forms) == 30
    assert "Please submit at most 30 forms." in response.content.decode()
