import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Ticket(models.Model):
    """A request from a person to the team (the legacy `support_requests`),
    with its SLA deadlines. Rows are written by support.services only.

    A ticket comes from a client (``requester``) or from a visitor without an
    account (``visitor_*``, then ``requester`` is NULL). Its conversation is a
    messaging conversation of kind SUPPORT.
    """

    class Category(models.TextChoices):
        GENERAL = "GENERAL", _("Question générale")
        TECHNIQUE = "TECHNIQUE", _("Problème technique")
        FACTURATION = "FACTURATION", _("Facturation et paiement")
        COMMANDE = "COMMANDE", _("Commande")
        COMPTE = "COMPTE", _("Compte")
        AUTRE = "AUTRE", _("Autre")

    class Priority(models.TextChoices):
        FAIBLE = "FAIBLE", _("Faible")
        NORMALE = "NORMALE", _("Normale")
        HAUTE = "HAUTE", _("Haute")
        URGENTE = "URGENTE", _("Urgente")
        CRITIQUE = "CRITIQUE", _("Critique")

    class Status(models.TextChoices):
        OUVERT = "OUVERT", _("Ouvert")
        EN_COURS = "EN_COURS", _("En cours")
        EN_ATTENTE = "EN_ATTENTE", _("En attente de votre réponse")
        RESOLU = "RESOLU", _("Résolu")
        FERME = "FERME", _("Fermé")
        ANNULE = "ANNULE", _("Annulé")

    class Source(models.TextChoices):
        WEB = "web", _("Espace client")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Téléphone")
        CONTACT = "contact", _("Formulaire de contact")
        FREE_SAMPLE = "free_sample", _("Échantillon gratuit")
        CONSULTATION = "consultation", _("Consultation")

    # The team is working on it: the SLA clock runs.
    OPEN_STATUSES = (Status.OUVERT, Status.EN_COURS)
    # Nothing more will happen unless someone reopens it.
    FINAL_STATUSES = (Status.FERME, Status.ANNULE)
    UNRESOLVED_STATUSES = (Status.OUVERT, Status.EN_COURS, Status.EN_ATTENTE)

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    # A short number people can quote on the phone ("ticket n° 1042").
    number = models.PositiveIntegerField(_("numéro"), unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandeur"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="support_tickets",
    )
    visitor_name = models.CharField(_("nom du visiteur"), max_length=150, blank=True)
    visitor_email = models.EmailField(_("e-mail du visiteur"), blank=True)
    visitor_phone = models.CharField(_("téléphone du visiteur"), max_length=30, blank=True)
    title = models.CharField(_("titre"), max_length=255)
    description = models.TextField(_("description"))
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices, default=Category.GENERAL)
    priority = models.CharField(_("priorité"), max_length=10, choices=Priority.choices, default=Priority.NORMALE)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.OUVERT)
    source = models.CharField(_("origine"), max_length=20, choices=Source.choices, default=Source.WEB)
    tags = models.CharField(_("étiquettes"), max_length=500, blank=True, help_text=_("Séparées par des virgules."))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigné à"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_tickets", limit_choices_to={"role": "ADMIN"},
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("commande"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="support_tickets",
    )
    conversation = models.OneToOneField(
        "messaging.Conversation", verbose_name=_("conversation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="ticket", editable=False,
    )

    # SLA. The due times are computed at creation and on a priority change,
    # and pushed back by the time spent waiting for the client (EN_ATTENTE):
    # `paused_at` is when the current wait began.
    first_response_due_at = models.DateTimeField(_("première réponse attendue avant"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("résolution attendue avant"), null=True, blank=True)
    paused_at = models.DateTimeField(_("en pause depuis"), null=True, blank=True, editable=False)
    # The next deadline the team faces (first response, then resolution) and
    # the moment 75 % of its time is used; NULL while paused or once resolved.
    # Kept by the services so the queue sorts and the sweeper finds breaches
    # with one indexed query.
    sla_due_at = models.DateTimeField(_("échéance"), null=True, blank=True, editable=False)
    sla_warn_at = models.DateTimeField(_("alerte d'échéance"), null=True, blank=True, editable=False)
    # Announcements are made once per deadline.
    warning_announced_for = models.DateTimeField(_("alerte annoncée pour l'échéance"), null=True, blank=True,
                                                 editable=False)
    breach_announced_for = models.DateTimeField(_("dépassement annoncé pour l'échéance"), null=True, blank=True,
                                                editable=False)

    first_response_at = models.DateTimeField(_("première réponse le"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("fermé le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    # Satisfaction, given once by the requester after closing.
    satisfaction_score = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("commentaire de satisfaction"), blank=True)
    satisfaction_at = models.DateTimeField(_("avis donné le"), null=True, blank=True, editable=False)

    # A public form submitted twice (double click, two tabs) opens one ticket.
    submission_key = models.CharField(_("clé du formulaire"), max_length=64, null=True, blank=True, unique=True,
                                      editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket de support")
        verbose_name_plural = _("tickets de support")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="tickets_queue_idx"),
            models.Index(fields=["assigned_to", "status", "sla_due_at"], name="tickets_assignee_idx"),
            models.Index(fields=["sla_due_at"], name="tickets_sla_due_idx"),
            models.Index(fields=["sla_warn_at"], name="tickets_sla_warn_idx"),
            # Ascending, read backwards: newest first with the id tie-break (see AuditLog's indexes).
            models.Index(fields=["requester", "created_at"], name="tickets_requester_idx"),
            models.Index(fields=["status", "resolved_at"], name="tickets_resolved_idx"),
            models.Index(fields=["created_at"], name="tickets_created_idx"),
            models.Index(fields=["visitor_email"], name="tickets_visitor_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction_score__isnull=True)
                | models.Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="tickets_satisfaction_1_to_5",
            ),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    @property
    def is_from_visitor(self):
        return self.requester_id is None

    @property
    def contact_email(self):
        return self.requester.email if self.requester_id else self.visitor_email

    @property
    def contact_name(self):
        return self.requester.get_full_name() if self.requester_id else self.visitor_name


class TicketEvent(models.Model):
    """One line of a ticket's history: who changed what, when."""

    class Kind(models.TextChoices):
        CREATED = "CREATED", _("Création")
        STATUS = "STATUS", _("Changement de statut")
        ASSIGNMENT = "ASSIGNMENT", _("Affectation")
        PRIORITY = "PRIORITY", _("Changement de priorité")
        CATEGORY = "CATEGORY", _("Changement de catégorie")
        REPLY = "REPLY", _("Réponse")
        SLA = "SLA", _("Échéance")
        RATING = "RATING", _("Avis")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # NULL: the platform itself (auto-close, SLA sweeper) or a visitor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("auteur"),
    )
    from_value = models.CharField(_("avant"), max_length=100, blank=True)
    to_value = models.CharField(_("après"), max_length=100, blank=True)
    note = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de ticket")
        verbose_name_plural = _("historique des tickets")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_events_ticket_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.ticket_id}"


class CannedReply(models.Model):
    """A ready-made answer staff insert in one click on a ticket page, then
    adapt. Staff edit them in the admin."""

    title = models.CharField(_("titre"), max_length=120)
    body = models.TextField(_("texte"))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ["position", "title"]

    def __str__(self):
        return self.title


class ReplyLinkUse(models.Model):
    """A visitor's reply link (one per staff answer, see
    support.services.visitor_reply_token) that has served: the primary key on
    the answer makes it work once, also for two submits at the same moment."""

    staff_message = models.OneToOneField(
        "messaging.Message", primary_key=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("réponse de l'équipe"),
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket"))
    used_at = models.DateTimeField(_("utilisé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("lien de réponse utilisé")
        verbose_name_plural = _("liens de réponse utilisés")

    def __str__(self):
        return f"{self.ticket_id}: {self.staff_message_id}"


class TicketNumber(models.Model):
    """The counter behind Ticket.number, one row locked per allocation
    (MAX()+1 would hand the same number to two concurrent requests)."""

    last = models.PositiveIntegerField(_("dernier numéro"), default=1000)

    class Meta:
        verbose_name = _("compteur de tickets")
        verbose_name_plural = _("compteur de tickets")

    def __str__(self):
        return str(self.last)


# --- Consultation ---
# Free 30-minute consultations a visitor books on the public calendar
# (support/consultation.py holds the calendar arithmetic and the services).


class ConsultationAvailability(models.Model):
    """A weekly opening window staff define (e.g. every Monday 09:00–11:30,
    Paris time); the calendar cuts it into slots."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Lundi")
        TUESDAY = 1, _("Mardi")
        WEDNESDAY = 2, _("Mercredi")
        THURSDAY = 3, _("Jeudi")
        FRIDAY = 4, _("Vendredi")
        SATURDAY = 5, _("Samedi")
        SUNDAY = 6, _("Dimanche")

    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("disponibilité de consultation")
        verbose_name_plural = _("disponibilités de consultation")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="consult_avail_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ConsultationException(models.Model):
    """One date that differs from the weekly windows: closed all day (no
    times), closed for some hours, or open for extra hours."""

    class Kind(models.TextChoices):
        CLOSED = "CLOSED", _("Fermeture")
        OPEN = "OPEN", _("Ouverture exceptionnelle")

    date = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=6, choices=Kind.choices, default=Kind.CLOSED)
    start_time = models.TimeField(_("de"), null=True, blank=True, help_text=_("Vide : toute la journée."))
    end_time = models.TimeField(_("à"), null=True, blank=True)
    note = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exception du calendrier")
        verbose_name_plural = _("exceptions du calendrier")
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["date"], name="consult_exception_date_idx")]
        constraints = [
            # Both times or neither (the whole day); an extra opening needs its hours.
            models.CheckConstraint(
                condition=(models.Q(start_time__isnull=True, end_time__isnull=True, kind="CLOSED")
                           | models.Q(start_time__isnull=False, end_time__gt=models.F("start_time"))),
                name="consult_exception_hours",
            ),
        ]

    def __str__(self):
        hours = f" {self.start_time:%H:%M}–{self.end_time:%H:%M}" if self.start_time else ""
        return f"{self.date:%d/%m/%Y}{hours} ({self.get_kind_display()})"


class ConsultationBooking(models.Model):
    """A slot booked by a person. Written by support.consultation only."""

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    slot_start = models.DateTimeField(_("début"))
    slot_end = models.DateTimeField(_("fin"))
    # True while the booking holds its slot, NULL once cancelled: with the
    # unique constraint below one slot has at most one active booking on every
    # backend (MariaDB has no partial unique index), and the database decides
    # between two people booking the same slot at the same moment.
    active = models.BooleanField(_("active"), null=True, blank=True, default=True, editable=False)
    name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    topic = models.TextField(_("sujet"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="consultation_bookings",
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="consultation_bookings",
    )
    # The booking form's one-time key: a double submit makes one booking.
    submission_key = models.CharField(_("clé du formulaire"), max_length=64, null=True, blank=True, unique=True, editable=False)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("réservée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rendez-vous de consultation")
        verbose_name_plural = _("rendez-vous de consultation")
        ordering = ["slot_start"]
        # The unique index below also serves the calendar's range reads (slot_start first).
        constraints = [
            models.UniqueConstraint(fields=["slot_start", "active"], name="consult_one_booking_per_slot"),
        ]

    def __str__(self):
        return f"{self.name} — {self.slot_start:%d/%m/%Y %H:%M}"

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None
