"""A visitor's messages (sender NULL, the name and e-mail they gave) in a
support conversation: how they show, who hears of them, what they refuse."""

import pytest

from messaging import services
from messaging.display import sender_display_name
from messaging.models import Conversation, Message
from messaging.services import MessagingError
from notifications.models import Notification

from .conftest import exe_named_pdf, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_conversation():
    return services.conversation_start_support(subject="Une question de visiteur")


def test_a_visitor_message_shows_the_visitors_name_and_keeps_the_files(support_conversation):
    message = services.message_post_from_visitor(
        conversation=support_conversation, name="Jeanne Martin", email="jeanne@example.net", content="Bonjour",
        attachments=[pdf()])
    assert message.sender is None and message.is_from_visitor and not message.is_system
    assert sender_display_name(message) == "Jeanne Martin (visiteur)"
    stored = message.attachments.get().stored_file
    assert stored.uploaded_by is None
    support_conversation.refresh_from_db()
    assert support_conversation.last_message == message


def test_the_team_hears_of_a_visitor_message(support_conversation, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post_from_visitor(conversation=support_conversation, name="Jeanne",
                                           email="jeanne@example.net", content="Bonjour")
    assert Notification.objects.filter(user=staff, message__contains="Jeanne (visiteur)").count() == 1


def test_visitor_messages_are_refused_outside_support_or_with_bad_input(support_conversation, direct):
    with pytest.raises(MessagingError, match="demande d'assistance"):
        services.message_post_from_visitor(conversation=direct, name="J", email="j@example.net", content="Salut")
    with pytest.raises(MessagingError, match="adresse e-mail"):
        services.message_post_from_visitor(conversation=support_conversation, name="J", email="pas-une-adresse",
                                           content="Salut")
    with pytest.raises(Exception, match="type accepté"):
        services.message_post_from_visitor(conversation=support_conversation, name="J", email="j@example.net",
                                           content="Salut", attachments=[exe_named_pdf()])
    assert not Message.objects.filter(conversation__kind=Conversation.Kind.SUPPORT).exists()


def test_only_staff_join_a_conversation(support_conversation, client_user, staff):
    with pytest.raises(MessagingError):
        services.conversation_join(conversation=support_conversation, user=client_user)
    services.conversation_join(conversation=support_conversation, user=staff)
    services.conversation_join(conversation=support_conversation, user=staff)
    assert support_conversation.participants.get().user == staff
