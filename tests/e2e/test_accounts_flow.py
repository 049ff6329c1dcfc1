import re

import pytest

from accounts.models import User
from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_registers_activates_and_logs_in(page, live_server, outbox, log_in, screenshot):
    page.goto(live_server.url)
    screenshot(page, "01-landing")
    page.get_by_role("link", name="Créer un compte").first.click()

    page.get_by_label("Prénom").fill("Anaïs")
    page.get_by_label(re.compile(r"^Nom")).fill("Lefèvre")
    page.get_by_label("Adresse e-mail").fill("anais.lefevre@example.org")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("Voyage-au-bout-de-la-nuit-32")
    page.get_by_label("Confirmation du mot de passe").fill("Voyage-au-bout-de-la-nuit-32")
    screenshot(page, "02-register-filled")
    page.get_by_label(re.compile("J'accepte que Staka Livres")).check()
    page.get_by_role("button", name="Créer mon compte").click()

    page.get_by_text("Plus qu'une étape").wait_for()
    screenshot(page, "03-register-done")
    assert User.objects.get(email="anais.lefevre@example.org").is_active is False

    # Before activation, the right password is met with an explanation.
    log_in(page, "anais.lefevre@example.org", "Voyage-au-bout-de-la-nuit-32")
    page.get_by_text("pas encore activé").wait_for()
    screenshot(page, "04-login-not-activated")

    link = re.search(r"https?://\S+/accounts/activate/\S+/", outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_text("Votre compte est activé").wait_for()
    assert page.get_by_label("Adresse e-mail").input_value() == "anais.lefevre@example.org"
    screenshot(page, "05-activated-login")

    page.get_by_label("Mot de passe").fill("Voyage-au-bout-de-la-nuit-32")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Mon espace").wait_for()
    assert page.url.endswith("/dashboard/")
    screenshot(page, "06-client-home")


def test_invalid_registration_shows_french_errors(page, live_server, screenshot):
    UserFactory(email="deja@example.org")
    page.goto(f"{live_server.url}/accounts/register/")
    page.get_by_label("Prénom").fill("Paul")
    page.get_by_label(re.compile(r"^Nom")).fill("Durand")
    page.get_by_label("Adresse e-mail").fill("DEJA@example.org")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("123")
    page.get_by_label("Confirmation du mot de passe").fill("123")
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_text("Votre consentement est nécessaire").first.wait_for()
    page.get_by_text("trop court").first.wait_for()
    # Whether the address has an account is never said (its owner is e-mailed instead).
    assert page.get_by_text("existe déjà").count() == 0
    screenshot(page, "07-register-errors")


def test_each_role_sees_its_own_home(page, live_server, log_in, screenshot):
    corrector = CorrectorFactory(first_name="Julien")
    log_in(page, corrector.email)
    page.get_by_role("heading", name="Mes corrections").wait_for()
    assert page.get_by_role("link", name="Mon espace").count() == 0
    screenshot(page, "08-corrector-home")
    page.get_by_role("button", name="Se déconnecter").click()

    admin = AdminFactory()
    log_in(page, admin.email)
    page.get_by_text("Back-office").wait_for()
    assert "/admin/" in page.url
    screenshot(page, "09-admin-home")
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.get_by_text(corrector.email).wait_for()
    screenshot(page, "10-admin-users")


def test_profile_page(page, live_server, log_in, screenshot):
    user = UserFactory(first_name="Hélène", last_name="Béranger")
    log_in(page, user.email)
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_label("Téléphone").fill("06 00 00 00 00")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Votre profil a été enregistré.").wait_for()
    screenshot(page, "11-profile")

    # Preferences are saved through htmx: no reload, the toast comes out of band.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Actualités et offres de Staka Livres").check()
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    page.get_by_text("Vos préférences de notification ont été enregistrées.").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    user.refresh_from_db()
    assert user.preferences["notifications"]["marketing"] is True
    screenshot(page, "12-profile-htmx-toast")
