"""Reads about teams: platform admins, which teams a user may open, members, roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, Model, OuterRef, QuerySet

from .models import Membership
from .roles import PLATFORM_ADMINS_GROUP, Role, TeamRole


def user_is_platform_admin(user) -> bool:
    """Superusers and members of the "Platform admins" group see and manage every team."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=PLATFORM_ADMINS_GROUP).exists()


def membership_models() -> list[type[Membership]]:
    """The concrete membership models (producers', hubs'), in INSTALLED_APPS order."""
    return [m for m in apps.get_models() if issubclass(m, Membership)]


def membership_model(team: Model) -> type[Membership]:
    return type(team).memberships.rel.related_model


def invitation_model(team: Model):
    return type(team).invitations.rel.related_model


def teams_for_user(model: type[Model], user) -> QuerySet:
    """The teams of this model a user may open: theirs, or every one for platform admins."""
    if user_is_platform_admin(user):
        return model.objects.all()
    if not user.is_authenticated:
        return model.objects.none()
    return model.objects.filter(memberships__user=user)


def user_memberships(model: type[Membership], user) -> QuerySet:
    """A user's memberships of one kind with their teams, by team name, in one query."""
    return (
        model.objects.filter(user=user)
        .select_related(model.team_field)
        .order_by(f"{model.team_field}__name")
    )


def team_role(team: Model, user) -> TeamRole | None:
    """The user's role in the team, or None for a non-member (one query)."""
    if not user.is_authenticated:
        return None
    role = team.memberships.filter(user=user).values_list("role", flat=True).first()
    return TeamRole(role) if role else None


def team_members(team: Model) -> list[Membership]:
    """The team's memberships with their users, owners first then by e-mail (one query)."""
    members = list(team.memberships.select_related("user").order_by("user__email"))
    return sorted(members, key=lambda m: -TeamRole(m.role).rank)


def team_owner_count(team: Model) -> int:
    return team.memberships.filter(role=TeamRole.OWNER).count()


def pending_invitations(team: Model) -> QuerySet:
    return team.invitations.filter(accepted_at=None).select_related("invited_by")


@dataclass
class UserProfile:
    """Who a user is on the platform: roles, and their memberships by platform role."""

    roles: list[str]
    memberships: dict[str, list] = field(default_factory=dict)


def user_profile(user) -> UserProfile:
    """Roles and memberships of a user: one query per kind of team, one for the admin check."""
    roles = [Role.SHOPPER.value]
    memberships = {}
    for model in membership_models():
        found = list(user_memberships(model, user))
        memberships[model.platform_role.value] = found
        if found:
            roles.append(model.platform_role.value)
    if user_is_platform_admin(user):
        roles.append(Role.PLATFORM_ADMIN.value)
    return UserProfile(roles=roles, memberships=memberships)


def user_areas(user) -> dict[str, bool]:
    """Which member areas (by platform role) the user has, in one query."""
    exists = {
        model.platform_role.value: Exists(model.objects.filter(user=OuterRef("pk")))
        for model in membership_models()
    }
    row = get_user_model().objects.filter(pk=user.pk).annotate(**exists).values(*exists).first()
    return row or dict.fromkeys(exists, False)
