"""The services a new site starts with (the legacy tariffs).

``load_default_services()`` creates those missing by name and never touches
an existing one, so staff edits survive; ``manage.py setup`` calls it only
while the service table is empty, ``seed_demo`` always.
"""

from django.db import transaction

from .models import Service

DEFAULT_SERVICES = [
    {"name": "Correction Standard", "kind": "Correction", "pricing": Service.Pricing.PER_PAGE, "price": 200,
     "description": "Orthographe, grammaire, typographie et cohérence, page par page.",
     "estimated_duration": "7 à 20 jours ouvrés selon la longueur", "display_order": 1},
    {"name": "Pack KDP Autoédition", "kind": "Mise en forme", "pricing": Service.Pricing.FIXED, "price": 35000,
     "description": "Mise en page intérieure et couverture prêtes pour Amazon KDP.",
     "estimated_duration": "10 jours ouvrés", "display_order": 2},
    {"name": "Pack Rédaction Complète", "kind": "Rédaction", "pricing": Service.Pricing.FIXED, "price": 145000,
     "description": "Réécriture et accompagnement éditorial complet de votre manuscrit.",
     "estimated_duration": "4 à 6 semaines", "display_order": 3},
    {"name": "Pack Intégral", "kind": "Correction", "pricing": Service.Pricing.PER_PAGE, "price": 300,
     "needs_page_verification": True,
     "description": "Correction, relecture croisée et mise en page ; le prix est confirmé après vérification de vos pages.",
     "estimated_duration": "15 à 25 jours ouvrés", "display_order": 4},
]


def load_default_services():
    """Create the default services that do not exist yet. Returns how many it created."""
    created = 0
    with transaction.atomic():
        for spec in DEFAULT_SERVICES:
            spec = dict(spec)
            _service, made = Service.objects.get_or_create(name=spec.pop("name"), defaults=spec)
            created += made
    return created
