"""The audit trail: one append-only AuditLog entry per thing that happened.

Services (and, for the few flows Django runs itself, signal receivers) call
``audit_record`` inside the transaction of the change they record, so the
entry commits or rolls back with it.

Where the entry comes from: there is no request-local state. A service that
records a person's action takes an optional ``request=None`` keyword, used
only for the entry's IP address and user agent; the view passes its request,
Celery tasks and commands pass nothing (the entry then has no IP).
"""

from datetime import timedelta

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .client_ip import client_ip
from .models import AuditLog

Severity = AuditLog.Severity

# What each action code means, for the admin (its filter lists these). The
# stored code stays short and stable; a new action adds its line here.
ACTION_LABELS = {
    "login.success": _("Connexion réussie"),
    "login.failure": _("Échec de connexion"),
    "login.lockout": _("Connexion bloquée (trop d'échecs)"),
    "password.change": _("Mot de passe modifié"),
    "password_reset.request": _("Réinitialisation du mot de passe demandée"),
    "password_reset.done": _("Mot de passe réinitialisé"),
    "user.create_admin": _("Premier administrateur créé (installation)"),
    "user.role": _("Rôle modifié"),
    "user.activate": _("Compte réactivé"),
    "user.deactivate": _("Compte désactivé"),
    "user.delete": _("Compte supprimé (anonymisé)"),
    "user.export": _("Données personnelles exportées"),
    "order.status": _("Statut de commande modifié"),
    "order.assign": _("Correcteur affecté"),
    "payment.succeeded": _("Paiement reçu"),
    "payment.refund": _("Remboursement"),
    "invoice.send": _("Facture envoyée"),
    "invoice.resend": _("Renvoi de facture demandé"),
    "file.delete": _("Fichier supprimé"),
    "page.publish": _("Page publiée"),
    "page.schedule": _("Publication programmée"),
    "page.unpublish": _("Page repassée en brouillon"),
    "page.archive": _("Page archivée"),
    "admin.add": _("Ajout (administration)"),
    "admin.change": _("Modification (administration)"),
    "admin.delete": _("Suppression (administration)"),
    "admin.export": _("Export (administration)"),
    "audit.purge": _("Purge du journal d'audit"),
}
TARGET_LABELS = {"auth": _("authentification")}


def action_label(code):
    return ACTION_LABELS.get(code, code)


def target_type_label(target_type):
    """The French name of a target type (``orders.order`` → « commande »)."""
    if target_type in TARGET_LABELS:
        return TARGET_LABELS[target_type]
    try:
        return apps.get_model(target_type)._meta.verbose_name
    except (LookupError, ValueError):
        return target_type


def target_label(target):
    """``app_label.model`` of a model instance (its class for a deleted one)."""
    return target._meta.label_lower


def audit_record(*, action, actor=None, target=None, details=None, request=None, severity=Severity.LOW,
                 target_type="", target_id="", actor_email=None):
    """Write one entry. ``target`` is a model instance; ``target_type`` /
    ``target_id`` name a target that is not one (an e-mail address tried at
    login). ``actor`` defaults to the request's logged-in user;
    ``actor_email`` names someone who is no user (the address a failed login
    tried), so the RGPD anonymisation finds those entries too."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    if target is not None:
        target_type, target_id = target_label(target), str(target.pk)
    ip_address, user_agent = None, ""
    if request is not None:
        ip_address = client_ip(request) or None
        user_agent = request.META.get("HTTP_USER_AGENT", "")[: AuditLog.USER_AGENT_MAX_LENGTH]
    return AuditLog.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=(actor_email if actor_email is not None else getattr(actor, "email", "")) or "",
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        ip_address=ip_address,
        user_agent=user_agent,
        severity=severity,
    )


PURGE_BATCH_SIZE = 1000


def audit_purge(*, older_than_days, dry_run=False, batch_size=PURGE_BATCH_SIZE, actor=None):
    """Remove the entries older than ``older_than_days`` days, in batches (a
    short lock each, whatever the backlog); the purge itself is recorded.
    The only way entries leave the table. Returns how many (would) go."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = AuditLog.objects.filter(timestamp__lt=cutoff)
    if dry_run:
        return old.count()
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(old.order_by("timestamp").values_list("pk", flat=True)[:batch_size])
            if not batch:
                break
            removed += AuditLog.objects.filter(pk__in=batch)._purge()[0]
    audit_record(
        action="audit.purge", actor=actor, severity=Severity.HIGH,
        details={"older_than_days": older_than_days, "cutoff": cutoff, "removed": removed},
    )
    return removed


def audit_anonymise_actor(user):
    """RGPD: the user's entries stay (what happened to what) but lose what
    identifies the person: the e-mail snapshot, IP address and user agent."""
    AuditLog.objects.filter(models.Q(actor=user) | models.Q(actor_email__iexact=user.email))._blank_personal_data()


def audit_export_actor(user):
    return [
        {"timestamp": entry.timestamp.isoformat(), "action": entry.action, "target_type": entry.target_type,
         "target_id": entry.target_id, "ip_address": entry.ip_address}
        for entry in AuditLog.objects.filter(actor=user).order_by("-timestamp")[:1000]
    ]
