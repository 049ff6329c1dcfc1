"""Rendering contexts of the accounts e-mails, built at send time.

The outbox row stores only ``{"user_id": ...}`` (and non-secret hints): the
activation and password-reset tokens are made here, when the e-mail leaves,
so no token ever sits in the database, the admin or a backup.
"""

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from core.emails import StaleEmail

from .models import User
from .tokens import make_activation_token


def _legacy(context, link_key):
    """A row queued before this module (its link inside, scrubbed by
    accounts 0002 on deploy) is rendered as stored; one with neither the
    link nor a user id cannot be."""
    if link_key in context:
        return True
    if "user_id" not in context:
        raise StaleEmail("lien absent")
    return False


def _recipient(context):
    """The user the e-mail is for, or StaleEmail."""
    user = User.objects.filter(pk=context["user_id"], anonymised_at__isnull=True).first()
    if user is None:
        raise StaleEmail("compte introuvable ou anonymisé")
    return user


def activation_context(context):
    if _legacy(context, "activation_path"):
        return context
    user = _recipient(context)
    if user.email_verified_at is not None:
        raise StaleEmail("compte déjà activé")
    path = reverse("accounts:activate", kwargs={"token": make_activation_token(user)})
    if context.get("order_path"):  # a visitor's order: confirmed, the address leads to it (to pay it)
        path = f"{path}?{urlencode({'next': context['order_path']})}"
    return {**context, "first_name": user.first_name, "activation_path": path}


def password_reset_context(context):
    if _legacy(context, "reset_path"):
        return context
    user = _recipient(context)
    if not user.is_active or not user.has_usable_password():
        raise StaleEmail("compte inactif ou sans mot de passe")
    path = reverse("accounts:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    })
    return {**context, "first_name": user.first_name, "reset_path": path}


def account_exists_context(context):
    user = _recipient(context)
    return {
        **context, "first_name": user.first_name,
        "login_path": reverse("accounts:login"), "reset_request_path": reverse("accounts:password_reset"),
    }


EMAIL_CONTEXTS = {
    "activation": activation_context,
    "password_reset": password_reset_context,
    "account_exists": account_exists_context,
}
