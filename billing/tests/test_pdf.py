"""The PDFs as a reader sees them: poppler's pdftotext over the real bytes."""

import re
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing import pdf
from billing.invoicing import credit_note_issue, invoice_issue_for_order, invoice_mark_paid, invoice_render_pdf
from billing.models import CreditNote, Invoice

from .factories import BuyerFactory, PaidOrderFactory


def stored_pdf(document):
    with document.pdf.open("rb") as handle:
        return handle.read()


def unsaved_invoice(**fields):
    """An in-memory invoice: the renderer needs no database."""
    values = {
        "number": "FACT-2026-0042",
        "amount_ht": 102880, "vat_amount": 20576, "amount_ttc": 123456,
        "vat_rate": Decimal("20.00"), "vat_exempt": False,
        "seller": {"name": "Staka Éditions SAS", "address": "12 rue de la Paix\n75002 Paris", "siret": "123 456 789 00012",
                   "vat_number": "FR12 123456789", "email": "facturation@staka-editions.com", "vat_exempt": False},
        "buyer": {"name": "Zoé <b>L'Haÿ-les-Roses</b> & fils", "email": "zoe@example.org", "address": "", "phone": ""},
        "lines": [{"label": "Correction", "detail": "", "quantity": 1, "unit_price": 123456, "amount": 123456}],
        "payment_method": "",
        "issued_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "due_at": datetime(2026, 12, 24, 9, 0, tzinfo=UTC),
        **fields,
    }
    return Invoice(**values)


@pytest.mark.django_db
def test_the_invoice_says_who_what_and_how_much(invoice, pdf_text):
    paid_at = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # already the 25th in Paris
    invoice = invoice_mark_paid(invoice=invoice, paid_at=paid_at)
    text = pdf_text(stored_pdf(invoice_render_pdf(invoice=invoice)))

    assert f"Facture {invoice.number}" in text
    for expected in (
        "Staka Éditions SAS", "SIRET : 123 456 789 00012", "N° TVA intracommunautaire : FR12 123456789",
        "Hélène Bérénice Çà", "3 rue des Lilas", "69001 Lyon", invoice.buyer["email"], "06 12 34 56 78",
        "« Le Grand Meaulnes » — 250 pages", "240", "2,00 €",
        "Payée le 25/11/2026 par Visa •••• 4242",
        "3 × le taux d'intérêt légal",
        "Indemnité forfaitaire pour frais de recouvrement : 40 € (clients professionnels)",
        "Pas d'escompte pour paiement anticipé",
    ):
        assert expected in text, expected
    assert re.search(r"Total HT\s+400,00 €", text)
    assert re.search(r"TVA 20 %\s+80,00 €", text)
    assert re.search(r"Total TTC\s+480,00 €", text)
    assert "293 B" not in text


@pytest.mark.django_db
def test_an_exempt_invoice_has_the_mention_and_no_vat_line(billed_order, settings, pdf_text):
    settings.VAT_EXEMPT = True
    invoice = invoice_render_pdf(invoice=invoice_issue_for_order(order=billed_order))
    text = pdf_text(stored_pdf(invoice))

    assert text.count("TVA non applicable, art. 293 B du CGI") >= 1
    assert "TVA 20" not in text and "TVA intracommunautaire" not in text
    assert re.search(r"Total HT\s+480,00 €", text) and re.search(r"Total TTC\s+480,00 €", text)


@pytest.mark.django_db
def test_an_unpaid_invoice_gives_its_due_date(invoice, pdf_text):
    text = pdf_text(stored_pdf(invoice_render_pdf(invoice=invoice)))
    assert f"À régler au plus tard le {pdf.format_date(invoice.due_at)}" in text
    assert "Payée" not in text


@pytest.mark.django_db
def test_regenerating_draws_the_same_document(invoice, pdf_text):
    first = pdf_text(stored_pdf(invoice_render_pdf(invoice=invoice)))
    # Settings and account change after issue: the snapshot is what counts.
    invoice.order.client.first_name = "Quelqu'un d'autre"
    invoice.order.client.save()
    second = pdf_text(stored_pdf(invoice_render_pdf(invoice=invoice)))
    assert first == second
    assert invoice.number in second and "Hélène Bérénice Çà" in second


@pytest.mark.django_db
def test_the_credit_note_names_its_invoice(invoice, pdf_text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_issue(invoice=invoice, amount_ttc=12000, reason="Retard de livraison")
    note = CreditNote.objects.select_related("invoice").get(pk=note.pk)
    text = pdf_text(stored_pdf(note))

    assert f"Avoir {note.number} (facture {invoice.number})" in text
    assert "Hélène Bérénice Çà" in text and "Retard de livraison" in text
    assert re.search(r"Total HT\s+100,00 €", text)
    assert re.search(r"TVA 20 %\s+20,00 €", text)
    assert re.search(r"Total TTC de l'avoir\s+120,00 €", text)
    assert "Visa •••• 4242" in text


def test_thousands_markup_and_accents_in_an_unsaved_invoice(pdf_text):
    text = pdf_text(pdf.render_invoice(unsaved_invoice()))
    assert "1 234,56 €" in text and "1 028,80 €" in text and "205,76 €" in text
    assert "Zoé <b>L'Haÿ-les-Roses</b> & fils" in text  # escaped, not interpreted
    assert "24/11/2026" in text and "24/12/2026" in text


def test_other_vat_rates_print_the_french_way(pdf_text):
    text = pdf_text(pdf.render_invoice(unsaved_invoice(vat_rate=Decimal("5.50"))))
    assert "TVA 5,5 %" in text


def test_the_fonts_are_embedded():
    content = pdf.render_invoice(unsaved_invoice())
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True).stdout.decode()
    embedded = [line for line in fonts.splitlines() if "DejaVuSans" in line]
    assert len(embedded) == 2 and all(" yes " in line for line in embedded)


def test_long_documents_flow_onto_more_pages(pdf_text):
    lines = [{"label": f"Prestation {n}", "detail": "détail " * 20, "quantity": 1, "unit_price": 100, "amount": 100}
             for n in range(80)]
    text = pdf_text(pdf.render_invoice(unsaved_invoice(lines=lines)))
    assert "Page 2" in text and "Prestation 79" in text
    assert text.count("Désignation") >= 2  # the header repeats


def test_dates_are_in_paris_time():
    assert pdf.format_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2027"
    assert pdf.format_date(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == "01/07/2026"


@pytest.mark.django_db
def test_a_buyer_whose_name_is_made_of_markup_cannot_break_the_pdf(pdf_text):
    buyer = BuyerFactory(first_name="<para>", last_name="</font>&amp;")
    invoice = invoice_render_pdf(invoice=invoice_issue_for_order(order=PaidOrderFactory(client=buyer)))
    assert "<para> </font>&amp;" in pdf_text(stored_pdf(invoice))


def test_an_invoice_issued_before_the_address_parts_keeps_its_snapshot(pdf_text):
    """Invoices issued before issue 9 hold the whole address in one field:
    they render as they always did, nothing added."""
    old_buyer = {"name": "Jules Verne", "email": "jules@example.org", "address": "2 rue Cadet\n80000 Amiens",
                 "phone": ""}
    text = pdf_text(pdf.render_invoice(unsaved_invoice(buyer=old_buyer)))
    assert "Jules Verne" in text and "2 rue Cadet" in text and "80000 Amiens" in text
    assert "TVA du client" not in text and "France" not in text


def test_the_buyer_block_prints_every_part_of_the_address(pdf_text):
    buyer = {"name": "Jules Verne", "company": "Hetzel & Cie", "address": "18 rue Jacob", "postcode": "75006",
             "city": "Paris", "country": "France", "vat_number": "FR12345678901", "email": "jules@example.org",
             "phone": ""}
    text = pdf_text(pdf.render_invoice(unsaved_invoice(buyer=buyer)))
    for expected in ("Hetzel & Cie", "18 rue Jacob", "75006 Paris", "France", "N° de TVA du client : FR12345678901"):
        assert expected in text, expected
