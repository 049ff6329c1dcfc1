"""The support pages: who sees what, what the forms do, what a page costs."""

import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import CorrectorFactory, UserFactory
from messaging.models import Message
from support import services
from support.models import CannedReply, Ticket
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db
S = Ticket.Status


def test_clients_see_only_their_own_tickets(client, ticket):
    stranger = UserFactory()
    client.force_login(stranger)
    for url in (f"/aide/tickets/{ticket.number}/", f"/aide/tickets/{ticket.number + 999}/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/aide/tickets/{ticket.number}/repondre/", {"content": "Intrus"}).status_code == 404
    assert client.post(f"/aide/tickets/{ticket.number}/resolu/").status_code == 404
    assert ticket.title not in client.get("/aide/tickets/").content.decode()
    assert Message.objects.filter(conversation=ticket.conversation).count() == 1


def test_the_client_pages_show_the_ticket_and_its_thread(client, client_user, ticket):
    client.force_login(client_user)
    listing = client.get("/aide/tickets/").content.decode()
    assert ticket.title in listing and f"/aide/tickets/{ticket.number}/" in listing
    page = client.get(f"/aide/tickets/{ticket.number}/").content.decode()
    assert ticket.description.replace("'", "&#x27;") in page and "Répondre" in page
    help_page = client.get("/aide/").content.decode()
    assert "Nouvelle demande" in help_page and ticket.title in help_page


@pytest.mark.parametrize("url", ["/aide/", "/aide/tickets/", "/aide/tickets/nouveau/"])
def test_client_pages_are_for_clients(client, url, staff):
    assert client.get(url).status_code == 302  # to the login page
    for person in (CorrectorFactory(), staff):
        client.force_login(person)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/support/", "/support/tickets/{n}/"])
def test_the_queue_and_the_ticket_page_are_for_staff(client, ticket, client_user, url):
    url = url.format(n=ticket.number)
    assert client.get(url).status_code == 302
    for person in (client_user, CorrectorFactory()):
        client.force_login(person)
        assert client.get(url).status_code == 403
    assert client.post(f"/support/tickets/{ticket.number}/prendre/").status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).assigned_to is None


def test_a_client_opens_a_ticket_about_their_order(client, client_user, make_order):
    order = make_order()
    client.force_login(client_user)
    form = client.get("/aide/tickets/nouveau/").content.decode()
    assert order.title in form
    pdf = SimpleUploadedFile("capture.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    data = {"title": "Où en est ma correction ?", "category": "COMMANDE", "order": order.pk,
            "description": "Bonjour, quand sera-t-elle livrée ?", "attachments": [pdf],
            "submission": str(uuid.uuid4())}
    response = client.post("/aide/tickets/nouveau/", data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/aide/tickets/{ticket.number}/"
    assert (ticket.order, ticket.requester, ticket.category) == (order, client_user, "COMMANDE")
    assert ticket.conversation.messages.get().attachments.count() == 1
    # The same form again (double click): the same ticket.
    data["attachments"] = []
    assert client.post("/aide/tickets/nouveau/", data).url == f"/aide/tickets/{ticket.number}/"
    assert Ticket.objects.count() == 1


def test_someone_elses_order_is_not_offered_nor_accepted(client, client_user, make_order):
    order = make_order()
    other = UserFactory()
    client.force_login(other)
    assert order.title not in client.get("/aide/tickets/nouveau/").content.decode()
    response = client.post("/aide/tickets/nouveau/", {"title": "Q", "category": "GENERAL", "order": order.pk,
                                                      "description": "D"})
    assert response.status_code == 200 and "Choisissez une de vos commandes." in response.content.decode()
    assert not Ticket.objects.exists()


def test_invalid_new_ticket_shows_french_errors_and_writes_nothing(client, client_user):
    client.force_login(client_user)
    exe = SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\x00" * 500, content_type="application/pdf")
    response = client.post("/aide/tickets/nouveau/", {"title": "", "category": "GENERAL", "description": "",
                                                      "attachments": [exe]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez l&#x27;objet de votre demande." in page and "Décrivez votre demande." in page
    assert "type accepté" in page
    assert not Ticket.objects.exists()


def test_the_client_answers_confirms_and_rates(client, client_user, ticket, staff):
    services.ticket_reply(ticket=ticket, by=staff, content="Voici la réponse", set_waiting=True)
    client.force_login(client_user)
    assert "Voici la réponse" in client.get(f"/aide/tickets/{ticket.number}/").content.decode()
    client.post(f"/aide/tickets/{ticket.number}/repondre/", {"content": "Merci, une autre question"})
    assert Ticket.objects.get(pk=ticket.pk).status == S.EN_COURS
    services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff)
    assert "Mon problème est résolu" in client.get(f"/aide/tickets/{ticket.number}/").content.decode()
    client.post(f"/aide/tickets/{ticket.number}/resolu/")
    assert Ticket.objects.get(pk=ticket.pk).status == S.FERME
    page = client.get(f"/aide/tickets/{ticket.number}/").content.decode()
    assert "Votre avis sur notre réponse" in page and 'name="content"' not in page
    client.post(f"/aide/tickets/{ticket.number}/avis/", {"score": "5", "comment": "Parfait"})
    assert Ticket.objects.get(pk=ticket.pk).satisfaction_score == 5
    assert "Votre avis sur notre réponse" not in client.get(f"/aide/tickets/{ticket.number}/").content.decode()


def test_staff_work_a_ticket_from_its_page(client, staff, second_staff, ticket):
    client.force_login(staff)
    client.post(f"/support/tickets/{ticket.number}/prendre/")
    client.post(f"/support/tickets/{ticket.number}/priorite/", {"priority": "HAUTE"})
    client.post(f"/support/tickets/{ticket.number}/categorie/", {"category": "TECHNIQUE"})
    client.post(f"/support/tickets/{ticket.number}/repondre/", {"content": "Bonjour !"})
    client.post(f"/support/tickets/{ticket.number}/assigner/", {"assignee": second_staff.pk})
    client.post(f"/support/tickets/{ticket.number}/statut/", {"status": "RESOLU", "note": "Fait"})
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.priority, ticket.category, ticket.assigned_to, ticket.status) == (
        "HAUTE", "TECHNIQUE", second_staff, S.RESOLU)
    assert ticket.first_response_at is not None
    page = client.get(f"/support/tickets/{ticket.number}/").content.decode()
    assert "Historique" in page and "Fait" in page


def test_a_status_not_allowed_now_is_refused_with_a_message(client, staff, ticket):
    client.force_login(staff)
    response = client.post(f"/support/tickets/{ticket.number}/statut/", {"status": "EN_COURS"}, follow=True)
    assert "pas possible maintenant" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == S.OUVERT


def test_a_canned_reply_fills_the_answer_in_one_click(client, staff, ticket):
    canned = CannedReply.objects.create(title="Accusé", body="Nous avons bien reçu votre demande.")
    CannedReply.objects.create(title="Ancienne", body="Plus utilisée", active=False)
    client.force_login(staff)
    page = client.get(f"/support/tickets/{ticket.number}/").content.decode()
    assert f"?canned={canned.pk}#reply" in page and "Ancienne" not in page
    page = client.get(f"/support/tickets/{ticket.number}/?canned={canned.pk}").content.decode()
    assert "Nous avons bien reçu votre demande.</textarea>" in page


def test_the_queue_tabs(client, staff, second_staff, client_user):
    mine = open_ticket(requester=client_user, title="Le mien")
    services.ticket_take(ticket=mine, by=staff)
    theirs = open_ticket(requester=client_user, title="Le sien")
    services.ticket_take(ticket=theirs, by=second_staff)
    open_ticket(requester=client_user, title="Personne", priority="URGENTE")
    waiting = open_ticket(requester=client_user, title="Attente")
    services.ticket_set_status(ticket=waiting, status=S.EN_ATTENTE, by=staff)
    late = open_ticket(requester=client_user, title="En retard")
    Ticket.objects.filter(pk=late.pk).update(sla_due_at="2020-01-01T00:00:00Z", sla_warn_at="2019-12-31T00:00Z")
    client.force_login(staff)

    def titles(tab):
        page = client.get(f"/support/?tab={tab}").content.decode()
        return [t for t in ("Le mien", "Le sien", "Personne", "Attente", "En retard") if f">{t}</a>" in page]

    assert titles("unassigned") == ["Personne", "Attente", "En retard"]
    assert titles("mine") == ["Le mien"]
    assert titles("waiting") == ["Attente"]
    assert titles("breached") == ["En retard"]
    assert set(titles("open")) == {"Le mien", "Le sien", "Personne", "Attente", "En retard"}
    page = client.get("/support/?tab=open").content.decode()
    # Sorted by deadline: the breached one first, the urgent one next.
    assert page.index(">En retard</a>") < page.index(">Personne</a>") < page.index(">Le mien</a>")
    assert "Dépassé" in page and "Tickets ouverts" in page


def test_pages_cost_a_fixed_number_of_queries(client, client_user, staff, django_assert_max_num_queries):
    def grow():
        ticket = open_ticket(requester=client_user)
        services.ticket_reply(ticket=ticket, by=staff, content="Réponse")
        services.ticket_reply_by_client(ticket=ticket, by=client_user, content="Merci")
        return ticket

    grow()
    for person, urls in ((client_user, ["/aide/", "/aide/tickets/", "/aide/tickets/{n}/"]),
                         (staff, ["/support/", "/support/?tab=open", "/support/tickets/{n}/"])):
        client.force_login(person)
        for url in urls:
            ticket = Ticket.objects.latest("created_at")
            cache.clear()  # both views cold: the queue's figures are cached (test_desk_cache.py)
            with django_assert_max_num_queries(30) as few:
                client.get(url.format(n=ticket.number))
            for _ in range(4):
                grow()
            ticket = Ticket.objects.latest("created_at")
            cache.clear()
            with django_assert_max_num_queries(len(few.captured_queries)):
                client.get(url.format(n=ticket.number))


def test_a_visitor_answers_once_through_the_link_and_forged_links_are_404(client, visitor_ticket, staff):
    message = services.ticket_reply(ticket=visitor_ticket, by=staff, content="Pouvez-vous préciser ?")
    url = f"/aide/reponse/{services.visitor_reply_token(ticket=visitor_ticket, message=message)}/"
    page = client.get(url).content.decode()
    assert "Pouvez-vous préciser ?" in page and "Jeanne Visiteuse (visiteur)" in page
    assert client.post(url, {"content": "Voici"}).status_code == 302
    assert Ticket.objects.get(pk=visitor_ticket.pk).status == S.EN_COURS
    second = client.post(url, {"content": "Encore"})
    assert second.status_code == 409 and "déjà servi" in second.content.decode()
    assert Message.objects.filter(conversation=visitor_ticket.conversation, sender=None).count() == 2
    assert client.get(url[:-3] + "xx/").status_code == 404
    assert client.get("/aide/reponse/pas-un-jeton/").status_code == 404


def test_visitor_replies_are_rate_limited(client, visitor_ticket, staff, settings):
    settings.SUPPORT_VISITOR_REPLY_RATE = "2/h"
    url = "/aide/reponse/{}/"
    tokens = [services.visitor_reply_token(ticket=visitor_ticket, message=services.ticket_reply(
        ticket=visitor_ticket, by=staff, content=f"R{n}")) for n in range(3)]
    statuses = [client.post(url.format(token), {"content": "Oui"}).status_code for token in tokens]
    assert statuses == [302, 302, 429]


def test_writing_in_a_closed_ticket_from_the_messages_page_is_refused_with_a_message(client, client_user, ticket,
                                                                                      staff):
    services.ticket_set_status(ticket=ticket, status=S.ANNULE, by=staff)
    client.force_login(client_user)
    response = client.post(f"/messages/{ticket.conversation_id}/send/", {"content": "Allô ?"}, follow=True)
    assert response.status_code == 200 and "Action impossible" in response.content.decode()
    assert Message.objects.filter(conversation=ticket.conversation).count() == 1


def test_the_queue_counts_its_tickets_once(client, staff, client_user):
    """The tabs' counts are the pages' count and the open tickets of the
    figures (issue 13: three COUNTs of the same tickets, 8 000 index rows each
    at volume); the page numbers and figures stay the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(27):  # two pages of 25 in every tab but "mine"
        open_ticket(requester=client_user, title=f"Ticket {number}")
    services.ticket_take(ticket=Ticket.objects.order_by("number").first(), by=staff)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/support/?tab=unassigned")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "support_ticket" in q["sql"]]
    assert counts == []  # the tabs' aggregate (one COUNT per tab) is all
    assert "Page 1 sur 2" in response.content.decode()
    assert response.context["kpis"]["open"] == 27
    second = client.get("/support/?tab=unassigned&page=2").content.decode()
    assert "Page 2 sur 2" in second and second.count("<tr>") == 2  # the header's and one ticket's
