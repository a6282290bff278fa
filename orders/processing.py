"""Processing a closed cycle: freeze its orders, send purchase orders, issue invoices.

`on_cycle_close` is the close handler orders registers with hubs (it runs inside the close's
exactly-once claim): it records a `CycleProcessing` row and enqueues `process_cycle` on commit.
Each step is idempotent, so a task run twice, retried, or re-run after a worker was killed
mid-batch finishes the work without doing any of it twice (docs/close-processing.md):

1. begin: under the cycle's row lock (the one `cycle_reopen` takes), processing is marked
   `running` and the placed/amended orders become `processed`, their allocations sales (the
   line's `num_allocated` is cleared in the same transaction, so stock is consumed once);
2. purchase orders: one per producer with lines (unique per cycle and producer), rendered
   and e-mailed once (`emailed_at`, or `email_problem` for a producer without any address);
3. invoices: one per order with lines, in chunks of `CHUNK` orders per task (so both cores
   work); numbers come from `orders.invoicing` (gapless), PDFs are rendered once
   (`pdf_rendered_at`) and, when the hub says so, e-mailed once (`emailed_at`);
4. finish: when every item is done a conditional UPDATE moves processing to `done` (once),
   the cycle to `processed`, and the managers get a summary e-mail (once).

A hub without its legal details gets its purchase orders but no invoice: processing waits
in `blocked`, naming the missing fields; saving the details and pressing "Retry" resumes it.
A step that fails for another reason than a passing I/O error records `failed` with a
message naming the order or producer; the beat task (`processing_resume_stale`) and "Retry"
run it again. A cycle reopened before processing began forgets it; once it has begun, the
reopening is refused (`on_cycle_reopen`).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from hubs import transitions as cycle_transitions
from hubs.models import Hub, OrderCycle
from producers import services as producer_services
from producers.models import Producer
from producers.stock_history import ORDER as ORDER_SOURCE

from . import invoicing, transitions
from .models import CycleProcessing, Invoice, OrderHandover, PurchaseOrder

Order = get_model("order", "Order")
Line = get_model("order", "Line")

logger = logging.getLogger(__name__)

CHUNK = 25
# A processing that has not moved for this long is resumed by the beat task.
STALE_AFTER = dt.timedelta(minutes=10)

State = CycleProcessing.State
# States the beat task resumes (blocked waits for the manager: nothing changes by itself).
RESUMABLE = (State.PENDING, State.RUNNING, State.FAILED)


def on_cycle_close(cycle: OrderCycle) -> None:
    """The close handler: record that processing is due and start it once the close commits."""
    processing, created = CycleProcessing.objects.get_or_create(cycle=cycle)
    if not created and processing.state != State.DONE:
        CycleProcessing.objects.filter(pk=processing.pk).update(
            state=State.PENDING, message="", finished_at=None, updated_at=timezone.now())
    transaction.on_commit(lambda: _enqueue("orders.process_cycle", cycle.pk))


def processing_begun(*, cycle_id: int) -> bool:
    """Whether the close's processing has changed anything (orders frozen, documents made)."""
    return (
        Order.objects.filter(cycle_id=cycle_id, status__in=(transitions.PROCESSED,
                                                            transitions.COLLECTED)).exists()
        or PurchaseOrder.objects.filter(cycle_id=cycle_id).exists()
        or Invoice.objects.filter(cycle_id=cycle_id).exists()
    )


def on_cycle_reopen(cycle: OrderCycle) -> None:
    """The reopen handler (runs under the cycle's row lock, before the close is undone).

    Before processing began, the pending processing is forgotten (the next close records it
    again); once it began (orders frozen, documents made), the reopening is refused."""
    processing = CycleProcessing.objects.filter(cycle_id=cycle.pk).first()
    if processing is None:
        return
    if processing.state != State.PENDING or processing_begun(cycle_id=cycle.pk):
        raise ValidationError(_(
            "The processing of this cycle has begun (orders frozen, purchase orders sent): "
            "it can no longer be reopened."))
    processing.delete()


def _enqueue(task_name: str, *args) -> None:
    from . import tasks

    try:
        getattr(tasks, task_name.removeprefix("orders.")).delay(*args)
    except Exception:  # broker down: the beat task resumes stale processing later
        logger.exception("could not enqueue %s%r", task_name, args)


def invoiceable_orders(cycle_id: int):
    """Orders that get an invoice: not cancelled, with at least one line."""
    return (Order.objects.filter(cycle_id=cycle_id).exclude(status=transitions.CANCELLED)
            .filter(lines__isnull=False).distinct())


def cycle_producer_ids(cycle_id: int) -> list[int]:
    """The producers a cycle's orders buy from: one purchase order each."""
    return list(
        Line.objects.filter(order__cycle_id=cycle_id, offer__isnull=False)
        .exclude(order__status=transitions.CANCELLED)
        .values_list("offer__supplier__producer_id", flat=True).distinct()
        .order_by("offer__supplier__producer_id")
    )


@transaction.atomic
def orders_freeze(*, cycle_id: int) -> int:
    """Mark the cycle's open orders processed and turn their allocations into sales.

    Idempotent: only placed/amended orders are touched, each under its row lock."""
    frozen = 0
    for order in (Order.objects.select_for_update()
                  .filter(cycle_id=cycle_id, status__in=transitions.CHANGEABLE).order_by("pk")):
        if order.status not in transitions.CHANGEABLE:
            continue
        consumed = list(order.lines.filter(num_allocated__gt=0, stockrecord__isnull=False)
                        .order_by("stockrecord_id"))
        for line in consumed:
            producer_services.stock_consume(stockrecord_id=line.stockrecord_id,
                                            quantity=line.num_allocated)
        # The producer's stock history names the order whose sale lowered the stock.
        producer_services.stock_history_note(
            stockrecord_ids=[line.stockrecord_id for line in consumed], kind=ORDER_SOURCE,
            reference=order.number,
        )
        order.lines.update(num_allocated=0)
        transitions.order_mark_processed(order=order)
        # Ticked "collected" on the pickup sheet between the close and processing.
        if OrderHandover.objects.filter(order=order, collected_at__isnull=False).exists():
            transitions.order_mark_collected(order=order)
        frozen += 1
    return frozen


@transaction.atomic
def _processing_begin(cycle_id: int) -> CycleProcessing | None:
    """Lock the cycle (as a reopening does), check it is still closed, mark processing
    running and freeze the orders. None when there is nothing to process (no such cycle, or
    reopened before processing began)."""
    cycle = OrderCycle.objects.select_for_update().filter(pk=cycle_id).first()
    if cycle is None:
        return None
    if cycle.close_handled_at is None:  # reopened before processing began
        CycleProcessing.objects.filter(cycle_id=cycle_id, state=State.PENDING).delete()
        return None
    processing, _created = CycleProcessing.objects.get_or_create(cycle=cycle)
    if processing.state == State.DONE:
        return processing
    CycleProcessing.objects.filter(pk=processing.pk).update(
        state=State.RUNNING, updated_at=timezone.now())
    orders_freeze(cycle_id=cycle_id)
    processing.state = State.RUNNING
    return processing


def _legal_missing(hub: Hub) -> list[str]:
    with translation.override(hub.language or "en"):
        return invoicing.hub_legal_missing(hub)


def processing_start(*, cycle_id: int) -> CycleProcessing | None:
    """Freeze orders, count the work, send the purchase orders and fan the invoices out in
    chunks (the `process_cycle` task). Safe to run again at any point."""
    processing = _processing_begin(cycle_id)
    if processing is None or processing.state == State.DONE:
        return processing
    cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
    order_ids = list(invoiceable_orders(cycle_id).order_by("pk").values_list("pk", flat=True))
    producer_ids = cycle_producer_ids(cycle_id)
    missing = _legal_missing(cycle.hub)
    state = State.BLOCKED if missing and order_ids else State.RUNNING
    message = ", ".join(missing) if state == State.BLOCKED else ""
    CycleProcessing.objects.filter(pk=processing.pk).update(
        state=state, total=len(order_ids) + len(producer_ids), message=message,
        updated_at=timezone.now())
    for producer_id in producer_ids:
        _purchase_order_complete(cycle, producer_id)
    if state == State.BLOCKED:
        _enqueue("orders.send_processing_summary", cycle_id)
    else:
        finished = set(Invoice.objects.filter(
            cycle_id=cycle_id, kind=Invoice.Kind.INVOICE, revision=1,
            pdf_rendered_at__isnull=False).values_list("order_id", flat=True))
        todo = [order_id for order_id in order_ids if order_id not in finished]
        for start in range(0, len(todo), CHUNK):
            _enqueue("orders.issue_invoices", cycle_id, todo[start:start + CHUNK])
    processing_check_done(cycle_id=cycle_id)
    processing.refresh_from_db()
    return processing


def _purchase_order_complete(cycle: OrderCycle, producer_id: int) -> None:
    from . import purchasing

    try:
        purchasing.purchase_order_complete(cycle_id=cycle.pk, producer_id=producer_id)
    except OSError:
        raise  # a passing I/O error (mail server, disk): the task retries
    except Exception as exc:
        logger.exception("purchase order of producer %s in cycle %s failed", producer_id,
                         cycle.pk)
        name = Producer.objects.filter(pk=producer_id).values_list("name", flat=True).first()
        with translation.override(cycle.hub.language or "en"):
            _fail(cycle.pk, _("The purchase order of %(producer)s could not be made "
                              "(%(error)s).") % {"producer": name or producer_id,
                                                 "error": type(exc).__name__})


def _fail(cycle_id: int, message: str) -> None:
    """Record a failure (the page shows it, the managers are told once, the beat retries)."""
    CycleProcessing.objects.filter(cycle_id=cycle_id).exclude(state=State.DONE).update(
        state=State.FAILED, message=message[:1000], updated_at=timezone.now())
    _enqueue("orders.send_processing_summary", cycle_id)


def _block(cycle_id: int) -> None:
    """The hub lost its legal details mid-way: wait for them, as at the start."""
    hub = OrderCycle.objects.select_related("hub").get(pk=cycle_id).hub
    CycleProcessing.objects.filter(cycle_id=cycle_id).exclude(state=State.DONE).update(
        state=State.BLOCKED, message=", ".join(_legal_missing(hub)), updated_at=timezone.now())
    _enqueue("orders.send_processing_summary", cycle_id)


def invoices_complete(*, cycle_id: int, order_ids: list[int]) -> int:
    """Issue, render and (if the hub wants) e-mail the invoices of these orders; the
    `issue_invoices` task. Each invoice is issued in its own transaction (its number with
    it), so a crash loses nothing and a rerun picks up where it stopped."""
    from . import invoice_documents

    done = 0
    for order_id in order_ids:
        try:
            invoice = invoicing.invoice_issue(order_id=order_id)
            if invoice is None:  # cancelled or without lines: not invoiced
                continue
            invoice_documents.invoice_render(invoice_id=invoice.pk)
            invoice_documents.invoice_email(invoice_id=invoice.pk)
        except invoicing.InvoicingRefused:
            _block(cycle_id)
            return done
        except OSError:
            raise  # a passing I/O error (mail server, disk): the task retries
        except Exception as exc:
            logger.exception("invoice of order %s in cycle %s failed", order_id, cycle_id)
            number = Order.objects.filter(pk=order_id).values_list("number", flat=True).first()
            language = (OrderCycle.objects.filter(pk=cycle_id)
                        .values_list("hub__language", flat=True).first())
            with translation.override(language or "en"):
                _fail(cycle_id, _("The invoice of order %(number)s could not be made "
                                  "(%(error)s).") % {"number": number or order_id,
                                                     "error": type(exc).__name__})
            return done
        done += 1
    CycleProcessing.objects.filter(cycle_id=cycle_id).update(updated_at=timezone.now())
    processing_check_done(cycle_id=cycle_id)
    return done


def _count(queryset) -> Coalesce:
    counted = (queryset.filter(cycle_id=OuterRef("cycle_id")).order_by()
               .values("cycle_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def processing_progress(*, cycle_id: int) -> dict:
    """`{state, done, total, message}` for the progress bar and the API, in one query
    (two for a cycle without processing).

    `done` counts invoices rendered and purchase orders rendered and e-mailed (or recorded
    as impossible to e-mail); `state` is `not_started` before the cycle closes."""
    row = (
        CycleProcessing.objects.filter(cycle_id=cycle_id)
        .annotate(
            invoices=_count(Invoice.objects.filter(kind=Invoice.Kind.INVOICE, revision=1,
                                                   pdf_rendered_at__isnull=False)),
            purchase_orders=_count(PurchaseOrder.objects.exclude(pdf="").filter(
                Q(emailed_at__isnull=False) | ~Q(email_problem=""))),
        )
        .values("state", "total", "message", "invoices", "purchase_orders").first()
    )
    if row is None:  # not closed yet; or processed before processing was recorded
        processed = OrderCycle.objects.filter(pk=cycle_id, processed_at__isnull=False).exists()
        return {"state": State.DONE.value if processed else "not_started", "done": 0,
                "total": 0, "message": ""}
    total = row["total"]
    done = total if row["state"] == State.DONE else min(
        row["invoices"] + row["purchase_orders"], total)
    return {"state": row["state"], "done": done, "total": total, "message": row["message"]}


def processing_check_done(*, cycle_id: int) -> bool:
    """Finish once everything is done: `done` (once), the cycle `processed`, the summary."""
    progress = processing_progress(cycle_id=cycle_id)
    if progress["state"] != State.RUNNING or progress["done"] < progress["total"]:
        return False
    with transaction.atomic():
        finished = CycleProcessing.objects.filter(
            cycle_id=cycle_id, state=State.RUNNING).update(
            state=State.DONE, finished_at=timezone.now(), updated_at=timezone.now())
        if not finished:
            return False
        cycle_transitions.cycle_mark_processed(cycle=OrderCycle(pk=cycle_id))
    _enqueue("orders.send_processing_summary", cycle_id)
    return True


def processing_resume_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Restart processing that has not moved for a while (broker down at close, a worker
    killed mid-batch, a failure); the beat task. Re-running is safe: every step is
    idempotent."""
    now = now or timezone.now()
    stale = list(CycleProcessing.objects.filter(
        state__in=RESUMABLE, updated_at__lt=now - STALE_AFTER,
        cycle__close_handled_at__isnull=False,
    ).order_by("cycle_id").values_list("cycle_id", flat=True))
    for cycle_id in stale:
        CycleProcessing.objects.filter(cycle_id=cycle_id).update(updated_at=now)
        _enqueue("orders.process_cycle", cycle_id)
    return stale


def processing_is_stale(processing: CycleProcessing, *, now: dt.datetime | None = None
                        ) -> bool:
    """Pending or running without moving for `STALE_AFTER`: the manager may retry now."""
    now = now or timezone.now()
    return processing.state in (State.PENDING, State.RUNNING) and (
        processing.updated_at < now - STALE_AFTER)


@transaction.atomic
def processing_retry(*, cycle: OrderCycle) -> bool:
    """The manager's "Retry" (after filling in the hub's legal details, or a failure): run
    the processing again now. Purchase orders that could not be e-mailed are tried again
    (the producer may have an address by now). False when there is nothing to retry."""
    retried = CycleProcessing.objects.filter(cycle_id=cycle.pk).exclude(
        state=State.DONE).update(state=State.PENDING, message="", updated_at=timezone.now())
    if not retried:
        return False
    PurchaseOrder.objects.filter(cycle_id=cycle.pk, emailed_at=None).exclude(
        email_problem="").update(email_problem="")
    transaction.on_commit(lambda: _enqueue("orders.process_cycle", cycle.pk))
    return True
