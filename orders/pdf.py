"""HTML to PDF: the one module that imports WeasyPrint.

Documents (invoices, purchase orders, packing lists, pickup sheets, report files) are Django
templates rendered to HTML, then to PDF here. Fonts come from the system (DejaVu, installed
with the other WeasyPrint libraries); stylesheets are inlined in the templates, so nothing is
fetched over the network: the URL fetcher refuses anything but `data:` URLs.
"""

from __future__ import annotations

from functools import lru_cache

from django.template.loader import render_to_string
from django.utils import translation


def _no_fetch(url: str, *args, **kwargs):
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"PDF documents may not load {url[:80]!r}")


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str, *, pdf_variant: str | None = None) -> bytes:
    """The PDF of an HTML document (`pdf_variant="pdf/a-3b"` for Factur-X)."""
    from weasyprint import HTML

    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    document = HTML(string=html, url_fetcher=_no_fetch, base_url=".")
    return document.write_pdf(font_config=_font_config(), **options)


def render_pdf(template: str, context: dict, *, language: str | None = None,
               pdf_variant: str | None = None) -> bytes:
    """Render a template in `language` (the reader's) and return it as PDF bytes."""
    with translation.override(language or translation.get_language()):
        html = render_to_string(template, context)
    return html_to_pdf(html, pdf_variant=pdf_variant)
