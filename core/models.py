from django.db import models
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
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("e-mail envoyé")
        verbose_name_plural = _("e-mails (boîte d'envoi)")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_idx")]

    def __str__(self):
        return f"{self.template} → {self.to}"
