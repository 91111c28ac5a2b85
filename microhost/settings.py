"""Settings for microhost, all read from the environment (see README → Configuration)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded defaults keep their state: SQLite, the serverless broker, media, the secret key.
VAR_DIR = Path(os.environ.get("MICROHOST_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    """True for 1/true/yes/on, the usual spellings of a switch in the environment."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


# Development conveniences and tracebacks; never on in production.
DEBUG = env_flag("DEBUG")
# Production hardening: HTTPS-only secure cookies, SSL redirect, HSTS, hashed static files, strict key checks.
MICROHOST_PRODUCTION = env_flag("MICROHOST_PRODUCTION")
# Signs sessions, CSRF tokens and password-reset links.
SECRET_KEY = _secret_key()
# Old keys still accepted while rotating (comma-separated).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# The platform's base domain: signup/settings live on it, blogs on <username>.<domain>.
MICROHOST_DOMAIN = os.environ.get("MICROHOST_DOMAIN", "localhost").lower().strip(".")
# Scheme used in absolute URLs (u-url, feeds, emails); https in production, http otherwise.
MICROHOST_SCHEME = os.environ.get("MICROHOST_SCHEME", "https" if MICROHOST_PRODUCTION else "http")
# Port used in absolute URLs when the platform is not on 80/443 (`make run` sets 8000).
MICROHOST_PORT = os.environ.get("MICROHOST_PORT", "")
# Let the safe fetcher reach loopback/private addresses (tests and local development only).
MICROHOST_ALLOW_PRIVATE_ADDRESSES = env_flag("MICROHOST_ALLOW_PRIVATE_ADDRESSES")
# Outbound fetch limits: connect timeout, total deadline (seconds), body cap (bytes, after decoding).
MICROHOST_FETCH_CONNECT_TIMEOUT = float(os.environ.get("MICROHOST_FETCH_CONNECT_TIMEOUT", "5"))
MICROHOST_FETCH_TOTAL_TIMEOUT = float(os.environ.get("MICROHOST_FETCH_TOTAL_TIMEOUT", "15"))
MICROHOST_FETCH_MAX_BYTES = int(os.environ.get("MICROHOST_FETCH_MAX_BYTES", str(2 * 1024 * 1024)))
MICROHOST_FETCH_MAX_REDIRECTS = 5
# DNS server(s) used for custom-domain TXT checks, "host:port,…"; empty means the system resolver.
MICROHOST_DNS_NAMESERVERS = env_list("MICROHOST_DNS_NAMESERVERS")
# Port for the custom-domain HTTP proof (http://<domain>/.well-known/microhost-verify); 80 but in tests.
MICROHOST_DOMAIN_CHECK_PORT = int(os.environ.get("MICROHOST_DOMAIN_CHECK_PORT", "80"))
# Networks allowed to call the TLS "ask" endpoint (Caddy on-demand TLS); loopback by default.
MICROHOST_ASK_ALLOWED_NETWORKS = env_list("MICROHOST_ASK_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
# Delay before a new post's first syndicated copy goes out (seconds).
MICROHOST_SYNDICATION_DELAY_SECONDS = int(os.environ.get("MICROHOST_SYNDICATION_DELAY_SECONDS", "60"))
# Fernet key(s) for silo credentials at rest, comma-separated, newest first (rotation); never SECRET_KEY.
MICROHOST_ENCRYPTION_KEY = env_list("MICROHOST_ENCRYPTION_KEY")
# Upload limits for photos (bytes and pixels).
MICROHOST_MAX_UPLOAD_BYTES = int(os.environ.get("MICROHOST_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
MICROHOST_MAX_IMAGE_PIXELS = int(os.environ.get("MICROHOST_MAX_IMAGE_PIXELS", str(40_000_000)))
# Request budgets per token, "requests/seconds" (R38): Micropub calls and media uploads.
MICROHOST_RATE_MICROPUB = os.environ.get("MICROHOST_RATE_MICROPUB", "300/300")
MICROHOST_RATE_MEDIA = os.environ.get("MICROHOST_RATE_MEDIA", "30/1800")
# Posts per page on blog home, category and archive pages.
MICROHOST_PAGE_SIZE = int(os.environ.get("MICROHOST_PAGE_SIZE", "20"))

# Hosts are checked by microhost.hosts.HostRoutingMiddleware (platform, blog subdomains and
# verified custom domains are dynamic), so Django's own check lets everything through to it.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rest_framework",
    "microhost",
    "accounts",
    "posts",
    "webmention",
    "timeline",
    "syndication",
]

MIDDLEWARE = [
    "microhost.page_cache.PageCacheMiddleware",
    "microhost.hosts.HostRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "microhost.hosts.BlogVisitorsAreAnonymousMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "microhost.headers.SecurityHeadersMiddleware",
    "posts.middleware.BlogDiscoveryLinksMiddleware",
]

ROOT_URLCONF = "microhost.urls_platform"
BLOG_URLCONF = "microhost.urls_blog"
WSGI_APPLICATION = "microhost.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "microhost.context_processors.platform",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://… in production), SQLite under var/ by default.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'microhost.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, its per-request health check made without a round trip (microhost/postgresql).
    DATABASES["default"]["ENGINE"] = "microhost.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when configured, is broker, result backend and cache; otherwise everything is embedded.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "microhost.cache.ReusingRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Whole-page cache of public blog pages and feeds (microhost/page_cache.py). It needs a cache every
# web and worker process shares, so it is on by default only with Redis; "1"/"0" force it.
MICROHOST_PAGE_CACHE = os.environ.get("MICROHOST_PAGE_CACHE", "1" if REDIS_URL else "0") == "1"
# Each web process keeps the validators of the cached pages it served and answers their conditional
# GETs with no round trip, told of every change by Redis's key tracking (microhost/page_validators.py).
MICROHOST_PAGE_VALIDATORS = os.environ.get("MICROHOST_PAGE_VALIDATORS", "1") == "1"
# Seconds a cached page or a host's version lives without being read again or replaced.
MICROHOST_PAGE_CACHE_TTL = int(os.environ.get("MICROHOST_PAGE_CACHE_TTL", "600"))
# Seconds a cached page showing responses (a permalink) may run behind its responses while more keep
# coming: a burst of likes re-renders it about once a period, not after each (microhost/page_versions.py).
MICROHOST_RESPONSES_GRACE = float(os.environ.get("MICROHOST_RESPONSES_GRACE", "1"))
# The blog each host serves, cached (accounts/blog_cache.py): shared like the page cache, so on by
# default only with Redis. Separate from the page cache, so scenario 3's "uncached" app can render
# every page and still look up hosts as production does.
MICROHOST_HOST_CACHE = os.environ.get("MICROHOST_HOST_CACHE", "1" if REDIS_URL else "0") == "1"
# Each process remembers the host cache's answers while Redis's key tracking says they are current
# (accounts/blog_memory.py): a blog request's host lookup then costs no round trip. Only with Redis.
MICROHOST_HOST_MEMORY = os.environ.get("MICROHOST_HOST_MEMORY", "1") == "1"
# Received webmentions queue one draining verification job at a time, not one each
# (webmention/receive.drain_slot_free): the flag lives in the cache, so it needs one the web and
# worker processes share (Redis), as the page and host caches do.
WEBMENTION_COALESCE_JOBS = os.environ.get("WEBMENTION_COALESCE_JOBS", "1" if REDIS_URL else "0") == "1"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: username + email + password signup; login by username or email.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("MICROHOST_EMAIL_VERIFICATION", "optional")
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_USERNAME_MIN_LENGTH = 2
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = MICROHOST_SCHEME
# Budgets per IP/key (R37/R38); allauth answers 429 past them.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip,5/30m/ip" if not DEBUG else "20/m/ip",
    "reset_password": "20/m/ip,5/30m/key",
}
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# Email: console by default, a directory of files with EMAIL_FILE_PATH, SMTP with EMAIL_HOST.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"microhost <noreply@{MICROHOST_DOMAIN}>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", True)
elif os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Outside production, serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not MICROHOST_PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MICROHOST_MAX_UPLOAD_BYTES + 1024 * 1024
# S3-compatible media storage when AWS_STORAGE_BUCKET_NAME is set (needs django-storages[s3]).
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if MICROHOST_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }

# Cookies are host-only (no Domain attribute): blog subdomains never see the platform session.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS: list[str] = []
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
if MICROHOST_PRODUCTION and MICROHOST_SCHEME == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The TLS ask endpoint is called over plain HTTP by the terminator itself.
    SECURE_REDIRECT_EXEMPT = [r"^internal/"]

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport under var/ (no server).
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    (VAR_DIR / "celery-results").mkdir(exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-results'}"
    # No remote control (broadcast) on the embedded broker: nothing here needs it, and it polls files.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes Django's database connections around every task unless this is set; a small job
# (a webmention verification, a fan-out) would then pay a new PostgreSQL connection each time. With
# it, a worker process keeps its connection for this many tasks (then reconnects, which also bounds
# how long a connection broken by a database restart can linger).
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "100"))
# One queue per concern so a flood in one cannot starve the others; a bare worker consumes all.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("default", "syndication", "webmention", "feeds")
]
CELERY_TASK_ROUTES = {
    "syndication.*": {"queue": "syndication"},
    "webmention.*": {"queue": "webmention"},
    "timeline.*": {"queue": "feeds"},
}
CELERY_BEAT_SCHEDULE: dict = {
    # Re-prove serving custom domains daily; one failing for 3 days stops being served (R26).
    "accounts-recheck-domains": {"task": "accounts.recheck_domains", "schedule": 24 * 3600},
    # Delete tokens and authorization codes long dead (accounts/credential_purge.py).
    "accounts-purge-dead-credentials": {"task": "accounts.purge_dead_credentials", "schedule": 24 * 3600},
    # Re-enqueue webmention rows (received and outgoing) whose job is due or whose message was lost.
    "webmention-sweep": {"task": "webmention.sweep", "schedule": 60},
    # Poll every feed that is due (adaptive interval per feed).
    "timeline-poll-due-feeds": {"task": "timeline.poll_due_feeds", "schedule": 60},
    # Re-enqueue syndication rows that are due or whose message was lost; refresh expiring tokens.
    "syndication-sweep": {"task": "syndication.sweep", "schedule": 60},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx/httpcore log every fetched URL at INFO; URLs can carry secrets, so keep them quiet.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

if MICROHOST_PRODUCTION and (DEBUG or len(SECRET_KEY) < 50 or not os.environ.get("SECRET_KEY")):
    raise ImproperlyConfigured(
        "In production (MICROHOST_PRODUCTION=1) set SECRET_KEY to at least 50 random characters and DEBUG=0."
    )
# Silo credentials at rest need their own key (security-and-reliability.md R35).
if MICROHOST_PRODUCTION and not MICROHOST_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "In production set MICROHOST_ENCRYPTION_KEY (a Fernet key) for silo credentials."
    )
