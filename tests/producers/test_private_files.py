"""Private files (issue 8, finding 3): import files live in the private storage under random
names and are downloaded only by the producer's members and platform admins; /media/ is not
served by Django when DEBUG is off."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import TestCase

from producers.models import ProductImport
from producers.private_files import RandomName, private_file_response
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory
from tests.producers.test_import_flow import HEADER

pytestmark = pytest.mark.django_db
CONTENT = HEADER + ",A-1,Apples,,Fruit,,1,kg,,2.90,10,,0,,\n"


@pytest.fixture
def farm():
    return ProducerFactory(name="Ferme A", slug="ferme-a")


@pytest.fixture
def owner(farm):
    user = UserFactory(email="farmer@example.com")
    producer_member_add(producer=farm, user=user, role="owner")
    return user


@pytest.fixture
def product_import(client, farm, owner):
    client.force_login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            "/producer/ferme-a/import/",
            {"file": SimpleUploadedFile("ferme-a-products.csv", CONTENT.encode())},
        )
    client.logout()
    return ProductImport.objects.get()


def file_url(product_import, slug="ferme-a"):
    return f"/producer/{slug}/imports/{product_import.id}/file/"


def test_the_stored_name_is_random_and_outside_media(product_import):
    assert product_import.status == "ready"
    assert product_import.filename == "ferme-a-products.csv"
    assert re.fullmatch(r"imports/[0-9a-f]{32}", product_import.file.name)
    private_root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    assert (private_root / product_import.file.name).read_text() == CONTENT
    assert not list(Path(settings.MEDIA_ROOT).glob("**/ferme-a-products*"))
    assert product_import.file.storage is storages["private"]


def test_the_owner_downloads_it_as_an_attachment(client, owner, product_import):
    client.force_login(owner)
    response = client.get(file_url(product_import))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == CONTENT
    assert response["Content-Disposition"] == 'attachment; filename="ferme-a-products.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    page = client.get(f"/producer/ferme-a/imports/{product_import.id}/").content.decode()
    assert f'href="{file_url(product_import)}"' in page


def test_a_platform_admin_downloads_it(client, product_import):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(file_url(product_import)).status_code == 200


def test_anonymous_visitors_get_404(client, product_import):
    assert client.get(file_url(product_import)).status_code == 404


def test_another_producers_member_gets_404(client, product_import):
    other = ProducerFactory(slug="ferme-b")
    stranger = UserFactory()
    producer_member_add(producer=other, user=stranger, role="owner")
    client.force_login(stranger)
    assert client.get(file_url(product_import)).status_code == 404
    assert client.get(file_url(product_import, slug="ferme-b")).status_code == 404
    assert client.get(f"/producer/ferme-b/imports/{product_import.id}/").status_code == 404


def test_an_import_without_a_file_is_404(client, owner, farm):
    invalid = ProductImport.objects.create(
        producer=farm, filename="bad.csv", status="invalid", counts={}, errors=[]
    )
    client.force_login(owner)
    assert client.get(file_url(invalid)).status_code == 404


def test_media_is_not_served_by_django_when_debug_is_off(client):
    assert settings.DEBUG is False
    leaked = Path(settings.MEDIA_ROOT) / "imports" / "2026" / "05" / "ferme-a-products.csv"
    leaked.parent.mkdir(parents=True, exist_ok=True)
    leaked.write_text(CONTENT)
    try:
        assert client.get("/media/imports/2026/05/ferme-a-products.csv").status_code == 404
    finally:
        leaked.unlink()


def test_the_migration_moves_old_import_files_out_of_media(farm):
    migration = importlib.import_module("producers.migrations.0007_files_private_imports")
    public, private = storages["default"], storages["private"]
    old_name = public.save("imports/2026/05/ferme-a-products.csv", ContentFile(CONTENT))
    kept = ProductImport.objects.create(
        producer=farm, filename="ferme-a-products.csv", status="done", counts={}, errors=[]
    )
    lost = ProductImport.objects.create(
        producer=farm, filename="gone.csv", status="done", counts={}, errors=[]
    )
    ProductImport.objects.filter(pk=kept.pk).update(file=old_name)
    ProductImport.objects.filter(pk=lost.pk).update(file="imports/2026/05/gone.csv")

    migration.move_import_files(apps, None)

    kept.refresh_from_db()
    lost.refresh_from_db()
    assert re.fullmatch(r"imports/[0-9a-f]{32}", kept.file.name)
    assert private.open(kept.file.name).read().decode() == CONTENT
    assert not public.exists(old_name)
    assert lost.file.name == ""  # unavailable: its report stays, without a file
    migration.move_import_files(apps, None)  # running it again changes nothing
    kept.refresh_from_db()
    assert private.exists(kept.file.name)
    private.delete(kept.file.name)


def test_private_file_helpers():
    name = RandomName("invoices")
    first, second = name(None, "invoice-42.pdf"), name(None, "invoice-42.pdf")
    assert first != second and re.fullmatch(r"invoices/[0-9a-f]{32}", first)
    assert RandomName("invoices") == name and name.deconstruct()[1] == ("invoices",)
    with pytest.raises(Http404):
        private_file_response(ProductImport(filename="x.csv").file, "x.csv")


@pytest.mark.parametrize("inside", ["media", "static"])
def test_a_private_root_inside_a_served_directory_is_a_configuration_error(settings, tmp_path,
                                                                          inside):
    from foodhub.checks import private_root_check

    settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "media", tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "private": {
        **settings.STORAGES["private"], "OPTIONS": {"location": tmp_path / inside / "private"}}}
    errors = private_root_check()
    assert [error.id for error in errors] == ["foodhub.E001"]
    assert "would be served to anyone" in errors[0].msg


def test_the_configured_private_root_is_outside_media_and_static():
    from foodhub.checks import private_root_check

    assert private_root_check() == []
