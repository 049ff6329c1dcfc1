from django.contrib import admin
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _

from core.admin_bigtable import BigTableAdminMixin
from core.admin_kept_lists import KeptChangelistAdminMixin
from core.admin_links import register_relation

from .models import Conversation, Message, MessageAttachment, Participant

INLINE_MESSAGES = 50


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("last_read_message_id", "last_emailed_at", "joined_at")
    fields = ("user", "archived", "last_read_message_id", "last_emailed_at", "joined_at")


class MessageInline(admin.TabularInline):
    """The thread, read-only (messages are written through the services);
    the latest INLINE_MESSAGES only, so a long conversation opens fast."""

    model = Message
    verbose_name_plural = _("derniers messages")
    fk_name = "conversation"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("created_at", "sender", "type", "status", "excerpt", "is_pinned", "signed_as_team")
    readonly_fields = fields
    ordering = ("id",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender").exclude(status=Message.Status.BROUILLON)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("message"))
    def excerpt(self, obj):
        return truncatechars(obj.content, 120)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "order", "last_message_at", "created_at")
    list_filter = ("kind",)
    search_fields = ("subject",)
    list_select_related = ("order",)
    autocomplete_fields = ("order", "created_by")
    show_full_result_count = False
    readonly_fields = ("kind", "order", "created_by", "created_at", "last_message_at", "team_alerted_at")
    fields = ("subject", *readonly_fields)
    inlines = [ParticipantInline, MessageInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, MessageInline) and obj is not None and obj.pk:
            # The id of the INLINE_MESSAGES-th latest message bounds the range.
            oldest_shown = (
                Message.objects.filter(conversation=obj).order_by("-id").values_list("id", flat=True)
                [INLINE_MESSAGES - 1:INLINE_MESSAGES].first()
            )
            if oldest_shown is not None:
                kwargs["queryset"] = kwargs["queryset"].filter(id__gte=oldest_shown)
        return kwargs

    def has_add_permission(self, request):
        return False  # conversations start from an order or from a client (services)


class AttachmentInline(admin.TabularInline):
    model = MessageAttachment
    extra = 0
    can_delete = False
    readonly_fields = ("stored_file", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(KeptChangelistAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("id", "conversation", "sender", "type", "status", "is_pinned", "created_at")
    list_filter = ("type", "status", "is_pinned", "signed_as_team")
    # No search through the conversation: the join lets MariaDB start from the
    # conversations and sort every message in a temporary table (EXPLAIN);
    # without it, it reads the primary key backwards and stops at a page.
    search_fields = ("content", "subject")
    list_select_related = ("sender",)  # nullable: a LEFT JOIN, read after each message
    list_prefetch_related = ("conversation",)
    autocomplete_fields = ("conversation", "sender", "parent", "thread_root")
    ordering = ("-pk",)  # newest first, on the primary key; filtered: messages_type_idx, messages_status_idx
    # Only pinning is edited here; messages are written by the services.
    readonly_fields = ("conversation", "sender", "visitor_name", "visitor_email", "content", "subject", "type",
                       "status", "parent", "thread_root", "signed_as_team", "created_at", "updated_at")
    fields = ("is_pinned", *readonly_fields)
    inlines = [AttachmentInline]

    def has_add_permission(self, request):
        return False  # messages are sent from the site, through message_send


register_relation("accounts.User", label=_("Conversations"), model=Conversation, lookup="participants__user")
register_relation("accounts.User", label=_("Messages envoyés"), model=Message, lookup="sender")
register_relation("orders.Order", label=_("Conversation"), model=Conversation, lookup="order")
