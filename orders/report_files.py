"""A report as a file: CSV and XLSX through `producers.spreadsheets` (formula-like cells
escaped), PDF through `orders.pdf`; and the revenue chart, drawn on the server as SVG for the
page and the PDF alike. Shared by the report pages and the reports API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from producers.spreadsheets import csv_lines, xlsx_bytes

from . import pdf
from .reports import Report, ReportFilters

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def describe(filters: ReportFilters, *, cycles) -> list[tuple[str, str]]:
    """What a report covers, in words (a PDF's header): hub, cycles, producer, place."""
    if filters.delivery:
        place = _("Deliveries")
    elif filters.pickup_point is not None:
        place = filters.pickup_point.name
    else:
        place = _("All pickup points and deliveries")
    return [
        (_("Hub"), filters.hub.name),
        (_("Order cycles"), ", ".join(cycle.name for cycle in cycles)),
        (_("Producer"), filters.producer.name if filters.producer else _("All producers")),
        (_("Pickup point or delivery"), place),
    ]


def report_csv(report: Report) -> bytes:
    """Header, one line per row, the totals line."""
    return "".join(csv_lines(report.table())).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    # Sheet titles: at most 31 characters, none of []:*?/\ (Excel's rules).
    title = re.sub(r"[\[\]:*?/\\]", " ", report.title)[:31] or "Report"
    return xlsx_bytes(report.table(), title=title)


def report_pdf(report: Report, *, hub, description: list[tuple[str, str]]) -> bytes:
    """The report as a printable document: what it covers, the table, the totals (and the
    chart for revenue per producer)."""
    numeric = [column.numeric for column in report.columns]
    header, *rows, totals = (list(zip(row, numeric, strict=True)) for row in report.table())
    with timezone.override(hub.time_zone):
        made = timezone.localtime()
        return pdf.render_pdf("orders/documents/report.html", {
            "hub": hub, "report": report, "header": header, "rows": rows, "totals": totals,
            "description": description, "made_at": made,
            "chart": revenue_chart(report) if report.kind == "revenue" else None,
        })


def filename(report: Report, *, hub_slug: str, cycle_ids, fmt: str) -> str:
    """`vat-marche-12-13.csv`: ASCII only, so no header escaping is needed."""
    cycles = "-".join(str(pk) for pk in sorted(cycle_ids))[:60]
    return f"{report.kind}-{hub_slug}-{cycles}.{fmt}"


def report_response(report: Report, fmt: str, *, hub, cycle_ids,
                    description: list[tuple[str, str]]) -> HttpResponse:
    """The report as a download in `fmt` (a key of FORMATS)."""
    if fmt == "csv":
        body = report_csv(report)
    elif fmt == "xlsx":
        body = report_xlsx(report)
    elif fmt == "pdf":
        body = report_pdf(report, hub=hub, description=description)
    else:
        raise ValueError(f"unknown report format {fmt!r}")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = filename(report, hub_slug=hub.slug, cycle_ids=cycle_ids, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the revenue chart ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    share: Decimal
    y: int
    width: int
    text_x: int


CHART_WIDTH = 560
LABEL_WIDTH = 170
BAR_AREA = 270
ROW_HEIGHT = 26
LABEL_CHARS = 24


def revenue_chart(report: Report) -> dict | None:
    """Horizontal bars of sales incl. VAT per producer (largest first), sized for an SVG
    viewBox of CHART_WIDTH; None when there is nothing to draw."""
    rows = [row for row in report.rows if row["incl_tax"] > 0]
    if not rows:
        return None
    top = max(row["incl_tax"] for row in rows)
    bars = []
    for index, row in enumerate(rows):
        width = max(1, int(BAR_AREA * row["incl_tax"] / top))
        label = row["producer"]
        if len(label) > LABEL_CHARS:
            label = label[:LABEL_CHARS - 1] + "…"
        bars.append(Bar(label=label, value=row["incl_tax"], share=row["share"],
                        y=8 + index * ROW_HEIGHT, width=width,
                        text_x=LABEL_WIDTH + width + 6))
    return {
        "bars": bars, "width": CHART_WIDTH, "height": 16 + len(bars) * ROW_HEIGHT,
        "label_width": LABEL_WIDTH, "label_x": LABEL_WIDTH - 8, "currency": report.currency,
        "summary": ngettext(
            "%(count)s producer; the table gives every figure.",
            "%(count)s producers, the largest first; the table gives every figure.",
            len(bars)) % {"count": len(bars)},
    }
