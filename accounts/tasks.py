"""Follow-up work of the accounts services, queued through the outbox
(core.outbox) so that a broker that is down delays it without losing it.
Exactly once per outbox row (``outbox_once``): their effects are rows."""

from celery import shared_task

from core.outbox import outbox_once

from . import services
from .models import User
from .signals import user_activated


@shared_task
@outbox_once
def send_password_reset(email):
    """The look-up happens here, not in the request: the request costs the
    same for a known and an unknown address."""
    services.user_send_password_reset(email=email)


@shared_task
@outbox_once
def send_activation_again(email):
    services.user_send_activation_again(email=email)


@shared_task
@outbox_once
def announce_user_activated(user_id):
    """The receivers of ``user_activated`` welcome the new client (a
    notification, the welcome conversation)."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None and user.is_active:
        user_activated.send(sender=User, user=user)
