from .models import Notification

BELL_SIZE = 5


def bell_for(*, user):
    """The header bell: unread count and the latest few (two indexed queries)."""
    visible = Notification.objects.visible().filter(user=user)
    return {"unread": visible.filter(is_read=False).count(), "latest": list(visible[:BELL_SIZE])}


def notifications_for(*, user, only_unread=False, type=""):
    queryset = Notification.objects.visible().filter(user=user)
    if only_unread:
        queryset = queryset.filter(is_read=False)
    if type in Notification.Type.values:
        queryset = queryset.filter(type=type)
    return queryset
