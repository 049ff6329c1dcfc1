"""Point the Celery app at a broker for a test: a closed port (the broker is
down), the real Redis, or none (tasks run in-process). And a mail server
that can stall mid-message."""

import email
import email.policy
import socketserver
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from config.celery_app import app
from core.outbox import broker_reset_cooldown

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1: every connection is refused at once.
CLOSED_BROKER = "redis://127.0.0.1:1/0"


def use_broker(url, *, eager):
    """Publish to ``url`` (``eager``: run tasks in-process instead)."""
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    # The connection and producer pools were made for the previous URL.
    app._pool = None
    app.amqp._producer_pool = None
    broker_reset_cooldown()


@contextmanager
def broker(url, *, eager):
    saved = app.conf.broker_url, app.conf.task_always_eager
    use_broker(url, eager=eager)
    try:
        yield
    finally:
        use_broker(saved[0], eager=saved[1])


@pytest.fixture
def broker_down():
    """The broker is unreachable; ``use_broker(...)`` brings one back."""
    with broker(CLOSED_BROKER, eager=False):
        yield


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1: ``messages`` holds (recipients,
    parsed message) for each message it accepted — a message counts once the
    server answered 250 after its data, as for a real server.

    ``stall_on(raw_bytes)``: the first message it matches gets no answer, so
    the sender hangs right there (``stalled`` is set) until ``release`` —
    the moment to kill a worker mid-send."""

    def __init__(self, *, stall_on=None):
        self.messages = []
        self.stall_on = stall_on
        self.stalled = threading.Event()
        self.release = threading.Event()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, text):
                self.wfile.write(f"{text}\r\n".encode())
                self.wfile.flush()

            def handle(self):
                self.reply("220 sink ESMTP")
                recipients = []
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        if not sink.receive(self, recipients):
                            return
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"smtp://127.0.0.1:{self.server.server_address[1]}"

    def receive(self, handler, recipients):
        lines = []
        while (line := handler.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        raw = b"".join(lines)
        if self.stall_on and not self.stalled.is_set() and self.stall_on(raw):
            self.stalled.set()
            self.release.wait(120)
            return False  # never answered: not delivered
        self.messages.append((recipients, email.message_from_bytes(raw, policy=email.policy.default)))
        handler.reply("250 queued")
        return True

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
