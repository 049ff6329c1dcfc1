"""Reads shared by the files app and its callers."""

from django.db.models import Sum

from .models import StoredFile


def user_storage_used(*, user):
    """Bytes the user's files take in the storage (deleted or purged ones are free)."""
    total = (
        StoredFile.objects.filter(uploaded_by=user, deleted_at__isnull=True, content_purged_at__isnull=True)
        .aggregate(total=Sum("size"))["total"]
    )
    return int(total or 0)
