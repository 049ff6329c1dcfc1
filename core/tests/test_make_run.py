"""`make run PORT=8101` writes e-mail links to the server it starts (issue 9):
SITE_URL follows HOST and PORT unless it is set."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def runserver_line(*args, env=None):
    """The command `make run` would start the server with (dry run, no setup)."""
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "system-deps", "-o", "setup", "run", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout
    return next(line for line in dry.splitlines() if "manage.py runserver" in line)


def site_url_seen_by_django(line):
    """Run that line with `runserver` swapped for a print of settings.SITE_URL."""
    command = line.split("manage.py runserver")[0] + "manage.py shell -c " + shlex.quote(
        "from django.conf import settings; print(settings.SITE_URL)")
    command = command.replace(".venv/bin/python", shlex.quote(sys.executable), 1)
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def environment(**extra):
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "HOST", "PORT")}
    env.update(extra)
    return env


def test_make_run_on_another_port_links_to_that_port():
    line = runserver_line("PORT=8101", env=environment())
    assert line.endswith("runserver 127.0.0.1:8101")
    assert site_url_seen_by_django(line) == "http://127.0.0.1:8101"


def test_make_run_follows_the_host_too():
    line = runserver_line("HOST=localhost", "PORT=8102", env=environment())
    assert site_url_seen_by_django(line) == "http://localhost:8102"


def test_a_site_url_set_in_the_environment_wins():
    line = runserver_line("PORT=8101", env=environment(SITE_URL="https://livres.example"))
    assert site_url_seen_by_django(line) == "https://livres.example"
