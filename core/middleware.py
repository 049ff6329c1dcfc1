from http import HTTPStatus

from csp.middleware import CSPMiddleware as PolicyOnEveryResponseMiddleware
from django.conf import settings
from django.contrib.messages import get_messages
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.defaults import page_not_found


class HtmxMessagesMiddleware:
    """Show Django messages as toasts after an htmx request too.

    A full page renders its messages in base.html. An htmx partial does not, so
    the pending messages are appended as an out-of-band swap into #toasts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or not self._is_swappable_html(response):
            return response
        pending = list(get_messages(request))
        if pending:
            response.write(
                render_to_string("includes/toasts.html", {"messages": pending, "oob": True}, request)
            )
        return response

    @staticmethod
    def _is_swappable_html(response):
        return (
            not response.streaming
            and 200 <= response.status_code < 300
            and response.status_code != 204  # htmx swaps nothing on 204
            and "HX-Redirect" not in response
            and response.get("Content-Type", "").startswith("text/html")
        )


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set.

    - ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): no page of ours
      uses the camera, the microphone, geolocation...; an injected script or
      frame cannot ask for them either.
    - ``Cache-Control: no-store`` on the HTML pages of a logged-in user: the
      browser keeps no copy of their orders, invoices or messages on disk,
      and "Back" after logging out shows nothing. A view that chose its own
      caching with ``no-store`` (never_cache) is left alone.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if (
            response.get("Content-Type", "").startswith("text/html")
            and "no-store" not in response.get("Cache-Control", "")
            and getattr(getattr(request, "user", None), "is_authenticated", False)
        ):
            add_never_cache_headers(response)
        return response


class OurNotFoundPageInDebugMiddleware:
    """With DEBUG on (`make run`), an object a view refuses or cannot find
    (``Http404`` raised by the view: another client's order, a deleted file)
    shows our French 404 page, as in production, so the ordinary user flows
    look the same in development. An address that matches no URL still gets
    Django's technical 404 (the list of URL patterns, for developers), and
    errors keep their traceback. With DEBUG off Django already renders ours:
    this does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class CSPMiddleware(PolicyOnEveryResponseMiddleware):
    """django-csp's Content-Security-Policy, except on a 304: it carries no
    body for a policy to protect, and a browser that revalidates keeps the
    headers of the copy it has. The bell and the polls answer 304 to every
    open tab every few seconds, and django-csp builds the policy afresh on
    each response: about a tenth of their time."""

    def process_response(self, request, response):
        if response.status_code == HTTPStatus.NOT_MODIFIED:
            return response
        return super().process_response(request, response)
