import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.models import HUB_MANAGERS_GROUP, HubProducer
from hubs.selectors import public_hubs
from hubs.services import hub_create, hub_manager_add, hub_supplier_link
from teams.selectors import user_areas, user_profile
from teams.services import member_remove
from tests.hubs.factories import HubFactory, HubProducerFactory
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_hub_create_validates_time_zone():
    with pytest.raises(ValidationError) as error:
        hub_create(name="Hub", time_zone="Mars/Olympus")
    assert "time_zone" in error.value.message_dict
    hub = hub_create(name="Marché de Lyon", time_zone="Europe/Paris")
    assert hub.slug == "marche-de-lyon"


def test_manager_role_follows_memberships():
    user = UserFactory()
    hub = HubFactory()
    hub_manager_add(hub=hub, user=user)
    assert user.groups.filter(name=HUB_MANAGERS_GROUP).exists()
    assert user_areas(user) == {"producer": False, "hub_manager": True}
    member_remove(team=hub, user=user, by=user)
    assert not user.groups.filter(name=HUB_MANAGERS_GROUP).exists()


def test_supplier_link_is_idempotent_and_reactivates():
    link = HubProducerFactory(status=HubProducer.Status.ENDED)
    again = hub_supplier_link(hub=link.hub, producer=link.producer)
    assert again.pk == link.pk and again.status == HubProducer.Status.ACTIVE


def test_public_hubs_count_active_suppliers_in_one_query():
    hub = HubFactory()
    HubProducerFactory(hub=hub)
    HubProducerFactory(hub=hub)
    HubProducerFactory(hub=hub, status=HubProducer.Status.ENDED)
    HubFactory(is_visible=False)
    with CaptureQueriesContext(connection) as queries:
        hubs = list(public_hubs())
    assert len(queries) == 1
    assert [(h.name, h.supplier_count) for h in hubs] == [(hub.name, 2)]


def test_manager_sees_only_own_hubs(client):
    user = UserFactory()
    mine, other = HubFactory(name="Mine"), HubFactory(name="Theirs")
    HubProducerFactory(hub=mine, producer=ProducerFactory(name="Supplier A"))
    hub_manager_add(hub=mine, user=user)
    client.force_login(user)
    html = client.get("/hub/").content.decode()
    assert "Mine" in html and "Theirs" not in html
    detail = client.get(f"/hub/{mine.slug}/")
    assert detail.status_code == 200 and "Supplier A" in detail.content.decode()
    assert client.get(f"/hub/{other.slug}/").status_code == 404


def test_shopper_and_producer_cannot_open_hub_pages(client):
    from producers.services import producer_member_add

    hub = HubFactory()
    shopper = UserFactory()
    client.force_login(shopper)
    assert client.get(f"/hub/{hub.slug}/").status_code == 404
    producer_user = UserFactory()
    producer_member_add(producer=ProducerFactory(), user=producer_user)
    client.force_login(producer_user)
    assert client.get(f"/hub/{hub.slug}/").status_code == 404


def test_anonymous_is_sent_to_login(client):
    hub = HubFactory()
    response = client.get(f"/hub/{hub.slug}/")
    assert response.status_code == 302 and "/shop/accounts/login/" in response["Location"]


def test_user_profile_query_count_is_constant():
    user = UserFactory()
    for _ in range(5):
        hub_manager_add(hub=HubFactory(), user=user)
    with CaptureQueriesContext(connection) as queries:
        profile = user_profile(user)
    assert len(profile.memberships["hub_manager"]) == 5
    assert len(queries) == 3


def test_hub_update_validates_the_whole_hub():
    from hubs.services import hub_update

    hub = HubFactory()
    with pytest.raises(ValidationError) as error:
        hub_update(hub=hub, time_zone="Nowhere/Land", language="de")
    assert set(error.value.message_dict) == {"time_zone", "language"}
    hub.refresh_from_db()
    assert hub.time_zone == "Europe/Paris"
