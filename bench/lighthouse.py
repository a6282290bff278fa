"""Lighthouse on the shopper pages, written to the "Lighthouse" section of docs/performance.md.

Lighthouse (npm `lighthouse`, pinned in bench/node/package-lock.json and installed there by
`npm ci` when missing; Lighthouse 12 runs on Node 18.20+) drives Debian's Chromium with its
default mobile settings: a 412 px wide phone, simulated slow 4G and a 4x slower processor.
The site runs as `bench/run.py` runs it (gunicorn, `bench/settings.py`: DEBUG off, hashed and
compressed static files) on its own database under var/bench/ with the demo data, media served
as the proxy serves them (`bench/wsgi.py`). Each page is measured LIGHTHOUSE_RUNS times (3 by
default); the run with the median performance score is reported.

Targets (issue 9): performance >= 90 and accessibility >= 95 on the hub storefront and shop.
To measure another page, add it to PAGES; a path may name a {placeholder} of TARGETS.
Usage: make bench (after bench/run.py), or python bench/lighthouse.py alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, bench/ alone is on the path

from bench.run import VAR, bench_env, free_port, manage  # noqa: E402

NODE_DIR = ROOT / "bench" / "node"
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
REPORTS = VAR / "lighthouse"
CHROME = os.environ.get("CHROME_PATH") or os.environ.get("FOODHUB_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
SECTION = "## Lighthouse"
REPORT = ROOT / "docs" / "performance.md"

# (name, path): what the table calls the page, and its path (may name {placeholders}).
PAGES = [
    ("home (/)", "/"),
    ("product page (/shop/catalogue/<slug>/)", "{product}"),
    # Oscar's platform-wide catalogue (issue 9: 81 and 91) now redirects (to the basket's
    # shop, or home): the hub's shop below replaces it.
    ("hub storefront (/<hub-slug>/)", "/{hub}/"),
    ("shop (/<hub-slug>/shop/)", "/{hub}/shop/"),
]

# Slugs and paths of the demo data that PAGES may name, printed by a Django process.
TARGETS = """
import django, json
django.setup()
from hubs.models import CycleStatus, OrderCycle
cycle = OrderCycle.objects.in_status(CycleStatus.OPEN).filter(hub__slug="panier-de-belleville")[0]
offer = cycle.offers.select_related("stockrecord__product__parent").order_by("pk")[0]
variant = offer.stockrecord.product
print(json.dumps({"hub": cycle.hub.slug, "cycle": cycle.pk,
                  "product": (variant.parent or variant).get_absolute_url(),
                  "variant": variant.get_absolute_url()}))
"""


def ensure_lighthouse() -> None:
    node = shutil.which("node")
    if not node or not shutil.which("npm"):
        raise SystemExit("Lighthouse needs Node.js 18.20+ and npm (apt-get install nodejs npm).")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    major = int(re.match(r"v(\d+)", version).group(1))
    if major < 18:
        raise SystemExit(f"Lighthouse 12 needs Node.js 18.20 or newer (found {version.strip()}).")
    if not Path(CHROME).exists():
        raise SystemExit(f"Chromium not found at {CHROME} (apt-get install chromium).")
    if not LIGHTHOUSE.exists():
        print("==> Installing Lighthouse into bench/node/ (npm ci, from package-lock.json)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_DIR, check=True)


def prepare(env: dict) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--no-input", "-v0", env=env)
    manage("collectstatic", "--no-input", "-v0", env=env)
    manage("foodhub_demo", "--quiet-roster", env=env)
    out = subprocess.run([sys.executable, "-c", TARGETS], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


def lighthouse(url: str, output: Path) -> dict:
    """One Lighthouse run (mobile defaults); the figures the report keeps."""
    env = dict(os.environ, CHROME_PATH=CHROME)
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
         "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}"],
        cwd=NODE_DIR, env=env, check=True, timeout=300,
    )
    return figures(json.loads(output.read_text()))


def figures(data: dict) -> dict:
    """What the report keeps of one Lighthouse result."""
    audits = data["audits"]
    accessibility = {ref["id"] for ref in data["categories"]["accessibility"]["auditRefs"]}
    failed = sorted(key for key in accessibility if audits[key].get("score") == 0)
    return {
        "performance": round(data["categories"]["performance"]["score"] * 100),
        "accessibility": round(data["categories"]["accessibility"]["score"] * 100),
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "weight": audits["total-byte-weight"]["numericValue"] / 1024,
        "failed": failed,
    }


def measure(base: str, targets: dict) -> dict:
    REPORTS.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, path in PAGES:
        url = base + path.format(**targets)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
        lighthouse(url, REPORTS / "warm-up.json")  # first render makes thumbnails, fills caches
        runs = [lighthouse(url, REPORTS / f"{slug}-{index}.json") for index in range(RUNS)]
        runs.sort(key=lambda run: run["performance"])
        median = runs[len(runs) // 2]
        median["performances"] = [run["performance"] for run in runs]
        median["path"] = path.format(**targets)
        results[name] = median
        print(f"{name:<48} performance {median['performance']:3d} "
              f"(runs {'/'.join(map(str, median['performances']))})  accessibility "
              f"{median['accessibility']:3d}  LCP {median['lcp']:.1f} s")
    return results


def section(results: dict) -> str:
    rows = "\n".join(
        f"| {name} | {r['performance']} ({'/'.join(map(str, r['performances']))}) | "
        f"{r['accessibility']} | {r['lcp']:.1f} s | {r['fcp']:.1f} s | {r['tbt']:.0f} ms | "
        f"{r['cls']:.3f} | {r['weight']:.0f} KB |"
        for name, r in results.items()
    )
    failed = "; ".join(
        f"{name.split(' (')[0]}: {', '.join(r['failed'])}" for name, r in results.items()
        if r["failed"]
    )
    versions = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]
    chromium = subprocess.run([CHROME, "--version"], capture_output=True, text=True).stdout
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    return f"""{SECTION} (last run {dt.date.today().isoformat()})

Written by `bench/lighthouse.py` (`make bench`): Lighthouse {versions['lighthouse']} with its
default mobile settings (a phone 412 px wide, simulated slow 4G: 150 ms round trips and
1.6 Mbit/s, a processor 4x slower). The site as `bench/run.py` serves it (gunicorn, DEBUG off,
hashed and compressed static files, media served with a 7-day cache as by the proxy), the
demo data, no one signed in. Each page loaded once to warm up, then
measured {RUNS} times: the run with the median performance score is shown (all runs' scores in
brackets). Targets (issue 9): on the hub storefront and the shop, performance ≥ 90 and
accessibility ≥ 95. Machine: {os.cpu_count()} cores, {chromium.strip() or 'Chromium'},
Node {node.strip()}, Python {platform.python_version()}.

| page | performance | accessibility | LCP | FCP | TBT | CLS | bytes |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{rows}

Failed accessibility audits: {failed or 'none'}. The full reports are in
var/bench/lighthouse/ after a run. The axe-core browser test
(`tests/browser/test_accessibility.py`) checks the shopper pages at 1280 and 360 px on every
test run.
"""


def _section_end(text: str, start: int) -> int:
    """Where the section starting at `start` ends: the next heading or the next marked
    section of another bench (<!-- name:begin -->), -1 at the end of the file."""
    ends = [i for i in (text.find("\n## ", start + 1), text.find("\n<!-- ", start + 1)) if i >= 0]
    return min(ends) if ends else -1


def replace_section(text: str, new: str) -> str:
    """`text` with its Lighthouse section (up to the next "## " heading) replaced by `new`,
    or `new` appended when it has none."""
    start = text.find(f"\n{SECTION}")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + new
    end = _section_end(text, start)
    rest = text[end:] if end >= 0 else ""
    return text[:start].rstrip("\n") + "\n\n" + new.rstrip("\n") + "\n" + rest


def existing_section(text: str) -> str:
    """The Lighthouse section of `text` ("" if none), for bench/run.py to keep when it rewrites
    the rest of docs/performance.md."""
    start = text.find(f"\n{SECTION}")
    if start < 0:
        return ""
    end = _section_end(text, start)
    return text[start + 1: end if end >= 0 else len(text)].rstrip("\n") + "\n"


def main() -> int:
    ensure_lighthouse()
    env = bench_env()
    print("==> Preparing the bench database (demo data)")
    targets = prepare(env)
    port = free_port()
    server = start_server(env, port)
    try:
        print(f"==> Lighthouse, mobile, {RUNS} runs per page")
        results = measure(f"http://127.0.0.1:{port}", targets)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = REPORT.read_text() if REPORT.exists() else "# Performance\n"
    REPORT.write_text(replace_section(text, section(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
