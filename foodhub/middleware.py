"""Requests refused before any view or middleware reads them."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """A NUL byte (%00) in the path or the query string is a 400.

    PostgreSQL refuses NUL in text, and unknown paths and search boxes reach the database
    (the flatpages and Wagtail fallbacks look the path up; `?q=` filters), so such a request
    would end in a server error. Form and serializer fields refuse NUL in bodies themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            message = _("Bad request: the address contains a NUL character.")
            if request.path.startswith("/api/"):
                # The API's error shape, as its schema documents for a 400.
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
