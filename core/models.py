import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    """Every e-mail the platform sends: what, to whom, and how it went.

    Queued e-mails are sent by a Celery task that retries with exponential
    backoff; staff can re-send failed ones from the admin."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("En file")
        RETRYING = "RETRYING", _("Nouvel essai prévu")
        SENT = "SENT", _("Envoyé")
        FAILED = "FAILED", _("Échec")

    to = models.EmailField(_("destinataire"), max_length=255)
    template = models.CharField(_("gabarit"), max_length=100)
    context = models.JSONField(_("contexte"), default=dict)
    subject = models.CharField(_("sujet"), max_length=255, blank=True)
    # Documents attached (invoices) are sent at once by their own task and
    # cannot be re-sent from here.
    has_attachments = models.BooleanField(_("pièces jointes"), default=False)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # Last time the sending task was handed to the broker: empty while the
    # broker was unreachable, so the relay (core.outbox) knows what to hand over.
    dispatched_at = models.DateTimeField(_("confié au broker le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail envoyé")
        verbose_name_plural = _("e-mails (boîte d'envoi)")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_idx")]

    def __str__(self):
        return f"{self.template} → {self.to}"


class OutboxTask(models.Model):
    """Follow-up work (a Celery task) written in the transaction of the change
    that calls for it, then handed to the broker after commit — and again by
    the relay if the broker was down or the task was lost (core.outbox).

    The task runs at least once: it must be idempotent. Its row is DONE when a
    run succeeds; a row handed over too many times without success is FAILED,
    for staff to look at."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("À faire")
        DONE = "DONE", _("Fait")
        FAILED = "FAILED", _("Abandonné")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(_("tâche"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # How many times the task was handed to the broker (or run in-process).
    attempts = models.PositiveSmallIntegerField(_("remises au broker"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("confiée au broker le"), null=True, blank=True)
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tâche différée")
        verbose_name_plural = _("tâches différées (boîte d'envoi)")
        ordering = ["-created_at"]
        # The relay reads PENDING rows by age; the admin lists by date, newest
        # first (read backwards: see AuditLog's indexes).
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_task_status_idx"),
            models.Index(fields=["created_at"], name="outbox_task_created_idx"),
        ]

    def __str__(self):
        return f"{self.task} ({self.get_status_display()})"

    @property
    def celery_task_id(self):
        """The id the task runs under: how a finished run finds its row."""
        return f"{OUTBOX_TASK_ID_PREFIX}{self.pk}"


OUTBOX_TASK_ID_PREFIX = "outbox-"


class AuditLogImmutable(Exception):  # noqa: N818 — names the rule it enforces
    """An audit entry is written once and never changed or deleted, except by
    the retention purge (core.audit.audit_purge) and the RGPD anonymisation."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogImmutable("audit entries cannot be changed")

    def delete(self):
        raise AuditLogImmutable("audit entries are removed only by manage.py purge_audit")

    # The two sanctioned writes, kept here so that nothing else reaches the
    # plain QuerySet methods by accident.
    def _purge(self):
        return super().delete()

    def _blank_personal_data(self):
        return super().update(actor_email="", ip_address=None, user_agent="")


class AuditLog(models.Model):
    """Who did what, to what, from where (the legacy ``audit_logs`` table).

    Append-only: written by core.audit.audit_record inside the transaction of
    the change it records, so an entry exists exactly when the change does."""

    class Severity(models.TextChoices):
        LOW = "LOW", _("Faible")
        MEDIUM = "MEDIUM", _("Moyenne")
        HIGH = "HIGH", _("Élevée")
        CRITICAL = "CRITICAL", _("Critique")

    USER_AGENT_MAX_LENGTH = 255

    timestamp = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    # Kept when the account is deleted; blanked when it is anonymised (RGPD).
    actor_email = models.CharField(_("e-mail de l'auteur"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=100)
    target_type = models.CharField(_("type de cible"), max_length=100, blank=True)
    target_id = models.CharField(_("identifiant de la cible"), max_length=191, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=USER_AGENT_MAX_LENGTH, blank=True)
    severity = models.CharField(_("gravité"), max_length=10, choices=Severity.choices, default=Severity.LOW)
    # The row's id in the legacy Node/Prisma database (manage.py import_legacy):
    # our id is a number, so a re-import finds the row by this instead.
    legacy_id = models.CharField(_("identifiant d'origine"), max_length=191, null=True, blank=True, unique=True,
                                 editable=False)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-timestamp"]
        # The admin lists newest first, filtered by action, severity, actor or
        # target; the purge walks by date. Ascending: read backwards they give
        # (timestamp DESC, id DESC), the admin's order with its tie-break. A
        # "-timestamp" index is a real DESC index on MariaDB ≥ 10.8, with the
        # primary key appended ASC: that order was a filesort of the whole
        # table (1 000 000 rows, seconds).
        indexes = [
            models.Index(fields=["timestamp"], name="audit_timestamp_idx"),
            models.Index(fields=["action", "timestamp"], name="audit_action_idx"),
            models.Index(fields=["severity", "timestamp"], name="audit_severity_idx"),
            models.Index(fields=["actor", "timestamp"], name="audit_actor_idx"),
            # The admin's search by e-mail, and the RGPD anonymisation's lookup.
            models.Index(fields=["actor_email", "timestamp"], name="audit_actor_email_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self):
        # The code (order.status) is not for reading: the admin titles the entry by its moment and author.
        return f"{timezone.localtime(self.timestamp):%d/%m/%Y %H:%M:%S} — {self.actor_email or '—'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogImmutable("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable("audit entries are removed only by manage.py purge_audit")
