from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import admin_apply
from core.admin_bigtable import BigTableAdminMixin
from core.admin_history import HistoryAdmin
from core.admin_links import register_relation
from core.admin_readonly import ReadOnlyAdminMixin
from core.admin_replica import ReplicaListAdminMixin

from . import services
from .models import (
    CannedReply,
    ConsultationAvailability,
    ConsultationBooking,
    ConsultationException,
    ReplyLinkUse,
    Ticket,
    TicketEvent,
    TicketNumber,
)


class TicketEventInline(admin.TabularInline):
    """The ticket's history, read-only (written by the services)."""

    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "from_value", "to_value", "note")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(HistoryAdmin):
    list_display = ("number", "title", "who", "status", "priority", "assigned_to", "sla_due_at", "created_at")
    list_filter = ("status", "priority", "category", "source")
    search_fields = ("=number", "title", "requester__email", "requester__last_name", "visitor_email", "visitor_name")
    list_select_related = ("requester", "assigned_to")
    show_full_result_count = False
    ordering = ("-created_at",)
    inlines = [TicketEventInline]
    # Status, assignment, priority and the SLA move only through the
    # services: the support page, or the actions below. Tags are free notes.
    readonly_fields = (
        "number", "title", "description", "requester", "visitor_name", "visitor_email", "visitor_phone", "order",
        "conversation", "category", "priority", "status", "source", "assigned_to", "first_response_due_at",
        "resolution_due_at", "sla_due_at", "first_response_at", "resolved_at", "closed_at", "satisfaction_score",
        "satisfaction_comment", "satisfaction_at", "created_at", "updated_at",
    )
    fields = ("tags", *readonly_fields)
    actions = ["take_tickets", "resolve_tickets", "cancel_tickets"]

    @admin.display(description=_("demandeur"))
    def who(self, obj):
        return obj.requester if obj.requester_id else f"{obj.visitor_name} <{obj.visitor_email}>"

    def view_on_site(self, obj):
        return reverse("support:staff_ticket", args=[obj.number])

    def has_add_permission(self, request):
        return False  # tickets are opened from the site (support.services.ticket_open)

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled (ANNULE), never deleted: the history stays

    @admin.action(description=_("Prendre en charge les tickets sélectionnés"))
    def take_tickets(self, request, queryset):
        admin_apply(request, queryset, lambda t: services.ticket_take(ticket=t, by=request.user),
                    done=lambda n: ngettext("%(n)s ticket pris en charge.", "%(n)s tickets pris en charge.", n) % {"n": n})

    @admin.action(description=_("Marquer comme résolus"))
    def resolve_tickets(self, request, queryset):
        admin_apply(request, queryset,
                    lambda t: services.ticket_set_status(ticket=t, status=Ticket.Status.RESOLU, by=request.user),
                    done=lambda n: ngettext("%(n)s ticket résolu.", "%(n)s tickets résolus.", n) % {"n": n})

    @admin.action(description=_("Annuler (spam, doublon)"))
    def cancel_tickets(self, request, queryset):
        admin_apply(request, queryset,
                    lambda t: services.ticket_set_status(ticket=t, status=Ticket.Status.ANNULE, by=request.user),
                    done=lambda n: ngettext("%(n)s ticket annulé.", "%(n)s tickets annulés.", n) % {"n": n})


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "active", "position")
    list_editable = ("active", "position")
    list_filter = ("active",)
    search_fields = ("title", "body")


# --- Consultation ---
# Staff shape the calendar here (weekly windows, exceptions) and see the
# bookings; a booking is made and cancelled by its person (support.consultation).


@admin.register(ConsultationAvailability)
class ConsultationAvailabilityAdmin(admin.ModelAdmin):
    list_display = ("weekday", "start_time", "end_time")
    list_filter = ("weekday",)


@admin.register(ConsultationException)
class ConsultationExceptionAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "start_time", "end_time", "note")
    list_filter = ("kind", ("date", admin.DateFieldListFilter))


class BookingStateFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Réservés")), ("cancelled", _("Annulés"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(active=True)
        if self.value() == "cancelled":
            return queryset.filter(cancelled_at__isnull=False)
        return queryset


@admin.register(ConsultationBooking)
class ConsultationBookingAdmin(admin.ModelAdmin):
    list_display = ("slot_start", "name", "email", "phone", "ticket", "cancelled_at", "created_at")
    list_filter = (BookingStateFilter, ("slot_start", admin.DateFieldListFilter))
    ordering = ("slot_start",)
    search_fields = ("name", "email", "phone")
    show_full_result_count = False
    # Made and cancelled by its person (the slot's uniqueness, the ticket, the
    # e-mails): the team reads it here.
    readonly_fields = ("slot_start", "slot_end", "name", "email", "phone", "topic", "user", "ticket",
                       "cancelled_at", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket")


@admin.register(TicketEvent)
class TicketEventAdmin(ReplicaListAdminMixin, ReadOnlyAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    """Every ticket's history in one list (each ticket shows its own inline)."""

    list_display = ("created_at", "ticket", "kind", "from_value", "to_value", "actor")
    list_filter = ("kind",)
    search_fields = ("=ticket__number", "note")
    list_prefetch_related = ("ticket", "actor")
    ordering = ("-pk",)


@admin.register(ReplyLinkUse)
class ReplyLinkUseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which visitor reply links have served (each works once)."""

    list_display = ("ticket", "staff_message", "used_at")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__number",)
    show_full_result_count = False


@admin.register(TicketNumber)
class TicketNumberAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The counter behind ticket numbers: shown, never edited (a gap or a
    duplicate would follow)."""

    list_display = ("last",)


register_relation("accounts.User", label=_("Tickets"), model=Ticket, lookup="requester")
register_relation("orders.Order", label=_("Tickets"), model=Ticket, lookup="order")
