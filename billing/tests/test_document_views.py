"""PDF downloads (client and team only, 404 for anyone else) and the
read-only billing admin."""

from urllib.parse import quote

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.files.storage import default_storage
from django.urls import reverse

from billing.invoicing import credit_note_issue, invoice_render_pdf
from billing.models import CreditNote, DocumentCounter, Invoice, Payment, PaymentMethod, StripeEvent

pytestmark = pytest.mark.django_db


def invoice_url(invoice):
    return reverse("billing:invoice_pdf", args=[invoice.pk])


def credit_note_url(note):
    return reverse("billing:credit_note_pdf", args=[note.pk])


def body(response):
    # The test client closes the file once the stream is consumed.
    return b"".join(response.streaming_content)


@pytest.fixture
def credit_note(invoice):
    return credit_note_issue(invoice=invoice, amount_ttc=5000, reason="Geste commercial")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_client_downloads_the_invoice(as_user, buyer, invoice):
    response = as_user(buyer).get(invoice_url(invoice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response).startswith(b"%PDF")


def test_a_missing_pdf_is_rendered_first_with_the_same_number(as_user, buyer, invoice, settings):
    assert not invoice.pdf.name  # never rendered (on-commit callbacks do not run here)
    assert body(as_user(buyer).get(invoice_url(invoice))).startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.pdf.name.endswith(f"{invoice.number}.pdf")

    default_storage.delete(invoice.pdf.name)  # lost outside the app
    assert body(as_user(buyer).get(invoice_url(invoice))).startswith(b"%PDF")
    assert Invoice.objects.get(pk=invoice.pk).number == invoice.number


@pytest.mark.parametrize("who", ["other_client", "corrector_user"])
def test_anyone_else_gets_a_404(request, as_user, invoice, credit_note, who):
    # The order's own corrector included: invoices are between client and team.
    user = request.getfixturevalue(who)
    assert invoice.order.corrector is not None
    assert as_user(user).get(invoice_url(invoice)).status_code == 404
    assert as_user(user).get(credit_note_url(credit_note)).status_code == 404


def test_behind_nginx_the_proxy_sends_the_pdfs_after_the_access_check(as_user, buyer, other_client, invoice,
                                                                      credit_note, settings):
    settings.FILES_ACCEL_REDIRECT = "/protected-media/"
    assert as_user(other_client).get(invoice_url(invoice)).status_code == 404

    for url, model in ((invoice_url(invoice), Invoice), (credit_note_url(credit_note), CreditNote)):
        response = as_user(buyer).get(url)
        document = model.objects.get(pk=response.wsgi_request.resolver_match.kwargs["pk"])
        assert response.status_code == 200 and response.content == b""
        assert response["X-Accel-Redirect"] == f"/protected-media/{document.pdf.name}"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{document.number}.pdf"'
        assert response["Cache-Control"] == "private, no-store"


def test_the_team_downloads_any_document(as_user, staff_user, invoice, credit_note):
    client = as_user(staff_user)
    assert body(client.get(invoice_url(invoice))).startswith(b"%PDF")
    assert body(client.get(credit_note_url(credit_note))).startswith(b"%PDF")


def test_anonymous_visitors_are_sent_to_login(client, invoice, credit_note):
    for url in (invoice_url(invoice), credit_note_url(credit_note)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={quote(url)}"


def test_unknown_documents_are_404(as_user, staff_user):
    client = as_user(staff_user)
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("billing:invoice_pdf", args=[missing])).status_code == 404
    assert client.get(reverse("billing:credit_note_pdf", args=[missing])).status_code == 404


def test_the_client_downloads_the_credit_note(as_user, buyer, credit_note):
    response = as_user(buyer).get(credit_note_url(credit_note))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{credit_note.number}.pdf"'
    assert body(response).startswith(b"%PDF")


def test_downloads_are_get_only(as_user, buyer, invoice):
    assert as_user(buyer).post(invoice_url(invoice)).status_code == 405


def test_a_download_costs_a_fixed_number_of_queries(as_user, buyer, invoice, django_assert_max_num_queries):
    invoice_render_pdf(invoice=invoice)
    client = as_user(buyer)
    with django_assert_max_num_queries(4):  # session, user, invoice (+ savepoint slack)
        body(client.get(invoice_url(invoice)))


# --- Admin ----------------------------------------------------------------------

def test_documents_cannot_be_added_changed_or_deleted_in_the_admin(rf, staff_user):
    request = rf.get("/admin/")
    request.user = staff_user
    # The numbering counters are shown (issue 11: every model), never edited.
    for model in (Invoice, CreditNote, Payment, StripeEvent, PaymentMethod, DocumentCounter):
        model_admin = admin_site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.has_view_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)


def test_admin_lists_search_and_shows_documents(client, staff_user, invoice, credit_note, payment):
    client.force_login(staff_user)
    changelist = client.get(reverse("admin:billing_invoice_changelist"), {"q": "Hélène", "status": "GENERATED"})
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert invoice.number in page and "Hélène Bérénice Çà" in page and "480,00" in page
    assert reverse("admin:billing_invoice_pdf", args=[invoice.pk]) in page
    assert "Régénérer le PDF" in page

    change = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()  # read-only
    assert credit_note.number in change.content.decode()  # inline

    for name in ("billing_creditnote_changelist", "billing_payment_changelist", "billing_stripeevent_changelist",
                 "billing_paymentmethod_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200
    assert client.get(reverse("admin:billing_payment_changelist"), {"review": "all"}).status_code == 200
    assert client.post(reverse("admin:billing_invoice_delete", args=[invoice.pk])).status_code == 403


def test_admin_downloads_and_regenerates_without_changing_the_invoice(client, staff_user, invoice, credit_note):
    client.force_login(staff_user)
    assert body(client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))).startswith(b"%PDF")
    assert body(client.get(reverse("admin:billing_creditnote_pdf", args=[credit_note.pk]))).startswith(b"%PDF")
    before = Invoice.objects.values("number", "amount_ht", "vat_amount", "amount_ttc", "pdf").get(pk=invoice.pk)

    response = client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "regenerate_pdf", "_selected_action": [str(invoice.pk)]},
        follow=True,
    )

    assert "1 PDF régénéré(s)" in response.content.decode()
    assert Invoice.objects.values("number", "amount_ht", "vat_amount", "amount_ttc", "pdf").get(pk=invoice.pk) == before


def test_admin_is_for_the_team_only(as_user, buyer, invoice):
    response = as_user(buyer).get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))
    assert response.status_code in (302, 403)
