from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from core.admin_actions import admin_apply
from core.admin_bigtable import BigTableAdminMixin
from core.admin_history import HistoryAdmin
from core.admin_kept_lists import KeptChangelistAdminMixin
from core.admin_links import RelatedLinksAdminMixin, register_relation
from core.admin_money import EuroAdminMixin
from core.admin_readonly import ReadOnlyAdminMixin
from core.admin_replica import ReplicaListAdminMixin
from core.templatetags.formatting import euros

from . import services
from .models import Order, OrderEvent, OrderRating, Service

SHOWN_ORDERS = 20  # on the "affecter à un correcteur" page


class AssignCorrectorForm(forms.Form):
    corrector = forms.ModelChoiceField(
        label=_("Correcteur"), empty_label=None,
        queryset=User.objects.filter(role=User.Role.CORRECTOR, is_active=True).order_by("last_name", "first_name"),
    )


@admin.register(Service)
class ServiceAdmin(EuroAdminMixin, HistoryAdmin):
    euro_fields = ("price", "reduced_unit_price")
    list_display = ("name", "kind", "pricing", "price", "needs_page_verification", "is_active", "display_order")
    list_editable = ("is_active", "display_order")
    list_filter = ("pricing", "is_active", "kind")
    search_fields = ("name", "kind")


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "kind", "from_status", "to_status", "actor", "note")
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")  # one query for the whole timeline

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(RelatedLinksAdminMixin, KeptChangelistAdminMixin, BigTableAdminMixin, EuroAdminMixin, HistoryAdmin):
    euro_fields = ("estimated_price", "final_price", "amount")
    list_display = ("title", "client", "service", "status", "price_display", "priority", "corrector", "due_date",
                    "created_at")
    list_filter = ("status", "priority", "urgent", "service")
    search_fields = ("title",)  # and the client's e-mail or name: get_search_results
    # The nullable ones joined (LEFT JOIN: read after each order, in the
    # created_at index's order), the client by primary key for the page.
    list_select_related = ("service", "corrector")
    list_prefetch_related = ("client",)
    ordering = ("-created_at",)  # orders_created_idx; filtered by status: orders_status_created_idx
    # The CSV export names them, read for each chunk of rows (core.admin_export).
    export_labels = {"client": "email", "corrector": "email", "service": "name"}
    # The correctors are few: a plain <select>, labelled, instead of an autocomplete
    # (whose combobox has no accessible name while empty). Inactive ones stay listed
    # so a past assignment still shows; clean() refuses to assign them.
    autocomplete_fields = ("client",)
    inlines = [OrderEventInline]
    # Status, prices and payment move only through the workflow's services.
    readonly_fields = (
        "status", "status_before_suspension", "estimated_price", "final_price", "amount", "payment_status",
        "stripe_session_id", "revision_count", "paid_at", "delivered_at", "accepted_at", "finished_at",
        "created_at", "updated_at", "terms_acceptance",
    )
    actions = ["auto_assign", "assign_corrector", "suspend", "resume", "cancel_orders"]

    def get_search_results(self, request, queryset, search_term):
        """The client's e-mail or name through ``client_id IN (…)``, not a join:
        joined, MariaDB starts from the users and sorts every order in a
        temporary table (EXPLAIN)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            clients = User.objects.filter(Q(email__icontains=search_term.strip())
                                          | Q(last_name__icontains=search_term.strip())).values("pk")
            queryset |= self.get_queryset(request).filter(client_id__in=clients)
        return queryset, may_have_duplicates

    @admin.display(description=_("prix"))
    def price_display(self, obj):
        return "—" if obj.price is None else euros(obj.price)

    @admin.display(description=_("CGV acceptées"))
    def terms_acceptance(self, obj):
        if obj.terms_revision_id is None:
            return _("Aucune (commande créée sans le formulaire)")
        return render_to_string("orders/_terms_acceptance.html", {"order": obj})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "corrector":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                role=db_field.related_model.Role.CORRECTOR
            ).order_by("-is_active", "last_name", "first_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        """The client never changes once the order exists (the invoice and the
        manuscripts are theirs); what the price follows is frozen once paid."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("client")
            if services.order_price_inputs_locked(obj):
                fields.extend(services.PRICE_INPUTS)
        return fields

    def save_model(self, request, obj, form, change):
        """Edits go through the services: the corrector through the assignment
        (rules, history), the other fields through order_update_details (what
        may change, the price that follows, one history line)."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        edited = {field: form.cleaned_data[field] for field in form.changed_data if field != "corrector"}
        new_corrector = obj.corrector if "corrector" in form.changed_data else None
        order = services.order_update_details(order=obj, by=request.user, **edited)
        if new_corrector is not None:
            order = services.order_assign_corrector(order=order, corrector=new_corrector, by=request.user, request=request)
        obj.refresh_from_db()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        base_clean = form.clean

        def clean(form_self):
            cleaned = base_clean(form_self)
            corrector = cleaned.get("corrector")
            if obj is not None and "corrector" in form_self.changed_data:
                if corrector is None:
                    form_self.add_error("corrector", _("Une commande affectée ne peut pas être désaffectée : réaffectez-la."))
                elif obj.status not in services.ACTIONS["assign"].from_:
                    form_self.add_error("corrector", _("On ne peut affecter qu'une commande payée."))
                elif not corrector.is_corrector or not corrector.is_active:
                    form_self.add_error("corrector", _("Cette personne n'est pas un correcteur actif."))
            if obj is not None and set(form_self.changed_data) & set(services.PRICE_INPUTS):
                service = cleaned.get("service")
                if service is None:
                    form_self.add_error("service", _("Choisissez un service."))
                else:
                    try:
                        services.order_quote(service=service, pages=cleaned.get("verified_pages")
                                             or cleaned.get("declared_pages"), urgent=cleaned.get("urgent"))
                    except ValidationError as error:
                        form_self.add_error("declared_pages", error)
            return cleaned

        form.clean = clean
        return form

    def has_delete_permission(self, request, obj=None):
        return False  # orders carry invoices and history: cancel instead

    @admin.action(description=_("Affecter au correcteur le moins chargé"))
    def auto_assign(self, request, queryset):
        admin_apply(request, queryset, lambda o: services.order_auto_assign(order=o, by=request.user),
                    done=lambda n: ngettext("%(n)s commande affectée.", "%(n)s commandes affectées.", n) % {"n": n})

    @admin.action(description=_("Affecter à un correcteur…"))
    def assign_corrector(self, request, queryset):
        """An intermediate page picks the corrector; then order_assign_corrector per order."""
        form = AssignCorrectorForm(request.POST if "corrector" in request.POST else None)
        if form.is_bound and form.is_valid():
            corrector = form.cleaned_data["corrector"]
            admin_apply(request, queryset,
                        lambda o: services.order_assign_corrector(order=o, corrector=corrector, by=request.user, request=request),
                        done=lambda n: ngettext("%(n)s commande affectée à %(who)s.", "%(n)s commandes affectées à %(who)s.",
                                                  n) % {"n": n, "who": corrector})
            return None
        select_across = request.POST.get("select_across") == "1"
        return render(request, "admin/orders/order/assign_corrector.html", {
            **self.admin_site.each_context(request), "title": _("Affecter à un correcteur"), "form": form,
            "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            # Every filtered order ("tout sélectionner") may be many: a count and the first ones.
            "select_across": select_across, "count": queryset.count(), "shown": queryset[:SHOWN_ORDERS],
        })

    @admin.action(description=_("Suspendre"))
    def suspend(self, request, queryset):
        admin_apply(request, queryset, lambda o: services.order_suspend(order=o, by=request.user, request=request),
                    done=lambda n: ngettext("%(n)s commande suspendue.", "%(n)s commandes suspendues.", n) % {"n": n})

    @admin.action(description=_("Reprendre"))
    def resume(self, request, queryset):
        admin_apply(request, queryset, lambda o: services.order_resume(order=o, by=request.user, request=request),
                    done=lambda n: ngettext("%(n)s commande reprise.", "%(n)s commandes reprises.", n) % {"n": n})

    @admin.action(description=_("Annuler (sans remboursement : voir Paiements)"))
    def cancel_orders(self, request, queryset):
        admin_apply(request, queryset, lambda o: services.order_cancel(order=o, by=request.user, request=request),
                    done=lambda n: ngettext("%(n)s commande annulée.", "%(n)s commandes annulées.", n) % {"n": n})


@admin.register(OrderRating)
class OrderRatingAdmin(admin.ModelAdmin):
    """The clients' ratings, read by the team per corrector (filter, or the
    staff board's averages). Written by clients only (order_rate)."""

    list_display = ("order", "corrector", "score", "short_comment", "created_at")
    # No date_hierarchy: MariaDB without time-zone tables cannot compute it (see core.admin).
    list_filter = ("score", ("corrector", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("order__title", "corrector__last_name", "corrector__email", "comment")
    list_select_related = ("order", "corrector")
    readonly_fields = ("order", "corrector", "score", "comment", "created_at")
    show_full_result_count = False

    @admin.display(description=_("commentaire"))
    def short_comment(self, obj):
        return obj.comment if len(obj.comment) <= 80 else f"{obj.comment[:79]}…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OrderEvent)
class OrderEventAdmin(ReplicaListAdminMixin, ReadOnlyAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    """Every order's history in one list (each order shows its own inline):
    written by the workflow's services only."""

    list_display = ("created_at", "order", "kind", "from_status", "to_status", "actor", "note")
    list_filter = ("kind", "to_status")
    search_fields = ("=order__id", "note")
    list_prefetch_related = ("order", "actor")
    ordering = ("-pk",)  # newest first, on the primary key


register_relation("accounts.User", label=_("Commandes (client)"), model=Order, lookup="client")
register_relation("accounts.User", label=_("Commandes (correcteur)"), model=Order, lookup="corrector")
register_relation("orders.Order", label=_("Historique"), model=OrderEvent, lookup="order")
