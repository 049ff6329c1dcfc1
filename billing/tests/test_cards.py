"""Saved cards: added through the simulator's signed events or a Stripe
SetupIntent (over HTTP, against the local fake Stripe API), made default,
removed, and used to pay an order off-session."""

import json

import pytest
import stripe
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CorrectorFactory, UserFactory
from billing.models import Customer, Invoice, Payment, PaymentMethod, StripeEvent
from core.testing import page_text
from orders.models import Order

pytestmark = pytest.mark.django_db
WEBHOOK = reverse("billing:webhook")
SIMULATOR_SECRET = "whsec_local_simulator_not_a_real_secret"
STRIPE_SECRET = "whsec_test_fake"
NEXT_YEAR = timezone.localdate().year + 1


def add_card(client, number="4242 4242 4242 4242", month=12, year=NEXT_YEAR):
    return client.post(reverse("billing:card_add"), {"number": number, "exp_month": month, "exp_year": year})


def post_event(client, event, secret=SIMULATOR_SECRET):
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def pay(client, order, card):
    return client.post(reverse("billing:pay_with_card", args=[order.pk]), {"payment_method": card.pk})


@pytest.fixture
def author(client, client_user):
    client.force_login(client_user)
    return client_user


# --- Simulator: adding cards ---------------------------------------------------------

def test_the_4242_test_card_is_saved_from_a_signed_event_and_becomes_default(client, author):
    response = add_card(client)
    assert response.status_code == 302 and response.url == reverse("billing:home")
    card = PaymentMethod.objects.get(user=author)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, NEXT_YEAR)
    assert card.is_default and card.is_active and card.stripe_payment_method_id.startswith("pm_sim_")
    assert StripeEvent.objects.get(type="setup_intent.succeeded").outcome == "card_saved"
    # Only Stripe ids and display data: the number is nowhere, in the row or the events.
    stored = json.dumps(model_to_dict(card), default=str) + json.dumps(list(StripeEvent.objects.values("payload")))
    assert "4242424242424242" not in stored and "4242 4242 4242 4242" not in stored
    page = page_text(client.get(reverse("billing:home")))
    assert "Mes cartes" in page and "Visa •••• 4242" in page and f"12/{NEXT_YEAR}" in page and "Par défaut" in page


def test_a_second_card_is_not_default_until_chosen(client, author):
    add_card(client)
    add_card(client, "5555 5555 5555 4444", month=3)
    visa, mastercard = PaymentMethod.objects.order_by("created_at")
    assert (mastercard.brand, mastercard.last4, mastercard.is_default) == ("mastercard", "4444", False)
    assert f"03/{NEXT_YEAR}" in page_text(client.get(reverse("billing:home")))

    response = client.post(reverse("billing:card_set_default", args=[mastercard.pk]))
    assert response.status_code == 302
    visa.refresh_from_db()
    mastercard.refresh_from_db()
    assert mastercard.is_default and not visa.is_default


def test_removing_the_default_card_promotes_the_newest_other(client, author):
    add_card(client)
    add_card(client, "5555 5555 5555 4444")
    visa, mastercard = PaymentMethod.objects.order_by("created_at")
    response = client.post(reverse("billing:card_remove", args=[visa.pk]), follow=True)
    assert "est supprimée" in page_text(response)
    visa.refresh_from_db()
    mastercard.refresh_from_db()
    assert not visa.is_active and not visa.is_default and mastercard.is_default
    assert "Visa •••• 4242" not in page_text(client.get(reverse("billing:home")))


def test_the_refused_test_card_is_not_saved(client, author):
    response = add_card(client, "4000 0000 0000 9995")
    assert response.status_code == 200
    assert "Votre carte a été refusée" in page_text(response)
    assert not PaymentMethod.objects.exists() and not StripeEvent.objects.exists()


@pytest.mark.parametrize(("number", "month", "year", "error"), [
    ("4111 1111 1111 1111", 12, NEXT_YEAR, "cartes de test"),
    ("4242 4242 4242 4242", 1, NEXT_YEAR - 2, "Cette carte est expirée."),
    ("4242 4242 4242 4242", 13, NEXT_YEAR, "inférieure ou égale à 12"),
    ("4242 4242 4242 4242", 12, NEXT_YEAR + 40, "n'est pas valable"),
])
def test_the_test_card_form_explains_its_refusals_in_french(client, author, number, month, year, error):
    response = add_card(client, number, month, year)
    assert response.status_code == 200 and error in page_text(response)
    assert not PaymentMethod.objects.exists()


def test_only_clients_add_cards(client):
    assert client.get(reverse("billing:card_add")).status_code == 302  # to the login page
    client.force_login(CorrectorFactory())
    assert client.get(reverse("billing:card_add")).status_code == 403


def test_another_users_card_urls_answer_404(client, author, make_order):
    add_card(client)
    card = PaymentMethod.objects.get()
    order = make_order()
    stranger = UserFactory()
    own_order = make_order(client=stranger)
    client.force_login(stranger)
    assert client.post(reverse("billing:card_set_default", args=[card.pk])).status_code == 404
    assert client.post(reverse("billing:card_remove", args=[card.pk])).status_code == 404
    # Someone else's order; my own order with someone else's card.
    assert client.get(reverse("billing:pay_with_card", args=[order.pk])).status_code == 404
    assert pay(client, order, card).status_code == 404
    mine = own_order
    assert pay(client, mine, card).status_code == 404
    assert client.post(reverse("billing:pay_with_card", args=[mine.pk]), {"payment_method": "nope"}).status_code == 404
    card.refresh_from_db()
    assert card.is_active and card.is_default
    assert not Payment.objects.exists()


# --- Simulator: paying with a saved card -----------------------------------------------

def test_paying_with_the_saved_card_marks_the_order_paid_and_issues_the_invoice(client, author, make_order):
    add_card(client)
    card = PaymentMethod.objects.get()
    order = make_order()
    assert reverse("billing:pay_with_card", args=[order.pk]) in page_text(client.get(order.get_absolute_url()))
    assert reverse("billing:payment", args=[order.pk]) in page_text(client.get(reverse("billing:home")))
    # The cards are offered on the payment step, after the recap.
    choice = client.get(reverse("billing:pay_with_card", args=[order.pk]), follow=True)
    assert choice.redirect_chain == [(reverse("billing:payment", args=[order.pk]), 302)]
    assert "Payer avec Visa •••• 4242" in page_text(choice)

    response = pay(client, order, card)
    assert response.status_code == 302 and response.url.startswith(reverse("billing:checkout_return", args=[order.pk]))
    assert "Paiement reçu" in page_text(client.get(response.url, follow=True))
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == Order.Status.PAYEE and order.amount == order.price
    assert payment.status == Payment.Status.SUCCEEDED and payment.method_label == "Visa •••• 4242"
    assert payment.payment_intent_id.startswith("pi_sim_") and payment.amount_received == order.price
    assert Invoice.objects.get(order=order).payment_method == "Visa •••• 4242"
    assert StripeEvent.objects.get(type="payment_intent.succeeded").outcome == "paid"
    # Paid: no second charge.
    again = pay(client, order, card)
    assert again.status_code == 302 and order.payments.count() == 1


def test_a_card_refused_at_payment_leaves_the_order_payable(client, author, make_order):
    add_card(client, "4000 0000 0000 0341")  # saved, then every payment is declined
    card = PaymentMethod.objects.get()
    order = make_order()
    response = pay(client, order, card)
    assert response.url == reverse("billing:payment", args=[order.pk])
    assert "Votre carte Visa •••• 0341 a été refusée" in page_text(client.get(response.url))
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == Order.Status.EN_ATTENTE
    assert payment.status == Payment.Status.FAILED and payment.failure_message
    assert StripeEvent.objects.get(type="payment_intent.payment_failed").outcome == "already_recorded"
    assert not Invoice.objects.exists()
    # Another card pays it.
    add_card(client)
    pay(client, order, PaymentMethod.objects.get(last4="4242"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE


# --- Webhooks ----------------------------------------------------------------------

def detached_event(card, event_id="evt_detached_1"):
    return {"id": event_id, "object": "event", "type": "payment_method.detached", "data": {"object": {
        "id": card.stripe_payment_method_id, "object": "payment_method", "customer": None, "metadata": {},
    }}}


def test_a_detached_payment_method_is_deactivated(client, author):
    add_card(client)
    add_card(client, "5555 5555 5555 4444")
    visa, mastercard = PaymentMethod.objects.order_by("created_at")
    assert post_event(client, detached_event(visa)).status_code == 200
    assert StripeEvent.objects.get(event_id="evt_detached_1").outcome == "detached"
    visa.refresh_from_db()
    mastercard.refresh_from_db()
    assert not visa.is_active and not visa.is_default and mastercard.is_default
    post_event(client, detached_event(visa, "evt_detached_2"))
    assert StripeEvent.objects.get(event_id="evt_detached_2").outcome == "already_recorded"
    unknown = detached_event(visa, "evt_detached_3")
    unknown["data"]["object"]["id"] = "pm_someone_else"
    post_event(client, unknown)
    assert StripeEvent.objects.get(event_id="evt_detached_3").outcome == "unknown_payment_method"


def setup_event(user, pm_id, event_id, source="staka-livres"):
    return {"id": event_id, "object": "event", "type": "setup_intent.succeeded", "data": {"object": {
        "id": "seti_1", "object": "setup_intent", "status": "succeeded", "payment_method": pm_id,
        "metadata": {"source": source, "user_id": str(user.pk)},
    }}}


def test_setup_events_are_recorded_once_per_card_and_only_ours(client, client_user):
    pm_id = "pm_sim_visa_4242_122040_abc"
    post_event(client, setup_event(client_user, pm_id, "evt_1"))
    post_event(client, setup_event(client_user, pm_id, "evt_2"))  # another event, the same card
    post_event(client, setup_event(client_user, "pm_sim_visa_4242_122040_def", "evt_3", source="another-shop"))
    assert PaymentMethod.objects.get().stripe_payment_method_id == pm_id
    assert list(StripeEvent.objects.order_by("event_id").values_list("outcome", flat=True)) == [
        "card_saved", "already_recorded", "foreign",
    ]


# --- Stripe, over HTTP against the fake API -------------------------------------------------



def stripe_card(user, pm_id="pm_fake_visa", **fields):
    Customer.objects.get_or_create(user=user, defaults={"stripe_customer_id": "cus_fake_author"})
    fields = {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": NEXT_YEAR, "is_default": True, **fields}
    return PaymentMethod.objects.create(user=user, stripe_payment_method_id=pm_id, **fields)


def test_the_card_page_creates_the_customer_once_and_a_setup_intent(client, author, stripe_mode):
    first = client.get(reverse("billing:card_add"))
    client.get(reverse("billing:card_add"))
    (customer_params,) = stripe_mode.calls("/v1/customers")
    assert customer_params["email"] == author.email and customer_params["metadata"]["user_id"] == str(author.pk)
    customer = Customer.objects.get(user=author)
    intents = stripe_mode.calls("/v1/setup_intents")
    assert len(intents) == 2
    assert intents[0]["customer"] == customer.stripe_customer_id and intents[0]["usage"] == "off_session"
    assert intents[0]["metadata"] == {"source": "staka-livres", "user_id": str(author.pk)}
    html = first.content.decode()
    assert 'src="https://js.stripe.com/v3/"' in html and "js/stripe-cards.js" in html
    assert 'data-publishable-key="pk_test_fake"' in html and "_secret_fake" in html
    assert "<script>" not in html  # nothing inline: our JS reads the data- attributes


def test_only_the_stripe_card_page_relaxes_the_csp(client, author, stripe_mode, settings):
    policy = dict(
        part.strip().split(" ", 1) for part in client.get(reverse("billing:card_add"))["Content-Security-Policy"].split(";")
    )
    assert "https://js.stripe.com" in policy["script-src"] and "'self'" in policy["script-src"]
    assert "https://js.stripe.com" in policy["frame-src"] and "https://api.stripe.com" in policy["connect-src"]
    assert "js.stripe.com" not in client.get(reverse("billing:home"))["Content-Security-Policy"]
    settings.STRIPE_SECRET_KEY = ""  # the simulator's test-card page loads nothing from Stripe
    assert "js.stripe.com" not in client.get(reverse("billing:card_add"))["Content-Security-Policy"]


def test_a_stripe_setup_event_fetches_the_card_and_makes_it_the_default(client, client_user, stripe_mode):
    Customer.objects.create(user=client_user, stripe_customer_id="cus_fake_author")
    assert post_event(client, setup_event(client_user, "pm_fake_new", "evt_s1"), STRIPE_SECRET).status_code == 200
    assert [path for method, path, _ in stripe_mode.requests if method == "GET"] == ["/v1/payment_methods/pm_fake_new"]
    card = PaymentMethod.objects.get()
    assert (card.brand, card.last4, card.exp_month, card.exp_year, card.fingerprint) == ("visa", "4242", 12, 2034, "fp_fake4242")
    assert card.is_default
    # Stripe's default follows ours.
    (update,) = stripe_mode.calls("/v1/customers/cus_fake_author")
    assert update["invoice_settings"]["default_payment_method"] == "pm_fake_new"


def test_default_and_removal_go_to_stripe(client, author, stripe_mode):
    visa = stripe_card(author)
    other = stripe_card(author, "pm_fake_other", is_default=False, last4="1881")
    client.post(reverse("billing:card_set_default", args=[other.pk]))
    (update,) = stripe_mode.calls("/v1/customers/cus_fake_author")
    assert update == {"invoice_settings": {"default_payment_method": "pm_fake_other"}}
    client.post(reverse("billing:card_remove", args=[other.pk]))
    assert stripe_mode.calls("/v1/payment_methods/pm_fake_other/detach") == [{}]
    other.refresh_from_db()
    visa.refresh_from_db()
    assert not other.is_active and visa.is_default


def test_a_saved_card_payment_is_an_off_session_payment_intent_confirmed_by_the_webhook(client, author, stripe_mode, make_order):
    card = stripe_card(author)
    order = make_order(urgent=True)
    response = pay(client, order, card)
    assert response.status_code == 302
    (params,) = stripe_mode.calls("/v1/payment_intents")
    payment = order.payments.get()
    assert params["amount"] == str(order.price) and params["currency"] == "eur"
    assert (params["customer"], params["payment_method"]) == ("cus_fake_author", "pm_fake_visa")
    assert params["off_session"] == "true" and params["confirm"] == "true"
    assert params["metadata"] == {
        "order_id": str(order.pk), "payment_id": str(payment.pk), "source": "staka-livres", "flow": "saved_card",
        "method_label": "Visa •••• 4242",
    }
    # Nothing is paid until Stripe's signed webhook says so...
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE and payment.payment_intent_id.startswith("pi_fake")
    # ...and a double click does not charge the card twice.
    assert "déjà en cours" in page_text(client.get(pay(client, order, card).url))
    assert len(stripe_mode.calls("/v1/payment_intents")) == 1
    event = {"id": "evt_pi_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {
        "id": payment.payment_intent_id, "object": "payment_intent", "status": "succeeded",
        "amount_received": order.price, "metadata": params["metadata"],
    }}}
    post_event(client, event, STRIPE_SECRET)
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE and Invoice.objects.filter(order=order).exists()


def test_authentication_required_falls_back_to_checkout(client, author, stripe_mode, make_order):
    card = stripe_card(author)
    order = make_order()
    stripe_mode.require_authentication = True
    response = pay(client, order, card)
    assert response.status_code == 302 and response.url.startswith("https://checkout.stripe.com/")
    saved_card_payment, checkout_payment = order.payments.order_by("created_at")
    assert saved_card_payment.status == Payment.Status.FAILED and saved_card_payment.payment_intent_id
    assert checkout_payment.status == Payment.Status.PENDING and checkout_payment.checkout_session_id
    assert len(stripe_mode.calls("/v1/checkout/sessions")) == 1
    assert "confirmer ce paiement" in page_text(client.get(reverse("billing:home")))


def test_a_card_stripe_declines_leaves_the_order_payable(client, author, stripe_mode, make_order):
    card = stripe_card(author)
    order = make_order()
    stripe_mode.decline_cards = True
    response = pay(client, order, card)
    assert response.url == reverse("billing:payment", args=[order.pk])
    assert "a été refusée" in page_text(client.get(response.url))
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == Order.Status.EN_ATTENTE
    assert payment.status == Payment.Status.FAILED and "declined" in payment.failure_message


def test_removing_a_card_another_click_already_removed_says_so(client, author, stripe_mode):
    """The second click of a double click: Stripe answers that the card is no
    longer attached; the card is gone here too, so the same page, no error."""
    card = stripe_card(author)
    client.post(reverse("billing:card_remove", args=[card.pk]))
    stripe_mode.faults["/v1/payment_methods/"] = "error"
    from billing.cards import card_remove

    card_remove(payment_method=card, by=author)  # the stale copy a racing request holds: no error
    response = client.post(reverse("billing:card_remove", args=[card.pk]), follow=True)
    assert response.status_code == 200 and "Cette carte est déjà supprimée." in page_text(response)


def test_the_billing_page_shows_a_new_default_card_at_once(client, author):
    """The default is moved by bare UPDATEs: they drop the cached page themselves."""
    add_card(client)
    add_card(client, "5555 5555 5555 4444", month=3)
    assert [card.is_default for card in client.get(reverse("billing:home")).context["cards"]] == [True, False]
    mastercard = PaymentMethod.objects.get(last4="4444")
    client.post(reverse("billing:card_set_default", args=[mastercard.pk]))
    cards = client.get(reverse("billing:home")).context["cards"]
    assert [(card.last4, card.is_default) for card in cards] == [("4444", True), ("4242", False)]


def test_an_anonymised_account_shows_no_card_at_once(client, author):
    """Anonymisation deactivates the cards with a bare UPDATE: it drops the cached page itself."""
    from billing.personal_data import anonymise_billing

    add_card(client)
    assert len(client.get(reverse("billing:home")).context["cards"]) == 1
    anonymise_billing(author)
    assert client.get(reverse("billing:home")).context["cards"] == []
