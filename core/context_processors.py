from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .public_cache import PUBLIC_CACHE_SECONDS, public_cache_version


def site_terms():
    """Every count and delay a page or an e-mail states, read from the
    setting that enforces it (a changed setting changes the text)."""
    return {
        "activation_hours": settings.ACCOUNT_ACTIVATION_TIMEOUT // 3600,
        "included_revisions": settings.ORDER_INCLUDED_REVISIONS,
        "auto_finish_days": settings.ORDER_AUTO_FINISH_DAYS,
        "abandoned_order_days": settings.ABANDONED_VISITOR_ORDER_DAYS,
        "upload_max_bytes": settings.FILE_UPLOAD_MAX_BYTES,
        "avatar_max_bytes": settings.AVATAR_MAX_BYTES,
    }


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,  # canonical and Open Graph URLs
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        "TERMS": site_terms(),
        # For {% cache PUBLIC_CACHE_SECONDS name PUBLIC_CACHE_VERSION ... %} (core.public_cache):
        # the cache is read only by the templates that use it.
        "PUBLIC_CACHE_SECONDS": PUBLIC_CACHE_SECONDS,
        "PUBLIC_CACHE_VERSION": SimpleLazyObject(lambda: public_cache_version(request)),
    }
