"""Small helpers without dependencies on the rest of the app."""

import posixpath
import unicodedata

_UNITS = (("Go", 1024**3), ("Mo", 1024**2), ("Ko", 1024))


def human_size(size):
    """A byte count the French way: ``"50 Mo"``, ``"2,5 Go"``, ``"812 octets"``."""
    size = int(size or 0)
    for unit, factor in _UNITS:
        if size >= factor:
            value = round(size / factor, 1)
            text = f"{value:.1f}".removesuffix(".0").replace(".", ",")
            return f"{text} {unit}"
    return f"{size} octet" if size <= 1 else f"{size} octets"


def clean_original_name(name, *, max_length=255):
    """The user's file name, safe to show and to put in a header.

    Only the last path component is kept (old browsers send ``C:\\...\\x.pdf``),
    control characters are removed and the length is capped while keeping the
    extension.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = posixpath.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return "fichier"
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: max_length - len(extension) - 1] + "." + extension
        else:
            name = name[:max_length]
    return name
