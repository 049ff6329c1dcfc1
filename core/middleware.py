from django.contrib.messages import get_messages
from django.template.loader import render_to_string


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
