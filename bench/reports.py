"""Reports at scale (issue 10, "Speed"): each report of a processed cycle of 10,000 orders x 8
lines, on PostgreSQL. Target: each report <= 2 s server time with a constant number of queries.

For each report: the selector alone (`orders.reports`), the JSON answer of the API (or, for
the two reports the API does not serve, the hub's report page), and the CSV and XLSX
downloads, each the median of 3 runs in-process (Django's test client: the server's time, no
network), with the number of SQL queries of one run. The PDF download is timed once for the
reports of a few rows (a PDF of 10,000 customer rows is a 200-page document: see the notes).

The data comes from `bench/close_data.py` (bulk inserts, realistic breakdowns), in its own
database (default postgres://postgres@127.0.0.1:5432/foodhub_bench_reports, created and
migrated when missing); `--reuse` keeps the data of the last run when it has the same size.

Usage: python bench/reports.py [--orders 10000] [--lines 8] [--reuse] [--write]
`--write` puts the figures in docs/performance.md (its "Reports" section); `make bench` runs
this with --write when PostgreSQL answers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, bench/ alone is on the path

from bench.order_placement import (  # noqa: E402
    VAR,
    bench_env,
    database_version,
    ensure_database,
    postgres_answers,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/foodhub_bench_reports"
BEGIN, END = "<!-- reports:begin -->", "<!-- reports:end -->"
TARGET_SECONDS = 2.0
RUNS = 3
API_KINDS = ("supplier-totals", "customer-totals", "fees", "vat")
SMALL = ("supplier-totals", "supplier-products", "fees", "vat", "revenue")


def _timed(call, runs: int = RUNS) -> tuple[float, int, object]:
    """(median seconds, queries of the last run, last result), after one run to warm up
    (templates compiled, connections open) when timing several."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    if runs > 1:
        call()
    timings, count, result = [], 0, None
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = call()
            timings.append(time.perf_counter() - started)
        count = len(queries)
    return statistics.median(timings), count, result


def _data(args) -> dict:
    from oscar.core.loading import get_model

    from hubs.models import OrderCycle
    from orders.models import CycleProcessing

    Line = get_model("order", "Line")
    cycle = OrderCycle.objects.filter(hub__slug="bench-close-hub").order_by("-pk").first()
    if args.reuse and cycle is not None and CycleProcessing.objects.filter(cycle=cycle).exists():
        orders = cycle.orders.count()
        lines = Line.objects.filter(order__cycle=cycle).count()
        if orders == args.orders and lines == args.orders * args.lines:
            print(f"==> Reusing cycle {cycle.pk}: {orders:,} orders, {lines:,} lines")
            return {"cycle": cycle.pk, "orders": orders, "lines": lines, "seconds": None}
    from bench.close_data import generate_processed_cycle

    print(f"==> Generating a processed cycle of {args.orders:,} orders x {args.lines} lines")
    data = generate_processed_cycle(orders=args.orders, lines=args.lines)
    print(f"    {data['lines']:,} lines in {data['seconds']:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return data


def measure(cycle_id: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from hubs.models import OrderCycle
    from hubs.services import hub_manager_add
    from orders import reports

    cycle = OrderCycle.objects.select_related("hub").get(pk=cycle_id)
    hub = cycle.hub
    User = get_user_model()
    manager = User.objects.filter(email="bench-reports@example.org").first() or \
        User.objects.create_user(username="bench-reports@example.org",
                                 email="bench-reports@example.org")
    if not hub.memberships.filter(user=manager).exists():
        hub_manager_add(hub=hub, user=manager)
    client = Client(SERVER_NAME="localhost")
    client.force_login(manager)
    filters = reports.ReportFilters(hub=hub, cycle_ids=(cycle.pk,))
    page = f"/hub/{hub.slug}/reports/"
    # WeasyPrint's first document loads its fonts: not a report's time.
    client.get(page, {"report": "vat", "cycle": cycle.pk, "format": "pdf"})
    results = []
    for kind, (label, _function) in reports.REPORTS.items():
        print(f"==> {label}")
        seconds, queries, report = _timed(lambda kind=kind: reports.build_report(
            kind, filters=filters))
        row = {"kind": kind, "label": str(label), "rows": len(report.rows),
               "selector": seconds, "selector_queries": queries}
        if kind in API_KINDS:
            url = f"/api/v1/order-cycles/{cycle.pk}/reports/{kind}/"
            row["answer"] = "API JSON"
            params = {}
        else:
            url, params = page, {"report": kind, "cycle": cycle.pk}
            row["answer"] = "page (100 rows)"
        seconds, queries, response = _timed(lambda url=url, params=params: client.get(
            url, params))
        assert response.status_code == 200, (url, response.status_code)
        row |= {"json": seconds, "json_queries": queries}
        for fmt in ("csv", "xlsx"):
            seconds, queries, response = _timed(lambda fmt=fmt, kind=kind: client.get(
                page, {"report": kind, "cycle": cycle.pk, "format": fmt}))
            assert response.status_code == 200
            row |= {fmt: seconds, f"{fmt}_queries": queries, f"{fmt}_kb": len(
                response.content) / 1024}
        if kind in SMALL:
            seconds, _queries, response = _timed(lambda kind=kind: client.get(
                page, {"report": kind, "cycle": cycle.pk, "format": "pdf"}), runs=1)
            from pypdf import PdfReader

            row |= {"pdf": seconds, "pdf_pages": len(PdfReader(io.BytesIO(
                response.content)).pages)}
        print("    " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                 for k, v in row.items() if k not in ("kind", "label")))
        results.append(row)
    return results


def _cell(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    text = f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"
    return f"**{text}**" if seconds > TARGET_SECONDS else text


def _pages(row: dict) -> str:
    pages = row.get("pdf_pages")
    return f" ({pages} page{'s' if pages != 1 else ''})" if pages else ""


def _pdf_note(results: list[dict]) -> str:
    """Seconds per page of the longest PDF timed, and what the untimed customer totals PDF
    would take at that rate (an estimate, said so)."""
    longest = max((r for r in results if r.get("pdf_pages")), key=lambda r: r["pdf_pages"])
    per_page = longest["pdf"] / longest["pdf_pages"]
    rows_per_page = longest["rows"] / longest["pdf_pages"]
    customers = next(r for r in results if r["kind"] == "customer-totals")
    pages = round(customers["rows"] / rows_per_page)
    return (f"{per_page:.2f} s a page for the {longest['pdf_pages']} pages of "
            f"{longest['label'].lower()}; the customer totals PDF was not timed: its "
            f"{customers['rows']:,} rows would make about {pages} pages, an estimated "
            f"{pages * per_page / 60:.0f} minutes at that rate")


def report_section(results: list[dict], meta: dict) -> str:
    rows = "\n".join(
        f"| {r['label']} | {r['rows']:,} | {_cell(r['selector'])} ({r['selector_queries']}) | "
        f"{_cell(r['json'])} ({r['json_queries']}) {r['answer']} | "
        f"{_cell(r['csv'])} ({r['csv_kb']:,.1f} KB) | {_cell(r['xlsx'])} ({r['xlsx_kb']:,.1f} KB)"
        f" | {_cell(r.get('pdf'))}{_pages(r)} |"
        for r in results
    )
    worst = max(max(r["selector"], r["json"], r["csv"]) for r in results)
    verdict = (f"Target met: the slowest answer (JSON or CSV) took {worst:.2f} s."
               if worst <= TARGET_SECONDS else
               f"Target NOT met: the slowest answer took {worst:.2f} s (in bold).")
    pdf_note = _pdf_note(results)
    generated = (f" (generated in {meta['generated']:.0f} s by `bench/close_data.py`)"
                 if meta.get("generated") else "")
    return f"""{BEGIN}
## Reports (closing issue; target: each report <= {TARGET_SECONDS:.0f} s server time)

Last run {meta['date']} by `bench/reports.py`: {meta['cores']} cores shared with other work
(load average {meta['load']:.1f} at the start), Python {meta['python']}, {meta['database']}
on the same machine. Data: one processed cycle of {meta['orders']:,} orders x {meta['per_order']}
lines ({meta['lines']:,} lines){generated}: 20 producers, 500 offers at 5.5, 10 and 20 % VAT,
an item fee in percent and a flat one at two rates, a per-order fee, 20 % deliveries with
their fee, 1 % cancelled orders. Times are the median of {RUNS} runs in-process (Django's test
client: server time, no network), after one warm-up run (the PDF: one run), with the SQL
queries of one run in brackets (the same at any size: `tests/orders/test_reports.py`
asserts it).

| report | rows | selector (queries) | answer (queries) | CSV | XLSX | PDF |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{rows}

{verdict}

The reports sum the stored line columns in SQL and unnest the JSON breakdowns in SQL
(`jsonb_array_elements` on PostgreSQL, `json_each` on SQLite; see docs/reports.md), so only
result rows reach Python: one per producer, product, fee or VAT rate, and one per order for
customer totals (the only report whose size grows with the number of orders). The report page
shows 100 rows a page; the API and the downloads carry every row. PDF time grows with the
pages WeasyPrint lays out ({pdf_note}): use the CSV or XLSX of customer totals at this size.
{END}
"""


def write_docs(section: str) -> None:
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + section.strip() + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def kept_section() -> str:
    """The section of the last run, for `bench/run.py` to keep when it rewrites the file."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else ""
    if BEGIN not in text or END not in text:
        return ""
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=8)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_REPORTS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--reuse", action="store_true",
                        help="keep the last run's data when it has the same size")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        raise SystemExit("reports are measured on PostgreSQL (--database-url)")
    if not postgres_answers(args.database_url):
        print(f"No PostgreSQL answers at {args.database_url}: nothing measured.")
        return 0
    VAR.mkdir(parents=True, exist_ok=True)
    env = bench_env(args.database_url)
    env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    print(f"==> Database {urlsplit(args.database_url).path.lstrip('/')}: create, migrate")
    ensure_database(args.database_url)
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    setup_django(env)
    meta = {"date": dt.date.today().isoformat(), "cores": os.cpu_count(),
            "python": platform.python_version(), "database": database_version(),
            "load": os.getloadavg()[0], "per_order": args.lines}
    data = _data(args)
    meta |= {"orders": data["orders"], "lines": data["lines"], "generated": data["seconds"]}
    results = measure(data["cycle"])
    section = report_section(results, meta)
    if args.write:
        write_docs(section)
        print("==> docs/performance.md updated")
    slow = [r["label"] for r in results if max(r["selector"], r["json"], r["csv"])
            > TARGET_SECONDS]
    if slow:
        print(f"Target of {TARGET_SECONDS:.0f} s NOT met for: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
