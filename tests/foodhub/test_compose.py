"""No Docker engine runs here: the compose file is checked by parsing it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_commands():
    services = load()["services"]
    assert set(services) >= {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:")


def test_health_checks_everywhere():
    services = load()["services"]
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name


def test_environment_names_match_settings():
    services = load()["services"]
    env = services["web"]["environment"]
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS",
                "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT"):
        assert key in env, key
    assert env["DJANGO_SETTINGS_MODULE"] == "foodhub.settings.production"
    assert services["worker"]["environment"]["DATABASE_URL"] == env["DATABASE_URL"]


def test_media_volume_shared_by_web_and_worker():
    compose = load()
    services = compose["services"]

    def mounts(name):
        return {v.split(":")[0]: v.split(":")[1] for v in services[name]["volumes"]}

    assert mounts("web")["media"] == mounts("worker")["media"]
    assert "media" in compose["volumes"] and "pgdata" in compose["volumes"]
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"])


def test_dockerfile_installs_system_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"):
        assert package in dockerfile
    assert "constraints.txt" in dockerfile


def test_postgres_password_is_required_with_no_default():
    """Compose stops with a message when POSTGRES_PASSWORD is unset: no well-known password."""
    services = load()["services"]
    required = "${POSTGRES_PASSWORD:?"
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith(required)
    for name in ("web", "worker", "beat"):
        assert required in services[name]["environment"]["DATABASE_URL"], name
    text = (ROOT / "docker-compose.yml").read_text()
    assert "POSTGRES_PASSWORD:-" not in text
    assert "POSTGRES_PASSWORD=\n" in (ROOT / ".env.example").read_text()


def test_private_files_are_shared_by_web_and_worker_and_never_proxied():
    """The worker checks and imports the files the web process stored (PRIVATE_ROOT); only
    public media is mounted in the proxy that serves /media/ (issue 8, finding 3)."""
    compose = load()
    services = compose["services"]

    def mounts(name):
        return {v.split(":")[0]: v.split(":")[1] for v in services[name].get("volumes", [])}

    env = services["web"]["environment"]
    assert env["PRIVATE_ROOT"] == mounts("web")["private"] == mounts("worker")["private"]
    assert env["PRIVATE_ROOT"] != env["MEDIA_ROOT"]
    assert "private" in compose["volumes"]
    proxy = services["proxy"]
    assert mounts("proxy")["media"] == env["MEDIA_ROOT"]
    assert all(v.endswith(":ro") for v in proxy["volumes"])
    assert "private" not in mounts("proxy")
    assert "ports" not in services["web"] and proxy["ports"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert f"alias {env['MEDIA_ROOT']}/;" in conf and "private" not in conf.split("upstream")[1]
    assert "proxy_pass http://foodhub_web;" in conf


def test_dockerfile_copies_every_package():
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert f"COPY {package} ./{package}" in dockerfile, package
