"""Demo tickets for Marie Dupont (user@example.com): one answered by the
admin, about her demo order, and one still open; three canned replies.
Idempotent: each ticket has its own submission key."""

from accounts.models import User
from orders.models import Order

from . import services
from .models import CannedReply, Ticket

CANNED_REPLIES = [
    ("Accusé de réception", "Bonjour,\nMerci pour votre message : nous l'avons bien reçu et revenons vers vous "
                            "très vite.\nL'équipe Staka Livres"),
    ("Délais de correction", "Bonjour,\nComptez 15 à 20 jours ouvrés pour un manuscrit de 300 pages ; l'option "
                             "urgente divise ce délai par deux. Le calcul exact est sur la page Tarifs."),
    ("Facture disponible", "Bonjour,\nVotre facture est disponible à tout moment dans « Mes factures », au "
                           "format PDF."),
]


def seed_demo_support():
    for position, (title, body) in enumerate(CANNED_REPLIES):
        CannedReply.objects.get_or_create(title=title, defaults={"body": body, "position": position})
    client = User.objects.get(email="user@example.com")
    admin = User.objects.get(email="admin@staka-editions.com")
    order = Order.objects.filter(client=client).order_by("created_at").first()
    answered = services.ticket_open(
        requester=client, title="Date de livraison de ma correction", category=Ticket.Category.COMMANDE,
        order=order, submission_key="demo-ticket-answered",
        description="Bonjour,\nPouvez-vous me confirmer la date de livraison prévue pour mon manuscrit ?\nMerci !",
    )
    if answered.first_response_at is None:
        services.ticket_take(ticket=answered, by=admin)
        services.ticket_reply(ticket=answered, by=admin, content=(
            "Bonjour Marie,\nVotre correcteur prévoit de vous livrer avant la date indiquée sur votre commande. "
            "Vous serez prévenue par e-mail dès que les fichiers seront disponibles."))
    services.ticket_open(
        requester=client, title="Télécharger ma facture", category=Ticket.Category.FACTURATION,
        submission_key="demo-ticket-open",
        description="Bonjour,\nJe ne trouve pas la facture de ma dernière commande. Où puis-je la télécharger ?",
    )
