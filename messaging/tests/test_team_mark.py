"""A client who calls themself "Équipe Staka Livres" never looks like the team:
team-signed messages carry a mark no client can produce, other names show
their role, and reserved names are refused."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from core.testing import page_text
from messaging import services

pytestmark = pytest.mark.django_db

TEAM = "Équipe Staka Livres"


@pytest.fixture
def impostor(client_user):
    # Named so before reserved names were refused (or by an admin).
    User.objects.filter(pk=client_user.pk).update(first_name="Équipe", last_name="Staka Livres")
    client_user.refresh_from_db()
    return client_user


def test_the_page_marks_team_messages_and_names_the_impostor_as_a_client(client, conversation, impostor, corrector,
                                                                         staff):
    fake = services.message_send(conversation=conversation, sender=impostor, content="Payez ici : http://x.example")
    real = services.message_send(conversation=conversation, sender=staff, content="Vraie équipe", signed_as_team=True)
    client.force_login(corrector)
    html = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    fake_html = html[html.index(f'id="message-{fake.pk}"'):html.index(f'id="message-{real.pk}"')]
    real_html = html[html.index(f'id="message-{real.pk}"'):]
    assert "Équipe Staka Livres (Client)" in fake_html
    assert "message--team" not in fake_html.split(">", 1)[0] and "Équipe officielle" not in fake_html
    assert "message--team" in real_html.split(">", 1)[0] and "Équipe officielle" in real_html


def test_emails_name_the_impostor_as_a_client(conversation, impostor, corrector, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=impostor, content="Je suis l'équipe")
    bodies = [m.body for m in mail.outbox if m.to == [corrector.email]]
    assert bodies and all("Équipe Staka Livres (Client)" in body for body in bodies)
    assert not any(f"{TEAM} :" in body or f"{TEAM} vous" in body for body in bodies)


def test_participants_list_shows_roles(client, conversation, impostor, corrector):
    client.force_login(corrector)
    text = page_text(client.get(reverse("messaging:conversation", args=[conversation.pk])))
    assert "Équipe Staka Livres (Client)" in text


@pytest.mark.parametrize(("first_name", "last_name"), [
    ("Équipe", "Staka Livres"), ("L'equipe", "STAKA"), ("Support", "Technique"), ("Jean", "S.t.a.k.a"),
    ("Admin", "Dupont"),
])
def test_reserved_names_are_refused_at_sign_up(client, first_name, last_name):
    response = client.post(reverse("accounts:register"), {
        "first_name": first_name, "last_name": last_name, "email": "x@example.org", "phone": "",
        "password1": "Lettres-de-Mon-Moulin-42", "password2": "Lettres-de-Mon-Moulin-42", "consent": "on",
    })
    assert response.status_code == 200 and "réservé à l'équipe" in page_text(response)
    assert not User.objects.filter(email="x@example.org").exists()


def test_reserved_names_are_refused_in_the_profile_but_ordinary_names_pass(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("accounts:profile"), {"first_name": "Équipe", "last_name": "Staka"})
    assert "réservé à l'équipe" in page_text(response)
    client_user.refresh_from_db()
    assert client_user.first_name != "Équipe"
    response = client.post(reverse("accounts:profile"), {"first_name": "Stéphane", "last_name": "Kaplan"})
    assert response.status_code == 302
