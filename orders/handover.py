"""The pickup checklist's one writer: an order marked collected or paid (or un-marked), with
who and when (`orders.models.OrderHandover`), an audit note, and the order's status moved
to "collected" (and back) through `orders.transitions`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import transitions
from .models import OrderHandover
from .packing import packing_available

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")


def _who(user) -> str:
    return getattr(user, "email", "") or _("someone")


@transaction.atomic
def order_handover_mark(*, order, user, collected: bool | None = None,
                        paid: bool | None = None, now: dt.datetime | None = None
                        ) -> OrderHandover:
    """Tick (True) or un-tick (False) "collected" and "paid" for an order of a closed cycle;
    None leaves that mark as it is.

    Idempotent and safe when two managers tick at once: the order row is locked, a mark
    already in the asked state is left alone (the first tick keeps its who and when) and only
    real changes are noted. Ticking "collected" moves a processed order to "collected";
    un-ticking moves it back to "processed". Raises ValidationError for an order of an open
    cycle or a cancelled order."""
    now = now or timezone.now()
    order = (Order.objects.select_for_update(of=("self",)).select_related("cycle__hub")
             .get(pk=order.pk))
    if order.cycle is None or not packing_available(order.cycle, now=now):
        raise ValidationError(_("Orders can be marked collected or paid once the order cycle "
                                "has closed."))
    if order.status == transitions.CANCELLED:
        raise ValidationError(_("This order was cancelled: there is nothing to hand over."))
    handover, _created = OrderHandover.objects.get_or_create(order=order)
    by = user if getattr(user, "is_authenticated", False) else None
    changes = []
    if collected is not None and bool(handover.collected_at) != collected:
        handover.collected_at, handover.collected_by = (now, by) if collected else (None, None)
        changes.append(_("marked collected") if collected else _("collected mark removed"))
        if collected and order.status == transitions.PROCESSED:
            transitions.order_mark_collected(order=order)
        elif not collected and order.status == transitions.COLLECTED:
            transitions.order_mark_uncollected(order=order)
    if paid is not None and bool(handover.paid_at) != paid:
        handover.paid_at, handover.paid_by = (now, by) if paid else (None, None)
        changes.append(_("marked paid") if paid else _("paid mark removed"))
    if changes:
        handover.save()
        OrderNote.objects.create(
            order=order, user=by, note_type="audit",
            message=_("Pickup checklist, by %(who)s (hub): %(changes)s") % {
                "who": _who(user), "changes": "; ".join(changes)},
        )
    return handover
