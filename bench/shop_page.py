"""Benchmark of a hub's shop page (issue 9, Speed): the shop of an open cycle with 1,000 and
with 10,000 offers, beside the trivial views of the same run, on gunicorn as `bench/run.py`
measures the other pages. Also the login page of a visitor whose basket holds one item of
each cycle (before, the strategy priced the whole cycle on every request of such a shopper).

Targets: the same query count at both sizes; the 10,000-offer page within 1.3x of the
1,000-offer page and at most 0.15 s median.

Runs against its own database under var/bench-shop/ (or DATABASE_URL), so it does not disturb
`bench/run.py`'s. Usage: python bench/shop_page.py (BENCH_REQUESTS=300 by default);
`make bench` runs it too and writes its section of docs/performance.md.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, bench/ alone is on the path

from bench.run import WARMUP, bench_env, free_port, manage  # noqa: E402

VAR = ROOT / "var" / "bench-shop"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
SIZES = (1_000, 10_000)
PHOTOS = 24  # distinct photo files, shared round-robin by the products (thumbnails cached)

PREPARE = """
import django, json, sys
django.setup()
import datetime as dt
import io
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.signing import Signer
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image
from bench.generate import generate
from hubs.cycle_services import cycle_create, cycle_offers_add
from hubs.models import CycleOffer, Hub
from hubs.services import hub_create, hub_supplier_link
from orders.basket_services import basket_add
from orders.strategy import CycleStrategy
from producers.models import Producer

sizes = json.loads(sys.argv[1])
photos = int(sys.argv[2])
PER_PRODUCER = 500
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")

from hubs.models import OrderCycle
ready = all(
    OrderCycle.objects.filter(hub__slug=f"bench-{size // 1000}k", offers__isnull=False)
    .values("pk").annotate(n=django.db.models.Count("offers")).filter(n=size).exists()
    for size in sizes
)
if not ready:  # a fresh database, or other sizes: generate it all again
    OrderCycle.objects.filter(hub__slug__startswith="bench-").delete()
    generate(producers=sum(sizes) // PER_PRODUCER, products_per_producer=PER_PRODUCER)
producers = list(Producer.objects.filter(slug__startswith="bench-producer-").order_by("id"))
files = []
for n in range(photos):
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40 + 8 * n, 120, 60)).save(buffer, format="JPEG")
    files.append(default_storage.save(f"bench/photo-{n}.jpg", ContentFile(buffer.getvalue())))
with transaction.atomic():
    parents = Product.objects.filter(
        children__stockrecords__partner__producer__in=producers).distinct().values_list(
        "pk", flat=True)
    ProductImage.objects.filter(product_id__in=list(parents)).delete()
    ProductImage.objects.bulk_create([
        ProductImage(product_id=pk, original=files[i % photos], display_order=0)
        for i, pk in enumerate(parents)
    ], batch_size=2000)

now = timezone.now()
out = {}
start = 0
Basket.objects.filter(owner=None).delete()
for size in sizes:
    slug = f"bench-{size // 1000}k"
    hub = Hub.objects.filter(slug=slug).first() or hub_create(name=f"Bench {size}", slug=slug)
    count = size // PER_PRODUCER
    if ready:
        cycle = hub.order_cycles.get()
    else:
        cycle = cycle_create(hub=hub, name=f"{size} offers",
                             opens_at=now - dt.timedelta(days=1),
                             closes_at=now + dt.timedelta(days=60), publish=True)
        for producer in producers[start:start + count]:
            hub_supplier_link(hub=hub, producer=producer)
            cycle_offers_add(cycle=cycle, producer=producer)
    start += count
    basket = Basket.objects.create()
    basket.strategy = CycleStrategy(cycle=cycle, basket=basket)
    offer = CycleOffer.objects.filter(cycle=cycle, stockrecord__num_in_stock__gt=5).select_related(
        "cycle__hub", "stockrecord__product__parent", "supplier__producer").first()
    basket_add(basket=basket, offer=offer, quantity=1)
    out[size] = {"shop": f"/{slug}/shop/", "offers": cycle.offers.count(),
                 "basket": Signer().sign(basket.id), "search": "honey"}
from django.db import connection
if connection.vendor == "postgresql":
    # Fresh statistics, as autovacuum keeps them on a live database: without them the planner
    # takes the 22,000 generated products for a handful and scans them for a page of 48.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print(json.dumps(out))
"""

COUNT = """
import django, json, sys
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
urls = json.loads(sys.argv[1])
result = {}
for name, (url, cookie) in urls.items():
    client = Client()
    if cookie:
        client.cookies["oscar_open_basket"] = cookie
    client.get(url.replace("{n}", "warm"))
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url.replace("{n}", "counted")).status_code
    result[name] = {"queries": len(queries), "status": status}
print(json.dumps(result))
"""


def shop_env() -> dict:
    env = bench_env()
    env["FOODHUB_VAR_DIR"] = str(VAR)
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    return env


def prepare(env: dict) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--no-input", "-v0", env=env)
    manage("collectstatic", "--no-input", "-v0", env=env)
    out = subprocess.run(
        [sys.executable, "-c", PREPARE, json.dumps(list(SIZES)), str(PHOTOS)], cwd=ROOT,
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    return {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def pages(prepared: dict) -> dict[str, tuple[str, str]]:
    """name -> (url, basket cookie), in the order of the table."""
    rows = {
        "/robots.txt (trivial view, the floor)": ("/robots.txt", ""),
        "/healthz (database + broker check)": ("/healthz", ""),
    }
    for size in SIZES:
        data = prepared[size]
        label = f"{size:,} offers"
        rows[f"shop, {label}: page 1 (48 photos)"] = (data["shop"], "")
        rows[f"shop, {label}: last page"] = (
            f"{data['shop']}?page={-(-data['offers'] // 48)}", "")
        rows[f"shop, {label}: grouped by producer, in stock"] = (
            f"{data['shop']}?group=producer&in_stock=1", "")
        rows[f"shop, {label}: search \"{data['search']}\""] = (
            f"{data['shop']}?q={data['search']}", "")
        # A word never searched before: the order is not in the cache, the cycle is sorted.
        rows[f"shop, {label}: search, a new word each time (not cached, no match)"] = (
            f"{data['shop']}?q=honey+{{n}}", "")
        rows[f"login page, a basket of 1 item in the {label} cycle"] = (
            "/shop/accounts/login/", data["basket"])
    return rows


def measure_interleaved(port: int, rows: dict[str, tuple[str, str]]) -> dict:
    """Each page in turn, round after round, so that whatever else the machine does weighs on
    every page alike (the 1,000- and 10,000-offer pages are compared with each other)."""
    timings: dict[str, list[float]] = {name: [] for name in rows}
    for round_ in range(WARMUP + REQUESTS):
        for name, (url, basket) in rows.items():
            url = url.replace("{n}", f"n{round_}")
            headers = {"Host": "127.0.0.1"}
            if basket:
                headers["Cookie"] = f"oscar_open_basket={basket}"
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            conn.close()
            if response.status != 200:
                raise SystemExit(f"{url} answered {response.status}")
            if round_ >= WARMUP:
                timings[name].append(elapsed)
    results = {}
    for name, values in timings.items():
        values.sort()
        results[name] = {"median": statistics.median(values),
                         "p95": values[int(len(values) * 0.95) - 1], "n": len(values)}
    return results


def run() -> dict:
    """Prepare, serve, measure; returns {"rows": {name: figures}, "offers": {...}}."""
    env = shop_env()
    print(f"==> Preparing the shop bench database ({' and '.join(f'{s:,}' for s in SIZES)} "
          "offers)")
    prepared = prepare(env)
    rows = pages(prepared)
    counted = json.loads(subprocess.run(
        [sys.executable, "-c", COUNT, json.dumps(rows)], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1])
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
        results = measure_interleaved(port, rows)
        for name in rows:
            results[name].update(counted[name])
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"rows": results, "offers": {size: prepared[size]["offers"] for size in SIZES}}


def section(measured: dict) -> str:
    """The docs/performance.md section."""
    rows = measured["rows"]
    small, big = (rows[f"shop, {s:,} offers: page 1 (48 photos)"] for s in SIZES)
    ratio = big["median"] / small["median"]
    table = "\n".join(
        f"| {name} | {f['median']:.1f} | {f['p95']:.1f} | {f['queries']} | {f['n']} |"
        for name, f in rows.items()
    )
    return f"""## Shop page on {database()} (orders issue; targets: the same queries at 1,000 and \
10,000 offers, 10,000 within 1.3x of 1,000 and at most 150 ms median)

`bench/shop_page.py`: two hubs, one with an open cycle of 1,000 offers, one of 10,000 (20
generated producers with 500 variants each, every product with a photo among {PHOTOS}
files, thumbnails made on the warm-up requests), {database()},
gunicorn with 2 sync workers, {WARMUP} warm-up rounds then {REQUESTS} measured, the pages
taking turns within each round (so the machine's other load weighs on all alike), anonymous
visitors (the login page with a cookie basket of one item). Queries: counted in-process on
the second request of the same page.

| page | median (ms) | p95 (ms) | queries | requests |
| --- | ---: | ---: | ---: | ---: |
{table}

Page 1 at 10,000 offers takes {ratio:.2f}x the time at 1,000 offers
({big['median']:.1f} ms against {small['median']:.1f} ms). The page filters and orders the
cycle's offers in SQL (`hubs.selectors.shop_offers`), keeps that order of ids for a minute
per cycle and filters (`shop_offer_ids`: offers added or removed show at once), loads and
prices only its 48 offers (`hubs.pricing.cycle_prices(offers=page)`), formats its amounts
without Babel on each (`orders/templatetags/shop_tags.py`) and remembers thumbnail URLs;
the strategy prices only the basket's lines (`orders.strategy`). Before: 0.27 s at 1,000
offers, 2.3-2.6 s at 10,000, and 2.5 s for the login page with one item in the basket.
"""


def database() -> str:
    return "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"


def write_section(text: str) -> None:
    """Replace (or add) the shop section of this database in docs/performance.md."""
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else "# Performance\n"
    marker = f"## Shop page on {database()}"
    if marker in current:
        before, rest = current.split(marker, 1)
        after = rest.split("\n## ", 1)
        current = before + (("## " + after[1]) if len(after) > 1 else "")
        current = current.rstrip("\n") + "\n"
    path.write_text(current.rstrip("\n") + "\n\n" + text)


def main() -> int:
    measured = run()
    for name, f in measured["rows"].items():
        print(f"{name:<62} median {f['median']:6.1f} ms   p95 {f['p95']:6.1f} ms   "
              f"{f['queries']} queries")
    text = section(measured)
    write_section(text)
    print(text.split("\n\n")[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
