"""Writes for teams: members, roles and invitations of any team (a Producer, a Hub).

The acting user is passed as `by` (or `invited_by`) and checked with `teams.permissions`;
`by=None` is for trusted code only (an accepted invitation, the demo data, commands). Pages,
the API and the admin always pass the user who acts. Whoever acts, a team with an owner keeps
at least one: its last owner can neither leave, be removed nor be demoted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Invitation, Membership
from .permissions import MANAGE_MEMBERS, invite_permission, team_allows, team_require
from .roles import TeamRole
from .selectors import membership_model

logger = logging.getLogger(__name__)


def role_group_sync(*, user, group_name: str, has_role: bool) -> None:
    """Keep a role's group in step with memberships: join when held, leave when the last goes."""
    if has_role:
        user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    else:
        user.groups.remove(*Group.objects.filter(name=group_name))


# handler(team=..., user=..., is_member=...): what else follows a membership (the storefront's
# page editors group of a hub). Higher packages register in their AppConfig.ready().
MembershipHandler = Callable[..., None]
_membership_handlers: list[MembershipHandler] = []


def register_membership_handler(handler: MembershipHandler) -> None:
    """Run `handler(team=, user=, is_member=)` whenever a user joins or leaves a team, in the
    same transaction (idempotent registration)."""
    if handler not in _membership_handlers:
        _membership_handlers.append(handler)


def _sync_group(model: type[Membership], user, *, team: Model, is_member: bool) -> None:
    """Keep the role group, and whatever higher packages tie to this team, in step."""
    role_group_sync(
        user=user, group_name=model.role_group, has_role=model.objects.filter(user=user).exists()
    )
    _membership_changed(team, user, is_member=is_member)


def _membership_changed(team: Model, user, *, is_member: bool) -> None:
    for handler in list(_membership_handlers):
        handler(team=team, user=user, is_member=is_member)


def _valid_role(role: str) -> TeamRole:
    if role not in TeamRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    return TeamRole(role)


def _keep_an_owner(team: Model, membership: Membership, *, leaving: bool) -> None:
    """Refuse to let the team's last owner go (leave, be removed or be demoted)."""
    if membership.role != TeamRole.OWNER:
        return
    # Lock the team's owner rows so two owners cannot step down at the same time.
    owners = team.memberships.select_for_update().filter(role=TeamRole.OWNER)
    owners = list(owners.values_list("pk", flat=True))
    if owners == [membership.pk]:
        if leaving:
            raise ValidationError(
                _("%(user)s is the last owner of %(team)s: make someone else an owner first."),
                params={"user": membership.user.email or membership.user, "team": team},
            )
        raise ValidationError(
            _("%(team)s needs an owner: make someone else an owner first."),
            params={"team": team},
        )


@transaction.atomic
def member_add(*, team: Model, user, role: str = TeamRole.STAFF, by=None) -> Membership:
    """Make a user a member of a team with a role (idempotent) and give them the team's group.

    An existing member's role is changed under the rules of `member_role_change`.
    """
    role = _valid_role(role)
    if by is not None:
        team_require(by, invite_permission(role), team)
    membership = team.memberships.filter(user=user).first()
    if membership is None:
        membership = team.memberships.create(user=user, role=role)
    elif membership.role != role:
        membership = member_role_change(team=team, user=user, role=role, by=by)
    _sync_group(type(membership), user, team=team, is_member=True)
    return membership


@transaction.atomic
def member_role_change(*, team: Model, user, role: str, by) -> Membership:
    """Change a member's role: owners (and platform admins) only; the last owner stays."""
    role = _valid_role(role)
    if by is not None:
        team_require(by, MANAGE_MEMBERS, team)
    membership = team.memberships.select_related("user").filter(user=user).first()
    if membership is None:
        raise ValidationError(_("%(user)s is not a member of this team."), params={"user": user})
    if membership.role != role:
        _keep_an_owner(team, membership, leaving=False)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, team: Model, user, by) -> None:
    """Remove a member, or let a member leave (`by` is the member). Removing someone else
    takes an owner (or a platform admin); the last owner can do neither. The team's group
    goes when the user belongs to no team of that kind any more."""
    if by is not None and by.pk != user.pk:
        team_require(by, MANAGE_MEMBERS, team)
    membership = team.memberships.select_related("user").filter(user=user).first()
    if membership is None:
        return
    _keep_an_owner(team, membership, leaving=True)
    membership.delete()
    _sync_group(type(membership), user, team=team, is_member=False)


@transaction.atomic
def team_delete(*, team: Model) -> None:
    """Delete a team; its former members lose the team's group if it was their last team."""
    model = membership_model(team)
    users = [m.user for m in team.memberships.select_related("user")]
    for user in users:
        # Before the team goes: handlers still see it (its id names their groups).
        _membership_changed(team, user, is_member=False)
    team.delete()
    for user in users:
        role_group_sync(user=user, group_name=model.role_group,
                        has_role=model.objects.filter(user=user).exists())


# --- invitations -----------------------------------------------------------------------------


@transaction.atomic
def invite(
    *, team: Model, email: str, role: str, invited_by, language: str | None = None
) -> Invitation:
    """Invite someone by e-mail to join a team with a role; the e-mail goes by Celery after
    commit, in `language` (by default the inviter's). Inviting an address again replaces its
    pending invitation (new link, new e-mail)."""
    role = _valid_role(role)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    if invited_by is not None:
        team_require(invited_by, invite_permission(role), team)
    if team.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of this team.") % {"email": email}}
        )
    pending = team.invitations.filter(email=email, accepted_at=None)
    if invited_by is not None:
        # Replacing a pending invitation withdraws it: that takes the right to give its role
        # (staff must not turn an owner's invitation of an owner into one of staff).
        for role_given in set(pending.values_list("role", flat=True)):
            team_require(invited_by, invite_permission(role_given), team)
    pending.delete()
    invitation = team.invitations.create(
        email=email, role=role, invited_by=invited_by,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    transaction.on_commit(partial(_enqueue_invitation_email, invitation))
    return invitation


def _enqueue_invitation_email(invitation: Invitation) -> None:
    from .tasks import send_team_invitation

    try:
        send_team_invitation.delay(invitation._meta.label, invitation.pk)
    except Exception:  # The broker being down must not break the page that invites.
        logger.exception("Could not enqueue the e-mail of invitation %s", invitation.pk)


def invitation_email_send(*, model: type[Invitation], invitation_id: int, base_url: str) -> bool:
    """Send an invitation's e-mail once; returns whether it was sent now. An accepted or
    already sent invitation sends nothing, so a duplicated or retried task is harmless."""
    with transaction.atomic():
        claimed = model.objects.filter(pk=invitation_id, accepted_at=None, sent_at=None).update(
            sent_at=timezone.now()
        )
        if not claimed:
            return False
        invitation = model.objects.select_related(model.team_field, "invited_by").get(
            pk=invitation_id
        )
        with translation.override(invitation.language or settings.LANGUAGE_CODE):
            context = {
                "invitation": invitation,
                "team": invitation.team,
                "accept_url": base_url + reverse(invitation.accept_url_name,
                                                 args=[invitation.token]),
            }
            subject = render_to_string(f"{model.email_template}_subject.txt", context)
            subject = " ".join(subject.split())  # a name with a line break stays one header line
            body = render_to_string(f"{model.email_template}_body.txt", context)
        # An error here rolls the claim back, so a retry sends the e-mail.
        send_mail(subject=subject, message=body, from_email=None,
                  recipient_list=[invitation.email])
    return True


@transaction.atomic
def invitation_accept(*, model: type[Invitation], token: str, user) -> Membership:
    """Accept an invitation as the signed-in user: once, and only with the invited address.
    A member keeps a higher role than the one offered."""
    invitation = (
        model.objects.select_for_update().select_related(model.team_field)
        .filter(token=token, accepted_at=None).first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation is not valid any more."))
    if invitation.is_expired:
        raise ValidationError(
            _("This invitation expired on %(date)s: ask the team to invite you again."),
            params={"date": date_format(timezone.localtime(invitation.expires_at).date())},
        )
    team = invitation.team
    role = TeamRole(invitation.role)
    inviter = invitation.invited_by
    # An invitation speaks for whoever sent it: once they may no longer give its role (demoted,
    # removed), it dies with their right.
    if inviter is not None and not team_allows(inviter, invite_permission(role), team):
        raise ValidationError(
            _("This invitation is not valid any more: the person who sent it can no longer "
              "invite with this role. Ask the team to invite you again.")
        )
    if invitation.email.lower() != (user.email or "").lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s: sign in with that address."),
            params={"email": invitation.email},
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    current = team.memberships.filter(user=user).values_list("role", flat=True).first()
    if current and TeamRole(current).rank > role.rank:
        role = TeamRole(current)
    return member_add(team=team, user=user, role=role)


@transaction.atomic
def invitation_cancel(*, team: Model, invitation_id: int, by) -> None:
    """Withdraw a pending invitation; it takes the right to invite with its role."""
    invitation = team.invitations.filter(pk=invitation_id, accepted_at=None).first()
    if invitation is None:
        raise ValidationError(_("This invitation is not pending any more."))
    if by is not None:
        team_require(by, invite_permission(invitation.role), team)
    invitation.delete()

