"""Product descriptions: plain text, or rich text cleaned by an allow-list (nh3), never
trusted HTML.

A description with no markup is plain text: stored as typed, shown escaped with its line
breaks. One with markup (OFN exports and Oscar's dashboard editor write HTML) keeps only the
tags and attributes below: scripts, event handlers, styles, images and `javascript:` links
are removed. `clean_description` runs on the way in (the product validator, so files, the
form and the API alike, and the data migration for older rows); `description_html` runs again
on the way out, so a row written some other way (Oscar's dashboard) is safe too.
"""

from __future__ import annotations

import re

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "em", "h3", "h4", "h5", "h6", "i", "li", "ol", "p", "s",
    "strong", "sub", "sup", "u", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
# A tag, closing tag, comment or declaration: "5 < 6" and "<3" stay plain text.
_MARKUP = re.compile(r"<[a-zA-Z/!?]")


def is_rich_text(text: str) -> bool:
    """Whether a description contains markup (and is then read as HTML)."""
    return bool(_MARKUP.search(text or ""))


def clean_description(text: str) -> str:
    """The description to store: plain text as typed, rich text through the allow-list.

    Idempotent: cleaning a cleaned description changes nothing (an export imported again
    stays unchanged).
    """
    if not is_rich_text(text):
        return text
    cleaned = _clean(text).strip()  # a removed tag can leave spaces at an end
    if cleaned and not is_rich_text(cleaned):
        # Every tag was removed: keep it rich text (its "&amp;" are entities, not text).
        cleaned = f"<p>{cleaned}</p>"
    return cleaned


def description_html(text: str) -> SafeString:
    """A description as HTML for a page: plain text escaped (paragraphs and line breaks
    kept), rich text cleaned again by the allow-list."""
    html = _clean(text) if is_rich_text(text) else linebreaks(text or "", autoescape=True)
    # The one mark_safe of user text in the project: `html` is escaped text or nh3's output.
    return mark_safe(html)  # noqa: S308


def _clean(text: str) -> str:
    return nh3.clean(
        text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
