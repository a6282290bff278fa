"""Hub managers edit their own hub's pages in /cms/, and nobody else's: a group per hub with
Wagtail page permissions, kept in step with memberships where role groups are."""

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import ContentPage, HubStorefrontPage
from cms.services import storefront_editors_group_name, storefronts_backfill
from hubs.services import hub_create, hub_manager_add
from teams.services import member_remove, team_delete
from tests.hubs.factories import HubFactory, HubMembershipFactory
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hubs(home):
    a = hub_create(name="Hub A", slug="hub-a")
    b = hub_create(name="Hub B", slug="hub-b")
    manager = UserFactory(email="manager-a@example.com")
    hub_manager_add(hub=a, user=manager, role="owner")
    return a, b, manager


def page_of(hub):
    return HubStorefrontPage.objects.get(hub=hub)


def edit_data(title, text):
    return nested_form_data({
        "title": title, "slug": "", "body": streamfield([("text", rich_text(text))]),
        "comments": inline_formset([]), "action-publish": "action-publish",
    })


def test_a_manager_opens_the_admin_and_edits_only_their_hubs_page(two_hubs, client):
    a, b, manager = two_hubs
    client.force_login(manager)
    assert client.get("/cms/").status_code == 200
    assert client.get(f"/cms/pages/{page_of(a).pk}/edit/").status_code == 200
    refused = client.get(f"/cms/pages/{page_of(b).pk}/edit/")
    assert refused.status_code in (302, 403)
    if refused.status_code == 302:
        assert "/edit/" not in refused["Location"]


def test_a_manager_publishes_their_page_but_cannot_touch_anothers(two_hubs, client):
    a, b, manager = two_hubs
    client.force_login(manager)
    data = edit_data("Hub A", "<p>Fresh every Thursday</p>")
    data["slug"] = "hub-a"
    response = client.post(f"/cms/pages/{page_of(a).pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Fresh every Thursday" in client.get("/hub-a/").content.decode()

    data = edit_data("Hub B taken over", "<p>Defaced</p>")
    data["slug"] = "hub-b"
    response = client.post(f"/cms/pages/{page_of(b).pk}/edit/", data)
    assert response.status_code in (302, 403)
    page = page_of(b)
    assert page.title == "Hub B" and not page.body
    assert "Defaced" not in client.get("/hub-b/").content.decode()


def test_a_manager_cannot_move_their_page_to_another_address(two_hubs, client):
    a, _b, manager = two_hubs
    client.force_login(manager)
    data = edit_data("Hub A", "<p>x</p>")
    data["slug"] = "shop-a"  # the form has no such field: ignored
    response = client.post(f"/cms/pages/{page_of(a).pk}/edit/", data)
    assert response.status_code == 302
    assert page_of(a).url == "/hub-a/"


def test_a_manager_adds_pages_under_their_hubs_page_only(two_hubs, client):
    a, b, manager = two_hubs
    client.force_login(manager)
    add_a = f"/cms/pages/add/cms/contentpage/{page_of(a).pk}/"
    assert client.get(add_a).status_code == 200
    assert client.get(f"/cms/pages/add/cms/contentpage/{page_of(b).pk}/").status_code in (
        302, 403)
    home = Page.objects.get(slug="foodhub-home")
    assert client.get(f"/cms/pages/add/cms/contentpage/{home.pk}/").status_code in (302, 403)
    response = client.post(add_a, nested_form_data({
        "title": "About us", "slug": "about", "body": rich_text("<p>We are A.</p>"),
        "comments": inline_formset([]), "action-publish": "action-publish",
    }))
    assert response.status_code == 302
    assert ContentPage.objects.get(slug="about").url == "/hub-a/about/"


def test_leaving_the_hub_takes_the_admin_away(two_hubs, client):
    a, _b, manager = two_hubs
    other_owner = UserFactory(email="owner2@example.com")
    hub_manager_add(hub=a, user=other_owner, role="owner")
    member_remove(team=a, user=manager, by=manager)
    client.force_login(manager)
    assert client.get("/cms/").status_code == 302  # to the admin's login: no access
    assert client.get(f"/cms/pages/{page_of(a).pk}/edit/").status_code == 302
    assert not manager.groups.filter(name=storefront_editors_group_name(a)).exists()


def test_a_deleted_hub_takes_its_managers_out_of_its_group(two_hubs):
    a, _b, manager = two_hubs
    name = storefront_editors_group_name(a)
    team_delete(team=a)
    assert not manager.groups.filter(name=name).exists()


def test_a_manager_of_two_hubs_keeps_the_other(two_hubs, client):
    a, b, manager = two_hubs
    hub_manager_add(hub=b, user=UserFactory(email="owner-b@example.com"), role="owner")
    hub_manager_add(hub=b, user=manager, role="staff")
    member_remove(team=b, user=manager, by=manager)
    client.force_login(manager)
    assert client.get(f"/cms/pages/{page_of(a).pk}/edit/").status_code == 200
    assert client.get(f"/cms/pages/{page_of(b).pk}/edit/").status_code in (302, 403)


def test_shoppers_and_producers_have_no_admin(two_hubs, client):
    client.force_login(UserFactory(email="shopper@example.com"))
    assert client.get("/cms/").status_code == 302


def test_managers_from_before_the_pages_join_their_group_by_the_backfill(home, client):
    membership = HubMembershipFactory(hub=HubFactory(slug="old"))  # no service: no group
    client.force_login(membership.user)
    assert client.get("/cms/").status_code == 302
    storefronts_backfill()
    client.force_login(membership.user)
    page = HubStorefrontPage.objects.get(hub=membership.hub)
    assert client.get(f"/cms/pages/{page.pk}/edit/").status_code == 200


def test_managers_upload_pictures_to_their_hubs_collection_only(two_hubs):
    from wagtail.images import get_image_model
    from wagtail.permissions import policy_registry

    permission_policy = policy_registry.get_by_type(get_image_model())
    a, b, manager = two_hubs
    collections = permission_policy.collections_user_has_permission_for(manager, "choose")
    assert list(collections) == [page_of(a).collection]
    assert page_of(b).collection not in permission_policy.collections_user_has_permission_for(
        manager, "add")
