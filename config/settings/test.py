"""Settings for the test suite. DATABASE_URL / REDIS_URL still apply, so CI
runs the same suite against MariaDB and Redis."""

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-hmac-0123456789"
# bcrypt's 12 rounds are the point in production and a waste in tests;
# test_settings asserts the production list separately.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "accounts.hashers.LegacyBcryptPasswordHasher"]
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The real-worker test starts a worker with CELERY_TASK_ALWAYS_EAGER=false.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
if REDIS_URL:
    # A key prefix of its own so a test run never touches a developer's keys.
    CACHES["default"]["KEY_PREFIX"] = "staka-test"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

PAYMENTS_SIMULATOR = True
STRIPE_SECRET_KEY = ""
