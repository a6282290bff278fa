"""Bad input and faults in the processing of a closed cycle, each with the outcome a manager,
a producer or the accountant would notice: reruns change nothing; a crash or a killed worker
mid-batch ends with no duplicate and no gap; numbers stay gapless when two cycles of a hub
are processed at once (PostgreSQL); an order without lines, a hub without legal details, a
producer without e-mail, a reopening, a broker down at close, an edit of an issued invoice."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from oscar.core.loading import get_model

from hubs import transitions as cycle_transitions
from hubs.cycle_services import cycle_create, cycle_offers_add, cycle_window_save
from hubs.models import Hub, OrderCycle
from orders import invoice_documents, pdf, processing, purchasing, services, tasks
from orders.models import CycleProcessing, Invoice, InvoiceCounter, PurchaseOrder
from orders.services import LineRequest
from producers.models import Producer
from tests.orders.conftest import place_order
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")
LATER = dt.timedelta(minutes=11)  # past processing.STALE_AFTER


def close(cycle, capture, *, execute=True):
    """Close the cycle now; its processing runs (eager Celery) when `execute`."""
    with capture(execute=execute) as callbacks:
        cycle_transitions.cycle_close_now(cycle=cycle)
    cycle.refresh_from_db()
    return callbacks


def state_of(cycle) -> dict:
    """Everything processing writes, to compare before and after a rerun."""
    return {
        "invoices": list(Invoice.objects.filter(cycle=cycle).order_by("pk").values_list(
            "number", "sequence", "order_id", "pdf", "pdf_rendered_at", "emailed_at")),
        "counters": list(InvoiceCounter.objects.order_by("pk").values_list(
            "hub_id", "year", "last_number")),
        "purchase_orders": list(PurchaseOrder.objects.filter(cycle=cycle).order_by(
            "pk").values_list("number", "pdf", "csv", "emailed_at", "email_problem")),
        "processing": list(CycleProcessing.objects.filter(cycle=cycle).values_list(
            "state", "total", "message", "finished_at", "summary_sent_at", "summary_note")),
        "orders": list(get_model("order", "Order").objects.filter(cycle=cycle).order_by(
            "pk").values_list("status", flat=True)),
        "stock": list(StockRecord.objects.order_by("pk").values_list(
            "num_in_stock", "num_allocated")),
        "processed_at": OrderCycle.objects.get(pk=cycle.pk).processed_at,
        "mails": len(mail.outbox),
    }


def sequences(hub) -> list[int]:
    return list(Invoice.objects.filter(hub=hub).order_by("sequence").values_list(
        "sequence", flat=True))


def subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


# --- reruns ------------------------------------------------------------------------------------


def test_rerunning_the_close_or_any_task_changes_nothing(processed_cycle,
                                                         django_capture_on_commit_callbacks):
    cycle = processed_cycle.cycle
    orders = processed_cycle.orders
    before = state_of(cycle)
    assert before["processing"][0][0] == "done" and before["mails"] == 5

    with django_capture_on_commit_callbacks(execute=True):
        assert cycle_transitions.cycles_close_due(now=timezone.now() + LATER) == []
        with pytest.raises(ValidationError):
            cycle_transitions.cycle_close_now(cycle=cycle)
        processing.on_cycle_close(OrderCycle.objects.get(pk=cycle.pk))
        assert tasks.process_cycle(cycle.pk) == "done"
        assert tasks.issue_invoices(cycle.pk, [orders.alice.pk, orders.bob.pk,
                                               orders.carol.pk]) == 3
        assert tasks.send_processing_summary(cycle.pk) is False
        assert tasks.resume_stale_processing() == []
        assert processing.processing_resume_stale(now=timezone.now() + LATER) == []
        assert processing.processing_retry(cycle=cycle) is False
        for po in PurchaseOrder.objects.filter(cycle=cycle):
            purchasing.purchase_order_complete(cycle_id=cycle.pk, producer_id=po.producer_id)
            assert purchasing.purchase_order_email(purchase_order_id=po.pk) is False
        for invoice in Invoice.objects.filter(cycle=cycle):
            assert invoice_documents.invoice_email(invoice_id=invoice.pk) is False

    assert state_of(cycle) == before


def test_processing_progress_is_one_query(processed_cycle, django_assert_num_queries):
    with django_assert_num_queries(1):
        progress = processing.processing_progress(cycle_id=processed_cycle.cycle.pk)
    assert progress == {"state": "done", "done": 4, "total": 4, "message": ""}
    with django_assert_num_queries(2):
        assert processing.processing_progress(cycle_id=0)["state"] == "not_started"
    # A cycle processed before processing was recorded shows as done.
    CycleProcessing.objects.filter(cycle=processed_cycle.cycle).delete()
    assert processing.processing_progress(cycle_id=processed_cycle.cycle.pk)["state"] == "done"


# --- crashes -----------------------------------------------------------------------------------


def _failing_after(monkeypatch, good: int, error: BaseException):
    """Make invoice rendering fail after `good` PDFs; returns a function that repairs it."""
    real = invoice_documents.invoice_pdf_bytes
    calls = []

    def render(invoice):
        calls.append(invoice.number)
        if len(calls) > good:
            raise error
        return real(invoice)

    monkeypatch.setattr(invoice_documents, "invoice_pdf_bytes", render)
    return lambda: monkeypatch.setattr(invoice_documents, "invoice_pdf_bytes", real)


def _assert_complete(cycle, orders):
    invoices = list(Invoice.objects.filter(cycle=cycle).order_by("sequence"))
    assert sorted(i.order_id for i in invoices) == sorted(o.pk for o in orders)
    assert [i.sequence for i in invoices] == list(range(1, len(orders) + 1))
    assert all(i.pdf_rendered_at and i.pdf for i in invoices)
    assert InvoiceCounter.objects.get(hub=cycle.hub).last_number == len(orders)
    assert CycleProcessing.objects.get(cycle=cycle).state == "done"
    cycle.refresh_from_db()
    assert cycle.processed_at is not None


def test_a_failure_mid_batch_is_shown_then_the_rerun_completes_with_no_gap(
        shop, cycle_orders, monkeypatch, django_capture_on_commit_callbacks, client):
    repair = _failing_after(monkeypatch, 1, RuntimeError("renderer crashed"))
    close(shop.cycle, django_capture_on_commit_callbacks)

    processing_row = CycleProcessing.objects.get(cycle=shop.cycle)
    assert processing_row.state == "failed"
    second = Invoice.objects.filter(cycle=shop.cycle).order_by("sequence")[1]
    assert second.order.number in processing_row.message
    assert "RuntimeError" in processing_row.message
    # Two numbered (the second not rendered): nothing is lost, nothing to renumber.
    assert sequences(shop.hub) == [1, 2]
    assert [s for s in subjects() if "stopped" in s] == [f"The processing of {shop.cycle.name} "
                                                         "stopped"]
    manager = shop.hub.managers.get()
    client.force_login(manager)
    page = client.get(f"/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/processing/")
    assert "renderer" not in page.content.decode()  # the class of error, not its details
    assert second.order.number in page.content.decode()
    assert 'id="processing-retry"' in page.content.decode()

    repair()
    # The beat task resumes failed processing a few minutes later (no new notice).
    mails = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert processing.processing_resume_stale(now=timezone.now() + LATER) == [shop.cycle.pk]
    _assert_complete(shop.cycle, [cycle_orders.alice, cycle_orders.bob, cycle_orders.carol])
    new = subjects()[mails:]
    assert sum("is processed" in s for s in new) == 1
    assert not any("stopped" in s for s in new)


class Killed(BaseException):
    """What a worker killed mid-task looks like from the inside: nothing after it runs."""


def test_a_worker_killed_mid_batch_is_resumed_with_no_duplicate_and_no_gap(
        shop, cycle_orders, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(processing, "_enqueue", lambda name, *args: queued.append((name, args)))
    close(shop.cycle, django_capture_on_commit_callbacks)
    assert queued == [("orders.process_cycle", (shop.cycle.pk,))]
    processing.processing_start(cycle_id=shop.cycle.pk)
    chunk = next(args for name, args in queued if name == "orders.issue_invoices")
    repair = _failing_after(monkeypatch, 1, Killed())
    with pytest.raises(Killed):
        processing.invoices_complete(cycle_id=chunk[0], order_ids=chunk[1])
    assert sequences(shop.hub) == [1, 2]
    assert CycleProcessing.objects.get(cycle=shop.cycle).state == "running"
    repair()
    monkeypatch.undo()

    # Not stale yet: nothing happens; later the beat task picks it up again.
    assert processing.processing_resume_stale() == []
    with django_capture_on_commit_callbacks(execute=True):
        assert processing.processing_resume_stale(now=timezone.now() + LATER) == [shop.cycle.pk]
    _assert_complete(shop.cycle, [cycle_orders.alice, cycle_orders.bob, cycle_orders.carol])
    assert sum("is processed" in s for s in subjects()) == 1
    # A duplicated delivery of the killed task afterwards changes nothing.
    assert processing.invoices_complete(cycle_id=chunk[0], order_ids=chunk[1]) == 3
    assert sequences(shop.hub) == [1, 2, 3]


def test_a_broker_down_at_close_is_caught_up_by_the_beat_task(
        shop, cycle_orders, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def down(*args):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(tasks.process_cycle, "delay", down)
    close(shop.cycle, django_capture_on_commit_callbacks)  # the close itself succeeds
    assert shop.cycle.status == "closed"
    assert CycleProcessing.objects.get(cycle=shop.cycle).state == "pending"
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        processing.processing_resume_stale(now=timezone.now() + LATER)
    _assert_complete(shop.cycle, [cycle_orders.alice, cycle_orders.bob, cycle_orders.carol])


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_cycles_of_a_hub_processed_at_once_share_one_gapless_sequence(
        shop, legal_hub, monkeypatch):
    """Two closed cycles of one hub, their invoices issued by 6 threads at once (each on its
    own connection, started together on a fresh counter): numbers 1..N, no gap, no
    duplicate, one invoice per order."""
    now = timezone.now()
    second = cycle_create(hub=shop.hub, name="Next week", opens_at=now - dt.timedelta(hours=1),
                          closes_at=now + dt.timedelta(days=1), publish=True)
    producer = Producer.objects.get(pk=shop.offers[0].supplier.producer_id)
    cycle_offers_add(cycle=second, producer=producer)
    window = cycle_window_save(cycle=second, pickup_point=shop.point, date=shop.window.date,
                               start_time=dt.time(17), end_time=dt.time(19))
    second_offers = list(second.offers.order_by("stockrecord__partner_sku"))
    orders = []
    for i in range(6):
        user = UserFactory(email=f"racer{i}@example.org")
        orders.append(place_order(shop, user, [(shop.offers[i % 3], 1)]))
        orders.append(services.order_place(
            cycle_id=second.pk, lines=[LineRequest(second_offers[i % 3].pk, 1)], user=user,
            pickup_window_id=window.pk, payment_method_id=shop.at_pickup.pk, notify=False))
    queued = []
    monkeypatch.setattr(processing, "CHUNK", 2)
    monkeypatch.setattr(processing, "_enqueue", lambda name, *args: queued.append((name, args)))
    for cycle in (shop.cycle, second):
        cycle_transitions.cycle_close_now(cycle=cycle)  # commits: processing is queued
        processing.processing_start(cycle_id=cycle.pk)  # freeze, purchase orders, plan
    chunks = [args for name, args in queued if name == "orders.issue_invoices"]
    assert len(chunks) == 6 and not Invoice.objects.exists()

    rendering = threading.Lock()  # WeasyPrint is not promised to be thread-safe
    real_pdf = pdf.html_to_pdf

    def render_one_at_a_time(html, **kwargs):
        with rendering:
            return real_pdf(html, **kwargs)

    monkeypatch.setattr(pdf, "html_to_pdf", render_one_at_a_time)
    barrier = threading.Barrier(len(chunks))
    errors = []

    def work(cycle_id, order_ids):
        try:
            barrier.wait()
            processing.invoices_complete(cycle_id=cycle_id, order_ids=order_ids)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=chunk) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    invoices = Invoice.objects.filter(hub=shop.hub)
    assert sorted(invoices.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert sequences(shop.hub) == list(range(1, 13))
    assert len(set(invoices.values_list("number", flat=True))) == 12
    assert InvoiceCounter.objects.get(hub=shop.hub).last_number == 12
    assert set(CycleProcessing.objects.values_list("state", flat=True)) == {"done"}
    assert OrderCycle.objects.filter(pk__in=[shop.cycle.pk, second.pk],
                                     processed_at__isnull=False).count() == 2


# --- bad input ---------------------------------------------------------------------------------


def test_an_order_without_lines_gets_no_invoice_and_processing_still_finishes(
        shop, cycle_orders, django_capture_on_commit_callbacks):
    Line.objects.filter(order=cycle_orders.alice).delete()
    close(shop.cycle, django_capture_on_commit_callbacks)
    assert not Invoice.objects.filter(order=cycle_orders.alice).exists()
    _assert_complete(shop.cycle, [cycle_orders.bob, cycle_orders.carol])
    assert processing.processing_progress(cycle_id=shop.cycle.pk) == {
        "state": "done", "done": 3, "total": 3, "message": ""}
    cycle_orders.alice.refresh_from_db()
    assert cycle_orders.alice.status == "processed"


def test_a_hub_without_legal_details_is_blocked_then_retry_finishes_it(
        shop, cycle_orders, django_capture_on_commit_callbacks, client):
    Hub.objects.filter(pk=shop.hub.pk).update(legal_name="", company_number="", vat_number="",
                                             language="en")
    shop.cycle.hub.refresh_from_db()
    close(shop.cycle, django_capture_on_commit_callbacks)

    progress = processing.processing_progress(cycle_id=shop.cycle.pk)
    assert progress["state"] == "blocked"
    assert progress["message"] == "legal name, SIRET / SIREN (or, outside France, VAT number)"
    assert not Invoice.objects.exists() and not InvoiceCounter.objects.exists()
    assert shop.cycle.status == "closed"
    # The purchase order went to the producer all the same, and the managers were told once.
    assert PurchaseOrder.objects.get(cycle=shop.cycle).emailed_at is not None
    notices = [m for m in mail.outbox if "waiting for your hub's legal details" in m.subject]
    assert len(notices) == 1 and notices[0].to == ["manager@example.org"]
    assert "legal name, SIRET / SIREN (or, outside France, VAT number)" in notices[0].body
    with django_capture_on_commit_callbacks(execute=True):
        tasks.process_cycle(shop.cycle.pk)
        assert processing.processing_resume_stale(now=timezone.now() + LATER) == []
    assert len([m for m in mail.outbox if "legal details" in m.subject]) == 1
    assert not InvoiceCounter.objects.exists()

    client.force_login(shop.hub.managers.get())
    url = f"/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/processing/"
    page = client.get(url).content.decode()
    assert "legal name, SIRET / SIREN (or, outside France, VAT number)" in page
    assert f'href="/hub/{shop.hub.slug}/settings/"' in page
    assert 'id="processing-retry"' in page
    # Retrying before filling them in: still blocked, no second notice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "retry/")
    assert processing.processing_progress(cycle_id=shop.cycle.pk)["state"] == "blocked"
    assert len([m for m in mail.outbox if "legal details" in m.subject]) == 1

    Hub.objects.filter(pk=shop.hub.pk).update(legal_name="Le Panier",
                                              company_number="73282932000074")
    page = client.get(url).content.decode()
    assert "filled in now" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "retry/", follow=True)
    assert "Processing started again." in response.content.decode()
    _assert_complete(shop.cycle, [cycle_orders.alice, cycle_orders.bob, cycle_orders.carol])
    assert sum("is processed" in s for s in subjects()) == 1
    # The producer got its purchase order once.
    assert sum("Purchase order" in s for s in subjects()) == 1


def test_a_producer_without_any_email_gets_a_purchase_order_named_in_the_summary(
        shop, cycle_orders, django_capture_on_commit_callbacks, client):
    producer = Producer.objects.get(pk=shop.offers[0].supplier.producer_id)
    Producer.objects.filter(pk=producer.pk).update(contact_email="")
    assert not producer.members.exists()
    Hub.objects.filter(pk=shop.hub.pk).update(language="en")
    close(shop.cycle, django_capture_on_commit_callbacks)

    po = PurchaseOrder.objects.get(cycle=shop.cycle)
    assert po.pdf and po.csv and po.emailed_at is None
    assert po.email_problem == "no e-mail address"
    assert not any("Purchase order" in s for s in subjects())
    _assert_complete(shop.cycle, [cycle_orders.alice, cycle_orders.bob, cycle_orders.carol])
    summary = next(m for m in mail.outbox if "is processed" in m.subject)
    assert f"{producer.name} ({po.number})" in summary.body
    assert "not e-mailed: no e-mail address" in summary.body
    client.force_login(shop.hub.managers.get())
    page = client.get(f"/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/processing/")
    assert "Not e-mailed: no e-mail address" in page.content.decode()


def test_reopening_before_processing_forgets_it_and_the_next_close_processes_once(
        shop, cycle_orders, django_capture_on_commit_callbacks):
    stock = state_of(shop.cycle)["stock"]
    pending = close(shop.cycle, django_capture_on_commit_callbacks, execute=False)
    assert CycleProcessing.objects.get(cycle=shop.cycle).state == "pending"
    cycle_transitions.cycle_reopen(cycle=shop.cycle, closes_at=timezone.now() + LATER)
    assert shop.cycle.status == "open"
    assert not CycleProcessing.objects.filter(cycle=shop.cycle).exists()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in pending:  # the task queued by the first close runs late
            callback()
    assert state_of(shop.cycle)["stock"] == stock
    assert set(get_model("order", "Order").objects.filter(cycle=shop.cycle).values_list(
        "status", flat=True)) == {"placed"}
    assert not Invoice.objects.exists() and not PurchaseOrder.objects.exists()
    assert processing.processing_resume_stale(now=timezone.now() + LATER) == []

    close(shop.cycle, django_capture_on_commit_callbacks)
    _assert_complete(shop.cycle, [cycle_orders.alice, cycle_orders.bob, cycle_orders.carol])
    assert sum("is processed" in s for s in subjects()) == 1


def test_reopening_once_processing_began_is_refused_with_a_message(
        shop, cycle_orders, django_capture_on_commit_callbacks, client):
    Hub.objects.filter(pk=shop.hub.pk).update(legal_name="")  # blocked: begun, not done
    close(shop.cycle, django_capture_on_commit_callbacks)
    assert CycleProcessing.objects.get(cycle=shop.cycle).state == "blocked"
    with pytest.raises(ValidationError, match="can no longer be reopened"):
        cycle_transitions.cycle_reopen(cycle=shop.cycle, closes_at=timezone.now() + LATER)
    client.force_login(shop.hub.managers.get())
    when = timezone.localtime(timezone.now() + LATER, shop.hub.tz)
    response = client.post(f"/hub/{shop.hub.slug}/cycles/{shop.cycle.pk}/reopen/do/",
                           {"reopen-closes_at": when.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "can no longer be reopened" in response.content.decode()
    shop.cycle.refresh_from_db()
    assert shop.cycle.status == "closed"


def test_an_issued_invoice_cannot_be_edited_or_deleted(processed_cycle):
    invoice = Invoice.objects.filter(cycle=processed_cycle.cycle).first()
    before = list(Invoice.objects.order_by("pk").values_list())
    invoice.total_incl_tax = Decimal("0.01")
    with pytest.raises(ValidationError, match="credit note"):
        invoice.save()
    with pytest.raises(ValidationError, match="credit note"):
        invoice.save(update_fields=["total_incl_tax"])
    with pytest.raises(ValidationError, match="credit note"):
        Invoice.objects.filter(pk=invoice.pk).update(number="LPB-0000-000001")
    with pytest.raises(ValidationError, match="credit note"):
        invoice.delete()
    assert list(Invoice.objects.order_by("pk").values_list()) == before
