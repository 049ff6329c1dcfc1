"""The single-figure benches (bench/invoice_pdf.py, upload_memory.py,
import_legacy.py, export_memory.py), run as they are and read from their
output: each keeps its own database and target, this only collects.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# They pick their own databases (throwaway SQLite, or --database-url): none
# must inherit the data sets of the run.
_INHERITED_OUT = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")


def _number(text):
    """'12 345' or '12,5' → float (the scripts print French-style numbers)."""
    return float(re.sub(r"\s", "", text).replace(",", "."))


def parse_invoice_pdf(output):
    match = re.search(r"(\d+) invoices in ([\d.]+) s: (\d+) invoices/s", output)
    return match and {"count": int(match.group(1)), "seconds": float(match.group(2)),
                      "per_second": float(match.group(3))}


def parse_upload(output):
    growth = re.search(r"peak RSS growth\s+([\d.]+) MB", output)
    size = re.search(r"upload size\s+(\d+) MB", output)
    status = re.search(r"^response\s+(\d+)", output, re.MULTILINE)
    return growth and {"size_mb": int(size.group(1)) if size else None, "peak_growth_mb": float(growth.group(1)),
                       "status": int(status.group(1)) if status else None}


def parse_import_legacy(output):
    first = re.search(r"^Import\s*: ([\d\s]+?) lignes en ([\d.]+) s → ([\d\s]+?) lignes/s", output, re.MULTILINE)
    again = re.search(r"^Ré-import\s*: .*?→ ([\d\s]+?) lignes/s", output, re.MULTILINE)
    return first and {"rows": int(_number(first.group(1))), "seconds": float(first.group(2)),
                      "rows_per_second": _number(first.group(3)),
                      "reimport_rows_per_second": _number(again.group(1)) if again else None}


def parse_export(output):
    """The CSV line of bench/export_memory.py; the RSS growth is None where
    /proc/self/clear_refs could not reset the peak (printed "n/a")."""
    match = re.search(r"^csv: (\d+) rows, ([\d.]+) MB written in ([\d.]+) s, peak Python memory ([\d.]+) MB"
                      r"(?:, peak RSS growth ([\d.]+) MB)?", output, re.MULTILINE)
    return match and {"rows": int(match.group(1)), "csv_mb": float(match.group(2)),
                      "csv_seconds": float(match.group(3)), "csv_peak_mb": float(match.group(4)),
                      "csv_rss_growth_mb": match.group(5) and float(match.group(5))}


def commands(*, quick, import_database_url):
    """(name, script arguments, parser) of each bench; --quick shrinks them."""
    return [
        ("invoice_pdf", ["invoice_pdf.py", "-n", "20" if quick else "200"], parse_invoice_pdf),
        ("upload", ["upload_memory.py", "--size-mb", "10" if quick else "100"], parse_upload),
        ("import_legacy", ["import_legacy.py", "--scale", "0.01" if quick else "1",
                           "--database-url", import_database_url], parse_import_legacy),
        ("export", ["export_memory.py", "-n", "5000" if quick else "100000"], parse_export),
    ]


def run_all(*, quick, import_database_url, say=print):
    """{name: figures}; a bench that crashed or printed nothing readable
    gets {"error": ...} and the tail of its output."""
    env = {key: value for key, value in os.environ.items() if key not in _INHERITED_OUT}
    results = {}
    for name, args, parse in commands(quick=quick, import_database_url=import_database_url):
        say(f"  {name} : bench/{' '.join(args)}")
        started = time.monotonic()
        # A bench below its own target exits 1 but still prints its figures: read them anyway.
        done = subprocess.run([sys.executable, str(BENCH / args[0]), *args[1:]], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        figures = parse(done.stdout)
        if figures is None:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            results[name] = {"error": f"sortie illisible (code {done.returncode})", "output_tail": tail}
            say(f"    échec (code {done.returncode}) :\n{tail}")
        else:
            results[name] = {**figures, "wall_seconds": round(time.monotonic() - started, 1)}
    return results
