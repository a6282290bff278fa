"""Abstract membership and invitation. Concrete models live with their team (producers, hubs)
and keep their own tables; each adds the foreign key to its team, named by `team_field`.

A team model gives its memberships and invitations the related names `memberships` and
`invitations`: the services reach them through those.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role, TeamRole


def invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Membership(models.Model):
    """A user's role in one team."""

    # Set by each concrete model.
    team_field: ClassVar[str]  # the foreign key to the team
    role_group: ClassVar[str]  # the auth group held while the user is in any such team
    platform_role: ClassVar[Role]  # the platform role a member of such a team has

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="%(app_label)s_memberships", verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=10, choices=TeamRole.choices, default=TeamRole.STAFF
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.user} @ {self.team} ({self.role})"

    @property
    def team(self):
        return getattr(self, self.team_field)


class Invitation(models.Model):
    """An e-mailed invitation to join a team: a one-time link only the invited address can
    accept. The e-mail is sent once, by a Celery task, in `language`."""

    team_field: ClassVar[str]
    accept_url_name: ClassVar[str]  # URL name of the accept page, taking the token
    email_template: ClassVar[str]  # "<prefix>" of <prefix>_subject.txt and <prefix>_body.txt

    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=10, choices=TeamRole.choices, default=TeamRole.STAFF
    )
    token = models.CharField(max_length=64, unique=True, default=invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.team}"

    @property
    def team(self):
        return getattr(self, self.team_field)

    @property
    def expires_at(self):
        """When the link stops working: `FOODHUB_TEAM_INVITATION_TTL_DAYS` after it was made
        (inviting the address again makes a new link)."""
        return self.created_at + timedelta(days=settings.FOODHUB_TEAM_INVITATION_TTL_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
