"""What a snapshot keeps in memory (issue 14) still describes exactly its own committed state.

A ``ServiceState`` built by ``build_state`` holds a read transaction, so it reads the store
generation once and keeps each clause's sentences, the clauses a search returned, sentence
vectors and the conflicts among an authority's duties in memory. These tests commit a new
document through the real pipeline while such a snapshot is open and check that the snapshot
keeps answering from what it held, that a snapshot built afterwards sees the new document, and
that a state over a plain connection (the CLI's ``open_source``) still follows the store.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ingest.records import DocumentMeta
from ingest.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
FIRST = (
    "Oldshire Practice Standards\n\nChildren in Need\n"
    "1. Children in need will be visited at least every 4 weeks by their social worker.\n"
    "2. The child in need plan will be reviewed within 3 months of the first meeting.\n"
)
SECOND = (
    "Newshire Practice Standards\n\nCore Group Meetings\n"
    "1. The first core group meeting will be held within 8 working days of the Initial Child Protection Conference.\n"
    "2. Thereafter, core group meetings will be held at least every 4 weeks.\n"
)
QUESTION = "When must the first core group meeting take place in Newshire?"
FRAGMENT = "within 8 working days of the Initial Child Protection Conference"


@pytest.fixture
def one_document(tmp_path: Path):
    """A SQLite store holding Oldshire's document (the real pipeline and model)."""
    from index.embedder import load_embedder
    from ingest.store import connect
    from service.pipeline import add_document

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data", database_url="",
                                   corpus_dir=ROOT / "corpus", admin_token="")
    embedder = load_embedder(settings)
    (tmp_path / "oldshire.txt").write_text(FIRST, encoding="utf-8")
    (tmp_path / "newshire.txt").write_text(SECOND, encoding="utf-8")
    writer = connect(settings.database)
    add_document(writer, tmp_path / "oldshire.txt", DocumentMeta(authority="Oldshire", title="Old"), settings,
                 embedder=embedder)

    def add_second() -> None:
        add_document(writer, tmp_path / "newshire.txt", DocumentMeta(authority="Newshire", title="New"), settings,
                     embedder=embedder)

    yield settings, embedder, add_second
    writer.close()


def _cited(answer) -> bool:
    return any(FRAGMENT in " ".join(c["text"].split()) for c in answer.to_dict()["citations"])


def test_a_snapshot_keeps_what_it_held_after_a_commit(one_document) -> None:
    from index.sentences import sentence_vectors, sentences_of
    from ingest.store import connect, generation
    from service.answer import ask
    from service.evidence import _stored_vectors, clause_sentences
    from service.state import build_state

    settings, embedder, add_second = one_document
    old = build_state(settings, embedder=embedder)
    assert old.pinned
    before = old.generation
    clause_ids = [r[0] for r in old.conn.execute("SELECT id FROM clauses WHERE is_current = 1")]
    held = clause_sentences(old, clause_ids)
    assert held == sentences_of(old.conn, clause_ids) and all(held.values())

    add_second()  # committed: the store's generation moves on

    live = connect(settings.database)
    assert generation(live) > before
    live.close()
    # The snapshot still shows its own generation, authorities and sentences ...
    assert old.generation == before and old.authorities() == ["Oldshire"]
    assert clause_sentences(old, clause_ids) == held
    assert not _cited(ask(old, "When must the first core group meeting take place?"))
    # ... and vectors read through it equal the stored ones.
    keys = {r.content_hash for rows in held.values() for r in rows}
    model = embedder.model_id
    stored = sentence_vectors(old.conn, keys, model)
    cached = _stored_vectors(old, keys, model)
    assert stored.keys() == cached.keys() == keys
    assert all((stored[k] == cached[k]).all() for k in keys)
    old.close()

    # A snapshot built now sees the new document, its sentences and its answer.
    new = build_state(settings, embedder=embedder, previous=old)
    assert new.generation > before and "Newshire" in new.authorities()
    new_ids = [r[0] for r in new.conn.execute("SELECT id FROM clauses WHERE is_current = 1")]
    assert clause_sentences(new, new_ids) == sentences_of(new.conn, new_ids)
    answer = ask(new, QUESTION)
    assert not answer.abstained and _cited(answer), answer.to_dict()["answer"]
    # Asked again: the same answer from what the snapshot now keeps in memory.
    assert ask(new, QUESTION).to_dict() == answer.to_dict()
    new.close()


def test_a_state_over_a_plain_connection_follows_the_store(one_document) -> None:
    from service.query import open_source

    settings, _, add_second = one_document
    source = open_source(settings)
    assert not source.pinned and source.authorities() == ["Oldshire"]
    add_second()
    assert source.authorities() == ["Newshire", "Oldshire"]  # refresh read the new generation
    source.conn.close()
