"""radtik settings: everything that differs between machines comes from the environment."""

from __future__ import annotations

import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.conf import global_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked: with DEBUG on, anyone sees the URL list on a 404 and the settings on a 500.
# `make run` asks (radtik.devserver).
DEBUG = env_bool("DEBUG", False)
# No default keys: a key in the repository would decrypt every deployment's secrets. `make run`
# generates both once into .data/keys.json; every other start must be given them.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
if not SECRET_KEY or not FIELD_ENCRYPTION_KEY:
    sys.exit(
        "radtik needs SECRET_KEY and FIELD_ENCRYPTION_KEY in the environment (`make run` generates "
        "them into .data/keys.json); generate each with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
# Rotation: the new key in SECRET_KEY / FIELD_ENCRYPTION_KEY, the old ones here (comma-separated)
# until `manage.py reencrypt_fields` has run. Sessions signed with an old SECRET_KEY stay valid.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
FIELD_ENCRYPTION_KEY_FALLBACKS = env_list("FIELD_ENCRYPTION_KEY_FALLBACKS", "")
# django-fernet-encrypted-fields derives one Fernet key per (SECRET_KEY or fallback, SALT_KEY)
# pair: it encrypts with the first (both current keys) and decrypts with any.
SALT_KEY = [FIELD_ENCRYPTION_KEY, *FIELD_ENCRYPTION_KEY_FALLBACKS]
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost")
# Every tenant is served at <slug>.BASE_DOMAIN (tenants.services.tenant_domain).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f".{BASE_DOMAIN},{BASE_DOMAIN},127.0.0.1")
PORT = int(os.environ.get("PORT", "8000"))

# TLS (on unless DEBUG): served over https behind a proxy (nginx) that terminates TLS and sets
# X-Forwarded-Proto. Plain http then redirects, cookies are https-only, browsers get HSTS.
TLS = env_bool("TLS", not DEBUG)
if TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # tenants are subdomains of BASE_DOMAIN
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# Submitting BASE_DOMAIN to the browsers' preload list is the operator's choice (HSTS_PRELOAD=1).
SILENCED_SYSTEM_CHECKS = [] if env_bool("HSTS_PRELOAD", False) else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
# django-csp: scripts and styles from this site only (inline <style> allowed: the captive portal
# and voucher sheets carry theirs); websockets to the same host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# ---------------------------------------------------------------- servers
if "DATABASE_URL" not in os.environ:
    from radtik.embedded import embedded_database_url

    os.environ["DATABASE_URL"] = embedded_database_url()
if "REDIS_URL" not in os.environ:
    from radtik.embedded import embedded_redis_url

    os.environ["REDIS_URL"] = embedded_redis_url()
DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["REDIS_URL"]

# Persistent connections: a new PostgreSQL connection per request costs ~5 ms.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Web processes (radtik.webserver sets DB_POOL_SIZE) borrow from a pool, which bounds a daphne's
# connections whatever threads reach the database (HTTP's, channels' executor; under Django's
# ASGI handler, a new thread per request left one connection each: 98 of PostgreSQL's 100).
# Task workers keep persistent connections: django-q forks them, and a pool opened before a fork
# breaks.
# Where pg_dump / pg_restore are (tenant templates, backups); unset: found for the server.
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "0"))
if DB_POOL_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": DB_POOL_SIZE,
        "timeout": 10,
    }
# Seconds a web process reuses an active tenant looked up by host name (tenants.middleware): a
# suspension reaches the other processes within this time.
TENANT_CACHE_SECONDS = float(os.environ.get("TENANT_CACHE_SECONDS", "5"))
# Threads per daphne process that run HTTP requests (radtik.wsgi_http).
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "8"))
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# SET search_path once per connection and schema, not before every query (a callback made 12 of
# its 26 queries). Safe: this django-tenants forgets the cached path on rollback and on savepoint
# rollback, which undo a session-level SET in PostgreSQL.
TENANT_LIMIT_SET_CALLS = True

# ---------------------------------------------------------------- apps
SHARED_APPS = [
    "tenants",  # before django_tenants so our create_tenant command wins over its own
    "django_tenants",
    "daphne",
    "tenants.accounts",
    "radtik.jobs",
    "radtik.audit",
    "radtik.notifications",  # system admins' messages (welcome e-mails) live in public
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "radtik.apps.AdminConfig",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's assets served from here, not a CDN
    "django_htmx",
    "django_filters",
    "channels",
    "django_q",
    "django_prometheus",
]
TENANT_APPS = [
    "billing",
    "routers",
    "provisioning",
    "radius",
    "vouchers",
    "accounting",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "radtik.apps.AdminConfig",
    # Per schema, like users: a tenant's API tokens and failed logins live beside its users.
    "knox",
    "axes",
    "tenants.accounts",
    "radtik.jobs",
    "radtik.audit",
    "radtik.notifications",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
# Apps whose tables exist only in the public schema: hidden from tenant admin and APIs.
PUBLIC_ONLY_APPS = {"tenants", "django_q"}

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# migrate_schemas skips a tenant whose schema does not exist (tenants/migration_executor.py).
GET_EXECUTOR_FUNCTION = "tenants.migration_executor.executor_for"
PUBLIC_SCHEMA_URLCONF = "radtik.urls_public"
ROOT_URLCONF = "radtik.urls_tenant"
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "radtik.health.HealthMiddleware",  # /healthz, /readyz, /metrics on any host, first
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Static files before the tenant lookup: they are the same on every domain.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.RadtikTenantMiddleware",
    "radtik.logs.RequestLogMiddleware",  # tenant and request id on every line of the request
    "radtik.realtime.since.live_since_middleware",  # the moment a live page shows
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into its response
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: sees the final response
]

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
            ],
        },
    }
]

WSGI_APPLICATION = "radtik.wsgi.application"
ASGI_APPLICATION = "radtik.asgi.application"

# Applied on every path that sets a password: tenant creation (API, page, command),
# platform_setup, the Django admin's forms and changepassword.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's defaults (the first stays preferred), then one for random passwords radtik
# generates (radtik.hashers).
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "radtik.hashers.GeneratedPasswordHasher"]
# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Proxies in front of radtik (nginx: 1 with TLS): client addresses come from X-Forwarded-For.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "1" if TLS else "0"))
# Login lockout (/login/, /admin/login/, /api/auth/token/): LOGIN_FAILURE_LIMIT wrong passwords
# for one user from one address lock that pair for LOGIN_LOCKOUT_MINUTES. Per pair, so nobody
# locks a real admin out from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "radtik.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "radtik.lockout.lockout_response"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves static/ from every web process (behind nginx, which serves it itself, too):
# from STATIC_ROOT after collectstatic, or straight from the source folders when asked (DEBUG,
# the tests), so a host without nginx (make run, the suite's browser) gets its scripts.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
WHITENOISE_AUTOREFRESH = DEBUG
# Print-ready voucher sheets made by the print job (a folder every web and worker host shares).
PRINT_FILES_DIR = os.environ.get("PRINT_FILES_DIR", str(BASE_DIR / ".data" / "print"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: URLs typed without a scheme are https

# ---------------------------------------------------------------- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["radtik.permissions.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "radtik.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "radtik.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "radtik.api.Pagination",
    "PAGE_SIZE": 100,  # radtik.lists.PAGE_SIZE: the HTML pages hold as many rows
}
# API tokens (django-rest-knox): stored as digests, sent as `Authorization: Token <token>`, valid
# until revoked unless API_TOKEN_TTL_HOURS is set.
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": (
        timedelta(hours=int(os.environ["API_TOKEN_TTL_HOURS"]))
        if os.environ.get("API_TOKEN_TTL_HOURS")
        else None
    ),
}
# Per client address (radtik/throttling.py). A hotspot's customers share its public address.
THROTTLE_RATES = {
    "auth-token": os.environ.get("THROTTLE_AUTH_TOKEN", "20/min"),
    "portal-initiate": os.environ.get("THROTTLE_PORTAL_INITIATE", "30/min"),
    "portal-status": os.environ.get("THROTTLE_PORTAL_STATUS", "300/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "radtik API",
    "VERSION": "1.0.0",
    "PREPROCESSING_HOOKS": ["radtik.api.schema_without_slashless_twins"],
    # Swagger UI from drf-spectacular-sidecar's static files: the docs work offline, under the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One name per choice set: several serializers have a `status`, and two fields share SyncState.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "radtik.jobs.choices.JobStatus",
        "RouterStatusEnum": "routers.choices.RouterStatus",
        "VoucherStatusEnum": "vouchers.choices.VoucherStatus",
        "VoucherSyncStatusEnum": "vouchers.choices.SyncStatus",
        "PaymentStatusEnum": "billing.choices.PaymentStatus",
        "SubscriptionStatusEnum": "billing.choices.SubscriptionStatus",
        "SyncStateEnum": "billing.choices.SyncState",
    },
}

# ---------------------------------------------------------------- realtime
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # A prefix per deployment (or test run) keeps groups apart on a shared Redis.
        "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("RADTIK_CHANNEL_PREFIX", "asgi")},
    }
}

# Shared by every web process: API throttle counts.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("RADTIK_CHANNEL_PREFIX", "radtik"),
    }
}

# ---------------------------------------------------------------- tasks
# Each kind declares its policy (JobKind in its tasks.py); this is the longest timeout any may use.
TASK_MAX_TIMEOUT = int(os.environ.get("RADTIK_TASK_MAX_TIMEOUT", "600"))
# How long after a worker dies its task is handed out again, beyond TASK_MAX_TIMEOUT.
TASK_REDELIVERY_MARGIN = int(os.environ.get("RADTIK_TASK_REDELIVERY_MARGIN", "30"))
# A running attempt's lease (radtik.jobs.lease): renewed every third of it while its worker
# lives; once it lapses the attempt is run again, long before the broker's redelivery above.
JOB_LEASE_SECONDS = int(os.environ.get("RADTIK_JOB_LEASE_SECONDS", "30"))
Q_CLUSTER = {
    "name": "radtik",
    "orm": "default",  # ORM broker: acknowledges, so a dead worker's task is handed out again
    # ...woken by PostgreSQL NOTIFY on enqueue (a task starts within milliseconds, an idle cluster
    # sleeps on LISTEN); the poll only catches a lost wake-up.
    "broker_class": "radtik.jobs.broker.WakingOrmBroker",
    "workers": int(os.environ.get("RADTIK_WORKERS", "4")),
    "timeout": TASK_MAX_TIMEOUT,
    # Redelivery of an unacknowledged task happens `retry` s after it was handed out: above the
    # longest timeout so a slow task is never run twice at once.
    "retry": TASK_MAX_TIMEOUT + TASK_REDELIVERY_MARGIN,
    # Our runner owns attempts and backoff; this bound only stops a task that keeps killing workers.
    "max_attempts": 5,
    "ack_failures": False,
    "poll": float(os.environ.get("RADTIK_QUEUE_POLL", "2")),
    "catch_up": False,
    "save_limit": 1000,
    "label": "Task queue",
    # `Q_CLUSTER_NAME=payments manage.py qcluster` runs the payments cluster (see JobPolicy.queue).
    "ALT_CLUSTERS": {
        "payments": {"workers": int(os.environ.get("RADTIK_PAYMENT_WORKERS", "2"))},
        # The sweep lane's ticks (radtik.jobs.sweep) on hosts of their own when RADTIK_SWEEP_QUEUE
        # is "sweep" (`Q_CLUSTER_NAME=sweep manage.py qcluster`); unset, the default cluster
        # runs them.
        "sweep": {"workers": int(os.environ.get("RADTIK_SWEEP_WORKERS", "2"))},
    },
}
# Worker clusters run at this niceness (0 = as started): on a host they share with the web
# processes, a burst of settling, syncing or probing takes the CPU the requests leave, and an
# M-Pesa callback or a page is answered first. Work is only queued longer; nothing is dropped.
CLUSTER_NICE = int(os.environ.get("RADTIK_CLUSTER_NICE", "10"))
SWEEP_QUEUE = os.environ.get("RADTIK_SWEEP_QUEUE", "")
if SWEEP_QUEUE not in ("", "sweep"):
    sys.exit("RADTIK_SWEEP_QUEUE is either unset (the default cluster) or 'sweep'")
# Extra modules that register job kinds (tests use it to load their own kinds in the worker).
RADTIK_EXTRA_TASK_MODULES = env_list("RADTIK_EXTRA_TASK_MODULES", "")

# /readyz asks every RADIUS agent at most once per this many seconds (shared by all web hosts).
READYZ_AGENTS_CACHE_SECONDS = int(os.environ.get("READYZ_AGENTS_CACHE_SECONDS", "15"))

# /metrics (radtik.metrics): a bearer token when set; radtik's figures cached this many seconds.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_CACHE_SECONDS = int(os.environ.get("METRICS_CACHE_SECONDS", "10"))

# ---------------------------------------------------------------- RADIUS / vouchers
# Vouchers per agent request: the agent takes up to 5,000 (--max-batch); fewer requests
# mean fewer statements per voucher on both sides.
VOUCHER_SYNC_CHUNK = int(os.environ.get("VOUCHER_SYNC_CHUNK", "2500"))
RADIUS_AGENT_TIMEOUT = float(os.environ.get("RADIUS_AGENT_TIMEOUT", "15"))

# ---------------------------------------------------------------- accounting
# Sessions read back from each RADIUS server (accounting.ingest) every Tenant.accounting_interval
# s: the sweep looks for due servers every ACCOUNTING_TICK s and reads them on up to
# ACCOUNTING_CONCURRENCY threads per worker process, ACCOUNTING_PAGE sessions per agent request
# (the agent's limit is 5,000) and at most ACCOUNTING_MAX_PAGES pages per cycle.
ACCOUNTING_TICK = float(os.environ.get("ACCOUNTING_TICK", "1"))
ACCOUNTING_CONCURRENCY = int(os.environ.get("ACCOUNTING_CONCURRENCY", "4"))
ACCOUNTING_PAGE = int(os.environ.get("ACCOUNTING_PAGE", "5000"))
ACCOUNTING_MAX_PAGES = int(os.environ.get("ACCOUNTING_MAX_PAGES", "20"))
# Ending a session (accounting.disconnect): seconds the NAS has to answer a Disconnect-Request
# (the agent sends it twice), then to send the session's Stop before the RouterOS API is used.
ACCOUNTING_DISCONNECT_TIMEOUT = float(os.environ.get("ACCOUNTING_DISCONNECT_TIMEOUT", "3"))
ACCOUNTING_DISCONNECT_VERIFY = float(os.environ.get("ACCOUNTING_DISCONNECT_VERIFY", "15"))

# ---------------------------------------------------------------- routers
ROUTER_API_TIMEOUT = float(os.environ.get("ROUTER_API_TIMEOUT", "10"))
ROUTER_IMPORT_TIMEOUT = int(os.environ.get("ROUTER_IMPORT_TIMEOUT", "600"))
ROUTER_PROBE_INTERVAL = int(os.environ.get("ROUTER_PROBE_INTERVAL", "10"))
ROUTER_PROBE_ATTEMPTS = int(os.environ.get("ROUTER_PROBE_ATTEMPTS", "60"))
ROUTER_PROBE_TIMEOUT = float(os.environ.get("ROUTER_PROBE_TIMEOUT", "5"))
# Probes run in sweeps (radtik/jobs/sweep.py): every TICK s, up to BATCH due routers per tenant,
# at most CONCURRENCY at once per tick (threads waiting on sockets, so many are cheap).
ROUTER_PROBE_TICK = float(os.environ.get("ROUTER_PROBE_TICK", "1"))
ROUTER_PROBE_BATCH = int(os.environ.get("ROUTER_PROBE_BATCH", "500"))
ROUTER_PROBE_CONCURRENCY = int(os.environ.get("ROUTER_PROBE_CONCURRENCY", "200"))
# Health of deployed routers (routers.health): each tenant's routers every
# Tenant.router_health_interval s. Each API read waits at most ROUTER_HEALTH_TIMEOUT s; the sweep
# looks for due checks every ROUTER_HEALTH_TICK s and runs up to ROUTER_HEALTH_CONCURRENCY at once
# per worker process. ROUTER_HEALTH_LIVE_DATA=0 checks reachability, login and drift only.
ROUTER_HEALTH_TIMEOUT = float(os.environ.get("ROUTER_HEALTH_TIMEOUT", "5"))
ROUTER_HEALTH_TICK = float(os.environ.get("ROUTER_HEALTH_TICK", "1"))
ROUTER_HEALTH_BATCH = int(os.environ.get("ROUTER_HEALTH_BATCH", "500"))
ROUTER_HEALTH_CONCURRENCY = int(os.environ.get("ROUTER_HEALTH_CONCURRENCY", "200"))
ROUTER_HEALTH_LIVE_DATA = env_bool("ROUTER_HEALTH_LIVE_DATA", True)
ROUTER_HEALTH_CPU_HIGH = int(os.environ.get("ROUTER_HEALTH_CPU_HIGH", "90"))  # % -> degraded
# The time series (routers.samples): raw checks for the hour chart, 5-minute averages for the day
# chart, hourly ones for the week chart and beyond; each dropped after its retention.
ROUTER_SAMPLES_RAW_HOURS = int(os.environ.get("ROUTER_SAMPLES_RAW_HOURS", "2"))
ROUTER_SAMPLES_5MIN_DAYS = int(os.environ.get("ROUTER_SAMPLES_5MIN_DAYS", "2"))
DISCOVERY_TTL = int(os.environ.get("DISCOVERY_TTL", "600"))  # interfaces cache, seconds

# ---------------------------------------------------------------- notifications
# E-mail goes through Django's backend: SMTP unless EMAIL_BACKEND says else (`make run` writes
# messages to .data/mail/). SMS goes through each tenant's Africa's Talking account.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "15"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"radtik <noreply@{BASE_DOMAIN}>")

# One JSON object per line (radtik.logs) with tenant, job_id and request_id, secrets redacted;
# LOG_FORMAT=plain for a terminal (the default with DEBUG, `make run`).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "radtik.logs.ContextFilter"},
        "task_lines": {"()": "radtik.logs.TaskLinesFilter"},
    },
    "formatters": {
        "json": {
            "()": "radtik.logs.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(tenant)s %(job_id)s "
            "%(request_id)s",
        },
        "plain": {
            # Secrets in URL paths (the M-Pesa callback's) never reach a log.
            "class": "radtik.redaction.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(tenant)s job=%(job_id)s "
            "req=%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # django-q2's own logger: no line per task (radtik.logs.TaskLinesFilter).
        "django-q": {"filters": ["task_lines"]},
        # django-axes logs every login failure and its start at INFO; lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # Only our handler: Django's own (console in DEBUG, mail_admins) would write the request
        # path unredacted.
        "django": {"handlers": []},
        # One line per HTTP request (radtik.logs.RequestLogMiddleware); ACCESS_LOG=0 drops them.
        "radtik.access": {"level": "INFO" if env_bool("ACCESS_LOG", True) else "WARNING"},
    },
}
# A Python warning (WhiteNoise's "No directory at ...", a deprecation) goes through the same
# handler, so every line a process writes stays one JSON object.
logging.captureWarnings(True)
