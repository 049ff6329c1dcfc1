"""In-app notifications and the e-mail that may go with them.

`notify()` is what every domain calls; it calls none of them (DESIGN.md).
"""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.preferences import DEFAULTS, email_allowed
from accounts.services import user_set_notification_preferences
from core import user_cache
from core.emails import queue_templated_email

from .models import Notification
from .selectors import BELL_CACHE


def bell_changed(*, user_ids):
    """The users' bells are out of date (their notifications were written)."""
    user_cache.invalidate(BELL_CACHE, user_ids)


def notify(*, user, type, title, message, action_url="", data=None, priority=Notification.Priority.NORMALE,
           email_kind=None):
    """Write the notification; if `email_kind` is given and the user's
    preferences allow that kind, queue the e-mail too (after commit)."""
    notification = Notification.objects.create(
        user=user, type=type, title=title, message=message, action_url=action_url or "", data=data or {},
        priority=priority,
    )
    if email_kind and user.is_active and email_allowed(user, email_kind):
        queue_templated_email(
            template="notification", to=user.email,
            context={"first_name": user.first_name, "title": str(title), "message": str(message),
                     "action_path": action_url or "", "kind": email_kind,
                     "unsubscribe_path": reverse("notifications:unsubscribe", args=[unsubscribe_token(user, email_kind)])},
        )
    return notification


UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user, kind):
    """A link that turns off one kind of e-mail without logging in (no expiry:
    an old e-mail must still let its reader opt out)."""
    return signing.dumps({"u": str(user.pk), "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def email_unsubscribe(*, token):
    """Turn off the kind of e-mail the token names; return (user, kind) or raise signing.BadSignature."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    user = User.objects.filter(pk=data["u"], anonymised_at__isnull=True).first()
    if user is None or data["k"] not in DEFAULTS:
        raise signing.BadSignature("unknown user or kind")
    saved = (user.preferences or {}).get("notifications", {})
    user_set_notification_preferences(user=user, preferences={**DEFAULTS, **saved, data["k"]: False})
    return user, data["k"]


def notification_mark_read(*, user, notification_id):
    updated = Notification.objects.filter(user=user, pk=notification_id, is_read=False).update(
        is_read=True, read_at=timezone.now()
    )
    bell_changed(user_ids=[user.pk])
    return updated


def notifications_mark_all_read(*, user):
    updated = Notification.objects.visible().filter(user=user, is_read=False).update(
        is_read=True, read_at=timezone.now())
    bell_changed(user_ids=[user.pk])
    return updated


def notification_delete(*, user, notification_id):
    updated = Notification.objects.filter(user=user, pk=notification_id).update(is_deleted=True)
    bell_changed(user_ids=[user.pk])
    return updated


def notifications_purge_expired(*, now=None):
    """Expired notifications go for good (daily job). Idempotent."""
    with transaction.atomic():
        deleted, _by_model = Notification.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
