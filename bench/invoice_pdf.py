"""Render invoice PDFs on one core and print how many per second.
Target: >= 50 invoices/s.

    .venv/bin/python bench/invoice_pdf.py [-n 200]

Invoices are unsaved, in-memory objects (billing.pdf reads nothing but the
document's own fields), so no database is needed: this measures the PDF
renderer alone — layout, font subsetting, compression. Each one differs
(number, buyer, lines) so nothing is served from a cache. Exits non-zero
below the target.
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 50


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def make_invoice(n):
    from billing.invoicing import seller_snapshot, vat_split
    from billing.models import Invoice

    pages = 50 + n % 400
    full_pages = min(pages, 300) - 10
    reduced_pages = max(0, pages - 300)
    lines = [{"label": "Correction Standard", "detail": f"« Manuscrit n° {n} » — {pages} pages, dont les 10 premières offertes",
              "quantity": full_pages, "unit_price": 200, "amount": full_pages * 200}]
    if reduced_pages:
        lines.append({"label": "Pages 301 et suivantes (tarif réduit)", "detail": "", "quantity": reduced_pages,
                      "unit_price": 100, "amount": reduced_pages * 100})
    if n % 3 == 0:
        base = sum(line["amount"] for line in lines)
        lines.append({"label": "Supplément livraison urgente (+50 %)", "detail": "", "quantity": 1,
                      "unit_price": base // 2, "amount": base // 2})
    ttc = sum(line["amount"] for line in lines)
    ht, vat = vat_split(ttc=ttc, rate=Decimal("20.00"), exempt=False)
    issued_at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC) + timedelta(minutes=n)
    return Invoice(
        number=f"FACT-2026-{n + 1:04d}",
        status=Invoice.Status.PAID,
        amount_ht=ht, vat_amount=vat, amount_ttc=ttc, vat_rate=Decimal("20.00"), vat_exempt=False,
        seller=seller_snapshot(vat_exempt=False),
        buyer={"name": f"Hélène Bérénice Çà {n}", "email": f"auteur{n}@example.org",
               "address": f"{n} rue des Lilas\n69001 Lyon", "phone": "06 12 34 56 78"},
        lines=lines,
        payment_method="Visa •••• 4242",
        issued_at=issued_at, due_at=issued_at + timedelta(days=30), paid_at=issued_at,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=200, help="invoices to render (default 200)")
    args = parser.parse_args()

    setup_django()
    from billing import pdf

    invoices = [make_invoice(n) for n in range(args.count)]
    pdf.render_invoice(invoices[0])  # warm-up: fonts parsed once per process, as in a worker

    total_bytes = 0
    started = time.perf_counter()
    for invoice in invoices:
        total_bytes += len(pdf.render_invoice(invoice))
    elapsed = time.perf_counter() - started

    rate = args.count / elapsed
    ok = rate >= TARGET_PER_SECOND
    print(f"{args.count} invoices in {elapsed:.2f} s: {rate:.0f} invoices/s "
          f"({elapsed / args.count * 1000:.1f} ms each, {total_bytes / args.count / 1024:.0f} KiB each)")
    print(f"target >= {TARGET_PER_SECOND} invoices/s: {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
