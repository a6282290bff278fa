import pytest
from django.contrib.auth.models import Group

from producers.models import PRODUCER_MEMBERS_GROUP, ProducerMembership
from producers.services import producer_create, producer_member_add
from teams.services import member_remove
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_producer_create_makes_its_oscar_partner():
    producer = producer_create(name="Ferme du Moulin", city="Tours")
    assert producer.slug == "ferme-du-moulin"
    assert producer.partner.name == "Ferme du Moulin"


def test_membership_grants_and_removes_the_producer_role():
    user = UserFactory()
    first, second = ProducerFactory(), ProducerFactory()
    producer_member_add(producer=first, user=user, role="staff")
    producer_member_add(producer=second, user=user)
    producer_member_add(producer=second, user=user)  # idempotent
    assert ProducerMembership.objects.filter(user=user).count() == 2
    assert user.groups.filter(name=PRODUCER_MEMBERS_GROUP).exists()
    member_remove(team=first, user=user, by=None)
    assert user.groups.filter(name=PRODUCER_MEMBERS_GROUP).exists()
    member_remove(team=second, user=user, by=None)
    assert not user.groups.filter(name=PRODUCER_MEMBERS_GROUP).exists()


def test_role_groups_exist_and_only_platform_admins_hold_permissions():
    # Members never reach the Django admin: model permissions on their groups would be dead.
    assert not Group.objects.get(name=PRODUCER_MEMBERS_GROUP).permissions.exists()
    assert not Group.objects.get(name="Hub managers").permissions.exists()
    admins = Group.objects.get(name="Platform admins")
    assert admins.permissions.filter(codename="change_producermembership").exists()


def test_member_sees_own_producer_list(client):
    user = UserFactory()
    mine = ProducerFactory(name="My Farm")
    ProducerFactory(name="Other Farm")
    producer_member_add(producer=mine, user=user)
    client.force_login(user)
    html = client.get("/producer/").content.decode()
    assert "My Farm" in html and "Other Farm" not in html


def test_other_producers_page_is_404(client):
    user = UserFactory()
    producer_member_add(producer=ProducerFactory(), user=user)
    other = ProducerFactory()
    client.force_login(user)
    assert client.get(f"/producer/{other.slug}/").status_code == 404


def test_hub_manager_cannot_open_producer_pages(client):
    from hubs.services import hub_manager_add
    from tests.hubs.factories import HubFactory

    user = UserFactory()
    hub_manager_add(hub=HubFactory(), user=user)
    client.force_login(user)
    assert client.get(f"/producer/{ProducerFactory().slug}/").status_code == 404


def test_producer_member_has_no_oscar_dashboard(client):
    user = UserFactory()
    producer_member_add(producer=ProducerFactory(), user=user)
    client.force_login(user)
    response = client.get("/shop/dashboard/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]


def test_platform_admin_sees_any_producer(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(f"/producer/{ProducerFactory().slug}/").status_code == 200


def test_renaming_a_producer_renames_its_oscar_partner():
    from producers.services import producer_update

    producer = producer_create(name="Old Name")
    producer_update(producer=producer, name="New Name")
    producer.partner.refresh_from_db()
    assert producer.partner.name == "New Name"


def test_producer_update_rejects_an_invalid_slug():
    from django.core.exceptions import ValidationError

    from producers.services import producer_update

    producer = producer_create(name="Farm")
    with pytest.raises(ValidationError) as error:
        producer_update(producer=producer, slug="not a slug!")
    assert "slug" in error.value.message_dict
