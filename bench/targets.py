"""Issue 13's targets, checked against one run's figures.

Each check is {"target", "tag", "path", "measured", "ok"} (tag: a short name
for the table's last column); ok is None when the figure is missing (the path
failed), so a broken path never passes.
"""

from bench.hot_paths import ADMIN, BASELINE, PAGE, POLL

# Issue 13's figures before the work ("today's", same machine, same tool):
# requests/s, and the factor each must reach.
PREVIOUS_RPS = {
    "billing": (51, 2.0),
    "notifications": (95, 2.0),
    "client_dashboard": (132, 1.5),
    "bell": (205, 1.5),
}
MIN_SHARE_OF_BASELINE = {POLL: 0.40, PAGE: 0.15, ADMIN: 0.15}
MAX_P99_MS = {POLL: 50, PAGE: 150, ADMIN: 300}
MAX_QUERIES = {POLL: 3, PAGE: 15, ADMIN: 15}
MAX_P50_GROWTH = 1.5

MIN_INVOICES_PER_SECOND = 50
MAX_UPLOAD_GROWTH_MB = 50
MAX_EXPORT_MEMORY_MB = 100
MIN_IMPORT_ROWS_PER_SECOND = 5000


def check(target, tag, path, measured, ok, unit=""):
    """measured: a number (shown with its unit) or a text; None when missing."""
    return {"target": target, "tag": tag, "path": path, "measured": measured, "unit": unit, "ok": ok}


def _figure(result, name):
    return None if result is None else result.get(name)


def _compare(value, passes):
    return None if value is None else passes(value)


def share_of_baseline(result, baseline):
    rps, base = _figure(result, "requests_per_second"), _figure(baseline, "requests_per_second")
    return rps / base if rps is not None and base else None


def p50_growth(big, small):
    p50_big, p50_small = _figure(big, "p50_ms"), _figure(small, "p50_ms")
    return p50_big / p50_small if p50_big is not None and p50_small else None


def path_checks(key, kind, big, small, baseline):
    """The checks of one path: big/small are its figures in each data set,
    baseline the baseline's figures in the big one."""
    if kind == BASELINE:
        return []
    share, floor = share_of_baseline(big, baseline), MIN_SHARE_OF_BASELINE[kind]
    p99, p99_limit = _figure(big, "p99_ms"), MAX_P99_MS[kind]
    queries, queries_small, most = _figure(big, "queries"), _figure(small, "queries"), MAX_QUERIES[kind]
    same = None if queries is None or queries_small is None else queries == queries_small
    growth = p50_growth(big, small)
    checks = [
        check(f"req/s ≥ {floor * 100:.0f} % de la référence", "req/s", key,
              None if share is None else share * 100, _compare(share, lambda v: v >= floor), "%"),
        check(f"p99 < {p99_limit} ms", "p99", key, p99, _compare(p99, lambda v: v < p99_limit), "ms"),
        check(f"requêtes SQL ≤ {most}", "SQL", key, queries, _compare(queries, lambda v: v <= most)),
        check("même nombre de requêtes SQL aux deux volumes", "SQL≠", key,
              None if same is None else f"{queries} / {queries_small}", same),
        check(f"p50 ≤ {str(MAX_P50_GROWTH).replace('.', ',')} × p50 du petit jeu", "croissance", key,
              growth, _compare(growth, lambda v: v <= MAX_P50_GROWTH), "×"),
    ]
    if key in PREVIOUS_RPS:
        before, factor = PREVIOUS_RPS[key]
        rps, wanted = _figure(big, "requests_per_second"), before * factor
        checks.append(check(f"req/s ≥ {wanted:.0f} (avant : {before})", "vs avant", key, rps,
                            _compare(rps, lambda v: v >= wanted), "req/s"))
    return checks


def extras_checks(extras):
    """The single-figure benches (bench/extras.py's results) that ran."""
    rules = [
        ("invoice_pdf", "per_second", f"≥ {MIN_INVOICES_PER_SECOND} factures/s", "factures/s",
         lambda v: v >= MIN_INVOICES_PER_SECOND),
        ("upload", "peak_growth_mb", f"< +{MAX_UPLOAD_GROWTH_MB} Mo pour 100 Mo", "Mo",
         lambda v: v < MAX_UPLOAD_GROWTH_MB),
        # The resident memory's rise: Python's allocations and the database driver's buffers.
        ("export", "csv_rss_growth_mb", f"< +{MAX_EXPORT_MEMORY_MB} Mo pour 100 000 lignes", "Mo",
         lambda v: v < MAX_EXPORT_MEMORY_MB),
        ("import_legacy", "rows_per_second", f"≥ {MIN_IMPORT_ROWS_PER_SECOND:,} lignes/s".replace(",", " "), "lignes/s",
         lambda v: v >= MIN_IMPORT_ROWS_PER_SECOND),
    ]
    checks = []
    for bench, name, target, unit, passes in rules:
        if bench in extras:
            value = extras[bench].get(name)
            checks.append(check(target, bench, bench, value, _compare(value, passes), unit))
    return checks


def all_checks(paths, big, small, extras, baseline_key="baseline"):
    """paths: [HotPath]; big/small: {key: figures}; extras: {bench: figures}."""
    checks = []
    for path in paths:
        checks += path_checks(path.key, path.kind, big.get(path.key), small.get(path.key), big.get(baseline_key))
    return checks + extras_checks(extras)
