"""Wrong or missing environment values stop start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from foodhub.settings.env import EnvError, env_bool, env_broker, env_database

ROOT = Path(__file__).resolve().parents[2]


CONTROLLED = {
    "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "CACHE_URL", "PORT",
    "FOODHUB_BASE_URL", "FOODHUB_TRUSTED_PROXIES", "FOODHUB_LOGIN_FAILURE_LIMIT",
    "FOODHUB_LOGIN_COOLOFF_MINUTES", "FOODHUB_API_TOKEN_TTL_HOURS",
}
STRONG_KEY = "k3y-" + "a1b2c3d4e5" * 6
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "foodhub.settings.production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "foodhub.example.org",
    "DATABASE_URL": "postgres://foodhub:secret@db.example.org:5432/foodhub",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "FOODHUB_TRUSTED_PROXIES": "172.18.0.0/16",
}


def run(command, *, cwd=ROOT, **env):
    """Run a command with only the environment this test controls (CI's URLs removed)."""
    environment = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    environment.update(env)
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def run_manage(*args, **env):
    return run([sys.executable, "manage.py", *args], **env)


def production_without(*names, **overrides):
    env = {k: v for k, v in PRODUCTION.items() if k not in names}
    env.update(overrides)
    return env


def one_error_line(result):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("foodhub: configuration error: ")
    return lines[0]


def test_bad_database_url_fails_with_one_line():
    result = run_manage("check", DATABASE_URL="mysql://nope/db")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0] and "postgres://" in lines[0]


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", **production_without(SECRET_KEY=""))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "foodhub: configuration error: SECRET_KEY is not set: it is required here."
    )


def test_production_refuses_debug():
    result = run_manage("check", **production_without(DEBUG="1"))
    assert result.returncode == 2
    assert "DEBUG" in result.stderr and "Traceback" not in result.stderr


def test_production_check_deploy_is_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_database_url():
    line = one_error_line(run_manage("check", **production_without("DATABASE_URL")))
    assert "DATABASE_URL is not set: production needs PostgreSQL" in line


def test_production_refuses_sqlite():
    env = production_without(DATABASE_URL="sqlite:////tmp/foodhub.sqlite3")
    line = one_error_line(run_manage("check", **env))
    assert "DATABASE_URL points at SQLite" in line


def test_production_refuses_to_start_without_a_broker_url():
    line = one_error_line(run_manage("check", **production_without("CELERY_BROKER_URL")))
    assert "CELERY_BROKER_URL is not set: production needs redis://" in line


@pytest.mark.parametrize("url", ["filesystem://", "memory://"])
def test_production_refuses_a_single_machine_broker(url):
    line = one_error_line(run_manage("check", **production_without(CELERY_BROKER_URL=url)))
    assert f"CELERY_BROKER_URL='{url}' only works on one machine" in line


def test_production_serves_static_files_through_whitenoise():
    values = settings_values("MIDDLEWARE[1]", "STORAGES['staticfiles']['BACKEND']", **PRODUCTION)
    assert values == [
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_a_celery_worker_without_settings_is_a_production_worker():
    """No silent fallback to the demo's SQLite file: the worker stops, naming the variable."""
    result = run(
        [sys.executable, "-m", "celery", "-A", "foodhub", "report"],
        SECRET_KEY=STRONG_KEY, CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    line = one_error_line(result)
    assert "DATABASE_URL is not set" in line


def test_dockerfile_collects_static_files_with_production_settings():
    """The image build runs collectstatic under production settings: it must pass the guard."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    step = dockerfile.split("manage.py collectstatic")[0].rsplit("&&", 1)[1]
    env = dict(token.split("=", 1) for token in step.split() if "=" in token)
    env["DJANGO_SETTINGS_MODULE"] = "foodhub.settings.production"
    result = run_manage("check", **env)
    assert result.returncode == 0, result.stderr


def test_the_filesystem_broker_writes_only_under_var(tmp_path):
    """kombu's filesystem transport used to write control/ into the working directory."""
    send = (
        "import django; django.setup(); from foodhub.celery import app; "
        "app.send_task('foodhub.nothing')"
    )
    var = tmp_path / "var"
    result = run(
        [sys.executable, "-c", send], cwd=tmp_path,
        DJANGO_SETTINGS_MODULE="foodhub.settings.dev", FOODHUB_VAR_DIR=str(var),
        CELERY_BROKER_URL="filesystem://",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]
    assert (var / "broker" / "control" / "celery.exchange").exists()
    assert len(list((var / "broker" / "queue").iterdir())) == 1


def test_no_broker_files_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files", "control"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert tracked == ""
    assert "/control/" in (ROOT / ".gitignore").read_text().splitlines()


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


def settings_values(*names, **env):
    code = "from django.conf import settings; " + "; ".join(
        f"print(settings.{name})" for name in names
    )
    result = run([sys.executable, "-c", f"import django; django.setup(); {code}"], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_links_in_e_mails_follow_the_demo_port():
    values = settings_values("FOODHUB_BASE_URL", "WAGTAILADMIN_BASE_URL",
                             DJANGO_SETTINGS_MODULE="foodhub.settings.dev", PORT="8080")
    assert values == ["http://127.0.0.1:8080", "http://127.0.0.1:8080"]


def test_production_links_use_the_site_host_over_https():
    assert settings_values("FOODHUB_BASE_URL", **PRODUCTION) == ["https://foodhub.example.org"]
    env = production_without(FOODHUB_BASE_URL="https://www.foodhub.example.org/")
    assert settings_values("WAGTAILADMIN_BASE_URL", **env) == ["https://www.foodhub.example.org"]


def test_a_bad_site_address_fails_with_one_line():
    line = one_error_line(run_manage("check", FOODHUB_BASE_URL="127.0.0.1:8080"))
    assert "FOODHUB_BASE_URL='127.0.0.1:8080' is not a site address" in line
    line = one_error_line(run_manage("check", **production_without(ALLOWED_HOSTS=".example.org")))
    assert "set FOODHUB_BASE_URL=https://HOST" in line


def test_production_warns_when_no_proxy_is_trusted():
    result = run_manage("check", **production_without("FOODHUB_TRUSTED_PROXIES"))
    assert result.returncode == 0, result.stderr
    assert "foodhub.W001" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FOODHUB_TRUSTED_PROXIES", "10.0.0.1,proxy.local", "'proxy.local' is not an IP address"),
        ("FOODHUB_LOGIN_FAILURE_LIMIT", "0", "too small: expected 1 or more"),
        ("FOODHUB_LOGIN_COOLOFF_MINUTES", "soon", "is not an integer"),
        ("FOODHUB_API_TOKEN_TTL_HOURS", "-1", "too small: expected 1 or more"),
    ],
)
def test_bad_login_and_token_settings_fail_with_one_line(name, value, message):
    line = one_error_line(run_manage("check", **{name: value}))
    assert name in line and message in line


def test_login_and_token_settings_come_from_the_environment():
    values = settings_values(
        "FOODHUB_TRUSTED_PROXIES", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME.total_seconds()",
        "FOODHUB_API_TOKEN_TTL_HOURS",
        FOODHUB_TRUSTED_PROXIES="10.0.0.2, 172.18.0.0/16", FOODHUB_LOGIN_FAILURE_LIMIT="8",
        FOODHUB_LOGIN_COOLOFF_MINUTES="30", FOODHUB_API_TOKEN_TTL_HOURS="24",
        DJANGO_SETTINGS_MODULE="foodhub.settings.dev",
    )
    assert values == ["['10.0.0.2',", "'172.18.0.0/16']", "8", "1800.0", "24"]
