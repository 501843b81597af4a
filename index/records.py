"""Typed records of the index stage."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.records import Clause


@dataclass
class SearchFilters:
    """Restrict a search. Empty lists mean "no restriction"."""

    authorities: list[str] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)
    topic: str | None = None
    cohort: str | None = None


@dataclass
class Hit:
    """One ranked clause. ``score`` is the fused score; the per-retriever ranks explain it."""

    clause: Clause
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None
    dense_score: float | None = None
