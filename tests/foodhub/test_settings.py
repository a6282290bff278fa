"""Wrong or missing environment values stop start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from foodhub.settings.env import EnvError, env_bool, env_broker, env_database

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_bad_database_url_fails_with_one_line():
    result = run_manage("check", DATABASE_URL="mysql://nope/db")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0] and "postgres://" in lines[0]


def test_production_refuses_to_start_without_secret_key():
    env = {"DJANGO_SETTINGS_MODULE": "foodhub.settings.production", "SECRET_KEY": ""}
    result = run_manage("check", **env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "foodhub: configuration error: SECRET_KEY is not set: it is required here."
    )


def test_production_refuses_debug():
    env = {
        "DJANGO_SETTINGS_MODULE": "foodhub.settings.production",
        "SECRET_KEY": "x" * 60,
        "DEBUG": "1",
    }
    result = run_manage("check", **env)
    assert result.returncode == 2
    assert "DEBUG" in result.stderr and "Traceback" not in result.stderr


def test_production_check_deploy_is_clean():
    env = {
        "DJANGO_SETTINGS_MODULE": "foodhub.settings.production",
        "SECRET_KEY": "k3y-" + "a1b2c3d4e5" * 6,
        "ALLOWED_HOSTS": "foodhub.example.org",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(EnvError, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


def test_env_database_parses_postgres_and_sqlite(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/foodhub")
    config = env_database("DATABASE_URL", "sqlite:///x.db")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "foodhub"
    monkeypatch.delenv("DATABASE_URL")
    assert env_database("DATABASE_URL", "sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"


def test_env_database_requires_a_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    with pytest.raises(EnvError, match="names no database"):
        env_database("DATABASE_URL", "sqlite:///x.db")


def test_env_broker_rejects_unknown_scheme(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "kafka://localhost")
    with pytest.raises(EnvError, match="CELERY_BROKER_URL"):
        env_broker("CELERY_BROKER_URL", "filesystem://")
