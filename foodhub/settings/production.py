"""Production: every secret from the environment, refuses to start when unsafe.

No embedded fallback here: a missing DATABASE_URL or CELERY_BROKER_URL must stop start-up, not
quietly put orders in a SQLite file and tasks in folders that no other machine reads.
"""

from urllib.parse import urlparse

from .base import *  # noqa: F403
from .env import EnvError, env_bool, env_int, env_str, env_url

SECRET_KEY = env_str("SECRET_KEY", required=True)
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise EnvError("SECRET_KEY is too weak: expected a random string of at least 50 characters.")
if env_bool("DEBUG", False):
    raise EnvError("DEBUG is on: production settings refuse to start with DEBUG=1.")
DEBUG = False

if not env_str("DATABASE_URL"):
    raise EnvError(
        "DATABASE_URL is not set: production needs PostgreSQL "
        "(postgres://USER:PASSWORD@HOST:PORT/NAME)."
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    raise EnvError(
        "DATABASE_URL points at SQLite: production needs PostgreSQL "
        "(postgres://USER:PASSWORD@HOST:PORT/NAME)."
    )
if not env_str("CELERY_BROKER_URL"):
    raise EnvError("CELERY_BROKER_URL is not set: production needs redis://HOST:PORT/DB.")
if urlparse(CELERY_BROKER_URL).scheme in {"filesystem", "memory"}:  # noqa: F405
    raise EnvError(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r} only works on one machine: "  # noqa: F405
        "production needs redis://HOST:PORT/DB (or amqp://)."
    )

# Links in e-mails: the site's public address, by default the first allowed host over HTTPS.
_site_host = ALLOWED_HOSTS[0] if ALLOWED_HOSTS else ""  # noqa: F405
if not env_str("FOODHUB_BASE_URL") and (not _site_host or _site_host[0] in ".*"):
    raise EnvError(
        "FOODHUB_BASE_URL is not set and ALLOWED_HOSTS does not start with the site's host: "
        "set FOODHUB_BASE_URL=https://HOST (the address in links sent by e-mail)."
    )
FOODHUB_BASE_URL = env_url("FOODHUB_BASE_URL", f"https://{_site_host}")
WAGTAILADMIN_BASE_URL = FOODHUB_BASE_URL

# Static files: WhiteNoise (MIDDLEWARE) serves the manifest storage's hashed, compressed files
# collected into STATIC_ROOT at image build; a proxy may serve STATIC_ROOT under /static/ instead.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live page preview is a same-origin frame, so DENY would break the editor.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
