"""The readable table of a run (Markdown: the terminal, latest.md and the README)."""

from bench.targets import p50_growth, share_of_baseline

MISSED = "MANQUÉ"
EXTRAS_LABELS = {
    "invoice_pdf": "Factures PDF (un cœur)",
    "upload": "Envoi d'un manuscrit : hausse du pic de mémoire du serveur",
    "import_legacy": "Import de l'ancienne base (import_legacy)",
    "export": "Export CSV de l'admin (commandes) : hausse du pic de mémoire",
}


def number(value, decimals=0):
    """French style: 1 234,5 — or a dash when there is no figure."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def percent(value):
    return "—" if value is None else f"{value * 100:.0f} %"


def measured(check):
    """A check's measured figure with its unit, French style."""
    value = check["measured"]
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    # Rates and counts whole; a tenth of a millisecond where it still says something.
    decimals = {"×": 2, "%": 1, "Mo": 1, "ms": 1 if value < 100 else 0}.get(check["unit"], 0)
    text = number(value, decimals)
    return {"": text, "%": f"{text} %", "×": f"× {text}"}.get(check["unit"], f"{text} {check['unit']}")


def scale_label(scale):
    return f"{number(scale * 100, 0 if scale * 100 >= 1 else 2)} %"


def verdict(checks):
    """'ok', MISSED with the short names of the missed checks, or '?' when a figure is missing."""
    missed = [c["tag"] for c in checks if c["ok"] is False]
    if missed:
        return f"{MISSED} : {', '.join(missed)}"
    return "?" if any(c["ok"] is None for c in checks) else "ok"


def paths_table(results):
    big, small = results["datasets"]["big"], results["datasets"]["small"]
    baseline = big["paths"].get(results["baseline"])
    small_name = scale_label(small["scale"])
    lines = [
        f"| Chemin | req/s | % réf. | p50 ms | p99 ms | SQL | Ko | req/s {small_name} | p50 {small_name} "
        f"| SQL {small_name} | p50 ×  | Objectifs |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for key, figures in big["paths"].items():
        little = small["paths"].get(key, {})
        checks = [c for c in results["checks"] if c["path"] == key]
        label = figures["label"] + (f" ({figures['error']})" if figures.get("error") else "")
        lines.append("| " + " | ".join([
            label,
            number(figures.get("requests_per_second")),
            percent(share_of_baseline(figures, baseline)),
            number(figures.get("p50_ms"), 1),
            number(figures.get("p99_ms"), 1),
            number(figures.get("queries")),
            number(figures["bytes"] / 1024 if figures.get("bytes") is not None else None),
            number(little.get("requests_per_second")),
            number(little.get("p50_ms"), 1),
            number(little.get("queries")),
            number(p50_growth(figures, little), 2),
            verdict(checks) if checks else "(référence)",
        ]) + " |")
    return lines


def extras_table(results):
    if not results["extras"]:
        return []
    checks = {c["path"]: c for c in results["checks"] if c["path"] in results["extras"]}
    lines = ["| Mesure | Résultat | Objectif | |", "|---|--:|---|---|"]
    for name, figures in results["extras"].items():
        found = checks.get(name)
        shown = measured(found) if found and found["measured"] is not None else figures.get("error", "—")
        if name == "export" and "csv_seconds" in figures:
            shown += (f" ({number(figures['rows'])} lignes en {number(figures['csv_seconds'], 1)} s, "
                      f"Python {number(figures['csv_peak_mb'], 1)} Mo)")
        ok = "?" if not found or found["ok"] is None else ("ok" if found["ok"] else MISSED)
        lines.append(f"| {EXTRAS_LABELS[name]} | {shown} | {found['target'] if found else '—'} | {ok} |")
    return lines


def memory_lines(results):
    lines = []
    for name in ("big", "small"):
        dataset = results["datasets"][name]
        processes = dataset.get("memory") or []
        if not processes:
            continue
        workers = [p for p in processes if p["role"] == "worker"]
        total = sum(p["rss_mb"] for p in processes)
        # PSS shares each page between the processes mapping it: its sum is what
        # gunicorn really holds (RSS counts the code shared from the master once per worker).
        pss = (f" (PSS {number(sum(p['pss_mb'] for p in processes))} Mo)"
               if all("pss_mb" in p for p in processes) else "")
        lines.append(
            f"- Mémoire de gunicorn après la mesure ({scale_label(dataset['scale'])}) : RSS {number(total)} Mo"
            f"{pss} en tout — "
            f"maître {number(processes[0]['rss_mb'])} Mo, {len(workers)} workers "
            f"{', '.join(number(w['rss_mb']) for w in workers)} Mo "
            f"(pics {', '.join(number(w['peak_rss_mb']) for w in workers)} Mo)")
    return lines


def markdown(results):
    machine, run = results["machine"], results["run"]
    big, small = results["datasets"]["big"], results["datasets"]["small"]

    def rows(dataset):
        return ", ".join(f"{number(count)} {name}" for name, count in dataset.get("rows", {}).items())

    missed = [c for c in results["checks"] if c["ok"] is not True]
    lines = [
        f"# Banc d'essai — {run['date']}",
        "",
        f"- Machine : {machine['cpu']}, {machine['cores']} cœurs, {number(machine['memory_gb'], 1)} Go ; "
        f"{machine['database']} ; Python {machine['python']}",
        f"- Application : gunicorn ({run['gunicorn']}), réglages de production, Redis ; commit {run['commit']}",
        f"- Charge : wrk, {run['connections']} connexions, une par requête comme nginx devant gunicorn "
        f"(Connection: close), {run['duration']} par chemin (après {run['warmup']} de mise en route) ; "
        "requêtes SQL comptées à part (client de test, même base)",
        f"- Données : {scale_label(big['scale'])} ({rows(big)}) et {scale_label(small['scale'])} ({rows(small)})",
        # Other work on the machine skews every figure: say how busy it was.
        f"- Charge moyenne de la machine au départ : {number(run['load_average_before'], 2)} "
        f"({machine['cores']} cœurs)",
        *(["- **Mesure rapide (--quick) : vérifie le banc, ses chiffres ne valent rien.**"] if run["quick"] else []),
        "",
        *paths_table(results),
        "",
        *memory_lines(results),
    ]
    extras = extras_table(results)
    if extras:
        lines += ["", *extras]
    lines += ["", f"Objectifs : {sum(c['ok'] is True for c in results['checks'])} atteints, "
                  f"{sum(c['ok'] is False for c in results['checks'])} manqués, "
                  f"{sum(c['ok'] is None for c in results['checks'])} sans mesure."]
    for c in missed:
        state = "sans mesure" if c["ok"] is None else MISSED
        label = big["paths"].get(c["path"], {}).get("label") or EXTRAS_LABELS.get(c["path"], c["path"])
        lines.append(f"- {state} — {label} : {c['target']} (mesuré : {measured(c)})")
    return "\n".join(lines) + "\n"
