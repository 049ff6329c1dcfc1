import logging

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks

logger = logging.getLogger(__name__)


def landing(request):
    return render(request, "core/landing.html")


@never_cache
@require_GET
def health(request):
    ok, checks = run_checks()
    if not ok:
        logger.error("health check failed: %s", checks)
    payload = {
        "status": "OK" if ok else "ERROR",
        "timestamp": timezone.now().isoformat(),
        "checks": checks,
    }
    return JsonResponse(payload, status=200 if ok else 503)


def favicon(request):
    # Resolved per request: the hashed static name exists only after collectstatic.
    return redirect(static("img/favicon.svg"), permanent=True)


def rate_limited(request, exception=None):
    """django-ratelimit sends blocked requests here (RATELIMIT_VIEW)."""
    return render(request, "429.html", status=429)
