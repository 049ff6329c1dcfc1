"""Helpers shared by the test suites of every app."""

import html


def page_text(response):
    """The response body as a reader sees it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())
