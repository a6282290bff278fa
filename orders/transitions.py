"""The only writer of an order's status (saleor's style: plain functions).

Pipeline (settings.OSCAR_ORDER_STATUS_PIPELINE): placed → amended → … → processed → collected,
and placed/amended → cancelled; collected → processed when the pickup sheet's tick is undone.
Oscar's `Order.set_status` checks the pipeline and records an `OrderStatusChange` (who saw
what, when); these functions add the rule of the cycle.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACED = "placed"
AMENDED = "amended"
CANCELLED = "cancelled"
PROCESSED = "processed"
COLLECTED = "collected"

STATUS_LABELS = {
    PLACED: gettext_lazy("Placed"),
    AMENDED: gettext_lazy("Amended"),
    CANCELLED: gettext_lazy("Cancelled"),
    PROCESSED: gettext_lazy("Processed"),
    COLLECTED: gettext_lazy("Collected"),
}
CHANGEABLE = (PLACED, AMENDED)


def status_label(status: str) -> str:
    """The status in the reader's language."""
    return str(STATUS_LABELS.get(status, status))


def _set(order, status: str) -> None:
    if status not in order.available_statuses() and status != order.status:
        raise ValidationError(_("This order cannot go from %(old)s to %(new)s.") % {
            "old": status_label(order.status), "new": status_label(status)})
    order.set_status(status)


def order_mark_amended(*, order) -> None:
    _set(order, AMENDED)


def order_mark_cancelled(*, order) -> None:
    _set(order, CANCELLED)


def order_mark_processed(*, order) -> None:
    _set(order, PROCESSED)


def order_mark_collected(*, order) -> None:
    _set(order, COLLECTED)


def order_mark_uncollected(*, order) -> None:
    """Undo `order_mark_collected` (a manager un-ticked "collected" on the pickup sheet)."""
    if order.status != COLLECTED:
        raise ValidationError(_("Only a collected order can be marked as not collected."))
    _set(order, PROCESSED)
