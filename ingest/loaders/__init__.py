"""Turn a file on disk into a ``SourceText``: dispatch on extension, checked against the content.

The extension says what the user thinks the file is; the first bytes say what it is. When
they disagree we trust the content if it is unambiguously a format we read (a PDF named
``.txt`` is read as a PDF) and otherwise refuse with a message that says what was found.
Every refusal is an ``IngestError`` subclass; nothing here writes anything.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import (
    CorruptFileError,
    EmptyDocumentError,
    FileMissingError,
    FileTooLargeError,
    NotTextError,
    UnsupportedFormatError,
)
from ingest.records import SourceText

# extension -> format name used in SourceText.source_format
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}

_SNIFF_BYTES = 8192
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls container


def supported_list() -> str:
    """The supported extensions as a readable list (for messages and --help)."""
    return ", ".join(sorted(SUPPORTED_EXTENSIONS))


def sniff(data: bytes) -> str:
    """Name the container format from the first bytes: pdf, zip, ole, html, binary or text."""
    head = data[:_SNIFF_BYTES]
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if looks_binary(head):
        return "binary"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(b"<!doctype html") or lowered.startswith(b"<html"):
        return "html"
    return "text"


def looks_binary(head: bytes) -> bool:
    """True when bytes cannot be text in any 8-bit encoding we decode (NULs, many control codes).

    UTF-16 text has NULs too; we do not accept UTF-16, and the message says to save as UTF-8.
    """
    if not head:
        return False
    if b"\x00" in head:
        return True
    # Control characters other than tab/newline/carriage return/form feed are rare in text.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(head) > 0.05


def human_size(n: int) -> str:
    """Bytes as people read them: 3.4 KB, 61.2 MB."""
    if n >= 1048576:
        return f"{n / 1048576:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def load_file(path: Path, max_bytes: int, max_part_bytes: int | None = None) -> SourceText:
    """Read ``path`` into a ``SourceText``, refusing bad input with a specific ``IngestError``.

    The size limit is checked from the file system before anything is read; ``max_part_bytes``
    caps what one part of a .docx may inflate to (default: the docx loader's own cap).
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise FileMissingError(f"{path}: no such file. Check the path and try again.")
    ext = path.suffix.lower()
    fmt = SUPPORTED_EXTENSIONS.get(ext)
    if fmt is None:
        shown = f"'{ext}'" if ext else "no extension"
        raise UnsupportedFormatError(
            f"{name}: {shown} is not a supported document type. Supported: {supported_list()}. "
            "Save the document in one of these formats and try again."
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLargeError(
            f"{name} is {human_size(size)}; the limit is {human_size(max_bytes)}. "
            "Split the document, or raise STANDARDS_MAX_FILE_MB."
        )
    if size == 0:
        raise EmptyDocumentError(f"{name} is empty (0 bytes). Check that you picked the right file.")
    data = path.read_bytes()
    kind = sniff(data)

    if kind == "pdf":
        from ingest.loaders.pdf import load_pdf

        return load_pdf(path)
    if kind == "zip":
        if fmt == "docx" or _zip_is_docx(path):
            from ingest.loaders.docx import load_docx

            return load_docx(path, max_bytes=max_bytes, max_part_bytes=max_part_bytes)
        raise CorruptFileError(
            f"{name} is a zip archive, not a {fmt.upper()} document. "
            "Unpack it, or export the document itself, and ingest that."
        )
    if fmt == "pdf":
        raise CorruptFileError(
            f"{name} is not a PDF (it does not start with the %PDF header); it may be damaged or "
            "misnamed. Re-export it as PDF and try again."
        )
    if fmt == "docx":
        if kind == "ole":
            raise CorruptFileError(
                f"{name} is an old Word 97-2003 (.doc) file named .docx. Open it in Word or "
                "LibreOffice, save it as .docx, and try again."
            )
        raise CorruptFileError(
            f"{name} is not a valid .docx (a .docx is a zip archive; this file is not). It may be "
            "damaged or misnamed; re-save it from Word as .docx and try again."
        )
    if kind in ("binary", "ole"):
        raise NotTextError(
            f"{name} contains binary data, not text (its extension says {fmt}). If it is a "
            "document from another program, export it as PDF, DOCX, HTML or UTF-8 text. "
            "UTF-16 text must be saved as UTF-8."
        )
    if not data.strip(b" \t\r\n\x0b\x0c\xef\xbb\xbf"):
        raise EmptyDocumentError(
            f"{name} has no text (only spaces and blank lines). Check that you picked the right file."
        )
    if fmt == "html" or kind == "html":
        from ingest.loaders.html import load_html

        return load_html(data)
    from ingest.loaders.text import load_text_bytes

    return load_text_bytes(data, fmt)


def _zip_is_docx(path: Path) -> bool:
    """True when a zip (whatever its name) holds a Word document body."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
