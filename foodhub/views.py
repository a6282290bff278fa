"""Platform-level views: health, robots.txt, the post-login landing and the API's 404."""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from foodhub.celery import app as celery_app
from teams.roles import Role
from teams.selectors import user_profile


def _check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported, not raised
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _check_broker() -> dict:
    started = time.perf_counter()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "transport": celery_app.conf.broker_url.split(":", 1)[0],
    }


@require_GET
@never_cache
def healthz(request):
    """Database and broker status as JSON: 200 when both answer, 503 otherwise."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /shop/dashboard/", "Disallow: /cms/", "Disallow: /api/"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@login_required
def role_home(request):
    """Send a user who just logged in to the home of their most specific role."""
    roles = user_profile(request.user).roles
    if Role.PLATFORM_ADMIN in roles:
        return redirect("dashboard:index")
    if Role.HUB_MANAGER in roles:
        return redirect("hubs:home")
    if Role.PRODUCER in roles:
        return redirect("producers:home")
    return redirect("customer:summary")


@csrf_exempt  # it changes nothing, and an API caller gets JSON even for a POST
def api_not_found(request, *args, **kwargs):
    """Any other URL under /api/ (a typo, an id that is not a number): a JSON 404 like every
    API error, instead of the site's HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)

