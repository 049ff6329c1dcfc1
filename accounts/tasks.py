from celery import shared_task

from . import services


@shared_task
def send_password_reset(email):
    """Idempotent enough: a repeat queues one more reset e-mail, each valid."""
    services.user_send_password_reset(email=email)


@shared_task
def send_activation_again(email):
    services.user_send_activation_again(email=email)
