"""A producer's public page, made with the producer, at /producers/<slug>/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.models import ProducerPage, ProducersIndexPage
from hubs.models import HubProducer
from hubs.services import hub_create, hub_supplier_link, hub_update, relationship_end
from producers.models import ProducerPhoto
from producers.services import producer_create, producer_update
from tests.hubs.factories import HubFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def farm(home):
    return producer_create(name="Ferme du Pré", slug="ferme-du-pre", city="Rouen",
                           description="Vegetables and eggs.\nOpen on Saturdays.")


def test_creating_a_producer_makes_their_page(farm, client):
    page = ProducerPage.objects.get(producer=farm)
    assert page.url == "/producers/ferme-du-pre/"
    assert isinstance(page.get_parent().specific, ProducersIndexPage)
    html = client.get("/producers/ferme-du-pre/").content.decode()
    assert "<h1>Ferme du Pré</h1>" in html and "Rouen" in html
    assert "<p>Vegetables and eggs.<br>Open on Saturdays.</p>" in html
    assert "does not supply any hub" in html


def test_the_page_lists_the_visible_hubs_supplied_and_links_them(farm, client):
    market = hub_create(name="Market", slug="market")
    ended = hub_create(name="Ended", slug="ended")
    hidden = HubFactory(name="Hidden", slug="hidden", is_visible=False)
    for hub in (market, ended, hidden):
        hub_supplier_link(hub=hub, producer=farm)
    relationship_end(link=HubProducer.objects.get(hub=ended, producer=farm), by="hub")
    html = client.get("/producers/ferme-du-pre/").content.decode()
    assert '<a href="/market/">Market</a>' in html
    assert "Ended" not in html and "Hidden" not in html
    # And the hub's page links back.
    assert 'href="/producers/ferme-du-pre/">Ferme du Pré</a>' in client.get(
        "/market/").content.decode()


def test_photos_with_their_captions_as_alt_text(farm, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ProducerPhoto.objects.create(producer=farm, caption="Our hens",
                                 image=SimpleUploadedFile("hens.jpg", b"x"))
    ProducerPhoto.objects.create(producer=farm, image=SimpleUploadedFile("field.jpg", b"x"))
    html = client.get("/producers/ferme-du-pre/").content.decode()
    assert 'alt="Our hens"' in html and 'alt="A photo of Ferme du Pré"' in html
    assert 'loading="lazy"' in html


def test_a_hidden_or_deleted_producer_has_no_page(farm, client):
    producer_update(producer=farm, is_visible=False)
    assert client.get("/producers/ferme-du-pre/").status_code == 404
    producer_update(producer=farm, is_visible=True)
    assert client.get("/producers/ferme-du-pre/").status_code == 200
    farm.delete()
    assert client.get("/producers/ferme-du-pre/").status_code == 404


def test_the_index_lists_visible_producers(farm, client):
    producer_create(name="Secret farm", slug="secret", is_visible=False)
    html = client.get("/producers/").content.decode()
    assert '<a href="/producers/ferme-du-pre/">Ferme du Pré</a>' in html
    assert "Secret farm" not in html


def test_a_website_is_a_link_only_when_it_is_a_web_address(farm, client):
    from producers.models import Producer

    Producer.objects.filter(pk=farm.pk).update(website="javascript:alert(1)")
    html = client.get("/producers/ferme-du-pre/").content.decode()
    assert "javascript:" not in html
    Producer.objects.filter(pk=farm.pk).update(website="https://ferme.example.org")
    assert 'href="https://ferme.example.org"' in client.get(
        "/producers/ferme-du-pre/").content.decode()


def test_the_producer_page_queries_do_not_grow_with_hubs_and_photos(
        farm, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hub_supplier_link(hub=hub_create(name="One", slug="one"), producer=farm)
    client.get("/producers/ferme-du-pre/")
    with CaptureQueriesContext(connection) as few:
        client.get("/producers/ferme-du-pre/")
    for n in range(3):
        hub = hub_create(name=f"Hub {n}", slug=f"more-{n}")
        hub_update(hub=hub, city="Caen")
        hub_supplier_link(hub=hub, producer=farm)
        ProducerPhoto.objects.create(producer=farm, image=f"producers/photos/{n}.jpg")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get("/producers/ferme-du-pre/").status_code == 200
