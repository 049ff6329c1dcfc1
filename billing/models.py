"""Payments, legal documents and saved cards.

Invoices and credit notes are never deleted (10-year retention): every
foreign key that points at them, or that they point at, is PROTECT.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class StripeEvent(models.Model):
    """Each webhook event once: the unique id makes a redelivery a no-op."""

    class Outcome(models.TextChoices):
        """What the webhook did with the event (the values the handlers return)."""

        PAID = "paid", _("Paiement enregistré")
        FAILED = "failed", _("Échec de paiement enregistré")
        REFUNDED = "refunded", _("Remboursement enregistré")
        FLAGGED = "flagged", _("Paiement à vérifier")
        CARD_SAVED = "card_saved", _("Carte enregistrée")
        DUPLICATE_CARD = "duplicate_card", _("Carte déjà enregistrée")
        DETACHED = "detached", _("Carte retirée")
        ALREADY_RECORDED = "already_recorded", _("Déjà enregistré")
        DUPLICATE = "duplicate", _("Événement déjà reçu")
        IGNORED = "ignored", _("Ignoré")
        FOREIGN = "foreign", _("Hors de ce site (compte Stripe partagé)")
        UNKNOWN_PAYMENT = "unknown_payment", _("Paiement inconnu")
        UNKNOWN_PAYMENT_METHOD = "unknown_payment_method", _("Carte inconnue")
        UNKNOWN_USER = "unknown_user", _("Client inconnu")

    event_id = models.CharField(_("identifiant de l'événement"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    livemode = models.BooleanField(_("mode réel"), default=False)
    payload = models.JSONField(_("contenu"))
    outcome = models.CharField(_("résultat"), max_length=50, choices=Outcome.choices, blank=True)  # processed / ignored / flagged
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement Stripe")
        verbose_name_plural = _("événements Stripe")
        indexes = [models.Index(fields=["type", "received_at"], name="stripe_events_type_idx")]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Customer(models.Model):
    """The Stripe customer of a user (saved cards live there)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer", verbose_name=_("utilisateur")
    )
    stripe_customer_id = models.CharField(_("identifiant client Stripe"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("client Stripe")
        verbose_name_plural = _("clients Stripe")

    def __str__(self):
        return self.stripe_customer_id


class Payment(models.Model):
    """One attempt to pay an order (a Checkout Session or a PaymentIntent)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("En attente")
        SUCCEEDED = "SUCCEEDED", _("Réussi")
        FAILED = "FAILED", _("Échoué")
        EXPIRED = "EXPIRED", _("Expiré")
        REFUNDED = "REFUNDED", _("Remboursé")
        PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", _("Remboursé en partie")

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        SIMULATOR = "simulator", _("Simulateur")

    class Flow(models.TextChoices):
        CHECKOUT = "checkout", _("Page de paiement")
        SAVED_CARD = "saved_card", _("Carte enregistrée")

    class ReviewKind(models.TextChoices):
        DUPLICATE = "DUPLICATE", _("Double paiement")
        AMOUNT_MISMATCH = "AMOUNT_MISMATCH", _("Montant différent du prix")
        NOT_PAYABLE = "NOT_PAYABLE", _("Commande non payable")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("commande")
    )
    provider = models.CharField(_("prestataire"), max_length=20, choices=Provider.choices)
    # An order has at most one PENDING checkout: opening one expires the others.
    flow = models.CharField(_("parcours"), max_length=20, choices=Flow.choices, default=Flow.CHECKOUT)
    checkout_session_id = models.CharField(
        _("session de paiement"), max_length=255, unique=True, null=True, blank=True
    )
    payment_intent_id = models.CharField(
        _("intention de paiement"), max_length=255, unique=True, null=True, blank=True
    )
    amount = models.PositiveIntegerField(_("montant"))
    amount_received = models.PositiveIntegerField(_("montant reçu"), null=True, blank=True)
    amount_refunded = models.PositiveIntegerField(_("montant remboursé"), default=0)
    # The provider's ids of the refunds already counted in amount_refunded:
    # a refund is recorded once, whoever reports it (our call, the webhook).
    refund_ids = models.JSONField(_("remboursements enregistrés"), default=list, blank=True)
    # Set while a staff refund is at the provider (payments.payment_refund):
    # a second submit (double click, two tabs) is refused instead of refunding twice.
    refund_started_at = models.DateTimeField(_("remboursement lancé le"), null=True, blank=True, editable=False)
    currency = models.CharField(_("devise"), max_length=3, default="eur")
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PENDING)
    method_label = models.CharField(_("moyen de paiement"), max_length=100, blank=True)  # "Visa •••• 4242"
    failure_message = models.TextField(_("motif de l'échec"), blank=True)
    # Set when the money does not match the order (or arrives twice): staff decide.
    needs_review = models.BooleanField(_("à vérifier"), default=False)
    review_kind = models.CharField(_("anomalie"), max_length=20, choices=ReviewKind.choices, blank=True)
    review_reason = models.TextField(_("détail de l'anomalie"), blank=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["order", "status"], name="payments_order_status_idx"),
            models.Index(fields=["needs_review"], name="payments_review_idx"),
        ]

    def __str__(self):
        return f"{self.amount / 100:.2f} € — {self.get_status_display()}"



class DocumentCounter(models.Model):
    """The last number of a yearly series (FACT-2026-0042). Locked with
    SELECT ... FOR UPDATE by the transaction that issues the document, so the
    series has no gap and no duplicate however many payments land at once."""

    prefix = models.CharField(_("préfixe"), max_length=10)  # FACT, AVOIR
    year = models.PositiveSmallIntegerField(_("année"))
    last_number = models.PositiveIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("compteur de numérotation")
        verbose_name_plural = _("compteurs de numérotation")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="document_counter_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        GENERATED = "GENERATED", _("Générée")
        SENT = "SENT", _("Envoyée")
        PAID = "PAID", _("Payée")
        OVERDUE = "OVERDUE", _("En retard")
        CANCELLED = "CANCELLED", _("Annulée")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="invoice", verbose_name=_("commande")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices", verbose_name=_("paiement")
    )
    number = models.CharField(_("numéro"), max_length=50, unique=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.GENERATED)
    amount_ht = models.PositiveIntegerField(_("montant HT"))
    vat_amount = models.PositiveIntegerField(_("TVA"))
    amount_ttc = models.PositiveIntegerField(_("montant TTC"))
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(_("franchise de TVA (art. 293 B du CGI)"), default=False)
    # Snapshots: the invoice says what was true when it was issued, whatever
    # happens to the account (anonymisation) or the settings later.
    seller = models.JSONField(_("vendeur"))
    buyer = models.JSONField(_("acheteur"))
    lines = models.JSONField(_("lignes"))
    payment_method = models.CharField(_("moyen de paiement"), max_length=100, blank=True)
    pdf = models.FileField(_("PDF"), max_length=500, blank=True)
    issued_at = models.DateTimeField(_("émise le"))
    due_at = models.DateTimeField(_("échéance"))
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="invoices_status_due_idx"),
            models.Index(fields=["issued_at"], name="invoices_issued_idx"),
        ]

    def __str__(self):
        return self.number


class CreditNote(models.Model):
    """An avoir: cancels all or part of an invoice (refunds)."""

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("facture"))
    number = models.CharField(_("numéro"), max_length=50, unique=True)
    amount_ht = models.PositiveIntegerField(_("montant HT"))
    vat_amount = models.PositiveIntegerField(_("TVA"))
    amount_ttc = models.PositiveIntegerField(_("montant TTC"))
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(_("franchise de TVA (art. 293 B du CGI)"), default=False)
    seller = models.JSONField(_("vendeur"))
    buyer = models.JSONField(_("acheteur"))
    reason = models.TextField(_("motif"), blank=True)
    # The provider's refund id: a refund is recorded once, whoever reports it.
    refund_id = models.CharField(_("remboursement"), max_length=255, unique=True, null=True, blank=True)
    pdf = models.FileField(_("PDF"), max_length=500, blank=True)
    issued_at = models.DateTimeField(_("émis le"))
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avoir")
        verbose_name_plural = _("avoirs")
        ordering = ["-issued_at"]

    def __str__(self):
        return self.number


class PaymentMethod(models.Model):
    """A saved card: Stripe ids and what a person needs to recognise it —
    never the card number."""

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_methods", verbose_name=_("utilisateur")
    )
    stripe_payment_method_id = models.CharField(_("identifiant de carte Stripe"), max_length=255, unique=True)
    brand = models.CharField(_("réseau"), max_length=50)
    last4 = models.CharField(_("4 derniers chiffres"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("mois d'expiration"))
    exp_year = models.PositiveSmallIntegerField(_("année d'expiration"))
    fingerprint = models.CharField(_("empreinte de la carte"), max_length=255, blank=True)
    is_default = models.BooleanField(_("par défaut"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("carte enregistrée")
        verbose_name_plural = _("cartes enregistrées")
        indexes = [models.Index(fields=["user", "is_active"], name="payment_methods_user_idx")]

    def __str__(self):
        return f"{self.brand.capitalize()} •••• {self.last4}"
