"""A real Celery worker killed (SIGKILL) while it issues a cycle's invoices: a second worker,
started by the beat task's resume, finishes with no duplicate and no gap.

The worker runs on the configured broker (kombu's filesystem transport by default, Redis in
CI's second pass) and shares the test database, as in tests/foodhub/test_celery_worker.py.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone

from foodhub.celery import app as celery_app
from hubs import transitions as cycle_transitions
from orders import processing
from orders.models import CycleProcessing, Invoice, InvoiceCounter
from tests.foodhub.test_celery_worker import ROOT, _database_url
from tests.orders.conftest import place_order
from tests.producers.factories import UserFactory

ORDERS = 8


def start_worker(mail_dir):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="foodhub.settings.test", CELERY_TASK_ALWAYS_EAGER="0",
        DATABASE_URL=_database_url(), CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "foodhub", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def stop(process) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        return process.communicate(timeout=15)[0] or ""
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0] or ""


def wait_for(condition, process, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"worker exited while waiting for {what}:\n{stop(process)[-3000:]}")
        time.sleep(0.02)
    pytest.fail(f"no {what} within {seconds} s:\n{stop(process)[-3000:]}")


@pytest.mark.broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_batch_is_finished_by_the_next_one(
        shop, legal_hub, tmp_path, monkeypatch):
    for i in range(ORDERS):
        place_order(shop, UserFactory(email=f"buyer{i}@example.org"),
                    [(shop.offers[i % 3], 1)])
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    first = start_worker(tmp_path / "mail")
    try:
        cycle_transitions.cycle_close_now(cycle=shop.cycle)  # queued on commit
        issued = Invoice.objects.filter(cycle=shop.cycle)
        wait_for(lambda: issued.exists(), first, 90, "first invoice")
        first.send_signal(signal.SIGKILL)  # mid-batch: no handler, no ack, no cleanup
        first.wait(timeout=15)
    finally:
        stop(first)
    killed_at = issued.count()
    assert 1 <= killed_at < ORDERS, "the worker finished before it was killed"
    assert CycleProcessing.objects.get(cycle=shop.cycle).state == "running"

    second = start_worker(tmp_path / "mail")
    try:
        resumed = processing.processing_resume_stale(now=timezone.now() + dt.timedelta(minutes=11))
        assert resumed == [shop.cycle.pk]
        done = CycleProcessing.objects.filter(cycle=shop.cycle, state="done")
        wait_for(done.exists, second, 120, "finished processing")
    finally:
        stop(second)
    sequences = list(issued.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, ORDERS + 1))
    assert issued.values("order_id").distinct().count() == ORDERS
    assert issued.filter(pdf_rendered_at__isnull=True).count() == 0
    assert InvoiceCounter.objects.get(hub=shop.hub).last_number == ORDERS
    shop.cycle.refresh_from_db()
    assert shop.cycle.processed_at is not None
