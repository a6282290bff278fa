"""The team API of producers and hubs: same rules as the pages, refusals say why."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from teams.services import member_add
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _url(kind, team, rest: str = "") -> str:
    return f"/api/v1/{kind.prefix}s/{team.pk}/team/{rest}"


def test_staff_cannot_invite_an_owner_by_api(kind, team, staff, api):
    api.force_authenticate(staff)
    response = api.post(_url(kind, team, "invitations/"),
                        {"email": "boss@example.com", "role": "owner"})
    assert response.status_code == 403
    assert "Only an owner can invite another owner" in response.json()["detail"]
    assert not team.invitations.exists()


def test_staff_invites_staff_by_api_and_the_e_mail_follows_the_commit(
    kind, team, staff, api, django_capture_on_commit_callbacks
):
    api.force_authenticate(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(_url(kind, team, "invitations/"), {"email": "Helper@Example.com"})
    assert response.status_code == 201
    assert response.json()["email"] == "helper@example.com"
    assert response.json()["role"] == "staff"
    assert mail.outbox[-1].to == ["helper@example.com"]


def test_an_unknown_role_is_refused_by_api(kind, team, owner, api):
    api.force_authenticate(owner)
    response = api.post(_url(kind, team, "invitations/"), {"email": "a@example.com",
                                                           "role": "admin"})
    assert response.status_code == 400 and "role" in response.json()


def test_members_by_api_owner_changes_roles_last_owner_stays(kind, team, owner, staff, api):
    api.force_authenticate(owner)
    body = api.get(_url(kind, team)).json()
    members = {m["email"]: m["id"] for m in body["members"]}
    assert list(members) == ["owner@example.com", "staff@example.com"]  # owners first
    response = api.delete(_url(kind, team, f"members/{members['owner@example.com']}/"))
    assert response.status_code == 400 and "last owner" in str(response.json())
    response = api.patch(_url(kind, team, f"members/{members['staff@example.com']}/"),
                         {"role": "owner"})
    assert response.status_code == 200 and response.json()["role"] == "owner"
    api.force_authenticate(staff)
    response = api.delete(_url(kind, team, f"members/{members['owner@example.com']}/"))
    assert response.status_code == 204


def test_staff_cannot_change_roles_by_api(kind, team, owner, staff, api):
    api.force_authenticate(staff)
    owner_id = team.memberships.get(user=owner).pk
    response = api.patch(_url(kind, team, f"members/{owner_id}/"), {"role": "staff"})
    assert response.status_code == 403
    assert team.memberships.get(user=owner).role == "owner"


def test_a_member_of_another_team_gets_404_by_api(kind, team, owner, api):
    outsider = UserFactory(email="outsider@example.com")
    member_add(team=kind.factory(), user=outsider, role="owner")
    api.force_authenticate(outsider)
    owner_id = team.memberships.get(user=owner).pk
    assert api.get(_url(kind, team)).status_code == 404
    assert api.post(_url(kind, team, "invitations/"), {"email": "a@example.com"}).status_code \
        == 404
    assert api.delete(_url(kind, team, f"members/{owner_id}/")).status_code == 404
    assert team.memberships.filter(user=owner).exists()


def test_anonymous_callers_are_refused(kind, team, api):
    assert api.get(_url(kind, team)).status_code == 401
