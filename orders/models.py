import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Service(models.Model):
    """What a client can order (the legacy `tarifs` table)."""

    class Pricing(models.TextChoices):
        FIXED = "FIXED", _("Forfait")
        PER_PAGE = "PER_PAGE", _("À la page")

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=255, unique=True)
    description = models.TextField(_("description"))
    kind = models.CharField(_("type de service"), max_length=100, help_text=_("Correction, Mise en forme, Rédaction…"))
    pricing = models.CharField(_("tarification"), max_length=10, choices=Pricing.choices, default=Pricing.PER_PAGE)
    # Cents. A fixed pack's price, or the per-page price of pages 11–300.
    price = models.PositiveIntegerField(_("prix"))
    reduced_unit_price = models.PositiveIntegerField(
        _("prix réduit par page au-delà de 300"), default=100
    )
    needs_page_verification = models.BooleanField(
        _("pages vérifiées avant devis"), default=False,
        help_text=_("Le prix définitif est fixé après vérification du manuscrit par l'équipe."),
    )
    estimated_duration = models.CharField(_("durée estimée"), max_length=100, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    display_order = models.PositiveIntegerField(_("ordre d'affichage"), default=0)
    stripe_product_id = models.CharField(_("produit Stripe"), max_length=255, blank=True)
    stripe_price_id = models.CharField(_("prix Stripe"), max_length=255, blank=True)
    # The amount the Stripe price was created with: a change means a new price.
    stripe_price_amount = models.PositiveIntegerField(_("montant du prix Stripe"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services et tarifs")
        ordering = ["display_order", "name"]
        indexes = [
            models.Index(fields=["is_active", "display_order"], name="services_active_order_idx"),
            models.Index(fields=["kind"], name="services_kind_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_per_page(self):
        return self.pricing == self.Pricing.PER_PAGE


class Order(models.Model):
    """A client's project (the legacy `commandes` table)."""

    class Status(models.TextChoices):
        EN_ATTENTE = "EN_ATTENTE", _("En attente de paiement")
        EN_ATTENTE_VERIFICATION = "EN_ATTENTE_VERIFICATION", _("Vérification des pages")
        ESTIMATION_ENVOYEE = "ESTIMATION_ENVOYEE", _("Devis à accepter")
        PAYEE = "PAYEE", _("Payée, en attente d'un correcteur")
        EN_COURS = "EN_COURS", _("En cours de correction")
        LIVREE = "LIVREE", _("Livrée, à valider")
        TERMINE = "TERMINE", _("Terminée")
        ANNULEE = "ANNULEE", _("Annulée")
        SUSPENDUE = "SUSPENDUE", _("Suspendue")

    class Priority(models.TextChoices):
        FAIBLE = "FAIBLE", _("Faible")
        NORMALE = "NORMALE", _("Normale")
        HAUTE = "HAUTE", _("Haute")
        URGENTE = "URGENTE", _("Urgente")

    FINAL_STATUSES = (Status.TERMINE, Status.ANNULEE)
    ACTIVE_STATUSES = (Status.PAYEE, Status.EN_COURS, Status.LIVREE, Status.SUSPENDUE)
    AWAITING_STATUSES = (Status.EN_ATTENTE, Status.EN_ATTENTE_VERIFICATION, Status.ESTIMATION_ENVOYEE)
    class PaymentStatus(models.TextChoices):
        PENDING = "pending", _("En attente du paiement")
        SUCCEEDED = "succeeded", _("Payée")
        FREE = "free", _("Offerte (0 €)")

    # payment_status of a 0 € order: it never had a payment (nor an invoice).
    PAYMENT_STATUS_FREE = PaymentStatus.FREE

    id = models.UUIDField(_("identifiant"), primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("client")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("service")
    )
    corrector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="assigned_orders", verbose_name=_("correcteur"),
    )
    title = models.CharField(_("titre"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("statut"), max_length=30, choices=Status.choices, default=Status.EN_ATTENTE)
    # Where a suspended order goes back to.
    status_before_suspension = models.CharField(
        _("statut avant la suspension"), max_length=30, choices=Status.choices, blank=True
    )
    client_note = models.TextField(_("note du client"), blank=True)
    corrector_note = models.TextField(_("note du correcteur"), blank=True, help_text=_("Jamais montrée au client."))
    priority = models.CharField(_("priorité"), max_length=10, choices=Priority.choices, default=Priority.NORMALE)
    urgent = models.BooleanField(_("livraison urgente"), default=False)
    wished_deadline = models.DateField(_("échéance souhaitée"), null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    declared_pages = models.PositiveIntegerField(_("pages déclarées"), null=True, blank=True)
    verified_pages = models.PositiveIntegerField(_("pages vérifiées"), null=True, blank=True)
    # Cents; computed by the server only (orders.pricing).
    estimated_price = models.PositiveIntegerField(_("prix estimé"), null=True, blank=True)
    final_price = models.PositiveIntegerField(_("prix définitif"), null=True, blank=True)
    amount = models.PositiveIntegerField(_("montant payé"), null=True, blank=True)
    payment_status = models.CharField(
        _("statut du paiement"), max_length=50, choices=PaymentStatus.choices, blank=True
    )
    stripe_session_id = models.CharField(_("session de paiement Stripe"), max_length=255, blank=True)
    revision_count = models.PositiveSmallIntegerField(_("révisions demandées"), default=0)
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("livrée le"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    overdue_announced_at = models.DateTimeField(_("retard signalé le"), null=True, blank=True, editable=False)
    # The CGV version the client accepted with the order form, and when: that
    # text stays readable (cms keeps every revision). Empty for orders made by
    # the system (demo data, imported legacy orders), which nobody accepted.
    terms_revision = models.ForeignKey(
        "cms.PageRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("CGV acceptées"), editable=False,
    )
    terms_accepted_at = models.DateTimeField(_("CGV acceptées le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at"]
        indexes = [
            # Ascending, read backwards: newest first with the id tie-break (see AuditLog's indexes).
            models.Index(fields=["client", "created_at"], name="orders_client_created_idx"),
            models.Index(fields=["status"], name="orders_status_idx"),
            models.Index(fields=["priority"], name="orders_priority_idx"),
            models.Index(fields=["created_at"], name="orders_created_idx"),
            models.Index(fields=["corrector", "status", "due_date"], name="orders_corrector_queue_idx"),
            models.Index(fields=["status", "due_date"], name="orders_status_due_idx"),
            # The staff board's "Pages à vérifier", oldest first, read in index order.
            models.Index(fields=["status", "created_at"], name="orders_status_created_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # Also the admin's "Voir sur le site": staff assign and quote there.
        return reverse("orders:detail", args=[self.pk])

    @property
    def pages(self):
        return self.verified_pages or self.declared_pages

    @property
    def price(self):
        """What the client pays (cents): the verified price once there is one."""
        return self.final_price if self.final_price is not None else self.estimated_price

    @property
    def is_free(self):
        """0 €: ten pages or fewer of a per-page service, or a quote at 0 €."""
        return self.price == 0

    @property
    def status_label(self):
        """The status as people read it (the stored value stays the legacy
        one): a 0 € order in the queue was never "payée", and an order given
        to a corrector no longer waits for one."""
        if self.status == self.Status.PAYEE:
            if self.corrector_id is not None:
                return _("Correcteur désigné")
            if self.payment_status == self.PAYMENT_STATUS_FREE:
                return _("Offerte, en attente d'un correcteur")
        return self.get_status_display()

    @property
    def progress_percent(self):
        """The progress bar: nothing before payment (or for a cancelled
        order), then paid 30, in progress 50, delivered 90, done 100."""
        return PROGRESS_PERCENT.get(self.status, 0)

    @property
    def is_overdue(self):
        """Past its due date and not delivered yet."""
        return (
            self.status in (self.Status.PAYEE, self.Status.EN_COURS)
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def is_final(self):
        return self.status in self.FINAL_STATUSES


PROGRESS_PERCENT = {
    # Before payment the work has not begun: no bar (the legacy system showed 5–25 %).
    Order.Status.EN_ATTENTE_VERIFICATION: 0, Order.Status.ESTIMATION_ENVOYEE: 0, Order.Status.EN_ATTENTE: 0,
    Order.Status.PAYEE: 30, Order.Status.EN_COURS: 50, Order.Status.SUSPENDUE: 50, Order.Status.LIVREE: 90,
    Order.Status.TERMINE: 100, Order.Status.ANNULEE: 0,
}


class OrderEvent(models.Model):
    """One line of an order's history: a status change, an assignment, a note."""

    class Kind(models.TextChoices):
        CREATED = "CREATED", _("Création")
        STATUS = "STATUS", _("Changement de statut")
        ASSIGNMENT = "ASSIGNMENT", _("Affectation")
        QUOTE = "QUOTE", _("Devis")
        FILE = "FILE", _("Fichier")
        EDIT = "EDIT", _("Modification par l'équipe")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("commande"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("auteur"),
    )
    from_status = models.CharField(_("statut de départ"), max_length=30, choices=Order.Status.choices, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=30, choices=Order.Status.choices, blank=True)
    note = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("historique des commandes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_events_order_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.order_id}"


class OrderRating(models.Model):
    """The client's rating of a finished order (1–5 and a comment), given
    once. The corrector who did the work is kept on the row, so staff read
    each corrector's ratings even after a reassignment."""

    SCORES = range(1, 6)

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="rating", verbose_name=_("commande"))
    corrector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="ratings_received", verbose_name=_("correcteur"),
    )
    score = models.PositiveSmallIntegerField(_("note"), choices=[(n, f"{n}/5") for n in SCORES])
    comment = models.TextField(_("commentaire"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("notée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations des clients")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="order_ratings_score_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["corrector", "score"], name="order_ratings_corrector_idx"),
            models.Index(fields=["created_at"], name="order_ratings_created_idx"),
        ]

    def __str__(self):
        return f"{self.score}/5 — {self.order}"
