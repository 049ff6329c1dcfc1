"""Invoice and credit-note PDFs (reportlab platypus, A4, DejaVu fonts).

The renderers read nothing but the document's own fields — its snapshots of
seller, buyer and lines, its amounts and dates — so they never touch the
database (an unsaved in-memory Invoice renders too: see bench/invoice_pdf.py)
and a PDF regenerated years later says exactly what the first one said.

The fonts ship in billing/fonts/ (licence alongside) so every machine draws
the same accents, "€" and "•" glyphs; they are registered once per process.
"""

import io
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.templatetags.formatting import euros

from .formats import VAT_EXEMPT_MENTION, format_date, format_rate

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 18 * mm
# The frame's own 6 pt padding on each side comes off the printable width.
CONTENT_WIDTH = A4[0] - 2 * MARGIN - 12

INK = colors.HexColor("#1f2a44")
MUTED = colors.HexColor("#5b6275")
RULE = colors.HexColor("#d9d3c7")
SHADE = colors.HexColor("#f4f1ea")

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts():
    """Parse the TrueType files once per process (it is the slow part)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
            _fonts_ready = True


def _style(name, **kwargs):
    return ParagraphStyle(name, **{"fontName": FONT, "fontSize": 9, "leading": 12, "textColor": INK, **kwargs})


# Built once: styles are immutable once made and shared by every document.
STYLES = {
    "body": _style("body"),
    "small": _style("small", fontSize=7.5, leading=10, textColor=MUTED),
    "party": _style("party", fontSize=9.5, leading=13),
    "title": _style("title", fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=2),
    "cell": _style("cell", fontSize=8.5, leading=11),
    "status": _style("status", fontName=FONT_BOLD, fontSize=10, leading=14),
}

LEGAL_MENTIONS = (
    _(
        "En cas de retard de paiement, des pénalités égales à 3 × le taux d'intérêt légal sont exigibles "
        "dès le lendemain de la date d'échéance (art. L. 441-10 du Code de commerce)."
    ),
    _("Indemnité forfaitaire pour frais de recouvrement : 40\u00a0€ (clients professionnels)."),
    _("Pas d'escompte pour paiement anticipé."),
)


def _text(value):
    """Snapshot text for a Paragraph: escaped (it is markup), newlines kept."""
    return escape(str(value or "")).replace("\n", "<br/>")


def _p(text, style="body"):
    return Paragraph(text, STYLES[style])


# --- Blocks ----------------------------------------------------------------

def _seller_block(seller):
    parts = [f"<b>{_text(seller.get('name'))}</b>", _text(seller.get("address"))]
    if seller.get("siret"):
        parts.append(_text(_("SIRET : %(siret)s") % {"siret": seller["siret"]}))
    if seller.get("vat_exempt"):
        parts.append(_text(VAT_EXEMPT_MENTION))
    elif seller.get("vat_number"):
        parts.append(_text(_("N° TVA intracommunautaire : %(number)s") % {"number": seller["vat_number"]}))
    if seller.get("email"):
        parts.append(_text(seller["email"]))
    return [_p(_text(_("Émetteur")), "small"), _p("<br/>".join(p for p in parts if p), "party")]


def buyer_address_lines(buyer):
    """The buyer's postal lines, from a snapshot of any age: older ones hold
    the whole address in ``address``, newer ones its parts too."""
    town = " ".join(part for part in (buyer.get("postcode"), buyer.get("city")) if part)
    return [line for line in (buyer.get("company"), buyer.get("address"), town, buyer.get("country")) if line]


def _buyer_block(buyer, heading):
    parts = [f"<b>{_text(buyer.get('name'))}</b>", *(_text(line) for line in buyer_address_lines(buyer))]
    if buyer.get("vat_number"):
        parts.append(_text(_("N° de TVA du client : %(number)s") % {"number": buyer["vat_number"]}))
    for key in ("email", "phone"):
        if buyer.get(key):
            parts.append(_text(buyer[key]))
    return [_p(_text(heading), "small"), _p("<br/>".join(p for p in parts if p), "party")]


def _parties(seller, buyer, buyer_heading):
    table = Table(
        [[_seller_block(seller), _buyer_block(buyer, buyer_heading)]],
        colWidths=[CONTENT_WIDTH - 80 * mm, 80 * mm],
    )
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("BACKGROUND", (1, 0), (1, 0), SHADE),
        ("BOX", (1, 0), (1, 0), 0.5, RULE),
        ("LEFTPADDING", (1, 0), (1, 0), 8),
        ("TOPPADDING", (1, 0), (1, 0), 6),
        ("BOTTOMPADDING", (1, 0), (1, 0), 8),
    ]))
    return table


def _facts(rows):
    """Label/value pairs under the title (dates, payment method).

    Plain strings rather than Paragraphs wherever nothing wraps: a Table
    draws them directly, several times faster (see bench/invoice_pdf.py)."""
    table = Table([[str(label), str(value)] for label, value in rows], colWidths=[38 * mm, None])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (0, -1), FONT, 7.5),
        ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
        ("FONT", (1, 0), (1, -1), FONT, 9),
        ("TEXTCOLOR", (1, 0), (1, -1), INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]), )
    table.hAlign = "LEFT"
    return table


def _lines_table(lines, *, vat_exempt):
    if vat_exempt:
        unit_head, amount_head = _("Prix unitaire"), _("Montant")
    else:
        unit_head, amount_head = _("P.U. TTC"), _("Montant TTC")
    rows = [[str(_("Désignation")), str(_("Quantité")), str(unit_head), str(amount_head)]]
    for line in lines:
        label = f"<b>{_text(line.get('label'))}</b>"
        if line.get("detail"):
            label += f"<br/><font color='#5b6275'>{_text(line['detail'])}</font>"
        rows.append([
            _p(label, "cell"),
            str(line.get("quantity", 1)),
            euros(line.get("unit_price")),
            euros(line.get("amount")),
        ])
    widths = [CONTENT_WIDTH - 74 * mm, 18 * mm, 28 * mm, 28 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
        ("FONT", (1, 1), (-1, -1), FONT, 8.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _totals_table(*, amount_ht, vat_amount, amount_ttc, vat_rate, vat_exempt, ttc_label):
    """Total HT, then either the VAT line or the exemption mention — never both."""
    if vat_exempt:
        vat_row = [str(VAT_EXEMPT_MENTION), ""]
    else:
        vat_row = [str(_("TVA %(rate)s\u00a0%%") % {"rate": format_rate(vat_rate)}), euros(vat_amount)]
    rows = [
        [str(_("Total HT")), euros(amount_ht)],
        vat_row,
        [str(ttc_label), euros(amount_ttc)],
    ]
    table = Table(rows, colWidths=[70 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 1), FONT, 9),
        ("FONT", (0, 2), (-1, 2), FONT_BOLD, 10.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("LINEABOVE", (0, 2), (-1, 2), 0.75, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _legal(extra=()):
    return _p("<br/>".join(_text(text) for text in (*extra, *LEGAL_MENTIONS)), "small")


def _footer(seller):
    text = " · ".join(str(part) for part in (seller.get("name"), seller.get("siret") and
                                            _("SIRET %(siret)s") % {"siret": seller["siret"]}) if part)

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 10 * mm, text)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, str(_("Page %(page)s") % {"page": doc.page}))
        canvas.restoreState()

    return draw


def _build(*, title, story_body, seller):
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=str(title),
        author=seller.get("name", ""),
        creator="Staka Livres",
    )
    story = [
        _p(_text(title), "title"),
        Spacer(0, 5 * mm),
        *story_body,
    ]
    footer = _footer(seller)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- Documents -------------------------------------------------------------

def payment_status_text(invoice):
    """'Payée le 24/11/2026 par Visa •••• 4242', or what remains to do."""
    if invoice.paid_at:
        if invoice.payment_method:
            return _("Payée le %(date)s par %(method)s") % {
                "date": format_date(invoice.paid_at), "method": invoice.payment_method,
            }
        return _("Payée le %(date)s") % {"date": format_date(invoice.paid_at)}
    return _("À régler au plus tard le %(date)s") % {"date": format_date(invoice.due_at)}


def render_invoice(invoice):
    """The invoice's PDF as bytes."""
    register_fonts()
    facts = [
        (_("Date d'émission"), format_date(invoice.issued_at)),
        (_("Date d'échéance"), format_date(invoice.due_at)),
    ]
    if invoice.payment_method:
        facts.append((_("Moyen de paiement"), invoice.payment_method))
    body = [
        _parties(invoice.seller, invoice.buyer, _("Facturé à")),
        Spacer(0, 6 * mm),
        _facts(facts),
        Spacer(0, 6 * mm),
        _lines_table(invoice.lines, vat_exempt=invoice.vat_exempt),
        Spacer(0, 4 * mm),
        _totals_table(
            amount_ht=invoice.amount_ht, vat_amount=invoice.vat_amount, amount_ttc=invoice.amount_ttc,
            vat_rate=invoice.vat_rate, vat_exempt=invoice.vat_exempt, ttc_label=_("Total TTC"),
        ),
        Spacer(0, 6 * mm),
        _p(_text(payment_status_text(invoice)), "status"),
        Spacer(0, 8 * mm),
        _legal(),
    ]
    title = _("Facture %(number)s") % {"number": invoice.number}
    return _build(title=title, story_body=body, seller=invoice.seller)


def render_credit_note(credit_note):
    """The credit note's PDF as bytes (``credit_note.invoice`` must be set)."""
    register_fonts()
    invoice = credit_note.invoice
    facts = [
        (_("Date d'émission"), format_date(credit_note.issued_at)),
        (_("Facture d'origine"), _("%(number)s du %(date)s") % {
            "number": invoice.number, "date": format_date(invoice.issued_at),
        }),
    ]
    if credit_note.reason:
        facts.append((_("Motif"), credit_note.reason))
    lines = [{
        "label": str(_("Avoir sur la facture %(number)s") % {"number": invoice.number}),
        "detail": credit_note.reason,
        "quantity": 1,
        "unit_price": credit_note.amount_ttc,
        "amount": credit_note.amount_ttc,
    }]
    if invoice.payment_method:
        refund = _("Remboursement sur le moyen de paiement d'origine (%(method)s).") % {
            "method": invoice.payment_method,
        }
    else:
        refund = _("Remboursement sur le moyen de paiement d'origine.")
    body = [
        _parties(credit_note.seller, credit_note.buyer, _("Client")),
        Spacer(0, 6 * mm),
        _facts(facts),
        Spacer(0, 6 * mm),
        _lines_table(lines, vat_exempt=credit_note.vat_exempt),
        Spacer(0, 4 * mm),
        _totals_table(
            amount_ht=credit_note.amount_ht, vat_amount=credit_note.vat_amount, amount_ttc=credit_note.amount_ttc,
            vat_rate=credit_note.vat_rate, vat_exempt=credit_note.vat_exempt, ttc_label=_("Total TTC de l'avoir"),
        ),
        Spacer(0, 6 * mm),
        _p(_text(refund), "body"),
    ]
    title = _("Avoir %(number)s (facture %(invoice)s)") % {"number": credit_note.number, "invoice": invoice.number}
    return _build(title=title, story_body=body, seller=credit_note.seller)
