"""Who hears about what happens to an order (in-app notification, and the
e-mail the person's preferences allow). Run by the tasks of orders.tasks,
which the services queue through the outbox in the change's transaction: a
rolled-back change announces nothing, a committed one is announced once, even
if the broker was down or the process died right after the commit."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from messaging.services import (
    conversation_for_order,
    conversation_post_system_message,
    conversation_sync_order_participants,
)
from notifications.models import Notification
from notifications.services import notify

from .models import Order

S = Order.Status
ORDER = Notification.Type.ORDER


def _staff():
    return User.objects.filter(role=User.Role.ADMIN, is_active=True)


def _tell(user, title, message, order, *, email=True, type=ORDER, priority=Notification.Priority.NORMALE):
    if user is None or not user.is_active:
        return
    notify(user=user, type=type, title=title, message=message, action_url=order.get_absolute_url(),
           data={"order_id": str(order.pk)}, priority=priority, email_kind="orders" if email else None)


def announce_created(*, order_id):
    order = Order.objects.select_related("client", "service").get(pk=order_id)
    conversation_for_order(order=order)  # the client can ask questions from the start
    if order.status == S.EN_ATTENTE_VERIFICATION:
        message = _("Nous vérifions le nombre de pages de « %(title)s » et vous envoyons le devis définitif.")
    elif order.is_free:
        message = _("Votre commande « %(title)s » est enregistrée ; elle est offerte et part directement en correction.")
    else:
        message = _("Votre commande « %(title)s » est enregistrée ; elle attend son paiement.")
    _tell(order.client, _("Commande enregistrée"), message % {"title": order.title}, order)
    for member in _staff():
        _tell(member, _("Nouvelle commande"), _("%(client)s a commandé « %(title)s ».")
              % {"client": order.client.get_full_name(), "title": order.title}, order, email=False)


def announce_assignment(*, order_id, corrector_id=None):
    """``corrector_id``: the corrector assigned then (the announcement may run
    after a reassignment; it names the one it is about)."""
    order = Order.objects.select_related("client", "corrector").get(pk=order_id)
    if corrector_id is not None and str(order.corrector_id) != str(corrector_id):
        return  # reassigned meanwhile: the later assignment's announcement tells who
    due = date_format(order.due_date, "d/m/Y") if order.due_date else "—"
    conversation_sync_order_participants(order=order)
    conversation_post_system_message(order=order, text=_("%(corrector)s est le correcteur de ce projet.")
                                     % {"corrector": order.corrector.get_full_name()})
    _tell(order.client, _("Correcteur désigné"),
          _("%(corrector)s corrige « %(title)s » ; livraison prévue le %(due)s.")
          % {"corrector": order.corrector.get_full_name(), "title": order.title, "due": due}, order)
    _tell(order.corrector, _("Nouvelle affectation"),
          _("« %(title)s » (%(pages)s pages) vous est confié ; échéance le %(due)s.")
          % {"title": order.title, "pages": order.pages or "?", "due": due}, order)


def announce_transition(*, order_id, from_status, to_status, actor_id, note=""):
    order = Order.objects.select_related("client", "corrector").get(pk=order_id)
    title = order.title
    client, corrector = order.client, order.corrector

    def others(*people):
        return [person for person in people if person is not None and str(person.pk) != str(actor_id)]

    free = to_status == S.PAYEE and order.payment_status == Order.PAYMENT_STATUS_FREE
    system_message = (
        (lambda: _("Commande offerte : elle attend son correcteur.")) if free
        else SYSTEM_MESSAGES.get((from_status, to_status)) or SYSTEM_MESSAGES.get((None, to_status))
    )
    if system_message:
        conversation_post_system_message(order=order, text=system_message() % {"note": note})

    if free:
        # No payment, no invoice: nothing says "paiement".
        _tell(client, _("Commande offerte"), _("« %(title)s » est offerte : elle part directement en correction.")
              % {"title": title}, order)
        for member in _staff():
            _tell(member, _("Commande offerte"), _("« %(title)s » (0 €) attend un correcteur.") % {"title": title},
                  order, email=False)
    elif to_status == S.PAYEE:
        # The client's receipt is the invoice e-mail: in-app only here.
        _tell(client, _("Paiement reçu"), _("Merci ! Le paiement de « %(title)s » est confirmé.") % {"title": title},
              order, email=False, type=Notification.Type.PAYMENT)
        for member in _staff():
            _tell(member, _("Paiement reçu"), _("« %(title)s » est payée et attend un correcteur.") % {"title": title},
                  order, email=False, type=Notification.Type.PAYMENT)
    elif to_status == S.ESTIMATION_ENVOYEE:
        _tell(client, _("Votre devis est prêt"), _("%(pages)s pages vérifiées pour « %(title)s » : acceptez le devis "
              "pour régler la commande.") % {"pages": order.verified_pages, "title": title}, order)
    elif to_status == S.LIVREE:
        _tell(client, _("Votre manuscrit corrigé est disponible"),
              _("Téléchargez les fichiers corrigés de « %(title)s », puis validez la livraison ou demandez une "
                "révision.") % {"title": title}, order, priority=Notification.Priority.HAUTE)
    elif to_status == S.EN_COURS and from_status == S.LIVREE:
        _tell(corrector, _("Révision demandée"), _("Le client demande une révision de « %(title)s » : %(comment)s")
              % {"title": title, "comment": note}, order, priority=Notification.Priority.HAUTE)
    else:
        label = S(to_status).label
        for person in others(client, corrector):
            _tell(person, _("« %(title)s » : %(status)s") % {"title": title, "status": label},
                  _("La commande « %(title)s » est maintenant : %(status)s.") % {"title": title, "status": label}
                  + (f"\n{note}" if note else ""), order)


# What the order's conversation records (lazy: translated at use).
SYSTEM_MESSAGES = {
    (None, S.PAYEE): lambda: _("Paiement reçu : la commande attend son correcteur."),
    (None, S.LIVREE): lambda: _("Les fichiers corrigés sont livrés."),
    (S.LIVREE, S.EN_COURS): lambda: _("Révision demandée : %(note)s"),
    (None, S.TERMINE): lambda: _("Commande terminée."),
    (None, S.ANNULEE): lambda: _("Commande annulée."),
}


def announce_overdue(*, order_id):
    order = Order.objects.select_related("corrector").get(pk=order_id)
    due = date_format(order.due_date, "d/m/Y")
    _tell(order.corrector, _("Échéance dépassée"), _("« %(title)s » devait être livrée le %(due)s.")
          % {"title": order.title, "due": due}, order, type=Notification.Type.WARNING,
          priority=Notification.Priority.URGENTE)
    for member in _staff():
        _tell(member, _("Commande en retard"), _("« %(title)s » (%(corrector)s) devait être livrée le %(due)s.")
              % {"title": order.title, "corrector": order.corrector.get_full_name() if order.corrector else "—",
                 "due": due}, order, type=Notification.Type.WARNING, priority=Notification.Priority.URGENTE)
