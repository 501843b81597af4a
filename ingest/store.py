"""The store: documents, their versions, sections, clauses, obligations, embeddings.

SQLite (WAL) by default; PostgreSQL when ``STANDARDS_DATABASE_URL`` names one (``ingest.db``
hides the difference). The store is the single source of truth. The FAISS file is a cache that is rebuilt from
``clause_embeddings`` whenever ``meta.generation`` moves on. Schema changes are an ordered
list of small named migrations recorded in ``migrations``.

A document has many versions; exactly one is current (``documents.current_version_id``).
Clauses and obligations of older versions stay as history with ``is_current = 0``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest import db
from ingest.errors import DuplicateDocumentError, NotFoundError
from ingest.records import Clause, DocumentInfo, ParsedDocument


def _rekey_documents(conn: sqlite3.Connection) -> None:
    """Migration 006: document ids become ``{authority slug}--{file stem slug}``.

    Ids used to be the file stem alone, so a file named like another authority's document
    replaced it, and every non-ASCII name became ``document``. Every table with a
    ``document_id`` column follows (whichever migrations created them), and the obligations'
    stored JSON too. Clause ids do not change (they come from the file's content hash).
    """
    from ingest.parse import document_id

    rows = conn.execute("SELECT id, authority, source_name FROM documents ORDER BY created_at, id").fetchall()
    if not rows:
        return
    taken = {r["id"] for r in rows}
    renames: list[tuple[str, str]] = []
    for row in rows:
        new = document_id(row["authority"], row["source_name"])
        if new == row["id"] or new in taken:
            continue  # already keyed (or, improbably, the new id is taken: keep the old one)
        taken.add(new)
        renames.append((row["id"], new))
    if not renames:
        return
    with_column = [t for t in db.table_names(conn)
                   if t != "documents" and "document_id" in db.column_names(conn, t)]
    postgres = db.is_postgres(conn)
    if postgres:
        # PostgreSQL checks these foreign keys per statement (they are not deferrable): the
        # renamed document row is inserted first, its children moved to it, then the old row goes.
        columns = ", ".join(f'"{c}"' for c in db.column_names(conn, "documents") if c != "id")
    else:
        # Children are updated after their parent row; the check runs at commit.
        conn.execute("PRAGMA defer_foreign_keys = ON")
    for old, new in renames:
        if postgres:
            conn.execute(f"INSERT INTO documents(id, {columns}) SELECT ?, {columns} FROM documents WHERE id = ?",
                         (new, old))
        else:
            conn.execute("UPDATE documents SET id = ? WHERE id = ?", (new, old))
        for table in with_column:
            conn.execute(f'UPDATE "{table}" SET document_id = ? WHERE document_id = ?', (new, old))
        if postgres:
            conn.execute("DELETE FROM documents WHERE id = ?", (old,))
        _rekey_obligation_data(conn, new)
    bump_generation(conn)


def _rekey_obligation_data(conn: sqlite3.Connection, document_id: str) -> None:
    """The document id inside the obligations' stored JSON follows the rename (006; read and
    written in Python, so both engines do the same)."""
    rows = conn.execute("SELECT id, data FROM obligations WHERE document_id = ?", (document_id,)).fetchall()
    updated = []
    for row in rows:
        data = json.loads(row["data"])
        data["document_id"] = document_id
        if isinstance(data.get("citation"), dict):
            data["citation"]["document_id"] = document_id
        updated.append((json.dumps(data), row["id"]))
    conn.executemany("UPDATE obligations SET data = ? WHERE id = ?", updated)


# A migration is SQL written for SQLite (``db.pg_ddl`` translates it for PostgreSQL), a dict
# of SQL per engine where they differ more, or a function of the connection.
Migration = str | dict[str, str] | Callable[[sqlite3.Connection], None]

MIGRATIONS: list[tuple[str, Migration]] = [
    (
        "001_documents_and_clauses",
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            authority TEXT NOT NULL,
            title TEXT NOT NULL,
            source_name TEXT NOT NULL,
            source_path TEXT,
            source_format TEXT NOT NULL,
            current_version_id INTEGER,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE INDEX documents_authority ON documents(authority);

        CREATE TABLE document_versions (
            id INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            content_hash TEXT NOT NULL,
            version TEXT,
            date TEXT,
            notes TEXT,
            text TEXT NOT NULL,
            page_map TEXT,
            page_count INTEGER,
            ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            superseded_at TEXT,
            UNIQUE(document_id, content_hash)
        );

        CREATE TABLE sections (
            id INTEGER PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES document_versions(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            heading_path TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL
        );

        CREATE TABLE clauses (
            id TEXT PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES document_versions(id) ON DELETE CASCADE,
            document_id TEXT NOT NULL,
            authority TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            heading_path TEXT NOT NULL,
            clause_ref TEXT,
            text TEXT NOT NULL,
            plain_text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            page INTEGER,
            cohort_context TEXT,
            role_context TEXT,
            content_hash TEXT NOT NULL,
            is_current INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX clauses_version ON clauses(version_id);
        CREATE INDEX clauses_current ON clauses(is_current, authority);
        """,
    ),
    (
        "002_obligations",
        """
        CREATE TABLE obligations (
            id TEXT PRIMARY KEY,
            clause_id TEXT NOT NULL REFERENCES clauses(id) ON DELETE CASCADE,
            version_id INTEGER NOT NULL REFERENCES document_versions(id) ON DELETE CASCADE,
            document_id TEXT NOT NULL,
            authority TEXT NOT NULL,
            topic TEXT,
            actor TEXT,
            cohort TEXT,
            anchor TEXT,
            kind TEXT NOT NULL,
            is_current INTEGER NOT NULL DEFAULT 1,
            data TEXT NOT NULL
        );
        CREATE INDEX obligations_lookup ON obligations(is_current, authority, topic);
        CREATE INDEX obligations_clause ON obligations(clause_id);
        """,
    ),
    (
        "003_embeddings_and_meta",
        """
        CREATE TABLE clause_embeddings (
            content_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (content_hash, model)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta(key, value) VALUES ('generation', '0');
        """,
    ),
    (
        # Full-text index over current clauses, kept in step by index.lexical.sync_lexical.
        # SQLite: FTS5 (BM25). PostgreSQL: the same columns plus a weighted tsvector (body A,
        # context B) under a GIN index, stemmed like FTS5's porter tokenizer and, like it,
        # without a stop-word list (index/lexical_pg.py).
        "004_clauses_fts",
        {
            db.SQLITE: """
            CREATE VIRTUAL TABLE clauses_fts USING fts5(
                clause_id UNINDEXED,
                text_hash UNINDEXED,
                authority UNINDEXED,
                document_id UNINDEXED,
                body,
                context,
                tokenize = 'porter unicode61 remove_diacritics 2'
            );
            """,
            db.POSTGRES: """
            CREATE TEXT SEARCH DICTIONARY standards_stem (TEMPLATE = snowball, Language = english);
            CREATE TEXT SEARCH CONFIGURATION standards_english (COPY = pg_catalog.english);
            ALTER TEXT SEARCH CONFIGURATION standards_english
                ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
                WITH standards_stem;
            CREATE TABLE clauses_fts (
                clause_id TEXT PRIMARY KEY,
                text_hash TEXT NOT NULL,
                authority TEXT NOT NULL,
                document_id TEXT NOT NULL,
                body TEXT NOT NULL,
                context TEXT NOT NULL,
                tsv tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('standards_english', body), 'A')
                    || setweight(to_tsvector('standards_english', context), 'B')
                ) STORED
            );
            CREATE INDEX clauses_fts_tsv ON clauses_fts USING GIN (tsv);
            """,
        },
    ),
    (
        # The sentences of every clause (ingest.sentences: the one splitter), written with the
        # clauses; an answer quotes one of them. Existing clauses are split when it is applied.
        "005_sentences",
        """
        CREATE TABLE sentences (
            id TEXT PRIMARY KEY,
            clause_id TEXT NOT NULL REFERENCES clauses(id) ON DELETE CASCADE,
            version_id INTEGER NOT NULL REFERENCES document_versions(id) ON DELETE CASCADE,
            document_id TEXT NOT NULL,
            authority TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            is_current INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX sentences_clause ON sentences(clause_id);
        CREATE INDEX sentences_current ON sentences(is_current, authority);
        """,
    ),
    (
        # Document ids keyed by authority and a stable slug (a Python step: _rekey_documents).
        "006_document_keys",
        "",
    ),
    (
        # Uploads and removals run as background jobs; the record survives a restart, so a
        # client whose server died mid-job learns what happened (service/jobs.py).
        "007_jobs",
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            stage TEXT,
            progress REAL NOT NULL DEFAULT 0,
            document_id TEXT,
            authority TEXT,
            source_name TEXT,
            content_hash TEXT,
            committed INTEGER NOT NULL DEFAULT 0,
            result TEXT,
            error_code TEXT,
            error_message TEXT,
            error_status INTEGER,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
        );
        CREATE INDEX jobs_status ON jobs(status);
        """,
    ),
    (
        # Questions the standards did not answer (service/question_log.py; only written when
        # STANDARDS_QUESTION_LOG is on). Redacted text, authority (NULL: none named), the topic the
        # taxonomy read in it when stored (NULL: read again when reported), the hour.
        "008_question_log",
        """
        CREATE TABLE question_log (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            authority TEXT,
            topic TEXT,
            asked_at TEXT NOT NULL
        );
        CREATE INDEX question_log_asked ON question_log(asked_at);
        """,
    ),
    (
        # Answers a user marked not helpful (POST /api/feedback), same fields as question_log.
        "009_feedback",
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            verdict TEXT NOT NULL,
            question TEXT NOT NULL,
            authority TEXT,
            topic TEXT,
            asked_at TEXT NOT NULL
        );
        CREATE INDEX feedback_asked ON feedback(asked_at);
        """,
    ),
    (
        # What each sentence says is done and to or by what (extractors/predicates.py), keyed
        # like its vector by the sentence's content_hash and written by the extraction stage;
        # ``version`` is the rules' fingerprint, so a store from an older version is filled (and a
        # changed rule recomputed) by the next ingest or re-extraction, never at question time.
        "011_sentence_predicates",
        """
        CREATE TABLE sentence_predicates (
            content_hash TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            data TEXT NOT NULL
        );
        """,
    ),
]


def _backfill_sentences(conn: sqlite3.Connection) -> None:
    """Split the clauses a store already holds when ``005_sentences`` is applied to it."""
    rows = conn.execute(
        "SELECT id, version_id, document_id, authority, heading_path, text, cohort_context, is_current FROM clauses"
    ).fetchall()
    for row in rows:
        _write_sentences(conn, row["id"], row["version_id"], row["document_id"], row["authority"],
                         json.loads(row["heading_path"]), row["text"], row["cohort_context"], row["is_current"])
    if rows:
        # The derived indexes compare generations: a new one makes the next ingest or index
        # sync embed the new sentences.
        bump_generation(conn)


# Python steps run right after a migration's SQL, in the same transaction (data it must fill),
# on either engine.
MIGRATION_STEPS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "005_sentences": _backfill_sentences,
    "006_document_keys": _rekey_documents,
}


def connect(target: db.Target) -> sqlite3.Connection:
    """Open the store and bring its schema up to date.

    ``target`` is a SQLite file (created if needed) or a ``postgresql://`` URL
    (``settings.database`` gives whichever is configured).
    """
    conn = db.connect(target)
    migrate(conn)
    return conn  # type: ignore[return-value]  # a PgConnection answers the same calls


def utc_now() -> str:
    """The current UTC time as the store writes timestamps (``2026-03-03T09:30:00Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def migrate(conn: sqlite3.Connection) -> None:
    """Apply, in order, every migration not yet recorded (the same names on both engines).

    On PostgreSQL instances starting together take turns (an advisory lock), so each
    migration runs once.
    """
    engine = db.engine_of(conn)
    if "migrations" in db.table_names(conn):
        done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
        if all(name in done for name, _ in MIGRATIONS):
            return
    with db.session_lock(conn, "migrate"):
        # Inside the lock: two instances creating the table at once on an empty database would
        # otherwise race (PostgreSQL's IF NOT EXISTS is not safe against a concurrent CREATE).
        conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
        for name, migration in MIGRATIONS:
            if name in done:
                continue
            with transaction(conn):
                # Under the write lock: another process (SQLite has no session lock) may have
                # applied it since ``done`` was read.
                if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                    continue
                if callable(migration):
                    migration(conn)
                else:
                    sql = migration[engine] if isinstance(migration, dict) else migration
                    for statement in _split_sql(db.pg_ddl(sql) if engine == db.POSTGRES else sql):
                        conn.execute(statement)
                if name in MIGRATION_STEPS:
                    MIGRATION_STEPS[name](conn)
                conn.execute("INSERT INTO migrations(name, applied_at) VALUES (?, ?)", (name, utc_now()))


def _split_sql(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


def transaction(conn: sqlite3.Connection) -> AbstractContextManager[sqlite3.Connection]:
    """One atomic unit of work: everything inside commits together or not at all.

    Nested use joins the outer transaction (SAVEPOINT), so callers can compose. The outermost
    one is a write transaction: one writer at a time, across processes and, on PostgreSQL,
    across instances (``ingest.db.begin_write``).
    """
    return db.transaction(conn)


def bump_generation(conn: sqlite3.Connection) -> int:
    """Record that the set of current clauses changed (the FAISS cache compares against this).

    On PostgreSQL the other instances hear of it when the transaction commits (NOTIFY).
    """
    conn.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'"
    )
    gen = generation(conn)
    db.notify_change(conn, gen)
    return gen


def generation(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])


def row_to_clause(row: sqlite3.Row) -> Clause:
    """Build a ``Clause`` from a ``clauses`` row."""
    return Clause(
        id=row["id"],
        document_id=row["document_id"],
        authority=row["authority"],
        ordinal=row["ordinal"],
        heading_path=json.loads(row["heading_path"]),
        clause_ref=row["clause_ref"],
        text=row["text"],
        plain_text=row["plain_text"],
        start=row["start"],
        end=row["end"],
        page=row["page"],
        cohort_context=row["cohort_context"],
        role_context=row["role_context"],
        version_id=row["version_id"],
    )


def get_clause(conn: sqlite3.Connection, clause_id: str) -> Clause | None:
    row = conn.execute("SELECT * FROM clauses WHERE id = ?", (clause_id,)).fetchone()
    return row_to_clause(row) if row else None


def current_clauses(conn: sqlite3.Connection, authority: str | None = None) -> list[Clause]:
    """All clauses of current document versions, in document order."""
    sql = "SELECT * FROM clauses WHERE is_current = 1"
    args: tuple = ()
    if authority:
        sql += " AND authority = ?"
        args = (authority,)
    sql += " ORDER BY document_id, ordinal"
    return [row_to_clause(r) for r in conn.execute(sql, args)]


def authorities(conn: sqlite3.Connection) -> list[str]:
    """Authorities that have at least one current document, sorted."""
    rows = conn.execute(
        "SELECT DISTINCT authority FROM documents WHERE current_version_id IS NOT NULL ORDER BY authority"
    )
    return [r[0] for r in rows]


# --- write path: documents, versions, history (ingest) -----------------------------------
# Removal is a hard delete: `remove_document` deletes the document and every version, section,
# clause and obligation of it (the user asked for it to be gone, history included). Replacing a
# document is not removal: older versions stay with is_current = 0 and answer "what changed".


@dataclass
class SaveResult:
    """What ``save_parsed`` did: ``added``, ``replaced`` (new version current), ``updated``
    (same content, new manifest metadata) or ``unchanged`` (nothing written)."""

    status: str
    document_id: str
    version_id: int
    previous_version_id: int | None = None
    clause_count: int = 0


@dataclass
class VersionInfo:
    """One stored version of a document (current or history)."""

    id: int
    document_id: str
    content_hash: str
    version: str | None
    date: str | None
    ingested_at: str
    superseded_at: str | None
    is_current: bool
    clause_count: int


def clause_content_hash(clause: Clause) -> str:
    """Key of a clause's content (its plain text): embeddings are cached per key."""
    return hashlib.sha256(clause.plain_text.encode("utf-8")).hexdigest()


def save_parsed(conn: sqlite3.Connection, parsed: ParsedDocument) -> SaveResult:
    """Store ``parsed`` as the current version of its document, keeping older versions as history.

    Runs inside the caller's ``transaction(conn)`` when there is one (joins it as a savepoint).
    Unchanged bytes (same content hash as the current version) and unchanged metadata: nothing is
    written. Bytes identical to an older version of the same document: that version becomes current
    again. Bytes identical to another document's: ``DuplicateDocumentError``.
    """
    meta = parsed.meta
    with transaction(conn):
        doc = conn.execute("SELECT * FROM documents WHERE id = ?", (parsed.document_id,)).fetchone()
        twin = conn.execute(
            "SELECT document_id FROM document_versions WHERE content_hash = ? AND document_id != ?",
            (parsed.content_hash, parsed.document_id),
        ).fetchone()
        if twin is not None:
            raise DuplicateDocumentError(
                f"{parsed.source_name} has exactly the same content as document '{twin[0]}', which is "
                f"already stored. Remove that one first (standards remove {twin[0]}) if this is its new name."
            )
        previous = doc["current_version_id"] if doc else None
        if doc is not None and previous is not None:
            current = conn.execute("SELECT * FROM document_versions WHERE id = ?", (previous,)).fetchone()
            if current["content_hash"] == parsed.content_hash:
                if _same_meta(doc, current, parsed):
                    return SaveResult("unchanged", parsed.document_id, previous, previous, _count(conn, previous))
                _update_meta(conn, parsed, previous)
                return SaveResult("updated", parsed.document_id, previous, previous, _count(conn, previous))

        if doc is None:
            conn.execute(
                "INSERT INTO documents(id, authority, title, source_name, source_path, source_format)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (parsed.document_id, meta.authority, meta.title, parsed.source_name, parsed.source_path,
                 parsed.source.source_format),
            )
        if previous is not None:
            _retire_version(conn, previous)

        old = conn.execute(
            "SELECT id FROM document_versions WHERE document_id = ? AND content_hash = ?",
            (parsed.document_id, parsed.content_hash),
        ).fetchone()
        if old is not None:
            # The file went back to an earlier version: its clause ids (hash-prefixed) already
            # exist, so that version is made current again rather than stored twice.
            version_id = old["id"]
            conn.execute("UPDATE document_versions SET superseded_at = NULL WHERE id = ?", (version_id,))
            conn.execute("UPDATE clauses SET is_current = 1 WHERE version_id = ?", (version_id,))
            conn.execute("UPDATE sentences SET is_current = 1 WHERE version_id = ?", (version_id,))
            conn.execute("UPDATE obligations SET is_current = 1 WHERE version_id = ?", (version_id,))
            _update_meta(conn, parsed, version_id)
        else:
            version_id = _insert_version(conn, parsed)
        conn.execute(
            "UPDATE documents SET authority = ?, title = ?, source_name = ?, source_path = ?, source_format = ?,"
            " current_version_id = ? WHERE id = ?",
            (meta.authority, meta.title, parsed.source_name, parsed.source_path, parsed.source.source_format,
             version_id, parsed.document_id),
        )
    status = "added" if doc is None else "replaced"
    return SaveResult(status, parsed.document_id, version_id, previous, _count(conn, version_id))


def _same_meta(doc: sqlite3.Row, version: sqlite3.Row, parsed: ParsedDocument) -> bool:
    m = parsed.meta
    return (doc["authority"], doc["title"], version["version"], version["date"], version["notes"]) == (
        m.authority, m.title, m.version, m.date, m.notes,
    )


def _update_meta(conn: sqlite3.Connection, parsed: ParsedDocument, version_id: int) -> None:
    """Same content, new metadata (e.g. the manifest's title or authority was corrected)."""
    m = parsed.meta
    conn.execute(
        "UPDATE documents SET authority = ?, title = ? WHERE id = ?", (m.authority, m.title, parsed.document_id)
    )
    conn.execute(
        "UPDATE document_versions SET version = ?, date = ?, notes = ? WHERE id = ?",
        (m.version, m.date, m.notes, version_id),
    )
    conn.execute("UPDATE clauses SET authority = ? WHERE document_id = ?", (m.authority, parsed.document_id))
    conn.execute("UPDATE sentences SET authority = ? WHERE document_id = ?", (m.authority, parsed.document_id))
    conn.execute("UPDATE obligations SET authority = ? WHERE document_id = ?", (m.authority, parsed.document_id))


def _retire_version(conn: sqlite3.Connection, version_id: int) -> None:
    conn.execute("UPDATE document_versions SET superseded_at = ? WHERE id = ?", (utc_now(), version_id))
    conn.execute("UPDATE clauses SET is_current = 0 WHERE version_id = ?", (version_id,))
    conn.execute("UPDATE sentences SET is_current = 0 WHERE version_id = ?", (version_id,))
    conn.execute("UPDATE obligations SET is_current = 0 WHERE version_id = ?", (version_id,))


def _insert_version(conn: sqlite3.Connection, parsed: ParsedDocument) -> int:
    m = parsed.meta
    pages = parsed.source.pages
    cur = conn.execute(
        "INSERT INTO document_versions(document_id, content_hash, version, date, notes, text, page_map, page_count)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (parsed.document_id, parsed.content_hash, m.version, m.date, m.notes, parsed.source.text,
         json.dumps(pages) if pages else None, len(pages) or None),
    )
    version_id = int(cur.fetchone()[0])
    conn.executemany(
        'INSERT INTO sections(version_id, ordinal, heading_path, start, "end") VALUES (?, ?, ?, ?, ?)',
        [(version_id, s.ordinal, json.dumps(s.heading_path, ensure_ascii=False), s.start, s.end)
         for s in parsed.sections],
    )
    conn.executemany(
        "INSERT INTO clauses(id, version_id, document_id, authority, ordinal, heading_path, clause_ref, text,"
        ' plain_text, start, "end", page, cohort_context, role_context, content_hash, is_current)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [(c.id, version_id, parsed.document_id, m.authority, c.ordinal,
          json.dumps(c.heading_path, ensure_ascii=False), c.clause_ref, c.text, c.plain_text, c.start, c.end,
          c.page, c.cohort_context, c.role_context, clause_content_hash(c))
         for c in parsed.clauses],
    )
    for c in parsed.clauses:
        c.version_id = version_id
        _write_sentences(conn, c.id, version_id, parsed.document_id, m.authority, c.heading_path, c.text,
                         c.cohort_context, 1)
    return version_id


def _write_sentences(
    conn: sqlite3.Connection, clause_id: str, version_id: int, document_id: str, authority: str,
    heading_path: list[str], text: str, cohort_context: str | None, is_current: int,
) -> None:
    """Store the sentences of one clause (``ingest.sentences.clause_sentences``)."""
    from ingest.sentences import clause_sentences

    conn.executemany(
        'INSERT INTO sentences(id, clause_id, version_id, document_id, authority, ordinal, start, "end",'
        " text, content_hash, is_current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        # An upsert both engines run (SQLite's INSERT OR REPLACE is not PostgreSQL).
        " ON CONFLICT(id) DO UPDATE SET clause_id = excluded.clause_id, version_id = excluded.version_id,"
        " document_id = excluded.document_id, authority = excluded.authority, ordinal = excluded.ordinal,"
        ' start = excluded.start, "end" = excluded."end", text = excluded.text,'
        " content_hash = excluded.content_hash, is_current = excluded.is_current",
        [(s.id, clause_id, version_id, document_id, authority, s.ordinal, s.start, s.end, s.text, s.content_hash,
          is_current) for s in clause_sentences(clause_id, text, heading_path, cohort_context)],
    )


def _count(conn: sqlite3.Connection, version_id: int) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM clauses WHERE version_id = ?", (version_id,)).fetchone()[0])


def remove_document(conn: sqlite3.Connection, document_id: str) -> None:
    """Delete a document with all its versions, sections, clauses and obligations (history too).

    Raises ``NotFoundError`` (listing the known ids) for an unknown document.
    """
    with transaction(conn):
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
            known = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
            raise NotFoundError(
                f"Unknown document '{document_id}'. Known: {', '.join(known) or 'none (nothing ingested yet)'}."
            )
        versions = [r[0] for r in conn.execute("SELECT id FROM document_versions WHERE document_id = ?", (document_id,))]
        # Children first, explicitly: does not depend on PRAGMA foreign_keys being on.
        for version_id in versions:
            conn.execute("DELETE FROM obligations WHERE version_id = ?", (version_id,))
            conn.execute("DELETE FROM sentences WHERE version_id = ?", (version_id,))
            conn.execute("DELETE FROM clauses WHERE version_id = ?", (version_id,))
            conn.execute("DELETE FROM sections WHERE version_id = ?", (version_id,))
        conn.execute("DELETE FROM document_versions WHERE document_id = ?", (document_id,))
        conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))


_DOCUMENT_INFO_SQL = """
    SELECT d.id, d.authority, d.title, d.source_name, d.source_format, v.version, v.date, v.notes,
           v.content_hash, v.id AS version_id, v.ingested_at, v.page_count,
           (SELECT COUNT(*) FROM clauses c WHERE c.version_id = v.id) AS clause_count,
           (SELECT COUNT(*) FROM obligations o WHERE o.version_id = v.id AND o.is_current = 1) AS obligation_count
    FROM documents d JOIN document_versions v ON v.id = d.current_version_id
"""


def _row_to_info(row: sqlite3.Row) -> DocumentInfo:
    return DocumentInfo(
        id=row["id"], authority=row["authority"], title=row["title"], source_name=row["source_name"],
        source_format=row["source_format"], version=row["version"], date=row["date"], notes=row["notes"],
        content_hash=row["content_hash"], version_id=row["version_id"], ingested_at=row["ingested_at"],
        clause_count=row["clause_count"], obligation_count=row["obligation_count"], page_count=row["page_count"],
    )


def list_documents(conn: sqlite3.Connection) -> list[DocumentInfo]:
    """Every stored document (its current version) with clause and obligation counts."""
    rows = conn.execute(_DOCUMENT_INFO_SQL + " ORDER BY d.authority, d.id")
    return [_row_to_info(r) for r in rows]


def get_document(conn: sqlite3.Connection, document_id: str) -> DocumentInfo | None:
    """One document's current version, or None."""
    row = conn.execute(_DOCUMENT_INFO_SQL + " WHERE d.id = ?", (document_id,)).fetchone()
    return _row_to_info(row) if row else None


def document_versions(conn: sqlite3.Connection, document_id: str) -> list[VersionInfo]:
    """Every stored version of a document, oldest first (the current one has ``is_current``)."""
    rows = conn.execute(
        "SELECT v.*, d.current_version_id = v.id AS is_current,"
        " (SELECT COUNT(*) FROM clauses c WHERE c.version_id = v.id) AS clause_count"
        " FROM document_versions v JOIN documents d ON d.id = v.document_id"
        " WHERE v.document_id = ? ORDER BY v.id",
        (document_id,),
    )
    return [
        VersionInfo(id=r["id"], document_id=r["document_id"], content_hash=r["content_hash"], version=r["version"],
                    date=r["date"], ingested_at=r["ingested_at"], superseded_at=r["superseded_at"],
                    is_current=bool(r["is_current"]), clause_count=r["clause_count"])
        for r in rows
    ]


def version_clauses(conn: sqlite3.Connection, version_id: int) -> list[Clause]:
    """The clauses of one version (current or history), in document order."""
    rows = conn.execute("SELECT * FROM clauses WHERE version_id = ? ORDER BY ordinal", (version_id,))
    return [row_to_clause(r) for r in rows]


def version_page_map(conn: sqlite3.Connection, version_id: int) -> list[tuple[int, int, int]]:
    """The (start, end, page) map of a version's text; empty for unpaged formats."""
    row = conn.execute("SELECT page_map FROM document_versions WHERE id = ?", (version_id,)).fetchone()
    if row is None or not row[0]:
        return []
    return [tuple(p) for p in json.loads(row[0])]  # type: ignore[misc]
