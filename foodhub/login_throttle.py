"""django-axes hooks: lock-outs keyed on the account and on the client's real address.

Every login (the shop's, Wagtail's, the Django admin's and the API token endpoint) calls
`django.contrib.auth.authenticate` with the request, which passes through `LoginThrottleBackend`
first. After `AXES_FAILURE_LIMIT` failures for one account (however its e-mail is spelt, from
any address) or from one address (whatever the accounts), logins are refused for
`FOODHUB_LOGIN_COOLOFF_MINUTES`, the right password included. See docs/security.md.
"""

from __future__ import annotations

from contextlib import suppress

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from foodhub.client_ip import client_ip

# AccessAttempt.username is a 255-character column.
_MAX_KEY = 255
_POSTED_USERNAME_FIELDS = ("username", "login-username", "email")


def client_address(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address behind the trusted proxy, if any."""
    return client_ip(request)


def _typed_username(request, credentials) -> str | None:
    if credentials:
        typed = credentials.get("username") or credentials.get("email")
        if typed:
            return str(typed)
    data = getattr(request, "POST", None) or {}
    for field in _POSTED_USERNAME_FIELDS:
        if data.get(field):
            return str(data[field])
    return None


def account_key(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: one key per account, whichever identifier or spelling is typed.

    Logins accept the e-mail in any case (Oscar's backend) or the username, so each is mapped
    to the account's e-mail, lower-cased; an identifier matching no single account is keyed as
    typed, lower-cased. Memoised on the request: axes asks several times per attempt.
    """
    typed = _typed_username(request, credentials)
    if typed is None:
        return None
    typed = typed.replace("\x00", "").strip()[:_MAX_KEY]
    memo = getattr(request, "_foodhub_account_keys", None)
    if memo is None:
        memo = {}
        with suppress(AttributeError):  # an object that takes no attributes: no memo then
            request._foodhub_account_keys = memo
    if typed not in memo:
        emails = list(
            get_user_model()
            .objects.filter(Q(email__iexact=typed) | Q(username=typed))
            .values_list("email", flat=True)
            .distinct()[:2]
        )
        memo[typed] = (emails[0] if len(emails) == 1 and emails[0] else typed).lower()[:_MAX_KEY]
    return memo[typed]


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses locked-out accounts and addresses; lets calls without a request through.

    Every login view passes its request. Only two callers do not: Oscar's registration, which
    authenticates the account it has just created with the password just chosen, and the test
    client's `login()`. Axes' own backend raises for them; this one lets them through.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, where a successful login clears only that account's failures.

    Axes would clear every failure that matches any lock-out parameter, the address's included:
    someone with an account of their own could then log into it between guesses at another's
    password and never reach the limit.
    """

    def reset_user_attempts(self, request, credentials=None) -> int:
        key = get_client_username(request, credentials)
        if not key:
            return 0
        count, _ = AccessAttempt.objects.filter(username=key).delete()
        return count


def lockout_message(request) -> str:
    """What a locked-out client is told (the cool-off in minutes)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    if not minutes:
        return gettext("Too many failed login attempts: ask an administrator to unlock it.")
    return ngettext(
        "Too many failed login attempts: please wait %(minutes)d minute before trying again.",
        "Too many failed login attempts: please wait %(minutes)d minutes before trying again.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a JSON 429 for the API, a page in the site's layout otherwise."""
    cool_off = get_cool_off(request)
    retry_after = str(int(cool_off.total_seconds())) if cool_off else None
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(request)}, status=429)
    else:
        response = render(
            request, "foodhub/lockout.html", {"message": lockout_message(request)}, status=429
        )
    if retry_after:
        response["Retry-After"] = retry_after
    return response


def is_locked_out(request) -> bool:
    """Whether axes refused or locked out the login attempt made with this request."""
    return bool(getattr(request, "axes_locked_out", False))
