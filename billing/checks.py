"""System checks: a deployment that cannot take payments says so when it
starts (every `manage.py` command, `check --deploy` included), instead of
leaving the first client to find out on "Payer"."""

from django.conf import settings
from django.core.checks import Warning, register

from .gateways import payments_available


@register()
def payments_configured(app_configs, **kwargs):
    problems = []
    if not payments_available():
        problems.append(Warning(
            "Paiements désactivés : STRIPE_SECRET_KEY n'est pas défini (et le simulateur n'est pas actif). "
            "« Payer » et « Ajouter une carte » affichent que le paiement en ligne est indisponible.",
            hint="Définissez STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY et STRIPE_WEBHOOK_SECRET.",
            id="billing.W001",
        ))
    elif settings.STRIPE_SECRET_KEY:
        missing = [name for name in ("STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY") if not getattr(settings, name)]
        if missing:
            # Production refuses to start in this case (config/settings/production.py).
            problems.append(Warning(
                f"STRIPE_SECRET_KEY est défini mais pas {', '.join(missing)} : les webhooks sont tous refusés "
                "ou l'ajout de carte échoue.",
                id="billing.W002",
            ))
    return problems
