"""Parse one file into a ``ParsedDocument``: load, recover structure, hash. Writes nothing."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from ingest.errors import InvalidAuthorityError, NoClausesError
from ingest.loaders import load_file
from ingest.records import DocumentMeta, ParsedDocument
from ingest.settings import Settings

# A slug keeps at most this many characters of a name before its hash suffix: long enough to
# read (file stems in the wild run to 40-60), short enough for a URL and a file name.
SLUG_MAX_CHARS = 60
# Hex digits of sha256 appended when folding a name to ASCII lost information (non-ASCII
# letters, truncation): 32 bits, so two such names of one authority collide ~1 in 4 billion.
SLUG_HASH_CHARS = 8
# Joins the authority's slug and the file's slug in a document id. A slug never contains it
# (runs of separators collapse to one '-'), so the id reads back unambiguously.
ID_SEPARATOR = "--"
# Words the API reads as "every authority" (GET /api/export/induction?authority=all); an
# authority may not be called that.
ALL_AUTHORITIES_WORDS = frozenset({"all", "*", "all authorities", "all-authorities"})
AUTHORITY_MAX_CHARS = 120


def slug(name: str) -> str:
    """A stable, URL-safe slug of ``name`` ([a-z0-9_-], at most ~70 characters).

    ASCII names fold to lower case with other characters as '-' (so "Practice Standards.docx"
    and "practice-standards.docx" are one document). A name with non-ASCII letters, or one
    longer than ``SLUG_MAX_CHARS``, also gets a short hash of the whole (case-folded) name, so
    "文件" and "規則" — or two 300-character names sharing a start — stay distinct.
    """
    nfc = unicodedata.normalize("NFC", name).strip()
    folded = unicodedata.normalize("NFKD", nfc).encode("ascii", "ignore").decode("ascii").lower()
    base = re.sub(r"[^a-z0-9_]+", "-", folded).strip("-_")
    if base and nfc.isascii() and len(base) <= SLUG_MAX_CHARS:
        return base
    digest = hashlib.sha256(nfc.casefold().encode("utf-8", "surrogatepass")).hexdigest()[:SLUG_HASH_CHARS]
    base = base[:SLUG_MAX_CHARS].strip("-_")
    return f"{base}-{digest}" if base else f"document-{digest}"


def document_id(authority: str, source_name: str) -> str:
    """The id of the document a file becomes: ``{authority slug}--{file stem slug}``.

    Keyed by authority, so a file named like another authority's document never replaces it;
    stable, so re-ingesting the same file (same name, same authority) makes a new version.
    """
    return f"{slug(authority)}{ID_SEPARATOR}{slug(Path(source_name).stem or source_name)}"


def document_slug(path: Path, authority: str) -> str:
    """``document_id`` of the file at ``path`` for ``authority`` (kept for callers holding a path)."""
    return document_id(authority, Path(path).name)


def check_authority_name(name: str) -> str:
    """The authority name with its whitespace tidied, or ``InvalidAuthorityError`` saying why not.

    Refused: empty names, control characters (a NUL byte or a newline cannot be shown or typed
    back), names longer than ``AUTHORITY_MAX_CHARS``, and the words that mean "all authorities".
    """
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise InvalidAuthorityError(
            "The authority name contains control or invisible characters (such as a NUL byte or a line "
            "break). Type the authority's name as plain text, e.g. 'Reading'."
        )
    tidy = " ".join(name.split())
    if not tidy:
        raise InvalidAuthorityError("The authority is empty: give the local authority the document belongs to.")
    if len(tidy) > AUTHORITY_MAX_CHARS:
        raise InvalidAuthorityError(
            f"The authority name is {len(tidy)} characters long; the limit is {AUTHORITY_MAX_CHARS}."
        )
    if tidy.casefold() in ALL_AUTHORITIES_WORDS:
        raise InvalidAuthorityError(
            f"'{tidy}' cannot be an authority's name: the API reads it as 'every authority'. Use the "
            "authority's own name."
        )
    return tidy


def content_hash(data: bytes) -> str:
    """sha256 of the file's bytes (what decides "unchanged" on re-ingest)."""
    return hashlib.sha256(data).hexdigest()


def parse_file(
    path: Path, meta: DocumentMeta, settings: Settings, source_name: str | None = None
) -> ParsedDocument:
    """Load ``path`` and recover its sections and clauses.

    ``source_name`` is the file's name as the user gave it when it is stored under another
    name (an upload's name can be longer than the file system allows); it decides the id.
    Raises an ``IngestError`` subclass for any bad input, and ``NoClausesError`` when the
    document has text but nothing that could be cited.
    """
    from ingest.structure import recover_structure

    path = Path(path)
    name = source_name or path.name
    source = load_file(path, settings.max_file_bytes, max_part_bytes=settings.max_docx_part_bytes)
    # load_file has checked the size; the bytes are read again for the hash (cheap, and keeps
    # the loaders free to stream).
    digest = content_hash(path.read_bytes())
    doc_id = document_id(meta.authority, name)
    sections, clauses = recover_structure(source, doc_id, meta.authority, digest[:8])
    if not clauses:
        raise NoClausesError(
            f"{name}: no clauses were found in its text (no numbered standards, bullets or "
            "paragraphs that could be cited). Check that this is a standards document."
        )
    return ParsedDocument(
        document_id=doc_id,
        meta=meta,
        source_name=name,
        source_path=str(path.resolve()),
        content_hash=digest,
        source=source,
        sections=sections,
        clauses=clauses,
    )
