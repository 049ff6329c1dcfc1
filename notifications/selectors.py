from core import user_cache

from .models import Notification

BELL_SIZE = 5
# The bell is polled by every open tab; its value stays in the cache until a
# notification of the user is written (services.bell_changed), or this long
# at most (a notification passing its expiry date announces nothing).
BELL_CACHE = "bell"
BELL_CACHE_SECONDS = 60


def bell_version(*, user):
    """The token of the user's bell: its ETag, and the key of its cached value."""
    return user_cache.version(BELL_CACHE, user.pk, timeout=BELL_CACHE_SECONDS)


def bell_for(*, user, version=None):
    """The header bell: unread count and the latest few — from the cache, or
    two indexed queries (notifications_bell_idx, notifications_list_idx)."""

    def compute():
        visible = Notification.objects.visible().filter(user=user)
        return {"unread": visible.filter(is_read=False).count(), "latest": list(visible[:BELL_SIZE])}

    return user_cache.cached(BELL_CACHE, user.pk, compute, timeout=BELL_CACHE_SECONDS, token=version)


def first_page_for(*, user, per_page):
    """The notifications page opened as it usually is (no filter, first page):
    {"count": all visible, "rows": the first `per_page`}, cached under the
    bell's token, so it is read afresh when the bell is."""
    def compute():
        visible = notifications_for(user=user)
        return {"count": visible.count(), "rows": list(visible[:per_page])}

    return user_cache.cached("notification-list", user.pk, compute, timeout=BELL_CACHE_SECONDS,
                             token=f"{bell_version(user=user)}-{per_page}")


def notifications_for(*, user, only_unread=False, type=""):
    queryset = Notification.objects.visible().filter(user=user)
    if only_unread:
        queryset = queryset.filter(is_read=False)
    if type in Notification.Type.values:
        queryset = queryset.filter(type=type)
    return queryset
