"""The order cycle's state machine: the only writer of a cycle's status, times and claims.

Status is derived (`hubs.models.cycle_status`) from facts stored as times: `published_at`,
`opens_at`/`closes_at`, `close_handled_at` (the close claim) and `processed_at`. Each function
here checks the status the cycle is in *now*, read from a locked row, then writes those facts:

| transition            | from                      | to                    |
|-----------------------|---------------------------|-----------------------|
| `cycle_publish`       | draft                     | upcoming or open      |
| `cycle_reschedule`    | draft, upcoming, open     | same (new times)      |
| `cycle_close_now`     | open                      | closed (claimed)      |
| `cycles_close_due`    | open past `closes_at`     | closed (claimed)      |
| `cycle_reopen`        | closed                    | open (close re-armed) |
| `cycle_mark_processed`| closed and claimed        | processed             |

Closing side effects run exactly once per close: a conditional UPDATE claims the close
(`close_handled_at` set only where it was empty), which holds under duplicated or retried beat
tasks and on SQLite alike. Higher packages register what a close does (order processing) with
`register_close_handler` in their AppConfig.ready(). Who may run each transition is in
docs/hubs.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CycleStatus, OrderCycle

S = CycleStatus

# Which statuses each transition starts from; `require_status` and docs/hubs.md use it.
ALLOWED_FROM: dict[str, frozenset[CycleStatus]] = {
    "publish": frozenset({S.DRAFT}),
    "reschedule": frozenset({S.DRAFT, S.UPCOMING, S.OPEN}),
    "close_now": frozenset({S.OPEN}),
    "close_due": frozenset({S.OPEN}),
    "reopen": frozenset({S.CLOSED}),
    "mark_processed": frozenset({S.CLOSED}),
    # Not a transition: editing details, suppliers, offers, fees and windows.
    "edit": frozenset({S.DRAFT, S.UPCOMING, S.OPEN}),
}

CloseHandler = Callable[[OrderCycle], None]
_close_handlers: list[CloseHandler] = []
_reopen_handlers: list[CloseHandler] = []


def register_close_handler(handler: CloseHandler) -> None:
    """Run `handler(cycle)` once each time a cycle closes (idempotent registration)."""
    if handler not in _close_handlers:
        _close_handlers.append(handler)


def register_reopen_handler(handler: CloseHandler) -> None:
    """Run `handler(cycle)` inside `cycle_reopen`, under the cycle's row lock, before the
    close claim is cleared: it undoes what the close prepared, or refuses the reopening by
    raising a ValidationError (order processing has begun). Idempotent registration."""
    if handler not in _reopen_handlers:
        _reopen_handlers.append(handler)


def _messages() -> dict[str, str]:
    return {
        "publish": _("Only a draft can be published."),
        "reschedule": _("This cycle has closed: reopen it to change its closing time."),
        "close_now": _("Only an open cycle can be closed now."),
        "close_due": _("Only an open cycle can be closed now."),
        "reopen": _("Only a closed cycle that is not processed yet can be reopened."),
        "mark_processed": _("Only a closed cycle can be marked processed."),
        "edit": _("This cycle is closed: nothing in it can change any more."),
    }


def locked(cycle: OrderCycle) -> OrderCycle:
    """The cycle's row, re-read and locked until the transaction ends (stale copies and a
    concurrent close claim cannot slip between the check and the write)."""
    return OrderCycle.objects.select_for_update().select_related("hub").get(pk=cycle.pk)


def require_status(cycle: OrderCycle, transition: str, *, now: dt.datetime | None = None
                   ) -> OrderCycle:
    """Lock the cycle and raise a ValidationError unless `transition` may start from its
    status now. Returns the fresh row."""
    fresh = locked(cycle)
    if fresh.status_at(now or timezone.now()) not in ALLOWED_FROM[transition]:
        raise ValidationError(_messages()[transition])
    return fresh


def require_editable(cycle: OrderCycle) -> OrderCycle:
    """Every write to a cycle's details, suppliers, offers, fees and windows calls this."""
    return require_status(cycle, "edit")


def _sync(cycle: OrderCycle) -> OrderCycle:
    # Callers keep their object; refresh it so pages and the API show the new status.
    cycle.refresh_from_db()
    return cycle


def _validated(cycle: OrderCycle) -> None:
    cycle.full_clean(exclude=["hub"])


@transaction.atomic
def cycle_publish(*, cycle: OrderCycle, now: dt.datetime | None = None) -> OrderCycle:
    """Publish a draft: it shows as upcoming, then opens and closes by the clock."""
    now = now or timezone.now()
    fresh = require_status(cycle, "publish", now=now)
    if fresh.closes_at <= now:
        raise ValidationError({"closes_at": _("This cycle would already be closed: choose a "
                                              "closing time in the future first.")})
    OrderCycle.objects.filter(pk=fresh.pk).update(published_at=now)
    return _sync(cycle)


@transaction.atomic
def cycle_reschedule(*, cycle: OrderCycle, opens_at: dt.datetime | None = None,
                     closes_at: dt.datetime | None = None) -> OrderCycle:
    """Move a cycle's opening or closing time before it closes.

    An open cycle keeps its opening time (shoppers are ordering) and must close in the
    future; a closed one is reopened with `cycle_reopen`, never rescheduled.
    """
    now = timezone.now()
    fresh = require_status(cycle, "reschedule", now=now)
    status = fresh.status_at(now)
    opens_at = opens_at or fresh.opens_at
    closes_at = closes_at or fresh.closes_at
    if status == S.OPEN and opens_at != fresh.opens_at:
        raise ValidationError({"opens_at": _("This cycle is open: its opening time cannot "
                                             "change.")})
    if status != S.DRAFT and closes_at <= now:
        raise ValidationError({"closes_at": _("Choose a closing time in the future, or use "
                                              "“Close now”.")})
    fresh.opens_at, fresh.closes_at = opens_at, closes_at
    _validated(fresh)
    OrderCycle.objects.filter(pk=fresh.pk).update(opens_at=opens_at, closes_at=closes_at)
    return _sync(cycle)


def _claim_close(cycle_id: int, now: dt.datetime) -> bool:
    # The one conditional UPDATE that makes closing happen exactly once.
    return bool(
        OrderCycle.objects.filter(
            pk=cycle_id, published_at__isnull=False, processed_at=None, close_handled_at=None,
            closes_at__lte=now,
        ).update(close_handled_at=now)
    )


def _close(cycle_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        if not _claim_close(cycle_id, now):
            return False
        cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
        for handler in list(_close_handlers):
            handler(cycle)  # an exception rolls the claim back: the next run retries
    return True


def cycles_close_due(*, now: dt.datetime | None = None) -> list[int]:
    """Claim and close every published cycle whose closing time has passed (the beat task).

    Safe to run twice at once or to retry: each close is claimed by one caller only.
    """
    now = now or timezone.now()
    due = OrderCycle.objects.filter(
        published_at__isnull=False, processed_at=None, close_handled_at=None,
        closes_at__lte=now,
    ).values_list("pk", flat=True)
    return [cycle_id for cycle_id in list(due) if _close(cycle_id, now)]


@transaction.atomic
def cycle_close_now(*, cycle: OrderCycle) -> OrderCycle:
    """The manager's "close now": an open cycle closes at once, its side effects run once."""
    now = timezone.now()
    fresh = require_status(cycle, "close_now", now=now)
    OrderCycle.objects.filter(pk=fresh.pk).update(closes_at=now)
    _close(fresh.pk, now)
    return _sync(cycle)


@transaction.atomic
def cycle_reopen(*, cycle: OrderCycle, closes_at: dt.datetime) -> OrderCycle:
    """Reopen a closed, unprocessed cycle until `closes_at`: the close claim is cleared, so
    the cycle closes again (and its close handlers run again) once that time comes. The
    reopen handlers may refuse it (orders registers one: not once processing has begun)."""
    now = timezone.now()
    fresh = require_status(cycle, "reopen", now=now)
    if closes_at <= now:
        raise ValidationError({"closes_at": _("Choose a closing time in the future.")})
    fresh.closes_at = closes_at
    _validated(fresh)
    for handler in list(_reopen_handlers):
        handler(fresh)  # a ValidationError refuses the reopening (nothing is written)
    OrderCycle.objects.filter(pk=fresh.pk).update(closes_at=closes_at, close_handled_at=None)
    return _sync(cycle)


@transaction.atomic
def cycle_mark_processed(*, cycle: OrderCycle, now: dt.datetime | None = None) -> bool:
    """Set `processed` once order processing is done; False if the close is not claimed.
    `now` lets the demo date a past cycle's processing as it would have happened."""
    return bool(
        OrderCycle.objects.filter(
            pk=cycle.pk, published_at__isnull=False, processed_at=None,
            close_handled_at__isnull=False,
        ).update(processed_at=now or timezone.now())
    )


def cycle_claim_opening_notice(*, cycle_id: int, now: dt.datetime) -> bool:
    """Claim the one "your cycle opened" e-mail round of a cycle (conditional UPDATE)."""
    return bool(
        OrderCycle.objects.filter(pk=cycle_id, opening_notified_at=None).update(
            opening_notified_at=now
        )
    )


def cycles_opened_unnotified(*, now: dt.datetime) -> Iterable[int]:
    """Ids of open cycles whose suppliers have not been told yet."""
    return list(
        OrderCycle.objects.in_status(S.OPEN, now=now)
        .filter(opening_notified_at=None)
        .values_list("pk", flat=True)
    )
