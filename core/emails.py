"""Templated e-mails: each one is a folder templates/emails/<name>/ holding
subject.txt, body.txt and body.html (healthchecks style).

Domains call ``queue_templated_email``: an outbox row is written in their
transaction and a Celery task sends it after commit (eager in the embedded
mode), retrying with backoff. Every e-mail is recorded in the outbox.

No secret is ever stored in the outbox (it is shown in the admin and kept in
backups): an e-mail that carries a link with a token stores only what
identifies its recipient (e.g. ``{"user_id": ...}``), and the app that owns
the template registers a context builder (``register_email_context``, from
its ``AppConfig.ready()``) that makes the token at send time.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from .context_processors import site_terms
from .models import OutboxEmail
from .outbox import broker_dispatch, exclusive

S = OutboxEmail.Status

# template name → builder(stored context) → full rendering context.
email_context_builders: dict[str, Callable] = {}
# template name → builder(stored context) → [(filename, bytes, mimetype)]: the
# attachments of a queued e-mail, made at send time like its context (the
# outbox row stays small and a resend carries them again).
email_attachment_builders: dict[str, Callable] = {}


class StaleEmail(Exception):
    """A context builder refuses to render: the e-mail no longer applies
    (account activated meanwhile, deleted...). It is not sent."""


def register_email_context(template, builder):
    email_context_builders[template] = builder


def register_email_attachments(template, builder):
    email_attachment_builders[template] = builder


def render_templated_email(*, template, context):
    builder = email_context_builders.get(template)
    if builder is not None:
        context = builder(dict(context))
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, "TERMS": site_terms(), **context}
    # A subject is one line: a stray newline would make send() fail.
    subject = " ".join(_render_plain(f"emails/{template}/subject.txt", context).split())
    text = _render_plain(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    return subject, text, html


def _render_plain(name, context):
    """Plain-text parts are not HTML: "d'un" must not become "d&#x27;un"."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _deliver(*, template, to, context, attachments=()):
    subject, text, html = render_templated_email(template=template, context=context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
    return subject


def send_templated_email(*, template, to, context, attachments=()):
    """Send now (for tasks that already run in the background). ``attachments``:
    (filename, content bytes, mimetype) tuples. Recorded in the outbox."""
    record = OutboxEmail.objects.create(
        to=to, template=template, context=context, has_attachments=bool(attachments), attempts=1
    )
    try:
        subject = _deliver(template=template, to=to, context=context, attachments=attachments)
    except Exception as error:
        OutboxEmail.objects.filter(pk=record.pk).update(status=S.FAILED, last_error=repr(error)[:2000])
        raise
    OutboxEmail.objects.filter(pk=record.pk).update(status=S.SENT, subject=subject[:255], sent_at=timezone.now())


def queue_templated_email(*, template, to, context):
    """Record the e-mail and send it after commit. ``context`` must be JSON-serialisable."""
    record = OutboxEmail.objects.create(to=to, template=template, context=context)
    _enqueue(record.pk)
    return record


def _enqueue(outbox_id):
    # robust: the row is committed. A broker that is down never fails the
    # caller: the row waits for the relay (core.outbox).
    transaction.on_commit(lambda: outbox_email_dispatch(outbox_id=outbox_id), robust=True)


def outbox_email_dispatch(*, outbox_id, force=False):
    """Hand the sending task to the broker (or send in-process when eager).
    False if the broker is unavailable; never raises."""
    from .tasks import send_outbox_email

    handed = broker_dispatch(lambda: send_outbox_email.delay(outbox_id), what=f"e-mail {outbox_id}", force=force)
    if handed:
        OutboxEmail.objects.filter(pk=outbox_id).update(dispatched_at=timezone.now())
    return handed


def outbox_send(*, outbox_id):
    """One sender at a time: two deliveries of the task (a redelivery, the
    relay) cannot both send the e-mail; the second finds it SENT."""
    with exclusive(f"outbox-email:{outbox_id}"):
        return _outbox_send(outbox_id=outbox_id)


def _outbox_send(*, outbox_id):
    """Send one queued e-mail. At least once: only a SENT row is skipped."""
    record = OutboxEmail.objects.filter(pk=outbox_id).first()
    if record is None or record.status == S.SENT:
        return
    OutboxEmail.objects.filter(pk=outbox_id).update(attempts=record.attempts + 1)
    try:
        attachments = email_attachment_builders.get(record.template, lambda context: ())(record.context)
        subject = _deliver(template=record.template, to=record.to, context=record.context, attachments=attachments)
    except StaleEmail as reason:
        OutboxEmail.objects.filter(pk=outbox_id).update(status=S.FAILED, last_error=f"obsolète : {reason}"[:2000])
        return
    OutboxEmail.objects.filter(pk=outbox_id).update(
        status=S.SENT, subject=subject[:255], sent_at=timezone.now(), last_error=""
    )


def outbox_record_failure(*, outbox_id, error, final):
    OutboxEmail.objects.filter(pk=outbox_id).exclude(status=S.SENT).update(
        status=S.FAILED if final else S.RETRYING, last_error=repr(error)[:2000]
    )


def outbox_resend(*, record):
    """Staff re-send a failed e-mail (not those with attachments: their own task re-sends them)."""
    if record.has_attachments or record.status == S.SENT:
        return False
    # Conditional: a second resend (double click, two staff) arriving after the
    # e-mail went out must not put a SENT row back in the queue.
    if not OutboxEmail.objects.filter(pk=record.pk).exclude(status=S.SENT).update(status=S.QUEUED, last_error=""):
        return False
    _enqueue(record.pk)
    return True


def outbox_purge_sent(*, now=None):
    """Sent e-mails older than OUTBOX_RETENTION_DAYS go (their addresses are
    personal data). Queued and failed ones stay for staff. Idempotent."""
    limit = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxEmail.objects.filter(status=S.SENT, sent_at__lt=limit).delete()
    return deleted
