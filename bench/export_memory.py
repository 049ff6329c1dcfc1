"""Export 100 000 notifications to CSV and JSON through the admin's export
(core.admin_export) and print the Python memory it took at its peak, next to
the size of what it wrote. Target: < 20 MB for any row count.

    .venv/bin/python bench/export_memory.py [-n 100000]
    DATABASE_URL=mysql://root@127.0.0.1:3306/staka_bench .venv/bin/python bench/export_memory.py

The rows are written to a throwaway SQLite file (or the DATABASE_URL given,
whose tables must be migrated and which gets the rows), then the export's
streamed body is read to the end while tracemalloc measures what Python holds.
Exits non-zero above the target.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 20
MB = 1024 * 1024


def setup_django(database_file):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_file}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_rows(count):
    from accounts.models import User
    from notifications.models import Notification

    user = User.objects.create_user(email=f"bench-{time.time_ns()}@example.org", password=None,
                                    first_name="Bench", last_name="Export")
    batch = 5000
    for start in range(0, count, batch):
        Notification.objects.bulk_create(
            Notification(user=user, title=f"Avis n° {n}", message="Votre commande avance. " * 3)
            for n in range(start, min(start + batch, count))
        )
    return user, Notification.objects.filter(user=user)


def measure(request, queryset, fmt):
    from django.contrib import admin

    from core.admin_export import export_response
    from notifications.models import Notification

    tracemalloc.start()
    started = time.perf_counter()
    response = export_response(admin.site._registry[Notification], request, queryset, fmt)
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, peak, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="rows to export")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.test import RequestFactory
        user, queryset = make_rows(args.n)
        # The export is audited: it needs who asks (any user will do here).
        request = RequestFactory().get("/admin/notifications/notification/")
        request.user = user
        worst = 0
        for fmt in ("csv", "json"):
            size, peak, elapsed = measure(request, queryset, fmt)
            worst = max(worst, peak)
            print(f"{fmt}: {args.n} rows, {size / MB:.1f} MB written in {elapsed:.1f} s, "
                  f"peak Python memory {peak / MB:.1f} MB (target < {TARGET_MB} MB)")
    return 0 if worst < TARGET_MB * MB else 1


if __name__ == "__main__":
    sys.exit(main())
