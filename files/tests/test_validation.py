"""Uploads are judged by their bytes: real samples accepted, disguised ones refused."""

import io
import random
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File

from accounts.tests.factories import CorrectorFactory, UserFactory
from files import validation as v
from files.models import StoredFile
from files.services import stored_file_create
from files.validation import IMAGE_KINDS, MANUSCRIPT_KINDS, accepted_types_label, detect_kind, validate_upload

from . import samples
from .factories import StoredFileFactory

pytestmark = pytest.mark.django_db

MANUSCRIPT_REFUSAL = (
    "Ce fichier n'est pas d'un type accepté : PDF, Word (.doc, .docx), OpenDocument (.odt), RTF, "
    "texte (.txt, .md), EPUB ou ZIP de ces formats."
)


def media_files():
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refused(upload, *, allowed=MANUSCRIPT_KINDS, user=None):
    """Run the upload through the service; return the refusal message, check nothing was kept."""
    user = user or UserFactory()
    rows_before, media_before = StoredFile.objects.count(), media_files()
    with pytest.raises(ValidationError) as caught:
        stored_file_create(uploaded_file=upload, uploaded_by=user, role=StoredFile.Role.MANUSCRIPT, allowed=allowed)
    assert StoredFile.objects.count() == rows_before
    assert media_files() == media_before
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("Mémoires d'été.pdf", samples.pdf_bytes(), v.PDF),
        ("roman.doc", samples.doc_bytes(), v.DOC),
        ("roman.doc", samples.doc_bytes(entries_before=5), v.DOC),  # entry in the 2nd directory sector
        ("roman.docx", samples.docx_bytes(), v.DOCX),
        ("roman.odt", samples.odt_bytes(), v.ODT),
        ("roman.rtf", samples.rtf_bytes(), v.RTF),
        ("roman.txt", samples.TEXT, v.TXT),
        ("roman.txt", "Été, à Noël : ça brûle.\r\n".encode("latin-1"), v.TXT),
        ("roman.txt", b"\xef\xbb\xbf" + samples.TEXT, v.TXT),
        ("notes.md", samples.MARKDOWN, v.MD),
        ("roman.epub", samples.epub_bytes(), v.EPUB),
        ("tomes.zip", samples.zip_bytes([("tome1.pdf", samples.pdf_bytes()), ("tome2.pdf", samples.pdf_bytes())]), v.ZIP),
        ("dossier.zip", samples.zip_bytes([
            ("roman/", b""), ("roman/texte.docx", samples.docx_bytes()), ("roman/notes.md", samples.MARKDOWN),
            ("__MACOSX/roman/._texte.docx", b"\x00\x05\x16\x07"), ("roman/.DS_Store", b"\x00\x00\x00\x01Bud1"),
        ]), v.ZIP),
        ("photo.png", samples.image_bytes("PNG"), v.PNG),
        ("photo.jpg", samples.image_bytes("JPEG"), v.JPEG),
        ("photo.webp", samples.image_bytes("WEBP"), v.WEBP),
    ],
)
def test_real_files_are_recognised_by_their_content(name, content, kind):
    assert detect_kind(samples.upload(name, content)) == kind


def test_the_name_and_the_browser_type_are_ignored():
    assert detect_kind(samples.upload("photo.jpg", samples.pdf_bytes(), "image/jpeg")) == v.PDF
    assert detect_kind(samples.upload("texte.pdf", samples.docx_bytes(), "application/pdf")) == v.DOCX
    # The extension only tells Markdown from text once the bytes are text.
    assert detect_kind(samples.upload("notes.txt", samples.MARKDOWN)) == v.TXT
    assert detect_kind(samples.upload("notes.md", samples.pdf_bytes())) == v.PDF
    assert detect_kind(samples.upload("notes.md", b"\x00\x01\x02binary")) == v.UNKNOWN


def test_accepted_manuscripts_and_images():
    user = UserFactory()
    for name, content in [("a.pdf", samples.pdf_bytes()), ("b.docx", samples.docx_bytes())]:
        assert validate_upload(uploaded_file=samples.upload(name, content), allowed=MANUSCRIPT_KINDS, user=user)
    kind = validate_upload(uploaded_file=samples.upload("p.png", samples.image_bytes()), allowed=IMAGE_KINDS, user=user)
    assert kind == v.PNG


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("facture.pdf", samples.exe_bytes()),  # a Windows program renamed
        ("roman.docx", samples.HTML),
        ("roman.docx", b"\xef\xbb\xbf  \n" + samples.HTML.replace(b"<!DOCTYPE html>", b"<!doctype HTML>")),
        ("dessin.svg", samples.SVG),
        ("dessin.png", samples.SVG),
        ("page.txt", b"<?xml version='1.0'?><root/>"),
        ("page.txt", b"<p onclick='x()'>Bonjour</p>"),
        ("notes.md", b"Titre\n\n<script>fetch('/api')</script>"),
        ("lisez-moi.txt", samples.SHELL_SCRIPT),
        ("chapitre.doc", samples.elf_bytes()),
        ("chapitre.pdf", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 64),  # Mach-O
        ("chapitre.pdf", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 64),  # Java class
        ("tableur.doc", samples.doc_bytes(stream="Workbook")),  # Excel (or an .msi) in a .doc
        ("macros.docx", samples.docm_bytes()),
        ("comptes.docx", samples.xlsx_bytes()),
        ("image.pdf", samples.image_bytes("GIF")),
        ("inconnu.pdf", b"\x00\x01\x02\x03 not a known format"),
    ],
)
def test_disguised_and_dangerous_files_are_refused_and_nothing_is_stored(name, content):
    assert refused(samples.upload(name, content, "application/pdf")) == MANUSCRIPT_REFUSAL


def test_images_are_not_manuscripts_and_the_message_follows_the_allowed_set():
    assert refused(samples.upload("photo.png", samples.image_bytes())) == MANUSCRIPT_REFUSAL
    message = refused(samples.upload("roman.pdf", samples.pdf_bytes()), allowed=IMAGE_KINDS)
    assert message == "Ce fichier n'est pas d'un type accepté : JPEG, PNG ou WebP."
    assert accepted_types_label(v.ATTACHMENT_KINDS).endswith("ZIP de ces formats, JPEG, PNG ou WebP")


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("roman.pdf", samples.pdf_bytes()), ("setup.exe", samples.exe_bytes())], "« setup.exe »"),
        ([("roman.pdf", samples.exe_bytes())], "« roman.pdf »"),  # disguised inside the archive
        ([("tome.zip", samples.zip_bytes([("a.pdf", samples.pdf_bytes())]))], "« tome.zip »"),  # nested
        ([("index.html", samples.HTML)], "« index.html »"),
        ([("lisez-moi.txt", samples.SHELL_SCRIPT)], "« lisez-moi.txt »"),
        ([("../../etc/roman.pdf", samples.pdf_bytes())], "« roman.pdf »"),
    ],
)
def test_a_zip_may_only_hold_manuscripts(members, message):
    text = refused(samples.upload("envoi.zip", samples.zip_bytes(members)))
    assert text.startswith("L'archive contient un fichier refusé")
    assert message in text


def test_zip_bombs_are_refused_from_the_declared_sizes(settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    # 11 MB of zeros compress to a few KB: more than 10x the upload limit once expanded.
    bomb = samples.zip_bytes([("roman.pdf", b"%PDF-1.4\n" + bytes(11 * 1024 * 1024))])
    assert len(bomb) < 100_000
    message = refused(samples.upload("bombe.zip", bomb))
    assert message == "Cette archive est trop volumineuse une fois décompressée (10 Mo au maximum)."


def test_a_docx_bomb_is_refused_too(settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    out = io.BytesIO(samples.docx_bytes())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/image1.png", bytes(11 * 1024 * 1024))
    assert "trop volumineuse une fois décompressée" in refused(samples.upload("roman.docx", out.getvalue()))


def test_an_archive_with_too_many_files_is_refused():
    members = [(f"chapitre{i}.txt", b"Texte.") for i in range(1001)]
    message = refused(samples.upload("chapitres.zip", samples.zip_bytes(members)))
    assert message == "Cette archive contient trop de fichiers (1000 au maximum)."


def test_a_broken_zip_is_refused_clearly():
    truncated = samples.docx_bytes()[:200]
    assert refused(samples.upload("roman.docx", truncated)) == "Cette archive ZIP est illisible ou endommagée."


def test_empty_file():
    assert refused(samples.upload("vide.pdf", b"")) == "Le fichier est vide."


def test_too_big_file(settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    big = samples.upload("gros.pdf", samples.pdf_bytes() + bytes(1024 * 1024))
    assert refused(big) == "Le fichier dépasse la taille maximale de 1 Mo."


def test_the_default_limit_is_50_mb():
    assert settings.FILE_UPLOAD_MAX_BYTES == 50 * 1024 * 1024
    big = samples.upload("gros.pdf", samples.pdf_bytes())
    big.size = 50 * 1024 * 1024 + 1  # what Django measured while receiving it
    assert refused(big) == "Le fichier dépasse la taille maximale de 50 Mo."


def test_over_quota(settings):
    settings.USER_STORAGE_QUOTA_BYTES = 1024
    user = UserFactory()
    first = StoredFileFactory(uploaded_by=user)
    assert first.size < 1024 < 2 * first.size
    message = refused(samples.upload("deux.pdf", samples.pdf_bytes()), user=user)
    assert message == "Votre espace de stockage est plein (1 Ko) : supprimez des fichiers ou contactez-nous."


def test_the_default_quota_is_1_gb_and_counts_only_alive_content():
    user = UserFactory()
    StoredFile.objects.create(
        uploaded_by=user, original_name="ancien.pdf", file="uploads/x.pdf", mime_type="application/pdf",
        size=1024**3, role=StoredFile.Role.MANUSCRIPT, checksum="0" * 64,
    )
    message = refused(samples.upload("roman.pdf", samples.pdf_bytes()), user=user)
    assert message == "Votre espace de stockage est plein (1 Go) : supprimez des fichiers ou contactez-nous."
    StoredFile.objects.filter(uploaded_by=user).update(content_purged_at="2026-01-01T00:00:00Z")
    assert validate_upload(uploaded_file=samples.upload("roman.pdf", samples.pdf_bytes()), allowed=MANUSCRIPT_KINDS,
                           user=user) == v.PDF


def test_correctors_have_no_quota(settings):
    settings.USER_STORAGE_QUOTA_BYTES = 10
    corrector = CorrectorFactory()
    stored = stored_file_create(
        uploaded_file=samples.upload("corrigé.pdf", samples.pdf_bytes()), uploaded_by=corrector,
        role=StoredFile.Role.DELIVERABLE,
    )
    assert stored.size > 10


class CountingFile(io.BytesIO):
    """Counts the bytes read through it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.mark.parametrize(
    "content",
    [
        samples.pdf_bytes() + bytes(5 * 1024 * 1024),
        # Incompressible padding, as in real PDFs: zeros inflating 1000 times
        # would be refused as a decompression bomb (MAX_MEMBER_EXPANSION_RATIO).
        samples.zip_bytes([("tome1.pdf", samples.pdf_bytes() + random.Random(1).randbytes(3 * 1024 * 1024)),
                           ("tome2.pdf", samples.pdf_bytes() + random.Random(2).randbytes(3 * 1024 * 1024))]),
    ],
    ids=["pdf", "zip"],
)
def test_detection_reads_the_head_only(content):
    raw = CountingFile(content)
    kind = detect_kind(File(raw, name="gros"))
    assert kind in (v.PDF, v.ZIP)
    assert raw.bytes_read < 64 * 1024
    assert raw.tell() == 0
