"""Small but real files of every kind, built in memory for the tests.

Other apps' tests may import them (``from files.tests.samples import pdf_bytes``).
"""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def upload(name, content, content_type="application/octet-stream"):
    """What Django hands a view for a small upload (the browser's type is a claim)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_bytes(text="Bonjour"):
    """A minimal, valid one-page PDF."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _zip(members, *, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in members:
            if name == "mimetype":  # ODF/EPUB: first and uncompressed
                archive.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_STORED)
            else:
                archive.writestr(name, content)
    return out.getvalue()


def zip_bytes(members):
    """A ZIP of ``[(name, bytes), ...]``."""
    return _zip(members)


def docx_bytes(text="Il était une fois."):
    return _zip([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="word/document.xml"/></Relationships>'),
        ("word/document.xml",
         '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
         f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"),
    ])


def docm_bytes():
    """A Word document with macros: a .docx that runs code."""
    out = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return out.getvalue()


def xlsx_bytes():
    return _zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])


def odt_bytes(text="Il était une fois."):
    return _zip([
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest/>'),
        ("content.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-content><text:p>{text}</text:p>'
                        "</office:document-content>"),
    ])


def epub_bytes():
    return _zip([
        ("mimetype", b"application/epub+zip"),
        ("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0"><rootfiles>'
                                   '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                                   "</rootfiles></container>"),
        ("OEBPS/content.opf", '<?xml version="1.0"?><package version="3.0"/>'),
        ("OEBPS/chapitre1.xhtml", "<html><body><p>Chapitre premier</p></body></html>"),
    ])


def rtf_bytes():
    return rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} \f0 Il \'e9tait une fois.\par}"


def doc_bytes(*, stream="WordDocument", entries_before=0):
    """A minimal OLE2 compound file (the .doc container) holding ``stream``.

    ``entries_before`` empty-named storages come first, so that the stream's
    directory entry can land in the second directory sector.
    """
    sector = 512
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    entries = [("Root Entry", 5)] + [(f"Dossier{i}", 1) for i in range(entries_before)] + [(stream, 2)]
    directory_sectors = -(-len(entries) // 4)
    first_directory = 1
    data_sector = first_directory + directory_sectors
    fat = [fat_sector]
    fat += [first_directory + i + 1 for i in range(directory_sectors - 1)] + [end]
    fat += [end]  # the stream's single data sector
    fat += [free] * (128 - len(fat))

    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", header, 0x2C, 1, first_directory, 0)
    struct.pack_into("<IIIII", header, 0x38, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))

    directory = bytearray(directory_sectors * sector)
    for index, (name, object_type) in enumerate(entries):
        offset = index * 128
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, offset + 0x40, len(encoded), object_type, 1)
        struct.pack_into("<III", directory, offset + 0x44, free, free, free)
        if object_type == 2:
            struct.pack_into("<IQ", directory, offset + 0x74, data_sector, 512)
    body = struct.pack("<128I", *fat) + bytes(directory) + b"Il etait une fois.".ljust(sector, b"\x00")
    return bytes(header) + body


def image_bytes(fmt="PNG"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def exe_bytes():
    """The start of a Windows PE executable."""
    header = bytearray(b"MZ" + b"\x90" * 58 + struct.pack("<I", 64))
    return bytes(header) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def elf_bytes():
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 100


HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b'<script>alert(document.domain)</script></svg>')
SHELL_SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
TEXT = "Chapitre 1\n\nIl était une fois, à l'orée d'un bois, une fée très âgée.\n".encode()
MARKDOWN = "# Chapitre 1\n\n*Il était une fois* une **fée**.\n".encode()


def docx_bomb_bytes(inflated_bytes=400 * 1024 * 1024):
    """A real-looking DOCX whose document.xml inflates ~330 times (1.2 MB → 400 MB
    by default: under the archive limit, 10 × 50 MB), built by streaming so the
    test never holds the inflated text."""
    out = io.BytesIO()
    head = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(head)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, source.read(info))
        paragraph = b"<w:p><w:r><w:t>Il \xc3\xa9tait une fois.</w:t></w:r></w:p>" * 1000
        with archive.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(b'<?xml version="1.0" encoding="UTF-8"?><w:document><w:body>')
            for _ in range(inflated_bytes // len(paragraph)):
                document.write(paragraph)
            document.write(b"</w:body></w:document>")
    return out.getvalue()
