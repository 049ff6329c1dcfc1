"""Upload a 100 MB manuscript through the real order form of a running server
and print how much the server process's peak memory grew. Target: < 50 MB.

    .venv/bin/python bench/upload_memory.py [--size-mb 100]

It starts its own server (Django's, single process, no reloader) on a free
loopback port with a throwaway SQLite database and media folder, logs in as
the demo client, and streams a multipart body in 1 MB chunks, so neither side
of the benchmark holds the file in memory. Memory is read from
/proc/<pid>/status (VmHWM = peak resident set size).
"""

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
TARGET_MB = 50


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found")


class Browser:
    """Just enough of a browser: cookies and the CSRF token."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response, data.decode("utf-8", "replace")

    def csrf_from(self, html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def stream_upload(browser, path, fields, file_field, filename, size):
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    pdf_header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", browser.port, timeout=600)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in browser.cookies.items()))
    conn.putheader("Referer", f"http://127.0.0.1:{browser.port}{path}")
    conn.endheaders()
    conn.send(head + pdf_header)
    remaining = size - len(pdf_header)
    chunk = b"\0" * MB
    while remaining > 0:
        conn.send(chunk[: min(MB, remaining)])
        remaining -= MB
    conn.send(tail)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=100)
    size = parser.parse_args().size_mb * MB

    workdir = Path(tempfile.mkdtemp(prefix="staka-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "MEDIA_ROOT": str(workdir / "media"),
        "DEBUG": "False",
        "FILE_UPLOAD_MAX_BYTES": str(size + MB),
        "USER_STORAGE_QUOTA_BYTES": str(4 * size),
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("REDIS_URL", None)
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        browser = Browser(port)
        for _ in range(100):
            try:
                browser.request("GET", "/health")
                break
            except OSError:
                time.sleep(0.2)
        _, html = browser.request("GET", "/accounts/login/")
        credentials = {"username": "user@example.com", "password": "user123", "csrfmiddlewaretoken": browser.csrf_from(html)}
        response, _ = browser.request(
            "POST", "/accounts/login/", body=urlencode(credentials),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 302, "login failed"
        _, html = browser.request("GET", "/orders/new/")
        service_id = re.search(r'<option value="([^"]+)"[^>]*>Correction Standard</option>', html).group(1)
        fields = {
            "csrfmiddlewaretoken": browser.csrf_from(html), "service": service_id,
            "title": "Banc d'essai", "declared_pages": "300",
            # The CGV in force (seed_demo publishes them), accepted.
            "terms-accept": "on", "terms-version": re.search(r'name="terms-version" value="(\d+)"', html).group(1),
        }
        rss_before = memory_kb(server.pid, "VmRSS")
        started = time.perf_counter()
        response = stream_upload(browser, "/orders/new/", fields, "manuscripts", "gros-manuscrit.pdf", size)
        elapsed = time.perf_counter() - started
        peak = memory_kb(server.pid, "VmHWM")
        growth_mb = (peak - rss_before) / 1024
        stored = sum(p.stat().st_size for p in (workdir / "media").rglob("*") if p.is_file())
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"upload size           {size / MB:.0f} MB")
    print(f"response              {response.status} {response.getheader('Location') or ''}")
    print(f"bytes stored          {stored / MB:.1f} MB")
    print(f"time                  {elapsed:.1f} s ({size / MB / elapsed:.0f} MB/s)")
    print(f"server RSS before     {rss_before / 1024:.1f} MB")
    print(f"server peak RSS       {peak / 1024:.1f} MB")
    print(f"peak RSS growth       {growth_mb:.1f} MB (target < {TARGET_MB} MB)")
    ok = response.status == 302 and stored >= size and growth_mb < TARGET_MB
    print("result                " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
