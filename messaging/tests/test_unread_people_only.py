"""Issue 9: the Messages badge counts only messages people wrote to you.

The platform's notices ("Paiement reçu", "Correcteur désigné", "Révision
demandée"...) are written without a sender: they show in the thread but
never count as unread, in the badge, in the inbox or in the e-mail summary.
"""

import pytest
from django.core import mail
from django.urls import reverse

from messaging import selectors, services
from messaging.models import Message

pytestmark = pytest.mark.django_db

NOTICES = (
    "Paiement reçu : la commande attend son correcteur.",
    "Julien Martin est le correcteur de ce projet.",
    "Révision demandée : merci de revoir le chapitre 2.",
    "Les fichiers corrigés sont livrés.",
)


def post_notices(order):
    for text in NOTICES:
        services.conversation_post_system_message(order=order, text=text)


def test_badge_counts_the_correctors_one_message_not_the_notices(client, working_order, client_user, corrector):
    post_notices(working_order)
    conversation = services.conversation_for_order(order=working_order)
    services.message_send(conversation=conversation, sender=corrector, content="Bonjour, je commence demain.")
    post_notices(working_order)  # notices after the message too

    assert selectors.unread_total(user=client_user) == 1
    client.force_login(client_user)
    badge = client.get(reverse("messaging:unread_badge")).content.decode()
    assert "nav__count\">1<" in badge and "> message non lu<" in badge


def test_the_inbox_counts_people_only(client, working_order, client_user, corrector):
    post_notices(working_order)
    conversation = services.conversation_for_order(order=working_order)
    services.message_send(conversation=conversation, sender=corrector, content="Une question sur le chapitre 1")
    row = selectors.inbox_for(user=client_user).get(pk=conversation.pk)
    assert row.unread == 1

    client.force_login(client_user)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert "1 non lu" in page and "5 non lus" not in page


def test_notices_alone_leave_no_badge_and_still_show_in_the_thread(client, working_order, client_user, corrector):
    post_notices(working_order)
    assert selectors.unread_total(user=client_user) == 0
    assert selectors.unread_total(user=corrector) == 0
    conversation = services.conversation_for_order(order=working_order)
    assert selectors.inbox_for(user=client_user).get(pk=conversation.pk).unread == 0

    client.force_login(client_user)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    for text in NOTICES:
        assert text.replace("'", "&#x27;") in page


def test_a_new_clients_welcome_is_no_unread_message(client_user):
    services.conversation_welcome(client=client_user)
    assert Message.objects.filter(sender=None).exists()
    assert selectors.unread_total(user=client_user) == 0


def test_the_e_mail_summary_counts_people_only(working_order, client_user, corrector,
                                               django_capture_on_commit_callbacks):
    post_notices(working_order)
    conversation = services.conversation_for_order(order=working_order)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=corrector, content="Voici mes premières remarques.")
    [email] = [m for m in mail.outbox if m.to == [client_user.email] and "Nouveau message" in m.subject]
    assert "1 message non lu dans" in email.body
    assert "Paiement reçu" not in email.body and "Révision demandée" not in email.body


def test_the_e_mail_summary_counts_beyond_the_excerpts(working_order, client_user, corrector,
                                                      django_capture_on_commit_callbacks):
    conversation = services.conversation_for_order(order=working_order)
    for n in range(services.SUMMARY_SIZE + 2):
        services.message_send(conversation=conversation, sender=corrector, content=f"Remarque {n}")
    summary = services._unread_summary(conversation=conversation, user=client_user)
    assert f"{services.SUMMARY_SIZE + 2} messages non lus dans" in summary
    assert summary.count("— ") == services.SUMMARY_SIZE
