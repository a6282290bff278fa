#!/usr/bin/env bash
# Serve the demo: web server, Celery worker and beat on the embedded defaults
# (SQLite file and kombu's filesystem broker under var/). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=foodhub.settings.dev
BIN=.venv/bin
# PORT=8080 make demo serves on another port; links in e-mails follow it (FOODHUB_BASE_URL).
export PORT="${PORT:-8000}"
mkdir -p var/log

echo "==> Migrating the database (first run takes about 30 s)"
$BIN/python manage.py migrate --no-input -v0
echo "==> Loading demo data"
$BIN/python manage.py foodhub_demo

pids=()
cleanup() {
    trap - INT TERM EXIT
    echo
    echo "==> Stopping web server, worker and beat"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$BIN/celery -A foodhub worker --pool=solo --loglevel=WARNING >var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A foodhub beat --loglevel=WARNING --schedule var/celerybeat-schedule >var/log/beat.log 2>&1 &
pids+=($!)
$BIN/python manage.py runserver "127.0.0.1:${PORT}" --noreload >var/log/web.log 2>&1 &
pids+=($!)

for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
echo
echo "Foodhub is running on http://127.0.0.1:${PORT}  (worker and beat logs in var/log/)"
echo "  storefront  http://127.0.0.1:${PORT}/          a hub  http://127.0.0.1:${PORT}/panier-de-belleville/  (its shop: .../shop/)"
echo "  pages admin http://127.0.0.1:${PORT}/cms/      API   http://127.0.0.1:${PORT}/api/docs/"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
