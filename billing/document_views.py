"""Downloads of invoice and credit-note PDFs.

The order's client and the team (ADMIN role) may download; anyone else gets
a 404, as for every object URL (DESIGN.md). A PDF missing from the storage
(not rendered yet, lost) is drawn first: number and amounts never change.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.views.decorators.http import require_GET

from files.services import storage_file_response

from .invoicing import PDF_CONTENT_TYPE, credit_note_render_pdf, document_has_pdf, invoice_render_pdf
from .models import CreditNote, Invoice


def _visible_to(user, client_path):
    """Rows ``user`` may see: all for the team, else their own orders'."""
    return Q() if user.is_admin else Q(**{client_path: user.pk})


def _invoice_for_user(*, user, pk):
    try:
        return Invoice.objects.filter(_visible_to(user, "order__client_id")).get(pk=pk)
    except Invoice.DoesNotExist:
        raise Http404("Facture introuvable.") from None


def _credit_note_for_user(*, user, pk):
    try:
        return (
            CreditNote.objects.select_related("invoice")
            .filter(_visible_to(user, "invoice__order__client_id"))
            .get(pk=pk)
        )
    except CreditNote.DoesNotExist:
        raise Http404("Avoir introuvable.") from None


def invoice_pdf_response(*, invoice):
    """The invoice's PDF as an attachment (also used by the admin)."""
    if not document_has_pdf(invoice):
        invoice = invoice_render_pdf(invoice=invoice)
    return storage_file_response(
        field_file=invoice.pdf, filename=f"{invoice.number}.pdf", content_type=PDF_CONTENT_TYPE
    )


def credit_note_pdf_response(*, credit_note):
    """The credit note's PDF as an attachment (also used by the admin)."""
    if not document_has_pdf(credit_note):
        credit_note = credit_note_render_pdf(credit_note=credit_note)
    return storage_file_response(
        field_file=credit_note.pdf, filename=f"{credit_note.number}.pdf", content_type=PDF_CONTENT_TYPE
    )


@require_GET
@login_required
def invoice_pdf(request, pk):
    return invoice_pdf_response(invoice=_invoice_for_user(user=request.user, pk=pk))


@require_GET
@login_required
def credit_note_pdf(request, pk):
    return credit_note_pdf_response(credit_note=_credit_note_for_user(user=request.user, pk=pk))
