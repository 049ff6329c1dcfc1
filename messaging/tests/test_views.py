import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import page_text
from files.models import StoredFile
from messaging import selectors, services
from messaging.models import Conversation, Message

from .conftest import exe_named_pdf, pdf

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def conversation_urls(conversation, message, attachment):
    return {
        "detail": ("get", reverse("messaging:conversation", args=[conversation.pk]), {}),
        "send": ("post", reverse("messaging:send", args=[conversation.pk]), {"content": "Intrus"}),
        "since": ("get", reverse("messaging:since", args=[conversation.pk]), {"after": 0}),
        "draft": ("post", reverse("messaging:draft", args=[conversation.pk]), {"content": "Intrus"}),
        "archive": ("post", reverse("messaging:archive", args=[conversation.pk]), {"archived": "1"}),
        "pin": ("post", reverse("messaging:pin", args=[conversation.pk, message.pk]), {"pinned": "1"}),
        "attachment": ("get", reverse("messaging:attachment", args=[attachment.pk]), {}),
        "order": ("get", reverse("messaging:order", args=[conversation.order_id]), {}),
    }


@pytest.fixture
def exchange(conversation, client_user, corrector):
    """A conversation with a message carrying an attachment."""
    message = services.message_send(conversation=conversation, sender=client_user, content="Mon chapitre 1",
                                    attachments=[pdf("chapitre-1.pdf")])
    return conversation, message, message.attachments.get()


# --- Access ---------------------------------------------------------------------------

@pytest.mark.parametrize("intruder", ["other_client", "unassigned_corrector"])
def test_every_conversation_url_answers_404_to_outsiders(client, exchange, intruder, other_client, other_corrector):
    conversation, message, attachment = exchange
    client.force_login(other_client if intruder == "other_client" else other_corrector)
    for name, (method, url, data) in conversation_urls(conversation, message, attachment).items():
        for extra in ({}, HTMX):
            response = getattr(client, method)(url, data, **extra)
            assert response.status_code == 404, name
    assert Message.objects.count() == 1 and not Message.objects.get().is_pinned
    assert not Message.objects.filter(status=Message.Status.BROUILLON).exists()


def test_anonymous_visitors_are_sent_to_login(client, exchange):
    conversation, message, attachment = exchange
    for name, (method, url, data) in conversation_urls(conversation, message, attachment).items():
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_unknown_conversation_is_404(client, client_user):
    client.force_login(client_user)
    assert client.get("/messages/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/messages/attachments/999999/").status_code == 404


def test_participants_and_staff_read_the_conversation(client, exchange, client_user, corrector, staff):
    conversation, _message, attachment = exchange
    for user in (client_user, corrector, staff):
        client.force_login(user)
        response = client.get(reverse("messaging:conversation", args=[conversation.pk]))
        assert response.status_code == 200
        assert "Mon chapitre 1" in page_text(response)
        download = client.get(reverse("messaging:attachment", args=[attachment.pk]))
        assert download.status_code == 200
        assert "chapitre-1.pdf" in download["Content-Disposition"]
        assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_staff_inbox_lists_every_conversation(client, conversation, direct, staff, client_user, corrector):
    client.force_login(staff)
    text = page_text(client.get(reverse("messaging:inbox")))
    assert conversation.subject in text and direct.subject in text
    client.force_login(corrector)
    text = page_text(client.get(reverse("messaging:inbox")))
    assert conversation.subject in text and direct.subject not in text


def test_order_link_redirects_to_its_conversation_or_404(client, working_order, client_user, staff, other_client):
    client.force_login(client_user)
    url = reverse("messaging:order", args=[working_order.pk])
    assert client.get(url).status_code == 404  # the orders side has not opened it yet
    conversation = services.conversation_for_order(order=working_order)
    for user in (client_user, staff):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/messages/{conversation.pk}/"
    client.force_login(other_client)
    assert client.get(url).status_code == 404


# --- Sending ---------------------------------------------------------------------------------

def test_htmx_send_returns_the_message_and_the_other_side_polls_it(client, conversation, client_user, corrector):
    client.force_login(corrector)
    earlier = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    since = reverse("messaging:since", args=[conversation.pk])
    nothing_new = client.get(since, {"after": earlier.pk})
    assert nothing_new.status_code == 200 and not nothing_new.content.strip()  # nothing to append

    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]),
                           {"content": "Voici la suite\nligne 2"}, **HTMX)
    assert response.status_code == 200
    message = Message.objects.get(content="Voici la suite\nligne 2")
    assert f'data-message-id="{message.pk}"' in response.content.decode()
    assert "Voici la suite<br>ligne 2" in response.content.decode()
    assert "<html" not in response.content.decode()  # a partial, appended by htmx
    assert "messaging:sent" in response["HX-Trigger"]

    client.force_login(corrector)
    polled = client.get(since, {"after": earlier.pk}, **HTMX)
    assert polled.status_code == 200 and f'data-message-id="{message.pk}"' in polled.content.decode()
    assert f'data-message-id="{earlier.pk}"' not in polled.content.decode()
    nothing_new = client.get(since, {"after": message.pk}, **HTMX)
    assert nothing_new.status_code == 200 and not nothing_new.content.strip()
    # Seen in the open conversation: read.
    assert selectors.unread_total(user=corrector) == 0


def test_message_ids_past_a_thousand_stay_plain_numbers_in_the_page(client, conversation, client_user, corrector):
    """French formatting writes 1234 as "1 234"; the page's script reads ids
    from data-message-id, so every message past id 999 looked like another's
    duplicate and vanished from the list (seen once the table grew)."""
    first = Message.objects.create(id=123_456, conversation=conversation, sender=corrector, content="Grand numéro")
    Message.objects.create(id=123_457, conversation=conversation, sender=client_user, content="Réponse", parent=first)
    client.force_login(client_user)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert 'data-message-id="123456"' in page and 'id="message-123456"' in page
    assert 'href="#message-123456"' in page  # the reply's quote of its parent
    assert 'data-reply-to="123456"' in page and "?reply_to=123456#" in page


def test_poll_with_a_junk_cursor_is_harmless(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    response = client.get(reverse("messaging:since", args=[conversation.pk]), {"after": "abc"})
    assert response.status_code == 200 and "Bonjour" in page_text(response)


def test_send_errors_come_back_in_the_form_in_french(client, conversation, client_user):
    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "   "}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#message-form" and response["HX-Reswap"] == "outerHTML"
    assert "Écrivez un message." in page_text(response)
    assert not Message.objects.exists()


def test_send_without_htmx_redirects_to_the_message(client, conversation, client_user):
    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "Sans JavaScript"})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.pk}/#message-{message.pk}"


def test_reply_to_through_the_form(client, conversation, client_user, corrector):
    question = services.message_send(conversation=conversation, sender=client_user, content="Une question")
    client.force_login(corrector)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]), {"reply_to": question.pk})
    assert f'name="parent" value="{question.pk}"' in page.content.decode()
    client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "Réponse", "parent": question.pk},
                **HTMX)
    assert Message.objects.get(content="Réponse").parent == question


def test_client_and_corrector_are_not_offered_the_team_signature(client, conversation, client_user, corrector,
                                                                 staff):
    url = reverse("messaging:conversation", args=[conversation.pk])
    for user in (client_user, corrector):
        client.force_login(user)
        assert 'name="signed_as_team"' not in client.get(url).content.decode()
        # A forged field is not a field: ignored.
        client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "Moi", "signed_as_team": "on"},
                    **HTMX)
    assert not Message.objects.filter(signed_as_team=True).exists()

    client.force_login(staff)
    assert 'name="signed_as_team"' in client.get(url).content.decode()
    response = client.post(reverse("messaging:send", args=[conversation.pk]),
                           {"content": "Nous revenons vers vous", "signed_as_team": "on"}, **HTMX)
    assert "Équipe Staka Livres" in page_text(response)
    assert staff.get_full_name() not in page_text(response)
    assert Message.objects.get(signed_as_team=True).sender == staff
    # Having joined, staff are "the team" in the participants' list too.
    client.force_login(client_user)
    text = page_text(client.get(url))
    assert "l'équipe Staka Livres" in text and staff.get_full_name() not in text


# --- Read state, inbox ------------------------------------------------------------------------

def test_opening_a_conversation_marks_it_read(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=corrector, content="Un")
    services.message_send(conversation=conversation, sender=corrector, content="Deux")
    client.force_login(client_user)
    badge = client.get(reverse("messaging:unread_badge"))
    assert "2" in page_text(badge) and "messages non lus" in page_text(badge)
    inbox = page_text(client.get(reverse("messaging:inbox")))
    assert "2 non lus" in inbox
    client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert page_text(client.get(reverse("messaging:unread_badge"))).strip() == ""
    assert "non lu" not in page_text(client.get(reverse("messaging:inbox")))
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.LU}


def test_inbox_search_and_archive_filter(client, conversation, direct, client_user, corrector):
    services.message_send(conversation=conversation, sender=corrector, content="Les guillemets français")
    services.message_send(conversation=direct, sender=client_user, content="Quel délai ?")
    client.force_login(client_user)
    inbox = reverse("messaging:inbox")
    text = page_text(client.get(inbox, {"q": "guillemets"}))
    assert conversation.subject in text and direct.subject not in text
    text = page_text(client.get(inbox, {"q": "délais"}))  # the subject
    assert direct.subject in text and conversation.subject not in text

    client.post(reverse("messaging:archive", args=[direct.pk]), {"archived": "1"})
    text = page_text(client.get(inbox))
    assert conversation.subject in text and direct.subject not in text
    text = page_text(client.get(inbox, {"archived": "1"}))
    assert direct.subject in text and conversation.subject not in text
    client.post(reverse("messaging:archive", args=[direct.pk]), {"archived": "0"})
    assert direct.subject in page_text(client.get(inbox))


def test_nav_shows_the_messages_entry(client, client_user):
    client.force_login(client_user)
    html = client.get(reverse("messaging:inbox")).content.decode()
    assert 'href="/messages/"' in html and 'hx-get="/messages/unread/"' in html


# --- Drafts and pins ---------------------------------------------------------------------------

def test_draft_is_saved_and_shown_again(client, conversation, client_user, corrector):
    client.force_login(client_user)
    response = client.post(reverse("messaging:draft", args=[conversation.pk]),
                           {"content": "Je voulais vous dire", "after": 0}, **HTMX)
    assert response.status_code == 200 and "Brouillon enregistré" in page_text(response)
    client.post(reverse("messaging:draft", args=[conversation.pk]), {"content": "Je voulais vous dire que"}, **HTMX)
    draft = Message.objects.get(status=Message.Status.BROUILLON)
    assert draft.content == "Je voulais vous dire que"
    page = page_text(client.get(reverse("messaging:conversation", args=[conversation.pk])))
    assert "Je voulais vous dire que" in page
    # Nobody else sees it.
    client.force_login(corrector)
    assert "Je voulais vous dire" not in page_text(client.get(reverse("messaging:conversation", args=[conversation.pk])))
    client.force_login(client_user)
    client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "Je voulais vous dire merci"}, **HTMX)
    assert not Message.objects.filter(status=Message.Status.BROUILLON).exists()


def test_pinned_messages_are_listed_on_top(client, conversation, client_user, corrector):
    first = services.message_send(conversation=conversation, sender=client_user, content="Consigne importante")
    services.message_send(conversation=conversation, sender=corrector, content="Bien noté")
    client.force_login(corrector)
    response = client.post(reverse("messaging:pin", args=[conversation.pk, first.pk]), {"pinned": "1"})
    assert response.status_code == 302
    html = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert html.index("Messages épinglés") < html.index("Consigne importante") < html.index("Bien noté")
    client.post(reverse("messaging:pin", args=[conversation.pk, first.pk]), {"pinned": "0"})
    assert "Messages épinglés" not in client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()


# --- Attachments ----------------------------------------------------------------------------

def test_attachments_through_the_form(client, conversation, client_user, corrector):
    client.force_login(client_user)
    url = reverse("messaging:send", args=[conversation.pk])
    response = client.post(url, {"content": "Deux fichiers", "attachments": [pdf("a.pdf"), pdf("b.pdf")]}, **HTMX)
    assert response.status_code == 200 and "a.pdf" in page_text(response) and "b.pdf" in page_text(response)
    assert Message.objects.get().attachments.count() == 2


def test_eleven_files_are_refused_by_the_form(client, conversation, client_user):
    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]),
                           {"content": "Trop", "attachments": [pdf(f"{n}.pdf") for n in range(11)]}, **HTMX)
    assert "10 pièces jointes au maximum" in page_text(response)
    assert not Message.objects.exists() and not StoredFile.objects.filter(role=StoredFile.Role.ATTACHMENT).exists()


def test_disguised_file_is_refused_by_the_form(client, conversation, client_user):
    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]),
                           {"content": "Mon roman", "attachments": [exe_named_pdf("roman.pdf")]}, **HTMX)
    assert "« roman.pdf »" in page_text(response) and "n'est pas d'un type accepté" in page_text(response)
    assert not Message.objects.exists() and not StoredFile.objects.filter(role=StoredFile.Role.ATTACHMENT).exists()


def test_someone_elses_file_cannot_be_attached_by_id(client, conversation, client_user, corrector):
    theirs = services.message_send(conversation=conversation, sender=corrector, content="Corrigé",
                                   attachments=[pdf("corrige.pdf")]).attachments.get().stored_file
    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]),
                           {"content": "Je renvoie", "existing_files": [theirs.pk]}, **HTMX)
    assert "Vous ne pouvez joindre que vos propres fichiers." in page_text(response)
    assert Message.objects.count() == 1


def test_own_order_file_can_be_attached(client, conversation, client_user, working_order):
    manuscript = working_order.files.get()
    client.force_login(client_user)
    page = page_text(client.get(reverse("messaging:conversation", args=[conversation.pk])))
    assert "Joindre un fichier déjà déposé" in page and manuscript.original_name in page
    client.post(reverse("messaging:send", args=[conversation.pk]),
                {"content": "Le manuscrit", "existing_files": [manuscript.pk]}, **HTMX)
    assert Message.objects.get().attachments.get().stored_file == manuscript


# --- Content safety and privacy -------------------------------------------------------------

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)"]


def test_message_content_is_never_markup(client, conversation, client_user, corrector):
    client.force_login(client_user)
    content = "\n".join([*XSS, "Voir https://example.com/page?a=1&b=2"])
    sent = client.post(reverse("messaging:send", args=[conversation.pk]), {"content": content}, **HTMX)
    client.force_login(corrector)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    inbox = client.get(reverse("messaging:inbox"))
    for response in (sent, page, inbox):
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html and "<img" not in html.split("</header>", 1)[-1]
        assert 'href="javascript:' not in html.lower()
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://example.com/page?a=1&amp;b=2" rel="nofollow">' in html


def test_no_password_hash_or_other_users_email_anywhere(client, exchange, client_user, corrector, staff, direct):
    conversation, _message, _attachment = exchange
    services.message_send(conversation=conversation, sender=corrector, content="Réponse du correcteur")
    services.message_send(conversation=direct, sender=staff, content="L'équipe répond", signed_as_team=True)
    secrets = {user: (user.email, user.password) for user in (client_user, corrector, staff)}
    for viewer in (client_user, corrector, staff):
        client.force_login(viewer)
        responses = [
            client.get(reverse("messaging:inbox")),
            client.get(reverse("messaging:conversation", args=[conversation.pk])),
            client.get(reverse("messaging:since", args=[conversation.pk]), {"after": 0}, **HTMX),
            client.get(reverse("messaging:unread_badge")),
            client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "Encore"}, **HTMX),
        ]
        if viewer != corrector:
            responses.append(client.get(reverse("messaging:conversation", args=[direct.pk])))
        for response in responses:
            text = page_text(response)
            for user, (email, password_hash) in secrets.items():
                assert password_hash not in text
                if user != viewer:
                    assert email not in text, (viewer, response.request["PATH_INFO"])


# --- Starting a conversation -----------------------------------------------------------------

def test_client_writes_to_the_team(client, client_user, staff):
    client.force_login(client_user)
    response = client.post(reverse("messaging:start"), {"subject": "Facture", "content": "Où est ma facture ?"})
    conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    assert response.status_code == 302 and response["Location"] == f"/messages/{conversation.pk}/"
    assert conversation.messages.get().content == "Où est ma facture ?"
    # Nobody of the team is in it yet: every admin hears about it.
    assert any(staff.email in m.to for m in mail.outbox)


def test_start_form_errors_in_french(client, client_user):
    client.force_login(client_user)
    text = page_text(client.post(reverse("messaging:start"), {"subject": "", "content": ""}))
    assert "Indiquez un sujet." in text and "Écrivez un message." in text
    assert not Conversation.objects.exists()


def test_only_clients_open_a_direct_conversation(client, corrector, staff):
    for user in (corrector, staff):
        client.force_login(user)
        assert client.get(reverse("messaging:start")).status_code == 403


def test_staff_without_participation_cannot_archive(client, conversation, staff):
    client.force_login(staff)
    response = client.post(reverse("messaging:archive", args=[conversation.pk]), {"archived": "1"}, follow=True)
    assert "Vous ne participez pas à cette conversation." in page_text(response)


def test_another_clients_direct_conversation_is_404(client, direct):
    client.force_login(UserFactory())
    assert client.get(reverse("messaging:conversation", args=[direct.pk])).status_code == 404


def test_each_compose_form_carries_a_token_and_htmx_gets_the_next_one(client, conversation, client_user):
    """A repeated submit of one compose form posts one message; after an htmx
    send the server hands the composer the next form's token (messaging.js)."""
    import json
    import uuid

    client.force_login(client_user)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert 'name="client_token"' in page
    url = reverse("messaging:send", args=[conversation.pk])
    token = str(uuid.uuid4())
    response = client.post(url, {"content": "Par htmx", "client_token": token}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Par htmx" in page_text(response)
    next_token = json.loads(response["HX-Trigger"])["messaging:sent"]["client_token"]
    assert uuid.UUID(next_token) != uuid.UUID(token)
    # The same form again (a retry): nothing appended, nothing written.
    again = client.post(url, {"content": "Par htmx", "client_token": token}, headers={"HX-Request": "true"})
    assert again.status_code == 200 and "Par htmx" not in page_text(again)
    assert Message.objects.filter(conversation=conversation, content="Par htmx").count() == 1
    # The next form's token posts a new message.
    client.post(url, {"content": "Par htmx", "client_token": next_token}, headers={"HX-Request": "true"})
    assert Message.objects.filter(conversation=conversation, content="Par htmx").count() == 2
