"""The database drops the connection between two requests (MariaDB restarted,
a proxy's idle timeout, `KILL`): CONN_HEALTH_CHECKS makes Django notice at
the next request and reconnect, instead of answering 500 with "server has
gone away". MariaDB only; the shared server is never restarted, the
server-side connection is killed from a second connection instead.

The requests go through Django's WSGI handler, as under gunicorn: the test
client disconnects the per-request connection housekeeping it relies on.
"""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "mysql", reason="needs MariaDB (DATABASE_URL=mysql://...; CI has it)"),
]


def wsgi_get(path, cookie):
    status = {}

    def start_response(code, headers, exc_info=None):
        status["code"] = int(code.split()[0])

    environ = RequestFactory().get(path, HTTP_COOKIE=cookie).environ
    body = b"".join(WSGIHandler()(environ, start_response))
    return status["code"], body


def kill_server_side(connection_id):
    import MySQLdb

    params = connection.get_connection_params()
    params.pop("init_command", None)
    other = MySQLdb.connect(**params)
    try:
        other.cursor().execute(f"KILL {int(connection_id)}")
    finally:
        other.close()


@pytest.fixture
def persistent_connection():
    """Connections kept between requests, as in production (CONN_MAX_AGE)."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}

    def configure(*, health_checks):
        connection.close()  # the next connection is opened with these settings
        connection.settings_dict.update({"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": health_checks})

    yield configure
    connection.close()
    connection.settings_dict.update(saved)


def logged_in_cookie():
    browser = Client()
    browser.force_login(UserFactory())
    return "; ".join(f"{name}={morsel.value}" for name, morsel in browser.cookies.items())


def request_kill_request(cookie):
    # Filtered: the list as usually opened comes from the cache and reads no table.
    url = reverse("orders:client_dashboard") + "?status=active"
    first, _ = wsgi_get(url, cookie)
    assert first == 200
    with connection.cursor() as cursor:  # the connection the next request will reuse
        cursor.execute("SELECT CONNECTION_ID()")
        connection_id = cursor.fetchone()[0]
    kill_server_side(connection_id)
    return wsgi_get(url, cookie)


def test_a_connection_killed_between_requests_is_replaced(persistent_connection, settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True  # what every environment runs with
    cookie = logged_in_cookie()
    persistent_connection(health_checks=True)
    status, body = request_kill_request(cookie)
    assert status == 200
    assert "Mon espace" in body.decode()


def test_without_health_checks_the_next_request_fails(persistent_connection):
    """What the setting prevents: the test above could not pass without it."""
    cookie = logged_in_cookie()
    persistent_connection(health_checks=False)
    status, _ = request_kill_request(cookie)
    assert status == 500
