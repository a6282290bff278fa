"""Order cycle lifecycle with a frozen clock, exactly-once closing, clone, bad input."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from hubs import transitions
from hubs.cycle_services import (
    cycle_clone,
    cycle_create,
    cycle_fee_save,
    cycle_offers_add,
    cycle_offers_update,
    cycle_supplier_add,
    cycle_window_save,
    notify_opened_cycles,
)
from hubs.models import CycleFee, HubProducer, OrderCycle, PickupPoint
from hubs.transitions import (
    cycle_close_now,
    cycle_mark_processed,
    cycle_reopen,
)
from hubs.transitions import (
    cycles_close_due as close_due_cycles,
)
from producers.services import producer_member_add
from tests.producers.factories import ProducerFactory, UserFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def closes(monkeypatch):
    calls = []
    monkeypatch.setattr(transitions, "_close_handlers", [calls.append])
    return calls


def make_cycle(hub, *, publish=True, opens=T0, hours=48):
    return cycle_create(hub=hub, name="Week 50", opens_at=opens,
                        closes_at=opens + dt.timedelta(hours=hours), publish=publish)


def test_status_follows_the_clock(hub):
    cycle = make_cycle(hub)
    draft = make_cycle(hub, publish=False)
    with time_machine.travel(T0 - dt.timedelta(minutes=1), tick=False):
        assert cycle.status == "upcoming" and draft.status == "draft"
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        assert cycle.status == "open" and draft.status == "draft"
    with time_machine.travel(T0 + dt.timedelta(hours=48), tick=False):
        assert cycle.status == "closed"  # even before any worker ran
    cycle_mark_processed(cycle=cycle)  # not claimed yet: nothing to process
    assert OrderCycle.objects.get(pk=cycle.pk).processed_at is None


def test_close_side_effects_run_exactly_once(hub, closes):
    cycle = make_cycle(hub)
    draft = make_cycle(hub, publish=False)
    with time_machine.travel(T0 + dt.timedelta(hours=47), tick=False):
        assert close_due_cycles() == []
    with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
        assert close_due_cycles() == [cycle.pk]
        assert close_due_cycles() == []  # the beat task again, or a retry
    assert [c.pk for c in closes] == [cycle.pk]
    cycle.refresh_from_db()
    assert cycle.close_handled_at is not None and cycle.is_locked
    assert OrderCycle.objects.get(pk=draft.pk).close_handled_at is None


def test_a_failing_handler_leaves_the_close_to_be_retried(hub, monkeypatch):
    cycle = make_cycle(hub)
    attempts = []

    def flaky(c):
        attempts.append(c.pk)
        if len(attempts) == 1:
            raise RuntimeError("mail server down")

    monkeypatch.setattr(transitions, "_close_handlers", [flaky])
    with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
        with pytest.raises(RuntimeError):
            close_due_cycles()
        assert OrderCycle.objects.get(pk=cycle.pk).close_handled_at is None
        assert close_due_cycles() == [cycle.pk]
    assert attempts == [cycle.pk, cycle.pk]


def test_reopened_cycle_closes_again_once(hub, closes):
    cycle = make_cycle(hub)
    with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
        close_due_cycles()
        cycle_reopen(cycle=cycle, closes_at=T0 + dt.timedelta(hours=60))
        assert cycle.status == "open" and not cycle.is_locked
    with time_machine.travel(T0 + dt.timedelta(hours=61), tick=False):
        close_due_cycles()
        close_due_cycles()
    assert len(closes) == 2


def test_processed_cycle_cannot_reopen(hub, closes):
    cycle = make_cycle(hub)
    with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
        close_due_cycles()
        assert cycle_mark_processed(cycle=cycle)
        cycle.refresh_from_db()
        assert cycle.status == "processed"
        with pytest.raises(ValidationError, match="processed"):
            cycle_reopen(cycle=cycle, closes_at=T0 + dt.timedelta(hours=60))


def test_close_now(hub, closes):
    cycle = make_cycle(hub)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        cycle_close_now(cycle=cycle)
        assert cycle.status == "closed" and len(closes) == 1
        with pytest.raises(ValidationError):
            cycle_close_now(cycle=cycle)
    upcoming = make_cycle(hub, opens=T0 + dt.timedelta(days=7))
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError):
        cycle_close_now(cycle=upcoming)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_beat_tasks_close_once(hub):
    make_cycle(hub)
    handled, barrier = [], threading.Barrier(2)
    transitions.register_close_handler(handled.append)
    try:
        def run():
            try:
                barrier.wait(timeout=10)
                with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
                    close_due_cycles()
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        transitions._close_handlers.remove(handled.append)
    assert len(handled) == 1


# --- bad input -------------------------------------------------------------------------------


def test_close_before_open_is_refused(hub):
    with pytest.raises(ValidationError) as error:
        cycle_create(hub=hub, name="x", opens_at=T0, closes_at=T0 - dt.timedelta(hours=1))
    assert "closes_at" in error.value.message_dict
    assert not OrderCycle.objects.exists()


def test_negative_markup_is_refused(hub):
    with pytest.raises(ValidationError) as error:
        cycle_create(hub=hub, name="x", opens_at=T0, closes_at=T0 + dt.timedelta(days=1),
                     markup_percent=Decimal("-5"))
    assert "markup_percent" in error.value.message_dict


def test_producer_without_relationship_cannot_be_offered(open_cycle):
    stranger = ProducerFactory(name="Stranger Farm")
    with pytest.raises(ValidationError, match="does not supply this hub"):
        cycle_offers_add(cycle=open_cycle, producer=stranger)
    ended = ProducerFactory(name="Former Farm")
    HubProducer.objects.create(hub=open_cycle.hub, producer=ended, status="ended")
    with pytest.raises(ValidationError):
        cycle_supplier_add(cycle=open_cycle, producer=ended)
    assert not open_cycle.offers.exists()


def test_caps_markups_and_hub_prices_are_validated_all_or_nothing(cycle_with_offers):
    cycle, (first, second, _third) = cycle_with_offers
    with pytest.raises(ValidationError) as error:
        cycle_offers_update(cycle=cycle, changes={
            first.id: {"cap": 5},
            second.id: {"cap": -1, "hub_price": Decimal("1.00")},
        })
    assert set(error.value.message_dict) == {str(second.id)}
    assert len(error.value.message_dict[str(second.id)]) == 2
    first.refresh_from_db()
    assert first.cap is None
    cycle_offers_update(cycle=cycle, changes={first.id: {"cap": 5}})
    first.refresh_from_db()
    assert first.cap == 5


def test_negative_fee_is_refused(open_cycle):
    with pytest.raises(ValidationError) as error:
        cycle_fee_save(cycle=open_cycle, name="Packing", kind=CycleFee.Kind.PER_ITEM_FLAT,
                       amount=Decimal("-1"), vat_rate=Decimal("20"))
    assert "amount" in error.value.message_dict
    assert not open_cycle.fees.exists()


def test_closed_cycle_products_cannot_change(cycle_with_offers, supplier, closes):
    cycle, offers = cycle_with_offers
    cycle_close_now(cycle=cycle)
    with pytest.raises(ValidationError, match="closed"):
        cycle_offers_add(cycle=cycle, producer=supplier)
    with pytest.raises(ValidationError, match="closed"):
        cycle_offers_update(cycle=cycle, changes={offers[0].id: {"cap": 1}})
    with pytest.raises(ValidationError, match="closed"):
        cycle_fee_save(cycle=cycle, name="Late fee", kind="item_flat", amount=Decimal("1"))


def test_overlapping_windows_are_refused(open_cycle):
    point = PickupPoint.objects.create(hub=open_cycle.hub, name="Hall", address="1 rue")
    day = dt.date(2026, 12, 10)
    cycle_window_save(cycle=open_cycle, pickup_point=point, date=day,
                      start_time=dt.time(17), end_time=dt.time(19))
    with pytest.raises(ValidationError, match="overlaps"):
        cycle_window_save(cycle=open_cycle, pickup_point=point, date=day,
                          start_time=dt.time(18), end_time=dt.time(20))
    with pytest.raises(ValidationError, match="end after"):
        cycle_window_save(cycle=open_cycle, pickup_point=point, date=day,
                          start_time=dt.time(20), end_time=dt.time(19))
    with pytest.raises(ValidationError, match="either a pickup point or a delivery zone"):
        cycle_window_save(cycle=open_cycle, date=day, start_time=dt.time(8),
                          end_time=dt.time(9))
    assert open_cycle.windows.count() == 1


# --- clone and notifications -----------------------------------------------------------------


def test_clone_copies_everything_shifted(cycle_with_offers, supplier):
    cycle, offers = cycle_with_offers
    point = PickupPoint.objects.create(hub=cycle.hub, name="Hall", address="1 rue")
    cycle_window_save(cycle=cycle, pickup_point=point, date=cycle.closes_at.date(),
                      start_time=dt.time(17), end_time=dt.time(19))
    cycle_fee_save(cycle=cycle, name="Packing", kind="item_flat", amount=Decimal("0.25"))
    cycle_offers_update(cycle=cycle, changes={offers[0].id: {"cap": 7}})
    week = dt.timedelta(days=7)
    clone = cycle_clone(cycle=cycle, opens_at=cycle.opens_at + week)
    assert clone.status == "draft" and clone.closes_at == cycle.closes_at + week
    assert clone.offers.count() == 3 and clone.offers.filter(cap=7).count() == 1
    assert clone.fees.get().name == "Packing"
    assert clone.windows.get().date == cycle.closes_at.date() + week
    assert clone.suppliers.get().producer == supplier


def test_producers_are_told_once_when_a_cycle_opens(cycle_with_offers, supplier):
    cycle, _offers = cycle_with_offers
    producer_member_add(producer=supplier, user=UserFactory(email="farmer@example.com"))
    assert notify_opened_cycles() == 1
    assert notify_opened_cycles() == 0
    assert mail.outbox[0].to == ["farmer@example.com"]
    assert "This week" in mail.outbox[0].subject


def test_offer_all_active_products_in_one_action(open_cycle, supplier):
    assert cycle_offers_add(cycle=open_cycle, producer=supplier) == 3
    assert cycle_offers_add(cycle=open_cycle, producer=supplier) == 0  # idempotent

