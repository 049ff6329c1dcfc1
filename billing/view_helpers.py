"""What the billing views share: who may see what, and where to send the browser."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from .models import PaymentMethod
from .payments import PaymentError, payment_start_checkout


def payable_order(request, pk):
    """The order if this browser may pay it — its logged-in client — else 404.
    A visitor pays after confirming the address and logging in: the order
    form's answer never depends on an order existing (no enumeration)."""
    if not request.user.is_authenticated:
        raise Http404
    order = Order.objects.select_related("client", "service").filter(pk=pk, client_id=request.user.pk).first()
    if order is None:
        raise Http404
    return order


def card_for_user(request, pk):
    """The logged-in user's active saved card, else 404."""
    try:
        return PaymentMethod.objects.get(pk=pk, user_id=request.user.pk, is_active=True)
    except (PaymentMethod.DoesNotExist, ValidationError):  # someone else's, removed, or not an id
        raise Http404 from None


def order_page(request, order):
    return order.get_absolute_url()


def billing_address_missing(request, order):
    """A redirect to the payment step while the client's billing address is
    incomplete (an invoice names its buyer with an address), else None."""
    if request.user.has_billing_address:
        return None
    messages.error(request, _("Indiquez d'abord votre adresse de facturation : elle figure sur votre facture."))
    return redirect("billing:payment", pk=order.pk)


def checkout_redirect(request, order):
    """Open a checkout for the order and send the browser there, or back to
    the order with the reason."""
    return_url = request.build_absolute_uri(reverse("billing:checkout_return", args=[order.pk]))
    try:
        url = payment_start_checkout(order=order, success_url=f"{return_url}?paid=1", cancel_url=return_url)
    except PaymentError as error:
        messages.error(request, error.messages[0])
        return redirect(order_page(request, order))
    return redirect(url)
