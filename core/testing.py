"""Helpers shared by the test suites of every app."""

import html
import queue
import threading
from html.parser import HTMLParser

import pytest
from django.core.cache import cache as django_cache
from django.db import connection


def page_text(response):
    """The response body as a reader sees it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


class _Text(HTMLParser):
    """The text a person reads: no markup, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(markup):
    """The words of a page a person reads, whitespace collapsed (no tags, scripts or styles)."""
    parser = _Text()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


server_database_only = pytest.mark.skipif(
    connection.vendor == "sqlite",
    # Each thread has its own connection; SQLite's shared in-memory test
    # database answers "database table is locked" instead of waiting for the
    # lock. The real race runs against MariaDB in CI (DATABASE_URL=mysql://...).
    reason="needs a server database with row locks (MariaDB in CI)",
)


def run_in_threads(work_items, worker, *, threads):
    """Run worker(item) for every item from `threads` threads, each with its
    own database connection, all starting at once. Returns (results, errors)."""
    pending = queue.Queue()
    for item in work_items:
        pending.put(item)
    barrier = threading.Barrier(threads)
    results, errors, lock = [], [], threading.Lock()

    def run():
        try:
            barrier.wait()
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = worker(item)
                except Exception as error:  # noqa: BLE001 - reported by the test
                    with lock:
                        errors.append(repr(error))
                else:
                    with lock:
                        results.append(outcome)
        finally:
            connection.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, errors


SUBMITS = 20


def submit_all(user, url, data=dict, *, times=SUBMITS, headers=None):
    """POST `url` `times` times at once, each from its own browser (logged in
    as `user`, or anonymous when None), as a double click or many tabs would.
    `data` is called per request (an upload is consumed by its request).
    Returns the responses; none may be a server error."""
    from django.test import Client

    browsers = []
    for _ in range(times):
        browser = Client(raise_request_exception=False, headers=headers or {})
        if user is not None:
            browser.force_login(user)
        browsers.append(browser)
    responses, errors = run_in_threads(browsers, lambda browser: browser.post(url, data()), threads=times)
    assert errors == [], errors
    assert len(responses) == times
    assert [r.status_code for r in responses if r.status_code >= 500] == [], "erreur serveur"
    return responses


def enforce_csrf(client):
    """Make the test client check CSRF tokens as a browser's requests are
    checked (Django's test client skips the check unless told at creation)."""
    client.handler.enforce_csrf_checks = True
    return client


class CountingCache:
    """The cache, counting the calls that would each be a Redis round trip."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        method = getattr(django_cache, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted

    @classmethod
    def on(cls, module, monkeypatch):
        """Counts the calls ``module`` makes through its ``cache``."""
        counting = cls()
        monkeypatch.setattr(module, "cache", counting)
        return counting
