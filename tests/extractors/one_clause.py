"""One clause made up for a test, and the obligations the real extractor (real spaCy parser,
real taxonomy) reads from it as a one-clause document."""

from __future__ import annotations

from extractors.obligations import extract_obligations
from extractors.records import Obligation
from ingest.records import Clause


def one_clause(text: str, headings: list[str] | None = None, row: str | None = None) -> Clause:
    """``text`` as the only clause of a Testshire document, under ``headings`` and table ``row``."""
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row)


def extract_one(text: str, headings: list[str] | None = None, row: str | None = None) -> list[Obligation]:
    """The obligations extracted from ``one_clause(text, headings, row)``."""
    return extract_obligations([one_clause(text, headings, row)], text)
