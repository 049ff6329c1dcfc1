"""Templated e-mails: each one is a folder templates/emails/<name>/ holding
subject.txt, body.txt and body.html (healthchecks style).

Domains call ``queue_templated_email``; the e-mail leaves after the current
transaction commits, through a Celery task (eager in the embedded mode).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def render_templated_email(*, template, context):
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}/subject.txt", context)
    # A subject is one line: a stray newline would make send() fail.
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    return subject, text, html


def send_templated_email(*, template, to, context, attachments=()):
    """Send now. ``attachments``: (filename, content bytes, mimetype) tuples."""
    subject, text, html = render_templated_email(template=template, context=context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def queue_templated_email(*, template, to, context):
    """Send after commit. ``context`` must be JSON-serialisable (Celery)."""
    from .tasks import send_templated_email_task

    transaction.on_commit(
        lambda: send_templated_email_task.delay(template=template, to=to, context=context)
    )
