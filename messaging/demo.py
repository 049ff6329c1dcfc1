"""Demo conversations between Marie Dupont (client), Julien Moreau
(corrector) and the admin.

Seeders run in INSTALLED_APPS order and messaging comes before orders: the
demo order may not exist yet. Its conversation is created when it does
(the next `seed_demo` run), so every part of this seeder is idempotent.
"""

from django.apps import apps

from accounts.models import User

from . import services
from .models import Conversation, Message

DEMO_ORDER_TITLE = "Mémoires d'un libraire"
DIRECT_SUBJECT = "Délais pour un roman de 300 pages"


def seed_demo_messages():
    client = User.objects.get(email="user@example.com")
    corrector = User.objects.get(email="corrector@staka-editions.com")
    admin = User.objects.get(email="admin@staka-editions.com")

    services.conversation_welcome(client=client)

    if not Conversation.objects.filter(kind=Conversation.Kind.DIRECT, created_by=client, subject=DIRECT_SUBJECT).exists():
        direct = services.conversation_start_direct(client=client, subject=DIRECT_SUBJECT)
        question = services.message_send(
            conversation=direct, sender=client,
            content="Bonjour,\nJe termine un roman d'environ 300 pages. Quel délai prévoir pour une correction "
                    "complète ? Et peut-on demander une livraison urgente ?",
        )
        services.message_send(
            conversation=direct, sender=admin, parent=question, signed_as_team=True,
            content="Bonjour Marie,\nComptez 15 à 20 jours ouvrés pour 300 pages ; l'option urgente divise ce "
                    "délai par deux (+50 %). Le calcul exact est sur https://staka-editions.com/pricing/ .",
        )

    # The only place messaging looks an order up by model name: demo data.
    Order = apps.get_model("orders", "Order")
    order = Order.objects.filter(client=client, title=DEMO_ORDER_TITLE, corrector=corrector).first()
    if order is None:
        return
    conversation = services.conversation_for_order(order=order)
    if Message.objects.filter(conversation=conversation, sender__isnull=False).exists():
        return
    hello = services.message_send(
        conversation=conversation, sender=corrector,
        content="Bonjour Marie, je commence la correction de vos « Mémoires ». Une question : préférez-vous "
                "les guillemets français « » partout, y compris dans les dialogues ?",
    )
    services.message_send(
        conversation=conversation, sender=client, parent=hello,
        content="Bonjour Julien, oui, des guillemets français partout, merci !",
    )
