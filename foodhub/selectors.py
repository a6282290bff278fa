"""Reads over API tokens."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.utils import timezone

from foodhub.models import ApiToken


def api_token_hash(key: str) -> str:
    """The digest stored for a key (SHA-256, hex)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_for_key(key: str) -> ApiToken | None:
    """The token with this key, its user loaded, expired or not (the caller says which)."""
    return ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()


def api_tokens_for_user(user) -> QuerySet[ApiToken]:
    """A user's unexpired tokens, newest first (one query)."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now())
