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

# Sent whatever the user chose: an invoice or a credit note is an accounting
# document the seller must hand over (the profile shows the box checked and
# locked, and says why). Both stay downloadable on the billing page.
ALWAYS_SENT = {"billing"}

# What each kind covers, said plainly on the profile page — including the
# kinds nothing sends yet.
EMAIL_KIND_HELP = {
    "billing": _("Toujours envoyés : une facture ou un avoir est un document comptable que nous devons vous "
                 "remettre. Vous les retrouvez aussi sur votre page Facturation."),
    "support": _("Vos demandes d'assistance (« Aide & support ») : demande résolue, échéance d'un ticket pour "
                 "l'équipe. Les réponses elles-mêmes suivent le choix « Nouveaux messages »."),
    "marketing": _("Nous n'envoyons aucune lettre d'information pour l'instant. Si nous le faisons un jour, "
                   "ce sera uniquement aux personnes qui ont coché cette case."),
}


def email_allowed(user, kind):
    if kind in ALWAYS_SENT:
        return True
    saved = (user.preferences or {}).get("notifications", {})
    return bool(saved.get(kind, DEFAULTS.get(kind, True)))
