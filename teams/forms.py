"""Forms of the team page. Members and invitations are chosen among the team's own, so a
page can never act on another team's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .roles import TeamRole


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices, initial=TeamRole.STAFF)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the roles this user may give; any other valid role is refused by the
        # service with a message saying why.
        if roles is not None:
            self.fields["role"].widget.choices = [(r.value, r.label) for r in roles]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class MemberForm(forms.Form):
    """Change a member's role (with `role`) or remove them (without)."""

    member = forms.ModelChoiceField(queryset=None)
    role = forms.ChoiceField(choices=TeamRole.choices, required=False)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team.memberships.select_related("user")
        self.fields["member"].error_messages["invalid_choice"] = _(
            "This person is not a member of this team any more."
        )


class PendingInvitationForm(forms.Form):
    invitation = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = team.invitations.filter(accepted_at=None)
        self.fields["invitation"].error_messages["invalid_choice"] = _(
            "This invitation is not pending any more."
        )
