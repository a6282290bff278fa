"""One product input for files, the product form and the API: partial PATCH, field errors
(not spreadsheet rows) in the form and the API, a photo kept across a failed form, the
platform currency."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from producers.catalogue_services import VariantChange, catalogue_upsert, variants_bulk_update
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_dashboard import _png, _product_post, rows_for

pytestmark = pytest.mark.django_db
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def farmer():
    user = UserFactory(email="farmer@example.com")
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    producer_member_add(producer=producer, user=user, role="owner")
    return producer, user


@pytest.fixture
def api(farmer):
    client = APIClient()
    client.force_authenticate(farmer[1])
    return client


def _variants(parent):
    return {
        r.partner_sku: (r.price, r.num_in_stock, r.product.title, r.product.unit_label,
                        r.product.is_public, r.product.on_demand)
        for r in StockRecord.objects.filter(product__parent=parent).select_related("product")
    }


# --- API: PATCH is a partial update; PUT and POST need everything ------------------------------


def test_patch_with_only_a_description_changes_only_the_description(api, farmer):
    producer, user = farmer
    catalogue_upsert(rows=rows_for(producer, 2), producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    # A variant the producer made inactive stays inactive.
    record = StockRecord.objects.get(partner_sku="SKU-1")
    variants_bulk_update(producer=producer, user=user, changes=[VariantChange(
        stockrecord_id=record.id, price=record.price, num_in_stock=record.num_in_stock,
        on_demand=False, is_active=False,
    )])
    before = _variants(parent)
    categories = list(parent.categories.all())
    url = f"/api/v1/producers/{producer.id}/products/{parent.id}/"

    response = api.patch(url, {"description": "Grown on sand."}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Grown on sand."
    parent.refresh_from_db()
    assert parent.description == "Grown on sand." and parent.title == "Carrots 0"
    assert list(parent.categories.all()) == categories
    assert _variants(parent) == before


def test_patch_of_one_variant_price_keeps_the_others(api, farmer):
    producer, _user = farmer
    catalogue_upsert(rows=rows_for(producer, 2), producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    url = f"/api/v1/producers/{producer.id}/products/{parent.id}/"
    response = api.patch(url, {"variants": [{"sku": "SKU-1", "price": "3.10"}]}, format="json")
    assert response.status_code == 200, response.json()
    prices = {v["sku"]: v["price"] for v in response.json()["variants"]}
    assert prices == {"SKU-0": "2.40", "SKU-1": "3.10"}


def test_put_still_needs_the_full_product(api, farmer):
    producer, _user = farmer
    catalogue_upsert(rows=rows_for(producer, 1), producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    url = f"/api/v1/producers/{producer.id}/products/{parent.id}/"
    response = api.put(url, {"description": "Grown on sand."}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "category", "variants"}
    created = api.post(f"/api/v1/producers/{producer.id}/products/", {"name": "Honey"},
                       format="json")
    assert created.status_code == 400 and "variants" in created.json()


# --- errors are field errors, never spreadsheet row numbers ---------------------------------------


def test_api_duplicate_sku_is_a_variant_field_error(api, farmer):
    producer, _user = farmer
    payload = {
        "name": "Honey", "category": Category.objects.get(name="Pantry").id,
        "variants": [
            {"sku": "H-1", "units": "250", "unit_type": "g", "price": "4.60", "on_hand": 3},
            {"sku": "H-1", "units": "1", "unit_type": "kg", "price": "15.90", "on_hand": 1},
        ],
    }
    response = api.post(f"/api/v1/producers/{producer.id}/products/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["variants"] and body["variants"][0] == {}
    message = body["variants"][1]["sku"][0]
    assert "H-1" in message and "row" not in message


def test_form_duplicate_sku_names_the_variant_not_a_row(client, farmer):
    _producer, user = farmer
    client.force_login(user)
    response = client.post(
        "/producer/ferme-a/products/new/", _product_post(**{"variants-1-sku": "H-250"})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Duplicate SKU H-250" in html and "on row" not in html
    assert not Product.objects.filter(title="Honey").exists()


# --- the product form keeps a chosen photo when another field fails ------------------------------


def test_photo_is_kept_when_the_form_fails_and_saved_when_it_succeeds(client, farmer):
    _producer, user = farmer
    client.force_login(user)
    photo = SimpleUploadedFile("honey.png", _png(), content_type="image/png")
    failed = client.post(
        "/producer/ferme-a/products/new/", _product_post(image=photo, **{"variants-0-price": "-1"})
    )
    assert failed.status_code == 200
    html = failed.content.decode()
    assert "Price cannot be negative." in html
    assert "Photo kept: honey.png" in html
    token = failed.context["form"]["kept_photo"].value()
    assert token

    # Corrected, sent again without choosing the file again.
    saved = client.post("/producer/ferme-a/products/new/", _product_post(kept_photo=token))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    parent = Product.objects.get(title="Honey", structure="parent")
    image = parent.images.get()
    assert image.original.name.endswith(".png")
    with image.original.open("rb") as stored:
        assert stored.read() == _png()


def test_a_kept_photo_token_cannot_be_forged_or_used_by_another_producer(client, farmer):
    _producer, user = farmer
    client.force_login(user)
    photo = SimpleUploadedFile("honey.png", _png(), content_type="image/png")
    failed = client.post(
        "/producer/ferme-a/products/new/", _product_post(image=photo, **{"variants-0-price": "-1"})
    )
    token = failed.context["form"]["kept_photo"].value()
    other = ProducerFactory(name="Ferme B", slug="ferme-b")
    producer_member_add(producer=other, user=user, role="owner")
    client.post("/producer/ferme-b/products/new/", _product_post(kept_photo=token))
    client.post("/producer/ferme-a/products/new/",
                _product_post(name="Jam", kept_photo=token[:-2] + "xx",
                              **{"variants-0-sku": "J-1", "variants-1-sku": "J-2"}))
    assert not Product.objects.filter(images__isnull=False).exists()


def test_a_new_photo_replaces_the_kept_one(client, farmer):
    _producer, user = farmer
    client.force_login(user)
    first = SimpleUploadedFile("first.png", _png(), content_type="image/png")
    failed = client.post(
        "/producer/ferme-a/products/new/", _product_post(image=first, **{"variants-0-price": "-1"})
    )
    token = failed.context["form"]["kept_photo"].value()
    second = SimpleUploadedFile("second.png", _png((30, 30)), content_type="image/png")
    response = client.post("/producer/ferme-a/products/new/",
                           _product_post(image=second, kept_photo=token))
    assert response.status_code == 302
    image = Product.objects.get(title="Honey", structure="parent").images.get()
    assert "second" in image.original.name


# --- currency ------------------------------------------------------------------------------------


@override_settings(FOODHUB_DEFAULT_CURRENCY="CHF", OSCAR_DEFAULT_CURRENCY="CHF")
def test_new_stock_records_get_the_platform_currency(farmer):
    producer, _user = farmer
    catalogue_upsert(rows=rows_for(producer, 1), producers={producer.id: producer})
    assert StockRecord.objects.get(partner_sku="SKU-0").price_currency == "CHF"


def test_kept_photo_name_is_shown_escaped(client, farmer):
    _producer, user = farmer
    client.force_login(user)
    photo = SimpleUploadedFile("<em>honey.png", _png(), content_type="image/png")
    html = client.post(
        "/producer/ferme-a/products/new/", _product_post(image=photo, **{"variants-0-price": "-1"})
    ).content.decode()
    assert "Photo kept: &lt;em&gt;honey.png" in html
    assert "<em>honey" not in html


# --- editing keeps what the form does not show ----------------------------------------------


def test_editing_in_the_form_keeps_availability_shipping_and_inactive(client, farmer):
    import dataclasses
    import datetime

    producer, user = farmer
    rows = [dataclasses.replace(row, available_on=datetime.date(2030, 5, 1),
                                shipping_category="Chilled") for row in rows_for(producer, 1)]
    catalogue_upsert(rows=rows, producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    record = StockRecord.objects.get(partner_sku="SKU-0")
    variants_bulk_update(producer=producer, user=user, changes=[VariantChange(
        stockrecord_id=record.id, price=record.price, num_in_stock=10, on_demand=False,
        is_active=False,
    )])
    client.force_login(user)
    response = client.post(f"/producer/ferme-a/products/{parent.id}/", {
        "name": parent.title, "description": "Fresh.",
        "category": Category.objects.get(name="Vegetables").id, "vat_rate": "",
        "variants-TOTAL_FORMS": 2, "variants-INITIAL_FORMS": 1,
        "variants-0-stockrecord_id": record.id, "variants-0-sku": "SKU-0",
        "variants-0-display_name": "500 g", "variants-0-units": "500",
        "variants-0-unit_type": "g", "variants-0-price": "2.90", "variants-0-on_hand": "10",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    variant = record.product
    assert record.price.to_eng_string() == "2.90"
    assert (variant.available_on, variant.shipping_category) == (
        datetime.date(2030, 5, 1), "Chilled"
    )
    assert not variant.is_public  # the producer made it inactive; editing does not undo that


# --- PATCH edge cases: nothing sent changes nothing; a blank name is a field error ------------


def test_patch_with_an_empty_body_changes_nothing(api, farmer):
    producer, _user = farmer
    catalogue_upsert(rows=rows_for(producer, 2), producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    before = (_variants(parent), parent.title, parent.description, parent.vat_rate)
    url = f"/api/v1/producers/{producer.id}/products/{parent.id}/"
    response = api.patch(url, {}, format="json")
    assert response.status_code == 200, response.json()
    parent.refresh_from_db()
    assert (_variants(parent), parent.title, parent.description, parent.vat_rate) == before


@pytest.mark.parametrize("name", ["", "   "])
def test_patch_with_a_blank_name_is_a_name_field_error(api, farmer, name):
    producer, _user = farmer
    catalogue_upsert(rows=rows_for(producer, 1), producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    url = f"/api/v1/producers/{producer.id}/products/{parent.id}/"
    response = api.patch(url, {"name": name}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    parent.refresh_from_db()
    assert parent.title == "Carrots 0"


def test_patch_of_a_variant_field_error_names_the_variant_sent(api, farmer):
    producer, _user = farmer
    catalogue_upsert(rows=rows_for(producer, 2), producers={producer.id: producer})
    parent = Product.objects.get(structure="parent")
    url = f"/api/v1/producers/{producer.id}/products/{parent.id}/"
    response = api.patch(url, {"variants": [{"sku": "SKU-1", "price": "-1"}]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"variants": [{"price": ["Price cannot be negative."]}]}
    assert StockRecord.objects.get(partner_sku="SKU-1").price.to_eng_string() != "-1.00"


def test_a_storage_path_or_another_producers_token_in_the_hidden_field_is_ignored(client, farmer):
    """The hidden field carries a signed token, not a storage name: a path typed into it, or a
    token another producer's member was given, neither attaches nor deletes that file."""
    from producers import kept_photos
    from producers.private_files import private_storage

    _producer, user = farmer
    other = ProducerFactory(name="Ferme B", slug="ferme-b")
    stranger = UserFactory(email="b@example.com")
    producer_member_add(producer=other, user=stranger, role="owner")
    client.force_login(stranger)
    photo = SimpleUploadedFile("secret.png", _png(), content_type="image/png")
    failed = client.post(
        "/producer/ferme-b/products/new/", _product_post(image=photo, **{"variants-0-price": "-1"})
    )
    token = failed.context["form"]["kept_photo"].value()
    kept = kept_photos.photo_kept(token=token, producer=other)
    assert kept is not None and private_storage().exists(kept.path)

    client.force_login(user)
    for n, forged in enumerate((kept.path, f"../../{kept.path}", token)):
        response = client.post("/producer/ferme-a/products/new/", _product_post(
            kept_photo=forged, name=f"Honey {n}",
            **{"variants-0-sku": f"F{n}-1", "variants-1-sku": f"F{n}-2"},
        ))
        assert response.status_code == 302, response.content.decode()[:2000]
    assert not Product.objects.filter(images__isnull=False).exists()
    assert private_storage().exists(kept.path)  # ferme-b's file is neither used nor deleted
