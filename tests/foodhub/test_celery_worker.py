"""A task round-trips through a real Celery worker process on the configured broker.

On the default pass the broker is kombu's filesystem transport; in CI's second pass it is
Redis. The worker shares the test database, so it runs the real welcome-email task.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cms.tasks import send_welcome_email
from foodhub.celery import app as celery_app
from tests.producers.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{params['USER']}@{host}:{port}/{params['NAME']}"


@pytest.fixture
def worker(tmp_path):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="foodhub.settings.test",
        CELERY_TASK_ALWAYS_EAGER="0",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "foodhub", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield process, tmp_path / "mail"
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_welcome_email_round_trips_through_a_worker(worker, monkeypatch):
    process, mail_dir = worker
    user = UserFactory(email="worker@example.com")
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    send_welcome_email.delay(user.pk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if mail_dir.exists() and any(mail_dir.iterdir()):
            break
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{process.stdout.read()}")
        time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail(f"no e-mail from the worker within 60 s:\n{process.communicate()[0][-3000:]}")
    sent = "".join(path.read_text() for path in mail_dir.iterdir())
    assert "To: worker@example.com" in sent
    assert "Subject: Welcome to Foodhub" in sent
    # The worker sends inside its transaction, so the file can appear just before the commit.
    from cms.models import WelcomeEmail

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if WelcomeEmail.objects.filter(user=user, sent_at__isnull=False).exists():
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker sent the e-mail but never recorded it as sent")
