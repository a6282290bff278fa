"""The team pages of producers and hubs: one shared page, the same rules, clear refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teams.services import member_add
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_staff_cannot_invite_an_owner_from_the_page(kind, team, staff, client):
    client.force_login(staff)
    page = client.get(kind.page(team)).content.decode()
    assert 'value="staff"' in page and 'value="owner">' not in page.split("invite-form")[1]
    response = client.post(kind.page(team), {"action": "invite", "email": "boss@example.com",
                                             "role": "owner"}, follow=True)
    assert "Only an owner can invite another owner" in _messages(response)
    assert not team.invitations.exists()


def test_staff_invites_staff_and_sees_the_pending_invitation(kind, team, staff, client):
    client.force_login(staff)
    response = client.post(kind.page(team), {"action": "invite", "email": "Helper@Example.com",
                                             "role": "staff"}, follow=True)
    assert "Invitation sent to helper@example.com" in _messages(response)
    assert "helper@example.com" in response.content.decode().split("pending-invitations")[1]


def test_an_unknown_role_is_refused_with_the_form(kind, team, owner, client):
    client.force_login(owner)
    response = client.post(kind.page(team), {"action": "invite", "email": "a@example.com",
                                             "role": "admin"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not team.invitations.exists()


def test_owner_changes_a_role_and_removes_a_member(kind, team, owner, staff, client):
    client.force_login(owner)
    membership = team.memberships.get(user=staff)
    response = client.post(kind.page(team), {"action": "role", "member": membership.pk,
                                             "role": "owner"}, follow=True)
    assert "staff@example.com is now owner" in _messages(response)
    response = client.post(kind.page(team), {"action": "remove", "member": membership.pk},
                           follow=True)
    assert "staff@example.com was removed" in _messages(response)
    assert list(team.memberships.values_list("user__email", flat=True)) == ["owner@example.com"]


def test_staff_cannot_change_roles_or_remove(kind, team, owner, staff, client):
    client.force_login(staff)
    owner_membership = team.memberships.get(user=owner)
    page = client.get(kind.page(team)).content.decode()
    assert "Change role" not in page and ">Remove<" not in page and "Leave the team" in page
    response = client.post(kind.page(team), {"action": "role", "member": owner_membership.pk,
                                             "role": "staff"}, follow=True)
    assert "Only an owner can change roles" in _messages(response)
    response = client.post(kind.page(team), {"action": "remove",
                                             "member": owner_membership.pk}, follow=True)
    assert "Only an owner can change roles or remove other members" in _messages(response)
    assert team.memberships.get(user=owner).role == "owner"


def test_the_last_owner_cannot_leave_but_staff_can(kind, team, owner, staff, client):
    client.force_login(owner)
    response = client.post(kind.page(team), {"action": "leave"}, follow=True)
    assert "last owner" in _messages(response)
    assert team.memberships.filter(user=owner).exists()
    client.force_login(staff)
    response = client.post(kind.page(team), {"action": "leave"})
    assert response.status_code == 302 and response["Location"] == f"/{kind.prefix}/"
    assert not team.memberships.filter(user=staff).exists()
    assert client.get(kind.page(team)).status_code == 404


def test_a_member_of_another_team_gets_404(kind, team, owner, client):
    other_team = kind.factory()
    outsider = UserFactory(email="outsider@example.com")
    member_add(team=other_team, user=outsider, role="owner")
    client.force_login(outsider)
    assert client.get(kind.page(team)).status_code == 404
    membership = team.memberships.get(user=owner)
    for data in ({"action": "invite", "email": "a@example.com", "role": "owner"},
                 {"action": "remove", "member": membership.pk}, {"action": "leave"}):
        assert client.post(kind.page(team), data).status_code == 404
    assert team.memberships.filter(user=owner).exists() and not team.invitations.exists()


def test_a_member_cannot_act_on_another_teams_member(kind, team, owner, client):
    other_team = kind.factory()
    stranger = UserFactory(email="stranger@example.com")
    member_add(team=other_team, user=stranger, role="staff")
    client.force_login(owner)
    response = client.post(kind.page(team), {
        "action": "remove", "member": other_team.memberships.get().pk}, follow=True)
    assert "not a member of this team" in _messages(response)
    assert other_team.memberships.exists()


def test_the_team_page_runs_the_same_queries_for_any_number_of_members(kind, team, owner,
                                                                      client):
    client.force_login(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(kind.page(team)).status_code == 200
        return len(queries)

    team.invitations.create(email="p@example.com")
    count()  # warm caches (site, content types)
    few = count()
    for n in range(6):
        member_add(team=team, user=UserFactory())
        team.invitations.create(email=f"q{n}@example.com")
    assert count() == few


def test_an_invitation_is_accepted_from_its_link(kind, team, owner, client,
                                                 django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(kind.page(team), {"action": "invite", "email": "new@example.com",
                                      "role": "owner"})
    invitation = team.invitations.get()
    newcomer = UserFactory(email="new@example.com")
    client.force_login(newcomer)
    assert "Accept the invitation" in client.get(kind.accept(invitation)).content.decode()
    response = client.post(kind.accept(invitation))
    assert response.status_code == 302 and team.slug in response["Location"]
    assert team.memberships.get(user=newcomer).role == "owner"
    response = client.post(kind.accept(invitation), follow=True)
    assert "not valid any more" in _messages(response)
