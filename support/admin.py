from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ConsultationAvailability, ConsultationBooking, ConsultationException

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
    date_hierarchy = "date"


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
    date_hierarchy = "slot_start"
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
