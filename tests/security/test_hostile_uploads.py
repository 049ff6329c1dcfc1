"""Hostile uploads, standing suite: the upload corpus (disguised and dangerous
files, zip and DOCX bombs) sent through a real upload form, and hostile file
names (traversal, NUL, right-to-left override, 10 000 characters).

Each refusal is a clear French message with nothing written: no message, no
stored file, no byte in the media folder.
"""

import functools
import io
import random
import unicodedata
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from files.models import StoredFile
from files.tests import samples
from files.validation import MANUSCRIPT_KINDS, validate_upload
from messaging import services as messaging_services
from messaging.models import Message

pytestmark = pytest.mark.django_db


@functools.cache
def docx_bomb():
    return samples.docx_bomb_bytes()


def large_honest_docx(size=6 * 1024 * 1024):
    """A long manuscript: varied words compress 3 to 4 times, far from a bomb."""
    rng = random.Random(8)
    words = ["il", "était", "une", "fois", "forêt", "château", "lumière", "chemin", "silence", "rivière",
             "matin", "souvenir", "fenêtre", "voyage", "hiver", "promesse", "jardin", "orage", "lettre", "ombre"]
    text = " ".join(rng.choice(words) + str(rng.randint(0, 999)) for _ in range(size // 9))
    out = io.BytesIO(samples.docx_bytes())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/chapitre.xml", f"<w:p><w:t>{text}</w:t></w:p>")
    return out.getvalue()


HOSTILE_CORPUS = [
    ("facture.pdf", samples.exe_bytes()),
    ("roman.docx", samples.HTML),
    ("dessin.png", samples.SVG),
    ("lisez-moi.txt", samples.SHELL_SCRIPT),
    ("chapitre.doc", samples.elf_bytes()),
    ("tableur.doc", samples.doc_bytes(stream="Workbook")),
    ("macros.docx", samples.docm_bytes()),
    ("comptes.docx", samples.xlsx_bytes()),
    ("chapitres.zip", samples.zip_bytes([("chapitre.pdf", samples.exe_bytes())])),
    ("chapitres.zip", samples.zip_bytes([("../../etc/roman.pdf", samples.pdf_bytes())])),
    ("bombe.zip", samples.zip_bytes([("roman.pdf", b"%PDF-1.4\n" + bytes(11 * 1024 * 1024))])),
    ("abime.docx", samples.docx_bytes()[:200]),
]


def media_files():
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def conversation(working_order):
    return messaging_services.conversation_for_order(order=working_order)


def send(client, conversation, name, content):
    return client.post(
        reverse("messaging:send", args=[conversation.pk]),
        {"content": "Voici le fichier.", "attachments": [samples.upload(name, content)]},
    )


@pytest.mark.parametrize(("name", "content"), HOSTILE_CORPUS, ids=lambda value: value if isinstance(value, str) else "")
def test_the_hostile_corpus_is_refused_through_the_form(client, client_user, conversation, name, content):
    client.force_login(client_user)
    files_before, media_before = StoredFile.objects.count(), set(media_files())
    messages_before = Message.objects.count()
    response = send(client, conversation, name, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert any(phrase in page for phrase in (
        "n&#x27;est pas d&#x27;un type accepté", "L&#x27;archive contient un fichier refusé",
        "trop volumineuse une fois décompressée", "illisible ou endommagée", "fois plus volumineux",
    )), page[:2000]
    assert Message.objects.count() == messages_before
    assert StoredFile.objects.count() == files_before
    assert set(media_files()) == media_before


def test_the_docx_bomb_is_refused_with_the_default_limits(client_user):
    bomb = docx_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        inflated = sum(info.file_size for info in archive.infolist())
    assert inflated >= 400 * 1000 * 1000  # under the archive limit (10 × 50 MB): only the ratio stops it
    with pytest.raises(ValidationError) as refusal:
        validate_upload(uploaded_file=samples.upload("roman.docx", bomb), allowed=MANUSCRIPT_KINDS, user=client_user)
    assert refusal.value.code == "archive_expansion_ratio"
    assert "plus de 100 fois plus volumineux" in refusal.value.messages[0]


def test_the_docx_bomb_is_refused_through_the_form(client, client_user, conversation):
    client.force_login(client_user)
    files_before, messages_before = StoredFile.objects.count(), Message.objects.count()
    response = send(client, conversation, "roman.docx", docx_bomb())
    assert response.status_code == 200
    assert "plus de 100 fois plus volumineux" in response.content.decode()
    assert (StoredFile.objects.count(), Message.objects.count()) == (files_before, messages_before)


def test_a_long_honest_manuscript_is_not_mistaken_for_a_bomb(client_user):
    content = large_honest_docx()
    kind = validate_upload(uploaded_file=samples.upload("roman.docx", content), allowed=MANUSCRIPT_KINDS,
                           user=client_user)
    assert kind.extension == "docx"


HOSTILE_NAMES = {
    "traversal": "../../../../etc/cron.d/roman.pdf",
    "windows_traversal": "..\\..\\Windows\\System32\\roman.pdf",
    "nul": "roman\x00.exe.pdf",
    "rtl_override": "roman\u202efdp.exe",
    "very_long": "r" * 10_000 + ".pdf",
    "newlines": "roman\r\nContent-Type: text/html\r\n.pdf",
}


@pytest.mark.parametrize("label", HOSTILE_NAMES)
def test_hostile_file_names_are_stored_harmless(client, client_user, conversation, label):
    client.force_login(client_user)
    response = send(client, conversation, HOSTILE_NAMES[label], samples.pdf_bytes())
    assert response.status_code in (200, 302)
    stored = StoredFile.objects.order_by("-created_at").first()
    if response.status_code == 200:  # refused: then clearly, and nothing kept
        assert "errorlist" in response.content.decode()
        return
    name = stored.original_name
    assert 0 < len(name) <= 255
    assert "/" not in name and "\\" not in name and ".." not in name.split("/")
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name)  # no NUL, no RTL override, no CR/LF
    # The bytes live under the media root, under a name we chose.
    for path in media_files():
        assert settings.MEDIA_ROOT in path.parents
        assert "cron.d" not in str(path) and "System32" not in str(path)
    # Downloading gives a header a browser cannot misread.
    download = client.get(reverse("messaging:attachment", args=[stored.message_attachments.get().pk]))
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert "\u202e" not in disposition
    assert disposition.startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    # And the conversation shows the cleaned name, escaped.
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert "\u202e" not in page and "\x00" not in page
