"""Load fake data at a given scale with generate_fake_data and print the rows
per second of each table (issue 13's data sets: --scale 1 is the full volume,
0.01 the small one).

    .venv/bin/python bench/fake_data.py --scale 0.01
    DATABASE_URL=mysql://root@127.0.0.1:3306/staka_bench .venv/bin/python bench/fake_data.py --scale 1 --bench-fixtures

Runs on the configured database (DATABASE_URL; migrated first), or on a
throwaway SQLite file when none is set. Writes the figures as JSON with
--json-out FILE. Exits non-zero if the command fails.
"""

import argparse
import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_file):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_file}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} {connection.settings_dict['NAME']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="share of the full volume (default 0.01)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--bench-fixtures", action="store_true", help="also create the named bench accounts")
    parser.add_argument("--json-out", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = setup_django(Path(folder) / "bench.sqlite3")
        from django.core.management import call_command

        output = io.StringIO()
        options = {"scale": args.scale, "seed": args.seed, "batch_size": args.batch_size, "json": True,
                   "bench_fixtures": args.bench_fixtures}
        call_command("generate_fake_data", stdout=output, stderr=sys.stderr, **options)
        report = json.loads(output.getvalue())
    print(f"generate_fake_data --scale {args.scale} on {database}: {report['seconds']:.0f} s")
    print(f"{'table':<22}{'rows':>12}{'rows/s':>10}")
    for name, table in report["tables"].items():
        print(f"{name:<22}{table['rows']:>12}{table['rows_per_second']:>10}")
    total = sum(table["rows"] for table in report["tables"].values())
    print(f"{'total':<22}{total:>12}{round(total / report['seconds']) if report['seconds'] else 0:>10}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"database": database, "scale": args.scale, **report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
