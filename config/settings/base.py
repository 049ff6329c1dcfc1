"""Settings shared by every environment.

Everything that differs between a laptop and production comes from environment
variables (django-environ). With no environment at all the app runs embedded:
SQLite, local media, eager tasks, console e-mail. The README lists every
variable.
"""

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is convenient for developers; real deployments set the
# environment instead.
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-never-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
IS_PRODUCTION = False

# --- Applications --------------------------------------------------------

DJANGO_APPS = [
    "core.admin_site.StakaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",
]
THIRD_PARTY_APPS = [
    "django_htmx",
    "axes",
    "csp",
    "simple_history",
]
# Ordered from the bottom layer up (see DESIGN.md): the registries filled in
# AppConfig.ready() then run in dependency order.
LOCAL_APPS = [
    "core",
    "accounts",
    "files",
    "notifications",
    "messaging",
    "orders",
    "billing",
    "support",
    "cms",
    "ops",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change, for django-simple-history's rows.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Permissions-Policy, and no-store on logged-in pages.
    "core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxMessagesMiddleware",
    # DEBUG only: a view's 404 shows our page, an unknown URL the technical one (issue 9).
    "core.middleware.OurNotFoundPageInDebugMiddleware",
    # Turns django-ratelimit's refusal into our French 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Axes must come last: it turns a lockout raised during login into a page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.site",
                "orders.context_processors.pricing",  # prices and counts stated in pages (issue 9)
            ],
        },
    },
]

# Every {{ form }} renders with our markup (labels, help, errors, a11y).
FORM_RENDERER = "core.forms.FormRenderer"

# --- Data ----------------------------------------------------------------

def database(url):
    """A DATABASES entry for a database URL, with our options for its engine."""
    config = env.db_url_config(url)
    config["ATOMIC_REQUESTS"] = False
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.mysql":
        # utf8mb4 everywhere (accents, emoji in messages), strict mode so MySQL
        # refuses bad data instead of truncating it.
        config.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            }
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite serialises writers; a persistent connection per thread is useless.
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    return config


DATABASES = {
    "default": database(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
# A read replica of the same data (MySQL/MariaDB replication): the code that
# opts in with core.db_router.read_replica() (the admin dashboard, `manage.py
# stats`) reads there; every write, and every read of a request that wrote,
# stays on the primary. Empty: one database, nothing changes.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database(DATABASE_REPLICA_URL)
    # The test suite has one database: the replica alias reads it too.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env("REDIS_URL", default="")



def redis_cache(location):
    # Redis down is a cache miss, not a 500 (core/cache.py): sessions come
    # from the database, rate limits fail open (RATELIMIT_FAIL_OPEN).
    return {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "staka",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    # Sessions survive a Redis flush because the database keeps them too.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Tasks (Celery) ------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker every task runs in-process, at once: the embedded mode.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = "Europe/Paris"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# A task is acknowledged once done, so a killed worker's task runs again
# elsewhere; every task is therefore idempotent. The visibility timeout must
# exceed the longest task or Redis would hand it out twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues, so that workers scale per kind of work: e-mails stay quick while
# PDFs are drawn, and a long nightly purge delays nobody. "celery" (Celery's
# default name, kept so tasks queued before an upgrade still run) carries the
# rest: announcements, the outbox relay, the Stripe card jobs. A worker
# started without -Q (`make worker`) consumes every queue listed here;
# docker-compose.yml runs one worker per group of queues.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "email", "pdf", "maintenance")]
_TASKS_BY_QUEUE = {
    "email": ["core.tasks.send_outbox_email"],
    # Each draws a PDF (or reads it back) before e-mailing it.
    "pdf": [
        "billing.tasks.issue_invoice_for_paid_order",
        "billing.tasks.issue_missing_invoices",
        "billing.tasks.resend_invoice",
        "billing.tasks.send_credit_note",
    ],
    # The periodic sweeps and purges of CELERY_BEAT_SCHEDULE.
    "maintenance": [
        "notifications.tasks.purge_expired_notifications",
        "orders.tasks.announce_overdue_orders",
        "orders.tasks.finish_delivered_orders",
        "orders.tasks.purge_abandoned_orders",
        "orders.tasks.purge_order_files",
        "orders.tasks.purge_pending_uploads",
        "billing.tasks.mark_overdue_invoices",
        "core.tasks.purge_sent_emails",
        "core.tasks.purge_upload_temp_files",
        "cms.tasks.publish_scheduled_pages",
        "support.tasks.sweep_ticket_deadlines",
        "support.tasks.auto_close_resolved_tickets",
    ],
}
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in _TASKS_BY_QUEUE.items() for task in tasks}
# The transactional outbox (core/outbox.py): follow-up work the broker never
# got (it was down) is handed over by the relay once this old; work handed
# over but not done is handed over again after the redispatch delay — longer
# than Redis's own redelivery (the visibility timeout) so that normally comes
# first. A row handed over OUTBOX_MAX_ATTEMPTS times is given up (admin).
OUTBOX_RELAY_AFTER_SECONDS = env.int("OUTBOX_RELAY_AFTER_SECONDS", default=60)
OUTBOX_REDISPATCH_AFTER_SECONDS = env.int(
    "OUTBOX_REDISPATCH_AFTER_SECONDS", default=CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 5 * 60
)
OUTBOX_MAX_ATTEMPTS = 20
OUTBOX_RELAY_BATCH = 500
# A paid order still without a sent invoice this long after payment gets it
# from the sweeper (billing.tasks.issue_missing_invoices).
INVOICE_SWEEP_AFTER_SECONDS = env.int("INVOICE_SWEEP_AFTER_SECONDS", default=10 * 60)
# Periodic jobs, in code; each is idempotent and also a manage.py command.
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "core.tasks.relay_outbox", "schedule": 60},
    "issue-missing-invoices": {"task": "billing.tasks.issue_missing_invoices", "schedule": 15 * 60},
    "purge-expired-notifications": {"task": "notifications.tasks.purge_expired_notifications", "schedule": 24 * 60 * 60},
    "announce-overdue-orders": {"task": "orders.tasks.announce_overdue_orders", "schedule": 60 * 60},
    "finish-delivered-orders": {"task": "orders.tasks.finish_delivered_orders", "schedule": 60 * 60},
    "purge-abandoned-orders": {"task": "orders.tasks.purge_abandoned_orders", "schedule": 6 * 60 * 60},
    "purge-order-files": {"task": "orders.tasks.purge_order_files", "schedule": 24 * 60 * 60},
    "mark-overdue-invoices": {"task": "billing.tasks.mark_overdue_invoices", "schedule": 24 * 60 * 60},
    "purge-sent-emails": {"task": "core.tasks.purge_sent_emails", "schedule": 24 * 60 * 60},
    "purge-pending-uploads": {"task": "orders.tasks.purge_pending_uploads", "schedule": 24 * 60 * 60},
    "purge-upload-temp-files": {"task": "core.tasks.purge_upload_temp_files", "schedule": 60 * 60},
    "publish-scheduled-pages": {"task": "cms.tasks.publish_scheduled_pages", "schedule": 5 * 60},
    "sweep-ticket-deadlines": {"task": "support.tasks.sweep_ticket_deadlines", "schedule": 5 * 60},
    "auto-close-resolved-tickets": {"task": "support.tasks.auto_close_resolved_tickets", "schedule": 60 * 60},
}

# --- Authentication ------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out account+IP before any hashing.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that lets the login form explain an inactive account
    # without a second password hash (no timing oracle); it ends the chain.
    "accounts.auth.EmailBackend",
    # Never reached by a login; resolves sessions opened before EmailBackend.
    "django.contrib.auth.backends.ModelBackend",
]
# bcrypt with 12 rounds, as the system we replace. BCryptPasswordHasher reads
# the plain "$2b$12$..." hashes imported from it; they are upgraded on login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Accounts imported from the old system (manage.py import_legacy), upgraded at first login.
    "accounts.hashers.LegacyBcryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "core:landing"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour, single use (Django's token)
ACCOUNT_ACTIVATION_TIMEOUT = 48 * 60 * 60

# django-axes: 5 failures for one account from one IP lock that pair for 15
# minutes. Every attempt, failed or not, is recorded in its tables.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_VERBOSE = False

# The client IP behind a reverse proxy: how many proxies we trust to append to
# X-Forwarded-For (0 = none, REMOTE_ADDR is the client). Axes and every
# ratelimit key="ip" read it through one helper; see production.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
RATELIMIT_IP_META_KEY = "core.client_ip.client_ip"

# Rate limits for public forms (django-ratelimit, backed by the cache).
RATELIMIT_VIEW = "core.views.rate_limited"
# A cache that cannot count (Redis down) lets the request through; core/cache.py logs it.
RATELIMIT_FAIL_OPEN = True
RATE_LIMITS = {
    # Per IP, across accounts (credential stuffing); axes locks per account+IP.
    "login": env("RATE_LIMIT_LOGIN", default="30/15m"),
    "register": env("RATE_LIMIT_REGISTER", default="10/h"),
    "password_reset": env("RATE_LIMIT_PASSWORD_RESET", default="5/15m"),
    "activation_resend": env("RATE_LIMIT_ACTIVATION_RESEND", default="5/15m"),
}

# --- Internationalisation ------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_THOUSAND_SEPARATOR = True

# --- Static and media ----------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Where `manage.py backup` writes its dumps and media archives, and where
# `restore` and the retention (`backup --clean`) look for them. Put it on
# another disk, or sync it off the machine: a backup next to the database
# does not survive the loss of that disk.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads above this size stream to a temporary file instead of memory, in a
# folder of their own: the files of killed requests are purged from it
# (core/uploads.py, beat task "purge-upload-temp-files").
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
_upload_temp_dir = Path(env("FILE_UPLOAD_TEMP_DIR", default=str(Path(tempfile.gettempdir()) / "staka-uploads")))
_upload_temp_dir.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_TEMP_DIR = str(_upload_temp_dir)
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)

# --- E-mail --------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Staka Livres <contact@staka-editions.com>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[Staka Livres] "
EMAIL_TIMEOUT = 10
# Sent rows of the e-mail outbox hold addresses (personal data): purged daily
# after this many days (core.tasks.purge_sent_emails / manage.py purge_sent_emails).
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)

# --- Security (hardened further in production.py) -----------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it; token is in hx-headers
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page uses, refused to us and to any frame
# (core.middleware.SecurityHeadersMiddleware sends it).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "fullscreen", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock",
        "serial", "usb", "xr-spatial-tracking", "browsing-topics", "interest-cohort",
    )
}
# The refusal of a form whose CSRF token is missing or stale, in French.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# No inline script anywhere: scripts come from our own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # htmx's settle step rewrites style="" attributes (and the admin uses
        # a few). Attributes cannot load or run anything; <style> elements and
        # scripts stay restricted to our own files.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# /health with this value in the X-Health-Token header (or a staff session)
# also writes to the storage; the public probe only reads (core/health.py).
HEALTH_CHECK_TOKEN = env("HEALTH_CHECK_TOKEN", default="")

# --- Logging -------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

ADMINS = [("Staff", a) for a in env.list("ADMIN_EMAILS", default=[])]
# The admin dashboard's figures are aggregates over the biggest tables: computed
# at most once per this many seconds (core.dashboard.cached_dashboard); the page
# says when, and "Recalculer" computes them at once.
ADMIN_DASHBOARD_CACHE_SECONDS = 60

# --- Business ------------------------------------------------------------

SITE_NAME = "Staka Livres"
# Give each paid order to the least-loaded corrector instead of waiting for staff.
ORDERS_AUTO_ASSIGN = env.bool("ORDERS_AUTO_ASSIGN", default=False)
ORDER_INCLUDED_REVISIONS = 2
ORDER_AUTO_FINISH_DAYS = 7  # a delivery nobody answered is accepted
ABANDONED_VISITOR_ORDER_DAYS = 7
# The legacy terms promise to delete manuscripts after delivery.
ORDER_FILE_RETENTION_DAYS = env.int("ORDER_FILE_RETENTION_DAYS", default=90)
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="contact@staka-editions.com")
# How often the header refreshes the bell and the Messages badge (issue 9: a
# setting, so the browser tests can shorten it).
NAV_POLL_SECONDS = 30

# --- Payments and invoices ------------------------------------------------

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Tests point the Stripe library at a local fake API; empty means Stripe's own.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Our tag in every object's metadata: the Stripe account may be shared, and
# events about someone else's payments are ignored.
STRIPE_METADATA_SOURCE = env("STRIPE_METADATA_SOURCE", default="staka-livres")
# A hung Stripe API must not hold a web worker (the library waits 80 s per
# attempt by default): seconds per attempt, and how many retries follow.
STRIPE_TIMEOUT = 10.0  # × 3 attempts stays under gunicorn's 60 s worker timeout
STRIPE_MAX_NETWORK_RETRIES = 2
# The local payment simulator (no Stripe key): never in production.
PAYMENTS_SIMULATOR = env.bool("PAYMENTS_SIMULATOR", default=False)
SIMULATOR_WEBHOOK_SECRET = "whsec_local_simulator_not_a_real_secret"

# Prices are TTC; invoices show HT / TVA / TTC with this rate, or the
# art. 293 B du CGI mention when the seller is exempt.
VAT_RATE = Decimal(env("VAT_RATE", default="20.00"))
VAT_EXEMPT = env.bool("VAT_EXEMPT", default=False)
INVOICE_DUE_DAYS = 30
SELLER = {
    "name": env("SELLER_NAME", default="Staka Éditions SAS"),
    "address": env("SELLER_ADDRESS", default="12 rue de la Paix\n75002 Paris\nFrance"),
    "siret": env("SELLER_SIRET", default="123 456 789 00012"),
    "vat_number": env("SELLER_VAT_NUMBER", default="FR12 123456789"),
    "email": env("SELLER_EMAIL", default="facturation@staka-editions.com"),
}
# What the mentions légales and the CGV name besides the seller (LCEN art. 6;
# Code de la consommation art. L612-1). The defaults say plainly what is
# missing: set them before opening the site (cms/defaults.py writes them into
# the first version of the legal pages; staff edit the pages after that).
LEGAL = {
    "publication_director": env("LEGAL_PUBLICATION_DIRECTOR", default="le représentant légal de la société"),
    "hosting_provider": env(
        "LEGAL_HOSTING_PROVIDER",
        default="[à compléter : nom, adresse et téléphone de l'hébergeur — réglage LEGAL_HOSTING_PROVIDER]",
    ),
    "mediator": env(
        "LEGAL_CONSUMER_MEDIATOR",
        default="[à compléter : nom, adresse et site du médiateur de la consommation — réglage LEGAL_CONSUMER_MEDIATOR]",
    ),
}

# --- Files and storage ---------------------------------------------------
# Uploads are checked by content and limited per file and per client
# (files/validation.py). Above FILE_UPLOAD_MAX_MEMORY_SIZE they stream to a
# temporary file, then from it to the storage.
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
USER_STORAGE_QUOTA_BYTES = env.int("USER_STORAGE_QUOTA_BYTES", default=1024**3)
# An account not activated yet (the visitor order funnel, 10 accounts an hour
# per IP, kept 7 days) gets this much instead, for its order's manuscripts.
UNVERIFIED_STORAGE_QUOTA_BYTES = env.int("UNVERIFIED_STORAGE_QUOTA_BYTES", default=100 * 1024 * 1024)

# Downloads from local storage leave through the proxy in front, not through
# a Python worker (a slow downloader would hold it for minutes): after the
# access check the view answers with an empty body and the header
# FILES_ACCEL_HEADER = FILES_ACCEL_REDIRECT + the file's storage key; the proxy
# sends the bytes. nginx: "/protected-media/", an `internal` location aliased
# to MEDIA_ROOT (deploy/nginx.conf). Apache (mod_xsendfile): header
# "X-Sendfile" and MEDIA_ROOT's absolute path. Empty (`make run`, no proxy):
# Django streams the bytes. With S3 neither applies: presigned redirects.
FILES_ACCEL_REDIRECT = env("FILES_ACCEL_REDIRECT", default="")
if FILES_ACCEL_REDIRECT:
    FILES_ACCEL_REDIRECT = FILES_ACCEL_REDIRECT.rstrip("/") + "/"
FILES_ACCEL_HEADER = env("FILES_ACCEL_HEADER", default="X-Accel-Redirect")

# With a bucket name, uploaded files go to S3 or any S3-compatible store
# (MinIO, Scaleway, OVH... through AWS_S3_ENDPOINT_URL). The bucket stays
# private: objects get no ACL and are only read through presigned URLs that
# live five minutes (files.storage.PrivateS3Storage keeps these defaults).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "files.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "region_name": env("AWS_S3_REGION_NAME", default="eu-west-3"),
                "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
                # Empty keys let boto3 find credentials itself (IAM role, profile).
                "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
                "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
                "location": env("AWS_LOCATION", default=""),
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 300,
                "signature_version": "s3v4",
                "file_overwrite": False,
            },
        },
    }
    # Avatars are shown through presigned URLs on the bucket's host.
    _s3_options = STORAGES["default"]["OPTIONS"]
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        _s3_options["endpoint_url"]
        or f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{_s3_options['region_name']}.amazonaws.com"
    )

# --- Support desk ---------------------------------------------------------
# Minutes allowed per ticket priority (the seed's SLA): first staff answer,
# then resolution. The clock stops while the team waits for the client.
SUPPORT_SLA_FIRST_RESPONSE_MINUTES = {
    "FAIBLE": 48 * 60,
    "NORMALE": 24 * 60,
    "HAUTE": 4 * 60,
    "URGENTE": 60,
    "CRITIQUE": 15,
}
SUPPORT_SLA_RESOLUTION_MINUTES = {
    "FAIBLE": 10 * 24 * 60,
    "NORMALE": 5 * 24 * 60,
    "HAUTE": 2 * 24 * 60,
    "URGENTE": 24 * 60,
    "CRITIQUE": 8 * 60,
}
# A resolved ticket the client neither confirms nor reopens closes itself.
SUPPORT_AUTO_CLOSE_DAYS = env.int("SUPPORT_AUTO_CLOSE_DAYS", default=7)
# A visitor's answers through their e-mailed reply links, per IP.
SUPPORT_VISITOR_REPLY_RATE = env("SUPPORT_VISITOR_REPLY_RATE", default="10/h")

# --- Public requests (contact, free sample, consultation) -----------------
RATE_LIMITS["public_form"] = env("RATE_LIMIT_PUBLIC_FORM", default="10/h")
# The free sample: what the form says and what it accepts.
FREE_SAMPLE_MAX_BYTES = env.int("FREE_SAMPLE_MAX_BYTES", default=10 * 1024 * 1024)
FREE_SAMPLE_MAX_PAGES = env.int("FREE_SAMPLE_MAX_PAGES", default=10)
# Consultation calendar, in TIME_ZONE: staff edit the weekly windows and
# exceptions in the admin; these shape the slots.
CONSULTATION_SLOT_MINUTES = 30
CONSULTATION_DAYS_AHEAD = 14
# A slot starting sooner than this is not offered (the team needs notice).
CONSULTATION_MIN_NOTICE_MINUTES = env.int("CONSULTATION_MIN_NOTICE_MINUTES", default=120)

# --- Field history (django-simple-history) --------------------------------
# Staff read a record's past values in the admin ("Historique"); reverting to
# one would bypass the services (status moves, invoices), so it is off.
SIMPLE_HISTORY_REVERT_DISABLED = True
