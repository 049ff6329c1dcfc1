from celery import shared_task

from .services import pages_publish_due


@shared_task
def publish_scheduled_pages():
    """Flip due scheduled pages to published (the selectors already show
    them; this keeps the statuses and the admin truthful). Idempotent."""
    return pages_publish_due()
