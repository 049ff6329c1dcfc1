"""The embedded mode of `make run`: DEBUG, SQLite, eager tasks, console e-mail,
the payment simulator. Everything can still be overridden by environment."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Serve static files straight from static/ without collectstatic.
WHITENOISE_AUTOREFRESH = True

# The local payment simulator stands in for Stripe when no key is set.
PAYMENTS_SIMULATOR = env.bool("PAYMENTS_SIMULATOR", default=True)
