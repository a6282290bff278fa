"""The cycle state machine (hubs.transitions): one derived status, every transition's allowed
statuses, the lock on every editor write, reopen re-arming the close, clone's checks."""

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from hubs import cycle_services, transitions
from hubs.models import (
    CycleFee,
    CycleStatus,
    CycleSupplier,
    CycleWindow,
    OrderCycle,
    PickupPoint,
)
from hubs.services import hub_manager_add
from tests.producers.factories import UserFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def closes(monkeypatch):
    calls = []
    monkeypatch.setattr(transitions, "_close_handlers", [calls.append])
    return calls


def make(hub, *, publish=True, opens=T0, hours=48, name="Week 50"):
    cycle = cycle_services.cycle_create(hub=hub, name=name, opens_at=opens,
                                        closes_at=opens + dt.timedelta(hours=hours))
    if publish:
        transitions.cycle_publish(cycle=cycle, now=opens - 24 * HOUR)
    return cycle


def one_of_each(hub):
    """A cycle in every status at T0 + 1 h, including closed by claim with a future close."""
    cycles = {
        CycleStatus.DRAFT: make(hub, publish=False, name="draft"),
        CycleStatus.UPCOMING: make(hub, opens=T0 + 5 * HOUR, name="upcoming"),
        CycleStatus.OPEN: make(hub, name="open"),
        CycleStatus.CLOSED: make(hub, opens=T0 - 48 * HOUR, hours=48, name="closed"),
        "claimed": make(hub, name="claimed"),
        CycleStatus.PROCESSED: make(hub, opens=T0 - 72 * HOUR, hours=24, name="processed"),
    }
    with time_machine.travel(T0 - 24 * HOUR + HOUR, tick=False):
        transitions.cycles_close_due()  # claims "processed"'s close
    assert transitions.cycle_mark_processed(cycle=cycles[CycleStatus.PROCESSED])
    # Claimed but with closes_at still ahead: the defect a reschedule used to create.
    OrderCycle.objects.filter(pk=cycles["claimed"].pk).update(close_handled_at=T0)
    return cycles


def test_status_and_its_sql_twin_agree_on_every_status(hub):
    cycles = one_of_each(hub)
    now = T0 + HOUR
    expected = {c.pk: (CycleStatus.CLOSED if key == "claimed" else key)
                for key, c in cycles.items()}
    rows = OrderCycle.objects.filter(hub=hub).with_status(now=now)
    for cycle in rows:
        assert cycle.status_at(now) == cycle.status_db == expected[cycle.pk], cycle.name
    for status in CycleStatus:
        in_sql = set(OrderCycle.objects.in_status(status, now=now).values_list("pk", flat=True))
        in_python = {pk for pk, s in expected.items() if s == status}
        assert in_sql == in_python, status


@pytest.mark.parametrize("name", ["publish", "reschedule", "close_now", "reopen"])
def test_each_transition_refuses_the_statuses_it_does_not_start_from(hub, name):
    cycles = one_of_each(hub)
    calls = {
        "publish": lambda c: transitions.cycle_publish(cycle=c),
        "reschedule": lambda c: transitions.cycle_reschedule(cycle=c, closes_at=T0 + 50 * HOUR),
        "close_now": lambda c: transitions.cycle_close_now(cycle=c),
        "reopen": lambda c: transitions.cycle_reopen(cycle=c, closes_at=T0 + 50 * HOUR),
    }
    with time_machine.travel(T0 + HOUR, tick=False):
        for key, cycle in cycles.items():
            status = CycleStatus.CLOSED if key == "claimed" else key
            if status in transitions.ALLOWED_FROM[name]:
                continue
            before = OrderCycle.objects.filter(pk=cycle.pk).values().get()
            with pytest.raises(ValidationError):
                calls[name](cycle)
            assert OrderCycle.objects.filter(pk=cycle.pk).values().get() == before


def test_a_claimed_close_cannot_be_moved_by_editing_the_cycle(hub, closes):
    cycle = make(hub)
    with time_machine.travel(T0 + 48 * HOUR, tick=False):
        assert transitions.cycles_close_due() == [cycle.pk]
        with pytest.raises(ValidationError):
            cycle_services.cycle_update(cycle=cycle, closes_at=T0 + 72 * HOUR)
        cycle.refresh_from_db()
        assert cycle.closes_at == T0 + 48 * HOUR and cycle.status == CycleStatus.CLOSED
    # Even a closing time moved behind the services' back cannot reopen a claimed cycle.
    OrderCycle.objects.filter(pk=cycle.pk).update(closes_at=T0 + 72 * HOUR)
    with time_machine.travel(T0 + 50 * HOUR, tick=False):
        assert OrderCycle.objects.get(pk=cycle.pk).status == CycleStatus.CLOSED
        assert not OrderCycle.objects.in_status(CycleStatus.OPEN).exists()


def test_reopen_re_arms_the_close_and_its_handlers_run_again(hub, closes):
    cycle = make(hub)
    with time_machine.travel(T0 + 48 * HOUR, tick=False):
        transitions.cycles_close_due()
        transitions.cycle_reopen(cycle=cycle, closes_at=T0 + 60 * HOUR)
        assert cycle.status == CycleStatus.OPEN and cycle.close_handled_at is None
    with time_machine.travel(T0 + 61 * HOUR, tick=False):
        assert transitions.cycles_close_due() == [cycle.pk]
    assert [c.pk for c in closes] == [cycle.pk, cycle.pk]


def test_an_open_cycle_can_close_later_but_not_reopen_its_start(hub):
    cycle = make(hub)
    with time_machine.travel(T0 + HOUR, tick=False):
        transitions.cycle_reschedule(cycle=cycle, closes_at=T0 + 72 * HOUR)
        assert cycle.closes_at == T0 + 72 * HOUR
        with pytest.raises(ValidationError, match="opening time"):
            transitions.cycle_reschedule(cycle=cycle, opens_at=T0 + 5 * HOUR)
        with pytest.raises(ValidationError, match="Close now"):
            transitions.cycle_reschedule(cycle=cycle, closes_at=T0)


def test_publishing_a_cycle_that_is_already_over_is_refused(hub):
    cycle = make(hub, publish=False, opens=T0 - 72 * HOUR, hours=24)
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError):
        transitions.cycle_publish(cycle=cycle)
    assert OrderCycle.objects.get(pk=cycle.pk).status == CycleStatus.DRAFT


def test_processed_needs_a_claimed_close(hub):
    cycle = make(hub)
    with time_machine.travel(T0 + 49 * HOUR, tick=False):
        assert not transitions.cycle_mark_processed(cycle=cycle)  # closed by clock only
        transitions.cycles_close_due()
        assert transitions.cycle_mark_processed(cycle=cycle)
        assert not transitions.cycle_mark_processed(cycle=cycle)  # once
        assert OrderCycle.objects.get(pk=cycle.pk).status == CycleStatus.PROCESSED


@pytest.fixture
def closed_cycle(hub, closes):
    cycle = make(hub, opens=timezone.now() - 72 * HOUR, hours=24)
    point = PickupPoint.objects.create(hub=hub, name="Hall", address="1 rue")
    fee = CycleFee.objects.create(cycle=cycle, name="Packing", kind=CycleFee.Kind.PER_ORDER_FLAT,
                                  amount=Decimal("1"))
    window = CycleWindow.objects.create(cycle=cycle, pickup_point=point,
                                        date=dt.date(2026, 12, 10), start_time=dt.time(17),
                                        end_time=dt.time(19))
    transitions.cycles_close_due()
    return cycle, point, fee, window


def test_every_editor_write_is_refused_once_closed(closed_cycle, supplier):
    cycle, point, fee, window = closed_cycle
    writes = [
        lambda: cycle_services.cycle_update(cycle=cycle, name="Renamed"),
        lambda: cycle_services.cycle_update(cycle=cycle, note_to_producers="New note"),
        lambda: cycle_services.cycle_supplier_add(cycle=cycle, producer=supplier),
        lambda: cycle_services.cycle_offers_add(cycle=cycle, producer=supplier),
        lambda: cycle_services.cycle_offers_remove(cycle=cycle, offer_ids=[1]),
        lambda: cycle_services.cycle_offers_update(cycle=cycle, changes={}),
        lambda: cycle_services.cycle_fee_save(cycle=cycle, name="Late fee",
                                              kind=CycleFee.Kind.PER_ORDER_FLAT,
                                              amount=Decimal("2")),
        lambda: cycle_services.cycle_fee_delete(cycle=cycle, fee_id=fee.pk),
        lambda: cycle_services.cycle_window_save(cycle=cycle, pickup_point=point,
                                                 date=dt.date(2026, 12, 11),
                                                 start_time=dt.time(17),
                                                 end_time=dt.time(19)),
        lambda: cycle_services.cycle_window_delete(cycle=cycle, window_id=window.pk),
    ]
    for write in writes:
        with pytest.raises(ValidationError, match="closed"):
            write()
    cycle.refresh_from_db()
    assert cycle.name == "Week 50" and cycle.fees.count() == 1 and cycle.windows.count() == 1
    assert not cycle.suppliers.exists()


def test_closed_cycle_pages_refuse_new_windows_and_deleting_fees_or_windows(
    client, closed_cycle
):
    cycle, point, fee, window = closed_cycle
    manager = UserFactory(email="m@example.com")
    hub_manager_add(hub=cycle.hub, user=manager)
    client.force_login(manager)
    base = f"/hub/{cycle.hub.slug}/cycles/{cycle.id}/"
    response = client.post(base + "windows/", {
        "window-pickup_point": point.id, "window-date": "2026-12-11",
        "window-start_time": "17:00", "window-end_time": "19:00"}, follow=True)
    assert "closed" in response.content.decode()
    client.post(base + "windows/", {"delete": window.pk})
    client.post(base + "fees/", {"delete": fee.pk})
    assert cycle.windows.count() == 1 and cycle.fees.count() == 1
    for bad in ("abc", "²", "99999999999999999999999"):
        response = client.post(base + "fees/", {"delete": bad}, follow=True)
        assert response.status_code == 200


def test_a_fee_name_longer_than_its_column_is_refused(client, hub, open_cycle):
    manager = UserFactory(email="m@example.com")
    hub_manager_add(hub=hub, user=manager)
    client.force_login(manager)
    response = client.post(f"/hub/{hub.slug}/cycles/{open_cycle.id}/fees/", {
        "fee-name": "x" * 10_000, "fee-kind": CycleFee.Kind.PER_ORDER_FLAT,
        "fee-amount": "1", "fee-vat_rate": "20"}, follow=True)
    assert response.status_code == 200
    assert not open_cycle.fees.exists()
    with pytest.raises(ValidationError):
        cycle_services.cycle_fee_save(cycle=open_cycle, name="x" * 10_000,
                                      kind=CycleFee.Kind.PER_ORDER_FLAT, amount=Decimal("1"))
    assert not open_cycle.fees.exists()


def test_clone_refuses_a_past_or_far_opening_and_keeps_drop_offs(hub, supplier):
    with time_machine.travel(T0 - 48 * HOUR, tick=False):
        cycle = make(hub)
        cycle_services.cycle_supplier_add(
            cycle=cycle, producer=supplier, dropoff_date=dt.date(2026, 12, 9),
            dropoff_time=dt.time(14), dropoff_place="Back door", dropoff_instructions="Ring",
        )
        for when in (dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                     dt.datetime(9999, 1, 1, tzinfo=dt.UTC)):
            with pytest.raises(ValidationError):
                cycle_services.cycle_clone(cycle=cycle, opens_at=when)
        clone = cycle_services.cycle_clone(cycle=cycle, opens_at=T0 + 7 * 24 * HOUR)
    supplier_copy = clone.suppliers.get()
    assert supplier_copy.dropoff_date == dt.date(2026, 12, 16)
    assert (supplier_copy.dropoff_time, supplier_copy.dropoff_place) == (dt.time(14),
                                                                        "Back door")
    assert clone.status == CycleStatus.DRAFT
    assert OrderCycle.objects.count() == 2


def test_api_clone_far_in_the_future_is_a_400(hub):
    from rest_framework.test import APIClient

    manager = UserFactory(email="m@example.com")
    hub_manager_add(hub=hub, user=manager)
    cycle = make(hub, opens=timezone.now() + HOUR)
    api = APIClient()
    api.force_authenticate(manager)
    for when in ("9999-12-31T09:00:00Z", "2020-01-01T09:00:00Z"):
        response = api.post(f"/api/v1/order-cycles/{cycle.id}/clone/", {"opens_at": when},
                            format="json")
        assert response.status_code == 400, response.content
        assert "opens_at" in response.json()


def test_docs_table_lists_every_transition_and_its_statuses():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "hubs.md").read_text()
    for name, statuses in transitions.ALLOWED_FROM.items():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{name}`")), None)
        assert row is not None, f"docs/hubs.md has no row for {name}"
        documented = {s.strip() for s in row.split("|")[2].split(",")}
        assert documented == {s.value for s in statuses}, f"{name}: docs/hubs.md says {documented}"
        assert row.split("|")[4].strip(), f"{name}: docs/hubs.md does not say who may run it"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_racing_the_close_waits_for_it_and_is_refused(hub):
    """The close claim and an editor write meet on the cycle's row lock: a fee typed while
    the close is being handled is refused, never written into a closed cycle."""
    import threading

    from django.db import connection

    cycle = make(hub, opens=timezone.now() - 24 * HOUR, hours=23)  # due, not yet claimed
    claimed, outcome = threading.Event(), []

    def slow_handler(c):
        claimed.set()
        threading.Event().wait(0.5)  # the close work takes a while; the row stays locked

    def close():
        try:
            transitions.cycles_close_due()
        finally:
            connection.close()

    def edit():
        try:
            claimed.wait(timeout=10)
            try:
                cycle_services.cycle_fee_save(cycle=cycle, name="Late",
                                              kind=CycleFee.Kind.PER_ORDER_FLAT,
                                              amount=Decimal("1"))
                outcome.append("written")
            except ValidationError:
                outcome.append("refused")
        finally:
            connection.close()

    transitions.register_close_handler(slow_handler)
    try:
        threads = [threading.Thread(target=close), threading.Thread(target=edit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        transitions._close_handlers.remove(slow_handler)
    assert outcome == ["refused"]
    assert not CycleFee.objects.filter(cycle_id=cycle.pk).exists()


# --- the same defects through the API and the pages ------------------------------------------


@pytest.fixture
def manager_api(hub):
    from rest_framework.test import APIClient

    manager = UserFactory(email="m@example.com")
    hub_manager_add(hub=hub, user=manager)
    api = APIClient()
    api.force_authenticate(manager)
    return api


@pytest.fixture
def manager_client(client, hub):
    manager = UserFactory(email="page@example.com")
    hub_manager_add(hub=hub, user=manager)
    client.force_login(manager)
    return client


def claimed(hub):
    """A cycle that closed an hour ago and whose close was handled."""
    cycle = make(hub, opens=timezone.now() - 25 * HOUR, hours=24)
    transitions.cycles_close_due()
    cycle.refresh_from_db()
    assert cycle.close_handled_at is not None
    return cycle


def test_api_patch_cannot_move_a_claimed_close(hub, manager_api, closes):
    cycle = claimed(hub)
    later = (timezone.now() + 48 * HOUR).isoformat()
    response = manager_api.patch(f"/api/v1/order-cycles/{cycle.id}/", {"closes_at": later},
                                 format="json")
    assert response.status_code == 400, response.content
    fresh = OrderCycle.objects.get(pk=cycle.pk)
    assert fresh.closes_at == cycle.closes_at and fresh.status == CycleStatus.CLOSED
    assert manager_api.get(f"/api/v1/order-cycles/{cycle.id}/").json()["status"] == "closed"


def test_page_cannot_move_a_claimed_close(hub, manager_client, closes):
    cycle = claimed(hub)
    zone = ZoneInfo(hub.time_zone)
    response = manager_client.post(f"/hub/{hub.slug}/cycles/{cycle.id}/", {
        "cycle-name": cycle.name,
        "cycle-opens_at": timezone.localtime(cycle.opens_at, zone).strftime("%Y-%m-%dT%H:%M"),
        "cycle-closes_at": timezone.localtime(timezone.now() + 48 * HOUR, zone)
        .strftime("%Y-%m-%dT%H:%M"),
        "cycle-markup_percent": "0", "cycle-note_to_producers": "",
    }, follow=True)
    assert "This cycle is closed" in response.content.decode()
    fresh = OrderCycle.objects.get(pk=cycle.pk)
    assert fresh.closes_at == cycle.closes_at and fresh.status == CycleStatus.CLOSED


def test_api_patch_publishing_a_published_cycle_changes_nothing(hub, manager_api):
    cycle = make(hub, opens=timezone.now() + 24 * HOUR)
    response = manager_api.patch(f"/api/v1/order-cycles/{cycle.id}/",
                                 {"name": "Renamed", "publish": True}, format="json")
    assert response.status_code == 400, response.content
    assert OrderCycle.objects.get(pk=cycle.pk).name == "Week 50"  # all or nothing


def test_open_cycle_details_save_when_its_opening_has_seconds(hub, manager_client):
    """A cycle created by the API opens at 09:00:30; the page shows 09:00. Renaming it must
    not read as moving its opening time (refused once it is open)."""
    opens = (timezone.now() - 2 * HOUR).replace(second=30, microsecond=0)
    cycle = make(hub, opens=opens)
    zone = ZoneInfo(hub.time_zone)
    shown = {name: timezone.localtime(getattr(cycle, name), zone).strftime("%Y-%m-%dT%H:%M")
             for name in ("opens_at", "closes_at")}
    manager_client.post(f"/hub/{hub.slug}/cycles/{cycle.id}/", {
        "cycle-name": "Renamed", "cycle-opens_at": shown["opens_at"],
        "cycle-closes_at": shown["closes_at"], "cycle-markup_percent": "0",
        "cycle-note_to_producers": "",
    })
    fresh = OrderCycle.objects.get(pk=cycle.pk)
    assert fresh.name == "Renamed" and fresh.opens_at == opens


def test_page_clone_refuses_a_past_opening(hub, manager_client, supplier):
    cycle = make(hub, opens=timezone.now() + 24 * HOUR)
    response = manager_client.post(f"/hub/{hub.slug}/cycles/{cycle.id}/clone/do/",
                                   {"clone-opens_at": "2020-01-01T09:00"}, follow=True)
    assert response.status_code == 200
    assert "The copy must open in the future." in response.content.decode()
    assert OrderCycle.objects.count() == 1


def test_no_admin_writes_cycle_state():
    """Staff change a cycle's state through the transitions (pages, API), not the admin."""
    from django.contrib import admin

    state = {"published_at", "opens_at", "closes_at", "close_handled_at", "processed_at",
             "opening_notified_at"}
    for model, model_admin in admin.site._registry.items():
        if model is OrderCycle:
            assert state <= set(model_admin.get_readonly_fields(None)), model_admin
        for inline in getattr(model_admin, "inlines", []):
            if inline.model is OrderCycle:
                assert state <= set(inline(model, admin.site).get_readonly_fields(None))


CYCLE_STATE = ("published_at", "opens_at", "closes_at", "close_handled_at", "processed_at",
               "opening_notified_at")


def state_writes(path: Path) -> list[str]:
    """`x.closes_at = ...`, `.update(closes_at=...)`, `.bulk_update(..., ["closes_at"])` and
    `setattr(x, "closes_at", ...)` in a module (creating a draft sets its times: not a write)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            for target in getattr(node, "targets", None) or [node.target]:
                targets += target.elts if isinstance(target, ast.Tuple) else [target]
            names = [t.attr for t in targets if isinstance(t, ast.Attribute)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            names = []
            if func in ("update", "update_or_create", "get_or_create"):
                names = [k.arg for k in node.keywords]
            if func in ("bulk_update", "setattr") or func == "update_or_create":
                names += [c.value for arg in node.args + [k.value for k in node.keywords]
                          for c in ast.walk(arg) if isinstance(c, ast.Constant)]
        else:
            continue
        found += [f"{path}:{node.lineno} {name}" for name in names if name in CYCLE_STATE]
    return found


def test_only_the_transitions_write_a_cycles_state_times_and_claims():
    root = Path(__file__).resolve().parents[2]
    writes = []
    for package in ("teams", "producers", "hubs", "orders", "cms", "foodhub"):
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts and path != root / "hubs" / "transitions.py":
                writes += state_writes(path)
    assert not writes, "Cycle state written outside hubs/transitions.py:\n" + "\n".join(writes)
    assert state_writes(root / "hubs" / "transitions.py")  # the scan does see writes


def test_processing_can_be_dated_as_it_happened(hub):
    cycle = make(hub)
    with time_machine.travel(T0 + 49 * HOUR, tick=False):
        transitions.cycles_close_due()
        assert transitions.cycle_mark_processed(cycle=cycle, now=T0 + 48 * HOUR + HOUR / 2)
    assert OrderCycle.objects.get(pk=cycle.pk).processed_at == T0 + 48 * HOUR + HOUR / 2


def test_removing_a_producer_is_refused_once_closed(closed_cycle, supplier, hub):
    cycle = closed_cycle[0]
    row = CycleSupplier.objects.create(cycle=cycle, producer=supplier)
    with pytest.raises(ValidationError, match="closed"):
        cycle_services.cycle_supplier_remove(cycle=cycle, supplier=row)
    # Naming an open cycle does not unlock a row of the closed one.
    other = make(hub, opens=timezone.now() - HOUR, name="open")
    for write in (
        lambda: cycle_services.cycle_supplier_remove(cycle=other, supplier=row),
        lambda: cycle_services.cycle_fee_save(cycle=other, fee=closed_cycle[2], amount=9),
        lambda: cycle_services.cycle_window_save(cycle=other, window=closed_cycle[3],
                                                 start_time=dt.time(8)),
    ):
        with pytest.raises(ValidationError):
            write()
    assert CycleSupplier.objects.filter(pk=row.pk).exists()
    assert CycleFee.objects.get(pk=closed_cycle[2].pk).amount == 1
    assert CycleWindow.objects.get(pk=closed_cycle[3].pk).start_time == dt.time(17)
