"""Typed records of the ingest stage.

Offsets: ``start``/``end`` are character offsets into ``SourceText.text`` (the text the loader
extracted from the file, stored verbatim as ``document_versions.text``). A citation can
always be re-checked with ``text[start:end]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "row"]


@dataclass
class Cell:
    """One table cell: its raw text and span in ``SourceText.text``."""

    text: str
    start: int
    end: int


@dataclass
class Block:
    """A unit the loader recognised before structure recovery.

    ``paragraph``: one line/paragraph of running text. ``heading``: a paragraph styled or
    recognised as a heading (``level`` 1 = top). ``row``: one table row with its ``cells``
    (from a DOCX table, or a tab-separated line in text).
    """

    kind: BlockKind
    text: str
    start: int
    end: int
    page: int | None = None
    level: int | None = None
    cells: list[Cell] = field(default_factory=list)


@dataclass
class SourceText:
    """What a loader returns: the extracted text, its blocks, and the page map (PDF only)."""

    text: str
    blocks: list[Block]
    source_format: str  # "txt" | "md" | "pdf" | "docx" | "html"
    pages: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, page number)

    def page_at(self, offset: int) -> int | None:
        """Page number (1-based) holding character ``offset``, or None for unpaged formats."""
        for start, end, page in self.pages:
            if start <= offset < end:
                return page
        return None


@dataclass
class Section:
    """A heading and its place in the document's outline."""

    heading_path: list[str]
    start: int
    end: int
    ordinal: int


@dataclass
class Clause:
    """The unit a user cites: a numbered standard, a bullet under a table row, or a paragraph.

    ``text`` keeps the source characters verbatim (markdown bold, inline HTML and all) so that
    quotes can be matched against it; page furniture, footnotes and bookmarks that interrupt
    it are left out. ``plain_text`` is the same clause with markup, bullets and entities
    normalised, for display and embedding. ``cohort_context`` is the table row label the clause
    sits under (e.g. "Children Subject of Child Protection Plans"); ``role_context`` the
    responsible-role column (e.g. "Social Worker").
    """

    id: str
    document_id: str
    authority: str
    ordinal: int
    heading_path: list[str]
    clause_ref: str | None
    text: str
    plain_text: str
    start: int
    end: int
    page: int | None = None
    cohort_context: str | None = None
    role_context: str | None = None
    version_id: int | None = None

    @property
    def section(self) -> str:
        """The heading path as people read it: ``A › B``."""
        return " › ".join(self.heading_path)


@dataclass
class DocumentMeta:
    """What the manifest (or the ``ingest`` command line) says about a file."""

    authority: str
    title: str
    version: str | None = None
    date: str | None = None
    notes: str | None = None


@dataclass
class ParsedDocument:
    """A document after parsing, before it is stored."""

    document_id: str
    meta: DocumentMeta
    source_name: str
    source_path: str
    content_hash: str
    source: SourceText
    sections: list[Section]
    clauses: list[Clause]


@dataclass
class DocumentInfo:
    """A stored document as listed by ``standards documents`` and ``GET /api/documents``."""

    id: str
    authority: str
    title: str
    source_name: str
    source_format: str
    version: str | None
    date: str | None
    notes: str | None
    content_hash: str
    version_id: int
    ingested_at: str
    clause_count: int
    obligation_count: int
    page_count: int | None = None
