"""The billing back office: everything is read-only.

Invoices and credit notes are legal documents kept ten years: nobody adds,
edits or deletes one here; they come from the services (payment, refund).
Payments and Stripe events are records of what the provider said.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import admin_apply
from core.admin_bigtable import BigTableAdminMixin
from core.admin_history import HistoryAdmin
from core.admin_links import RelatedLinksAdminMixin, RelationLookupsAdminMixin, register_relation
from core.admin_money import EuroAdminMixin
from core.admin_readonly import ReadOnlyAdminMixin
from core.templatetags.formatting import euros
from orders.admin import ServiceAdmin
from orders.models import Service

from . import document_views, invoicing
from .models import CreditNote, Customer, DocumentCounter, Invoice, Payment, PaymentMethod, StripeEvent
from .payments import payment_refund, refund_credits_an_invoice
from .stripe_sync import service_sync_to_stripe


class ReadOnlyAdmin(RelationLookupsAdminMixin, ReadOnlyAdminMixin, EuroAdminMixin, admin.ModelAdmin):
    """View only: no add, no change, no delete (and so no "delete selected")."""

    show_full_result_count = False  # no COUNT(*) over a big table


class DocumentAdmin(ReadOnlyAdmin):
    """What invoices and credit notes share: amounts, buyer, PDF."""

    pdf_url_name = ""  # admin URL name of the download view
    export_euro_fields = ("amount_ht", "vat_amount", "amount_ttc")  # CSV exports in euros
    search_fields = ("number", "buyer__name", "buyer__email")
    actions = ["regenerate_pdf"]

    @admin.display(description=_("client"))
    def buyer_name(self, obj):
        return obj.buyer.get("name", "")

    @admin.display(description=_("montant TTC"), ordering="amount_ttc")
    def amount_ttc_display(self, obj):
        return euros(obj.amount_ttc)

    @admin.display(description=_("montant HT"), ordering="amount_ht")
    def amount_ht_display(self, obj):
        return euros(obj.amount_ht)

    @admin.display(description=_("TVA"), ordering="vat_amount")
    def vat_amount_display(self, obj):
        return euros(obj.vat_amount)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse(f"admin:{self.pdf_url_name}", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def get_urls(self):
        download = path(
            "<uuid:pk>/pdf/",
            self.admin_site.admin_view(self.download_view),
            name=self.pdf_url_name,
        )
        return [download, *super().get_urls()]

    def download_view(self, request, pk):
        document = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, document):
            raise PermissionDenied
        return self.pdf_response(document)

    def pdf_response(self, document):
        raise NotImplementedError

    def render_pdf(self, document):
        raise NotImplementedError

    @admin.action(description=_("Régénérer le PDF"))
    def regenerate_pdf(self, request, queryset):
        count = 0
        for document in queryset:
            self.render_pdf(document)
            count += 1
        self.message_user(request, _("%(count)s PDF régénéré(s) : numéros et montants inchangés.") % {"count": count},
                          messages.SUCCESS)


class CreditNoteInline(EuroAdminMixin, admin.TabularInline):
    model = CreditNote
    euro_fields = ("amount_ttc",)
    extra = 0
    can_delete = False
    fields = ("number", "amount_ttc", "reason", "refund_id", "issued_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(RelatedLinksAdminMixin, DocumentAdmin, HistoryAdmin):
    pdf_url_name = "billing_invoice_pdf"
    list_display = ("number", "buyer_name", "amount_ttc_display", "status", "issued_at", "order", "pdf_link")
    list_filter = ("status",)
    list_select_related = ("order",)
    fieldsets = (
        (None, {"fields": ("number", "status", "order", "client_link", "payment", "pdf_link", "related_links")}),
        (_("Montants"), {"fields": ("amount_ht_display", "vat_amount_display", "amount_ttc_display", "vat_rate",
                                    "vat_exempt", "payment_method")}),
        (_("Dates"), {"fields": ("issued_at", "due_at", "sent_at", "paid_at")}),
        (_("Mentions figées à l'émission"), {"fields": ("seller", "buyer", "lines")}),
    )
    readonly_fields = ("pdf_link", "amount_ht_display", "vat_amount_display", "amount_ttc_display", "client_link")
    inlines = [CreditNoteInline]
    actions = [*DocumentAdmin.actions, "resend_invoices"]

    @admin.action(description=_("Renvoyer la facture par e-mail au client"))
    def resend_invoices(self, request, queryset):
        admin_apply(request, queryset, lambda invoice: invoicing.invoice_resend(invoice=invoice, by=request.user, request=request),
                    done=lambda n: ngettext("%(n)s facture remise en envoi.", "%(n)s factures remises en envoi.", n)
                    % {"n": n})

    @admin.display(description=_("compte client"))
    def client_link(self, obj):
        client = obj.order.client
        return format_html('<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[client.pk]), client)

    def pdf_response(self, document):
        return document_views.invoice_pdf_response(invoice=document)

    def render_pdf(self, document):
        invoicing.invoice_render_pdf(invoice=document)


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdmin):
    pdf_url_name = "billing_creditnote_pdf"
    list_display = ("number", "buyer_name", "amount_ttc_display", "invoice", "issued_at", "pdf_link")
    list_select_related = ("invoice",)
    search_fields = (*DocumentAdmin.search_fields, "invoice__number", "refund_id")
    fieldsets = (
        (None, {"fields": ("number", "invoice", "reason", "refund_id", "pdf_link")}),
        (_("Montants"), {"fields": ("amount_ht_display", "vat_amount_display", "amount_ttc_display", "vat_rate",
                                    "vat_exempt")}),
        (_("Dates"), {"fields": ("issued_at",)}),
        (_("Mentions figées à l'émission"), {"fields": ("seller", "buyer")}),
    )
    readonly_fields = ("pdf_link", "amount_ht_display", "vat_amount_display", "amount_ttc_display")

    def pdf_response(self, document):
        return document_views.credit_note_pdf_response(credit_note=document)

    def render_pdf(self, document):
        invoicing.credit_note_render_pdf(credit_note=document)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant à rembourser (€)"), min_value=Decimal("0.01"), decimal_places=2, localize=True
    )
    reason = forms.CharField(label=_("Motif (figure sur l'avoir)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # What was already refunded when the form was shown: the same form
    # submitted twice (double click, two tabs) refunds once.
    refunded_before = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ReviewFilter(admin.SimpleListFilter):
    """The "double paiement" view: flagged payments, those still to settle first."""

    title = _("à vérifier")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("all", _("Tous les paiements signalés")),
            ("todo", _("À traiter (non remboursés)")),
            *[(kind, label) for kind, label in Payment.ReviewKind.choices],
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset.filter(needs_review=True)
        if value == "todo":
            return queryset.filter(needs_review=True, status=Payment.Status.SUCCEEDED)
        if value in Payment.ReviewKind.values:
            return queryset.filter(needs_review=True, review_kind=value)
        return queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    euro_fields = ("amount", "amount_received", "amount_refunded")
    # Fits a 1366 px screen beside the admin's menu: the provider is a filter (and on
    # the payment's page), and long cells wrap (admin_tables.css).
    list_display = ("order", "amount_display", "refunded_display", "status", "review_display",
                    "refund_link", "created_at")
    list_filter = (ReviewFilter, "status", "provider")
    list_select_related = ("order",)
    search_fields = ("=checkout_session_id", "=payment_intent_id", "order__title")

    class Media:
        css = {"all": ("css/admin_tables.css",)}

    @admin.display(description=_("à vérifier"), ordering="needs_review")
    def review_display(self, obj):
        if not obj.needs_review:
            return "—"
        return format_html('<strong title="{}">⚠ {}</strong>', obj.review_reason,
                           obj.get_review_kind_display() or _("à vérifier"))

    @admin.display(description=_("montant"), ordering="amount")
    def amount_display(self, obj):
        return euros(obj.amount)

    @admin.display(description=_("remboursé"))
    def refunded_display(self, obj):
        return euros(obj.amount_refunded) if obj.amount_refunded else "—"

    @admin.display(description=_("remboursement"))
    def refund_link(self, obj):
        if obj.status not in (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED):
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:billing_payment_refund", args=[obj.pk]), _("Rembourser"))

    def get_urls(self):
        return [
            path("<uuid:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="billing_payment_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request, pk):
        """Refund all or part of a payment: the provider first, then a credit note."""
        payment = get_object_or_404(Payment.objects.select_related("order"), pk=pk)
        refundable = (payment.amount_received or 0) - payment.amount_refunded
        form = RefundForm(request.POST or None, initial={"amount": Decimal(refundable) / 100,
                                                        "refunded_before": payment.amount_refunded})
        if request.method == "POST" and form.is_valid():
            try:
                payment_refund(payment=payment, amount=int(form.cleaned_data["amount"] * 100), by=request.user,
                               reason=form.cleaned_data["reason"], refunded_before=form.cleaned_data["refunded_before"],
                               request=request)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Remboursement effectué ; l'avoir est envoyé au client."), messages.SUCCESS)
                return redirect("admin:billing_payment_changelist")
        context = {**self.admin_site.each_context(request), "title": _("Rembourser"), "payment": payment,
                   "refundable": refundable, "form": form, "opts": self.model._meta,
                   "has_invoice": refund_credits_an_invoice(payment=payment)}
        return render(request, "admin/billing/payment/refund.html", context)


@admin.register(StripeEvent)
class StripeEventAdmin(BigTableAdminMixin, ReadOnlyAdmin):
    ordering = ("-pk",)
    list_display = ("event_id", "type", "outcome", "livemode", "received_at")
    list_filter = ("livemode",)
    search_fields = ("=event_id", "type")


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "user", "exp_month", "exp_year", "is_default", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("user",)
    search_fields = ("user__email", "=last4")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("stripe_customer_id", "user", "created_at")
    list_select_related = ("user",)
    search_fields = ("=stripe_customer_id", "user__email")


# DocumentCounter is not registered: the numbering series is never edited by hand.


# The services admin gains the Stripe synchronisation (orders does not know Stripe's API).
admin.site.unregister(Service)


@admin.register(Service)
class StripeSyncedServiceAdmin(ServiceAdmin):
    actions = ["sync_to_stripe"]

    @admin.action(description=_("Synchroniser avec Stripe (produit et prix)"))
    def sync_to_stripe(self, request, queryset):
        try:
            for service in queryset:
                changes = service_sync_to_stripe(service=service)
                self.message_user(request, f"{service.name} : {', '.join(changes)}")
        except Exception as error:  # noqa: BLE001 — Stripe or configuration: show it to staff
            self.message_user(request, str(error), messages.ERROR)


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    """The invoice and credit-note series' last numbers: shown, never edited
    (the series must have no gap and no duplicate)."""

    list_display = ("prefix", "year", "last_number")
    list_filter = ("prefix",)
    ordering = ("-year", "prefix")


register_relation("accounts.User", label=_("Factures"), model=Invoice, lookup="order__client")
register_relation("accounts.User", label=_("Paiements"), model=Payment, lookup="order__client")
register_relation("orders.Order", label=_("Factures"), model=Invoice, lookup="order")
register_relation("orders.Order", label=_("Avoirs"), model=CreditNote, lookup="invoice__order")
register_relation("orders.Order", label=_("Paiements"), model=Payment, lookup="order")
register_relation("billing.Invoice", label=_("Avoirs"), model=CreditNote, lookup="invoice")
