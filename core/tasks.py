import smtplib

from celery import shared_task

from .emails import send_templated_email


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def send_templated_email_task(*, template, to, context):
    send_templated_email(template=template, to=to, context=context)
