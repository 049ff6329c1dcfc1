"""What gunicorn holds in memory, idle and after a few hundred mixed
requests: RSS, PSS and USS of the master and each worker, and the total.

    .venv/bin/python bench/worker_memory.py --database-url mysql://root@127.0.0.1:3306/staka_bench_small \\
        [--redis-url redis://127.0.0.1:6379/13] [--rounds 20]

Serves a loaded data set (bench/run.py, or generate_fake_data --bench-fixtures)
with gunicorn.conf.py and the production settings (bench.server.Gunicorn),
reads the memory once every worker has answered a request, then requests every
hot path of bench/hot_paths.py ``--rounds`` times in turn (visitor, client,
corrector and staff pages, admin changelists) and reads it again.

RSS counts every page a process maps, shared ones included, so adding the
RSS of the workers counts the code they share from the master (preload_app)
once per worker; PSS divides each shared page between the processes that
share it and adds up to what the server really takes. Logging in writes
sessions and axes rows: use a data set you may write to.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import probe  # noqa: E402
from bench.server import PROXY_HEADERS, Gunicorn  # noqa: E402


def table(title, processes):
    lines = [title, f"  {'':8} {'RSS':>7} {'PSS':>7} {'USS':>7} {'pic RSS':>8}  (Mo)"]
    for process in processes:
        lines.append(f"  {process['role']:8} {process['rss_mb']:7.1f} {process['pss_mb']:7.1f} "
                     f"{process['uss_mb']:7.1f} {process['peak_rss_mb']:8.1f}")
    total = {key: sum(p[key] for p in processes) for key in ("rss_mb", "pss_mb", "uss_mb")}
    lines.append(f"  {'total':8} {total['rss_mb']:7.1f} {total['pss_mb']:7.1f} {total['uss_mb']:7.1f}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--rounds", type=int, default=20, help="requests of every hot path (default 20)")
    args = parser.parse_args()
    found = probe(args.database_url, args.redis_url)
    paths = found["paths"]
    with Gunicorn(database_url=args.database_url, redis_url=args.redis_url, ready_path=paths[0].url) as server:
        # One request per worker at least: each has loaded the URLconf and a template.
        for _ in range(12):
            server.anonymous().request("GET", paths[0].url, headers=PROXY_HEADERS)
        server.wait_idle()
        print(table("Au repos (après une requête triviale) :", server.memory()), flush=True)
        browsers = {who: server.log_in(email, found["password"]) for who, email in found["accounts"].items()}
        count = 0
        for _ in range(args.rounds):
            for path in paths:
                browser = browsers.get(path.who) or server.anonymous()
                browser.request("GET", path.url, headers={**PROXY_HEADERS, **path.headers})
                count += 1
        server.wait_idle()
        print(table(f"Après {count} requêtes ({len(paths)} chemins × {args.rounds}) :", server.memory()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
