"""Writes for API tokens: issue, revoke, revoke all (on a password change), purge expired."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from foodhub.models import ApiToken
from foodhub.selectors import api_token_hash

KEY_PREFIX = "fh_"
PREFIX_LENGTH = 10  # "fh_" and 7 random characters: enough to tell a user's tokens apart


def api_token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.FOODHUB_API_TOKEN_TTL_HOURS)


@transaction.atomic
def api_token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Issue a new token for `user`; returns it and its key, which is shown once, never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=api_token_hash(key),
        prefix=key[:PREFIX_LENGTH],
        name=name.strip(),
        expires_at=timezone.now() + api_token_ttl(),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, user, token_id: int) -> None:
    """Revoke one of `user`'s tokens; another user's (or an unknown) id is a 404."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise Http404("No such token.")


@transaction.atomic
def api_tokens_revoke_all(*, user) -> int:
    """Revoke every token of `user` (a password change or reset); returns how many."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_token_touch(*, token: ApiToken, every: dt.timedelta = dt.timedelta(minutes=5)) -> None:
    """Record that `token` was used, at most once per `every` (not a write per request)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= every:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def api_tokens_delete_expired() -> int:
    """Delete tokens past their expiry (housekeeping); returns how many."""
    deleted, _ = ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
