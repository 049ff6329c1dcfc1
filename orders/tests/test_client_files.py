"""Issue 9: "Mes fichiers" — every file of the client across orders and
conversations, searchable, each downloaded through its access-checked view."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import page_text
from files.services import stored_file_purge_content
from messaging import services as messaging
from orders import services
from orders.demo import demo_pdf
from orders.views import FILES_PER_PAGE

pytestmark = pytest.mark.django_db
URL = reverse("orders:client_files")


def download_links(response):
    """The download hrefs of the page (attribute order as the template writes it)."""
    import re

    return re.findall(r'<a href="([^"]+)" download>', response.content.decode())


def test_manuscripts_delivered_files_and_attachments_each_with_their_own_download(
    client, delivered_order, working_order, client_user, corrector,
):
    conversation = messaging.conversation_for_order(order=delivered_order)
    message = messaging.message_send(conversation=conversation, sender=corrector, content="Voici une annexe",
                                     attachments=[demo_pdf("annexe-correcteur.pdf")])
    attachment = message.attachments.get()
    manuscript = delivered_order.files.get(role="MANUSCRIPT")
    deliverable = delivered_order.files.get(role="DELIVERABLE")

    client.force_login(client_user)
    response = client.get(URL)
    text = page_text(response)
    assert response.status_code == 200
    assert "manuscrit.pdf" in text and "corrige.pdf" in text and "annexe-correcteur.pdf" in text
    assert delivered_order.title in text and conversation.subject in text
    links = download_links(response)
    assert reverse("orders:file_download", args=[delivered_order.pk, manuscript.pk]) in links
    assert reverse("orders:file_download", args=[delivered_order.pk, deliverable.pk]) in links
    assert reverse("messaging:attachment", args=[attachment.pk]) in links
    for link in links:  # every link downloads for the client
        assert client.get(link).status_code == 200


def test_corrected_files_show_only_once_delivered(client, working_order, client_user, corrector):
    services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("pas-encore-livre.pdf"), by=corrector)
    client.force_login(client_user)
    assert "pas-encore-livre.pdf" not in page_text(client.get(URL))
    services.order_deliver(order=working_order, by=corrector)
    assert "pas-encore-livre.pdf" in page_text(client.get(URL))


def test_other_clients_files_never_show(client, make_order, client_user):
    make_order(manuscripts=[demo_pdf("le-mien.pdf")])
    stranger = UserFactory()
    client.force_login(stranger)
    text = page_text(client.get(URL))
    assert "le-mien.pdf" not in text and "aucun fichier" in text


def test_a_draft_attachment_or_a_conversation_of_others_does_not_show(client, paid_order, client_user):
    other = UserFactory()
    direct = messaging.conversation_start_direct(client=other, subject="Sa question")
    messaging.message_send(conversation=direct, sender=other, content="Hello",
                           attachments=[demo_pdf("piece-d-un-autre.pdf")])
    client.force_login(client_user)
    assert "piece-d-un-autre.pdf" not in page_text(client.get(URL))


def test_search_by_name(client, make_order, client_user):
    make_order(manuscripts=[demo_pdf("chapitre-un.pdf")])
    make_order(manuscripts=[demo_pdf("annexes.pdf")])
    client.force_login(client_user)
    text = page_text(client.get(URL, {"q": "CHAPITRE"}))
    assert "chapitre-un.pdf" in text and "annexes.pdf" not in text
    assert "Aucun fichier ne correspond" in page_text(client.get(URL, {"q": "inexistant"}))


def test_deleted_files_are_gone_and_purged_ones_are_listed_without_a_link(client, make_order, client_user):
    order = make_order(manuscripts=[demo_pdf("ancien.pdf"), demo_pdf("efface.pdf")])
    services.order_delete_file(order=order, stored_file=order.files.get(original_name="efface.pdf"), by=client_user)
    stored_file_purge_content(stored_file=order.files.get(original_name="ancien.pdf"))
    client.force_login(client_user)
    response = client.get(URL)
    text = page_text(response)
    assert "efface.pdf" not in text
    assert "ancien.pdf" in text and "plus téléchargeable" in text
    assert download_links(response) == []


@pytest.mark.parametrize("role", ["corrector", "staff"])
def test_only_clients_have_the_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_links_to_the_page_for_clients(client, client_user, corrector):
    client.force_login(client_user)
    assert f'href="{URL}"' in client.get(reverse("orders:client_dashboard")).content.decode()
    client.force_login(corrector)
    assert f'href="{URL}"' not in client.get(reverse("orders:corrector_queue")).content.decode()


def test_paginated_with_a_fixed_number_of_queries(client, make_order, client_user, corrector,
                                                  django_assert_max_num_queries):
    client.force_login(client_user)
    make_order(manuscripts=[demo_pdf("seul.pdf")])
    with django_assert_max_num_queries(12) as small:
        client.get(URL)
    for n in range(FILES_PER_PAGE):
        order = make_order(manuscripts=[demo_pdf(f"lot-{n:02d}.pdf")])
        conversation = messaging.conversation_for_order(order=order)
        messaging.message_send(conversation=conversation, sender=client_user, content="pièce",
                               attachments=[demo_pdf(f"piece-{n:02d}.pdf")])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(download_links(response)) == FILES_PER_PAGE
    second = client.get(URL, {"page": 2})
    assert "Page 2 sur 3" in page_text(second)
    assert len(download_links(second)) == FILES_PER_PAGE
