"""support.services.ticket_open: the contract the public forms code against."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import CorrectorFactory, UserFactory
from core.models import OutboxEmail
from files.models import StoredFile
from messaging.models import Conversation, Message, Participant
from notifications.models import Notification
from support import services
from support.models import Ticket, TicketEvent
from support.services import TicketError, ticket_open
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name="capture.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def exe_named_pdf():
    return SimpleUploadedFile("capture.pdf", b"MZ\x90\x00" + b"\x00" * 500, content_type="application/pdf")


def test_a_client_ticket_gets_a_number_deadlines_history_and_its_conversation(client_user):
    first = ticket_open(requester=client_user, title="Facture introuvable", description="Où est ma facture ?",
                        category=Ticket.Category.FACTURATION)
    second = open_ticket(requester=client_user)
    assert second.number == first.number + 1
    assert first.status == Ticket.Status.OUVERT and first.source == Ticket.Source.WEB
    target = timedelta(minutes=settings.SUPPORT_SLA_FIRST_RESPONSE_MINUTES["NORMALE"])
    assert first.first_response_due_at - first.created_at == pytest.approx(target, abs=timedelta(seconds=5))
    assert first.sla_due_at == first.first_response_due_at
    event = TicketEvent.objects.get(ticket=first)
    assert (event.kind, event.actor, event.to_value) == (TicketEvent.Kind.CREATED, client_user, "OUVERT")
    conversation = first.conversation
    assert conversation.kind == Conversation.Kind.SUPPORT and str(first.number) in conversation.subject
    assert list(Participant.objects.filter(conversation=conversation).values_list("user", flat=True)) == [client_user.pk]
    message = Message.objects.get(conversation=conversation)
    assert (message.sender, message.content) == (client_user, "Où est ma facture ?")
    conversation.refresh_from_db()
    assert conversation.last_message == message


def test_attachments_are_checked_by_content_and_attached_to_the_first_message(client_user):
    ticket = ticket_open(requester=client_user, title="Erreur", description="Voir la capture.", attachments=[pdf()])
    message = ticket.conversation.messages.get()
    stored = message.attachments.get().stored_file
    assert (stored.original_name, stored.uploaded_by) == ("capture.pdf", client_user)

    with pytest.raises(Exception) as refused:
        ticket_open(requester=client_user, title="Erreur", description="Encore", attachments=[exe_named_pdf()])
    assert "type accepté" in str(refused.value)
    assert Ticket.objects.count() == 1


def test_a_visitor_ticket_has_a_visitor_message_and_files_without_an_uploader():
    ticket = ticket_open(visitor_name="Jeanne Martin", visitor_email="Jeanne@Example.net", visitor_phone="0600000000",
                         title="Échantillon", description="Voici mes 10 pages.", source=Ticket.Source.FREE_SAMPLE,
                         category=Ticket.Category.COMMANDE, attachments=[pdf("extrait.pdf")])
    assert ticket.requester is None and ticket.visitor_email == "jeanne@example.net"
    assert ticket.contact_name == "Jeanne Martin"
    message = ticket.conversation.messages.get()
    assert message.sender is None and message.is_from_visitor and not message.is_system
    assert (message.visitor_name, message.visitor_email) == ("Jeanne Martin", "jeanne@example.net")
    assert message.attachments.get().stored_file.uploaded_by is None
    assert not Participant.objects.filter(conversation=ticket.conversation).exists()


@pytest.mark.parametrize("fields, code", [
    ({}, "visitor_email"),
    ({"visitor_email": "pas-une-adresse", "visitor_name": "X"}, "visitor_email"),
    ({"visitor_email": "a@example.net"}, "visitor_name"),
    ({"visitor_email": "a@example.net", "visitor_name": "A", "title": " "}, "title"),
    ({"visitor_email": "a@example.net", "visitor_name": "A", "description": ""}, "description"),
    ({"visitor_email": "a@example.net", "visitor_name": "A", "category": "NIMPORTE"}, "choice"),
])
def test_invalid_requests_are_refused_with_nothing_written(fields, code):
    data = {"title": "Question", "description": "Bonjour", **fields}
    with pytest.raises(TicketError) as refused:
        ticket_open(**data)
    assert refused.value.code == code and refused.value.messages[0]
    assert not Ticket.objects.exists() and not Conversation.objects.exists()


def test_a_client_and_a_visitor_at_once_or_a_non_client_are_refused(client_user):
    with pytest.raises(TicketError, match="pas des deux"):
        ticket_open(requester=client_user, visitor_email="a@example.net", visitor_name="A", title="Q",
                    description="D")
    with pytest.raises(TicketError, match="client"):
        ticket_open(requester=CorrectorFactory(), title="Q", description="D")
    with pytest.raises(TicketError, match="client"):
        ticket_open(requester=UserFactory(is_active=False), title="Q", description="D")
    with pytest.raises(TicketError, match="quelqu'un d'autre"):
        ticket_open(requester=client_user, title="Q", description="D", by=UserFactory())
    assert not Ticket.objects.exists()


def test_staff_may_open_a_ticket_for_a_client(client_user, staff):
    ticket = ticket_open(requester=client_user, title="Appel", description="Appel du client",
                         source=Ticket.Source.PHONE, by=staff)
    assert ticket.events.get().actor == staff


def test_the_linked_order_must_be_the_requesters(make_order, client_user):
    order = make_order()
    ticket = ticket_open(requester=client_user, title="Ma commande", description="Délai ?", order=order,
                         category=Ticket.Category.COMMANDE)
    assert ticket.order == order
    with pytest.raises(TicketError, match="pas la vôtre"):
        ticket_open(requester=UserFactory(), title="Sa commande", description="?", order=order)
    with pytest.raises(TicketError, match="pas la vôtre"):
        ticket_open(visitor_email="a@example.net", visitor_name="A", title="?", description="?", order=order)


def test_the_same_submission_key_returns_the_ticket_already_opened(client_user):
    first = ticket_open(requester=client_user, title="Q", description="D", submission_key="form-1",
                        attachments=[pdf()])
    again = ticket_open(requester=client_user, title="Q", description="D", submission_key="form-1",
                        attachments=[pdf()])
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert StoredFile.objects.count() == 1


def test_staff_hear_of_a_new_ticket_once_and_the_support_inbox_gets_an_e_mail(
        client_user, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(requester=client_user, priority=Ticket.Priority.URGENTE)
    notification = Notification.objects.get(user=staff)
    assert str(ticket.number) in notification.title
    assert notification.action_url == f"/support/tickets/{ticket.number}/"
    assert notification.priority == Notification.Priority.HAUTE
    email = OutboxEmail.objects.get(template="support_ticket_new")
    assert email.to == settings.SUPPORT_EMAIL and email.status == OutboxEmail.Status.SENT
    # The conversation's first message does not alert the team a second time.
    assert Notification.objects.count() == 1


def test_files_stored_for_a_ticket_that_fails_are_removed(client_user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "_record", broken)
    with pytest.raises(RuntimeError):
        ticket_open(requester=client_user, title="Q", description="D", attachments=[pdf()])
    assert not Ticket.objects.exists()
    assert [f.deleted_at is not None for f in StoredFile.objects.all()] == [True]
