"""Reads of the storefront's own pages: where each hub's and producer's page lives."""

from __future__ import annotations

from collections.abc import Iterable

from .models import HubStorefrontPage, ProducerPage


def _urls(pages, key: str, request) -> dict[int, str]:
    # get_url caches the site's root paths on the request: one query for all the pages.
    return {getattr(page, key): page.get_url(request) for page in pages}


def storefront_urls(*, hub_ids: Iterable[int], request=None) -> dict[int, str]:
    """{hub id: URL of its live storefront page} for these hubs (one query)."""
    pages = HubStorefrontPage.objects.live().filter(hub_id__in=list(hub_ids))
    return _urls(pages.only("id", "url_path", "hub_id"), "hub_id", request)


def producer_page_urls(*, producer_ids: Iterable[int], request=None) -> dict[int, str]:
    """{producer id: URL of their live public page} for these producers (one query)."""
    pages = ProducerPage.objects.live().filter(producer_id__in=list(producer_ids))
    return _urls(pages.only("id", "url_path", "producer_id"), "producer_id", request)
