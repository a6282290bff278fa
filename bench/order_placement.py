"""Order placement under load (shoppers issue, "Speed"): orders/s, errors, p50/p95 latency,
and that stock and caps never went below zero. Target: >= 50 orders/s with 0 errors on
PostgreSQL.

Two paths, each for --duration seconds with --concurrency clients at once:

- service: that many processes, each with its own database connection, call
  `orders.services.order_place`, the one service the web checkout and the API share
  (everything but HTTP);
- http (--http, or --http-url URL): client threads POST /api/v1/orders/ with API tokens, to
  gunicorn (3 sync workers as in the production image, `bench.settings`) started on the
  bench database, or to a server already running at URL on the same database. Skipped, and
  said so, while the route answers 404.

The order mix: 1-5 products of 200 plentiful ones (1-3 of each), one in ten orders also asks
for one of 10 scarce products (10 in stock) or 5 capped offers (cap 8), which sell out during
the run: those answers ("sold out", 409 over HTTP) are counted apart, never as errors. 80 %
pickup, 20 % delivery, both payment methods, 50 shoppers.

The database (default postgres://postgres@127.0.0.1:5432/foodhub_bench_orders, or
--database-url) is created and migrated when missing; the bench hub, its cycle and the bench
producer's stock are rebuilt on every run. E-mails are queued, as in production (to
CELERY_BROKER_URL, else a filesystem queue under var/bench/), never sent, and purged at the end.

Usage: python bench/order_placement.py [--duration 20] [--concurrency 4] [--http] [--write]
`--write` puts the figures in docs/performance.md (its "Order placement" section); `make bench`
runs this with --http --write when PostgreSQL answers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/foodhub_bench_orders"
HUB_SLUG = "bench-orders-hub"
PRODUCER_SLUG = "bench-orders-producer"
PLENTIFUL, SCARCE, CAPPED = 200, 10, 5
PLENTIFUL_STOCK, SCARCE_STOCK, CAP = 1_000_000, 10, 8
SHOPPERS = 50
TARGET = 50.0
BEGIN, END = "<!-- order-placement:begin -->", "<!-- order-placement:end -->"


# --- environment and database ------------------------------------------------------------------


def bench_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        FOODHUB_VAR_DIR=str(VAR),
        DATABASE_URL=database_url,
        CELERY_TASK_ALWAYS_EAGER="0",  # queued on commit as in production, not sent
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    env.pop("DEBUG", None)
    return env


def ensure_database(database_url: str) -> None:
    """CREATE DATABASE when missing (connecting to the server's `postgres` database)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def postgres_answers(database_url: str) -> bool:
    try:
        import psycopg

        parts = urlsplit(database_url)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return False


def setup_django(env: dict) -> None:
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- bench data --------------------------------------------------------------------------------


def prepare() -> dict:
    """Rebuild the bench hub's open cycle and stock; returns the ids the clients need."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from oscar.core.loading import get_model

    from foodhub.models import ApiToken
    from foodhub.services import api_token_create
    from hubs import transitions
    from hubs.cycle_services import (
        cycle_create,
        cycle_fee_save,
        cycle_offers_add,
        cycle_offers_update,
        cycle_window_save,
    )
    from hubs.models import CycleFee, DeliveryZone, Hub, OrderCycle, PaymentMethod, PickupPoint
    from hubs.services import hub_create, hub_place_save, hub_supplier_link
    from producers.catalogue_services import catalogue_upsert
    from producers.importing import ImportRow
    from producers.models import Producer
    from producers.services import producer_create

    Order = get_model("order", "Order")
    StockRecord = get_model("partner", "StockRecord")
    Category = get_model("catalogue", "Category")
    User = get_user_model()

    with transaction.atomic():
        hub = Hub.objects.filter(slug=HUB_SLUG).first() or hub_create(
            name="Bench Orders Hub", slug=HUB_SLUG, city="Benchville", currency="EUR")
        Order.objects.filter(cycle__hub=hub).delete()
        OrderCycle.objects.filter(hub=hub).delete()
        producer = Producer.objects.filter(slug=PRODUCER_SLUG).first() or producer_create(
            name="Bench Orders Farm", slug=PRODUCER_SLUG, city="Benchville")
        category = Category.objects.filter(depth=1).order_by("id").values_list("id", flat=True)[0]
        rows = []
        for index in range(PLENTIFUL + SCARCE + CAPPED):
            scarce = PLENTIFUL <= index < PLENTIFUL + SCARCE
            rows.append(ImportRow(
                row=index + 2, producer_id=producer.id, sku=f"BO-{index:04d}",
                name=f"Bench product {index}", display_name="", category_id=category,
                description="Generated.", unit_type="weight", unit_value=Decimal(1000),
                unit_label="1 kg", price=Decimal(100 + index * 7 % 900) / 100,
                on_hand=SCARCE_STOCK if scarce else PLENTIFUL_STOCK, on_demand=False,
                available_on=None, shipping_category="", vat_rate=Decimal("5.5"),
            ))
        catalogue_upsert(rows=rows, producers={producer.id: producer})
        StockRecord.objects.filter(partner_id=producer.partner_id).update(num_allocated=0)
        hub_supplier_link(hub=hub, producer=producer)
        point = PickupPoint.objects.filter(hub=hub).first() or hub_place_save(
            hub=hub, model=PickupPoint, name="Bench hall", address="1 bench street")
        zone = DeliveryZone.objects.filter(hub=hub).first() or hub_place_save(
            hub=hub, model=DeliveryZone, name="Bench town", postcodes="75011, 75012",
            fee=Decimal("4.00"))
        methods = []
        for kind, extra in ((PaymentMethod.Kind.AT_PICKUP, {}),
                            (PaymentMethod.Kind.BANK_TRANSFER,
                             {"iban": "FR7630006000011234567890189"})):
            method = PaymentMethod.objects.filter(hub=hub, kind=kind).first() or hub_place_save(
                hub=hub, model=PaymentMethod, kind=kind, name=str(kind.label)[:100], **extra)
            methods.append(method.pk)
        now = dt.datetime.now(dt.UTC)
        cycle = cycle_create(hub=hub, name="Bench orders", opens_at=now - dt.timedelta(hours=1),
                             closes_at=now + dt.timedelta(days=2),
                             markup_percent=Decimal("12"))
        cycle_offers_add(cycle=cycle, producer=producer)
        cycle_fee_save(cycle=cycle, name="Running costs", kind=CycleFee.Kind.PER_ITEM_PERCENT,
                       amount=Decimal("5"))
        day = (now + dt.timedelta(days=3)).date()
        window = cycle_window_save(cycle=cycle, pickup_point=point, date=day,
                                   start_time=dt.time(17), end_time=dt.time(19))
        cycle_window_save(cycle=cycle, delivery_zone=zone, date=day, start_time=dt.time(9),
                          end_time=dt.time(12))
        offers = dict(cycle.offers.values_list("stockrecord__partner_sku", "id"))
        skus = sorted(offers)
        capped = [offers[sku] for sku in skus[PLENTIFUL + SCARCE:]]
        cycle_offers_update(cycle=cycle, changes={pk: {"cap": CAP} for pk in capped})
        transitions.cycle_publish(cycle=cycle, now=now - dt.timedelta(hours=2))
        users, tokens = [], []
        for n in range(SHOPPERS):
            email = f"bench-shopper-{n}@example.org"
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                username=email, email=email, first_name="Bench", last_name=f"Shopper {n}")
            ApiToken.objects.filter(user=user).delete()
            users.append(user.pk)
            tokens.append(api_token_create(user=user, name="order placement bench")[1])
    return {
        "cycle": cycle.pk, "window": window.pk, "zone": zone.pk, "methods": methods,
        "plentiful": [offers[sku] for sku in skus[:PLENTIFUL]],
        "limited": [offers[sku] for sku in skus[PLENTIFUL:]],
        "users": users, "tokens": tokens,
    }


def random_order(rng: random.Random, plan: dict) -> dict:
    """One shopper's order: offer ids and quantities, pickup or delivery, a payment method."""
    lines = {pk: rng.randint(1, 3) for pk in rng.sample(plan["plentiful"], rng.randint(1, 5))}
    if rng.random() < 0.1:
        lines[rng.choice(plan["limited"])] = rng.randint(1, 3)
    delivery = rng.random() < 0.2
    return {
        "order_cycle": plan["cycle"],
        "lines": [{"offer": pk, "quantity": q} for pk, q in lines.items()],
        "pickup_window": None if delivery else plan["window"],
        "delivery": {"zone": plan["zone"], "address": "3 rue du Banc", "postcode": "75011"}
        if delivery else None,
        "payment_method": rng.choice(plan["methods"]),
        "shopper": rng.randrange(len(plan["users"])),
    }


# --- service path ------------------------------------------------------------------------------


def _service_client(index: int, env: dict, plan: dict, duration: float, barrier, queue) -> None:
    """One process, one connection: place orders until the time is up."""
    setup_django(env)
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import connection

    from orders import services

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=plan["users"])}
    rng = random.Random(1000 + index)

    def place(order: dict) -> tuple[str, str]:
        delivery = order["delivery"]
        try:
            services.order_place(
                cycle_id=order["order_cycle"],
                lines=[services.LineRequest(offer_id=ln["offer"], quantity=ln["quantity"])
                       for ln in order["lines"]],
                payment_method_id=order["payment_method"],
                pickup_window_id=order["pickup_window"],
                delivery=services.Delivery(zone_id=delivery["zone"], address=delivery["address"],
                                           postcode=delivery["postcode"]) if delivery else None,
                user=users[plan["users"][order["shopper"]]],
            )
            return "placed", ""
        except services.OrderShort:
            return "sold_out", ""
        except ValidationError as error:
            return "error", f"ValidationError {error.messages}"
        except Exception as error:  # noqa: BLE001 - every other failure is what we count
            connection.close()  # a broken connection must not fail every later order
            return "error", f"{type(error).__name__}: {error}"[:300]

    place(random_order(rng, plan))  # warm-up: imports, the connection, caches
    barrier.wait()
    results, stop = [], time.perf_counter() + duration
    while (started := time.perf_counter()) < stop:
        outcome, detail = place(random_order(rng, plan))
        results.append((started, (time.perf_counter() - started) * 1000, outcome, detail))
    connection.close()
    queue.put(results)


def run_service(env: dict, plan: dict, *, duration: float, concurrency: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(concurrency + 1), ctx.Queue()
    clients = [ctx.Process(target=_service_client,
                           args=(i, env, plan, duration, barrier, queue))
               for i in range(concurrency)]
    for client in clients:
        client.start()
    barrier.wait(timeout=300)
    started = time.perf_counter()
    results = [item for _ in clients for item in queue.get(timeout=duration + 300)]
    wall = time.perf_counter() - started
    for client in clients:
        client.join(timeout=30)
    return summarise(results, wall=wall, duration=duration, concurrency=concurrency,
                     warmup=concurrency)


# --- HTTP path ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "foodhub.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "3", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def post_order(base: str, token: str, order: dict) -> tuple[int, bytes]:
    parts = urlsplit(base)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else \
        http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=60)
    body = {k: v for k, v in order.items() if k != "shopper"}
    try:
        conn.request("POST", parts.path.rstrip("/") + "/api/v1/orders/",
                     body=json.dumps(body), headers={
                         "Host": parts.netloc, "Content-Type": "application/json",
                         "Accept": "application/json", "Authorization": f"Token {token}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def classify(status: int, body: bytes) -> tuple[str, str]:
    if status == 201:
        return "placed", ""
    if status in (400, 409) and b'"available"' in body:
        return "sold_out", ""  # the documented "not enough left" answer, naming the lines
    return "error", f"HTTP {status}: {body[:200].decode(errors='replace')}"


def run_http(base: str, plan: dict, *, duration: float, concurrency: int) -> dict:
    probe_rng = random.Random(7)
    status, body = post_order(base, plan["tokens"][0], random_order(probe_rng, plan))
    if status == 404:
        return {"skipped": "POST /api/v1/orders/ answered 404: no orders API yet"}
    barrier = threading.Barrier(concurrency + 1)
    results: list = []
    lock = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(2000 + index)
        mine = []
        barrier.wait()
        stop = time.perf_counter() + duration
        while (started := time.perf_counter()) < stop:
            order = random_order(rng, plan)
            try:
                outcome = classify(*post_order(base, plan["tokens"][order["shopper"]], order))
            except OSError as error:
                outcome = ("error", f"{type(error).__name__}: {error}")
            mine.append((started, (time.perf_counter() - started) * 1000, *outcome))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    summary = summarise(results, wall=time.perf_counter() - started, duration=duration,
                        concurrency=concurrency, warmup=1 if status in (201,) else 0)
    summary["url"] = base
    return summary


# --- results -----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(results: list, *, wall: float, duration: float, concurrency: int,
              warmup: int) -> dict:
    placed = [r for r in results if r[2] == "placed"]
    errors = [r for r in results if r[2] == "error"]
    latencies = [r[1] for r in placed]
    elapsed = max(wall, duration)
    return {
        "concurrency": concurrency, "seconds": round(elapsed, 1), "attempts": len(results),
        "placed": len(placed), "sold_out": sum(r[2] == "sold_out" for r in results),
        "errors": len(errors), "error_samples": sorted({r[3] for r in errors})[:5],
        "orders_per_s": len(placed) / elapsed,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p95_ms": percentile(latencies, 0.95), "max_ms": max(latencies, default=0.0),
        "warmup_orders": warmup,
    }


def check_stock(plan: dict) -> dict:
    """After the run: no stock record or cap below zero, and what is held is what the orders
    hold (allocations and order lines agree exactly)."""
    from django.db.models import F, Sum
    from oscar.core.loading import get_model

    from hubs.models import CycleOffer

    StockRecord = get_model("partner", "StockRecord")
    Line = get_model("order", "Line")
    Order = get_model("order", "Order")
    offers = CycleOffer.objects.filter(cycle_id=plan["cycle"])
    records = StockRecord.objects.filter(pk__in=offers.values("stockrecord_id"))
    oversold = records.filter(num_allocated__gt=F("num_in_stock")).count()
    negative = records.filter(num_allocated__lt=0).count()
    over_cap = offers.filter(cap__isnull=False, num_allocated__gt=F("cap")).count()
    held = dict(Line.objects.filter(order__cycle_id=plan["cycle"])
                .exclude(order__status="cancelled").values("stockrecord_id")
                .annotate(n=Sum("quantity")).values_list("stockrecord_id", "n"))
    allocated = dict(records.filter(num_allocated__gt=0).values_list("id", "num_allocated"))
    sold_out = records.filter(num_in_stock__lte=F("num_allocated")).count()
    orders = Order.objects.filter(cycle_id=plan["cycle"])
    return {
        "oversold_records": oversold, "negative_records": negative, "offers_over_cap": over_cap,
        "allocations_match_lines": held == allocated, "records_sold_out": sold_out,
        "orders_in_database": orders.count(),
        "ok": not (oversold or negative or over_cap) and held == allocated,
    }


def purge_queue() -> int:
    from foodhub.celery import app

    try:
        return app.control.purge() or 0
    except Exception:  # noqa: BLE001 - a queue we cannot purge only leaves files behind
        return 0


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0].split()[0]


def report_section(runs: dict, meta: dict) -> str:
    rows = []
    for name, run in runs.items():
        if "skipped" in run:
            rows.append(f"| {name} | — | — | — | — | — | — | — | {run['skipped']} |")
            continue
        check = run["stock"]
        verdict = "no oversell, held = ordered" if check["ok"] else f"FAILED {check}"
        rows.append(
            f"| {name} | {run['concurrency']} | {run['placed']:,} | "
            f"**{run['orders_per_s']:.0f}** | {run['sold_out']} | {run['errors']} | "
            f"{run['p50_ms']:.0f} | {run['p95_ms']:.0f} | {verdict} |"
        )
    table = "\n".join(rows)
    measured = [run for run in runs.values() if "skipped" not in run]
    met = all(run["orders_per_s"] >= TARGET and not run["errors"] and run["stock"]["ok"]
              for run in measured)
    verdict = ("Target met on every path measured." if measured and met
               else "Target NOT met on every path: see the table.")
    return f"""{BEGIN}
## Order placement (shoppers issue; target: >= {TARGET:.0f} orders/s with 0 errors)

Last run {meta['date']} by `bench/order_placement.py` ({meta['duration']:.0f} s per path):
{meta['cores']} cores shared with other work (load average {meta['load']:.1f} at the start),
Python {meta['python']}, {meta['database']} on the same machine.

Each client places orders back to back: 1-5 products (1-3 of each) out of a cycle's
{PLENTIFUL + SCARCE + CAPPED} offers, 80 % pickup and 20 % delivery, both payment methods,
{SHOPPERS} shoppers. One order in ten also asks for one of {SCARCE} scarce products
({SCARCE_STOCK} in stock) or {CAPPED} capped offers (cap {CAP}), which sell out during the
run: "sold out" counts those refusals (the shopper is told which line is short), apart from
errors. The order e-mail is queued on commit, as in production.

- *service*: one process per client, each with its own database connection, calling
  `orders.services.order_place` (what the checkout and the API call);
- *http*: client threads POSTing `/api/v1/orders/` with API tokens to gunicorn (3 sync
  workers, `bench/settings.py`) on the same database.

Latencies (ms) are those of placed orders. After each run the bench checks that no stock
record holds more than its stock, no cap is exceeded, and that what is allocated equals the
quantities of the orders placed. {verdict}

| path | clients | orders placed | orders/s | sold out | errors | p50 | p95 | stock check |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{table}
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
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_ORDERS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--http", action="store_true",
                        help="also POST /api/v1/orders/ to gunicorn started on the bench db")
    parser.add_argument("--http-url", help="POST to a server already running on this database")
    parser.add_argument("--no-service", action="store_true", help="skip the service path")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)

    if not args.database_url.startswith("postgres"):
        raise SystemExit("order placement is measured on PostgreSQL (--database-url)")
    VAR.mkdir(parents=True, exist_ok=True)
    env = bench_env(args.database_url)
    print(f"==> Database {urlsplit(args.database_url).path.lstrip('/')}: create, migrate")
    ensure_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT,
                   env=env, check=True)
    setup_django(env)
    meta = {"date": dt.date.today().isoformat(), "cores": os.cpu_count(),
            "python": platform.python_version(), "database": database_version(),
            "duration": args.duration, "load": os.getloadavg()[0]}
    runs = {}
    if not args.no_service:
        print(f"==> service path: {args.concurrency} processes for {args.duration:.0f} s")
        plan = prepare()
        runs["service (`order_place`)"] = run_service(
            env, plan, duration=args.duration, concurrency=args.concurrency)
        runs["service (`order_place`)"]["stock"] = check_stock(plan)
    if args.http or args.http_url:
        plan = prepare()
        server = None
        base = args.http_url
        if not base:
            (VAR / "static").mkdir(exist_ok=True)
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                           cwd=ROOT, env=env, check=True)
            server, base = start_gunicorn(env)
        print(f"==> http path: {args.concurrency} clients to {base} for {args.duration:.0f} s")
        try:
            run = run_http(base, plan, duration=args.duration, concurrency=args.concurrency)
        finally:
            if server:
                server.terminate()
                server.wait(timeout=30)
        if "skipped" not in run:
            run["stock"] = check_stock(plan)
        runs["http (`POST /api/v1/orders/`, gunicorn)"] = run
    purge_queue()
    failed = False
    for name, run in runs.items():
        if "skipped" in run:
            print(f"{name}: skipped ({run['skipped']})")
            continue
        print(f"{name}: {run['placed']} placed in {run['seconds']} s = "
              f"{run['orders_per_s']:.1f} orders/s, {run['sold_out']} sold out, "
              f"{run['errors']} errors, p50 {run['p50_ms']:.0f} ms, p95 {run['p95_ms']:.0f} ms, "
              f"max {run['max_ms']:.0f} ms")
        for sample in run["error_samples"]:
            print(f"   error: {sample}")
        print(f"   stock check: {run['stock']}")
        verdict = "met" if run["orders_per_s"] >= TARGET else "NOT met (a busy machine?)"
        print(f"   target {TARGET:.0f} orders/s: {verdict}")
        # Errors and oversell fail the run; a speed short of the target is reported, not failed.
        failed |= bool(run["errors"]) or not run["stock"]["ok"]
    (VAR / "order_placement.json").write_text(json.dumps({"meta": meta, "runs": runs},
                                                         indent=2, default=str))
    if args.write:
        write_docs(report_section(runs, meta))
        print("==> docs/performance.md updated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
