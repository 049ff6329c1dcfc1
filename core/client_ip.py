"""The client's IP address, the one thing rate limits and lockouts key on.

Behind a reverse proxy REMOTE_ADDR is the proxy's address: every visitor
would share one budget. Each trusted proxy appends the address it received
the request from to X-Forwarded-For, so with ``TRUSTED_PROXY_COUNT = N`` the
client is the N-th entry from the right; entries further left were written by
the client itself and are never trusted. With 0 (the default, no proxy) the
header is ignored altogether, so a spoofed header changes nothing.

Used by django-axes (AXES_CLIENT_IP_CALLABLE) and django-ratelimit
(RATELIMIT_IP_META_KEY, i.e. every ``key="ip"``).
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def client_ip(request):
    remote_addr = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        # Not through the expected proxies (a direct hit, a health probe).
        return remote_addr
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        logger.warning("unusable X-Forwarded-For entry %r; falling back to REMOTE_ADDR", candidate[:64])
        return remote_addr
