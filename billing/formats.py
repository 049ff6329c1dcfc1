"""How invoices and credit notes write dates, rates and the VAT exemption:
shared by the PDF (billing.pdf), the e-mails and the pages. Kept apart from
billing.pdf so that they do not load reportlab into every web worker.
"""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PARIS = ZoneInfo("Europe/Paris")
VAT_EXEMPT_MENTION = _("TVA non applicable, art. 293 B du CGI")


def format_date(value):
    """dd/mm/YYYY in Paris time (a payment at 00:30 in Paris is that day's)."""
    if value is None:
        return "—"
    return timezone.localtime(value, PARIS).strftime("%d/%m/%Y")


def format_rate(rate):
    """Decimal("20.00") -> "20", Decimal("5.50") -> "5,5"."""
    text = f"{rate:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
