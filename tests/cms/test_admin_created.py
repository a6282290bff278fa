"""Hubs and producers made in the Django admin get their pages too, and a hub cannot take an
address of the site there either."""

import pytest

from cms.models import HubStorefrontPage
from hubs.models import Hub
from tests.teams.test_admin import _form_data, platform_admin  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def add_hub(client, **fields):
    data = _form_data(client.get("/django-admin/hubs/hub/add/"))
    data.update(fields)
    return client.post("/django-admin/hubs/hub/add/", data)


def test_a_hub_added_in_the_admin_gets_its_page(home, platform_admin, client):  # noqa: F811
    response = add_hub(client, name="Admin hub", slug="admin-hub", time_zone="Europe/Paris",
                       currency="EUR", language="fr", minimum_order="0")
    assert response.status_code == 302, response.content.decode()[:3000]
    hub = Hub.objects.get(slug="admin-hub")
    assert HubStorefrontPage.objects.get(hub=hub).url == "/admin-hub/"


def test_the_admin_refuses_a_slug_that_is_a_site_address(home, platform_admin, client):  # noqa: F811
    response = add_hub(client, name="Shop", slug="shop", time_zone="Europe/Paris",
                       currency="EUR", language="fr", minimum_order="0")
    assert response.status_code == 200
    assert "/shop/ is already an address of the site" in response.content.decode()
    assert not Hub.objects.filter(slug="shop").exists()


def test_a_hubs_address_is_fixed_once_it_exists(home, platform_admin, client):  # noqa: F811
    add_hub(client, name="Fixed", slug="fixed", time_zone="Europe/Paris", currency="EUR",
            language="fr", minimum_order="0")
    hub = Hub.objects.get(slug="fixed")
    html = client.get(f"/django-admin/hubs/hub/{hub.pk}/change/").content.decode()
    assert 'name="slug"' not in html and "fixed" in html
