"""Parse one file into a ``ParsedDocument``: load, recover structure, hash. Writes nothing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ingest.errors import NoClausesError
from ingest.loaders import load_file
from ingest.records import DocumentMeta, ParsedDocument
from ingest.settings import Settings


def document_slug(path: Path) -> str:
    """The document id for a file: its stem, lower-cased, anything but letters/digits/_ as '-'."""
    slug = re.sub(r"[^a-z0-9_]+", "-", Path(path).stem.lower()).strip("-_")
    return slug or "document"


def content_hash(data: bytes) -> str:
    """sha256 of the file's bytes (what decides "unchanged" on re-ingest)."""
    return hashlib.sha256(data).hexdigest()


def parse_file(path: Path, meta: DocumentMeta, settings: Settings) -> ParsedDocument:
    """Load ``path`` and recover its sections and clauses.

    Raises an ``IngestError`` subclass for any bad input, and ``NoClausesError`` when the
    document has text but nothing that could be cited.
    """
    from ingest.structure import recover_structure

    path = Path(path)
    source = load_file(path, settings.max_file_bytes)
    # load_file has checked the size; the bytes are read again for the hash (cheap, and keeps
    # the loaders free to stream).
    digest = content_hash(path.read_bytes())
    document_id = document_slug(path)
    sections, clauses = recover_structure(source, document_id, meta.authority, digest[:8])
    if not clauses:
        raise NoClausesError(
            f"{path.name}: no clauses were found in its text (no numbered standards, bullets or "
            "paragraphs that could be cited). Check that this is a standards document."
        )
    return ParsedDocument(
        document_id=document_id,
        meta=meta,
        source_name=path.name,
        source_path=str(path.resolve()),
        content_hash=digest,
        source=source,
        sections=sections,
        clauses=clauses,
    )
