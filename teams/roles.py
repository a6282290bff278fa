"""Roles: a member's role in one team (owner > staff), and the platform roles of a user."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

PLATFORM_ADMINS_GROUP = "Platform admins"


class TeamRole(models.TextChoices):
    """A member's role in a team. Higher rank may do more; see `teams.permissions`."""

    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @classmethod
    def by_rank(cls) -> list[TeamRole]:
        """The roles, highest first (owners are listed before staff)."""
        return sorted(cls, key=lambda role: role.rank, reverse=True)


_RANKS = {TeamRole.OWNER: 2, TeamRole.STAFF: 1}


class Role(StrEnum):
    """The four roles of the platform, derived from memberships and groups."""

    SHOPPER = "shopper"
    PRODUCER = "producer"
    HUB_MANAGER = "hub_manager"
    PLATFORM_ADMIN = "platform_admin"
