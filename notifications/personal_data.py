from .models import Notification


def export_notifications(user):
    return [
        {"title": n.title, "message": n.message, "type": n.type, "created_at": n.created_at, "read": n.is_read}
        for n in Notification.objects.filter(user=user).order_by("created_at")
    ]


def anonymise_notifications(user):
    from .services import bell_changed

    Notification.objects.filter(user=user).delete()
    bell_changed(user_ids=[user.pk])
