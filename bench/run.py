"""Issue 13's benchmark, end to end (`make bench`; `bench/run.py --help`):
load two data sets into MariaDB, serve each with gunicorn and the
production settings, drive every hot path with wrk, count its SQL queries,
run the single-figure benches, check the targets, write bench/results/.
"""

import argparse
import json
import os
import platform
import runpy
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import extras, report, targets, wrk  # noqa: E402
from bench.hot_paths import HotPath  # noqa: E402
from bench.server import PROXY_HEADERS, Gunicorn, ServerError, cookie_header, production_env  # noqa: E402

DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/staka_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DEFAULT_IMPORT_DATABASE_URL = "mysql://root@127.0.0.1:3306/staka_bench_import"
RESULTS = ROOT / "bench" / "results"
# Which scale each database was loaded at, for the runs with --skip-load.
LOADED = RESULTS / "loaded.json"
DESCRIPTION = ("Banc d'essai du ticket 13 : charge deux jeux de données dans MariaDB, sert chacun avec gunicorn "
               "et les réglages de production, mesure chaque chemin chaud avec wrk, compte ses requêtes SQL, lance "
               "les bancs annexes et vérifie les objectifs. Écrit bench/results/latest.json et latest.md.")
EXAMPLES = """exemples :
  .venv/bin/python bench/run.py                 volume complet (--scale 1, ~30 min de chargement) et 1 %
  .venv/bin/python bench/run.py --quick         petits jeux, 2 s par chemin : vérifie le banc (~5 min)
  .venv/bin/python bench/run.py --load-only     charge les deux jeux sans mesurer (machine occupée)
  .venv/bin/python bench/run.py --skip-load     reprend les bases chargées par un lancement précédent
  .venv/bin/python bench/run.py --skip-load --only bell,new_messages --skip-extras

Il faut MariaDB (une base par jeu, recréée sauf avec --skip-load), Redis (une base par jeu, vidée au
chargement) et wrk (scripts/system-deps.sh bench). Code de sortie 1 si un chemin échoue (mauvaise réponse,
erreurs sous charge) ; un objectif manqué est signalé, ce n'est pas une erreur."""
FULL = {"scale": 1.0, "small_scale": 0.01, "duration": "10s", "warmup": "2s"}
SEED = 13
QUICK = {"scale": 0.01, "small_scale": 0.001, "duration": "2s", "warmup": "1s"}


def say(text=""):
    print(text, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, help="volume du grand jeu (1 = volume complet du ticket 13 ; défaut 1)")
    parser.add_argument("--small-scale", type=float, help="volume du petit jeu (défaut 0.01)")
    parser.add_argument("--quick", action="store_true",
                        help=f"vérification rapide : jeux {QUICK['scale']} et {QUICK['small_scale']}, "
                             f"{QUICK['duration']} par chemin, bancs annexes réduits (chiffres sans valeur)")
    parser.add_argument("--skip-load", action="store_true",
                        help="réutilise les bases déjà chargées (après leurs migrations)")
    parser.add_argument("--load-only", action="store_true",
                        help="charge les deux jeux puis s'arrête (à mesurer plus tard avec --skip-load)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"base MariaDB du grand jeu (défaut {DEFAULT_DATABASE_URL}, ou BENCH_DATABASE_URL)")
    parser.add_argument("--small-database-url", help="base du petit jeu (défaut : celle du grand jeu suivie de _small)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
                        help=f"base Redis du grand jeu, vidée au chargement (défaut {DEFAULT_REDIS_URL})")
    parser.add_argument("--small-redis-url", help="base Redis du petit jeu (défaut : la suivante)")
    parser.add_argument("--import-database-url", default=DEFAULT_IMPORT_DATABASE_URL,
                        help=f"base que bench/import_legacy.py recrée (défaut {DEFAULT_IMPORT_DATABASE_URL})")
    parser.add_argument("--duration", help="durée de mesure par chemin, au format de wrk (défaut 10s)")
    parser.add_argument("--warmup", help="mise en route avant chaque mesure (défaut 2s)")
    parser.add_argument("--connections", type=int, default=16, help="connexions simultanées (défaut 16)")
    parser.add_argument("--only", help="ne mesure que ces chemins (clés séparées par des virgules ; la référence "
                                       "est toujours mesurée), ex. bell,new_messages ; résultats dans "
                                       "bench/results/partial.*")
    parser.add_argument("--skip-extras", action="store_true",
                        help="sans les bancs annexes (factures PDF, envoi, import, export)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="dossier des résultats (défaut bench/results)")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for name, value in preset.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.small_database_url = args.small_database_url or args.database_url + "_small"
    args.small_redis_url = args.small_redis_url or next_redis_database(args.redis_url)
    return args


def next_redis_database(url):
    """redis://host:port/13 → redis://host:port/14; without a number (database 0) → /1."""
    head, _, last = url.rpartition("/")
    return f"{head}/{int(last) + 1}" if last.isdigit() else url.rstrip("/") + "/1"


# --- Checks before anything is started -------------------------------------

def database_server(url):
    """A connection to the MariaDB server of url (no database selected)."""
    import environ
    import MySQLdb

    if not url.startswith("mysql://"):
        sys.exit(f"Le banc d'essai mesure MariaDB/MySQL : {url} n'est pas une URL mysql://.")
    config = environ.Env.db_url_config(url)
    try:
        return MySQLdb.connect(host=config["HOST"], port=int(config["PORT"] or 3306), user=config["USER"],
                               password=config["PASSWORD"] or ""), config["NAME"]
    except MySQLdb.Error as error:
        sys.exit(f"MariaDB injoignable ({config['HOST']}:{config['PORT'] or 3306}) : {error} — "
                 "Démarrez-le, ou donnez --database-url.")


def redis_client(url):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        sys.exit(f"Redis injoignable ({url}) : {error} — Démarrez-le, ou donnez --redis-url.")
    return client


def preflight(args):
    try:
        wrk.require_wrk()
    except wrk.WrkError as error:
        sys.exit(str(error))
    for url in (args.database_url, args.small_database_url):
        server, name = database_server(url)
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [name])
            exists = cursor.fetchone() is not None
        server.close()
        if args.skip_load and not exists:
            sys.exit(f"La base « {name} » n'existe pas : lancez le banc sans --skip-load pour la charger.")
    for url in (args.redis_url, args.small_redis_url):
        redis_client(url)


# --- Data sets -----------------------------------------------------------------

def load(*, database_url, redis_url, scale):
    """Drops and recreates the database, then setup (migrations, services,
    CMS pages) and generate_fake_data at scale with the bench accounts."""
    server, name = database_server(database_url)
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    server.close()
    redis_client(redis_url).flushdb()  # its sessions and cached pages were of the dropped data
    # Local settings: generate_fake_data refuses production ones (known passwords).
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": database_url,
           "REDIS_URL": redis_url}
    started = time.monotonic()
    # A fixed seed: the same scale gives the same rows, run after run.
    fake_data = ["generate_fake_data", "--scale", str(scale), "--bench-fixtures", "--seed", str(SEED)]
    for command in (["setup", "--noinput"], fake_data):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return round(time.monotonic() - started)


def migrate(*, database_url, redis_url):
    """A data set loaded by an earlier run gets the indexes added since."""
    env = production_env(database_url=database_url, redis_url=redis_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def collect_static(args):
    """The production settings serve hashed static names from STATIC_ROOT's manifest."""
    env = production_env(database_url=args.database_url, redis_url=args.redis_url)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)


def probe(database_url, redis_url):
    """bench/hot_paths.py in the data set's production environment: the
    accounts, the paths and their SQL queries, the row counts."""
    env = production_env(database_url=database_url, redis_url=redis_url)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "hot_paths.py")], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench/hot_paths.py a échoué sur {database_url} :\n{done.stderr[-3000:]}")
    found = json.loads(done.stdout)
    found["paths"] = [HotPath(**path) for path in found["paths"]]
    return found


def selected(paths, only):
    """The paths --only names, the baseline (first) always with them."""
    if not only:
        return paths
    wanted = set(only.split(","))
    unknown = wanted - {path.key for path in paths}
    if unknown:
        sys.exit(f"--only : chemins inconnus : {', '.join(sorted(unknown))} "
                 f"(connus : {', '.join(path.key for path in paths)}).")
    return [path for index, path in enumerate(paths) if index == 0 or path.key in wanted]


# --- Measures ------------------------------------------------------------------

def measure_dataset(args, *, database_url, redis_url, scale):
    """Every path of one data set through gunicorn; the workers' memory after."""
    say(f"\n== Jeu {report.scale_label(scale)} ({database_url}) ==")
    found = probe(database_url, redis_url)
    say("  lignes : " + ", ".join(f"{report.number(count)} {table}" for table, count in found["rows"].items()))
    paths = selected(found["paths"], args.only)
    results = {}
    with Gunicorn(database_url=database_url, redis_url=redis_url, ready_path=paths[0].url) as server:
        browsers = {who: server.log_in(email, found["password"]) for who, email in found["accounts"].items()}
        for path in paths:
            figures = {"label": path.label, "url": path.url, "who": path.who, "kind": path.kind,
                       **found["queries"][path.key]}
            figures.update(measure_path(args, server, path, browsers.get(path.who)))
            results[path.key] = figures
            say(progress_line(figures))
        memory = server.memory()
    return {"scale": scale, "database": database_url, "rows": found["rows"], "paths": results,
            "memory": memory}, paths


def measure_path(args, server, path, browser):
    """One path: a request that checks its answer, a warm-up, then the measure."""
    browser = browser or server.anonymous()
    headers = {**PROXY_HEADERS, **path.headers}
    response, _body = browser.request("GET", path.url, headers=headers)
    revalidating = path.revalidating(headers, response.getheader("ETag"))
    if revalidating != headers:
        headers = revalidating
        response, _body = browser.request("GET", path.url, headers=headers)
    if response.status not in path.statuses:
        return {"error": f"réponse {response.status} (attendu : {', '.join(map(str, path.statuses))})",
                "broken": True}
    wrk_headers = [f"{name}: {value}" for name, value in headers.items()]
    if browser.cookies:
        wrk_headers.append(f"Cookie: {cookie_header(browser)}")
    url = server.base_url + path.url
    server.wait_idle()  # the previous path's last requests are done
    wrk.run(url, headers=wrk_headers, connections=args.connections, duration=args.warmup)
    figures = wrk.run(url, headers=wrk_headers, connections=args.connections, duration=args.duration)
    figures.update(status=response.status, if_none_match="If-None-Match" in headers)
    if not figures["requests"]:
        # Too slow for the duration, not broken; wrk's zero latencies would be a lie.
        return {"error": f"aucune réponse complète en {args.duration}"}
    if figures["failed_responses"] or figures["socket_errors"]:
        figures["error"] = (f"{figures['failed_responses']} réponses en erreur et "
                            f"{figures['socket_errors']} erreurs de connexion sous charge")
        figures["broken"] = True
    return figures


def progress_line(figures):
    if "requests_per_second" not in figures:
        return f"  {figures['label']:<45} ÉCHEC : {figures.get('error')}"
    line = (f"  {figures['label']:<45} {report.number(figures['requests_per_second']):>7} req/s  "
            f"p50 {report.number(figures['p50_ms'], 1):>6} ms  p99 {report.number(figures['p99_ms'], 1):>7} ms  "
            f"{figures['queries']:>2} SQL")
    return line + (f"  ({figures['error']})" if figures.get("error") else "")


# --- The run -------------------------------------------------------------------

def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal:")))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024**2, 1),
            "os": platform.platform(), "python": platform.python_version()}


def database_version(url):
    server, _name = database_server(url)
    with server.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        version = cursor.fetchone()[0]
    server.close()
    return f"{'MariaDB' if 'MariaDB' in version else 'MySQL'} {version.split('-')[0]}"


def gunicorn_settings():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return (f"{config['workers']} workers {config['worker_class']} × {config['threads']} threads, "
            "sans recyclage des workers")


def git_commit():
    git = shutil.which("git")
    if not git:
        return "?"
    done = subprocess.run([git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def write_results(results, folder, stem):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = report.markdown(results)
    (folder / f"{stem}.md").write_text(table)
    return table


def main(argv=None):
    args = parse_args(argv)
    started, load_before = time.monotonic(), os.getloadavg()[0]
    preflight(args)
    sets = {"big": (args.database_url, args.redis_url, args.scale),
            "small": (args.small_database_url, args.small_redis_url, args.small_scale)}
    loaded = json.loads(LOADED.read_text()) if LOADED.exists() else {}
    for name in ("small", "big"):
        database_url, redis_url, scale = sets[name]
        if args.skip_load:
            # The scale it was loaded at, not the option's default.
            sets[name] = (database_url, redis_url, loaded.get(database_url, scale))
            migrate(database_url=database_url, redis_url=redis_url)
            continue
        say(f"\n== Chargement du jeu {report.scale_label(scale)} dans {database_url} ==")
        say(f"   chargé en {load(database_url=database_url, redis_url=redis_url, scale=scale)} s")
        loaded[database_url] = scale
        LOADED.parent.mkdir(parents=True, exist_ok=True)
        LOADED.write_text(json.dumps(loaded, indent=2) + "\n")
    if args.load_only:
        return 0
    collect_static(args)
    datasets, paths = {}, []
    try:
        for name in ("big", "small"):
            database_url, redis_url, scale = sets[name]
            datasets[name], paths = measure_dataset(args, database_url=database_url, redis_url=redis_url, scale=scale)
    except (ServerError, wrk.WrkError) as error:
        sys.exit(str(error))
    extra = {}
    if not args.skip_extras:
        say("\n== Bancs annexes ==")
        extra = extras.run_all(quick=args.quick, import_database_url=args.import_database_url, say=say)
    results = {
        "run": {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
                "quick": args.quick, "connections": args.connections, "duration": args.duration,
                "warmup": args.warmup, "gunicorn": gunicorn_settings(), "load_average_before": load_before,
                "seconds": round(time.monotonic() - started)},
        "machine": {**machine(), "database": database_version(args.database_url)},
        "baseline": paths[0].key,
        "datasets": datasets,
        "extras": extra,
        "checks": targets.all_checks(paths, datasets["big"]["paths"], datasets["small"]["paths"], extra,
                                     baseline_key=paths[0].key),
    }
    # A run of some paths only must not replace the whole run's figures.
    stem = "partial" if args.only else "latest"
    say("\n" + write_results(results, args.output, stem))
    say(f"Résultats : {args.output / stem}.json et .md")
    broken = [key for dataset in datasets.values() for key, figures in dataset["paths"].items() if figures.get("broken")]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
