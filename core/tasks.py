import smtplib

from celery import shared_task
from django.db import OperationalError

from .emails import outbox_purge_sent, outbox_record_failure, outbox_send

# OperationalError: a lost database connection, or another delivery of the
# same e-mail still sending it (core.outbox.ExclusiveTimeout).
RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError, OperationalError)


@shared_task
def relay_outbox():
    """Every minute (beat): hand to the broker the outbox rows it never got or
    lost (core.outbox). Also ``manage.py relay_outbox``."""
    from .outbox import outbox_relay

    return outbox_relay().as_dict()


@shared_task(bind=True, max_retries=6)
def send_outbox_email(self, outbox_id):
    """Idempotent: a SENT row is never sent again. SMTP trouble → retried with
    exponential backoff (2, 4, 8… s, at most 10 min); then FAILED for staff."""
    try:
        outbox_send(outbox_id=outbox_id)
    except RETRYABLE as error:
        # Run eagerly (no broker), there is no "later": record the failure for
        # staff to re-send instead of failing the request that queued it.
        final = self.request.is_eager or self.request.retries >= self.max_retries
        outbox_record_failure(outbox_id=outbox_id, error=error, final=final)
        if final:
            return
        raise self.retry(exc=error, countdown=min(2 ** (self.request.retries + 1), 600)) from error


@shared_task
def purge_sent_emails():
    """Daily: sent e-mails past OUTBOX_RETENTION_DAYS are deleted."""
    return outbox_purge_sent()


@shared_task
def purge_upload_temp_files():
    """Idempotent: deletes the temporary uploads of killed requests (core/uploads.py)."""
    from .uploads import upload_temp_purge

    return upload_temp_purge()
