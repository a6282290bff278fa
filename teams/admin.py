"""Django admin for teams: membership inlines on a team's admin page go through the team
services, so role groups stay in step and a team keeps its last owner."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import services
from .models import Membership
from .permissions import MANAGE_MEMBERS, team_allows
from .roles import TeamRole


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Refuse, before anything is saved, a change that leaves a team without an owner."""

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        had_owner = self.instance.memberships.filter(role=TeamRole.OWNER).exists()
        owners_after = [
            form for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == TeamRole.OWNER
        ]
        if had_owner and not owners_after:
            raise ValidationError(_("A team needs at least one owner: keep or name one."))


class MembershipInline(admin.TabularInline):
    """Base inline for a team's memberships (set `model`)."""

    formset = MembershipInlineFormSet
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]

    def _may_manage(self, request, obj) -> bool:
        return obj is None or team_allows(request.user, MANAGE_MEMBERS, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._may_manage(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)


class TeamAdmin(admin.ModelAdmin):
    """A team's admin (Producer, Hub): memberships are saved and deleted through the team
    services, and deleting a team updates its former members' role groups."""

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, Membership):
            return super().save_formset(request, form, formset, change)
        try:
            _save_memberships(team=form.instance, formset=formset, by=request.user)
        except (PermissionDenied, ValidationError) as exc:
            # The formset and the inline's permissions check first; this is for a race.
            transaction.set_rollback(True)
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, _("Nothing was saved: %(reason)s") % {"reason": text},
                              level=messages.ERROR)

    def delete_model(self, request, obj):
        services.team_delete(team=obj)

    def delete_queryset(self, request, queryset):
        for team in queryset:
            services.team_delete(team=team)


def _save_memberships(*, team, formset, by) -> None:
    """Apply an inline's changes through the services: additions and promotions before
    demotions and removals, so handing over ownership in one save keeps an owner."""
    saved = formset.save(commit=False)
    changed = {obj.pk: fields for obj, fields in formset.changed_objects}
    model = formset.model
    for membership in saved:
        if membership.pk is not None and "user" in changed.get(membership.pk, ()):
            # Another person on an existing row: the first leaves, the second joins.
            previous = model.objects.select_related("user").get(pk=membership.pk)
            services.member_add(team=team, user=membership.user, role=membership.role, by=by)
            services.member_remove(team=team, user=previous.user, by=by)
    rank = {role: TeamRole(role).rank for role in TeamRole.values}
    for membership in sorted(saved, key=lambda m: -rank[m.role]):
        services.member_add(team=team, user=membership.user, role=membership.role, by=by)
    for membership in formset.deleted_objects:
        services.member_remove(team=team, user=membership.user, by=by)
