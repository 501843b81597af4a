"""Round five of the duty frame. Sentences are written for these tests (not taken from any
authority's documents).

Each test runs the real extractor (real spaCy parser, real taxonomy) on a one-clause document,
or the frame's grammar on the real parse.
"""

from __future__ import annotations

from extractors.frame import _other_figure_between, parse
from extractors.obligations import extract_obligations
from ingest.records import Clause


def _clause(text: str, headings: list[str] | None = None, row: str | None = None) -> Clause:
    return Clause(id="cccc0000-0001", document_id="doc", authority="Testshire", ordinal=1,
                  heading_path=headings or ["Standards"], clause_ref="1", text=text, plain_text=text,
                  start=0, end=len(text), cohort_context=row)


def _all(text: str, headings: list[str] | None = None, row: str | None = None):
    return extract_obligations([_clause(text, headings, row)], text)


def _one(text: str, headings: list[str] | None = None, row: str | None = None):
    found = _all(text, headings, row)
    assert len(found) == 1, [(o.timescale.phrase, o.extra.get("duty")) for o in found]
    return found[0]


# --- tokens are compared by position (spaCy makes a new Token object on every access) -------
def test_a_later_word_behind_another_figure_is_not_this_figures():
    doc = parse("Visit weekly, then monthly, and quarterly thereafter.")
    weekly = next(t for t in doc if t.lower_ == "weekly")
    monthly = next(t for t in doc if t.lower_ == "monthly")
    quarterly = next(t for t in doc if t.lower_ == "quarterly")
    thereafter = next(t for t in doc if t.lower_ == "thereafter")
    figures = [(t.i, t.i + 1) for t in (weekly, monthly, quarterly)]
    # "thereafter" at the end belongs to "quarterly", not to the figures standing before that one.
    assert _other_figure_between(thereafter.i, doc[weekly.i:weekly.i + 1], figures)
    assert not _other_figure_between(thereafter.i, doc[quarterly.i:quarterly.i + 1], figures)


def test_the_root_is_its_own_head_by_position():
    doc = parse("The manager must sign off the plan.")
    root = next(t for t in doc if t.dep_ == "ROOT")
    assert root.head is not root  # why frame.py compares .i: identity never holds
    assert root.head.i == root.i
