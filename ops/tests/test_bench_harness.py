"""The benchmark harness's pure parts (bench/): reading wrk's and the
single-figure benches' output, checking issue 13's targets, the table.
No server, no database: bench/run.py itself is verified by running it."""

import pytest

from bench import extras, report, targets, wrk
from bench.hot_paths import ADMIN, BASELINE, PAGE, POLL, HotPath
from bench.run import next_redis_database, selected

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:18765/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.97ms   17.65ms 212.15ms   97.99%
    Req/Sec   440.77    171.59   777.00     65.00%
  Latency Distribution
     50%    5.88ms
     75%    8.55ms
     90%   13.46ms
     99%  119.32ms
  1760 requests in 2.01s, 5.53MB read
Requests/sec:    874.95
Transfer/sec:      2.75MB
"""

WRK_OUTPUT_WITH_ERRORS = """Running 10s test @ http://127.0.0.1:40000/messages/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20s   300.00ms   2.50s    70.00%
    Req/Sec     6.00      3.00     12.00     60.00%
  Latency Distribution
     50%  812.00us
     75%    1.10s
     90%    1.50s
     99%    2.40s
  120 requests in 10.02s, 26.40MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:     11.98
Transfer/sec:      2.63MB
"""


def test_wrk_output_is_read():
    figures = wrk.parse_output(WRK_OUTPUT)
    assert figures == {
        "requests_per_second": 874.95, "p50_ms": 5.88, "p90_ms": 13.46, "p99_ms": 119.32, "requests": 1760,
        "seconds": 2.01, "bytes_read": round(5.53 * 1024**2), "failed_responses": 0, "socket_errors": 0,
    }


def test_wrk_units_errors_and_failed_responses_are_read():
    figures = wrk.parse_output(WRK_OUTPUT_WITH_ERRORS)
    assert figures["p50_ms"] == pytest.approx(0.812)
    assert figures["p99_ms"] == 2400.0
    assert figures["seconds"] == pytest.approx(10.02)
    assert figures["failed_responses"] == 4
    assert figures["socket_errors"] == 5


def test_wrk_output_without_latency_distribution_is_refused():
    without = "\n".join(line for line in WRK_OUTPUT.splitlines() if "%  " not in line and "%   " not in line)
    with pytest.raises(ValueError, match="--latency"):
        wrk.parse_output(without)


@pytest.mark.parametrize(("text", "ms"), [("812.00us", 0.812), ("5.88ms", 5.88), ("1.20s", 1200.0), ("2.00m", 120_000.0)])
def test_wrk_durations(text, ms):
    assert wrk.time_ms(text) == pytest.approx(ms)


def test_wrk_sizes_are_powers_of_1024():
    assert wrk.size_bytes("677.93KB") == round(677.93 * 1024)
    assert wrk.size_bytes("12B") == 12
    with pytest.raises(ValueError):
        wrk.size_bytes("12 bytes")


def test_missing_wrk_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(wrk.shutil, "which", lambda name: None)
    with pytest.raises(wrk.WrkError, match="system-deps.sh bench"):
        wrk.require_wrk()


# --- Targets -------------------------------------------------------------------

BASELINE_FIGURES = {"requests_per_second": 1000.0, "p50_ms": 5.0, "p99_ms": 20.0, "queries": 0}


def figures(rps, p50, p99, queries):
    return {"requests_per_second": rps, "p50_ms": p50, "p99_ms": p99, "queries": queries}


def by_tag(checks):
    return {c["tag"]: c["ok"] for c in checks}


def test_a_fast_poll_meets_every_target():
    checks = targets.path_checks("new_messages", POLL, figures(450, 10, 40, 3), figures(460, 9, 35, 3),
                                 BASELINE_FIGURES)
    assert by_tag(checks) == {"req/s": True, "p99": True, "SQL": True, "SQL≠": True, "croissance": True}


def test_a_poll_below_40_percent_of_the_baseline_or_too_slow_misses():
    checks = by_tag(targets.path_checks("new_messages", POLL, figures(390, 10, 50, 4), figures(390, 10, 40, 4),
                                        BASELINE_FIGURES))
    assert checks["req/s"] is False  # 39 % < 40 %
    assert checks["p99"] is False  # 50 ms is not < 50 ms
    assert checks["SQL"] is False  # 4 > 3 for a poll
    assert checks["SQL≠"] is True


def test_pages_and_admin_have_their_own_limits():
    page = by_tag(targets.path_checks("landing", PAGE, figures(150, 50, 149, 15), figures(150, 40, 100, 15),
                                      BASELINE_FIGURES))
    assert page == {"req/s": True, "p99": True, "SQL": True, "SQL≠": True, "croissance": True}
    admin = by_tag(targets.path_checks("admin_orders", ADMIN, figures(150, 50, 299, 16), figures(150, 50, 290, 16),
                                       BASELINE_FIGURES))
    assert admin["p99"] is True  # 300 ms for the admin
    assert admin["SQL"] is False


def test_queries_that_grow_with_the_data_and_a_p50_that_grows_miss():
    checks = by_tag(targets.path_checks("inbox", PAGE, figures(200, 31, 100, 6), figures(200, 20, 90, 5),
                                        BASELINE_FIGURES))
    assert checks["SQL≠"] is False
    assert checks["croissance"] is False  # 31 / 20 = 1.55 > 1.5


def test_the_previous_figures_must_be_beaten_by_their_factor():
    billing = {c["tag"]: c for c in targets.path_checks("billing", PAGE, figures(101, 10, 50, 5),
                                                          figures(101, 10, 50, 5), BASELINE_FIGURES)}
    assert billing["vs avant"]["ok"] is False  # 51 × 2 = 102
    bell = {c["tag"]: c for c in targets.path_checks("bell", POLL, figures(308, 10, 30, 3), figures(308, 10, 30, 3),
                                                       BASELINE_FIGURES)}
    assert bell["vs avant"]["ok"] is True  # 205 × 1.5 = 307.5


def test_a_path_without_figures_never_passes():
    checks = targets.path_checks("staff_board", PAGE, {"queries": 5, "error": "réponse 500"}, {"queries": 5},
                                 BASELINE_FIGURES)
    assert {c["tag"]: c["ok"] for c in checks} == {"req/s": None, "p99": None, "SQL": True, "SQL≠": True,
                                                    "croissance": None}
    assert report.verdict(checks) == "?"


def test_the_baseline_has_no_target():
    assert targets.path_checks("baseline", BASELINE, BASELINE_FIGURES, BASELINE_FIGURES, BASELINE_FIGURES) == []


def test_single_figure_benches_are_checked_when_they_ran():
    checks = {c["path"]: c["ok"] for c in targets.extras_checks({
        "invoice_pdf": {"per_second": 49.0}, "upload": {"peak_growth_mb": 12.5},
        "export": {"error": "sortie illisible"},
    })}
    assert checks == {"invoice_pdf": False, "upload": True, "export": None}


def test_the_verdict_names_what_was_missed():
    checks = targets.path_checks("bell", POLL, figures(100, 10, 80, 3), figures(100, 10, 80, 3), BASELINE_FIGURES)
    assert report.verdict(checks) == "MANQUÉ : req/s, p99, vs avant"


def test_figures_are_written_french_style():
    assert report.number(12345.67, 1) == "12 345,7"
    assert report.number(None) == "—"
    assert report.scale_label(0.01) == "1 %"
    assert report.scale_label(0.002) == "0,20 %"
    assert report.measured({"measured": 39.4, "unit": "%"}) == "39,4 %"
    assert report.measured({"measured": 1.234, "unit": "×"}) == "× 1,23"


# --- The single-figure benches' output -----------------------------------------

def test_invoice_pdf_output_is_read():
    output = "200 invoices in 2.51 s: 80 invoices/s (12.5 ms each, 4 KiB each)\ntarget >= 50 invoices/s: OK\n"
    assert extras.parse_invoice_pdf(output) == {"count": 200, "seconds": 2.51, "per_second": 80.0}


def test_upload_output_is_read():
    output = ("upload size           100 MB\nresponse              302 /orders/1/\nbytes stored          100.0 MB\n"
              "peak RSS growth       3.2 MB (target < 50 MB)\nresult                OK\n")
    assert extras.parse_upload(output) == {"size_mb": 100, "peak_growth_mb": 3.2, "status": 302}


def test_import_legacy_output_is_read():
    output = ("Import        : 262 130 lignes en 40.2 s → 6 521 lignes/s\n"
              "Ré-import     : 262 130 lignes en 52.0 s → 5 041 lignes/s (mise à jour, sans doublon)\n")
    assert extras.parse_import_legacy(output) == {"rows": 262130, "seconds": 40.2, "rows_per_second": 6521.0,
                                                  "reimport_rows_per_second": 5041.0}


def test_export_output_is_read():
    output = ("100000 orders written in 61.4 s (sqlite)\n"
              "csv: 100000 rows, 25.5 MB written in 9.8 s, peak Python memory 7.3 MB, peak RSS growth 14.6 MB "
              "(target < 100 MB)\n"
              "json: 100000 rows, 80.7 MB written in 12.0 s, peak Python memory 6.4 MB, peak RSS growth 1.7 MB "
              "(target < 100 MB)\n")
    assert extras.parse_export(output) == {"rows": 100000, "csv_mb": 25.5, "csv_seconds": 9.8, "csv_peak_mb": 7.3,
                                           "csv_rss_growth_mb": 14.6}
    without_rss = "csv: 5000 rows, 1.3 MB written in 0.5 s, peak Python memory 2.0 MB, peak RSS growth n/a (target < 100 MB)"
    assert extras.parse_export(without_rss)["csv_rss_growth_mb"] is None


def test_the_export_target_is_on_the_resident_memory():
    checks = targets.extras_checks({"export": {"csv_peak_mb": 7.3, "csv_rss_growth_mb": 120.0}})
    assert [(c["measured"], c["ok"]) for c in checks] == [(120.0, False)]


def test_unreadable_output_gives_nothing():
    assert extras.parse_invoice_pdf("Traceback (most recent call last):") is None
    assert extras.parse_import_legacy("") is None


def test_the_small_data_set_gets_the_next_redis_database():
    assert next_redis_database("redis://127.0.0.1:6379/13") == "redis://127.0.0.1:6379/14"
    assert next_redis_database("redis://127.0.0.1:6379") == "redis://127.0.0.1:6379/1"


def test_the_report_shows_every_path_the_memory_and_what_was_missed():
    paths = [HotPath("baseline", "Référence", "/robots.txt", None, BASELINE),
             HotPath("bell", "Cloche (fragment)", "/notifications/bell/", "client", POLL, htmx=True),
             HotPath("staff_board", "Équipe : tableau", "/staff/orders/", "admin", PAGE)]

    def dataset(scale, bell_p99):
        return {"scale": scale, "rows": {"orders": 2000}, "memory": [
            {"pid": 1, "role": "master", "rss_mb": 26.0, "peak_rss_mb": 26.0, "pss_mb": 14.0, "uss_mb": 12.0},
            {"pid": 2, "role": "worker", "rss_mb": 108.0, "peak_rss_mb": 120.0, "pss_mb": 80.0, "uss_mb": 70.0}],
            "paths": {
            "baseline": {"label": "Référence", "bytes": 167, **BASELINE_FIGURES},
            "bell": {"label": "Cloche (fragment)", "bytes": 2990, **figures(450, 10, bell_p99, 3)},
            "staff_board": {"label": "Équipe : tableau", "bytes": 800_000, "queries": 5,
                            "error": "aucune réponse complète en 2s"},
        }}

    big, small = dataset(1.0, 60), dataset(0.01, 40)
    extra = {"invoice_pdf": {"per_second": 80.0}}
    results = {
        "run": {"date": "2026-11-29 22:00 UTC", "commit": "abc1234", "quick": False, "connections": 16,
                "duration": "10s", "warmup": "2s", "gunicorn": "3 workers", "load_average_before": 0.5},
        "machine": {"cpu": "AMD EPYC", "cores": 2, "memory_gb": 23.5, "python": "3.11.7", "database": "MariaDB 10.11"},
        "baseline": "baseline", "datasets": {"big": big, "small": small}, "extras": extra,
        "checks": targets.all_checks(paths, big["paths"], small["paths"], extra),
    }
    text = report.markdown(results)
    assert "| Cloche (fragment) | 450 | 45 % | 10,0 | 60,0 | 3 | 3 | 450 | 10,0 | 3 | 1,00 | MANQUÉ : p99 |" in text
    assert "| Équipe : tableau (aucune réponse complète en 2s) | — |" in text
    assert "RSS 134 Mo (PSS 94 Mo) en tout — maître 26 Mo, 1 workers 108 Mo (pics 120 Mo)" in text
    assert "| Factures PDF (un cœur) | 80 factures/s | ≥ 50 factures/s | ok |" in text
    assert "- MANQUÉ — Cloche (fragment) : p99 < 50 ms (mesuré : 60,0 ms)" in text
    assert "- sans mesure — Équipe : tableau : p99 < 150 ms (mesuré : —)" in text


def test_only_keeps_the_baseline_and_refuses_unknown_paths():
    paths = [HotPath("baseline", "Référence", "/robots.txt", None, BASELINE),
             HotPath("bell", "Cloche", "/notifications/bell/", "client", POLL),
             HotPath("landing", "Accueil", "/", None, PAGE)]
    assert [p.key for p in selected(paths, "bell")] == ["baseline", "bell"]
    assert selected(paths, None) == paths
    with pytest.raises(SystemExit, match="chemins inconnus : nope"):
        selected(paths, "bell,nope")


def test_a_poll_sends_back_its_etag_and_a_page_does_not():
    poll = HotPath("new_messages", "Sondage", "/messages/x/since/", "client", POLL, (200, 204, 304))
    page = HotPath("landing", "Accueil", "/", None, PAGE)
    headers = {"X-Forwarded-Proto": "https"}
    assert poll.revalidating(headers, '"abc"') == {"X-Forwarded-Proto": "https", "If-None-Match": '"abc"'}
    assert poll.revalidating(headers, None) == headers
    assert page.revalidating(headers, '"abc"') == headers
