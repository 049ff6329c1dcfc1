"""Which e-mails a user wants. The kinds and their defaults live here, below
every app that sends e-mails (notifications reads them, the profile edits them)."""

from django.utils.translation import gettext_lazy as _

# (key, label, e-mail on by default)
EMAIL_KINDS = [
    ("orders", _("Mes commandes (paiement, avancement, livraison)"), True),
    ("messages", _("Nouveaux messages"), True),
    ("billing", _("Factures et remboursements"), True),
    ("support", _("Réponses du support"), True),
    ("marketing", _("Actualités et offres de Staka Livres"), False),
]
DEFAULTS = {key: default for key, _label, default in EMAIL_KINDS}


def email_allowed(user, kind):
    saved = (user.preferences or {}).get("notifications", {})
    return bool(saved.get(kind, DEFAULTS.get(kind, True)))
