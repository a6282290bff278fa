"""Benchmarks: median server latency of a trivial view and the home page on gunicorn.

Runs against its own database under var/bench/ (or DATABASE_URL), with the demo data plus a
generated 5,000-product catalogue, and rewrites docs/performance.md with the figures.
Usage: make bench   (BENCH_REQUESTS=300 by default)
"""

from __future__ import annotations

import datetime as dt
import http.client
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
        DJANGO_SETTINGS_MODULE="foodhub.settings.production",
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


def prepare(env: dict) -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--no-input", "-v0", env=env)
    manage("collectstatic", "--no-input", "-v0", env=env)
    manage("foodhub_demo", "--quiet-roster", env=env)
    code = (
        "import django; django.setup(); from bench.generate import generate; "
        "print(generate(producers=50, products_per_producer=100))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(port: int, path: str) -> dict:
    timings = []
    for index in range(WARMUP + REQUESTS):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
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
    print("==> Preparing the bench database (demo data + 5,000 generated products)")
    prepare(env)
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
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
    write_report(results)
    for name, figures in results.items():
        print(f"{name:<55} median {figures['median']:6.1f} ms   p95 {figures['p95']:6.1f} ms")
    return 0


def write_report(results: dict) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    database = "PostgreSQL" if on_postgres else "SQLite"
    rows = "\n".join(
        f"| {name} | {f['median']:.1f} | {f['p95']:.1f} | {f['n']} |" for name, f in results.items()
    )
    report = f"""# Performance

Figures written by `make bench` (`bench/run.py`); targets live here, never as timed assertions
in the test suite. Re-run after any change that touches a hot path and commit the new figures.

## Foundation: the floor (last run {dt.date.today().isoformat()})

Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {database}, gunicorn with
2 sync workers on 127.0.0.1, production settings, sequential requests (one connection each),
{WARMUP} warm-up requests then {REQUESTS} measured. Data: the demo (8 producers, 67 products,
2 hubs) plus 5,000 generated products from 50 producers (`bench/generate.py`).

| page | median (ms) | p95 (ms) | requests |
| --- | ---: | ---: | ---: |
{rows}

The trivial view is the floor later benchmarks are compared to: the cost of Django, the
middleware stack and gunicorn with no database work. The home page runs a constant number of
queries whatever the catalogue size (asserted in tests by query counts, not timings).
"""
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "performance.md").write_text(report)


if __name__ == "__main__":
    sys.exit(main())
