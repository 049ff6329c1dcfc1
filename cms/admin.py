from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_history import HistoryAdmin
from core.admin_readonly import ReadOnlyAdminMixin

from . import services
from .models import FAQ, Page, PageRevision, Testimonial


class PageAdminForm(forms.ModelForm):
    """The admin builds the fields (from PageAdmin.fieldsets); this checks the date goes with the status."""

    def clean(self):
        cleaned = super().clean()
        status, at = cleaned.get("status"), cleaned.get("published_at")
        if status == Page.Status.SCHEDULED and (at is None or at <= timezone.now()):
            self.add_error("published_at", _("Indiquez une date future pour une page programmée."))
        elif status == Page.Status.PUBLISHED and at is not None and at > timezone.now():
            self.add_error("published_at", _("Date future : choisissez le statut « Programmée »."))
        return cleaned


class PageRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PageRevision
    extra = 0
    fields = readonly_fields = ("number", "title", "published_at", "published_by")
    ordering = ("-number",)


@admin.register(Page)
class PageAdmin(HistoryAdmin):
    form = PageAdminForm
    list_display = ("title", "type", "status", "published_at", "updated_at", "preview_link")
    list_filter = ("type", "status", "category")
    search_fields = ("title", "slug", "category")
    prepopulated_fields = {"slug": ("title",)}
    show_full_result_count = False
    inlines = [PageRevisionInline]
    actions = ["publish", "unpublish", "archive"]
    fieldsets = (
        (None, {"fields": ("title", "slug", "type", "content", "excerpt")}),
        (_("Publication"), {
            "fields": ("status", "published_at", "is_public", "require_auth"),
            "description": _("« Publiée » met la page en ligne et enregistre une nouvelle version si son texte a "
                             "changé ; « Programmée » la met en ligne à la date indiquée."),
        }),
        (_("Classement"), {"fields": ("category", "tags", "sort_order")}),
        (_("Référencement"), {"fields": ("meta_title", "meta_description", "meta_keywords"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("aperçu"))
    def preview_link(self, page):
        return format_html('<a href="{}">{}</a>', page.get_absolute_url(), _("Prévisualiser"))

    def save_model(self, request, obj, form, change):
        """The fields are saved as they are; the status moves through the
        services, so that publishing here writes a version like the action."""
        wanted, wanted_at = obj.status, obj.published_at
        if change:
            before = Page.objects.only("status", "published_at").get(pk=obj.pk)
            obj.status, obj.published_at = before.status, before.published_at
        else:
            obj.status, obj.published_at = Page.Status.DRAFT, None
        if wanted == Page.Status.PUBLISHED and wanted_at is not None:
            obj.published_at = wanted_at  # a chosen (past) publication date, e.g. an article's
        super().save_model(request, obj, form, change)
        if wanted == Page.Status.PUBLISHED:
            services.page_publish(page=obj, by=request.user, request=request)
        elif wanted == Page.Status.SCHEDULED:
            services.page_schedule(page=obj, at=wanted_at, by=request.user, request=request)
        elif wanted == Page.Status.ARCHIVED:
            services.page_archive(page=obj, by=request.user, request=request)
        else:
            services.page_unpublish(page=obj, by=request.user, request=request)
        obj.refresh_from_db()

    def _apply(self, request, queryset, service, done):
        count = 0
        for page in queryset:
            service(page=page, by=request.user, request=request)
            count += 1
        self.message_user(request, done(count), messages.SUCCESS)

    @admin.action(description=_("Publier"))
    def publish(self, request, queryset):
        self._apply(request, queryset, services.page_publish,
                    lambda n: ngettext("%d page publiée.", "%d pages publiées.", n) % n)

    @admin.action(description=_("Dépublier (repasser en brouillon)"))
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.page_unpublish,
                    lambda n: ngettext("%d page repassée en brouillon.", "%d pages repassées en brouillon.", n) % n)

    @admin.action(description=_("Archiver"))
    def archive(self, request, queryset):
        self._apply(request, queryset, services.page_archive,
                    lambda n: ngettext("%d page archivée.", "%d pages archivées.", n) % n)

    def has_delete_permission(self, request, obj=None):
        return False  # its versions are kept for ever (the CGV an order accepted): archive instead


@admin.register(PageRevision)
class PageRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):

    list_display = ("page", "number", "title", "published_at", "published_by")
    list_filter = ("page__type",)
    search_fields = ("title", "page__slug")
    list_select_related = ("page", "published_by")
    show_full_result_count = False
    fields = readonly_fields = ("page", "number", "title", "content", "published_at", "published_by")


@admin.register(FAQ)
class FAQAdmin(admin.ModelAdmin):
    list_display = ("question", "category", "order", "visible", "updated_at")
    list_editable = ("order", "visible")
    list_filter = ("category", "visible")
    search_fields = ("question", "answer")


@admin.register(Testimonial)
class TestimonialAdmin(admin.ModelAdmin):
    list_display = ("author_name", "author_detail", "rating", "order", "visible")
    list_editable = ("order", "visible")
    list_filter = ("visible", "rating")
    search_fields = ("author_name", "quote")
