import logging

from django.dispatch import receiver

from accounts.signals import user_activated

from .services import conversation_welcome

logger = logging.getLogger(__name__)


@receiver(user_activated)
def greet_new_client(sender, user, **kwargs):
    """A new client finds a welcome message in their inbox. Sent after the
    activation committed: a failure here must not turn it into an error page."""
    if not user.is_client:
        return
    try:
        conversation_welcome(client=user)
    except Exception:
        logger.exception("could not greet new client %s", user.pk)
