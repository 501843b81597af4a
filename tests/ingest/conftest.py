"""Fixtures for the ingest tests: the shipped corpus parsed once per session (real files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders.text import load_text_bytes
from ingest.records import Clause, SourceText
from ingest.structure import recover_structure

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
EVAL = ROOT / "eval"


@pytest.fixture(scope="session")
def corpus_clauses() -> dict[str, tuple[SourceText, list[Clause]]]:
    """Every shipped .txt document -> (its SourceText, its recovered clauses)."""
    out = {}
    for path in sorted(CORPUS.glob("*.txt")):
        source = load_text_bytes(path.read_bytes(), "txt")
        _sections, clauses = recover_structure(source, path.stem, "test", path.stem[:8])
        out[path.name] = (source, clauses)
    return out
