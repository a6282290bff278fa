"""The team page and the invitation page, shared by producers and hubs: each mounts them
behind its own tenancy check (a member of another team gets a 404 before reaching these)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import InviteForm, MemberForm, PendingInvitationForm
from .permissions import MANAGE_MEMBERS, invitable_roles, team_allows
from .roles import TeamRole
from .selectors import pending_invitations, team_members


def _refused(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        text = " ".join(exc.messages)
    else:
        text = str(exc) or _("You may not do this.")
    messages.error(request, text)


def _form_errors(request, form) -> None:
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))


def team_page(request, *, team, template: str, context: dict, home_url: str):
    """Members and pending invitations; POST `action`: invite, role, remove, leave, cancel.

    Anyone in the team invites staff and may leave; owners also invite owners, change roles
    and remove members. Refusals are shown as messages and change nothing.
    """
    user = request.user
    action = request.POST.get("action", "invite") if request.method == "POST" else None
    form = InviteForm(request.POST if action == "invite" else None,
                      roles=invitable_roles(user, team))
    if action is not None:
        try:
            done = _act(request, team=team, action=action, invite_form=form)
        except (PermissionDenied, ValidationError) as exc:
            if action == "invite" and hasattr(exc, "error_dict"):
                form.add_error(None, exc)  # shown next to the field it concerns
            else:
                _refused(request, exc)
        else:
            if done == "left":
                return redirect(home_url)
            if done:
                return redirect(request.path)
    context = context | {
        "team": team,
        "members": team_members(team),
        "invitations": pending_invitations(team),
        "invite_form": form,
        "can_manage": team_allows(user, MANAGE_MEMBERS, team),
        "roles": TeamRole.by_rank(),
    }
    return render(request, template, context)


def _act(request, *, team, action: str, invite_form) -> str | bool:
    """Run one action of the team page; returns what happened (falsy when nothing did)."""
    user = request.user
    if action == "invite":
        if not invite_form.is_valid():
            return False
        invitation = services.invite(team=team, invited_by=user, **invite_form.cleaned_data)
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return True
    if action == "leave":
        services.member_remove(team=team, user=user, by=user)
        messages.success(request, _("You left %(team)s.") % {"team": team})
        return "left"
    if action == "cancel":
        form = PendingInvitationForm(request.POST, team=team)
        if not form.is_valid():
            _form_errors(request, form)
            return False
        invitation = form.cleaned_data["invitation"]
        services.invitation_cancel(team=team, invitation_id=invitation.pk, by=user)
        messages.success(request, _("Invitation to %(email)s withdrawn.") % {
            "email": invitation.email})
        return True
    if action not in ("role", "remove"):
        raise ValidationError(_("Unknown action."))
    form = MemberForm(request.POST, team=team)
    if not form.is_valid():
        _form_errors(request, form)
        return False
    member = form.cleaned_data["member"]
    if action == "remove":
        services.member_remove(team=team, user=member.user, by=user)
        messages.success(request, _("%(user)s was removed from the team.") % {
            "user": member.user.email})
        if member.user_id == user.pk:
            return "left"
        return True
    role = form.cleaned_data["role"]
    if not role:
        raise ValidationError(_("Choose a role."))
    changed = services.member_role_change(team=team, user=member.user, role=role, by=user)
    messages.success(request, _("%(user)s is now %(role)s.") % {
        "user": member.user.email, "role": changed.get_role_display().lower()})
    return True


def invitation_page(
    request, token: str, *, model, title: str, done_url: Callable[[object], str], home_url: str
):
    """Accept an invitation (POST) after a confirmation page (GET)."""
    if request.method == "POST":
        try:
            membership = services.invitation_accept(model=model, token=token, user=request.user)
        except ValidationError as exc:
            _refused(request, exc)
            return redirect(home_url)
        messages.success(request, _("Welcome to the team."))
        return redirect(done_url(membership.team))
    return render(request, "teams/invitation.html", {"token": token, "title": title})
