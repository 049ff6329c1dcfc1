import logging

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import ERROR, OK, run_checks

logger = logging.getLogger(__name__)


def landing(request):
    """The home page. core imports none of our apps: the services, prices,
    calculator, testimonials, FAQ and public forms come through the template
    tags of orders, cms and support (loaded by name in the template)."""
    return render(request, "core/landing.html", {"free_sample_max_pages": settings.FREE_SAMPLE_MAX_PAGES})


def _is_internal_probe(request):
    """A staff session, or the X-Health-Token header equal to HEALTH_CHECK_TOKEN."""
    token = settings.HEALTH_CHECK_TOKEN
    sent = request.headers.get("X-Health-Token", "")
    if token and sent and constant_time_compare(sent, token):
        return True
    try:  # the session lives in the database: when it is down, answer the probe anyway
        return bool(getattr(request.user, "is_staff", False))
    except Exception:  # noqa: BLE001 — the database check will name the failure
        return False


@never_cache
@require_GET
def health(request):
    """Public: reads only. Internal (see _is_internal_probe): also writes to the storage."""
    status, checks = run_checks(deep=_is_internal_probe(request))
    if status != OK:
        log = logger.error if status == ERROR else logger.warning
        log("health check %s: %s", status.lower(), checks)
    payload = {
        "status": status,
        "timestamp": timezone.now().isoformat(),
        "checks": checks,
    }
    # Degraded still serves pages: the load balancer keeps the instance.
    return JsonResponse(payload, status=503 if status == ERROR else 200)


def favicon(request):
    # Resolved per request: the hashed static name exists only after collectstatic.
    return redirect(static("img/favicon.svg"), permanent=True)


def rate_limited(request, exception=None):
    """django-ratelimit sends blocked requests here (RATELIMIT_VIEW)."""
    return render(request, "429.html", status=429)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's page is in English and speaks of cookies
    to a user whose form simply expired. Django logs the reason itself."""
    return render(request, "403_csrf.html", status=403)
