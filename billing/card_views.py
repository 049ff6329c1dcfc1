"""Saved cards: add one (Stripe Elements, or the simulator's test-card form),
make it the default, remove it, pay an order with it."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import User

from . import simulator
from .cards import (
    AuthenticationRequired,
    card_remove,
    card_set_default,
    card_setup_start,
    payment_pay_with_saved_card,
)
from .forms import SimulatorCardForm
from .gateways import TEST_CARDS, GatewayError, GatewayNotConfigured, simulator_enabled
from .models import PaymentMethod
from .payments import PaymentError
from .view_helpers import billing_address_missing, card_for_user, checkout_redirect, payable_order

# Stripe.js must be loaded from js.stripe.com (PCI DSS): the card page is the
# one page that relaxes the CSP, for Stripe's script, its frames and its API.
STRIPE_JS_CSP = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


@role_required(User.Role.USER)
def card_add(request):
    if settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY:
        return _card_add_stripe(request)
    if simulator_enabled():
        return _card_add_simulator(request)
    # No provider (or Stripe half configured: `check` warns, production refuses to start).
    messages.error(request, str(GatewayNotConfigured()))
    return redirect("billing:home")


@never_cache  # the page carries the SetupIntent's client secret
@csp_update(STRIPE_JS_CSP)
def _card_add_stripe(request):
    try:
        intent = card_setup_start(user=request.user)
    except PaymentError as error:
        messages.error(request, error.messages[0])
        return redirect("billing:home")
    # The client secret is meant for the browser (Stripe.js confirms the
    # SetupIntent with it); it cannot charge anything.
    return render(request, "billing/cards_add.html", {
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "return_url": request.build_absolute_uri(reverse("billing:card_add_done")),
    })


def _card_add_simulator(request):
    form = SimulatorCardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment_method_id = simulator.confirm_card_setup(user=request.user, **form.cleaned_data)
        except GatewayError:
            form.add_error(None, _("Votre carte a été refusée par votre banque. Essayez une autre carte."))
        else:
            card = PaymentMethod.objects.filter(stripe_payment_method_id=payment_method_id).first()
            if card is None:  # the same card, saved by another submit of this form
                messages.info(request, _("Cette carte est déjà enregistrée."))
            else:
                messages.success(request, _("Votre carte %(card)s est enregistrée.") % {"card": card})
            return redirect("billing:home")
    test_cards = [(" ".join(number[i:i + 4] for i in range(0, 16, 4)), card) for number, card in TEST_CARDS.items()]
    return render(request, "billing/cards_add.html", {"form": form, "test_cards": test_cards})


@role_required(User.Role.USER)
def card_add_done(request):
    """Where Stripe.js sends the browser back. The webhook records the card."""
    status = request.GET.get("redirect_status")
    if status == "succeeded":
        messages.success(request, _("Votre carte est enregistrée ; elle apparaît ici dans quelques instants."))
    elif status == "processing":
        messages.info(request, _("Votre banque vérifie la carte ; elle apparaîtra ici dès qu'elle sera acceptée."))
    else:
        messages.error(request, _("La carte n'a pas été enregistrée. Vous pouvez réessayer."))
    return redirect("billing:home")


@login_required
@require_POST
def card_make_default(request, pk):
    card = card_for_user(request, pk)
    try:
        card_set_default(payment_method=card, by=request.user)
    except PaymentError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(card)s est maintenant votre carte par défaut.") % {"card": card})
    return redirect("billing:home")


@login_required
@require_POST
def card_delete(request, pk):
    try:
        card = card_for_user(request, pk)
    except Http404:
        if not PaymentMethod.objects.filter(pk=pk, user_id=request.user.pk, is_active=False).exists():
            raise
        # A second click (or tab) after the removal: same result, no error page.
        messages.info(request, _("Cette carte est déjà supprimée."))
        return redirect("billing:home")
    try:
        card_remove(payment_method=card, by=request.user)
    except PaymentError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("La carte %(card)s est supprimée.") % {"card": card})
    return redirect("billing:home")


@login_required
def pay_with_card(request, pk):
    """Pay an unpaid order with a saved card (POST); the cards are chosen on the payment step (GET)."""
    order = payable_order(request, pk)
    if request.method == "POST":
        card = card_for_user(request, request.POST.get("payment_method"))
        address_missing = billing_address_missing(request, order)
        if address_missing:
            return address_missing
        try:
            payment_pay_with_saved_card(order=order, payment_method=card, by=request.user)
        except AuthenticationRequired as error:
            messages.info(request, error.messages[0])
            return checkout_redirect(request, order)
        except PaymentError as error:
            messages.error(request, error.messages[0])
            return redirect("billing:payment", pk=order.pk)
        return redirect(f"{reverse('billing:checkout_return', args=[order.pk])}?paid=1")
    # The saved cards are offered on the payment step, after the recap.
    return redirect("billing:payment", pk=order.pk)
