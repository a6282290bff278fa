"""Invoice PDFs (closing issue, "Speed"): how fast the pipeline renders them, beside bare
WeasyPrint on the same HTML, and what a bulk file of a cycle's invoices costs.

1. Data: a hub with its legal details, a cycle of --invoices orders (8 lines each, two VAT
   rates, an item fee and an order fee), placed through `orders.services.order_place`, and
   their invoices issued through `orders.invoicing.invoice_issue` (snapshot taken, no PDF).
   Kept between runs in its own database (var/bench-invoices/, or DATABASE_URL): a run with
   the same count only clears the PDFs.
2. Speed, in one process pinned to one core: --renders invoices, each rendered by the full
   pipeline (`orders.invoice_documents.invoice_render`: row read, template, WeasyPrint, file
   saved in private storage, row updated) and, side by side (taking turns, so the machine's
   other load weighs on both), by bare WeasyPrint on the very HTML string the pipeline
   renders (`weasyprint.HTML(string=html).write_pdf()`, its defaults). Targets: >= 10 PDFs/s
   on one core, the pipeline <= 1.3x bare. Plain invoices only (business customers'
   Factur-X invoices add the XML and PDF/A-3, built elsewhere).
3. Bulk: the rest of the invoices rendered (both cores), then the merged PDF and the ZIP of
   N/4 and N invoices, each built by `orders.bundles.bundle_build` in a fresh process: wall
   time, growth of the peak resident memory over the process's size before the build, and
   tracemalloc's peak (a second run, as tracing slows it); beside it, pypdf's own PdfWriter
   merging the same files in memory, for comparison.

This is the one place outside orders/pdf.py that imports WeasyPrint: to measure it bare.
Usage: python bench/invoices.py [--invoices 2000] [--renders 200] [--write]
       [--keep-speed | --from-json]
`make bench` (bench/run.py) runs it with --write.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, bench/ alone is on the path

VAR = ROOT / "var" / "bench-invoices"
HUB_SLUG = "bench-invoices-hub"
PRODUCER_SLUG = "bench-invoices-farm"
LINES = 8
PRODUCTS = 60
SHOPPERS = 50
WARMUP = 5
TARGET_RATE, TARGET_RATIO = 10.0, 1.3
BEGIN, END = "<!-- invoices:begin -->", "<!-- invoices:end -->"


def invoices_env() -> dict:
    from bench.run import bench_env

    env = bench_env()
    env["FOODHUB_VAR_DIR"] = str(VAR)
    env["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def child(step: str, *args: str, env: dict) -> dict:
    """Run one step in a fresh process; its last line is `RESULT <json>`."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--step", step, *args], cwd=ROOT, env=env,
        check=True, capture_output=True, text=True,
    ).stdout
    line = next(x for x in reversed(out.splitlines()) if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


# --- steps (each in its own process) -----------------------------------------------------------


def step_prepare(count: int, keep_files: bool = False) -> dict:
    """The bench hub's cycle with `count` issued invoices (reused when it has them, their
    PDFs cleared unless `keep_files`)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from oscar.core.loading import get_model

    from hubs import transitions
    from hubs.cycle_services import (
        cycle_create,
        cycle_fee_save,
        cycle_offers_add,
        cycle_window_save,
    )
    from hubs.models import CycleFee, Hub, OrderCycle, PaymentMethod, PickupPoint
    from hubs.services import hub_create, hub_place_save, hub_supplier_link
    from orders import invoicing
    from orders.models import Invoice, InvoiceBundle
    from orders.services import LineRequest, order_place
    from producers.catalogue_services import catalogue_upsert
    from producers.importing import ImportRow
    from producers.models import Producer
    from producers.services import producer_create

    Category = get_model("catalogue", "Category")
    User = get_user_model()
    slug = f"{HUB_SLUG}-{count}"  # one hub per size: a run of another size keeps this one
    hub = Hub.objects.filter(slug=slug).first()
    cycle = OrderCycle.objects.filter(hub=hub).first() if hub else None
    if cycle and Invoice.objects.filter(cycle=cycle).count() == count:
        if not keep_files:
            _clear_files(cycle)
        return {"cycle": cycle.pk, "invoices": count, "reused": True}
    if hub:
        raise SystemExit(f"the bench hub {slug} is incomplete: delete {VAR} and run again")

    with transaction.atomic():
        hub = hub_create(name=f"Bench Invoices Hub {count}", slug=slug, city="Benchville")
        Hub.objects.filter(pk=hub.pk).update(
            legal_name="Bench Invoices SCIC SAS", registered_address="1 rue du Banc\n75011 Paris",
            company_number="73282932000074", vat_number="FR44732829320", invoice_prefix="BIN",
            email_invoices=False)
        producer = Producer.objects.filter(slug=PRODUCER_SLUG).first() or producer_create(
            name="Bench Invoices Farm", slug=PRODUCER_SLUG, city="Benchville")
        category = Category.objects.filter(depth=1).order_by("id").values_list("id", flat=True)[0]
        rows = [ImportRow(
            row=i + 2, producer_id=producer.id, sku=f"BI-{i:03d}",
            name=f"Organic produce number {i}", display_name="", category_id=category,
            description="Generated.", unit_type="weight", unit_value=Decimal(500),
            unit_label="", price=Decimal(150 + i * 37 % 900) / 100, on_hand=10_000_000,
            on_demand=False, available_on=None, shipping_category="",
            vat_rate=Decimal("20") if i % 5 == 0 else Decimal("5.5"),
        ) for i in range(PRODUCTS)]
        catalogue_upsert(rows=rows, producers={producer.id: producer})
        hub_supplier_link(hub=hub, producer=producer)
        point = hub_place_save(hub=hub, model=PickupPoint, name="La Halle du Banc",
                               address="1 rue du Banc")
        method = hub_place_save(hub=hub, model=PaymentMethod,
                                kind=PaymentMethod.Kind.AT_PICKUP, name="Pay at pickup")
        now = dt.datetime.now(dt.UTC)
        cycle = cycle_create(hub=hub, name="Bench week", opens_at=now - dt.timedelta(hours=1),
                             closes_at=now + dt.timedelta(days=2), markup_percent=Decimal("12"))
        cycle_offers_add(cycle=cycle, producer=producer)
        cycle_fee_save(cycle=cycle, name="Packing", kind=CycleFee.Kind.PER_ITEM_FLAT,
                       amount=Decimal("0.10"), vat_rate=Decimal("5.5"))
        cycle_fee_save(cycle=cycle, name="Running costs", kind=CycleFee.Kind.PER_ORDER_FLAT,
                       amount=Decimal("1.00"), vat_rate=Decimal("20"))
        window = cycle_window_save(cycle=cycle, pickup_point=point,
                                   date=(now + dt.timedelta(days=3)).date(),
                                   start_time=dt.time(17), end_time=dt.time(19))
        transitions.cycle_publish(cycle=cycle, now=now - dt.timedelta(hours=2))
        users = []
        for n in range(SHOPPERS):
            email = f"bench-invoice-shopper-{n}@example.org"
            users.append(User.objects.filter(email=email).first() or User.objects.create_user(
                username=email, email=email, first_name="Camille", last_name=f"Martin {n}"))
        InvoiceBundle.objects.filter(cycle=cycle).delete()
    offers = list(cycle.offers.order_by("pk").values_list("pk", flat=True))
    order_ids = []
    for n in range(count):
        lines = [LineRequest(offers[(n * 7 + k * 11) % len(offers)], 1 + (n + k) % 3)
                 for k in range(LINES)]
        order = order_place(cycle_id=cycle.pk, lines=lines, user=users[n % SHOPPERS],
                            pickup_window_id=window.pk, payment_method_id=method.pk,
                            customer_name=f"Camille Martin {n}", phone="0611223344",
                            notify=False)
        order_ids.append(order.pk)
    for order_id in order_ids:
        invoicing.invoice_issue(order_id=order_id)
    return {"cycle": cycle.pk, "invoices": Invoice.objects.filter(cycle=cycle).count(),
            "reused": False}


def _clear_files(cycle) -> None:
    """Forget every PDF and bundle of the cycle (files deleted), as if just issued."""
    from orders.models import Invoice, InvoiceBundle

    for bundle in InvoiceBundle.objects.filter(cycle=cycle):
        if bundle.file:
            bundle.file.storage.delete(bundle.file.name)
    InvoiceBundle.objects.filter(cycle=cycle).delete()
    rendered = Invoice.objects.filter(cycle=cycle).exclude(pdf="")
    for invoice in rendered.only("pk", "pdf").iterator():
        invoice.pdf.storage.delete(invoice.pdf.name)
    Invoice.objects.filter(cycle=cycle).update(pdf="", pdf_rendered_at=None)


def _ids(cycle_id: int) -> list[int]:
    from orders.bundles import cycle_invoices

    return list(cycle_invoices(cycle_id=cycle_id).values_list("pk", flat=True))


def step_speed(cycle_id: int, renders: int) -> dict:
    """The pipeline, bare WeasyPrint and orders.pdf's call of it, taking turns on each
    invoice (the order rotates), in one process pinned to one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import weasyprint

    from orders import pdf
    from orders.invoice_documents import invoice_html, invoice_render
    from orders.models import Invoice

    def timed(work):
        started, cpu = time.perf_counter(), time.process_time()
        size = work()
        return time.perf_counter() - started, time.process_time() - cpu, size

    ids = _ids(cycle_id)[:renders + WARMUP]
    paths = ("pipeline", "bare", "shared_fonts")
    figures = {name: [] for name in paths}  # (wall, CPU, bytes) of each PDF
    for index, invoice_id in enumerate(ids):
        html = invoice_html(Invoice.objects.get(pk=invoice_id))
        work = {
            "pipeline": lambda i=invoice_id: invoice_render(invoice_id=i).pdf.size,
            "bare": lambda h=html: len(weasyprint.HTML(string=h).write_pdf()),
            "shared_fonts": lambda h=html: len(pdf.html_to_pdf(h)),
        }
        turn = paths[index % 3:] + paths[:index % 3]
        results = {name: timed(work[name]) for name in turn}
        if index >= WARMUP:
            for name in paths:
                figures[name].append(results[name])
    return {**figures, "pages": _pages(Invoice.objects.get(pk=ids[-1]).pdf)}


def _pages(field) -> int:
    from pypdf import PdfReader

    with field.open("rb") as handle:
        return len(PdfReader(handle).pages)


def step_render(cycle_id: int, shard: int, shards: int) -> dict:
    from orders.invoice_documents import invoice_render

    ids = _ids(cycle_id)[shard::shards]
    for invoice_id in ids:
        invoice_render(invoice_id=invoice_id)
    return {"rendered": len(ids)}


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def step_bulk(cycle_id: int, fmt: str, count: int, traced: bool) -> dict:
    """Build one bundle of the first `count` invoices in this fresh process."""
    import resource
    import tracemalloc

    import pypdf  # noqa: F401 - loaded before the baseline, as a worker would have it

    from orders import bundles
    from orders.models import InvoiceBundle

    InvoiceBundle.objects.filter(cycle_id=cycle_id).delete()
    bundle = InvoiceBundle.objects.create(cycle_id=cycle_id, format=fmt, total=count,
                                          invoice_count=count)
    baseline = _rss_kb()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    bundles.bundle_build(bundle_id=bundle.pk)
    seconds = time.perf_counter() - started
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else 0
    bundle.refresh_from_db()
    if bundle.state != "done":
        raise SystemExit(f"bundle {fmt} of {count}: {bundle.state} {bundle.message}")
    size = bundle.file.size
    bundle.file.storage.delete(bundle.file.name)
    bundle.delete()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "growth_mb": max(peak_kb - baseline, 0) / 1024,
            "baseline_mb": baseline / 1024, "traced_mb": peak_traced / 2**20,
            "size_mb": size / 2**20}


def step_pypdf(cycle_id: int, count: int) -> dict:
    """pypdf's PdfWriter merging the same files in memory (for comparison only)."""
    import io
    import resource
    import tempfile

    from pypdf import PdfReader, PdfWriter

    from orders.models import Invoice

    baseline = _rss_kb()
    started = time.perf_counter()
    writer = PdfWriter()
    ids = _ids(cycle_id)[:count]
    for invoice in Invoice.objects.filter(pk__in=ids).order_by("year", "sequence").only(
            "pk", "pdf").iterator():
        with invoice.pdf.open("rb") as handle:
            writer.append(PdfReader(io.BytesIO(handle.read())))
    with tempfile.TemporaryFile() as output:
        writer.write(output)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "growth_mb": max(peak_kb - baseline, 0) / 1024}


# --- the run -------------------------------------------------------------------------------


def run(invoices: int, renders: int, kept_speed: dict | None = None) -> dict:
    from bench.run import manage

    env = invoices_env()
    VAR.mkdir(parents=True, exist_ok=True)
    print("==> Invoices: migrating the bench database")
    manage("migrate", "--no-input", "-v0", env=env)
    print(f"==> Invoices: {invoices:,} orders of {LINES} lines and their invoices")
    prepared = child("prepare", str(invoices), "1" if kept_speed else "0", env=env)
    cycle = str(prepared["cycle"])
    if kept_speed:
        print("==> Invoices: speed figures kept from the last run")
        speed = kept_speed
    else:
        print(f"==> Invoices: {renders} PDFs through the pipeline and bare WeasyPrint, one core")
        speed = child("speed", cycle, str(renders), env=env)
    print("==> Invoices: rendering the others (both cores)")
    shards = max(os.cpu_count() or 1, 1)
    workers = [subprocess.Popen(
        [sys.executable, str(Path(__file__)), "--step", "render", cycle, str(k), str(shards)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for k in range(shards)]
    if any(worker.wait() for worker in workers):
        raise SystemExit("rendering the invoices failed")
    bulk = {}
    counts = sorted({max(invoices // 4, 1), invoices})
    for fmt in ("pdf", "zip"):
        for count in counts:
            print(f"==> Invoices: the {fmt.upper()} of {count:,} invoices")
            figures = child("bulk", cycle, fmt, str(count), "0", env=env)
            figures["traced_mb"] = child("bulk", cycle, fmt, str(count), "1",
                                         env=env)["traced_mb"]
            bulk[f"{fmt}:{count}"] = figures
    for count in counts:
        print(f"==> Invoices: pypdf's PdfWriter on {count:,} invoices, for comparison")
        bulk[f"pypdf:{count}"] = child("pypdf", cycle, str(count), env=env)
    return {"prepared": prepared, "speed": speed, "bulk": bulk, "counts": counts,
            "meta": {"date": dt.date.today().isoformat(), "cores": os.cpu_count(),
                     "python": platform.python_version(), "load": os.getloadavg()[0],
                     "database": _database(), "cpu": _cpu_name()}}


def _database() -> str:
    return "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("weasyprint", "pypdf", "pydyf"))


def _speed_row(label: str, runs: list) -> str:
    wall = [r[0] for r in runs]
    cpu = [r[1] for r in runs]
    p95 = sorted(wall)[max(int(len(wall) * 0.95) - 1, 0)]
    row = (f"| {label} | {len(cpu) / sum(cpu):.1f} | {len(wall) / sum(wall):.1f} | "
           f"{statistics.median(cpu) * 1000:.0f} | {statistics.median(wall) * 1000:.0f} | "
           f"{p95 * 1000:.0f} | {statistics.mean(r[2] for r in runs) / 1024:.0f} |")
    return row


def speed_figures(speed: dict) -> dict:
    """PDFs per CPU second (one core) and the pipeline's time over bare WeasyPrint's."""
    cpu = {name: sum(r[1] for r in speed[name]) for name in ("pipeline", "bare",
                                                             "shared_fonts")}
    wall = {name: sum(r[0] for r in speed[name]) for name in cpu}
    return {"rate": len(speed["pipeline"]) / cpu["pipeline"],
            "ratio": cpu["pipeline"] / cpu["bare"],
            "wall_ratio": wall["pipeline"] / wall["bare"],
            "over_shared": cpu["pipeline"] / cpu["shared_fonts"]}


def section(measured: dict) -> str:
    speed, bulk, meta, counts = (measured["speed"], measured["bulk"], measured["meta"],
                                 measured["counts"])
    found = speed_figures(speed)
    rate, ratio = found["rate"], found["ratio"]
    share = 100 / found["over_shared"]
    verdict_rate = "met" if rate >= TARGET_RATE else "not met"
    verdict_ratio = "met" if ratio <= TARGET_RATIO else "not met"
    speed_rows = "\n".join(_speed_row(label, speed[name]) for name, label in (
        ("pipeline", "pipeline: `invoice_render` (row, template, WeasyPrint, file saved, "
                     "row updated)"),
        ("bare", "bare WeasyPrint: `HTML(string=html).write_pdf()`, same HTML"),
        ("shared_fonts", "`orders.pdf.html_to_pdf(html)`: WeasyPrint as the pipeline calls it"),
    ))
    rows = []
    for fmt, label in (("pdf", "merged PDF"), ("zip", "ZIP")):
        for count in counts:
            f = bulk[f"{fmt}:{count}"]
            rows.append(f"| {label} | {count:,} | {f['seconds']:.1f} | {f['size_mb']:.1f} | "
                        f"{f['growth_mb']:.0f} | {f['traced_mb']:.1f} |")
    for count in counts:
        f = bulk[f"pypdf:{count}"]
        rows.append(f"| pypdf's PdfWriter, in memory (not used) | {count:,} | "
                    f"{f['seconds']:.1f} | | {f['growth_mb']:.0f} | |")
    table = "\n".join(rows)
    return f"""{BEGIN}
## Invoices (closing issue; targets: >= {TARGET_RATE:.0f} PDFs/s on one core, the pipeline \
<= {TARGET_RATIO}x bare WeasyPrint, bulk files in bounded memory)

`bench/invoices.py`, last run {meta['date']}: {meta['cores']} cores ({meta['cpu']}), load
{meta['load']:.1f} at the end, Python {meta['python']}, {_versions()}, {meta['database']},
DejaVu fonts with HarfBuzz subsetting. A cycle of {measured['prepared']['invoices']:,} orders
of {LINES} lines (two VAT rates, an item fee and an order fee), placed through the service;
their invoices issued with their snapshot; plain invoices of {speed['pages']} \
page{"s" if speed['pages'] != 1 else ""}
(business customers' Factur-X invoices, PDF/A-3 with XML, are not in these figures).

**Speed**, one process pinned to one core, {len(speed['pipeline'])} invoices after
{WARMUP} warm-up ones, the three paths taking turns on each invoice (the same HTML string).
PDFs per second of CPU time (the process's own, what one core gives it) and of wall time
(which the machine's other load stretches):

| path | PDFs/s (CPU) | PDFs/s (wall) | median CPU (ms) | median wall (ms) | p95 wall (ms) \
| PDF (KB) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{speed_rows}

The pipeline takes {ratio:.2f}x the CPU time of bare WeasyPrint ({found['wall_ratio']:.2f}x
its wall time; target <= {TARGET_RATIO}x: {verdict_ratio}) and {found['over_shared']:.2f}x
that of WeasyPrint alone as it calls it (the template, the database row and the file write);
it renders {rate:.1f} PDFs per CPU second on one core (target >= {TARGET_RATE:.0f}:
{verdict_rate}). WeasyPrint's layout and PDF writing are {share:.0f} % of the pipeline's CPU
time: beyond that, speed is the document's (pages, table rows, wrapped lines), not the
pipeline's. A load above the number of cores means other work shared the machine during the
run: compare the CPU-time figures, which it stretches least.

What was tried on the document (2026-12-01, the demo's invoices, `orders.pdf.html_to_pdf`):
the template now lays the parties and header out with floats and its tables with
`table-layout: fixed` and column widths, and the page footer no longer repeats the title
(`string-set` made WeasyPrint lay every page out twice): about 240 ms to 175 ms an invoice
(one page). A profile of what is left: the CSS cascade about 75 ms, layout about 50 ms, PDF
writing with HarfBuzz subsetting about 55 ms, all inside WeasyPrint. 10 PDFs/s on one core
of this machine would need a leaner document or a faster renderer; processing renders a
cycle's invoices in chunks of 25 orders per task, so each worker process adds a core's worth.

**Bulk files** (`orders/bundles.py`), all invoices already rendered (processing renders
them at close), each build in a fresh process: wall time, the file's size, how much the
process's peak resident memory grew during the build (over about
{bulk[f'pdf:{counts[-1]}']['baseline_mb']:.0f} MB before it: Django and the apps loaded),
and tracemalloc's peak of Python allocations (a second run).

| file | invoices | seconds | size (MB) | peak memory growth (MB) | traced peak (MB) |
| --- | ---: | ---: | ---: | ---: | ---: |
{table}

The merged PDF is written object by object (`StreamingPdf`): each invoice's PDF is parsed by
pypdf, its pages and what they use are copied to a temporary file, and the parsed document is
dropped before the next; the page tree, bookmarks and cross-reference table are written at
the end from arrays of integers. The ZIP is written entry by entry, each file copied from
storage in 256 KB chunks. Every 20 invoices a garbage collection frees the parsed PDFs and
model rows, which are reference cycles (without it memory grew by about 3 KB per invoice);
what existed before the build is frozen (`gc.freeze`) so that it only walks the build's own
objects (a full collection of the whole process every 20 invoices made the ZIP of 2,000
take 12.6 s instead of under 1 s). What still grows with the count is 8 bytes per PDF
object and per page (offsets, page list) and, for the ZIP, zipfile's record of each entry
for the central directory (about 700 bytes): some 7 MB at 10,000 invoices. pypdf's own
PdfWriter keeps every page in memory until it writes, which is why it is not used.
{END}
"""


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else "# Performance\n"
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        current = before + text.strip() + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)


def kept_section() -> str:
    """The section of the last run, for `bench/run.py` to keep when it rewrites the file."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else ""
    if BEGIN not in text or END not in text:
        return ""
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"


def _step(argv: list[str]) -> None:
    import django

    django.setup()
    name, args = argv[0], argv[1:]
    if name == "prepare":
        result = step_prepare(int(args[0]), args[1:] == ["1"])
    elif name == "speed":
        result = step_speed(int(args[0]), int(args[1]))
    elif name == "render":
        result = step_render(int(args[0]), int(args[1]), int(args[2]))
    elif name == "bulk":
        result = step_bulk(int(args[0]), args[1], int(args[2]), args[3] == "1")
    elif name == "pypdf":
        result = step_pypdf(int(args[0]), int(args[1]))
    else:
        raise SystemExit(f"unknown step {name}")
    print("RESULT " + json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--step"]:
        _step(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int,
                        default=int(os.environ.get("BENCH_INVOICES", "2000")))
    parser.add_argument("--renders", type=int,
                        default=int(os.environ.get("BENCH_INVOICE_RENDERS", "200")))
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--keep-speed", action="store_true",
                        help="measure the bulk files again, keep the last run's speed figures "
                             "and PDFs")
    parser.add_argument("--from-json", action="store_true",
                        help="write the section from the last run's figures (var/bench-invoices/"
                             "invoices.json) without measuring")
    args = parser.parse_args(argv)
    if args.renders + WARMUP > args.invoices:
        raise SystemExit("--invoices must exceed --renders by the warm-up invoices")
    if args.from_json:
        measured = json.loads((VAR / "invoices.json").read_text())
    else:
        kept = (json.loads((VAR / "invoices.json").read_text())["speed"]
                if args.keep_speed else None)
        measured = run(args.invoices, args.renders, kept)
        (VAR / "invoices.json").write_text(json.dumps(measured, indent=1))
    text = section(measured)
    if args.write:
        write_docs(text)
        print("==> docs/performance.md updated")
    else:
        print(text)
    # Errors stop the run (a failed step raises); a speed short of a target is reported.
    found = speed_figures(measured["speed"])
    print(f"{found['rate']:.1f} PDFs per CPU second (target {TARGET_RATE:.0f}), pipeline "
          f"{found['ratio']:.2f}x bare WeasyPrint (target {TARGET_RATIO}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
