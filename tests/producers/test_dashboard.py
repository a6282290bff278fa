"""The producer inventory dashboard: listing, bulk edit, products with variants, history,
profile and team, and tenancy (another producer's pages answer 404)."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from PIL import Image

from producers.catalogue_services import catalogue_upsert
from producers.importing import ImportRow
from producers.models import ProducerInvitation
from producers.selectors import stock_history
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")


def rows_for(producer, n, *, name="Carrots", start=0, **overrides):
    category = Category.objects.get(name="Vegetables")
    return [
        ImportRow(
            row=i + 2, producer_id=producer.id, sku=f"SKU-{start + i}",
            name=overrides.get("product_name", f"{name} {(start + i) // 2}"),
            display_name=f"{500 * (1 + i % 2)} g", category_id=category.id,
            description="Fresh.", unit_type="weight", unit_value=Decimal(500 * (1 + i % 2)),
            unit_label=f"{500 * (1 + i % 2)} g", price=Decimal("2.40"), on_hand=10,
            on_demand=False, available_on=None, shipping_category="",
            vat_rate=overrides.get("vat_rate"),
        )
        for i in range(n)
    ]


@pytest.fixture
def member(client):
    user = UserFactory(email="farmer@example.com")
    producer = ProducerFactory(name="Ferme A", slug="ferme-a")
    producer_member_add(producer=producer, user=user, role="owner")
    client.force_login(user)
    return producer, user


@pytest.fixture
def other_producer():
    producer = ProducerFactory(name="Ferme B", slug="ferme-b")
    catalogue_upsert(rows=rows_for(producer, 2, name="Leeks"), producers={producer.id: producer})
    return producer


def test_dashboard_lists_own_variants_with_unit_prices(client, member, other_producer):
    producer, _user = member
    catalogue_upsert(rows=rows_for(producer, 4), producers={producer.id: producer})
    html = client.get("/producer/ferme-a/").content.decode()
    assert html.count('id="row-SKU-') == 4
    assert "Leeks" not in html
    assert "€4.80/kg" in html  # 2.40 for 500 g
    assert "5.5 %" in html  # the category's default VAT rate


def test_dashboard_search_and_category_filter(client, member):
    producer, _user = member
    catalogue_upsert(rows=rows_for(producer, 4), producers={producer.id: producer})
    html = client.get("/producer/ferme-a/", {"q": "SKU-3"}).content.decode()
    assert html.count('id="row-SKU-') == 1
    fruit = Category.objects.get(name="Fruit")
    html = client.get("/producer/ferme-a/", {"category": fruit.id}).content.decode()
    assert html.count('id="row-SKU-') == 0


def test_dashboard_query_count_is_constant(client, member):
    producer, _user = member
    catalogue_upsert(rows=rows_for(producer, 3), producers={producer.id: producer})
    client.get("/producer/ferme-a/")
    with CaptureQueriesContext(connection) as few:
        client.get("/producer/ferme-a/")
    catalogue_upsert(rows=rows_for(producer, 40, start=3), producers={producer.id: producer})
    with CaptureQueriesContext(connection) as many:
        response = client.get("/producer/ferme-a/")
    assert response.content.decode().count('id="row-SKU-') == 43
    assert len(many) == len(few)


def _bulk_post(records, **changes):
    data = {"rows-TOTAL_FORMS": len(records), "rows-INITIAL_FORMS": len(records)}
    for i, record in enumerate(records):
        values = {
            "stockrecord_id": record.id, "price": record.price,
            "num_in_stock": record.num_in_stock, "on_demand": "", "is_active": "on",
        }
        values.update(changes.get(record.partner_sku, {}))
        for key, value in values.items():
            if value != "":
                data[f"rows-{i}-{key}"] = value
    return data


def test_bulk_edit_saves_all_rows_and_records_history(client, member):
    producer, user = member
    catalogue_upsert(rows=rows_for(producer, 3), producers={producer.id: producer})
    records = list(StockRecord.objects.filter(partner=producer.partner).order_by("id"))
    data = _bulk_post(records, **{
        "SKU-0": {"price": "3.10", "num_in_stock": "7"},
        "SKU-1": {"on_demand": "on", "is_active": ""},
    })
    response = client.post("/producer/ferme-a/", data)
    assert response.status_code == 302
    first = StockRecord.objects.get(partner_sku="SKU-0")
    assert (first.price, first.num_in_stock) == (Decimal("3.10"), 7)
    second = StockRecord.objects.get(partner_sku="SKU-1").product
    assert second.on_demand and not second.is_public
    latest = stock_history(producer=producer).first()
    assert latest.partner_sku == "SKU-0" and latest.history_user == user
    assert "SKU-0" in client.get("/producer/ferme-a/history/").content.decode()


def test_bulk_edit_with_one_bad_row_saves_nothing(client, member):
    producer, _user = member
    catalogue_upsert(rows=rows_for(producer, 2), producers={producer.id: producer})
    records = list(StockRecord.objects.filter(partner=producer.partner).order_by("id"))
    data = _bulk_post(records, **{
        "SKU-0": {"price": "9.99"},
        "SKU-1": {"num_in_stock": "-4"},
    })
    response = client.post("/producer/ferme-a/", data)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert StockRecord.objects.get(partner_sku="SKU-0").price == Decimal("2.40")


def test_bulk_edit_cannot_touch_another_producers_stock(client, member, other_producer):
    foreign = StockRecord.objects.filter(partner=other_producer.partner).first()
    data = _bulk_post([foreign], **{foreign.partner_sku: {"price": "0.01"}})
    response = client.post("/producer/ferme-a/", data)
    assert response.status_code == 200
    foreign.refresh_from_db()
    assert foreign.price == Decimal("2.40")


def _png(size=(20, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, format="PNG")
    return buffer.getvalue()


def _product_post(**extra):
    data = {
        "name": "Honey", "description": "Wildflower.",
        "category": Category.objects.get(name="Pantry").id, "vat_rate": "",
        "variants-TOTAL_FORMS": 3, "variants-INITIAL_FORMS": 0,
        "variants-0-sku": "H-250", "variants-0-units": "250", "variants-0-unit_type": "g",
        "variants-0-price": "4,60", "variants-0-on_hand": "12",
        "variants-1-sku": "H-1K", "variants-1-units": "1", "variants-1-unit_type": "kg",
        "variants-1-price": "15.90", "variants-1-on_demand": "on",
    }
    data.update(extra)
    return data


def test_create_product_with_variants_and_photo(client, member):
    producer, _user = member
    photo = SimpleUploadedFile("honey.png", _png(), content_type="image/png")
    response = client.post("/producer/ferme-a/products/new/", _product_post(image=photo))
    assert response.status_code == 302, response.content.decode()[:3000]
    parent = Product.objects.get(title="Honey", structure="parent")
    assert parent.vat_rate == Decimal("5.5") and parent.images.count() == 1
    variants = {v.stockrecords.get().partner_sku: v for v in parent.children.all()}
    assert variants["H-250"].unit_label == "250 g"
    assert variants["H-250"].stockrecords.get().price == Decimal("4.60")
    assert variants["H-1K"].unit_value == 1000 and variants["H-1K"].on_demand


def test_product_form_errors_name_the_field(client, member):
    response = client.post(
        "/producer/ferme-a/products/new/",
        _product_post(**{"variants-0-unit_type": "", "variants-1-price": "-3"}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Items need a unit name" in html
    assert "Price cannot be negative." in html
    assert not Product.objects.filter(title="Honey").exists()


def test_an_empty_product_form_says_what_is_required(client, member):
    """An empty POST answered 500 (the form was left unbound)."""
    response = client.post("/producer/ferme-a/products/new/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.png", b"not an image", content_type="image/png"), "valid image"),
        (SimpleUploadedFile("x.gif", b"", content_type="image/gif"), "empty"),
    ],
)
def test_broken_or_non_image_upload_is_refused(client, member, upload, message):
    response = client.post("/producer/ferme-a/products/new/", _product_post(image=upload))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.filter(title="Honey").exists()


def test_oversized_image_is_refused(client, member):
    buffer = io.BytesIO()
    Image.effect_noise((2600, 2600), 100).convert("RGB").save(buffer, format="PNG")
    assert buffer.tell() > 5 * 1024 * 1024
    upload = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")
    response = client.post("/producer/ferme-a/products/new/", _product_post(image=upload))
    assert "larger than 5 MB" in response.content.decode()


def test_edit_renames_product_and_keeps_variants(client, member):
    producer, _user = member
    client.post("/producer/ferme-a/products/new/", _product_post())
    parent = Product.objects.get(title="Honey")
    records = list(StockRecord.objects.filter(product__parent=parent).order_by("id"))
    data = _product_post(name="Wildflower honey", **{
        "variants-TOTAL_FORMS": 3, "variants-INITIAL_FORMS": 2,
        "variants-0-stockrecord_id": records[0].id, "variants-1-stockrecord_id": records[1].id,
        "variants-0-price": "4.80",
    })
    response = client.post(f"/producer/ferme-a/products/{parent.id}/", data)
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.title == "Wildflower honey" and parent.children.count() == 2
    assert StockRecord.objects.get(partner_sku="H-250").price == Decimal("4.80")


def test_archive_deletes_a_never_ordered_product(client, member):
    client.post("/producer/ferme-a/products/new/", _product_post())
    parent = Product.objects.get(title="Honey")
    response = client.post(f"/producer/ferme-a/products/{parent.id}/archive/")
    assert response.status_code == 302
    assert not Product.objects.filter(title="Honey").exists()


def test_archive_keeps_an_ordered_product(client, member):
    from tests.orders.factories import order_line_for

    client.post("/producer/ferme-a/products/new/", _product_post())
    parent = Product.objects.get(title="Honey")
    order_line_for(parent.children.first())
    client.post(f"/producer/ferme-a/products/{parent.id}/archive/")
    parent.refresh_from_db()
    assert parent.archived_at is not None and not parent.is_public
    html = client.get("/producer/ferme-a/").content.decode()
    assert "H-250" not in html


def test_profile_validates_siret_and_vat_with_stdnum(client, member):
    producer, _user = member
    base = {"action": "profile", "name": "Ferme A", "country": "FR", "vat_registered": "on",
            "is_visible": "on"}
    response = client.post(
        "/producer/ferme-a/profile/",
        {**base, "company_number": "123 456 789 00012", "vat_number": "FR00123"},
    )
    html = response.content.decode()
    assert "not a valid SIRET" in html and "not a valid EU VAT number" in html
    response = client.post(
        "/producer/ferme-a/profile/",
        {**base, "company_number": "732 829 320 00074", "vat_number": "FR 40 303265045",
         "certifications": ["organic"], "legal_name": "EARL Ferme A"},
    )
    assert response.status_code == 302
    producer.refresh_from_db()
    assert producer.company_number == "73282932000074"
    assert producer.vat_number == "FR40303265045"
    assert producer.certifications == ["organic"]


def test_owner_invites_staff_who_accepts(client, member, django_capture_on_commit_callbacks):
    producer, _user = member
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/producer/ferme-a/team/", {"email": "Helper@Example.com", "role": "staff"})
    invitation = ProducerInvitation.objects.get()
    assert mail.outbox[-1].to == ["helper@example.com"]
    assert invitation.token in mail.outbox[-1].body
    stranger = UserFactory(email="stranger@example.com")
    client.force_login(stranger)
    client.post(f"/producer/invitations/{invitation.token}/")
    assert not producer.memberships.filter(user=stranger).exists()
    helper = UserFactory(email="helper@example.com")
    client.force_login(helper)
    response = client.post(f"/producer/invitations/{invitation.token}/")
    assert response.status_code == 302
    assert producer.memberships.get(user=helper).role == "staff"
    client.post(f"/producer/invitations/{invitation.token}/")  # a second use does nothing
    assert producer.memberships.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/producer/ferme-b/", "/producer/ferme-b/products/new/", "/producer/ferme-b/history/",
        "/producer/ferme-b/import/", "/producer/ferme-b/profile/", "/producer/ferme-b/team/",
        "/producer/ferme-b/export.csv", "/producer/ferme-b/export.xlsx",
    ],
)
def test_another_producers_pages_are_404(client, member, other_producer, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code in (404, 405)


def test_another_producers_product_is_404(client, member, other_producer):
    parent = Product.objects.filter(
        structure="parent", children__stockrecords__partner=other_producer.partner
    ).first()
    assert client.get(f"/producer/ferme-a/products/{parent.id}/").status_code == 404
    assert client.post(f"/producer/ferme-a/products/{parent.id}/archive/").status_code == 404
    assert client.get(f"/producer/ferme-b/products/{parent.id}/").status_code == 404


def test_dashboard_speaks_french(client, member):
    producer, _user = member
    catalogue_upsert(rows=rows_for(producer, 1), producers={producer.id: producer})
    html = client.get("/producer/ferme-a/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Inventaire" in html and "Enregistrer les modifications" in html


def test_profile_photos_are_added_validated_and_removed(client, member):
    producer, _user = member
    photo = SimpleUploadedFile("field.png", _png(), content_type="image/png")
    client.post("/producer/ferme-a/profile/", {"action": "photo", "image": photo,
                                               "caption": "The field"})
    assert producer.photos.get().caption == "The field"
    broken = SimpleUploadedFile("x.png", b"nope", content_type="image/png")
    response = client.post("/producer/ferme-a/profile/", {"action": "photo", "image": broken})
    assert "valid image" in response.content.decode() and producer.photos.count() == 1
    client.post("/producer/ferme-a/profile/", {"action": "remove-photo",
                                               "photo": producer.photos.get().id})
    assert client.post("/producer/ferme-a/profile/", {"action": "remove-photo", "photo": "x"}
                       ).status_code == 302
    assert producer.photos.count() == 0
