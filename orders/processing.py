"""Processing a closed cycle: freeze its orders, send purchase orders, issue invoices.

`on_cycle_close` is the close handler orders registers with hubs (it runs inside the close's
exactly-once claim): it records a `CycleProcessing` row and enqueues `process_cycle` on commit.
Each step is idempotent, so a task run twice, retried, or re-run after a worker was killed
mid-batch finishes the work without doing any of it twice:

1. freeze: placed/amended orders become `processed`, their allocations become sales (the
   line's `num_allocated` is cleared in the same transaction, so stock is consumed once);
2. purchase orders: one per producer with lines (unique per cycle and producer), rendered
   and e-mailed once (`emailed_at`);
3. invoices: one per order with lines, in chunks of `CHUNK` orders per task (so both cores
   work); numbers come from `orders.invoicing` (gapless), PDFs are rendered once
   (`pdf_rendered_at`) and, when the hub says so, e-mailed once (`emailed_at`);
4. finish: when every item is done a conditional UPDATE moves processing to `done` (once),
   the cycle to `processed`, and the managers get a summary e-mail (once).

A hub without its legal details gets its purchase orders but no invoice: processing waits
in `blocked`, naming the missing fields; saving the details and pressing "retry" resumes it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model

from hubs import transitions as cycle_transitions
from hubs.models import OrderCycle
from producers import services as producer_services

from . import invoicing, transitions
from .models import CycleProcessing, Invoice, PurchaseOrder

Order = get_model("order", "Order")
Line = get_model("order", "Line")

logger = logging.getLogger(__name__)

CHUNK = 25
# A processing that has not moved for this long is resumed by the beat task.
STALE_AFTER = dt.timedelta(minutes=10)

State = CycleProcessing.State


def on_cycle_close(cycle: OrderCycle) -> None:
    """The close handler: record that processing is due and start it once the close commits."""
    CycleProcessing.objects.update_or_create(
        cycle=cycle, defaults={"state": State.PENDING, "message": "", "finished_at": None})
    transaction.on_commit(lambda: _enqueue("orders.process_cycle", cycle.pk))


def _enqueue(task_name: str, *args) -> None:
    from . import tasks

    try:
        getattr(tasks, task_name.removeprefix("orders.")).delay(*args)
    except Exception:  # broker down: the beat task resumes stale processing later
        logger.exception("could not enqueue %s%r", task_name, args)


def _invoiceable(cycle_id: int):
    """Orders that get an invoice: not cancelled, with at least one line."""
    return (Order.objects.filter(cycle_id=cycle_id).exclude(status=transitions.CANCELLED)
            .filter(lines__isnull=False).distinct())


def _producer_ids(cycle_id: int) -> list[int]:
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
    ids = list(Order.objects.filter(cycle_id=cycle_id, status__in=transitions.CHANGEABLE)
               .order_by("pk").values_list("pk", flat=True))
    for order in Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        if order.status not in transitions.CHANGEABLE:
            continue
        for line in order.lines.filter(num_allocated__gt=0, stockrecord__isnull=False).order_by(
                "stockrecord_id"):
            producer_services.stock_consume(stockrecord_id=line.stockrecord_id,
                                            quantity=line.num_allocated)
        order.lines.update(num_allocated=0)
        transitions.order_mark_processed(order=order)
        frozen += 1
    return frozen


def processing_start(*, cycle_id: int) -> CycleProcessing | None:
    """Step 1 and the plan: freeze orders, count the work, fan it out (the `process_cycle`
    task). Safe to run again at any point."""
    cycle = OrderCycle.objects.select_related("hub").filter(pk=cycle_id).first()
    if cycle is None or cycle.close_handled_at is None:
        return None
    processing, _ = CycleProcessing.objects.get_or_create(cycle=cycle)
    if processing.state == State.DONE:
        return processing
    orders_freeze(cycle_id=cycle_id)
    order_ids = list(_invoiceable(cycle_id).order_by("pk").values_list("pk", flat=True))
    producer_ids = _producer_ids(cycle_id)
    missing = invoicing.hub_legal_missing(cycle.hub)
    state = State.BLOCKED if missing and order_ids else State.RUNNING
    message = ", ".join(missing) if state == State.BLOCKED else ""
    CycleProcessing.objects.filter(pk=processing.pk).update(
        state=state, total=len(order_ids) + len(producer_ids), message=message,
        updated_at=timezone.now())
    from . import purchasing

    for producer_id in producer_ids:
        purchasing.purchase_order_complete(cycle_id=cycle_id, producer_id=producer_id)
    if state == State.BLOCKED:
        _enqueue("orders.send_processing_summary", cycle_id)
    else:
        todo = [oid for oid in order_ids if not _invoice_finished(oid)]
        for start in range(0, len(todo), CHUNK):
            _enqueue("orders.issue_invoices", cycle_id, todo[start:start + CHUNK])
    processing_check_done(cycle_id=cycle_id)
    processing.refresh_from_db()
    return processing


def _invoice_finished(order_id: int) -> bool:
    return Invoice.objects.filter(order_id=order_id, kind=Invoice.Kind.INVOICE, revision=1,
                                  pdf_rendered_at__isnull=False).exists()


def invoices_complete(*, cycle_id: int, order_ids: list[int]) -> int:
    """Issue, render and (if the hub wants) e-mail the invoices of these orders; the
    `issue_invoices` task. Each order is its own transaction: a crash loses at most one."""
    from . import invoice_documents

    done = 0
    for order_id in order_ids:
        try:
            invoice = invoicing.invoice_issue(order_id=order_id)
        except invoicing.InvoicingRefused as refused:
            CycleProcessing.objects.filter(cycle_id=cycle_id).update(
                state=State.BLOCKED, message="; ".join(refused.messages))
            return done
        if invoice is None:
            continue
        invoice_documents.invoice_render(invoice_id=invoice.pk)
        invoice_documents.invoice_email(invoice_id=invoice.pk)
        done += 1
    CycleProcessing.objects.filter(cycle_id=cycle_id).update(updated_at=timezone.now())
    processing_check_done(cycle_id=cycle_id)
    return done


def processing_progress(*, cycle_id: int) -> dict:
    """`{state, done, total, message}` for the progress bar and the API (4 short queries)."""
    processing = CycleProcessing.objects.filter(cycle_id=cycle_id).first()
    if processing is None:
        return {"state": "not_started", "done": 0, "total": 0, "message": ""}
    invoices = Invoice.objects.filter(cycle_id=cycle_id, kind=Invoice.Kind.INVOICE, revision=1,
                                      pdf_rendered_at__isnull=False).count()
    purchase_orders = PurchaseOrder.objects.filter(
        cycle_id=cycle_id).filter(~Q(pdf="")).count()
    done = min(invoices + purchase_orders, processing.total)
    if processing.state == State.DONE:
        done = processing.total
    return {"state": processing.state, "done": done, "total": processing.total,
            "message": processing.message}


def processing_check_done(*, cycle_id: int) -> bool:
    """Finish once everything is done: `done` (once), the cycle `processed`, the summary."""
    progress = processing_progress(cycle_id=cycle_id)
    if progress["state"] != State.RUNNING or progress["done"] < progress["total"]:
        return False
    with transaction.atomic():
        finished = CycleProcessing.objects.filter(
            cycle_id=cycle_id, state=State.RUNNING).update(
            state=State.DONE, finished_at=timezone.now())
        if not finished:
            return False
        cycle_transitions.cycle_mark_processed(cycle=OrderCycle(pk=cycle_id))
    _enqueue("orders.send_processing_summary", cycle_id)
    return True


def processing_resume_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Restart processing that has not moved for a while (broker down at close, a worker
    killed mid-batch); the beat task. Re-running is safe: every step is idempotent."""
    now = now or timezone.now()
    stale = list(CycleProcessing.objects.filter(
        state__in=[State.PENDING, State.RUNNING], updated_at__lt=now - STALE_AFTER,
    ).values_list("cycle_id", flat=True))
    for cycle_id in stale:
        CycleProcessing.objects.filter(cycle_id=cycle_id).update(updated_at=now)
        _enqueue("orders.process_cycle", cycle_id)
    return stale


def processing_retry(*, cycle: OrderCycle) -> None:
    """The manager's "retry" (after filling in the hub's legal details, or a failure)."""
    CycleProcessing.objects.filter(cycle=cycle).exclude(state=State.DONE).update(
        state=State.PENDING, message="", updated_at=timezone.now())
    transaction.on_commit(lambda: _enqueue("orders.process_cycle", cycle.pk))
