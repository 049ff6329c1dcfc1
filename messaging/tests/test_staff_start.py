"""Issue 9: the team may write first to a chosen client, from the inbox
("Écrire à un client", a search field, never a <select> of every user) or
from the client's admin page. Each send opens a new direct conversation
(created by the staff member, the client a participant)."""

import uuid

import factory
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from messaging import selectors, services
from messaging.models import Conversation, Message, Participant
from messaging.services import MessagingError
from notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "messaging:start_with_client"


@pytest.fixture
def marie():
    return UserFactory(first_name="Marie", last_name="Zqxdupont", email="marie.zqx@example.org")


def post(browser, **data):
    return browser.post(reverse(URL), {"subject": "Votre manuscrit", "content": "Bonjour Marie, une question.",
                                      "client_token": str(uuid.uuid4()), **data})


# --- The service ---------------------------------------------------------------------

def test_staff_open_a_direct_conversation_with_a_client(marie, staff, django_capture_on_commit_callbacks):
    conversation = services.conversation_start_direct(client=marie, subject="Votre manuscrit", by=staff)
    assert conversation.kind == Conversation.Kind.DIRECT and conversation.created_by == staff
    assert list(conversation.participants.values_list("user_id", flat=True)) == [marie.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=staff, content="Bonjour Marie")
    # The staff member joined by posting; the client has one unread message and hears about it.
    assert set(conversation.participants.values_list("user_id", flat=True)) == {marie.pk, staff.pk}
    assert selectors.unread_total(user=marie) == 1
    assert Notification.objects.filter(user=marie, type=Notification.Type.MESSAGE).count() == 1
    assert any(m.to == [marie.email] for m in mail.outbox)
    # A client waiting for nobody: the team is not alerted about its own message.
    assert not Notification.objects.filter(user=staff).exists()


def test_each_subject_is_a_new_conversation_and_a_token_is_one(marie, staff):
    first = services.conversation_start_direct(client=marie, subject="Un", by=staff)
    second = services.conversation_start_direct(client=marie, subject="Deux", by=staff)
    assert first.pk != second.pk
    token = uuid.uuid4()
    again = [services.conversation_start_direct(client=marie, subject="Trois", by=staff, client_token=token)
             for _ in range(2)]
    assert again[0].pk == again[1].pk


@pytest.mark.parametrize("who", ["corrector", "other_client"])
def test_only_staff_open_a_conversation_for_someone_else(marie, who, corrector, other_client):
    by = {"corrector": corrector, "other_client": other_client}[who]
    with pytest.raises(MessagingError, match="Seule l'équipe"):
        services.conversation_start_direct(client=marie, subject="Sujet", by=by)
    assert not Conversation.objects.exists()


def test_staff_write_only_to_active_clients(marie, staff, corrector):
    marie.is_active = False
    marie.save(update_fields=["is_active"])
    for person in (marie, corrector):
        with pytest.raises(MessagingError, match="client dont le compte est actif"):
            services.conversation_start_direct(client=person, subject="Sujet", by=staff)
    assert not Conversation.objects.exists()


# --- The page -------------------------------------------------------------------------

def test_the_inbox_offers_the_button_to_staff_only(client, staff, client_user, corrector):
    for user, shown in ((staff, True), (client_user, False), (corrector, False)):
        client.force_login(user)
        page = client.get(reverse("messaging:inbox")).content.decode()
        assert ("Écrire à un client" in page) is shown
        assert (reverse(URL) in page) is shown


def test_search_finds_active_clients_by_name_or_email(client, staff, marie):
    UserFactory(first_name="Marie", last_name="Zqxinactive", is_active=False)
    CorrectorFactory(first_name="Marie", last_name="Zqxcorrectrice")
    client.force_login(staff)
    for query in ("zqxdup", "Marie Zqx", "marie.zqx@"):
        page = client.get(reverse(URL), {"q": query}).content.decode()
        assert f"?client={marie.pk}" in page, query
        assert "Zqxinactive" not in page and "Zqxcorrectrice" not in page
    page = client.get(reverse(URL), {"q": "introuvable"}).content.decode()
    assert "Aucun client actif ne correspond" in page
    # One letter is no search (and no list of every client).
    assert "?client=" not in client.get(reverse(URL), {"q": "z"}).content.decode()
    assert "<select" not in client.get(reverse(URL)).content.decode()


def test_search_costs_the_same_for_3_or_40_clients(client, staff, django_assert_max_num_queries):
    client.force_login(staff)
    for n in range(3):
        UserFactory(last_name=f"Zqxnombre{n}")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(URL), {"q": "zqxnombre"})
    UserFactory.create_batch(37, last_name=factory.Sequence(lambda n: f"Zqxnombre{n + 100}"))
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        page = client.get(reverse(URL), {"q": "zqxnombre"}).content.decode()
    assert page.count("?client=") == selectors.CLIENT_SEARCH_LIMIT
    assert len(many) == len(few)


def test_the_admin_link_preselects_the_client(client, staff, marie):
    client.force_login(staff)
    page = client.get(reverse(URL), {"client": marie.pk}).content.decode()
    assert "Zqxdupont" in page and f'name="client" value="{marie.pk}"' in page
    assert 'name="subject"' in page and 'name="content"' in page


def test_staff_start_a_conversation_and_land_on_it(client, staff, marie, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, client=marie.pk, signed_as_team="on")
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:conversation", args=[conversation.pk])
    message = Message.objects.get()
    assert message.sender == staff and message.type == Message.Type.ADMIN_MESSAGE and message.signed_as_team
    assert conversation.subject == "Votre manuscrit" and conversation.created_by == staff
    assert Participant.objects.filter(conversation=conversation, user=marie).exists()
    # The client sees it with a badge of 1.
    client.force_login(marie)
    badge = client.get(reverse("messaging:unread_badge")).content.decode()
    assert 'nav__count">1<' in badge
    assert "Votre manuscrit" in client.get(reverse("messaging:inbox")).content.decode()


@pytest.mark.parametrize("data, error", [
    ({"client": ""}, "Choisissez le client à qui écrire"),
    ({"client": "pas-un-uuid"}, "Choisissez le client à qui écrire"),
    ({"client": str(uuid.uuid4())}, "Choisissez le client à qui écrire"),
    ({"subject": ""}, "Indiquez un sujet."),
    ({"content": " "}, "Écrivez un message."),
])
def test_bad_input_is_a_french_message_and_nothing_is_written(client, staff, marie, data, error):
    client.force_login(staff)
    response = post(client, **{"client": marie.pk, **data})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_a_corrector_as_recipient_is_refused(client, staff, corrector):
    client.force_login(staff)
    response = post(client, client=corrector.pk)
    assert "Choisissez le client à qui écrire" in response.content.decode()
    assert not Conversation.objects.exists()


# --- Access -------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["client_user", "corrector"])
def test_only_the_team_may_use_the_page(client, who, client_user, corrector, marie):
    client.force_login({"client_user": client_user, "corrector": corrector}[who])
    assert client.get(reverse(URL), {"q": "zqx"}).status_code == 403
    assert post(client, client=marie.pk).status_code == 403
    assert not Conversation.objects.exists()


def test_visitors_are_sent_to_the_login_page(client, marie):
    response = post(client, client=marie.pk)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Conversation.objects.exists()


def test_the_clients_admin_page_links_to_the_form(client, staff, marie, corrector):
    client.force_login(staff)
    page = client.get(reverse("admin:accounts_user_change", args=[marie.pk])).content.decode()
    assert f"{reverse(URL)}?client={marie.pk}" in page and "Écrire à ce client" in page
    page = client.get(reverse("admin:accounts_user_change", args=[corrector.pk])).content.decode()
    assert "Écrire à ce client" not in page
