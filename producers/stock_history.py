"""What changed a stock record, as the producer's stock history shows it.

A person editing stock is recorded by simple-history as the signed-in user. Stock moved by an
order (allocated at checkout, given back, consumed at close) is recorded with no user and the
order as its change reason (`producers.services.stock_history_note`), so a shopper's e-mail
never shows as the person who changed a producer's stock. Higher packages (orders) name the
source; producers knows nothing of them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

ORDER = "order"


def source_reason(*, kind: str, reference: str = "") -> str:
    """A source as stored in the history's change reason ("order:100023")."""
    return f"{kind}:{reference}"


def source_label(reason: str) -> str:
    """How a recorded source reads on the history page ("Order 100023")."""
    kind, _sep, reference = (reason or "").partition(":")
    if kind == ORDER:
        return _("Order %(number)s") % {"number": reference}
    return reason
