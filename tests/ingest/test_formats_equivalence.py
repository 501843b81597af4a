"""DOCX and PDF versions of a shipped document, made here, give the same clauses as its text.

Wokingham's standards (004) are rebuilt faithfully from the text loader's view of the file:
heading blocks as heading styles, tab-separated rows as real Word tables, every other line a
paragraph (DOCX); the same lines typeset on A4 with rows as real tables (PDF, fpdf2).
Clauses are compared by reference and folded plain text. PDF has no table cells, so for the
PDF only the clauses outside table rows are compared (in order), and each has its page.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from ingest.loaders import load_file
from ingest.parse import parse_file
from ingest.records import DocumentMeta
from ingest.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "corpus" / "004_f6e1279407d87ed7.txt"
META = DocumentMeta(authority="Wokingham", title="Children's Services Practice Standards 2020 - 2021")

_spec = importlib.util.spec_from_file_location("ingest_bench", ROOT / "benchmarks" / "ingest_bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _fold(text: str) -> str:
    """Compare words, not layout: case, whitespace, bullets and punctuation spacing folded."""
    text = re.sub(r"[\u2022\u00b7\uf0b7\u25aa\u25cf\u2013\u2014-]", " ", text)
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    settings = load_settings()
    source = load_file(DOC, settings.max_file_bytes)
    docx_path, pdf_path = folder / (DOC.stem + ".docx"), folder / (DOC.stem + ".pdf")
    bench.source_to_docx(source, docx_path)
    pages = bench.source_to_pdf(source, pdf_path)
    return {
        "txt": parse_file(DOC, META, settings),
        "docx": parse_file(docx_path, META, settings),
        "pdf": parse_file(pdf_path, META, settings),
        "pages": pages,
        "source": source,
    }


def _signature(clauses) -> list[tuple[str | None, str]]:
    return [(c.clause_ref, _fold(c.plain_text)) for c in clauses]


def test_docx_gives_the_same_clauses(versions) -> None:
    txt, docx = versions["txt"], versions["docx"]
    assert docx.source.source_format == "docx"
    assert _signature(docx.clauses) == _signature(txt.clauses)
    assert [c.heading_path for c in docx.clauses] == [c.heading_path for c in txt.clauses]
    assert [(c.cohort_context, c.role_context) for c in docx.clauses] == [
        (c.cohort_context, c.role_context) for c in txt.clauses
    ]


def test_pdf_gives_the_same_clauses_with_pages(versions) -> None:
    txt, pdf, source = versions["txt"], versions["pdf"], versions["source"]
    rows = [(b.start, b.end) for b in source.blocks if b.kind == "row"]

    def in_row(clause) -> bool:
        return any(s < clause.end and clause.start < e for s, e in rows)

    expected = [sig for c, sig in zip(txt.clauses, _signature(txt.clauses), strict=True) if not in_row(c)]
    got = _signature(pdf.clauses)
    # Every non-table clause of the text appears, in the same order, in the PDF.
    it = iter(got)
    missing = [sig for sig in expected if not any(sig == g for g in it)]
    assert missing == [], missing[:3]
    assert len(expected) > 100
    pages = [c.page for c in pdf.clauses]
    assert all(p is not None for p in pages)
    assert pages == sorted(pages)  # in reading order across the pages
    assert pages[-1] == versions["pages"] or pages[-1] == versions["pages"] - 1
