"""Settings shared by every environment; values that differ per machine come from it."""

import datetime as dt
from pathlib import Path

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403 - Oscar's documented way to load its defaults

from .env import (
    env_bool,
    env_broker,
    env_database,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("FOODHUB_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Our domain apps come first so their templates and commands take precedence.
    "foodhub",
    "teams",
    "producers",
    "hubs",
    "orders",
    "cms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # Oscar, with our forks in the package that owns each concept.
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "orders.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "producers.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "producers.partner.apps.PartnerConfig",
    "orders.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "orders.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    "simple_history",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # API (tokens are foodhub.ApiToken, not DRF's authtoken)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Login lock-outs
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the session, the path or the query from the database.
    "foodhub.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "orders.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes documents: turns a lock-out flagged during the request into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "foodhub.urls"
WSGI_APPLICATION = "foodhub.wsgi.application"

TEMPLATE_DIRS = [BASE_DIR / "foodhub" / "templates"]


def _loaders(kind: str) -> list:
    """Cached loaders of one kind of template (see foodhub/template_loaders.py)."""
    return [(
        "django.template.loaders.cached.Loader",
        [f"foodhub.template_loaders.{kind}FilesystemLoader",
         f"foodhub.template_loaders.{kind}AppDirectoriesLoader"],
    )]


TEMPLATES = [
    {
        # First: the default engine for template strings and everything but *.txt.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": TEMPLATE_DIRS,
        "OPTIONS": {
            "loaders": _loaders("Html"),
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "foodhub.context_processors.navigation",
                "orders.context_processors.mini_basket",
            ],
        },
    },
    {
        # Plain-text templates (*.txt: e-mails, ours, Oscar's and Wagtail's): no HTML escaping.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "text",
        "DIRS": TEMPLATE_DIRS,
        "OPTIONS": {"loaders": _loaders("Text"), "autoescape": False},
    },
]

# --- Database ----------------------------------------------------------------------------
SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'foodhub.sqlite3'}"
DATABASES = {"default": env_database("DATABASE_URL", SQLITE_DEFAULT)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A web server, a Celery worker and beat share one file: WAL, a busy timeout and
    # IMMEDIATE transactions keep them from failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out accounts and addresses before any password is checked.
    "foodhub.login_throttle.LoginThrottleBackend",
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's default /accounts/login/ would fall into Wagtail's catch-all.
LOGIN_URL = reverse_lazy("customer:login")
LOGIN_REDIRECT_URL = reverse_lazy("role-home")

# --- Login lock-outs (django-axes, foodhub/login_throttle.py) and the client's address --------
# Addresses (IPs or CIDRs) of the reverse proxies in front of the site: X-Forwarded-For is
# believed only from them. Behind a proxy, leave it empty and every client has its address.
FOODHUB_TRUSTED_PROXIES = env_networks("FOODHUB_TRUSTED_PROXIES")
FOODHUB_LOGIN_COOLOFF_MINUTES = env_int("FOODHUB_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = env_int("FOODHUB_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=FOODHUB_LOGIN_COOLOFF_MINUTES)
# Either one locks: an account tried from many addresses, an address trying many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "foodhub.login_throttle.account_key"
AXES_CLIENT_IP_CALLABLE = "foodhub.login_throttle.client_address"
AXES_LOCKOUT_CALLABLE = "foodhub.login_throttle.lockout_response"
AXES_HANDLER = "foodhub.login_throttle.LoginAttemptHandler"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lock-out are refused without extending it: the owner gets in after it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No record of successful logins (IP addresses kept for ever); failures expire with the lock.
AXES_DISABLE_ACCESS_LOG = True
# Masked in the failure records and logs (Oscar's login and registration fields are prefixed).
AXES_SENSITIVE_PARAMETERS = [
    "username", "ip_address", "email", "login-username", "login-password",
    "registration-email", "registration-password1", "registration-password2",
]

# --- API tokens (foodhub.ApiToken) ----------------------------------------------------------
FOODHUB_API_TOKEN_TTL_HOURS = env_int("FOODHUB_API_TOKEN_TTL_HOURS", 720, minimum=1)

# --- Team invitations (teams.Invitation): the e-mailed link works this many days -------------
FOODHUB_TEAM_INVITATION_TTL_DAYS = env_int("FOODHUB_TEAM_INVITATION_TTL_DAYS", 14, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("FOODHUB_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("FOODHUB_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# English dates day first on a 24-hour clock (foodhub/formats/en); French keeps Django's.
FORMAT_MODULE_PATH = ["foodhub.formats"]
FOODHUB_DEFAULT_CURRENCY = env_str("FOODHUB_CURRENCY", "EUR")
OSCAR_DEFAULT_CURRENCY = FOODHUB_DEFAULT_CURRENCY

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "foodhub" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Files no one should download by URL (e.g. a photo kept while a form is corrected).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(env_str("PRIVATE_ROOT", str(VAR_DIR / "private")))},
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Foodhub <noreply@foodhub.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache --------------------------------------------------------------------------------
# Shared by the web server and the worker (import progress bars): Redis when the broker is
# Redis, else files under var/ so the embedded demo needs no server.
CACHE_URL = env_str("CACHE_URL", "")
if not CACHE_URL and env_str("CELERY_BROKER_URL", "").startswith("redis"):
    CACHE_URL = env_str("CELERY_BROKER_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# --- Celery ----------------------------------------------------------------------------------
# Default: kombu's filesystem transport, so a real worker and beat run with no broker server.
# Every folder it writes is named, under var/: left out, kombu writes "control/" into the
# current directory (the repository root).
CELERY_BROKER_URL = env_broker("CELERY_BROKER_URL", "filesystem://")


def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport options with all its folders under `folder`."""
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


CELERY_BROKER_TRANSPORT_OPTIONS = (
    filesystem_broker_options(VAR_DIR / "broker")
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "close-due-order-cycles": {"task": "hubs.close_due_order_cycles", "schedule": 60},
    "notify-opened-order-cycles": {"task": "hubs.notify_opened_order_cycles", "schedule": 60},
    "resume-stale-processing": {"task": "orders.resume_stale_processing", "schedule": 300},
    "clear-expired-sessions": {
        "task": "foodhub.tasks.clear_expired_sessions",
        "schedule": 60 * 60 * 6,
    },
    "delete-expired-api-tokens": {
        "task": "foodhub.tasks.delete_expired_api_tokens",
        "schedule": 60 * 60 * 6,
    },
}

# --- Oscar -----------------------------------------------------------------------------------
OSCAR_SHOP_NAME = "Foodhub"
OSCAR_SHOP_TAGLINE = _("Short food circuits")
# Shoppers start from the hubs (the platform-wide catalogue index sends them there too).
OSCAR_HOMEPAGE = "/"
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
# Our welcome e-mail goes through Celery instead of Oscar's synchronous one.
OSCAR_SEND_REGISTRATION_EMAIL = False
# Guest checkout is a per-hub setting (Hub.guest_checkout), checked by orders.checkout.
OSCAR_ALLOW_ANON_CHECKOUT = True
# Order statuses (codes; orders.transitions is the only writer, labels in orders.order.status).
OSCAR_INITIAL_ORDER_STATUS = "placed"
OSCAR_INITIAL_LINE_STATUS = "placed"
OSCAR_ORDER_STATUS_PIPELINE = {
    "placed": ("amended", "cancelled", "processed"),
    "amended": ("amended", "cancelled", "processed"),
    "cancelled": (),
    "processed": ("collected",),
    # Back to processed when a manager un-ticks "collected" on the pickup sheet.
    "collected": ("processed",),
}
OSCAR_LINE_STATUS_PIPELINE = {
    "placed": ("cancelled", "processed"),
    "cancelled": (),
    "processed": ("collected",),
    "collected": (),
}
# Stock alerts go out from a periodic job, not on every stock record save (bulk imports).
OSCAR_EAGER_ALERTS = False
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
# The simple engine needs no realtime index updates (they only warn on every product save).
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
SITE_ID = 1

# --- Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Foodhub"
# The site's address in links that leave it (e-mails): the demo serves on 127.0.0.1:$PORT.
FOODHUB_BASE_URL = env_url("FOODHUB_BASE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")
WAGTAILADMIN_BASE_URL = FOODHUB_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes unauthenticated calls 401, not 403.
        "foodhub.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "foodhub.api_schema.FoodhubAutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Foodhub API",
    "DESCRIPTION": "Producers, hubs and order cycles for short food circuits.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Only our API is documented; Wagtail's admin API lives under /cms/.
    "PREPROCESSING_HOOKS": ["foodhub.api.only_foodhub_endpoints"],
    # Choice sets used by more than one component keep one stable name.
    "ENUM_NAME_OVERRIDES": {
        "ImportStatusEnum": "producers.models.ProductImport.Status",
        "RelationshipStatusEnum": "hubs.models.HubProducer.Status",
        "FeeKindEnum": "hubs.models.CycleFee.Kind",
    },
}

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # Wagtail logs every page action and django-tasks every background task at INFO.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # Axes logs its start at INFO; failed logins and lock-outs (WARNING) still show.
        "axes": {"level": "WARNING"},
    },
}
