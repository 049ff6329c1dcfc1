"""Admin screens for records the platform writes itself (invoices, payments,
page versions): staff read them, nobody adds, edits or deletes them by hand."""


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
