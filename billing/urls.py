from django.urls import path

from . import card_views, document_views, views
from .gateways import simulator_enabled

app_name = "billing"
urlpatterns = [
    path("", views.billing_home, name="home"),
    path("orders/<uuid:pk>/payment/", views.payment_step, name="payment"),
    path("orders/<uuid:pk>/pay/", views.checkout, name="checkout"),
    path("orders/<uuid:pk>/return/", views.checkout_return, name="checkout_return"),
    path("stripe/webhook/", views.webhook, name="webhook"),
    path("invoices/<uuid:pk>/pdf/", document_views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<uuid:pk>/pdf/", document_views.credit_note_pdf, name="credit_note_pdf"),
    path("cards/add/", card_views.card_add, name="card_add"),
    path("cards/add/done/", card_views.card_add_done, name="card_add_done"),
    path("cards/<uuid:pk>/default/", card_views.card_make_default, name="card_set_default"),
    path("cards/<uuid:pk>/remove/", card_views.card_delete, name="card_remove"),
    path("orders/<uuid:pk>/pay-with-card/", card_views.pay_with_card, name="pay_with_card"),
]

if simulator_enabled():
    # The test checkout exists only in the embedded mode: never with a Stripe
    # key, never with production settings.
    urlpatterns.append(path("simulator/<uuid:payment_pk>/", views.simulator_page, name="simulator"))
