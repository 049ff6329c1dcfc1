"""Export 100 000 orders to CSV and JSON through the orders admin's export
(core.admin_export with OrderAdmin: client, corrector and service by name in
the CSV) and print its time and the memory it took at its peak, next to the
size of what it wrote. Target (issue 13): memory growth < 100 MB.

    .venv/bin/python bench/export_memory.py [-n 100000]
    DATABASE_URL=mysql://root@127.0.0.1:3306/staka_scratch .venv/bin/python bench/export_memory.py

The rows are written to a throwaway SQLite file (or the DATABASE_URL given,
migrated here and which gets the rows: never a data set you keep), with a
client for every 10 orders, 50 correctors and 5 services as in the fake data
at volume. The export's streamed body is then read to the end while two
figures are taken: what Python allocated at its peak (tracemalloc), and how
much the process's peak resident memory rose (VmHWM, reset just before:
it also counts what the database driver holds outside Python). Exits
non-zero above the target.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 100
MB = 1024 * 1024
ORDERS_PER_CLIENT = 10
CORRECTORS = 50
SERVICES = 5
BATCH = 5000


def setup_django(database_file):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_file}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_rows(count):
    """count orders of fresh clients, correctors and services."""
    from accounts.models import User
    from orders.models import Order, Service

    run = time.time_ns()

    def users(number, role):
        # No password (unusable): hashing 10 000 of them would be the whole bench.
        return User.objects.bulk_create(
            (User(email=f"bench-{run}-{role.lower()}-{n}@example.org", first_name="Bench", last_name=f"{role} {n}",
                  role=role, password="!") for n in range(number)), batch_size=BATCH)

    clients = users(max(count // ORDERS_PER_CLIENT, 1), User.Role.USER)
    correctors = users(CORRECTORS, User.Role.CORRECTOR)
    services = Service.objects.bulk_create(
        Service(name=f"Correction {run}-{n}", kind="Correction", pricing=Service.Pricing.PER_PAGE, price=200,
                reduced_unit_price=100) for n in range(SERVICES))
    statuses = list(Order.Status)
    for start in range(0, count, BATCH):
        Order.objects.bulk_create(
            Order(client=clients[n % len(clients)], corrector=correctors[n % CORRECTORS] if n % 3 else None,
                  service=services[n % SERVICES], title=f"Manuscrit n° {n}", declared_pages=100 + n % 300,
                  status=statuses[n % len(statuses)], estimated_price=20000 + n % 5000)
            for n in range(start, min(start + BATCH, count))
        )


def status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss():
    """VmHWM back to the current RSS (Linux ≥ 4.0); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(request, fmt):
    from django.contrib import admin

    from core.admin_export import export_response
    from orders.models import Order

    model_admin = admin.site._registry[Order]
    rss_before = status_kb("VmRSS") if reset_peak_rss() else None
    tracemalloc.start()
    started = time.perf_counter()
    # Every order, as "Exporter en CSV" on the unfiltered changelist: the admin's own queryset.
    response = export_response(model_admin, request, model_admin.get_queryset(request), fmt)
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = None if rss_before is None else (status_kb("VmHWM") - rss_before) * 1024
    return size, peak, rss_growth, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="orders to export")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.db import connection
        from django.test import RequestFactory

        from accounts.models import User

        started = time.perf_counter()
        make_rows(args.n)
        print(f"{args.n} orders written in {time.perf_counter() - started:.1f} s ({connection.vendor})")
        # The export is audited: it needs who asks.
        request = RequestFactory().get("/admin/orders/order/")
        request.user = User.objects.filter(role=User.Role.CORRECTOR).first()
        from orders.models import Order

        rows = Order.objects.count()  # this run's, and those the database already had
        worst = 0
        for fmt in ("csv", "json"):
            size, peak, rss_growth, elapsed = measure(request, fmt)
            growth = "n/a" if rss_growth is None else f"{rss_growth / MB:.1f} MB"
            worst = max(worst, peak, rss_growth or 0)
            print(f"{fmt}: {rows} rows, {size / MB:.1f} MB written in {elapsed:.1f} s, "
                  f"peak Python memory {peak / MB:.1f} MB, peak RSS growth {growth} (target < {TARGET_MB} MB)")
    return 0 if worst < TARGET_MB * MB else 1


if __name__ == "__main__":
    sys.exit(main())
