from django import template

from producers.stock_history import source_label

register = template.Library()


@register.filter
def stock_change_source(reason: str) -> str:
    """A recorded stock change source as it reads on the history page ("Order 100023")."""
    return source_label(reason)
