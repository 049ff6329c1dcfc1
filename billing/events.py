"""Who hears about a payment that failed or a refund (in-app notification,
and the e-mail the client's preferences allow). Run by the tasks of
billing.tasks, queued through the outbox (core.outbox) in the transaction
that records the payment's change: announced once, even if the broker was
down or the process died right after the commit."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.preferences import email_allowed
from core.emails import queue_templated_email
from core.templatetags.formatting import euros
from notifications.models import Notification
from notifications.services import notify

from .models import Payment


def announce_payment_failed(*, payment_id):
    """The in-app notice, and the "paiement non abouti" e-mail unless the
    client turned off the e-mails about their orders ("Mes commandes")."""
    payment = Payment.objects.select_related("order__client").get(pk=payment_id)
    order, client = payment.order, payment.order.client
    notify(
        user=client, type=Notification.Type.PAYMENT, title=_("Paiement non abouti"),
        message=_("Le paiement de « %(title)s » n'a pas abouti ; vous pouvez réessayer depuis la commande.")
        % {"title": order.title}, action_url=order.get_absolute_url(),
    )
    # Its own template (with the reason), not notify()'s: a visitor whose
    # account is not activated yet gets it too.
    if not client.is_anonymised and email_allowed(client, "orders"):
        queue_templated_email(
            template="payment_failed", to=client.email,
            context={"first_name": client.first_name, "title": order.title,
                     "order_path": order.get_absolute_url(), "reason": payment.failure_message},
        )


def announce_refund(*, payment_id, amount, credited):
    """``credited``: the refund was credited on the order's invoice (a credit
    note follows by e-mail); otherwise it returned a payment in excess."""
    order = Payment.objects.select_related("order__client").get(pk=payment_id).order
    if credited:
        message = _("%(amount)s vous sont remboursés pour « %(title)s » ; l'avoir vous est envoyé par e-mail.")
    else:
        message = _("%(amount)s vous sont remboursés pour « %(title)s » (paiement en trop).")
    notify(
        user=order.client, type=Notification.Type.PAYMENT, title=_("Remboursement effectué"),
        message=message % {"amount": euros(amount), "title": order.title}, action_url=reverse("billing:home"),
    )
