"""`{{ order.status|status_label }}`: an order's status in the reader's language."""

from django import template

from orders.transitions import status_label as _status_label

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return _status_label(status)
