"""Who or what changed a stock record, for the producer's stock history.

By default simple-history records the signed-in user of the request. When stock changes
because of something other than a person editing it (an order allocating stock at checkout),
the code doing it wraps the change in `stock_history_source(...)`: the history then records
that source as the change reason and no user, so a shopper's e-mail never shows as the
person who changed a producer's stock. Higher packages (orders) use it; producers knows
nothing of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

_source: ContextVar[str] = ContextVar("stock_history_source", default="")
ORDER = "order"


@contextmanager
def stock_history_source(*, kind: str, reference: str = "") -> Iterator[None]:
    """Record stock changes made inside the block as made by ``kind`` (e.g. "order") and
    ``reference`` (the order number), not by the signed-in user."""
    token = _source.set(source_reason(kind=kind, reference=reference))
    try:
        yield
    finally:
        _source.reset(token)


def source_reason(*, kind: str, reference: str = "") -> str:
    """A source as stored in the history's change reason ("order:100023")."""
    return f"{kind}:{reference}"


def source_label(reason: str) -> str:
    """How a recorded source reads on the history page ("Order 100023")."""
    kind, _sep, reference = (reason or "").partition(":")
    if kind == ORDER:
        return _("Order %(number)s") % {"number": reference}
    return reason


class StockHistoryRecords(HistoricalRecords):
    """simple-history's records, aware of `stock_history_source` (also for rows written in
    bulk by `producers.services.stock_history_note`)."""

    def get_history_user(self, instance):
        if _source.get():
            return None
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        return _source.get() or super().get_change_reason_for_object(
            instance, history_type, using
        )
