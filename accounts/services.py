"""Every write on accounts goes through these functions (see DESIGN.md)."""

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.emails import queue_templated_email
from core.registry import personal_data_parts

from .models import User, normalize_email
from .signals import user_activated
from .tokens import ActivationTokenError, ExpiredActivationToken, make_activation_token, read_activation_token

logger = logging.getLogger(__name__)

DUPLICATE_EMAIL_MESSAGE = _(
    "Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou réinitialisez votre mot de passe."
)


def user_register(*, email, password, first_name, last_name, phone=""):
    """Create an inactive client account and send its activation link."""
    email = normalize_email(email)
    try:
        with transaction.atomic():
            user = User(
                email=email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                phone=phone.strip(),
                role=User.Role.USER,
                is_active=False,
                consent_at=timezone.now(),
            )
            user.set_password(password)
            user.save()
    except IntegrityError as exc:
        # Two submits racing past the form's uniqueness check.
        raise ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate") from exc
    user_send_activation(user=user)
    logger.info("account registered: %s", user.pk)
    return user


def user_send_activation(*, user):
    """Queue the activation e-mail; does nothing for an account already verified."""
    if user.email_verified_at is not None or user.is_anonymised:
        return
    path = reverse("accounts:activate", kwargs={"token": make_activation_token(user)})
    queue_templated_email(
        template="activation",
        to=user.email,
        context={"first_name": user.first_name, "activation_path": path},
    )


def user_activate(*, token):
    """Activate the account a valid, unused token was made for."""
    try:
        user_id = read_activation_token(token)
    except ExpiredActivationToken as exc:
        raise ValidationError(
            _("Ce lien d'activation a expiré. Demandez-en un nouveau."), code="expired"
        ) from exc
    except ActivationTokenError as exc:
        raise ValidationError(_("Ce lien d'activation n'est pas valide."), code="invalid") from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or user.is_anonymised:
            raise ValidationError(_("Ce lien d'activation n'est pas valide."), code="invalid")
        if user.email_verified_at is not None:
            raise ValidationError(
                _("Ce lien d'activation a déjà été utilisé. Connectez-vous."), code="used"
            )
        user.is_active = True
        user.email_verified_at = timezone.now()
        user.save(update_fields=["is_active", "email_verified_at", "updated_at"])
        transaction.on_commit(lambda: user_activated.send(sender=User, user=user))
    logger.info("account activated: %s", user.pk)
    return user


def user_update_profile(*, user, **fields):
    """Save the editable profile fields; an old avatar file is removed once replaced."""
    editable = {"first_name", "last_name", "phone", "address", "bio", "avatar"}
    unknown = set(fields) - editable
    if unknown:
        raise ValueError(f"champs non modifiables : {sorted(unknown)}")
    # Read from the database: a bound ModelForm has already put the new file on `user`.
    old_avatar = User.objects.filter(pk=user.pk).values_list("avatar", flat=True).first() or ""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password", "email"])
        user.save()
    if old_avatar and old_avatar != (user.avatar.name if user.avatar else ""):
        _delete_file_on_commit(user.avatar.storage, old_avatar)
    return user


def user_set_notification_preferences(*, user, preferences):
    with transaction.atomic():
        user.preferences = {**user.preferences, "notifications": dict(preferences)}
        user.save(update_fields=["preferences", "updated_at"])
    return user


def user_deactivate(*, user, by):
    """Close the account without erasing it; only staff can reopen it."""
    with transaction.atomic():
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    logger.info("account deactivated: %s by %s", user.pk, by.pk)
    return user


def user_export_data(*, user):
    """Everything the platform holds about the user (RGPD art. 15 and 20).

    Each app contributes its part through core.registry, so the export grows
    as apps are added without accounts importing them.
    """
    data = {"exported_at": timezone.now().isoformat()}
    for name, part in personal_data_parts.items():
        data[name] = part.export(user)
    return data


def user_anonymise(*, user, by):
    """Erase the user's personal data (RGPD art. 17) and lock the account.

    The row stays so that records the law keeps (invoices, for 10 years) still
    point at it; they carry their own snapshot of the buyer's details.
    """
    old_avatar = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        # Higher layers first: they may still need the user's data to find theirs.
        for part in reversed(list(personal_data_parts.values())):
            if part.anonymise:
                part.anonymise(user)
        user.email = f"anonyme-{uuid.uuid4().hex}@invalid.invalid"
        user.first_name = "Utilisateur"
        user.last_name = "supprimé"
        user.phone = ""
        user.address = ""
        user.bio = ""
        user.avatar = ""
        user.preferences = {}
        user.set_unusable_password()
        user.is_active = False
        user.role = User.Role.USER
        user.anonymised_at = timezone.now()
        user.save()
    if old_avatar:
        _delete_file_on_commit(user.avatar.storage, old_avatar)
    logger.info("account anonymised: %s by %s", user.pk, by.pk)
    return user


def user_set_role(*, user, role, by):
    if role not in User.Role.values:
        raise ValidationError(_("Rôle inconnu."), code="invalid_role")
    with transaction.atomic():
        user.role = role
        user.save(update_fields=["role", "updated_at"])
    logger.info("role of %s set to %s by %s", user.pk, role, by.pk)
    return user


def _delete_file_on_commit(storage, name):
    transaction.on_commit(lambda: storage.delete(name))
