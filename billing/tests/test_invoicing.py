"""Invoices and credit notes: VAT, snapshots, lines, statuses, e-mails, tasks."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from billing import tasks
from billing.invoicing import (
    credit_note_issue,
    invoice_issue_for_order,
    invoice_mark_paid,
    invoice_render_pdf,
    invoice_send,
    invoices_mark_overdue,
    vat_split,
)
from billing.models import CreditNote, DocumentCounter, Invoice
from orders.tests.factories import PackFactory, ServiceFactory

from .factories import InvoiceFactory, PaidOrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db
S = Invoice.Status


# --- VAT -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ttc", "ht", "vat"),
    [
        (100, 83, 17),  # 83,333… rounds down
        (48000, 40000, 8000),
        (72000, 60000, 12000),
        (1, 1, 0),  # 0,833… rounds up: never a negative or empty HT
        (333, 278, 55),  # 277,5 exactly: half up
        (3, 3, 0),  # 2,5: half up
        (35000, 29167, 5833),
        (0, 0, 0),
        (123456789, 102880658, 20576131),
    ],
)
def test_vat_split_at_20_percent(ttc, ht, vat):
    assert vat_split(ttc=ttc, rate=Decimal("20.00"), exempt=False) == (ht, vat)
    assert ht + vat == ttc


@pytest.mark.parametrize(("rate", "ttc", "expected"), [("5.5", 10550, (10000, 550)), ("10", 1100, (1000, 100))])
def test_vat_split_other_rates(rate, ttc, expected):
    assert vat_split(ttc=ttc, rate=Decimal(rate), exempt=False) == expected


def test_an_exempt_seller_charges_no_vat():
    assert vat_split(ttc=48000, rate=Decimal("20.00"), exempt=True) == (48000, 0)


# --- Issuing ---------------------------------------------------------------------

def test_an_invoice_snapshots_amounts_seller_buyer_and_lines(invoice, billed_order, payment, settings):
    assert invoice.number.startswith("FACT-") and invoice.number.endswith("-0001")
    assert (invoice.order, invoice.payment, invoice.status) == (billed_order, payment, S.GENERATED)
    assert (invoice.amount_ht, invoice.vat_amount, invoice.amount_ttc) == (40000, 8000, 48000)
    assert (invoice.vat_rate, invoice.vat_exempt) == (Decimal("20.00"), False)
    assert invoice.payment_method == "Visa •••• 4242"
    assert invoice.due_at - invoice.issued_at == timedelta(days=settings.INVOICE_DUE_DAYS)
    assert invoice.seller == {**settings.SELLER, "vat_exempt": False, "vat_exempt_mention": ""}
    assert invoice.buyer == {
        "name": "Hélène Bérénice Çà", "company": "Éditions du Lilas", "email": billed_order.client.email,
        "address": "3 rue des Lilas", "postcode": "69001", "city": "Lyon", "country": "France",
        "vat_number": "FR12345678901", "phone": "06 12 34 56 78",
    }
    assert invoice.lines == [{
        "label": billed_order.service.name,
        "detail": "« Le Grand Meaulnes » — 250 pages, dont les 10 premières offertes",
        "quantity": 240, "unit_price": 200, "amount": 48000,
    }]


def test_the_snapshot_survives_changes_to_the_account_and_settings(invoice, buyer, settings):
    buyer.first_name, buyer.address, buyer.postcode, buyer.city = "Anonyme", "1 autre rue", "75001", "Paris"
    buyer.save()
    settings.SELLER = {**settings.SELLER, "name": "Autre SAS"}
    invoice.refresh_from_db()
    assert invoice.buyer["name"] == "Hélène Bérénice Çà"
    assert (invoice.buyer["address"], invoice.buyer["postcode"], invoice.buyer["city"]) == ("3 rue des Lilas", "69001", "Lyon")
    assert invoice.seller["name"] == "Staka Éditions SAS"


def test_issuing_is_idempotent(billed_order):
    first = invoice_issue_for_order(order=billed_order)
    again = invoice_issue_for_order(order=billed_order)
    assert again.pk == first.pk and again.number == first.number
    assert Invoice.objects.count() == 1
    assert DocumentCounter.objects.get(prefix="FACT").last_number == 1


def test_the_amount_is_what_was_paid_else_the_price():
    order = PaidOrderFactory(amount=None)
    assert invoice_issue_for_order(order=order).amount_ttc == order.price


def test_an_order_without_price_cannot_be_invoiced():
    order = PaidOrderFactory(estimated_price=None, final_price=None, amount=None)
    with pytest.raises(ValidationError) as refused:
        invoice_issue_for_order(order=order)
    assert "prix" in refused.value.messages[0]
    assert not Invoice.objects.exists()


def test_an_exempt_seller_issues_at_zero_vat_with_the_mention(billed_order, settings):
    settings.VAT_EXEMPT = True
    invoice = invoice_issue_for_order(order=billed_order)
    assert (invoice.amount_ht, invoice.vat_amount, invoice.amount_ttc) == (48000, 0, 48000)
    assert (invoice.vat_rate, invoice.vat_exempt) == (Decimal("0.00"), True)
    assert invoice.seller["vat_exempt_mention"] == "TVA non applicable, art. 293 B du CGI"


# --- Lines -------------------------------------------------------------------------

def test_urgent_orders_show_the_surcharge_as_its_own_line():
    service = ServiceFactory(name="Correction Standard", price=200)
    order = PaidOrderFactory(service=service, declared_pages=100, urgent=True)
    lines = invoice_issue_for_order(order=order).lines
    assert [(line["label"], line["quantity"], line["unit_price"], line["amount"]) for line in lines] == [
        ("Correction Standard", 90, 200, 18000),
        ("Supplément livraison urgente (+50 %)", 1, 9000, 9000),
    ]
    assert sum(line["amount"] for line in lines) == order.amount == 27000


def test_pages_beyond_300_are_a_reduced_price_line():
    order = PaidOrderFactory(service=ServiceFactory(price=200, reduced_unit_price=100), declared_pages=350)
    lines = invoice_issue_for_order(order=order).lines
    assert [(line["label"], line["quantity"], line["unit_price"]) for line in lines[1:]] == [
        ("Pages 301 et suivantes (tarif réduit)", 50, 100),
    ]
    assert sum(line["amount"] for line in lines) == order.amount == 290 * 200 + 50 * 100


def test_short_manuscripts_are_free_and_say_so():
    order = PaidOrderFactory(declared_pages=8)
    (line,) = invoice_issue_for_order(order=order).lines
    assert (line["quantity"], line["amount"], line["detail"]) == (0, 0, "« Le Grand Meaulnes » — 8 pages, offertes")


def test_a_pack_is_one_line(pack_order):
    lines = invoice_issue_for_order(order=pack_order).lines
    assert lines == [{"label": "Pack KDP Autoédition", "detail": "« Le Grand Meaulnes »", "quantity": 1,
                      "unit_price": 35000, "amount": 35000}]


def test_an_agreed_price_that_differs_from_the_tariff_is_one_prix_convenu_line():
    order = PaidOrderFactory(service=ServiceFactory(name="Pack Intégral"), final_price=41000, amount=41000)
    lines = invoice_issue_for_order(order=order).lines
    assert lines == [{"label": "Pack Intégral", "detail": "« Le Grand Meaulnes » — prix convenu", "quantity": 1,
                      "unit_price": 41000, "amount": 41000}]


def test_an_order_without_service_is_invoiced_at_its_price():
    order = PaidOrderFactory(service=None, estimated_price=12000)
    (line,) = invoice_issue_for_order(order=order).lines
    assert (line["label"], line["amount"]) == ("Prestation éditoriale", 12000)


# --- PDF storage -----------------------------------------------------------------

def test_the_pdf_is_rendered_on_commit_under_its_number(billed_order, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue_for_order(order=billed_order)
    year = timezone.localtime(invoice.issued_at).year
    assert invoice.pdf.name == f"invoices/{year}/{invoice.number}.pdf"
    assert (settings.MEDIA_ROOT / invoice.pdf.name).read_bytes().startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.pdf.name == f"invoices/{year}/{invoice.number}.pdf"


def test_regenerating_keeps_the_key_number_and_amounts(invoice, settings):
    first = invoice_render_pdf(invoice=invoice)
    before = (first.number, first.amount_ht, first.vat_amount, first.amount_ttc, first.pdf.name)
    again = invoice_render_pdf(invoice=invoice)
    again.refresh_from_db()
    assert (again.number, again.amount_ht, again.vat_amount, again.amount_ttc, again.pdf.name) == before
    files = [p for p in (settings.MEDIA_ROOT / "invoices").rglob("*") if p.is_file()]
    assert len(files) == 1  # replaced, not piled up


# --- Paid, sent, overdue -----------------------------------------------------------

def test_mark_paid_is_monotonic(invoice):
    paid_at = timezone.now() - timedelta(hours=1)
    invoice = invoice_mark_paid(invoice=invoice, paid_at=paid_at)
    assert (invoice.status, invoice.paid_at) == (S.PAID, paid_at)
    again = invoice_mark_paid(invoice=invoice, paid_at=timezone.now())
    assert again.paid_at == paid_at  # the first payment date stays


def test_a_cancelled_invoice_is_not_marked_paid():
    invoice = InvoiceFactory(status=S.CANCELLED)
    assert invoice_mark_paid(invoice=invoice, paid_at=timezone.now()).status == S.CANCELLED


def test_sending_mails_the_pdf_to_the_buyer_and_marks_it_sent(invoice, buyer):
    sent = invoice_send(invoice=invoice)

    assert (sent.status, sent.sent_at is not None) == (S.SENT, True)
    (message,) = mail.outbox
    assert message.to == [buyer.email]
    assert message.subject == f"Votre facture {invoice.number} — Staka Livres"
    assert "Bonjour Hélène Bérénice Çà," in message.body
    assert "480,00" in message.body and "&" not in message.body
    assert reverse("orders:detail", args=[invoice.order_id]) in message.body
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    html, html_type = message.alternatives[0]
    assert html_type == "text/html" and invoice.number in html


def test_sending_a_paid_invoice_keeps_it_paid(invoice):
    invoice = invoice_mark_paid(invoice=invoice, paid_at=timezone.now())
    sent = invoice_send(invoice=invoice)
    assert sent.status == S.PAID and sent.sent_at is not None
    assert "réglée le" in mail.outbox[0].body and "Visa •••• 4242" in mail.outbox[0].body


def test_unpaid_invoices_past_due_become_overdue_once():
    now = timezone.now()
    late = InvoiceFactory(due_at=now - timedelta(days=1))
    late_sent = InvoiceFactory(status=S.SENT, due_at=now - timedelta(days=3))
    on_time = InvoiceFactory(due_at=now + timedelta(days=1))
    paid = InvoiceFactory(status=S.PAID, due_at=now - timedelta(days=1))
    cancelled = InvoiceFactory(status=S.CANCELLED, due_at=now - timedelta(days=1))

    assert invoices_mark_overdue(now=now) == 2
    assert invoices_mark_overdue(now=now) == 0

    statuses = {i.pk: i.status for i in Invoice.objects.all()}
    assert statuses == {late.pk: S.OVERDUE, late_sent.pk: S.OVERDUE, on_time.pk: S.GENERATED,
                        paid.pk: S.PAID, cancelled.pk: S.CANCELLED}
    # An overdue invoice paid at last is paid.
    assert invoice_mark_paid(invoice=late, paid_at=now).status == S.PAID


def test_the_overdue_command_and_task():
    InvoiceFactory(due_at=timezone.now() - timedelta(days=1))
    assert tasks.mark_overdue_invoices.delay().get() == 1
    InvoiceFactory(due_at=timezone.now() - timedelta(days=1))
    out = io.StringIO()
    call_command("mark_overdue_invoices", stdout=out)
    assert "1 facture(s)" in out.getvalue()


def test_the_overdue_job_runs_daily(settings):
    job = settings.CELERY_BEAT_SCHEDULE["mark-overdue-invoices"]
    assert job == {"task": "billing.tasks.mark_overdue_invoices", "schedule": 24 * 60 * 60}


# --- The task the payment webhook queues -----------------------------------------

def test_the_paid_order_task_issues_marks_paid_and_sends_once(payment, billed_order):
    number = tasks.issue_invoice_for_paid_order.delay(str(billed_order.pk), str(payment.pk)).get()

    invoice = Invoice.objects.get(order=billed_order)
    assert invoice.number == number
    assert (invoice.status, invoice.paid_at, invoice.payment) == (S.PAID, payment.paid_at, payment)
    assert invoice.sent_at is not None and len(mail.outbox) == 1

    # Delivered twice (a worker killed after the work): nothing more happens.
    tasks.issue_invoice_for_paid_order.delay(str(billed_order.pk), str(payment.pk)).get()
    assert Invoice.objects.count() == 1 and len(mail.outbox) == 1


def test_the_paid_order_task_without_payment_uses_the_order_date(billed_order):
    tasks.issue_invoice_for_paid_order(str(billed_order.pk))
    invoice = Invoice.objects.get(order=billed_order)
    assert (invoice.status, invoice.paid_at, invoice.payment_method) == (S.PAID, billed_order.paid_at, "")


# --- Credit notes ----------------------------------------------------------------

def test_partial_then_full_credit_cancels_the_invoice(invoice):
    first = credit_note_issue(invoice=invoice, amount_ttc=10000, reason="Geste commercial", refund_id="re_1")
    assert first.number.startswith("AVOIR-") and first.number.endswith("-0001")
    assert (first.amount_ht, first.vat_amount, first.amount_ttc) == (8333, 1667, 10000)
    assert (first.vat_rate, first.vat_exempt, first.reason) == (invoice.vat_rate, False, "Geste commercial")
    assert first.buyer == invoice.buyer
    invoice.refresh_from_db()
    assert invoice.status == S.GENERATED

    rest = credit_note_issue(invoice=invoice, amount_ttc=38000, refund_id="re_2")
    assert rest.number.endswith("-0002")
    # The last one takes exactly what is left: the notes add up to the invoice.
    assert (rest.amount_ht, rest.vat_amount) == (40000 - 8333, 8000 - 1667)
    invoice.refresh_from_db()
    assert invoice.status == S.CANCELLED


def test_over_credit_is_refused_in_french(invoice):
    credit_note_issue(invoice=invoice, amount_ttc=40000)
    with pytest.raises(ValidationError) as refused:
        credit_note_issue(invoice=invoice, amount_ttc=8001)
    assert refused.value.messages == [
        f"L'avoir (80,01\u00a0€) dépasse ce qui reste à créditer sur la facture {invoice.number} (80,00\u00a0€)."
    ]
    assert CreditNote.objects.count() == 1
    assert DocumentCounter.objects.get(prefix="AVOIR").last_number == 1  # no number burnt


@pytest.mark.parametrize("amount", [0, -100, 12.5, True])
def test_credit_amounts_are_positive_cents(invoice, amount):
    with pytest.raises(ValidationError):
        credit_note_issue(invoice=invoice, amount_ttc=amount)


def test_the_same_refund_twice_is_one_credit_note(invoice):
    first = credit_note_issue(invoice=invoice, amount_ttc=5000, refund_id="re_same")
    again = credit_note_issue(invoice=invoice, amount_ttc=5000, refund_id="re_same")
    assert again.pk == first.pk and CreditNote.objects.count() == 1


def test_a_refund_id_belongs_to_one_invoice(invoice):
    credit_note_issue(invoice=invoice, amount_ttc=5000, refund_id="re_x")
    with pytest.raises(ValidationError):
        credit_note_issue(invoice=InvoiceFactory(), amount_ttc=5000, refund_id="re_x")


def test_many_small_credits_never_go_negative(invoice):
    # 1 cent credits round to 1 cent HT and 0 VAT each: without the cap the
    # HT credited would pass the invoice's HT before the TTC runs out.
    invoice = Invoice.objects.get(pk=invoice.pk)
    Invoice.objects.filter(pk=invoice.pk).update(amount_ht=83, vat_amount=17, amount_ttc=100)
    invoice.refresh_from_db()
    for _ in range(100):
        note = credit_note_issue(invoice=invoice, amount_ttc=1)
        assert note.amount_ht >= 0 and note.vat_amount >= 0 and note.amount_ht + note.vat_amount == 1
    totals = [sum(n) for n in zip(*CreditNote.objects.values_list("amount_ht", "vat_amount"), strict=True)]
    assert totals == [83, 17]
    invoice.refresh_from_db()
    assert invoice.status == S.CANCELLED


def test_an_exempt_invoice_gets_exempt_credit_notes(billed_order, settings):
    settings.VAT_EXEMPT = True
    invoice = invoice_issue_for_order(order=billed_order)
    settings.VAT_EXEMPT = False  # the seller's status changed since: the note follows the invoice
    note = credit_note_issue(invoice=invoice, amount_ttc=1000)
    assert (note.amount_ht, note.vat_amount, note.vat_exempt) == (1000, 0, True)


def test_the_credit_note_is_mailed_with_its_pdf_after_commit(invoice, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_issue(invoice=invoice, amount_ttc=12000, reason="Retard de livraison")
    (message,) = mail.outbox
    assert message.to == [buyer.email]
    assert message.subject == f"Votre avoir {note.number} — Staka Livres"
    assert invoice.number in message.body and "120,00" in message.body and "Retard de livraison" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"{note.number}.pdf", "application/pdf") and content.startswith(b"%PDF")
    note.refresh_from_db()
    assert note.pdf.name.endswith(f"/{note.number}.pdf")


def test_a_missing_pdf_is_drawn_before_sending(invoice, settings):
    invoice_render_pdf(invoice=invoice)
    (settings.MEDIA_ROOT / invoice.pdf.name).unlink()
    invoice_send(invoice=invoice)
    assert mail.outbox[0].attachments[0][1].startswith(b"%PDF")


def test_issuing_with_a_payment_made_by_factory_is_consistent():
    payment = PaymentFactory(order=PaidOrderFactory(service=PackFactory(price=35000), declared_pages=None))
    invoice = InvoiceFactory(order=payment.order, payment=payment)
    assert (invoice.amount_ttc, invoice.payment_method) == (35000, "Visa •••• 4242")



@pytest.mark.django_db
def test_a_redelivered_credit_note_task_sends_one_email():
    invoice = InvoiceFactory()
    note = credit_note_issue(invoice=invoice, amount_ttc=1000, refund_id="re_once")
    mail.outbox.clear()
    tasks.send_credit_note(str(note.pk))
    tasks.send_credit_note(str(note.pk))
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.sent_at is not None
