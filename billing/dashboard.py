"""The money on the admin dashboard: revenue cashed (invoices by the date
they were paid, whatever happened to them since) and refunds (credit notes
by their date), so a refunded sale counts once in each and the net is their
difference. Two aggregate queries, and two for the 12-month chart."""

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from core.dashboard import (
    EUROS,
    Chart,
    Figure,
    Section,
    Series,
    changelist_url,
    last_months,
    month_start,
    per_period,
    year_start,
)

from .models import CreditNote, Invoice


def _sums(queryset, date_field, periods):
    return queryset.aggregate(**{
        f"{name}_{column}": Sum(column, filter=Q(**{f"{date_field}__gte": since}))
        for name, since in periods.items()
        for column in ("amount_ttc", "amount_ht")
    })


def billing_section(*, now):
    periods = {"month": month_start(now), "year": year_start(now)}
    first = min(periods.values())
    paid = _sums(Invoice.objects.filter(paid_at__gte=first, paid_at__lte=now), "paid_at", periods)
    refunded = _sums(CreditNote.objects.filter(issued_at__gte=first, issued_at__lte=now), "issued_at", periods)
    figures = []
    for name, title in (("month", _("ce mois-ci")), ("year", _("cette année"))):
        since = periods[name]
        invoices = changelist_url(Invoice, paid_at__gte=since)
        credit_notes = changelist_url(CreditNote, issued_at__gte=since)
        ttc, ht = paid[f"{name}_amount_ttc"] or 0, paid[f"{name}_amount_ht"] or 0
        refund_ttc, refund_ht = refunded[f"{name}_amount_ttc"] or 0, refunded[f"{name}_amount_ht"] or 0
        figures += [
            Figure(_("Encaissé TTC %(period)s") % {"period": title}, ttc, EUROS, invoices),
            Figure(_("Encaissé HT %(period)s") % {"period": title}, ht, EUROS, invoices),
            Figure(_("Remboursé TTC %(period)s (avoirs)") % {"period": title}, refund_ttc, EUROS, credit_notes),
            Figure(_("Net HT %(period)s") % {"period": title}, ht - refund_ht, EUROS),
        ]
    months = last_months(now)
    since = months[0][1]
    chart = Chart(
        title=_("Chiffre d'affaires TTC par mois"), x_label=_("Mois"), y_label=_("Euros TTC"),
        labels=[label for label, _start, _end in months], unit=EUROS,
        series=[
            Series(_("Encaissé"), per_period(Invoice.objects.filter(paid_at__gte=since), months, "paid_at",
                                             total="amount_ttc")),
            Series(_("Remboursé (avoirs)"), per_period(CreditNote.objects.filter(issued_at__gte=since), months,
                                                       "issued_at", total="amount_ttc")),
        ],
    )
    return Section(title=_("Chiffre d'affaires"), figures=figures, charts=[chart])
