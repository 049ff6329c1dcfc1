"""The error pages a person meets are ours, in French (issue 9).

With DEBUG off (production, and these tests) Django renders templates/404.html,
403.html and 500.html. With DEBUG on (`make run`), a 404 raised by a view (an
order that is not yours, a file that is gone) shows our page too; only an
address that matches no URL keeps Django's technical 404, for developers,
and a crash keeps its traceback.
"""

import logging

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from config.urls import urlpatterns as site_urls
from core.testing import visible_text


def crash(request):
    raise RuntimeError("boom")


def ok(request):
    return HttpResponse("ok")


# This module is also a URLconf: the site plus a view that fails.
urlpatterns = [path("__crash__/", crash), path("__ok__/", ok), *site_urls]


def text_of(response):
    return visible_text(response.content.decode())


def assert_our_page(response, status, title):
    assert response.status_code == status
    body = response.content.decode()
    text = text_of(response)
    assert '<html lang="fr"' in body and "/static/css/app" in body  # our layout, not Django's page
    assert text.startswith(f"{title} · Staka Livres") and "Retour à l'accueil" in text
    for technical in ("Traceback", "URLconf", "DEBUG = True", "Page not found"):
        assert technical not in body


@pytest.mark.django_db
def test_an_unknown_address_shows_our_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert_our_page(response, 404, "Page introuvable")
    assert [t.name for t in response.templates][0] == "404.html"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run-debug"])
def test_another_clients_order_shows_our_404(client, make_order, settings, debug):
    """With DEBUG on too (`make run`): the user flows look as in production."""
    settings.DEBUG = debug
    order = make_order()
    client.force_login(UserFactory())
    response = client.get(reverse("orders:detail", args=[order.pk]))
    assert_our_page(response, 404, "Page introuvable")


@pytest.mark.django_db
def test_a_page_of_another_role_shows_our_403(client):
    client.force_login(UserFactory())
    response = client.get(reverse("orders:staff_board"))
    assert_our_page(response, 403, "Accès refusé")
    assert "Vous n'avez pas accès à cette page." in text_of(response)


@pytest.mark.django_db
def test_a_corrector_on_the_order_form_gets_our_403(client):
    client.force_login(CorrectorFactory())
    assert_our_page(client.get(reverse("orders:create")), 403, "Accès refusé")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_shows_our_500_without_details(caplog):
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        response = browser.get("/__crash__/")
    assert_our_page(response, 500, "Erreur du serveur")
    assert "Une erreur est survenue de notre côté" in text_of(response)
    assert "boom" not in text_of(response) and "RuntimeError" not in text_of(response)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_in_debug_an_unknown_address_keeps_the_technical_404_for_developers(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()
