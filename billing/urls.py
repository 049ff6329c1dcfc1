from django.urls import path

from . import document_views, views
from .gateways import simulator_enabled

app_name = "billing"
urlpatterns = [
    path("", views.billing_home, name="home"),
    path("orders/<uuid:pk>/pay/", views.checkout, name="checkout"),
    path("orders/<uuid:pk>/return/", views.checkout_return, name="checkout_return"),
    path("stripe/webhook/", views.webhook, name="webhook"),
    path("invoices/<uuid:pk>/pdf/", document_views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<uuid:pk>/pdf/", document_views.credit_note_pdf, name="credit_note_pdf"),
]

if simulator_enabled():
    # The test checkout exists only in the embedded mode: never with a Stripe
    # key, never with production settings.
    urlpatterns.append(path("simulator/<uuid:payment_pk>/", views.simulator_page, name="simulator"))
