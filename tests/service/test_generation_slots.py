"""The candidate sentences a snapshot keeps per store generation (``service.evidence._candidate_slots``:
each sentence's list lead, context words, duties, age bands and event ends) follow the store.

A question is answered, then a new document is ingested through the real pipeline; the next
answer, from a snapshot that inherited the first one's caches and from a plain connection that
refreshes itself, must use the new document, and equal the answer of a snapshot built from nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ingest.records import DocumentMeta
from ingest.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
# Invented standards for an invented authority (none of it is shipped text).
FIRST = (
    "Fenmoor Practice Standards\n\nHome Visits\n"
    "1. A child in need will be seen at home at least every 5 weeks by the allocated worker.\n"
    "2. The worker will record each home visit within 2 working days.\n"
)
# A later document: respite stays, with their review set apart as a list under a lead.
SECOND = (
    "Fenmoor Respite Standards\n\nShort Breaks\n"
    "1. Every short break placement will be reviewed as follows:\n"
    "- the first review within 15 working days of the first overnight stay;\n"
    "- later reviews at least every 3 months.\n"
)
QUESTION = "When is the first review of a short break placement due in Fenmoor?"
FRAGMENT = "within 15 working days of the first overnight stay"


@pytest.fixture
def store(tmp_path: Path):
    """A SQLite store holding Fenmoor's first document; ``add_second`` commits the second."""
    from index.embedder import load_embedder
    from ingest.store import connect
    from service.pipeline import add_document

    settings = dataclasses.replace(
        load_settings(),
        data_dir=tmp_path / "data",
        database_url="",
        corpus_dir=ROOT / "corpus",
        admin_token="",
    )
    embedder = load_embedder(settings)
    (tmp_path / "visits.txt").write_text(FIRST, encoding="utf-8")
    (tmp_path / "breaks.txt").write_text(SECOND, encoding="utf-8")
    writer = connect(settings.database)
    add_document(
        writer,
        tmp_path / "visits.txt",
        DocumentMeta(authority="Fenmoor", title="Visits"),
        settings,
        embedder=embedder,
    )

    def add_second() -> None:
        add_document(
            writer,
            tmp_path / "breaks.txt",
            DocumentMeta(authority="Fenmoor", title="Breaks"),
            settings,
            embedder=embedder,
        )

    yield settings, embedder, add_second
    writer.close()


def _cites(answer) -> bool:
    data = answer.to_dict()
    return (
        any(FRAGMENT in " ".join(c["text"].split()) for c in data["citations"]) and FRAGMENT in data["answer"]
    )


def test_an_answer_uses_a_document_ingested_after_a_question(store) -> None:
    from service.answer import ask
    from service.query import open_source
    from service.state import build_state

    settings, embedder, add_second = store
    old = build_state(settings, embedder=embedder)
    plain = open_source(settings)
    before = ask(old, QUESTION)
    assert not _cites(before)
    assert not _cites(ask(plain, QUESTION))
    held = set(old.generation_cache("candidate_slots"))
    assert held  # primed when the snapshot was built

    add_second()

    # A snapshot built on the old one's caches: the new clauses are candidates, the answer quotes them.
    new = build_state(settings, embedder=embedder, previous=old)
    assert new.generation > old.generation
    answer = ask(new, QUESTION)
    assert not answer.abstained and _cites(answer), answer.to_dict()["answer"]
    assert set(new.generation_cache("candidate_slots")) > held
    # The old clauses' slots were worked out again for the new generation (their duties and the
    # list leads before them are read from the whole store), not carried over.
    assert all(
        new.generation_cache("candidate_slots")[cid] is not old.generation_cache("candidate_slots")[cid]
        for cid in held
    )
    # A list item carries its lead's words (the lead is the sentence before it, in its clause or the one before).
    item = next(c for c in _candidates(new) if FRAGMENT in c.facts.plain)
    assert item.lead_text is not None and item.lead_text.endswith("as follows:")
    # Exactly what a snapshot built from nothing answers ...
    fresh = build_state(settings, embedder=embedder)
    assert fresh.generation == new.generation
    assert ask(fresh, QUESTION).to_dict() == answer.to_dict()
    # ... and what a state over a plain connection answers once it has seen the new generation.
    assert ask(plain, QUESTION).to_dict() == answer.to_dict()
    for state in (old, new, fresh):
        state.close()
    plain.conn.close()


def _candidates(state):
    from service.evidence import gather
    from service.question import understand

    question = understand(QUESTION, state.resolver, state.taxonomy)
    return gather(state, question, ["Fenmoor"]).by_authority["Fenmoor"]
