import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def normalize_email(email):
    """E-mail is the login and is unique whatever its case: store it lowercased."""
    return (email or "").strip().lower()


# What a profile photo may be, told by its first bytes: (extension, type).
AVATAR_FORMATS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def avatar_format(fileobj):
    """The extension of a JPEG, PNG or WebP file from its content, else None.
    Leaves the file at position 0."""
    fileobj.seek(0)
    head = fileobj.read(12)
    fileobj.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def avatar_upload_to(instance, filename):
    # Stored under a random name (the original may carry personal data) and
    # the extension of what the bytes are, never the uploader's: a PNG named
    # ".ps" would otherwise be served as PostScript.
    extension = avatar_format(instance.avatar.file) or "bin"
    return f"avatars/{uuid.uuid4().hex}.{extension}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=User.Role.ADMIN, is_superuser=True, is_active=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        USER = "USER", _("Client")
        CORRECTOR = "CORRECTOR", _("Correcteur")
        ADMIN = "ADMIN", _("Administrateur")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("adresse e-mail"), max_length=255, unique=True)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.USER)
    is_active = models.BooleanField(
        _("actif"), default=True, help_text=_("Décochez pour empêcher la connexion sans supprimer le compte.")
    )
    # Follow the role (see save()): only ADMIN users may enter /admin/, and
    # they get every permission there.
    is_staff = models.BooleanField(_("accès à l'administration"), default=False, editable=False)
    avatar = models.ImageField(_("photo"), upload_to=avatar_upload_to, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    # The billing address (printed on invoices, asked for before the first
    # payment): `address` holds the street lines, the rest its parts.
    address = models.TextField(_("adresse (numéro et voie)"), blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=100, blank=True)
    company = models.CharField(_("société"), max_length=200, blank=True)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    bio = models.TextField(_("présentation"), max_length=1000, blank=True)
    preferences = models.JSONField(_("préférences"), default=dict, blank=True)
    email_verified_at = models.DateTimeField(_("e-mail vérifié le"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consentement RGPD le"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    history = HistoricalRecords(excluded_fields=["password"])

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["role"], name="users_role_idx"),
            models.Index(fields=["is_active"], name="users_is_active_idx"),
            models.Index(fields=["created_at"], name="users_created_at_idx"),
        ]

    def __str__(self):
        return f"{self.get_full_name()} <{self.email}>"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        # The role is the single source of truth for back-office access: an
        # ADMIN has the whole back office (every model permission), a
        # demoted admin loses every admin power at once.
        self.is_staff = self.is_superuser = self.role == self.Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name

    # What an invoice needs to name its buyer (company and VAT number are optional).
    BILLING_REQUIRED_FIELDS = ("first_name", "last_name", "address", "postcode", "city", "country")
    BILLING_FIELDS = (*BILLING_REQUIRED_FIELDS, "company", "vat_number")

    @property
    def has_billing_address(self):
        return all(str(getattr(self, name)).strip() for name in self.BILLING_REQUIRED_FIELDS)

    @property
    def is_client(self):
        return self.role == self.Role.USER

    @property
    def is_corrector(self):
        return self.role == self.Role.CORRECTOR

    @property
    def is_admin(self):
        return self.role == self.Role.ADMIN

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    @property
    def initials(self):
        return (self.first_name[:1] + self.last_name[:1]).upper() or "?"
