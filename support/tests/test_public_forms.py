"""The contact and free-sample forms: tickets, e-mails, errors, honeypot,
rate limit, double submit, the inclusion tags."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from core.models import OutboxEmail
from core.templatetags.formatting import filesize
from core.testing import page_text
from files.models import StoredFile
from orders.tests.factories import ServiceFactory
from support.models import Ticket
from support.public_forms import submission_key_new

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name="extrait.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def contact_data(**overrides):
    return {"name": "Ada Lovelace", "email": "ada@example.org", "phone": "06 12 34 56 78",
            "subject": "Un devis pour mon roman", "message": "Bonjour, 300 pages, pour quand ?",
            "consent": "on", "website": "", "submission": submission_key_new(), **overrides}


def sample_data(service, **overrides):
    return {"name": "Ada Lovelace", "email": "ada@example.org", "phone": "", "service": service.pk,
            "message": "Un polar", "sample": pdf(), "consent": "on", "website": "",
            "submission": submission_key_new(), **overrides}


# --- Contact ---------------------------------------------------------------------


def test_the_contact_page_states_the_delay_of_the_sla(client, settings):
    settings.SUPPORT_SLA_FIRST_RESPONSE_MINUTES = {**settings.SUPPORT_SLA_FIRST_RESPONSE_MINUTES, "NORMALE": 6 * 60}
    response = client.get(reverse("public:contact"))
    assert response.status_code == 200
    text = page_text(response)
    assert "sous 6 h" in text
    assert reverse("cms:privacy") in text  # the consent links the privacy policy


def test_a_visitor_contact_makes_a_ticket_and_a_confirmation(client):
    response = client.post(reverse("public:contact"), contact_data())

    assert response.status_code == 302 and response["Location"] == reverse("public:done", args=["contact"])
    ticket = Ticket.objects.get()
    assert ticket.source == Ticket.Source.CONTACT and ticket.category == Ticket.Category.GENERAL
    assert ticket.requester is None
    assert (ticket.visitor_name, ticket.visitor_email, ticket.visitor_phone) == (
        "Ada Lovelace", "ada@example.org", "06 12 34 56 78")
    assert ticket.title == "Un devis pour mon roman"
    confirmation = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert len(confirmation) == 1
    assert "sous 24 h" in confirmation[0].body and str(ticket.number) in confirmation[0].subject
    assert "sous 24 h" in page_text(client.get(response["Location"]))


def test_a_logged_in_client_is_the_requester(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("public:contact"), contact_data(email=user.email))
    ticket = Ticket.objects.get()
    assert ticket.requester == user and ticket.visitor_email == ""


def test_a_corrector_writes_as_a_visitor(client):
    corrector = CorrectorFactory()
    client.force_login(corrector)
    client.post(reverse("public:contact"), contact_data(email=corrector.email))
    assert Ticket.objects.get().requester is None


@pytest.mark.parametrize("field, value, error", [
    ("name", "  ", "Ce champ est obligatoire."),
    ("email", "pas-une-adresse", "Saisissez une adresse de courriel valide."),
    ("phone", "appelez-moi", "Saisissez un numéro de téléphone valide"),
    ("subject", "", "Ce champ est obligatoire."),
    ("message", "", "Ce champ est obligatoire."),
    ("consent", "", "Votre accord est nécessaire"),
])
def test_a_missing_or_invalid_field_stores_nothing(client, field, value, error):
    data = contact_data(**{field: value})
    if not value:
        data.pop(field)
    response = client.post(reverse("public:contact"), data)
    assert response.status_code == 200
    assert error in page_text(response)
    assert not Ticket.objects.exists() and not OutboxEmail.objects.exists()


def test_a_forged_submission_key_asks_to_send_again(client):
    response = client.post(reverse("public:contact"), contact_data(submission="forged"))
    assert "Ce formulaire a expiré" in page_text(response)
    assert not Ticket.objects.exists()


def test_the_honeypot_looks_like_success_and_stores_nothing(client, caplog):
    response = client.post(reverse("public:contact"), contact_data(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == reverse("public:done", args=["contact"])
    assert not Ticket.objects.exists() and not OutboxEmail.objects.exists() and mail.outbox == []
    assert "honeypot" in caplog.text


def test_the_honeypot_is_hidden_from_people(client):
    html = client.get(reverse("public:contact")).content.decode()
    assert 'class="hp-field"' in html and 'name="website"' in html and 'tabindex="-1"' in html


def test_the_same_form_sent_twice_makes_one_ticket_and_one_email(client):
    data = contact_data()
    for _ in range(2):
        assert client.post(reverse("public:contact"), data).status_code == 302
    assert Ticket.objects.count() == 1
    assert OutboxEmail.objects.filter(template="contact_received").count() == 1


def test_a_burst_of_50_posts_is_stopped(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public_form": "10/h"}
    statuses = [client.post(reverse("public:contact"), contact_data()).status_code for _ in range(50)]
    assert statuses[:10] == [302] * 10
    assert set(statuses[10:]) == {429}
    assert Ticket.objects.count() == 10
    blocked = client.post(reverse("public:contact"), contact_data())
    assert "Trop de demandes" in page_text(blocked)


def test_the_burst_counts_the_honeypot_posts_too(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public_form": "5/h"}
    statuses = [client.post(reverse("public:contact"), contact_data(website="x")).status_code for _ in range(8)]
    assert statuses.count(429) == 3


# --- Free sample -------------------------------------------------------------------


def test_the_free_sample_page_states_its_limits_from_the_settings(client, settings):
    settings.FREE_SAMPLE_MAX_PAGES = 7
    settings.FREE_SAMPLE_MAX_BYTES = 3 * 1024 * 1024
    ServiceFactory(name="Correction complète")
    text = page_text(client.get(reverse("public:free_sample")))
    assert "jusqu'à 7 pages" in text.lower()
    assert filesize(3 * 1024 * 1024) in text
    assert "sous 48 h" in text
    assert "Correction complète" in text


def test_a_free_sample_makes_a_ticket_with_the_file(client):
    service = ServiceFactory(name="Correction complète")
    response = client.post(reverse("public:free_sample"), sample_data(service))

    assert response["Location"] == reverse("public:done", args=["echantillon"])
    ticket = Ticket.objects.get()
    assert ticket.source == Ticket.Source.FREE_SAMPLE and ticket.category == Ticket.Category.COMMANDE
    assert "Correction complète" in ticket.description
    first = ticket.conversation.messages.order_by("id").first()
    assert [a.stored_file.original_name for a in first.attachments.select_related("stored_file")] == ["extrait.pdf"]
    confirmation = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert len(confirmation) == 1 and "sous 48 h" in confirmation[0].body


def test_an_inactive_service_is_refused(client):
    service = ServiceFactory(is_active=False)
    response = client.post(reverse("public:free_sample"), sample_data(service))
    assert "Ce service n'est pas proposé." in page_text(response)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("upload, error", [
    (lambda: pdf("roman.pdf", b"MZ\x90\x00" + b"\x00" * 500), "n'est pas d'un type accepté"),
    (lambda: pdf("page.pdf", b"<html><script>alert(1)</script></html>"), "n'est pas d'un type accepté"),
    (lambda: pdf("gros.pdf", PDF + b"\x00" * (2 * 1024 * 1024)), "Le fichier dépasse 1"),
    (lambda: pdf("vide.pdf", b""), "vide"),
])
def test_a_disguised_or_oversize_file_is_refused_and_nothing_is_stored(client, settings, upload, error):
    settings.FREE_SAMPLE_MAX_BYTES = 1024 * 1024
    service = ServiceFactory()
    response = client.post(reverse("public:free_sample"), sample_data(service, sample=upload()))
    assert response.status_code == 200
    assert error in page_text(response)
    assert not Ticket.objects.exists() and not StoredFile.objects.exists() and not OutboxEmail.objects.exists()


def test_a_free_sample_without_a_file_is_refused(client):
    data = sample_data(ServiceFactory())
    data.pop("sample")
    response = client.post(reverse("public:free_sample"), data)
    assert "Joignez un extrait de votre manuscrit." in page_text(response)
    assert not Ticket.objects.exists()


def test_the_free_sample_sent_twice_makes_one_ticket_and_stores_the_file_once(client):
    service = ServiceFactory()
    key = submission_key_new()
    for _ in range(2):
        client.post(reverse("public:free_sample"), sample_data(service, submission=key))
    assert Ticket.objects.count() == 1
    assert StoredFile.objects.available().filter(original_name="extrait.pdf").count() == 1


def test_the_free_sample_honeypot(client):
    response = client.post(reverse("public:free_sample"), sample_data(ServiceFactory(), website="bot"))
    assert response["Location"] == reverse("public:done", args=["echantillon"])
    assert not Ticket.objects.exists() and not StoredFile.objects.exists()


# --- The landing page's tags --------------------------------------------------------


def test_the_inclusion_tags_render_the_forms_posting_to_their_pages():
    ServiceFactory(name="Relecture")
    request = RequestFactory().get("/")
    request.user = UserFactory.build()
    html = Template("{% load support_public %}{% contact_form %}{% free_sample_form %}").render(
        Context({"request": request, "csrf_token": "jeton"}))
    assert f'action="{reverse("public:contact")}"' in html
    assert f'action="{reverse("public:free_sample")}"' in html
    assert 'enctype="multipart/form-data"' in html and "Relecture" in html
    assert html.count('name="consent"') == 2 and html.count('name="website"') == 2
    # Two forms on one page: no id twice.
    assert 'id="contact_email"' in html and 'id="sample_email"' in html
