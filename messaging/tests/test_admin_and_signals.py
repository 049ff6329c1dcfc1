import pytest
from django.urls import reverse

from accounts.models import User
from accounts.signals import user_activated
from core.testing import page_text
from messaging import admin as messaging_admin
from messaging import services
from messaging.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_admin_pages_render(client, conversation, client_user, corrector, staff, monkeypatch):
    monkeypatch.setattr(messaging_admin, "INLINE_MESSAGES", 3)
    for n in range(5):
        services.message_send(conversation=conversation, sender=client_user if n % 2 else corrector,
                              content=f"Message numéro {n}")
    client.force_login(staff)
    for url in (
        reverse("admin:messaging_conversation_changelist"),
        reverse("admin:messaging_message_changelist") + "?q=numéro",
        reverse("admin:messaging_message_change", args=[Message.objects.first().pk]),
    ):
        assert client.get(url).status_code == 200, url
    page = page_text(client.get(reverse("admin:messaging_conversation_change", args=[conversation.pk])))
    # Only the latest messages in the inline.
    assert "Message numéro 4" in page and "Message numéro 2" in page and "Message numéro 1" not in page


def test_an_activated_client_is_welcomed(client_user, corrector):
    user_activated.send(sender=User, user=client_user)
    user_activated.send(sender=User, user=corrector)
    conversation = Conversation.objects.get()
    assert conversation.participants.get().user == client_user
    assert conversation.messages.get().type == Message.Type.SYSTEM_MESSAGE
