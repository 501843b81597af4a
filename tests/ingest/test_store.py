"""The store's write path on a real SQLite file and a real PostgreSQL schema: add, unchanged, replace (history), revert, remove."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest import store
from ingest.errors import DuplicateDocumentError, NotFoundError
from ingest.records import Clause, DocumentMeta, ParsedDocument, Section, SourceText


def _parsed(doc_id: str, body: list[str], meta: DocumentMeta | None = None) -> ParsedDocument:
    """A ParsedDocument as parse_file makes one: one clause per line of ``body``."""
    text = "\n".join(body) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    meta = meta or DocumentMeta(authority="Testshire", title="Test standards")
    clauses, offset = [], 0
    for n, line in enumerate(body, start=1):
        clauses.append(
            Clause(id=f"{digest[:8]}-{n:04d}", document_id=doc_id, authority=meta.authority, ordinal=n,
                   heading_path=["Visits"], clause_ref=str(n), text=line, plain_text=line,
                   start=offset, end=offset + len(line), role_context="Social Worker")
        )
        offset += len(line) + 1
    return ParsedDocument(
        document_id=doc_id, meta=meta, source_name=f"{doc_id}.txt", source_path=f"/tmp/{doc_id}.txt",
        content_hash=digest, source=SourceText(text=text, blocks=[], source_format="txt"),
        sections=[Section(heading_path=["Visits"], start=0, end=len(text), ordinal=1)], clauses=clauses,
    )


@pytest.fixture
def conn(store_target: Path | str):
    connection = store.connect(store_target)
    yield connection
    connection.close()


V1 = ["Children are seen every 4 weeks.", "Plans are reviewed at 3 months."]
V2 = ["Children are seen every 2 weeks.", "Plans are reviewed at 3 months.", "Visits are recorded in 1 day."]


def test_add_unchanged_replace_and_history(conn) -> None:
    first = store.save_parsed(conn, _parsed("doc", V1))
    assert (first.status, first.clause_count) == ("added", 2)
    again = store.save_parsed(conn, _parsed("doc", V1))
    assert (again.status, again.version_id) == ("unchanged", first.version_id)
    assert len(store.document_versions(conn, "doc")) == 1

    with store.transaction(conn):  # works inside the caller's transaction
        second = store.save_parsed(conn, _parsed("doc", V2))
    assert (second.status, second.previous_version_id) == ("replaced", first.version_id)

    current = store.current_clauses(conn)
    assert [c.text for c in current] == V2
    history = store.version_clauses(conn, first.version_id)
    assert [c.text for c in history] == V1  # the old version is still queryable
    assert store.get_clause(conn, history[0].id).text == V1[0]
    versions = store.document_versions(conn, "doc")
    assert [v.is_current for v in versions] == [False, True]
    assert versions[0].superseded_at is not None

    info = store.list_documents(conn)[0]
    assert (info.id, info.clause_count, info.version_id) == ("doc", 3, second.version_id)

    # Back to the first text: that version becomes current again (its clause ids are reused).
    back = store.save_parsed(conn, _parsed("doc", V1))
    assert (back.status, back.version_id) == ("replaced", first.version_id)
    assert [c.text for c in store.current_clauses(conn)] == V1


def test_metadata_change_updates_without_new_version(conn) -> None:
    store.save_parsed(conn, _parsed("doc", V1))
    renamed = _parsed("doc", V1, DocumentMeta(authority="Othershire", title="Renamed", version="2"))
    result = store.save_parsed(conn, renamed)
    assert result.status == "updated"
    info = store.get_document(conn, "doc")
    assert (info.authority, info.title, info.version) == ("Othershire", "Renamed", "2")
    assert {c.authority for c in store.current_clauses(conn)} == {"Othershire"}


def test_failure_inside_transaction_rolls_back(conn, store_dump) -> None:
    store.save_parsed(conn, _parsed("doc", V1))
    before = store_dump(conn)
    with pytest.raises(RuntimeError), store.transaction(conn):
        store.save_parsed(conn, _parsed("doc", V2))
        raise RuntimeError("a later step failed")
    assert store_dump(conn) == before


def test_identical_content_under_another_name_is_refused(conn, store_dump) -> None:
    store.save_parsed(conn, _parsed("doc", V1))
    before = store_dump(conn)
    with pytest.raises(DuplicateDocumentError, match="same content as document 'doc'"):
        store.save_parsed(conn, _parsed("copy", V1))
    assert store_dump(conn) == before


def test_remove_document_deletes_history(conn) -> None:
    store.save_parsed(conn, _parsed("doc", V1))
    store.save_parsed(conn, _parsed("doc", V2))
    store.save_parsed(conn, _parsed("keep", ["Another authority's standard."]))
    store.remove_document(conn, "doc")
    assert [d.id for d in store.list_documents(conn)] == ["keep"]
    assert conn.execute("SELECT COUNT(*) FROM clauses WHERE document_id = 'doc'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM document_versions WHERE document_id = 'doc'").fetchone()[0] == 0
    with pytest.raises(NotFoundError, match="Known: keep"):
        store.remove_document(conn, "doc")



# --- sentences (migration 005_sentences), written with their clauses on both engines ------------
V3 = ["Children are seen every 4 weeks. Each visit is recorded within 1 day.", "Plans are reviewed at 3 months."]


def _sentences(conn, current_only: bool = False) -> list[tuple]:
    sql = 'SELECT id, clause_id, version_id, authority, ordinal, start, "end", text, is_current FROM sentences'
    return sorted(map(tuple, conn.execute(sql + (" WHERE is_current = 1" if current_only else ""))))


def test_sentences_follow_their_clauses_through_replace_revert_rename_and_remove(conn) -> None:
    first = store.save_parsed(conn, _parsed("doc", V3))
    rows = _sentences(conn)
    clause = store.current_clauses(conn)[0]
    # The first clause is two sentences, stored with offsets into the clause text.
    mine = [r for r in rows if r[1] == clause.id]
    assert [r[0] for r in mine] == [f"{clause.id}-s00", f"{clause.id}-s01"]
    assert [clause.text[r[5]:r[6]] for r in mine] == [r[7] for r in mine]
    assert mine[1][7] == "Each visit is recorded within 1 day."
    assert all(r[2] == first.version_id and r[3] == "Testshire" and r[8] == 1 for r in rows)

    second = store.save_parsed(conn, _parsed("doc", V2))  # a new version: only its sentences are current
    assert {r[2] for r in _sentences(conn, current_only=True)} == {second.version_id}
    assert {r[2] for r in _sentences(conn) if r[8] == 0} == {first.version_id}

    store.save_parsed(conn, _parsed("doc", V3))  # back to the first text: its sentences are current again
    assert _sentences(conn, current_only=True) == rows

    store.save_parsed(conn, _parsed("doc", V3, DocumentMeta(authority="Othershire", title="Renamed")))
    assert {r[3] for r in _sentences(conn)} == {"Othershire"}

    store.remove_document(conn, "doc")
    assert _sentences(conn) == []


def test_005_fills_sentences_of_a_store_that_had_none_and_rewrites_in_place(conn, store_target) -> None:
    store.save_parsed(conn, _parsed("doc", V3))
    written = _sentences(conn)
    with store.transaction(conn):
        # Split again over the rows already there (the upsert both engines run): nothing changes.
        store.MIGRATION_STEPS["005_sentences"](conn)
    assert _sentences(conn) == written
    # A store from before 005: no sentences yet. Opening it applies 005, which splits every clause.
    with store.transaction(conn):
        conn.execute("DELETE FROM sentences")
        conn.execute("DELETE FROM migrations WHERE name = '005_sentences'")
    before = store.generation(conn)
    conn.execute("DROP TABLE sentences")
    reopened = store.connect(store_target)
    try:
        assert _sentences(reopened) == written
        assert store.generation(reopened) > before  # the derived indexes see new sentences to embed
    finally:
        reopened.close()
