from accounts.models import User

from .models import Notification
from .services import notify

DEMO = [
    (Notification.Type.ORDER, "Commande enregistrée", "Votre commande « Les Saisons du Rhône » attend son paiement."),
    (Notification.Type.PAYMENT, "Paiement reçu", "Merci ! Votre paiement pour « Mémoires d'un libraire » est confirmé."),
    (Notification.Type.ORDER, "Correcteur désigné", "Julien Moreau corrige « Mémoires d'un libraire »."),
    (Notification.Type.MESSAGE, "Nouveau message", "Julien Moreau vous a écrit au sujet de « Mémoires d'un libraire »."),
    (Notification.Type.INFO, "Bienvenue sur Staka Livres", "Votre espace est prêt : commandez, suivez et échangez ici."),
]


def seed_demo_notifications():
    client = User.objects.get(email="user@example.com")
    if Notification.objects.filter(user=client).exists():
        return
    for type_, title, message in DEMO:
        notify(user=client, type=type_, title=title, message=message, action_url="/dashboard/")
