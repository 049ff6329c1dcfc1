from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_links import register_relation

from . import services
from .models import StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "role", "category", "size_display", "uploaded_by", "created_at", "deleted_at")
    list_filter = ("role", "category")
    search_fields = ("original_name", "uploaded_by__email")
    list_select_related = ("uploaded_by",)
    autocomplete_fields = ("uploaded_by",)
    show_full_result_count = False  # no COUNT(*) over the whole table
    ordering = ("-created_at",)
    readonly_fields = (
        "id", "download_link", "storage_key", "mime_type", "size_display", "checksum", "category",
        "created_at", "updated_at", "deleted_at", "content_purged_at",
    )
    fieldsets = (
        (None, {"fields": ("id", "original_name", "download_link", "role", "uploaded_by", "description", "is_public")}),
        (_("Contenu"), {"fields": ("storage_key", "mime_type", "category", "size_display", "checksum")}),
        (_("Dates"), {"fields": ("created_at", "updated_at", "deleted_at", "content_purged_at")}),
    )
    actions = ["soft_delete_files", "purge_files_content"]

    @admin.display(description=_("taille"), ordering="size")
    def size_display(self, obj):
        return obj.human_size

    @admin.display(description=_("clé de stockage"))
    def storage_key(self, obj):
        # Text, not the storage's URL: files are only read through the
        # download view (a presigned URL on S3, never a public media URL).
        return obj.file.name

    @admin.display(description=_("téléchargement"))
    def download_link(self, obj):
        if not obj.pk or not obj.is_available:
            return _("Contenu indisponible")
        url = reverse("admin:files_storedfile_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def has_add_permission(self, request):
        # Files arrive through the site, where they are checked by content.
        return False

    def has_delete_permission(self, request, obj=None):
        # Soft delete only (the action below): the row is the record.
        return False

    def get_urls(self):
        download = path(
            "<uuid:pk>/download/",
            self.admin_site.admin_view(self.download_view),
            name="files_storedfile_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, pk):
        stored_file = get_object_or_404(StoredFile, pk=pk)
        if not self.has_view_permission(request, stored_file):
            raise PermissionDenied
        return services.file_response(stored_file=stored_file)

    @admin.action(description=_("Supprimer les fichiers sélectionnés (contenu effacé, fiche conservée)"))
    def soft_delete_files(self, request, queryset):
        for stored_file in queryset.filter(deleted_at__isnull=True):
            services.stored_file_soft_delete(stored_file=stored_file, by=request.user, request=request)
        messages.success(request, _("Fichiers supprimés."))

    @admin.action(description=_("Purger le contenu des fichiers sélectionnés (fiche conservée)"))
    def purge_files_content(self, request, queryset):
        for stored_file in queryset.filter(content_purged_at__isnull=True):
            services.stored_file_purge_content(stored_file=stored_file)
        messages.success(request, _("Contenu des fichiers purgé."))


register_relation("accounts.User", label=_("Fichiers déposés"), model=StoredFile, lookup="uploaded_by")
register_relation("orders.Order", label=_("Fichiers"), model=StoredFile, lookup="order")
