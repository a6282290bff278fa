"""The Celery application. Tasks live in each domain package's tasks.py."""

import os

from celery import Celery

# Like WSGI: a worker started with no settings module is a production worker, and refuses to
# start without its database and broker rather than quietly using the demo's SQLite file.
# The demo (scripts/demo.sh) and the tests name their settings module.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodhub.settings.production")

app = Celery("foodhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _check_environment(sender, **kwargs):
    # Settings load here for a worker or beat: a bad variable ends it with one line.
    from foodhub.startup import check_environment

    check_environment()


@app.on_after_configure.connect
def _ensure_filesystem_broker_folders(sender, **kwargs):
    # kombu's filesystem transport fails on missing folders; create them before first use.
    from pathlib import Path

    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
