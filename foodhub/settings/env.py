"""Read settings from the environment, failing with one clear line per bad value."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured


class EnvError(ImproperlyConfigured):
    """A missing or malformed environment variable; the message names it and what is expected."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise EnvError(f"{name} is not set: it is required here.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean: expected one of 1/0, true/false, yes/no.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={value!r} is too small: expected {minimum} or more.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or CIDR networks (e.g. "10.0.0.2,172.18.0.0/16")."""
    entries = env_list(name, [])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise EnvError(
                f"{name}: {entry!r} is not an IP address or network (e.g. 10.0.0.2 or 10.0.0.0/8)."
            ) from None
    return entries


_DB_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}


def env_database(name: str, default: str) -> dict:
    """Parse a database URL; only SQLite and PostgreSQL are supported."""
    import dj_database_url

    url = env_str(name, default)
    scheme = urlparse(url).scheme
    if scheme not in _DB_SCHEMES:
        raise EnvError(
            f"{name}={url!r} is not a supported database URL: expected "
            "postgres://USER@HOST:PORT/NAME or sqlite:///PATH."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60 if scheme != "sqlite" else 0)
    except ValueError as exc:
        raise EnvError(f"{name}={url!r} could not be parsed: {exc}.") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise EnvError(f"{name}={url!r} names no database: expected .../DATABASE_NAME.")
    return config


_BROKER_SCHEMES = {"redis", "rediss", "amqp", "pyamqp", "memory", "filesystem"}


def env_broker(name: str, default: str) -> str:
    url = env_str(name, default)
    scheme = urlparse(url).scheme
    if scheme not in _BROKER_SCHEMES:
        raise EnvError(
            f"{name}={url!r} is not a supported broker URL: expected redis://HOST:PORT/DB, "
            "amqp://..., memory:// or filesystem://."
        )
    return url


def env_url(name: str, default: str) -> str:
    """An http(s) address without a trailing slash, e.g. the site's own for links in e-mails."""
    url = env_str(name, default).rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or parsed.path:
        raise EnvError(
            f"{name}={url!r} is not a site address: expected https://HOST or http://HOST:PORT."
        )
    return url
