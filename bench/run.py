"""Benchmarks, written to docs/performance.md:

1. median server latency on gunicorn of a trivial view (the floor), /healthz, the home page
   and a producer's inventory dashboard with 5,000 variants;
2. the import of a generated 10,000-row product file end to end (the management command in
   its own process): wall time and peak memory;
3. the memory it takes to read each hostile file of `bench/hostile.py` (issue 8), in a
   fresh process;
4. order placement under load on PostgreSQL (`bench/order_placement.py`), when a server
   answers at BENCH_ORDERS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
   foodhub_bench_orders); otherwise its last figures are kept;
5. a hub's shop page at 1,000 and 10,000 offers (`bench/shop_page.py`, issue 9), in its own
   database.
6. the reports of a processed cycle of 10,000 orders x 8 lines on PostgreSQL
   (`bench/reports.py`, data by `bench/close_data.py`), when a server answers at
   BENCH_REPORTS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
   foodhub_bench_reports); otherwise its last figures are kept.
7. invoice PDFs through the pipeline beside bare WeasyPrint, and the bulk files of 2,000
   invoices (`bench/invoices.py`, issue 10), in its own database.

`make bench` then runs `bench/lighthouse.py` (Lighthouse scores of the shopper pages), which
writes its own section of docs/performance.md; this script keeps that section.

Runs against its own database under var/bench/ (or DATABASE_URL).
Usage: make bench   (BENCH_REQUESTS=300 by default)
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARMUP = 30


def bench_env() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        FOODHUB_VAR_DIR=str(VAR),
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="WARNING",
    )
    env.pop("DEBUG", None)
    return env


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


PREPARE = """
import django, json
django.setup()
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from bench.generate import generate
from producers.models import Producer
from producers.services import producer_member_add
generate(producers=1, products_per_producer=5000)
producer = Producer.objects.get(slug="bench-producer-0")
user, _ = get_user_model().objects.get_or_create(
    email="bench@example.org", defaults={"username": "bench@example.org"})
producer_member_add(producer=producer, user=user, role="owner")
import datetime as dt
from django.utils import timezone
from hubs.cycle_services import cycle_create, cycle_offers_add
from hubs.services import hub_create, hub_manager_add, hub_supplier_link
from hubs.models import Hub
hub = Hub.objects.filter(slug="bench-hub").first() or hub_create(name="Bench Hub", slug="bench-hub")
hub.order_cycles.all().delete()
hub_manager_add(hub=hub, user=user)
hub_supplier_link(hub=hub, producer=producer)
now = timezone.now()
cycle = cycle_create(hub=hub, name="Bench cycle", opens_at=now - dt.timedelta(days=1),
                     closes_at=now + dt.timedelta(days=6), publish=True)
cycle_offers_add(cycle=cycle, producer=producer)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key, "slug": producer.slug,
                  "cycle": f"/hub/bench-hub/cycles/{cycle.pk}/"}))
"""

IMPORT = """
import django, resource, sys, time
django.setup()
from io import StringIO
from django.core.management import call_command
started = time.perf_counter()
call_command("foodhub_import_products", sys.argv[1], "--producer", "bench-import",
             stdout=StringIO())
elapsed = time.perf_counter() - started
print("RESULT", elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def prepare(env: dict) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--no-input", "-v0", env=env)
    manage("collectstatic", "--no-input", "-v0", env=env)
    manage("foodhub_demo", "--quiet-roster", env=env)
    out = subprocess.run(
        [sys.executable, "-c", PREPARE], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_import(env: dict) -> dict:
    """Import a fresh 10,000-row file into an empty producer; wall time and peak RSS."""
    code = (
        "import django; django.setup(); from pathlib import Path; "
        "from bench.generate import write_import_csv; "
        "from producers.catalogue_services import Product, StockRecord; "
        "from producers.models import Producer; from producers.services import producer_create; "
        "p = Producer.objects.filter(slug='bench-import').first(); "
        "ids = list(StockRecord.objects.filter(partner_id=p.partner_id)"
        ".values_list('product_id', 'product__parent_id')) if p else []; "
        "StockRecord.objects.filter(product_id__in=[i for i, _ in ids]).delete(); "
        "Product.objects.filter(id__in=[i for i, _ in ids]).delete(); "
        "Product.objects.filter(id__in=[j for _, j in ids]).delete(); "
        "p or producer_create(name='Bench Import', slug='bench-import'); "
        f"write_import_csv(Path('{VAR / 'import-10k.csv'}'), rows=10000, "
        "producer_slug='bench-import')"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", IMPORT, str(VAR / "import-10k.csv")], cwd=ROOT, env=env,
        check=True, capture_output=True, text=True,
    ).stdout
    total = time.perf_counter() - started
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    _marker, inside, max_rss_kb = line.split()
    return {"rows": 10_000, "seconds": total, "command_seconds": float(inside),
            "peak_mb": int(max_rss_kb) / 1024}


def bench_hostile(env: dict) -> dict:
    """Read every hostile file in one fresh process: the message and the memory it took."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # run as a script, bench/ alone is on the path
    from bench.hostile import HOSTILE_FILES, measure

    files = {name: make() for name, (make, _message) in HOSTILE_FILES.items()}
    results = measure(files, env=env)
    for name, data in files.items():
        results[name]["kb"] = len(data) / 1024
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure_post(port: int, path: str, *, cookie: str, requests: int = 50) -> dict:
    """Save one page of the cycle editor's offers (100 rows), as the browser posts it."""
    import re
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "127.0.0.1", "Cookie": cookie})
    response = conn.getresponse()
    html = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    offer_ids = re.findall(r'name="offers-(\d+)-offer_id" value="(\d+)"', html)
    fields = {"csrfmiddlewaretoken": token, "offers-TOTAL_FORMS": len(offer_ids),
              "offers-INITIAL_FORMS": len(offer_ids)}
    for index, offer_id in offer_ids:
        fields[f"offers-{index}-offer_id"] = offer_id
        fields[f"offers-{index}-cap"] = "50"
    body = urlencode(fields)
    cookies = cookie + (f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else "")
    timings = []
    for _ in range(requests):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("POST", path + "offers/", body=body, headers={
            "Host": "127.0.0.1", "Cookie": cookies,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}{path}",
        })
        response = conn.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        conn.close()
        if response.status != 302:
            raise SystemExit(f"saving offers answered {response.status}")
    timings.sort()
    return {"median": statistics.median(timings),
            "p95": timings[int(len(timings) * 0.95) - 1], "n": len(timings)}


def measure(port: int, path: str, *, cookie: str = "", requests: int = REQUESTS) -> dict:
    timings = []
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    for index in range(WARMUP + requests):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        if index >= WARMUP:
            timings.append(elapsed)
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "n": len(timings),
    }


def main() -> int:
    env = bench_env()
    print("==> Preparing the bench database (demo data + a 5,000-variant producer)")
    prepared = prepare(env)
    cookie = f"sessionid={prepared['session']}"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "foodhub.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        results = {
            "/robots.txt (trivial view, the floor)": measure(port, "/robots.txt"),
            "/healthz (database + broker check)": measure(port, "/healthz"),
            "/ (Wagtail home page: hubs, producers, 12 products)": measure(port, "/"),
            "/producer/<slug>/ (inventory, 5,000 variants, page 1 of 100)": measure(
                port, f"/producer/{prepared['slug']}/", cookie=cookie, requests=100
            ),
            "/producer/<slug>/?page=100 (last page)": measure(
                port, f"/producer/{prepared['slug']}/?page=100", cookie=cookie, requests=100
            ),
            "/hub/<slug>/cycles/<id>/ (cycle editor, 5,000 offers, page 1)": measure(
                port, prepared["cycle"], cookie=cookie, requests=100
            ),
            "POST .../offers/ (save a page of 100 offers)": measure_post(
                port, prepared["cycle"], cookie=cookie
            ),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("==> Importing a generated 10,000-row file")
    imported = bench_import(env)
    print("==> Reading hostile files")
    hostile = bench_hostile(env)
    write_report(results, imported, hostile)
    orders_failed = bench_order_placement()
    reports_failed = bench_reports()
    print("==> The shop page at 1,000 and 10,000 offers")
    from bench.shop_page import run as shop_run
    from bench.shop_page import section, write_section

    write_section(section(shop_run()))
    invoices_failed = bench_invoices()
    for name, figures in results.items():
        print(f"{name:<62} median {figures['median']:6.1f} ms   p95 {figures['p95']:6.1f} ms")
    print(f"import of 10,000 rows: {imported['seconds']:.1f} s end to end, "
          f"peak {imported['peak_mb']:.0f} MB")
    for name, figures in hostile.items():
        print(f"{name:<62} +{figures['growth_mb']:5.0f} MB  {figures['message'][:60]}")
    return 1 if orders_failed or reports_failed or invoices_failed else 0


def bench_invoices() -> bool:
    """Run bench/invoices.py (its own database and processes); True if it failed."""
    print("==> Invoice PDFs and bulk files")
    return subprocess.run([sys.executable, "bench/invoices.py", "--write"], cwd=ROOT
                          ).returncode != 0


def bench_order_placement() -> bool:
    """Run bench/order_placement.py (its own database and processes); True if it failed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import order_placement

    url = os.environ.get("BENCH_ORDERS_DATABASE_URL", order_placement.DEFAULT_DATABASE_URL)
    if not order_placement.postgres_answers(url):
        print(f"==> Order placement skipped: no PostgreSQL at {url} (last figures kept)")
        return False
    print("==> Order placement on PostgreSQL (service, then HTTP)")
    return subprocess.run(
        [sys.executable, "bench/order_placement.py", "--http", "--write", "--database-url", url],
        cwd=ROOT,
    ).returncode != 0


def bench_reports() -> bool:
    """Run bench/reports.py (its own database); True if it failed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import order_placement, reports

    url = os.environ.get("BENCH_REPORTS_DATABASE_URL", reports.DEFAULT_DATABASE_URL)
    if not order_placement.postgres_answers(url):
        print(f"==> Reports skipped: no PostgreSQL at {url} (last figures kept)")
        return False
    print("==> Reports of 10,000 orders x 8 lines on PostgreSQL")
    return subprocess.run(
        [sys.executable, "bench/reports.py", "--reuse", "--write", "--database-url", url],
        cwd=ROOT,
    ).returncode != 0


def hostile_rows(hostile: dict) -> str:
    return "\n".join(
        f"| {name} | {f['kb']:,.0f} KB | {max(f['growth_mb'], 0):.0f} MB | {f['message']} |"
        for name, f in hostile.items()
    )


def write_report(results: dict, imported: dict, hostile: dict) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    database = "PostgreSQL" if on_postgres else "SQLite"
    rows = "\n".join(
        f"| {name} | {f['median']:.1f} | {f['p95']:.1f} | {f['n']} |" for name, f in results.items()
    )
    report = f"""# Performance

Figures written by `make bench` (`bench/run.py`); targets live here, never as timed assertions
in the test suite. Re-run after any change that touches a hot path and commit the new figures.

## Page latency (last run {dt.date.today().isoformat()})

Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {database}, gunicorn with
2 sync workers on 127.0.0.1, `bench/settings.py` (DEBUG off, manifest static files),
sequential requests (one connection each),
{WARMUP} warm-up requests then {REQUESTS} measured (100 for the dashboard and the cycle
editor, 50 saves). Data: the demo (8 producers, 67 products with 72 variants, 2 hubs with
three cycles each) plus one generated producer with 5,000 variants (2,500 products,
`bench/generate.py`) offered in a bench hub's cycle (5,000 offers), signed in as a member of
both. Targets (hubs issue): the cycle editor opens and saves in ≤ 1 s server time.

| page | median (ms) | p95 (ms) | requests |
| --- | ---: | ---: | ---: |
{rows}

The trivial view is the floor later benchmarks are compared to: the cost of Django, the
middleware stack and gunicorn with no database work. The home page and the inventory
dashboard run a constant number of queries whatever the catalogue size (asserted in tests
by query counts, not timings).

## Product import (producers issue; target ≤ 30 s and ≤ 300 MB)

A generated Open Food Network file of {imported['rows']:,} rows (5,000 products with two
variants each, decimal commas) imported into an empty producer by
`manage.py foodhub_import_products` in its own process: read, validate every row, plan,
then write in one transaction (bulk inserts, stock history included).

| measure | value |
| --- | ---: |
| end to end, including process start-up | {imported['seconds']:.1f} s |
| inside the command | {imported['command_seconds']:.1f} s |
| peak memory (max RSS) | {imported['peak_mb']:.0f} MB |

## Hostile files (security issue; target: any file read within 300 MB per process)

Each file of `bench/hostile.py` read as an upload is read by the check task
(`read_table`), one after the other in one fresh process: how much its peak resident memory
grew above what it held before the file (Django, Oscar and Wagtail loaded: about
{min(f['baseline_mb'] for f in hostile.values()):.0f} MB), and what the user is told.

| file | size | memory | message |
| --- | ---: | ---: | --- |
{hostile_rows(hostile)}
"""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.invoices import kept_section as invoices_section
    from bench.order_placement import kept_section
    from bench.reports import kept_section as kept_reports

    # Written by bench/order_placement.py and bench/reports.py, kept until they run again.
    kept = kept_section() + kept_reports()
    invoices = invoices_section()  # bench/invoices.py's, rewritten when it runs after this
    kept = "\n".join(part for part in (kept, invoices) if part)
    (ROOT / "docs").mkdir(exist_ok=True)
    path = ROOT / "docs" / "performance.md"
    from bench.lighthouse import existing_section

    # bench/lighthouse.py writes its own section; keep the last one it wrote.
    lighthouse = existing_section(path.read_text()) if path.exists() else ""
    path.write_text(report + "".join("\n" + part for part in (kept, lighthouse) if part))


if __name__ == "__main__":
    sys.exit(main())
