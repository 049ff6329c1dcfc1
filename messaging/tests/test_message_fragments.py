"""The conversation page renders its messages from a per-message cache
(issue 13): the markup is the one the template renders, a change to what a
message shows gives a fresh rendering at once, the CSRF token is never cached,
and the page's queries do not grow with the messages shown."""

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.testing import enforce_csrf
from messaging import selectors, services
from messaging.models import Message

pytestmark = pytest.mark.django_db


def page(client, conversation):
    response = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def article(html, message):
    match = re.search(rf'<article id="message-{message.pk}".*?</article>', html, re.S)
    assert match, f"message {message.pk} absent"
    return match.group(0)


def uncached(message, user, first_shown, token):
    """What the template renders for ``message`` without the cache."""
    fresh = selectors._messages_base(message.conversation).get(pk=message.pk)
    return render_to_string("messaging/_message.html", {
        "message": fresh, "user": user, "first_shown": first_shown, "csrf_token": token})


def test_cached_markup_is_the_templates_for_each_viewer(client, conversation, client_user, corrector):
    first = services.message_send(conversation=conversation, sender=client_user, content="Bonjour https://example.com")
    reply = services.message_send(conversation=conversation, sender=corrector, content="Re", parent=first)
    for viewer in (client_user, corrector):
        client.force_login(viewer)
        for _ in range(2):  # rendered, then from the cache
            html = page(client, conversation)
            for message in (first, reply):
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', article(html, message)).group(1)
                assert article(html, message) == uncached(message, viewer, first.pk, token).strip()
    client.force_login(corrector)
    html = page(client, conversation)
    assert 'class="message message--mine' in article(html, reply)
    assert 'class="message message--mine' not in article(html, first)


def test_the_csrf_token_is_this_requests_never_the_cached_one(client, conversation, client_user):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(client_user)
    page(client, conversation)
    client.logout()
    client.force_login(client_user)  # a new session: another CSRF secret
    html = page(client, conversation)
    assert "__staka_csrf_token__" not in html
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert tokens and all(len(token) == 64 for token in tokens)
    # The pin form of the cached message posts with this session's token.
    message = Message.objects.get()
    response = enforce_csrf(client).post(reverse("messaging:pin", args=[conversation.pk, message.pk]),
                                         {"pinned": "1", "csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code in (200, 302)


def test_pin_and_unpin_show_at_once(client, conversation, client_user):
    message = services.message_send(conversation=conversation, sender=client_user, content="À retenir")
    client.force_login(client_user)
    assert "Épinglé" not in article(page(client, conversation), message)
    services.message_pin(message=message, by=client_user, pinned=True)
    pinned = article(page(client, conversation), message)
    assert "is-pinned" in pinned and "Épinglé" in pinned and "Détacher" in pinned
    services.message_pin(message=message, by=client_user, pinned=False)
    assert "is-pinned" not in article(page(client, conversation), message)


def test_an_edited_message_or_renamed_author_shows_at_once(client, conversation, client_user, corrector):
    message = services.message_send(conversation=conversation, sender=corrector, content="Première version")
    reply = services.message_send(conversation=conversation, sender=client_user, content="Merci", parent=message)
    client.force_login(client_user)
    page(client, conversation)
    message.content = "Version corrigée"
    message.save()  # an edit in the admin
    html = page(client, conversation)
    assert "Version corrigée" in article(html, message) and "Première version" not in html
    assert "Version corrigée" in article(html, reply)  # the quote too
    corrector.first_name = "Renommé"
    corrector.save()
    html = page(client, conversation)
    assert "Renommé" in article(html, message) and "Renommé" in article(html, reply)


def test_a_deleted_message_leaves_the_page(client, conversation, client_user):
    kept = services.message_send(conversation=conversation, sender=client_user, content="Reste")
    gone = services.message_send(conversation=conversation, sender=client_user, content="Disparaît")
    client.force_login(client_user)
    page(client, conversation)
    gone.delete()
    html = page(client, conversation)
    assert "Disparaît" not in html and "Reste" in article(html, kept)


def test_a_new_message_and_read_marks(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Un")
    client.force_login(corrector)
    page(client, conversation)
    services.message_send(conversation=conversation, sender=client_user, content="Deux")
    html = page(client, conversation)
    assert "Deux" in html
    # Reading stays right: the page marked both messages read for the corrector.
    assert selectors.unread_total(user=corrector) == 0


def test_queries_do_not_grow_with_the_messages_shown(client, conversation, client_user, corrector):
    def counted():
        page(client, conversation)  # fills the caches
        with CaptureQueriesContext(connection) as queries:
            page(client, conversation)
        return len(queries)

    services.message_send(conversation=conversation, sender=client_user, content="Seul")
    client.force_login(corrector)
    few = counted()
    for number in range(30):
        parent = Message.objects.order_by("-id").first()
        services.message_send(conversation=conversation, sender=client_user if number % 2 else corrector,
                              content=f"Message {number}", parent=parent)
    assert counted() == few
