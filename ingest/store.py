"""The SQLite store (WAL): documents, their versions, sections, clauses, obligations, embeddings.

The store is the single source of truth. The FAISS file is a cache that is rebuilt from
``clause_embeddings`` whenever ``meta.generation`` moves on. Schema changes are an ordered
list of small named migrations recorded in ``migrations``.

A document has many versions; exactly one is current (``documents.current_version_id``).
Clauses and obligations of older versions stay as history with ``is_current = 0``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.records import Clause

MIGRATIONS: list[tuple[str, str]] = [
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
]


def connect(db_path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the store at ``db_path`` and bring its schema up to date."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Apply, in order, every migration not yet recorded."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        with transaction(conn):
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO migrations(name, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                (name,),
            )


def _split_sql(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic unit of work: everything inside commits together or not at all.

    Nested use joins the outer transaction (SAVEPOINT), so callers can compose.
    """
    if conn.in_transaction:
        name = f"sp_{id(object())}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def bump_generation(conn: sqlite3.Connection) -> int:
    """Record that the set of current clauses changed (the FAISS cache compares against this)."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    return generation(conn)


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
