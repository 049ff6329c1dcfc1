import html

import pytest

from support.models import Ticket
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_tickets_are_searchable_by_number_title_or_person_and_read_only(client, staff, client_user):
    ticket = open_ticket(requester=client_user, title="Facture perdue")
    client.force_login(staff)
    for query in ("abc", str(ticket.number), "Facture", client_user.email):
        response = client.get("/admin/support/ticket/", {"q": query})
        assert response.status_code == 200, query
    assert "Facture perdue" in client.get("/admin/support/ticket/", {"q": str(ticket.number)}).content.decode()
    page = client.get(f"/admin/support/ticket/{ticket.pk}/change/").content.decode()
    assert 'name="tags"' in page and 'name="status"' not in page
    assert client.get("/admin/support/ticket/add/").status_code == 403
    assert client.get("/admin/support/cannedreply/add/").status_code == 200


def test_status_actions_go_through_the_services(client, staff, client_user):
    open_one, closed = open_ticket(requester=client_user), open_ticket(requester=client_user)
    Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.FERME)
    client.force_login(staff)
    response = client.post("/admin/support/ticket/", {
        "action": "resolve_tickets", "index": "0", "_selected_action": [str(open_one.pk), str(closed.pk)]},
        follow=True)
    page = response.content.decode()
    assert "1 ticket résolu." in page and f"1 refusé : {closed} : Action impossible" in html.unescape(page)
    open_one.refresh_from_db()
    assert open_one.status == Ticket.Status.RESOLU and open_one.events.filter(actor=staff, to_value="RESOLU").exists()
    assert Ticket.objects.get(pk=closed.pk).status == Ticket.Status.FERME
