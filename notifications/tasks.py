from celery import shared_task

from .services import notifications_purge_expired


@shared_task
def purge_expired_notifications():
    return notifications_purge_expired()
