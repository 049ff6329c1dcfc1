"""What an upload is, decided by its bytes, and whether we accept it.

Neither the file name nor the MIME type the browser sends is trusted: both
are chosen by the client. ``detect_kind`` reads the first bytes (and, for
zip-based formats, the zip's central directory through the file object), so
even a 100 MB upload is never read into memory. The user's extension is only
looked at to tell Markdown from plain text, once the bytes are known to be
plain text.

HTML, SVG/XML, scripts and executables are refused whatever their name: a
file we store is later opened by a corrector or served back to a browser.
"""

import codecs
import logging
import posixpath
import struct
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import StoredFile
from .selectors import user_storage_used
from .utils import clean_original_name, human_size

logger = logging.getLogger(__name__)

Category = StoredFile.Category


@dataclass(frozen=True)
class Kind:
    extension: str  # the extension the stored file gets (never the user's)
    mime_type: str  # the Content-Type it is served with
    category: str  # a StoredFile.Category value


PDF = Kind("pdf", "application/pdf", Category.DOCUMENT)
DOC = Kind("doc", "application/msword", Category.DOCUMENT)
DOCX = Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Category.DOCUMENT)
ODT = Kind("odt", "application/vnd.oasis.opendocument.text", Category.DOCUMENT)
RTF = Kind("rtf", "application/rtf", Category.DOCUMENT)
TXT = Kind("txt", "text/plain", Category.DOCUMENT)
MD = Kind("md", "text/markdown", Category.DOCUMENT)
EPUB = Kind("epub", "application/epub+zip", Category.DOCUMENT)
ZIP = Kind("zip", "application/zip", Category.ARCHIVE)
JPEG = Kind("jpg", "image/jpeg", Category.IMAGE)
PNG = Kind("png", "image/png", Category.IMAGE)
WEBP = Kind("webp", "image/webp", Category.IMAGE)

# Recognised but never accepted; named so that refusals are logged clearly.
HTML = Kind("html", "text/html", Category.OTHER)
SCRIPT = Kind("sh", "text/x-shellscript", Category.OTHER)
EXECUTABLE = Kind("exe", "application/x-msdownload", Category.OTHER)
ELF = Kind("elf", "application/x-executable", Category.OTHER)
MACH_O = Kind("macho", "application/x-mach-binary", Category.OTHER)
JAVA_CLASS = Kind("class", "application/java-vm", Category.OTHER)
OLE_OTHER = Kind("ole", "application/x-ole-storage", Category.OTHER)  # .xls, .ppt, .msi...
DOCM = Kind("docm", "application/vnd.ms-word.document.macroEnabled.12", Category.DOCUMENT)
OOXML_OTHER = Kind("ooxml", "application/octet-stream", Category.DOCUMENT)  # .xlsx, .pptx
ODF_OTHER = Kind("odf", "application/octet-stream", Category.DOCUMENT)  # .ods, .odp
GIF = Kind("gif", "image/gif", Category.IMAGE)
UNKNOWN = Kind("bin", "application/octet-stream", Category.OTHER)

MANUSCRIPT_KINDS = frozenset({PDF, DOC, DOCX, ODT, RTF, TXT, MD, EPUB, ZIP})
IMAGE_KINDS = frozenset({JPEG, PNG, WEBP})
# What a message may carry: a manuscript or a picture.
ATTACHMENT_KINDS = MANUSCRIPT_KINDS | IMAGE_KINDS

# A ZIP is accepted when it only holds manuscripts (no nested archive).
ZIP_MEMBER_EXTENSIONS = frozenset({"pdf", "doc", "docx", "odt", "rtf", "txt", "md", "epub"})
MAX_ARCHIVE_MEMBERS = 1000
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 2 * 1024**3
ARCHIVE_EXPANSION_FACTOR = 10
# Per member of any zip-based file (ZIP, DOCX, ODT, EPUB): text and XML
# compress 3 to 20 times; a member that inflates more than this is a
# decompression bomb (a 408 KB DOCX holding 400 MB of XML). Small members
# are exempt: a ratio means nothing on a few kilobytes.
MAX_MEMBER_EXPANSION_RATIO = 100
MEMBER_RATIO_MIN_BYTES = 1024 * 1024

HEAD_SIZE = 8192
MEMBER_HEAD_SIZE = 2048
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACH_O_MAGICS = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}
# C0 control characters that never appear in prose (tab, line feeds and form
# feed do); their presence means binary data.
_BINARY_BYTES = frozenset(range(0, 9)) | frozenset(range(14, 32)) | {127}
# What a browser would sniff as HTML/XML (WHATWG MIME sniffing), tag name
# followed by a space or ">".
_MARKUP_TAGS = (
    b"!doctype html", b"html", b"head", b"script", b"iframe", b"h1", b"div", b"font", b"table",
    b"a", b"style", b"title", b"b", b"body", b"br", b"p", b"svg", b"object", b"embed",
)
_MARKUP_PREFIXES = (b"<!--", b"<?xml")
# Markers refused anywhere near the start, even after some text.
_MARKUP_NEAR_START = (b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script", b"<iframe")
MARKUP_WINDOW = 1024

_ACCEPTED_LABELS = (
    ("PDF", frozenset({PDF})),
    ("Word (.doc, .docx)", frozenset({DOC, DOCX})),
    ("OpenDocument (.odt)", frozenset({ODT})),
    ("RTF", frozenset({RTF})),
    ("texte (.txt, .md)", frozenset({TXT, MD})),
    ("EPUB", frozenset({EPUB})),
    ("ZIP de ces formats", frozenset({ZIP})),
    ("JPEG", frozenset({JPEG})),
    ("PNG", frozenset({PNG})),
    ("WebP", frozenset({WEBP})),
)


# --- Public API ------------------------------------------------------------


def validate_upload(*, uploaded_file, allowed, user):
    """Return the detected Kind of ``uploaded_file`` or raise ValidationError.

    Checks, cheapest first: empty, size limit, type by content (disguised or
    dangerous files are refused), then the user's storage quota (``user``
    may be None to skip it; correctors and staff have none).
    """
    check_size(uploaded_file.size)
    kind = detect_kind(uploaded_file)
    if kind not in allowed:
        logger.info("upload refused: detected as %s (user %s)", kind.extension, getattr(user, "pk", None))
        raise ValidationError(
            _("Ce fichier n'est pas d'un type accepté : %(types)s."),
            code="unsupported_type",
            params={"types": accepted_types_label(allowed)},
        )
    check_quota(user=user, adding=uploaded_file.size)
    return kind


def check_size(size):
    """Refuse an empty file or one above FILE_UPLOAD_MAX_BYTES."""
    size = size or 0
    if size <= 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    max_bytes = settings.FILE_UPLOAD_MAX_BYTES
    if size > max_bytes:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale de %(max)s."),
            code="too_large",
            params={"max": human_size(max_bytes)},
        )


def check_quota(*, user, adding):
    """Refuse ``adding`` more bytes for a client whose quota they would exceed.

    An account not activated yet (a visitor's order: anyone can create ten an
    hour) only holds its order's manuscripts, within a small quota.
    """
    if not quota_applies(user):
        return
    if user.is_active:
        quota = settings.USER_STORAGE_QUOTA_BYTES
        message = _("Votre espace de stockage est plein (%(quota)s) : supprimez des fichiers ou contactez-nous.")
    else:
        quota = settings.UNVERIFIED_STORAGE_QUOTA_BYTES
        message = _("Avant l'activation de votre compte, vos manuscrits ne peuvent dépasser %(quota)s au total. "
                    "Activez votre compte pour en envoyer davantage, ou écrivez-nous.")
    used = 0 if user._state.adding else user_storage_used(user=user)  # unsaved: a visitor's account to come
    if used + adding > quota:
        raise ValidationError(message, code="quota", params={"quota": human_size(quota)})


def quota_applies(user):
    # Correctors deliver files for many clients and staff upload on their
    # behalf: the quota protects us from a client's uploads, not theirs.
    return user is not None and getattr(user, "is_client", True)


def detect_kind(uploaded_file):
    """The Kind of a file, decided by its content only.

    Always returns a Kind (``UNKNOWN`` when nothing matches). Raises
    ValidationError for a zip-based file that is unreadable or unsafe (a
    decompression bomb, a forbidden or disguised member), because its
    message says more than "wrong type". Leaves the file at position 0.
    """
    try:
        head = _read_at(uploaded_file, 0, HEAD_SIZE)
        if head.startswith(b"MZ"):
            return EXECUTABLE
        if head.startswith(b"\x7fELF"):
            return ELF
        if head[:4] == b"\xca\xfe\xba\xbe":  # Java class or universal Mach-O
            return JAVA_CLASS
        if head[:4] in MACH_O_MAGICS:
            return MACH_O
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(OLE2_MAGIC):
            return DOC if _is_word_compound_file(uploaded_file) else OLE_OTHER
        if head.startswith(b"{\\rtf"):
            return RTF
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(uploaded_file)
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return GIF
        return _text_kind(head, uploaded_file.name)
    finally:
        uploaded_file.seek(0)


def accepted_types_label(allowed):
    """``"PDF, Word (.doc, .docx), ... ou ZIP de ces formats"`` for a set of kinds."""
    labels, covered = [], set()
    for label, kinds in _ACCEPTED_LABELS:
        if kinds <= allowed:
            labels.append(label)
            covered |= kinds
    labels += sorted(f".{kind.extension}" for kind in allowed - covered)
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} ou {labels[-1]}"


def accept_attribute(allowed):
    """The ``accept`` attribute of a file input for these kinds (a hint only)."""
    extensions = {f".{kind.extension}" for kind in allowed}
    if JPEG in allowed:
        extensions.add(".jpeg")
    return ",".join(sorted(extensions))


# --- Sniffers ---------------------------------------------------------------


def _read_at(fileobj, offset, size):
    fileobj.seek(offset)
    data = fileobj.read(size)
    if isinstance(data, str):  # a file opened in text mode
        data = data.encode()
    return data or b""


def _text_kind(head, name):
    text = head.removeprefix(codecs.BOM_UTF8)
    if not text or _BINARY_BYTES.intersection(text):
        return UNKNOWN
    # UTF-8 or, failing that, Latin-1/Windows-1252 (which decode any byte):
    # both are plain text once control bytes are excluded.
    stripped = text.lstrip(b" \t\r\n\f\v")
    if stripped.startswith(b"#!"):
        return SCRIPT
    window = stripped[:MARKUP_WINDOW].lower()
    if window.startswith(_MARKUP_PREFIXES) or any(marker in window for marker in _MARKUP_NEAR_START):
        return HTML
    if window.startswith(b"<"):
        for tag in _MARKUP_TAGS:
            after = window[1 + len(tag) : 2 + len(tag)]
            if window[1:].startswith(tag) and after in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
                return HTML
    extension = clean_original_name(name).rpartition(".")[2].lower()
    return MD if extension in ("md", "markdown") else TXT


def _is_word_compound_file(fileobj):
    """True when an OLE2 compound file holds a "WordDocument" stream.

    The same container is used by Excel, PowerPoint and Windows installers
    (.msi); only the directory tells them apart. Walks the directory sector
    chain through the FAT, reading a few KB at most.
    """
    header = _read_at(fileobj, 0, 512)
    if len(header) < 512:
        return False
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        return False
    sector_size = 1 << sector_shift
    first_directory_sector = struct.unpack_from("<I", header, 0x30)[0]
    difat = struct.unpack_from("<109I", header, 0x4C)
    entries_per_fat_sector = sector_size // 4
    end_of_chain = 0xFFFFFFFA  # and above: free, end of chain, FAT, DIFAT

    def next_sector(sector):
        fat_index, position = divmod(sector, entries_per_fat_sector)
        if fat_index >= len(difat) or difat[fat_index] >= end_of_chain:
            return end_of_chain
        data = _read_at(fileobj, (difat[fat_index] + 1) * sector_size + position * 4, 4)
        return struct.unpack("<I", data)[0] if len(data) == 4 else end_of_chain

    sector, visited = first_directory_sector, 0
    while sector < end_of_chain and visited < 64:
        data = _read_at(fileobj, (sector + 1) * sector_size, sector_size)
        if len(data) < sector_size:
            return False
        for offset in range(0, sector_size, 128):
            name_length = struct.unpack_from("<H", data, offset + 0x40)[0]
            object_type = data[offset + 0x42]
            if object_type == 2 and 2 <= name_length <= 64:
                name = data[offset : offset + name_length - 2].decode("utf-16-le", "replace")
                if name == "WordDocument":
                    return True
        sector, visited = next_sector(sector), visited + 1
    return False


def _zip_kind(fileobj):
    fileobj.seek(0)
    try:
        # ZipFile reads the central directory at the end through seek/read:
        # the archive itself is not loaded.
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            _check_archive_size(infos)
            names = {info.filename for info in infos}
            if "mimetype" in names:
                mimetype = archive.open("mimetype").read(100).strip()
                if mimetype == b"application/vnd.oasis.opendocument.text":
                    return ODT
                if mimetype == b"application/epub+zip":
                    return EPUB
                if mimetype.startswith(b"application/vnd.oasis.opendocument"):
                    return ODF_OTHER
            if "[Content_Types].xml" in names:
                if "word/document.xml" not in names:
                    return OOXML_OTHER
                # Macros run code on the corrector's computer.
                return DOCM if "word/vbaProject.bin" in names else DOCX
            _check_archive_members(archive, infos)
            return ZIP
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError, struct.error) as error:
        raise ValidationError(
            _("Cette archive ZIP est illisible ou endommagée."), code="archive_invalid"
        ) from error


def _check_archive_size(infos):
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise ValidationError(
            _("Cette archive contient trop de fichiers (%(max)s au maximum)."),
            code="archive_too_many_files",
            params={"max": MAX_ARCHIVE_MEMBERS},
        )
    limit = min(ARCHIVE_EXPANSION_FACTOR * settings.FILE_UPLOAD_MAX_BYTES, MAX_ARCHIVE_UNCOMPRESSED_BYTES)
    if sum(info.file_size for info in infos) > limit:
        # A decompression bomb, or an archive far too big to be a manuscript.
        raise ValidationError(
            _("Cette archive est trop volumineuse une fois décompressée (%(max)s au maximum)."),
            code="archive_too_large",
            params={"max": human_size(limit)},
        )
    for info in infos:
        if (
            info.file_size > MEMBER_RATIO_MIN_BYTES
            and info.file_size > MAX_MEMBER_EXPANSION_RATIO * max(info.compress_size, 1)
        ):
            raise ValidationError(
                _(
                    "Ce fichier est refusé : une fois décompressé, son contenu serait plus de %(ratio)s fois "
                    "plus volumineux (fichier piégé ou endommagé)."
                ),
                code="archive_expansion_ratio",
                params={"ratio": MAX_MEMBER_EXPANSION_RATIO},
            )


def _is_system_junk(path):
    # What macOS and Windows add when a user zips a folder: harmless metadata.
    base = posixpath.basename(path)
    return (path.startswith("__MACOSX/") and base.startswith("._")) or base in (".DS_Store", "Thumbs.db", "desktop.ini")


def _check_archive_members(archive, infos):
    files = [info for info in infos if not info.is_dir() and not _is_system_junk(info.filename)]
    if not files:
        raise ValidationError(_("Cette archive ZIP ne contient aucun fichier."), code="archive_empty")
    for info in files:
        path = info.filename
        base = posixpath.basename(path)
        extension = base.rpartition(".")[2].lower() if "." in base else ""
        unsafe_path = path.startswith("/") or "\\" in path or ".." in path.split("/")
        if unsafe_path or extension not in ZIP_MEMBER_EXTENSIONS:
            raise _forbidden_member(base)
        if info.flag_bits & 0x1:
            raise ValidationError(
                _("L'archive contient un fichier protégé par mot de passe (« %(name)s ») : envoyez-le sans mot de passe."),
                code="archive_encrypted",
                params={"name": base},
            )
        if not _member_matches_extension(archive.open(info).read(MEMBER_HEAD_SIZE), extension, base):
            raise _forbidden_member(base)


def _member_matches_extension(head, extension, name):
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "doc":
        return head.startswith(OLE2_MAGIC)
    if extension in ("docx", "odt", "epub"):
        return head.startswith(b"PK\x03\x04")
    if extension == "rtf":
        return head.startswith(b"{\\rtf")
    return _text_kind(head, name) in (TXT, MD)


def _forbidden_member(name):
    return ValidationError(
        _(
            "L'archive contient un fichier refusé (« %(name)s ») : une archive ZIP ne peut contenir que des "
            "fichiers PDF, Word (.doc, .docx), OpenDocument (.odt), RTF, texte (.txt, .md) ou EPUB."
        ),
        code="archive_forbidden_member",
        params={"name": name},
    )
