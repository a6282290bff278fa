"""What a user may do in a team: the one check used by team pages, the API, the admin and
the services (django-rules predicates over the user's role in the team).

- Platform admins may do everything in every team.
- Any member may invite staff and leave the team.
- Only owners may invite owners, change roles and remove other members.

Whatever the permission, a team never loses its last owner: that rule lives in the services.
Who may open a team at all is tenancy: `teams.selectors.teams_for_user` (404 for others).
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .roles import TeamRole
from .selectors import team_role, user_is_platform_admin

INVITE_STAFF = "teams.invite_staff"
INVITE_OWNER = "teams.invite_owner"
MANAGE_MEMBERS = "teams.manage_members"  # change roles, remove other members

REFUSALS = {
    INVITE_STAFF: _("Only members of this team can invite someone."),
    INVITE_OWNER: _("Only an owner can invite another owner."),
    MANAGE_MEMBERS: _("Only an owner can change roles or remove other members."),
}


@rules.predicate
def is_platform_admin(user) -> bool:
    return user_is_platform_admin(user)


def _role_at_least(minimum: TeamRole):
    @rules.predicate(f"role_at_least_{minimum}", bind=True)
    def predicate(self, user, team) -> bool:
        # One lookup per check, shared by the predicates combined in it.
        if "team_role" not in self.context:
            self.context["team_role"] = team_role(team, user) if team is not None else None
        role = self.context["team_role"]
        return role is not None and role.rank >= minimum.rank

    return predicate


is_member = _role_at_least(TeamRole.STAFF)
is_owner = _role_at_least(TeamRole.OWNER)

rules.add_perm(INVITE_STAFF, is_platform_admin | is_member)
rules.add_perm(INVITE_OWNER, is_platform_admin | is_owner)
rules.add_perm(MANAGE_MEMBERS, is_platform_admin | is_owner)


def invite_permission(role: str) -> str:
    """The permission needed to invite (or add) someone with this role."""
    return INVITE_OWNER if role == TeamRole.OWNER else INVITE_STAFF


def team_allows(user, permission: str, team) -> bool:
    """Whether the user holds this team permission (see the module docstring)."""
    return rules.has_perm(permission, user, team)


def team_require(user, permission: str, team) -> None:
    """Raise PermissionDenied, with a message a person can read, unless the user may."""
    if not team_allows(user, permission, team):
        raise PermissionDenied(REFUSALS[permission])


def invitable_roles(user, team) -> list[TeamRole]:
    """The roles this user may give by invitation, highest first."""
    return [r for r in TeamRole.by_rank() if team_allows(user, invite_permission(r), team)]
