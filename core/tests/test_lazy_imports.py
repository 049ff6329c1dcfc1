"""A web worker loads only what its pages use: the libraries of the S3
storage and of the invoice PDFs (~30 MB per worker together) are imported
where they are used, and loading the app opens no connection, which is what
makes gunicorn's preload_app safe (the workers would share the sockets).

Checked in a fresh interpreter: the test process has imported everything."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Made lazy: storages.backends.s3 pulls boto3, botocore and cryptography;
# billing.pdf pulls reportlab and PIL.
HEAVY_MODULES = ("boto3", "botocore", "s3transfer", "storages.backends.s3", "reportlab", "PIL", "billing.pdf")

PROBE = r"""
import io, json, os, sys
from pathlib import Path

def sockets():
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if os.readlink(fd).startswith("socket:"):
                found.append(fd.name)
        except OSError:
            pass
    return found

import config.wsgi  # what gunicorn's master runs with preload_app
from config.warmup import warm_up
if os.environ.get("PROBE_S3"):
    from django.conf import settings
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "files.storage.PrivateS3Storage", "OPTIONS": {"bucket_name": "staka", "region_name": "eu-west-3"}}}
warm_up()  # and then, before it forks (gunicorn.conf.py)
after_load = sockets()

from django.conf import settings
from django.db import connection
settings.DATABASES["default"]["TEST"] = {"NAME": ":memory:", "MIGRATE": False}
connection.creation.create_test_db(verbosity=0)
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
           "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "https",
           "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1"}
status = []
body = b"".join(config.wsgi.application(environ, lambda s, h: status.append(s)))
print(json.dumps({"sockets_after_load": after_load, "status": status[0], "bytes": len(body),
                  "modules": sorted(sys.modules)}))
"""


def run_probe(**extra_env):
    env = {**extra_env, "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": "sqlite:///:memory:", "PYTHONPATH": str(ROOT)}
    if os.environ.get("REDIS_URL"):  # cache, sessions and Celery's broker on Redis, as in production
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_loading_the_app_and_the_landing_page_import_no_heavy_library_and_open_no_socket():
    probe = run_probe()
    assert probe["status"].startswith("200"), probe["status"]
    assert probe["bytes"] > 1000
    loaded = [name for name in probe["modules"]
              if any(name == heavy or name.startswith(heavy + ".") for heavy in HEAVY_MODULES)]
    assert loaded == []
    # No database or Redis connection made at import: the master's sockets would be shared by its workers.
    assert probe["sockets_after_load"] == []


def test_with_s3_the_master_loads_boto3_for_every_worker_and_still_opens_no_socket():
    probe = run_probe(PROBE_S3="1")
    assert probe["status"].startswith("200"), probe["status"]
    assert "storages.backends.s3" in probe["modules"]  # shared from the master, not imported by each worker
    assert probe["sockets_after_load"] == []
