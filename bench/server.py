"""The app as production runs it, on a loopback port: gunicorn with
gunicorn.conf.py (worker recycling off, see Gunicorn) and
config.settings.production, MariaDB and Redis.

Requests carry what nginx in the documented deployment (deploy/nginx.conf)
sends gunicorn: ``X-Forwarded-Proto: https``, so the production settings
treat them as secure (no HTTPS redirect, CSRF's referer check, HSTS header)
without any switch turned off; and ``Connection: close``, one connection
per request (nginx keeps no connection to its upstream open). With wrk's
keep-alive instead, each of the 16 connections stays with the worker that
accepted it: the split between the 3 workers changed from one run to the
next, and a path's figure with it (×2 on the same code).
"""

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.upload_memory import Browser, free_port

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Connection": "close"}
LOGIN_PATH = "/accounts/login/"
STARTUP_SECONDS = 60
# CPU time (clock ticks, 1/100 s) a quarter second of an idle gunicorn may use.
IDLE_TICKS = 2


class ServerError(RuntimeError):
    pass


def production_env(*, database_url, redis_url, port=8000):
    """The environment of config.settings.production for a loopback run."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}:{port}",
        "GUNICORN_BIND": f"{HOST}:{port}",
    }


class Gunicorn:
    """gunicorn config.wsgi with gunicorn.conf.py on a free loopback port (a context manager)."""

    def __init__(self, *, database_url, redis_url, ready_path):
        self.port = free_port()
        self.env = production_env(database_url=database_url, redis_url=redis_url, port=self.port)
        self.ready_path = ready_path
        self.log = tempfile.NamedTemporaryFile(prefix="staka-bench-gunicorn-", suffix=".log", delete=False)
        self.process = None

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen(
            # No worker recycling (max_requests): at bench rates it would restart a
            # worker every few seconds, in the middle of the figures and of the
            # memory read after the run. Everything else is gunicorn.conf.py's.
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py",
             "--max-requests", "0"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__(None, None, None)  # no server left behind a failed start
            raise
        return self

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the workers finish their requests
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def _wait_until_ready(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn s'est arrêté au démarrage :\n{self.log_tail()}")
            try:
                response, _ = Browser(self.port).request("GET", self.ready_path, headers=PROXY_HEADERS)
                if response.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise ServerError(f"gunicorn ne répond pas après {STARTUP_SECONDS} s :\n{self.log_tail()}")

    def log_tail(self, lines=40):
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def anonymous(self):
        return Browser(self.port)

    def log_in(self, email, password):
        """A browser logged in through the real login form (CSRF token, bcrypt, axes)."""
        browser = Browser(self.port)
        _, html = browser.request("GET", LOGIN_PATH, headers=PROXY_HEADERS)
        body = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": browser.csrf_from(html)})
        response, _ = browser.request("POST", LOGIN_PATH, body=body, headers={
            **PROXY_HEADERS, "Content-Type": "application/x-www-form-urlencoded",
            # A secure request's CSRF check wants a same-origin referer, as a browser sends.
            "Referer": f"https://{HOST}:{self.port}{LOGIN_PATH}",
        })
        if response.status != 302:
            raise ServerError(f"connexion de {email} refusée (réponse {response.status}) : données de mesure chargées ?")
        return browser

    def wait_idle(self, *, interval=0.25, timeout=60):
        """Wait until the workers stop computing: wrk closes its connections at
        the end of a run, but the requests already inside still run and would
        slow the next path's figures."""
        deadline = time.monotonic() + timeout
        before = self._cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self._cpu_ticks()
            if now - before <= IDLE_TICKS:
                return
            before = now

    def _cpu_ticks(self):
        ticks = 0
        for pid in [self.process.pid, *child_pids(self.process.pid)]:
            try:
                # After "pid (comm)": utime and stime are the 12th and 13th fields.
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks

    def memory(self):
        """The master and each worker, in MB: resident now (RSS) and at its
        peak, proportional (PSS: each shared page divided by the processes
        sharing it, so the PSS of all processes adds up to what gunicorn
        really holds) and private (USS: what ending that process would free)."""
        pids = [self.process.pid, *child_pids(self.process.pid)]
        return [{"pid": pid, "role": "master" if pid == self.process.pid else "worker",
                 **process_memory_mb(pid)} for pid in pids]


def process_memory_mb(pid):
    """RSS, its peak, PSS and USS of a process, in MB (Linux /proc)."""
    rollup = smaps_rollup_kb(pid)
    return {"rss_mb": round(proc_status_kb(pid, "VmRSS") / 1024, 1),
            "peak_rss_mb": round(proc_status_kb(pid, "VmHWM") / 1024, 1),
            "pss_mb": round(rollup["Pss"] / 1024, 1),
            "uss_mb": round((rollup["Private_Clean"] + rollup["Private_Dirty"]) / 1024, 1)}


def smaps_rollup_kb(pid):
    """{field: kB} of /proc/<pid>/smaps_rollup (Linux ≥ 4.14)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_unit = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields


def child_pids(pid):
    """The children of pid, from /proc (Linux)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def proc_status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ServerError(f"{field} absent de /proc/{pid}/status")


def cookie_header(browser):
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
