"""gunicorn's settings, for the Dockerfile and docker-compose.yml.

Threaded workers (gthread): a request, its upload included, is read by a
thread while the worker's main loop keeps reporting to the arbiter, so a
client sending 14 MB at 0.2 MB/s is not killed by the timeout as a sync
worker would be (its whole request had to fit in ``timeout`` seconds).
A slow client still holds one thread while it sends: behind the production
TLS proxy keep request buffering on (nginx's default, see the README), and
the proxy hands gunicorn complete requests.

Every value can be overridden by the environment (GUNICORN_*).
"""

import os


def _int(name, default):
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 3)
threads = _int("GUNICORN_THREADS", 8)
# Seconds a worker may go without reporting to the arbiter (a hung worker),
# not a limit on one request's duration with gthread.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (slow memory growth), staggered.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# Load the app once, in the master, before forking: the workers share its
# code and module objects copy-on-write (PSS, bench/worker_memory.py) instead
# of each importing its own copy. Safe because nothing opens a connection at
# import: Django's database connections and the Redis clients (cache,
# sessions, Celery's broker) open on a worker's first use, after the fork —
# core/tests/test_lazy_imports.py checks that loading the app opens no socket.
# A code change then needs a restart of the master, not a HUP.
preload_app = True


def when_ready(server):
    """In the master, once the app is loaded and before the first fork."""
    import gc

    from config.warmup import warm_up

    # What each worker would load on its first requests (views, catalogues,
    # templates), loaded once here and shared.
    warm_up()
    # Objects loaded so far move to a generation the garbage collector no
    # longer scans: its passes would otherwise write to every shared page
    # (reference counts, GC links) and un-share them worker by worker.
    gc.freeze()
