"""Django admin: membership inlines go through the team services and rules, and the
permissions the migrations give platform admins are the ones the admin checks."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db.models.fields.files import FieldFile

from teams.roles import PLATFORM_ADMINS_GROUP
from teams.services import member_add
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(client):
    """Staff in the "Platform admins" group, not a superuser: the group's permissions count."""
    user = UserFactory(email="admin@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=PLATFORM_ADMINS_GROUP))
    client.force_login(user)
    return user


def _url(team) -> str:
    return f"/django-admin/{team._meta.app_label}/{team._meta.model_name}/{team.pk}/change/"


def _form_data(response) -> dict:
    """The change form as the browser would post it back, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | dict):
                value = json.dumps(value)
            data[form.add_prefix(name)] = value
    return data


def _membership_rows(data: dict, team) -> dict[str, str]:
    """Row prefix ("memberships-0") by member e-mail."""
    rows = {}
    for membership in team.memberships.select_related("user"):
        for key, value in data.items():
            if key.endswith("-id") and str(value) == str(membership.pk):
                rows[membership.user.email] = key[: -len("-id")]
    return rows


def test_the_admin_refuses_to_remove_the_last_owner(kind, team, owner, staff, client,
                                                    platform_admin):
    data = _form_data(client.get(_url(team)))
    row = _membership_rows(data, team)["owner@example.com"]
    data[f"{row}-DELETE"] = "on"
    response = client.post(_url(team), data)
    assert response.status_code == 200
    assert "A team needs at least one owner" in response.content.decode()
    assert team.memberships.filter(user=owner).exists()
    data.pop(f"{row}-DELETE")
    data[f"{row}-role"] = "staff"
    assert "at least one owner" in client.post(_url(team), data).content.decode()
    assert team.memberships.get(user=owner).role == "owner"


def test_the_admin_hands_ownership_over_in_one_save(kind, team, owner, staff, client,
                                                   platform_admin):
    data = _form_data(client.get(_url(team)))
    rows = _membership_rows(data, team)
    data[f"{rows['owner@example.com']}-DELETE"] = "on"
    data[f"{rows['staff@example.com']}-role"] = "owner"
    assert client.post(_url(team), data).status_code == 302
    assert list(team.memberships.values_list("user__email", "role")) == [
        ("staff@example.com", "owner")
    ]
    assert not owner.groups.filter(name=kind.group).exists()


def test_a_member_added_in_the_admin_gets_the_role_group(kind, team, owner, client,
                                                         platform_admin):
    newcomer = UserFactory(email="new@example.com")
    data = _form_data(client.get(_url(team)))
    total = int(data["memberships-TOTAL_FORMS"])
    data["memberships-TOTAL_FORMS"] = str(total + 1)
    data[f"memberships-{total}-user"] = str(newcomer.pk)
    data[f"memberships-{total}-role"] = "staff"
    assert client.post(_url(team), data).status_code == 302
    assert team.memberships.get(user=newcomer).role == "staff"
    assert newcomer.groups.filter(name=kind.group).exists()


def test_deleting_a_team_in_the_admin_updates_role_groups(kind, team, owner, client,
                                                          platform_admin):
    response = client.post(_url(team).replace("/change/", "/delete/"), {"post": "yes"})
    assert response.status_code == 302
    assert not type(team).objects.filter(pk=team.pk).exists()
    assert not owner.groups.filter(name=kind.group).exists()


def test_staff_without_the_platform_admin_group_cannot_edit_teams(kind, team, client):
    member = UserFactory(email="member@example.com", is_staff=True)
    member_add(team=team, user=member, role="owner")
    client.force_login(member)
    assert client.get(_url(team)).status_code == 403
