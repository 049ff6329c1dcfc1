import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .utils import human_size


class StoredFileQuerySet(models.QuerySet):
    def alive(self):
        """Files not soft-deleted (their bytes may still have been purged)."""
        return self.filter(deleted_at__isnull=True)

    def available(self):
        """Files that can be downloaded: neither deleted nor purged."""
        return self.filter(deleted_at__isnull=True, content_purged_at__isnull=True)


class StoredFile(models.Model):
    """One uploaded file: its bytes live in the storage, its metadata here.

    Rows are written by files.services only. The storage key is chosen by the
    service (``uploads/<YYYY>/<MM>/<uuid hex>.<detected extension>``): nothing
    of the user's file name reaches the storage, where it could leak personal
    data or collide.
    """

    class Category(models.TextChoices):
        DOCUMENT = "DOCUMENT", _("Document")
        IMAGE = "IMAGE", _("Image")
        AUDIO = "AUDIO", _("Audio")
        VIDEO = "VIDEO", _("Vidéo")
        ARCHIVE = "ARCHIVE", _("Archive")
        OTHER = "OTHER", _("Autre")

    class Role(models.TextChoices):
        MANUSCRIPT = "MANUSCRIPT", _("Manuscrit")
        DELIVERABLE = "DELIVERABLE", _("Fichier corrigé")
        ATTACHMENT = "ATTACHMENT", _("Pièce jointe")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    file = models.FileField(_("clé de stockage"), max_length=500)
    mime_type = models.CharField(_("type MIME"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices, default=Category.DOCUMENT)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    # PROTECT: an account is anonymised, never deleted, while its files exist.
    # NULL: sent by a visitor without an account (a support request's files).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uploaded_files",
    )
    # A string reference: files does not import orders (see DESIGN.md).
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("commande"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="files",
    )
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)
    # The bytes are gone from the storage but the row (who, what, when) stays.
    content_purged_at = models.DateTimeField(_("contenu purgé le"), null=True, blank=True)
    checksum = models.CharField(_("empreinte SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = StoredFileQuerySet.as_manager()

    class Meta:
        db_table = "files"
        verbose_name = _("fichier")
        verbose_name_plural = _("fichiers")
        ordering = ["-created_at"]
        # uploaded_by is indexed by its foreign key already.
        indexes = [
            models.Index(fields=["category"], name="files_category_idx"),
            models.Index(fields=["created_at"], name="files_created_at_idx"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def is_available(self):
        return self.deleted_at is None and self.content_purged_at is None

    @property
    def extension(self):
        """The detected extension, taken from the storage key."""
        _stem, dot, extension = self.file.name.rpartition(".")
        return extension.lower() if dot else ""

    @property
    def human_size(self):
        return human_size(self.size)
