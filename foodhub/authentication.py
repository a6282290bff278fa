"""DRF authentication by API token (`Authorization: Token <key>`), hashed and expiring."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from foodhub.selectors import api_token_for_key
from foodhub.services import api_token_touch


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token header, looked up by hash in `foodhub.ApiToken`; `request.auth` is the token.

    Subclassing DRF's class keeps its header parsing, its `WWW-Authenticate` (401, not 403)
    and drf-spectacular's `tokenAuth` scheme.
    """

    def authenticate_credentials(self, key):
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Token has expired: log in again."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_touch(token=token)
        return token.user, token
