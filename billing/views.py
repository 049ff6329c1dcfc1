import logging

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.forms import BillingAddressForm
from accounts.services import user_update_profile
from orders.models import Order

from . import simulator
from .gateways import simulator_enabled
from .models import Payment
from .payments import MalformedEvent, WebhookNotConfigured, webhook_receive
from .selectors import billing_overview, billing_overview_first_page, payment_recap, saved_cards
from .view_helpers import billing_address_missing, checkout_redirect, order_page, payable_order

logger = logging.getLogger(__name__)


@login_required
def payment_step(request, pk):
    """The payment step: the recap (lines, HT/TVA/TTC, delivery estimate),
    the billing address — asked for here while it is incomplete — then
    "Payer" and, if the client has any, their saved cards."""
    order = payable_order(request, pk)
    if order.status != Order.Status.EN_ATTENTE or not order.price:
        return redirect(order_page(request, order))
    user = request.user
    editing = request.method == "POST" or not user.has_billing_address or request.GET.get("adresse") == "modifier"
    form = BillingAddressForm(request.POST or None, instance=user) if editing else None
    if request.method == "POST":
        if form.is_valid():
            user_update_profile(user=user, **form.cleaned_data)
            messages.success(request, _("Votre adresse de facturation est enregistrée."))
            return redirect("billing:payment", pk=order.pk)
        user.refresh_from_db()  # the rejected values stay in the form, not on the page's header
    return render(request, "billing/payment.html", {
        "order": order, "recap": payment_recap(order=order), "address_form": form,
        "cards": saved_cards(user=user) if user.is_client and not editing else [],
    })


@require_POST
def checkout(request, pk):
    order = payable_order(request, pk)
    return billing_address_missing(request, order) or checkout_redirect(request, order)


def checkout_return(request, pk):
    """Back from the checkout. Only the webhook marks an order paid; this page
    just says where things stand."""
    order = payable_order(request, pk)
    if request.GET.get("paid") and order.status == Order.Status.EN_ATTENTE:
        messages.info(request, _("Merci ! Votre paiement est en cours de confirmation."))
    elif order.paid_at:
        messages.success(request, _("Paiement reçu, merci ! Votre facture vous est envoyée par e-mail."))
    else:
        messages.warning(request, _("Le paiement n'a pas été effectué. Vous pouvez réessayer quand vous voulez."))
    return redirect(order_page(request, order))


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates it
@require_POST
def webhook(request):
    try:
        webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except WebhookNotConfigured as error:
        logger.error("webhook refused: %s", error)
        return HttpResponseBadRequest("webhooks are not configured")
    except MalformedEvent as error:
        # Signed by the provider, so worth a look: logged with the reason.
        logger.error("webhook refused, malformed event: %s", error)
        return HttpResponseBadRequest("malformed event")
    except (ValueError, stripe.SignatureVerificationError) as error:
        logger.warning("webhook refused: %s", type(error).__name__)
        return HttpResponseBadRequest("invalid payload or signature")
    return HttpResponse("ok")


def simulator_page(request, payment_pk):
    """The "Paiement de test" page (embedded mode only)."""
    if not simulator_enabled():
        raise Http404
    payment = get_object_or_404(Payment.objects.select_related("order"), pk=payment_pk, provider=Payment.Provider.SIMULATOR)
    # Only the payer (or staff) may accept or decline: anyone else gets 404.
    order = payment.order if request.user.is_authenticated and request.user.is_admin else payable_order(
        request, payment.order_id
    )
    if request.method == "POST" and payment.status == Payment.Status.PENDING:
        outcome = request.POST.get("outcome")
        return_url = reverse("billing:checkout_return", args=[order.pk])
        if outcome == "accept":
            simulator.deliver(simulator.card_accepted_event(payment))
            return redirect(f"{return_url}?paid=1")
        if outcome == "decline":
            simulator.deliver(simulator.card_declined_event(payment))
            messages.error(request, simulator.DECLINED_MESSAGE)
            return redirect(order_page(request, order))
        return redirect(return_url)
    return render(request, "billing/simulator.html", {"payment": payment, "order": order})


@login_required
def billing_home(request):
    """The client's invoices (by pages: keyset, they only grow), credit notes,
    unpaid orders, saved cards and yearly spending; from the cache when no
    invoice page is asked for (the usual visit)."""
    if request.GET:
        context = billing_overview(user=request.user, query=request.GET)
    else:
        context = billing_overview_first_page(user=request.user)
    return render(request, "billing/home.html", context)
