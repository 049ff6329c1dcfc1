from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTIFICATION_LIFETIME = timedelta(days=30)


def default_expiry():
    return timezone.now() + NOTIFICATION_LIFETIME


class NotificationQuerySet(models.QuerySet):
    def visible(self):
        """What the bell and the list show: not deleted, not expired."""
        return self.filter(is_deleted=False, expires_at__gt=timezone.now())


class Notification(models.Model):
    class Type(models.TextChoices):
        INFO = "INFO", _("Information")
        SUCCESS = "SUCCESS", _("Succès")
        WARNING = "WARNING", _("Avertissement")
        ERROR = "ERROR", _("Erreur")
        PAYMENT = "PAYMENT", _("Paiement")
        ORDER = "ORDER", _("Commande")
        MESSAGE = "MESSAGE", _("Message")
        SYSTEM = "SYSTEM", _("Système")
        CONSULTATION = "CONSULTATION", _("Consultation")  # legacy rows only

    class Priority(models.TextChoices):
        FAIBLE = "FAIBLE", _("Faible")
        NORMALE = "NORMALE", _("Normale")
        HAUTE = "HAUTE", _("Haute")
        URGENTE = "URGENTE", _("Urgente")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("destinataire")
    )
    title = models.CharField(_("titre"), max_length=255)
    message = models.TextField(_("message"))
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.INFO)
    priority = models.CharField(_("priorité"), max_length=10, choices=Priority.choices, default=Priority.NORMALE)
    data = models.JSONField(_("données"), default=dict, blank=True)
    action_url = models.CharField(_("lien"), max_length=500, blank=True)
    is_read = models.BooleanField(_("lue"), default=False)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    is_deleted = models.BooleanField(_("supprimée"), default=False)
    expires_at = models.DateTimeField(_("expire le"), default=default_expiry)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    # The row's id in the legacy Node/Prisma database (manage.py import_legacy):
    # our id is a number, so a re-import finds the row by this instead.
    legacy_id = models.CharField(_("identifiant d'origine"), max_length=191, null=True, blank=True, unique=True,
                                 editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell: unread, visible notifications of one user — one index range.
            models.Index(fields=["user", "is_read", "is_deleted", "expires_at"], name="notifications_bell_idx"),
            # Ascending, read backwards: newest first with the id tie-break (see AuditLog's indexes).
            models.Index(fields=["user", "created_at"], name="notifications_list_idx"),
            models.Index(fields=["expires_at"], name="notifications_expiry_idx"),
            # The admin's list filtered by read state, type or priority, newest
            # first (-pk): without them MariaDB walks the primary key until it
            # has a page, all 1 000 000 rows (6 s) for a value no row has.
            models.Index(fields=["is_read", "id"], name="notifications_read_idx"),
            models.Index(fields=["type", "id"], name="notifications_type_idx"),
            models.Index(fields=["priority", "id"], name="notifications_priority_idx"),
        ]

    def __str__(self):
        return self.title
