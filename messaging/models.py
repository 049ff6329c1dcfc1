import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_CONTENT_LENGTH = 10_000
MAX_ATTACHMENTS = 10


class Conversation(models.Model):
    """A thread between a client and the team: about one order, or direct.

    Who may read it: its participants, and staff (ADMIN) always. Rows are
    written by messaging.services only.
    """

    class Kind(models.TextChoices):
        ORDER = "ORDER", _("Commande")
        SUPPORT = "SUPPORT", _("Support")  # the support desk will attach its tickets here
        DIRECT = "DIRECT", _("Échange avec l'équipe")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("sujet"), max_length=255)
    # A string reference: messaging does not import orders (see DESIGN.md).
    # The order's conversation goes with the order (only abandoned, never
    # paid orders are ever deleted).
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("commande"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="conversations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("créée par"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    # Denormalised by message_send so the inbox sorts and previews without
    # scanning messages.
    last_message_at = models.DateTimeField(_("dernier message le"), default=timezone.now)
    last_message = models.ForeignKey(
        "Message", verbose_name=_("dernier message"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )
    # When the staff were last e-mailed about a conversation nobody of the
    # team has joined yet (throttled like the participants' e-mails).
    team_alerted_at = models.DateTimeField(_("équipe alertée le"), null=True, blank=True, editable=False)
    # The "write to the team" form's one-time token: the same form submitted
    # twice (a double click, two tabs) opens one conversation.
    client_token = models.UUIDField(_("jeton du formulaire"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_token"], name="conversations_one_per_form"),
            # One conversation per order. NULLs are distinct in a unique index
            # on every backend, so this is "unique where not null" everywhere;
            # a conditional constraint would be silently dropped by MariaDB.
            models.UniqueConstraint(fields=["order"], name="conversations_one_per_order"),
        ]
        indexes = [
            # The inbox's order and keyset pages: (last_message_at, id) descending.
            models.Index(fields=["-last_message_at", "-id"], name="conversations_inbox_idx"),
            # Ascending, read backwards (see AuditLog's indexes).
            models.Index(fields=["kind", "last_message_at"], name="conversations_kind_idx"),
        ]

    def __str__(self):
        return self.subject


class Participant(models.Model):
    """A user in a conversation, with their own read state and archive flag."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants", verbose_name=_("conversation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_participations",
        verbose_name=_("utilisateur"),
    )
    # Messages with a greater id are unread (ids grow per conversation:
    # message_send locks the conversation row while it inserts).
    last_read_message_id = models.PositiveBigIntegerField(_("dernier message lu"), default=0)
    archived = models.BooleanField(_("archivée"), default=False)
    # E-mails about new messages are throttled per conversation and person.
    last_emailed_at = models.DateTimeField(_("dernier e-mail le"), null=True, blank=True)
    joined_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="participants_unique_user"),
        ]
        indexes = [models.Index(fields=["user", "archived"], name="participants_inbox_idx")]

    def __str__(self):
        return f"{self.user_id} → {self.conversation_id}"


class Message(models.Model):
    class Type(models.TextChoices):
        USER_MESSAGE = "USER_MESSAGE", _("Message")
        SYSTEM_MESSAGE = "SYSTEM_MESSAGE", _("Message automatique")
        NOTIFICATION = "NOTIFICATION", _("Notification")
        SUPPORT_MESSAGE = "SUPPORT_MESSAGE", _("Message du support")
        ADMIN_MESSAGE = "ADMIN_MESSAGE", _("Message de l'équipe")
        CONSULTATION_REQUEST = "CONSULTATION_REQUEST", _("Demande de consultation")  # legacy rows only

    class Status(models.TextChoices):
        BROUILLON = "BROUILLON", _("Brouillon")
        ENVOYE = "ENVOYE", _("Envoyé")
        DELIVRE = "DELIVRE", _("Délivré")
        LU = "LU", _("Lu")

    SENT_STATUSES = (Status.ENVOYE, Status.DELIVRE, Status.LU)

    id = models.BigAutoField(_("numéro"), primary_key=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    # PROTECT: an account is anonymised, never deleted, while its messages exist.
    # NULL for messages the platform writes itself, and for a visitor's
    # messages (a support ticket from someone without an account: then
    # visitor_name / visitor_email say who wrote).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expéditeur"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="sent_messages",
    )
    visitor_name = models.CharField(_("nom du visiteur"), max_length=150, blank=True)
    visitor_email = models.EmailField(_("e-mail du visiteur"), blank=True)
    content = models.TextField(_("message"), max_length=MAX_CONTENT_LENGTH)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.USER_MESSAGE)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.ENVOYE)
    parent = models.ForeignKey(
        "self", verbose_name=_("en réponse à"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="replies",
    )
    thread_root = models.ForeignKey(
        "self", verbose_name=_("début du fil"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="thread_messages",
    )
    is_pinned = models.BooleanField(_("épinglé"), default=False)
    # Staff may sign "Équipe Staka Livres"; the sender is still recorded.
    signed_as_team = models.BooleanField(_("signé « Équipe »"), default=False)
    # True for a draft, NULL otherwise: with the unique constraint below it
    # allows one draft per (conversation, sender) on every backend (MariaDB
    # has no partial unique index).
    draft_slot = models.BooleanField(_("brouillon en cours"), null=True, blank=True, editable=False)
    # The compose form's one-time token (NULL for messages written without a
    # form): the same form submitted twice posts one message.
    client_token = models.UUIDField(_("jeton du formulaire"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # The row's id in the legacy Node/Prisma database (manage.py import_legacy):
    # our id is a number, so a re-import finds the row by this instead.
    legacy_id = models.CharField(_("identifiant d'origine"), max_length=191, null=True, blank=True, unique=True,
                                 editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "sender", "draft_slot"], name="messages_one_draft"),
            models.UniqueConstraint(fields=["conversation", "sender", "client_token"], name="messages_one_per_form"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("content"), MAX_CONTENT_LENGTH), name="messages_content_max_length"
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="messages_conv_created_idx"),
            # The thread and the poll read (conversation, id); the unread counts
            # (badge, inbox) also need sender and status, so this index alone
            # answers them, without a row lookup per unread message.
            models.Index(fields=["conversation", "id", "sender", "status"], name="messages_unread_idx"),
            # The pinned list (conversation, is_pinned=True, ORDER BY id LIMIT): without it
            # MariaDB walks the primary key of the whole table to find a few rows.
            models.Index(fields=["conversation", "is_pinned", "id"], name="messages_pinned_idx"),
            # The admin's list filtered by type or status, newest first: without
            # them MariaDB walks the primary key until it has found a page, the
            # whole table (2 000 000 rows, 9 s) for a status no message has.
            models.Index(fields=["type", "id"], name="messages_type_idx"),
            models.Index(fields=["status", "id"], name="messages_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} #{self.pk}"

    @property
    def is_draft(self):
        return self.status == self.Status.BROUILLON

    @property
    def is_from_visitor(self):
        return self.sender_id is None and bool(self.visitor_email)

    @property
    def is_system(self):
        return self.sender_id is None and not self.visitor_email


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message"))
    # Files are anonymised or purged, not deleted; when a file row does go
    # (an abandoned visitor account), its attachment goes with it.
    stored_file = models.ForeignKey(
        "files.StoredFile", on_delete=models.CASCADE, related_name="message_attachments", verbose_name=_("fichier")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # The row's id in the legacy Node/Prisma database (manage.py import_legacy):
    # our id is a number, so a re-import finds the row by this instead.
    legacy_id = models.CharField(_("identifiant d'origine"), max_length=191, null=True, blank=True, unique=True,
                                 editable=False)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        constraints = [
            models.UniqueConstraint(fields=["message", "stored_file"], name="attachments_unique_file"),
        ]

    def __str__(self):
        return f"{self.message_id}: {self.stored_file_id}"
