"""The files part of the RGPD export and anonymisation."""

from .models import StoredFile
from .services import stored_file_purge_content


def _iso(value):
    return value.isoformat() if value else None


def export_files(user):
    """What we hold about the files the user sent (the bytes are downloadable elsewhere)."""
    return [
        {
            "id": str(stored.pk),
            "name": stored.original_name,
            "role": stored.role,
            "category": stored.category,
            "mime_type": stored.mime_type,
            "size": stored.size,
            "sha256": stored.checksum,
            "description": stored.description,
            "created_at": _iso(stored.created_at),
            "deleted_at": _iso(stored.deleted_at),
            "content_purged_at": _iso(stored.content_purged_at),
        }
        for stored in StoredFile.objects.filter(uploaded_by=user).order_by("created_at")
    ]


def anonymise_files(user):
    """Erase what the user sent: the bytes and the names, which may carry personal data.

    Corrected files a corrector delivered belong to the client's order, not
    to the corrector, and are left alone.
    """
    sent = StoredFile.objects.filter(uploaded_by=user).exclude(role=StoredFile.Role.DELIVERABLE)
    for stored in sent:
        stored_file_purge_content(stored_file=stored)
        stored.original_name = f"fichier.{stored.extension}" if stored.extension else "fichier"
        stored.description = ""
        stored.save(update_fields=["original_name", "description", "updated_at"])
