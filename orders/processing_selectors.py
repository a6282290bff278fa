"""Reads over a cycle's processing and its documents (invoices, purchase orders) for the hub
managers' pages, the producers' pages and the API. Each runs a constant number of queries;
tenancy is the caller's (`hub_for_manager`, `producer_for_member`) or, for the API, here
(`purchase_orders_for_user`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from hubs.models import OrderCycle
from producers.models import Producer
from producers.selectors import producers_for_user
from teams.selectors import user_is_platform_admin

from . import invoicing
from .models import CycleProcessing, Invoice, PurchaseOrder
from .processing import processing_is_stale, processing_progress

State = CycleProcessing.State
FORMATS = ("pdf", "csv")


@dataclass
class ProcessingOverview:
    """What the processing page and the cycle page's panel show."""

    state: str  # a CycleProcessing.State, or "not_started"
    state_label: str
    done: int
    total: int
    message: str
    percent: int
    missing_fields: list[str]  # blocked: the hub's legal fields still empty, right now
    can_retry: bool
    active: bool  # still moving by itself (pending or running): the page polls

    def as_json(self) -> dict:
        return {"state": self.state, "state_label": self.state_label, "done": self.done,
                "total": self.total, "percent": self.percent, "message": self.message,
                "active": self.active}


def _label(state: str) -> str:
    if state == "not_started":
        return gettext("Not started yet")
    return str(State(state).label)


def processing_overview(*, cycle: OrderCycle) -> ProcessingOverview:
    """The cycle's processing: progress (one query), the fields a blocked hub still lacks,
    whether the manager may press "Retry" (blocked, failed, or stuck for a while)."""
    progress = processing_progress(cycle_id=cycle.pk)
    state = progress["state"]
    missing = invoicing.hub_legal_missing(cycle.hub) if state == State.BLOCKED else []
    can_retry = state in (State.BLOCKED, State.FAILED)
    if state in (State.PENDING, State.RUNNING):
        row = CycleProcessing.objects.filter(cycle_id=cycle.pk).only(
            "state", "updated_at").first()
        can_retry = row is not None and processing_is_stale(row, now=timezone.now())
    total = progress["total"]
    percent = 100 if state == State.DONE else (100 * progress["done"] // total if total else 0)
    return ProcessingOverview(
        state=state, state_label=_label(state), done=progress["done"], total=total,
        message=progress["message"], percent=percent, missing_fields=missing,
        can_retry=can_retry, active=state in (State.PENDING, State.RUNNING),
    )


def cycle_invoices(*, cycle: OrderCycle) -> QuerySet[Invoice]:
    """The cycle's invoices and credit notes in number order, without their snapshot."""
    return (Invoice.objects.filter(cycle=cycle).select_related("order")
            .only("number", "kind", "customer_name", "total_incl_tax", "issued_at",
                  "pdf_rendered_at", "emailed_at", "year", "sequence", "hub_id", "cycle_id",
                  "order__number")
            .order_by("year", "sequence"))


def cycle_invoice(*, cycle: OrderCycle, invoice_id: int) -> Invoice:
    """One invoice of the cycle (404 otherwise)."""
    return get_object_or_404(Invoice.objects.defer("data"), pk=invoice_id, cycle=cycle)


def _purchase_orders() -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.defer("data")


def cycle_purchase_orders(*, cycle: OrderCycle) -> list[PurchaseOrder]:
    """The cycle's purchase orders, by producer name (one query)."""
    return list(_purchase_orders().filter(cycle=cycle).select_related("producer")
                .order_by("producer__name", "pk"))


def cycle_purchase_order(*, cycle: OrderCycle, purchase_order_id: int) -> PurchaseOrder:
    return get_object_or_404(_purchase_orders(), pk=purchase_order_id, cycle=cycle)


def producer_purchase_orders(*, producer: Producer) -> QuerySet[PurchaseOrder]:
    """A producer's purchase orders, newest first, with their cycle and hub (and their
    snapshot, for the drop-off)."""
    return (PurchaseOrder.objects.filter(producer=producer)
            .select_related("cycle__hub").order_by("-created_at", "-pk"))


def producer_purchase_order(*, producer: Producer, purchase_order_id: int) -> PurchaseOrder:
    return get_object_or_404(_purchase_orders(), pk=purchase_order_id, producer=producer)


def purchase_orders_for_user(user) -> QuerySet[PurchaseOrder]:
    """The purchase orders a user may read: all of their hubs' cycles and of their
    producers (every one for platform admins)."""
    qs = _purchase_orders().select_related("producer")
    if user_is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(Q(cycle__hub__memberships__user=user)
                     | Q(producer__in=producers_for_user(user))).distinct()


def cycle_for_purchase_orders(*, user, cycle_id: int) -> tuple[OrderCycle, QuerySet]:
    """The cycle and the purchase orders of it the user may read: all of them for its hub's
    managers (and platform admins), their own for a supplier's members once the cycle is
    published; 404 for anyone else (another hub's manager, a producer not supplying the
    cycle or supplying a draft, a shopper)."""
    cycle = get_object_or_404(OrderCycle.objects.select_related("hub"), pk=cycle_id)
    qs = _purchase_orders().filter(cycle=cycle).select_related("producer").order_by(
        "producer__name", "pk")
    if user_is_platform_admin(user) or (
            user.is_authenticated and cycle.hub.memberships.filter(user=user).exists()):
        return cycle, qs
    producers = producers_for_user(user) if user.is_authenticated else Producer.objects.none()
    # A draft is the hub's own until it is published: its suppliers do not see it yet.
    if cycle.published_at is None or not cycle.suppliers.filter(
            producer__in=producers).exists():
        raise Http404
    return cycle, qs.filter(producer__in=producers)
