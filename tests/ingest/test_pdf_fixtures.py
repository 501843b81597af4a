"""The two real PDFs in tests/fixtures (copied from ../shared/fixtures): pages kept, running headers/footers gone, regulations numbered."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.loaders.pdf import load_pdf
from ingest.parse import parse_file
from ingest.records import DocumentMeta
from ingest.settings import load_settings

REGULATIONS = "childrens-homes-regulations-2015.pdf"
GUIDE = "dfe-guide-childrens-homes-regulations-2015.pdf"


@pytest.fixture(scope="module")
def parsed():
    """Both PDFs parsed once (parsing a 47- and an 81-page PDF takes a few seconds)."""
    folder = Path(__file__).resolve().parents[1] / "fixtures"
    meta = DocumentMeta(authority="DfE", title="Children's homes")
    settings = load_settings()
    return {name: parse_file(folder / name, meta, settings) for name in (REGULATIONS, GUIDE)}


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).lower()


@pytest.mark.parametrize("name", [REGULATIONS, GUIDE])
def test_pages_and_no_furniture(name: str, parsed) -> None:
    doc = parsed[name]
    source = doc.source
    assert [p for _, _, p in source.pages] == list(range(1, len(source.pages) + 1))
    assert len(source.pages) in (47, 81)
    # Nothing that recurs at the top/bottom of most pages survives as text or as a clause.
    assert "Document Generated" not in source.text
    assert "Changes to legislation: There are currently no known outstanding effects" not in source.text
    assert len(doc.clauses) > 100
    pages_of = Counter(_key(c.plain_text) for c in doc.clauses)
    repeated = [k for k, n in pages_of.items() if n > len(source.pages) / 2]
    assert repeated == []
    for clause in doc.clauses:
        assert clause.page is not None and 1 <= clause.page <= len(source.pages)
        assert source.page_at(clause.start) == clause.page
        assert source.text[clause.start : clause.end] == clause.text
        assert not re.fullmatch(r"\s*(page\s*)?\d+\s*", clause.plain_text, re.IGNORECASE)


def test_regulations_keep_their_numbers(parsed) -> None:
    doc = parsed[REGULATIONS]
    refs = [c.clause_ref or "" for c in doc.clauses]
    # Regulations print as "12.—(1) ..."; the number must be kept as the clause reference.
    numbered = {int(m.group(1)) for r in refs if (m := re.match(r"^(\d+)\b", r))}
    assert {2, 3, 5, 12, 13, 34}.issubset(numbered), sorted(numbered)[:60]
    # Regulation 34 is on a later page than regulation 5.
    page_of = {}
    for c in doc.clauses:
        m = re.match(r"^(\d+)\b", c.clause_ref or "")
        if m:
            page_of.setdefault(int(m.group(1)), c.page)
    assert page_of[34] > page_of[5]


def test_guide_paragraph_numbers(parsed) -> None:
    doc = parsed[GUIDE]
    refs = {c.clause_ref for c in doc.clauses if c.clause_ref}
    assert {"1.11", "4.2"} & refs
    clause = next(c for c in doc.clauses if c.clause_ref in ("1.11", "4.2"))
    assert clause.page in (6, 21)


def test_loader_drops_header_keeps_regulation_lines() -> None:
    folder = Path(__file__).resolve().parents[1] / "fixtures"
    source = load_pdf(folder / REGULATIONS)
    assert sum(1 for b in source.blocks if b.text.startswith("Document Generated")) == 0
    assert any(b.text.startswith("3.—(1)") for b in source.blocks)
