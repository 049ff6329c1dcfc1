import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from accounts.services import user_anonymise, user_export_data
from core.registry import demo_seeders
from core.testing import page_text
from messaging import services
from messaging.models import Conversation, Message
from orders.services import order_cancel

pytestmark = pytest.mark.django_db


def test_export_holds_the_users_messages(conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Mon message")
    services.message_send(conversation=conversation, sender=corrector, content="Celui du correcteur")
    services.message_save_draft(conversation=conversation, sender=client_user, content="Mon brouillon")
    data = user_export_data(user=client_user)["messages"]
    json.dumps(data, cls=DjangoJSONEncoder)
    contents = [m["content"] for m in data["messages"]]
    assert contents == ["Mon message", "Mon brouillon"]
    assert data["conversations"][0]["subject"] == conversation.subject


def test_anonymisation_keeps_messages_under_the_anonymised_sender(client, conversation, client_user, corrector,
                                                                 staff):
    sent = services.message_send(conversation=conversation, sender=client_user, content="Ce que j'ai écrit")
    services.message_save_draft(conversation=conversation, sender=client_user, content="Jamais envoyé")
    old_name = client_user.get_full_name()
    # An account is not deleted while its order is in progress (issue 9): the team cancels it first.
    order_cancel(order=conversation.order, by=staff, note="Le client part")
    user_anonymise(user=client_user, by=staff)
    assert Message.objects.filter(pk=sent.pk, sender=client_user).exists()
    assert not Message.objects.filter(status=Message.Status.BROUILLON).exists()
    client.force_login(corrector)
    text = page_text(client.get(reverse("messaging:conversation", args=[conversation.pk])))
    assert "Ce que j'ai écrit" in text and "Utilisateur supprimé" in text and old_name not in text


def test_demo_seeder_is_idempotent_and_adds_the_order_conversation_once_it_exists(settings):
    demo_seeders["accounts"]()
    demo_seeders["messaging"]()  # before orders, as in seed_demo
    assert Message.objects.count() == 3
    demo_seeders["orders"]()
    demo_seeders["messaging"]()
    demo_seeders["messaging"]()
    assert Message.objects.count() == 5
    order_conversation = Conversation.objects.get(kind=Conversation.Kind.ORDER)
    assert order_conversation.subject == "Mémoires d'un libraire"
    senders = set(Message.objects.exclude(sender=None).values_list("sender__email", flat=True))
    assert senders == {"user@example.com", "corrector@staka-editions.com", "admin@staka-editions.com"}
    assert Message.objects.filter(signed_as_team=True).count() == 1
