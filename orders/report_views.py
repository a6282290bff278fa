"""Report pages: a hub's reports for its managers (and platform admins) at
/hub/<slug>/reports/, and a producer's own supplier totals at /producer/<slug>/reports/.

Each page is a GET form (report, cycles, producer, pickup point); the report is shown as a
table with its totals row, 100 rows a page (the revenue report with its chart), or downloaded
as CSV, XLSX or PDF with the same filters (`format`). The figures come from
`orders.reports` (a constant number of queries); another hub's cycle or producer is not a
choice of the form, so asking for it is a form error.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hubs.models import PickupPoint
from hubs.selectors import hub_for_manager
from producers.selectors import memberships_for_user, producer_for_member

from .report_files import report_response, revenue_chart
from .report_forms import HubReportForm, ProducerReportForm
from .reports import (
    CUSTOMER_TOTALS,
    REVENUE,
    SUPPLIER_TOTALS,
    Report,
    build_report,
    hub_report_cycles,
    hub_report_producers,
    producer_report_cycles,
    rate_text,
    supplier_totals,
)

ROWS_PER_PAGE = 100


def _cells(values: dict, report: Report, *, totals: bool = False) -> list[dict]:
    cells = []
    for column in report.columns:
        value = values.get(column.key)
        if column.kind == "rate" and value is not None:
            value = rate_text(value)
        cells.append({"value": value, "kind": column.kind, "key": column.key,
                      "numeric": column.numeric})
    if totals:
        cells[0] = {"value": _("Total"), "kind": "text", "key": "label", "numeric": False}
    return cells


def _table(request, report: Report, *, hub_slug: str | None = None) -> dict:
    """The page of rows to show (as cells), the totals row and the pages."""
    page = Paginator(report.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for row in page:
        cells = _cells(row, report)
        if hub_slug and report.kind == CUSTOMER_TOTALS:
            cells[0]["url"] = reverse("orders_hub:order", args=[hub_slug, row["cycle_id"],
                                                                 row["order"]])
        rows.append(cells)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return {
        "report": report, "rows": rows, "totals": _cells(report.totals, report, totals=True),
        "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "query": query.urlencode(),
        "chart": revenue_chart(report) if report.kind == REVENUE else None,
    }


def _hub_defaults(cycles) -> dict:
    """First visit: supplier totals of the last cycle that has closed (or the latest)."""
    now = timezone.now()
    closed = [cycle for cycle in cycles if cycle.closes_at <= now]
    return {"report": SUPPLIER_TOTALS, "cycle": [(closed or cycles)[0].pk]}


@login_required
def hub_reports(request, slug: str):
    """A hub's reports: supplier and customer totals, fees, VAT by rate, revenue per
    producer; filters; CSV, XLSX and PDF downloads."""
    hub = hub_for_manager(user=request.user, slug=slug)
    cycles = hub_report_cycles(hub=hub)
    data = request.GET or (_hub_defaults(cycles) if cycles else None)
    form = HubReportForm(
        data, hub=hub, cycles=cycles, producers=hub_report_producers(hub=hub),
        points=list(PickupPoint.objects.filter(hub=hub).order_by("name", "pk")),
    )
    context = {"form": form, "has_cycles": bool(cycles), "section": "reports"}
    if cycles and form.is_valid():
        filters = form.filters()
        report = build_report(form.cleaned_data["report"], filters=filters)
        fmt = form.cleaned_data["format"]
        if fmt:
            return report_response(report, fmt, hub=hub, cycle_ids=filters.cycle_ids,
                                   description=form.description())
        context |= _table(request, report, hub_slug=hub.slug)
    elif form.is_bound and form.errors:
        messages.error(request, _("The report could not be made: see the choices below."))
    with timezone.override(hub.time_zone):
        return render(request, "orders/reports/hub_reports.html", {"hub": hub, **context})


@login_required
def producer_reports(request, slug: str):
    """A producer's own supplier totals in a cycle it sold in, per product; never another
    producer's lines (the report is narrowed to this producer)."""
    producer = producer_for_member(user=request.user, slug=slug)
    cycles = producer_report_cycles(producer=producer)
    data = request.GET or ({"cycle": cycles[0].pk} if cycles else None)
    form = ProducerReportForm(data, producer=producer, cycles=cycles)
    context = {"producer": producer, "section": "reports", "form": form,
               "has_cycles": bool(cycles), "my_producers": memberships_for_user(request.user)}
    if cycles and form.is_valid():
        cycle = form.cycle_chosen()
        report = supplier_totals(filters=form.filters(), by_product=True)
        fmt = form.cleaned_data["format"]
        if fmt:
            return report_response(report, fmt, hub=cycle.hub, cycle_ids=(cycle.pk,),
                                   description=form.description())
        context |= _table(request, report) | {"cycle": cycle}
    elif form.is_bound and form.errors:
        messages.error(request, _("The report could not be made: see the choices below."))
    return render(request, "orders/reports/producer_reports.html", context)
