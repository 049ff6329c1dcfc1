"""Periodic jobs (Celery beat), each idempotent and also a manage.py command;
and the follow-up of a visitor's order form (queued through the outbox)."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task
def finish_delivered_orders():
    return services.orders_auto_finish()


@shared_task
def purge_abandoned_orders():
    return services.orders_purge_abandoned()


@shared_task
def announce_overdue_orders():
    return services.orders_announce_overdue()


@shared_task
def purge_order_files():
    return services.orders_purge_old_files(days=settings.ORDER_FILE_RETENTION_DAYS)


@shared_task
def purge_pending_uploads():
    """Manuscripts kept for an order form never sent again (orders.pending_uploads)."""
    from .pending_uploads import pending_uploads_purge

    return pending_uploads_purge()


@shared_task
def complete_visitor_order(**kwargs):
    """Create a visitor's account and order, or e-mail the address's owner
    (orders.services.order_complete_for_visitor). Runs its effects once per
    form, however often it is delivered."""
    return services.order_complete_for_visitor(**kwargs)
