"""Every write on accounts goes through these functions (see DESIGN.md)."""

import json
import logging
import uuid

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import Severity, audit_record
from core.emails import queue_templated_email
from core.outbox import outbox_task_queue
from core.registry import account_deletion_parts, personal_data_parts

from .models import User, normalize_email
from .tokens import ActivationTokenError, ExpiredActivationToken, read_activation_token

logger = logging.getLogger(__name__)


def user_register(*, email, password=None, password_hash=None, first_name, last_name, phone="",
                  attempt="signup", activation_context=None):
    """Create an inactive client account and send its activation link.

    An address that already has an account gets no new account and no
    different answer (no enumeration): its owner is e-mailed instead and
    None is returned. Both paths hash the password once and queue one e-mail,
    so they cost the same. ``attempt`` ("signup" or "order") words that e-mail.
    ``password_hash``: hashed already (a visitor's order, hashed during the
    request whatever the address). ``activation_context``: non-secret hints
    for the activation e-mail (the order to pay once the address is confirmed).
    """
    email = normalize_email(email)
    if password_hash is None:
        password_hash = make_password(password)  # before the look-up: both paths pay for it
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        _user_told_account_exists(user=existing, attempt=attempt)
        return None
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
            user.password = password_hash
            user.save()
    except IntegrityError:
        # Two submits racing past the check above: the other one created it.
        existing = User.objects.filter(email=email).first()
        if existing is None:
            raise
        _user_told_account_exists(user=existing, attempt=attempt)
        return None
    user_send_activation(user=user, context=activation_context)
    logger.info("account registered: %s", user.pk)
    return user


def user_create_admin(*, email, password):
    """The first back-office account (``manage.py setup``): active, role
    ADMIN, address taken as verified since the operator typed it. Raises
    ValidationError (French) for an invalid address or password, or an
    address that already has an account."""
    email = normalize_email(email)
    validate_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            _("Un compte existe déjà avec l'adresse %(email)s : choisissez une autre adresse, ou donnez le rôle "
              "Administrateur à ce compte.") % {"email": email}, code="exists")
    validate_password(password, user=User(email=email, first_name="Administrateur"))
    with transaction.atomic():
        now = timezone.now()
        user = User.objects.create_superuser(
            email, password, first_name="Administrateur", last_name="", email_verified_at=now, consent_at=now,
        )
        audit_record(action="user.create_admin", target=user, severity=Severity.HIGH)
    logger.info("first admin created: %s", user.pk)
    return user


def _user_told_account_exists(*, user, attempt):
    """Someone used the address of an existing account to sign up or order.
    An account still waiting for activation gets its link again; any other
    gets a warning (never a token)."""
    if user.is_anonymised:
        return
    if user.email_verified_at is None and not user.is_active:
        user_send_activation(user=user, context={"attempt": attempt})
        return
    queue_templated_email(
        template="account_exists", to=user.email, context={"user_id": str(user.pk), "attempt": attempt},
    )


def user_send_activation(*, user, context=None):
    """Queue the activation e-mail; does nothing for an account already verified.
    The outbox keeps only the user id (and the non-secret hints of
    ``context``): the link is made at send time (accounts.emails), so no
    token is ever stored."""
    if user.email_verified_at is not None or user.is_anonymised:
        return
    queue_templated_email(template="activation", to=user.email, context={**(context or {}), "user_id": str(user.pk)})


def user_request_activation_resend(*, email):
    """Same work whatever the address: the lookup and the e-mail happen in a
    task after the request, so its duration tells nothing."""
    from .tasks import send_activation_again

    # The outbox (core.outbox): the same row for any address, and a broker
    # that is down neither fails the request nor loses the e-mail.
    outbox_task_queue(task=send_activation_again, kwargs={"email": normalize_email(email)})


def user_send_activation_again(*, email):
    user = User.objects.filter(
        email=normalize_email(email), is_active=False, email_verified_at__isnull=True, anonymised_at__isnull=True,
    ).first()
    if user is not None:
        user_send_activation(user=user)


def user_request_password_reset(*, email, request=None):
    """As user_request_activation_resend: the request costs the same for a
    known and an unknown address (the audit entry names the address asked
    for, without looking it up)."""
    from .tasks import send_password_reset

    audit_record(action="password_reset.request", actor_email=normalize_email(email)[:255],
                 target_type="auth", request=request, severity=Severity.MEDIUM)
    outbox_task_queue(task=send_password_reset, kwargs={"email": normalize_email(email)})


def user_send_password_reset(*, email):
    """Queue a reset e-mail to each active account with a usable password at
    that address (Django's rule). The token is made at send time."""
    for user in User.objects.filter(email=normalize_email(email), is_active=True, anonymised_at__isnull=True):
        if user.has_usable_password():
            queue_templated_email(template="password_reset", to=user.email, context={"user_id": str(user.pk)})


def user_activate(*, token):
    """Activate the account a valid, unused token was made for."""
    from .tasks import announce_user_activated

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
        # The welcome (user_activated's receivers) follows through the outbox.
        outbox_task_queue(task=announce_user_activated, kwargs={"user_id": str(user.pk)})
    logger.info("account activated: %s", user.pk)
    return user


def user_update_profile(*, user, **fields):
    """Save the editable profile fields; an old avatar file is removed once replaced."""
    editable = {"first_name", "last_name", "phone", "bio", "avatar", *User.BILLING_FIELDS}
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


LAST_ADMIN_MESSAGE = _(
    "%(email)s est le dernier administrateur actif : nommez d'abord un autre administrateur."
)
SELF_MESSAGES = {
    "deactivate": _("Vous ne pouvez pas désactiver votre propre compte administrateur."),
    "demote": _("Vous ne pouvez pas retirer votre propre rôle d'administrateur."),
    "delete": _("Vous ne pouvez pas supprimer votre propre compte administrateur."),
}


def user_check_admin_change(*, user, by, action):
    """Refuse what would leave the back office without an active admin, and
    an admin removing their own powers. ``action``: deactivate, demote or
    delete. Call inside the transaction that writes: the admins are locked."""
    if not (user.pk and User.objects.filter(pk=user.pk, role=User.Role.ADMIN).exists()):
        return
    if by is not None and by.pk == user.pk:
        raise ValidationError(SELF_MESSAGES[action], code="self")
    with transaction.atomic():  # joins the caller's; the lock lasts until it commits
        active_admins = list(
            User.objects.select_for_update().filter(role=User.Role.ADMIN, is_active=True).values_list("pk", flat=True)
        )
    if set(active_admins) <= {user.pk}:
        raise ValidationError(LAST_ADMIN_MESSAGE % {"email": user.email}, code="last_admin")


def user_deactivate(*, user, by, request=None):
    """Close the account without erasing it; only staff can reopen it."""
    with transaction.atomic():
        user_check_admin_change(user=user, by=by, action="deactivate")
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at", "updated_at"])
        audit_record(action="user.deactivate", actor=by, target=user, request=request, severity=Severity.HIGH)
    logger.info("account deactivated: %s by %s", user.pk, by.pk)
    return user


def user_export_data(*, user, by=None, request=None):
    """Everything the platform holds about the user (RGPD art. 15 and 20).

    Each app contributes its part through core.registry, so the export grows
    as apps are added without accounts importing them.
    """
    data = {"exported_at": timezone.now().isoformat()}
    for name, part in personal_data_parts.items():
        data[name] = part.export(user)
    audit_record(action="user.export", actor=by or user, target=user, request=request, severity=Severity.MEDIUM)
    return data


def user_export_json(data):
    """The export as the user downloads it (profile page, ``manage.py export_user_data``)."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def user_deletion_report(*, user):
    """What the other apps say about deleting `user` now (core.registry):
    ``blockers``, work in progress that keeps the account, and ``closes``,
    what the deletion will close on its way (unpaid orders it cancels)."""
    report = {"blockers": [], "closes": []}
    for part in account_deletion_parts.values():
        report["blockers"].extend(part.blockers(user))
        if part.closes:
            report["closes"].extend(part.closes(user))
    return report


def _refuse_deletion_in_progress(*, user, by, blockers, tell_team):
    if tell_team:
        for part in account_deletion_parts.values():
            if part.refused:
                part.refused(user, blockers)
    raise ValidationError(
        _("Ce compte ne peut pas être supprimé tant que des commandes sont en cours : %(orders)s. "
          "L'équipe en est prévenue et reviendra vers vous.") % {"orders": " ; ".join(str(b) for b in blockers)},
        code="work_in_progress",
    )


def user_anonymise(*, user, by, request=None):
    """Erase the user's personal data (RGPD art. 17) and lock the account.

    The row stays so that records the law keeps (invoices, for 10 years) still
    point at it; they carry their own snapshot of the buyer's details.
    Refused while work is in progress on the user's orders (the other apps
    say which, through core.registry; the team is told when the user asked);
    unpaid orders are cancelled on the way.
    """
    old_avatar = user.avatar.name if user.avatar else ""
    blockers = user_deletion_report(user=user)["blockers"] if user.anonymised_at is None else []
    if blockers:  # told outside the refused transaction, so the team's notice stays
        _refuse_deletion_in_progress(user=user, by=by, blockers=blockers, tell_team=by is not None and by.pk == user.pk)
    with transaction.atomic():
        user_check_admin_change(user=user, by=by, action="delete")
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.anonymised_at is not None:
            return user  # a second submit (double click, two tabs): erased once, nothing more to do
        blockers = user_deletion_report(user=user)["blockers"]  # again, under the account's lock
        if blockers:
            _refuse_deletion_in_progress(user=user, by=by, blockers=blockers, tell_team=False)
        # Written first: the anonymisation below then blanks the person's
        # e-mail, IP and browser in it too when they deleted their own account.
        audit_record(action="user.delete", actor=by, target=user, request=request, severity=Severity.HIGH)
        for part in account_deletion_parts.values():
            if part.close:
                part.close(user, by)
        # Higher layers first: they may still need the user's data to find theirs.
        for part in reversed(list(personal_data_parts.values())):
            if part.anonymise:
                part.anonymise(user)
        user.email = f"anonyme-{uuid.uuid4().hex}@invalid.invalid"
        user.first_name = "Utilisateur"
        user.last_name = "supprimé"
        user.phone = ""
        for name in ("address", "postcode", "city", "country", "company", "vat_number"):
            setattr(user, name, "")
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


def user_admin_save(*, user, by, changed_fields, request=None):
    """Save a user edited in the admin, through the same rules as the services.
    (The admin's own entry keeps the before/after of every field; role and
    activation get their entries, as when a service changes them.)"""
    with transaction.atomic():
        if "role" in changed_fields and user.role != User.Role.ADMIN:
            user_check_admin_change(user=user, by=by, action="demote")
        if "is_active" in changed_fields and not user.is_active:
            user_check_admin_change(user=user, by=by, action="deactivate")
            user.deactivated_at = timezone.now()
        user.save()
        if "role" in changed_fields and user.pk:
            audit_record(action="user.role", actor=by, target=user, request=request, severity=Severity.HIGH,
                         details={"role": user.role})
        if "is_active" in changed_fields and user.pk:
            audit_record(action="user.activate" if user.is_active else "user.deactivate", actor=by, target=user,
                         request=request, severity=Severity.HIGH)
    logger.info("user %s changed in the admin by %s: %s", user.pk, by.pk, sorted(changed_fields))
    return user


def user_admin_delete(*, user, by):
    with transaction.atomic():
        user_check_admin_change(user=user, by=by, action="delete")
        user.delete()
    logger.info("user %s deleted by %s", user.pk, by.pk)


def user_set_role(*, user, role, by, request=None):
    if role not in User.Role.values:
        raise ValidationError(_("Rôle inconnu."), code="invalid_role")
    with transaction.atomic():
        if role != User.Role.ADMIN:
            user_check_admin_change(user=user, by=by, action="demote")
        previous = user.role
        user.role = role
        user.save(update_fields=["role", "updated_at"])
        audit_record(action="user.role", actor=by, target=user, request=request, severity=Severity.HIGH,
                     details={"before": previous, "after": role})
    logger.info("role of %s set to %s by %s", user.pk, role, by.pk)
    return user


def _delete_file_on_commit(storage, name):
    transaction.on_commit(lambda: storage.delete(name))
