"""Production: refuses to start without its secrets, hardened for
`manage.py check --deploy` (which must print no warning)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env

IS_PRODUCTION = True
PAYMENTS_SIMULATOR = False  # whatever the environment says
DEBUG = False


def _required(name):
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


SECRET_KEY = _required("SECRET_KEY")
_required("DATABASE_URL")  # base.py already parsed it; we only insist it is there
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or _required("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[f"https://{host}" for host in ALLOWED_HOSTS]
)

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto. Set
# TRUSTED_PROXY_COUNT (env) to the number of proxies in front of the app (1
# for one nginx/Caddy/load balancer appending to X-Forwarded-For) so rate
# limits and lockouts key on the visitor's IP, not the proxy's (base.py).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Stripe is all or nothing: a secret key without the webhook secret would
# leave paid orders unconfirmed, without the publishable key "Ajouter une
# carte" cannot work. Without any key the site runs, and `check` says so.
if env("STRIPE_SECRET_KEY", default=""):
    _required("STRIPE_WEBHOOK_SECRET")
    _required("STRIPE_PUBLISHABLE_KEY")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("Production needs MySQL/MariaDB: set DATABASE_URL=mysql://...")
