"""Team rules, enforced by the services whoever calls them (pages, API, admin, commands)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from teams.roles import PLATFORM_ADMINS_GROUP, TeamRole
from teams.services import (
    invitation_accept,
    invitation_cancel,
    invite,
    member_add,
    member_remove,
    member_role_change,
)
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_roles_have_a_rank_owners_first():
    assert TeamRole.OWNER.rank > TeamRole.STAFF.rank
    assert TeamRole.by_rank() == [TeamRole.OWNER, TeamRole.STAFF]


def test_staff_cannot_invite_an_owner(team, staff):
    with pytest.raises(PermissionDenied, match="Only an owner can invite another owner"):
        invite(team=team, email="boss@example.com", role="owner", invited_by=staff)
    assert not team.invitations.exists()


def test_staff_may_invite_staff_and_owners_may_invite_owners(team, owner, staff):
    invite(team=team, email="helper@example.com", role="staff", invited_by=staff)
    invite(team=team, email="partner@example.com", role="owner", invited_by=owner)
    assert sorted(team.invitations.values_list("role", flat=True)) == ["owner", "staff"]


def test_platform_admin_may_invite_an_owner_anywhere(team):
    admin = UserFactory()
    admin.groups.add(Group.objects.get(name=PLATFORM_ADMINS_GROUP))
    invite(team=team, email="first@example.com", role="owner", invited_by=admin)
    assert team.invitations.get().role == "owner"


def test_a_stranger_cannot_invite(team, owner):
    with pytest.raises(PermissionDenied):
        invite(team=team, email="x@example.com", role="staff", invited_by=UserFactory())


@pytest.mark.parametrize("role", ["admin", "", "OWNER"])
def test_unknown_roles_are_refused(team, owner, staff, role):
    with pytest.raises(ValidationError) as error:
        invite(team=team, email="x@example.com", role=role, invited_by=owner)
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError):
        member_add(team=team, user=UserFactory(), role=role)
    with pytest.raises(ValidationError):
        member_role_change(team=team, user=staff, role=role, by=owner)
    assert team.memberships.get(user=staff).role == "staff"


def test_invitation_role_has_choices(kind):
    field = kind.invitation_model._meta.get_field("role")
    assert [value for value, _label in field.choices] == ["owner", "staff"]


def test_inviting_a_member_is_refused_and_an_address_again_replaces_the_invitation(
    team, owner, staff
):
    with pytest.raises(ValidationError, match="already a member"):
        invite(team=team, email="STAFF@example.com", role="staff", invited_by=owner)
    first = invite(team=team, email="new@example.com", role="staff", invited_by=owner)
    second = invite(team=team, email="new@example.com", role="owner", invited_by=owner)
    assert list(team.invitations.all()) == [second] and first.token != second.token


def test_only_owners_change_roles_or_remove_others(team, owner, staff):
    other = UserFactory()
    member_add(team=team, user=other)
    with pytest.raises(PermissionDenied):
        member_role_change(team=team, user=other, role="owner", by=staff)
    with pytest.raises(PermissionDenied):
        member_remove(team=team, user=other, by=staff)
    member_role_change(team=team, user=other, role="owner", by=owner)
    member_remove(team=team, user=staff, by=owner)
    assert dict(team.memberships.values_list("user__email", "role")) == {
        "owner@example.com": "owner", other.email: "owner",
    }


def test_the_last_owner_cannot_leave_be_removed_or_demoted(team, owner, staff):
    with pytest.raises(ValidationError, match="last owner"):
        member_remove(team=team, user=owner, by=owner)
    with pytest.raises(ValidationError, match="last owner"):
        member_remove(team=team, user=owner, by=None)
    with pytest.raises(ValidationError, match="needs an owner"):
        member_role_change(team=team, user=owner, role="staff", by=owner)
    assert team.memberships.get(user=owner).role == "owner"
    # Once someone else is an owner, the first one may step down or leave.
    member_role_change(team=team, user=staff, role="owner", by=owner)
    member_remove(team=team, user=owner, by=owner)
    assert list(team.memberships.values_list("user__email", "role")) == [
        ("staff@example.com", "owner")
    ]


def test_staff_may_leave(kind, team, owner, staff):
    member_remove(team=team, user=staff, by=staff)
    assert not team.memberships.filter(user=staff).exists()
    assert not staff.groups.filter(name=kind.group).exists()


def test_the_role_group_is_held_while_in_any_team_of_the_kind(kind):
    user = UserFactory()
    first, second = kind.factory(), kind.factory()
    member_add(team=first, user=user)
    member_add(team=second, user=user)
    member_remove(team=first, user=user, by=user)
    assert user.groups.filter(name=kind.group).exists()
    member_remove(team=second, user=user, by=user)
    assert not user.groups.filter(name=kind.group).exists()


def test_an_invitation_is_accepted_once_by_its_address(kind, team, owner):
    invitation = invite(team=team, email="New@Example.com", role="staff", invited_by=owner)
    with pytest.raises(ValidationError, match="sent to new@example.com"):
        invitation_accept(model=kind.invitation_model, token=invitation.token,
                          user=UserFactory(email="intruder@example.com"))
    newcomer = UserFactory(email="new@example.com")
    membership = invitation_accept(model=kind.invitation_model, token=invitation.token,
                                   user=newcomer)
    assert membership.team == team and membership.role == "staff"
    assert newcomer.groups.filter(name=kind.group).exists()
    with pytest.raises(ValidationError, match="not valid any more"):
        invitation_accept(model=kind.invitation_model, token=invitation.token, user=newcomer)


def test_accepting_a_lower_role_keeps_the_higher_one(kind, team, owner):
    co_owner = UserFactory(email="co@example.com")
    member_add(team=team, user=co_owner, role="owner")
    invitation = team.invitations.create(email="co@example.com", role="staff")
    invitation_accept(model=kind.invitation_model, token=invitation.token, user=co_owner)
    assert team.memberships.get(user=co_owner).role == "owner"


def test_staff_cannot_withdraw_an_owner_invitation(team, owner, staff):
    invitation = invite(team=team, email="boss@example.com", role="owner", invited_by=owner)
    with pytest.raises(PermissionDenied):
        invitation_cancel(team=team, invitation_id=invitation.pk, by=staff)
    invitation_cancel(team=team, invitation_id=invitation.pk, by=owner)
    assert not team.invitations.exists()
    assert mail.outbox == []  # nothing committed in this test: nothing e-mailed
