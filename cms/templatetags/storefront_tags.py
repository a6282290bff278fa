"""Small template helpers of the storefront pages."""

from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`urls|lookup:producer.pk`: the value for a key of a dict, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def web_url(url):
    """The URL if it is an http(s) address, else "" (a stored `javascript:` is never a link)."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
