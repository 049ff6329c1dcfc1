"""The deployment's gunicorn (gunicorn.conf.py) against slow uploads, and
the purge of the temporary files a killed upload leaves behind.

A real gunicorn serves the app; the worker timeout is lowered to 4 s and an
upload is sent over more than twice that. Sync workers (the old command
line) killed it; threaded workers receive it whole.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.uploads import upload_temp_purge

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 4  # seconds; 2 s left a loaded machine too little slack for the worker heartbeat
BODY_BYTES = 3 * 1024 * 1024  # above FILE_UPLOAD_MAX_MEMORY_SIZE: goes to a temporary file
BOUNDARY = "staka-boundary"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    upload_dir = tmp_path / "uploads"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "FILE_UPLOAD_TEMP_DIR": str(upload_dir),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_TIMEOUT": str(TIMEOUT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--no-control-socket", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield {"port": port, "upload_dir": upload_dir, "pid": process.pid}
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def start_upload(port):
    """Open a multipart POST of BODY_BYTES and send its headers; return (socket, chunks)."""
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"roman.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    body = head + b"%PDF-1.4\n" + b"x" * (BODY_BYTES - len(head) - len(tail) - 9) + tail
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        (
            "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            # A CSRF cookie without the token: Django reads the whole body
            # looking for it, then refuses the form (403).
            f"Cookie: csrftoken={'a' * 32}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    chunk = len(body) // 25
    return sock, [body[i : i + chunk] for i in range(0, len(body), chunk)]


def read_status(sock):
    data = b""
    try:
        while b"\r\n" not in data:
            received = sock.recv(4096)
            if not received:
                break
            data += received
    except OSError:
        pass
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


def test_slow_upload_outlasting_the_worker_timeout_arrives(gunicorn):
    sock, chunks = start_upload(gunicorn["port"])
    started = time.monotonic()
    try:
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(2.5 * TIMEOUT / len(chunks))
        assert time.monotonic() - started > 2 * TIMEOUT
        # The whole body reached Django: the login view refuses it for want of
        # a CSRF token (403), it was not cut off by a killed worker.
        assert read_status(sock) == "HTTP/1.1 403 Forbidden"
    finally:
        sock.close()
    assert list(gunicorn["upload_dir"].glob("*.upload*")) == []  # its temporary file is gone


def test_temporary_file_of_a_killed_upload_is_purged(gunicorn):
    sock, chunks = start_upload(gunicorn["port"])
    try:
        for chunk in chunks[:10]:
            sock.sendall(chunk)
        deadline = time.monotonic() + 10
        while not list(gunicorn["upload_dir"].glob("*.upload*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = subprocess.run(
            ["pgrep", "-P", str(gunicorn["pid"])], capture_output=True, text=True, check=True
        ).stdout.split()
        for pid in workers:  # an out-of-memory kill, a deploy...
            os.kill(int(pid), signal.SIGKILL)
    finally:
        sock.close()
    orphans = list(gunicorn["upload_dir"].glob("*.upload*"))
    assert len(orphans) == 1
    with pytest.MonkeyPatch.context() as patch:
        from django.conf import settings

        patch.setattr(settings, "FILE_UPLOAD_TEMP_DIR", str(gunicorn["upload_dir"]))
        assert upload_temp_purge(older_than=timedelta(hours=1)) == 0  # too recent: maybe in progress
        assert upload_temp_purge(older_than=timedelta(0)) == 1
    assert not orphans[0].exists()
