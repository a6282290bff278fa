"""The account page where a user lists and revokes their API tokens (in Oscar's account area)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from foodhub.selectors import api_tokens_for_user
from foodhub.services import api_token_revoke, api_tokens_revoke_all


@login_required
def api_tokens(request):
    """My unexpired API tokens: name, prefix, dates; never their keys."""
    return render(request, "foodhub/account/api_tokens.html", {
        "tokens": api_tokens_for_user(request.user),
        "page_title": _("API tokens"),
        "active_tab": "api-tokens",
    })


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    api_token_revoke(user=request.user, token_id=pk)
    messages.success(request, _("Token revoked: it no longer gives access to the API."))
    return redirect("account-api-tokens")


@login_required
@require_POST
def api_tokens_revoke_all_view(request):
    count = api_tokens_revoke_all(user=request.user)
    messages.success(request, _("All your tokens were revoked (%(count)d).") % {"count": count})
    return redirect("account-api-tokens")


urls = [
    path("", api_tokens, name="account-api-tokens"),
    path("<int:pk>/revoke/", api_token_revoke_view, name="account-api-token-revoke"),
    path("revoke-all/", api_tokens_revoke_all_view, name="account-api-tokens-revoke-all"),
]
