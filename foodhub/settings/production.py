"""Production: every secret from the environment, refuses to start when unsafe."""

from .base import *  # noqa: F403
from .env import EnvError, env_bool, env_int, env_str

SECRET_KEY = env_str("SECRET_KEY", required=True)
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise EnvError("SECRET_KEY is too weak: expected a random string of at least 50 characters.")
if env_bool("DEBUG", False):
    raise EnvError("DEBUG is on: production settings refuse to start with DEBUG=1.")
DEBUG = False

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
