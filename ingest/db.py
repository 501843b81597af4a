"""The database layer: one way to talk to the store on SQLite (the default) or PostgreSQL.

``STANDARDS_DATABASE_URL`` unset: the store is the SQLite file ``data/standards.db`` and a
connection is a plain ``sqlite3.Connection`` (nothing wrapped, so the default path costs
nothing extra). ``postgresql://…``: a connection is a ``PgConnection``, which answers the
part of the ``sqlite3.Connection`` interface the project uses:

- ``execute(sql, params)`` / ``executemany(sql, rows)`` with ``?`` placeholders (translated
  to psycopg's ``%s``), returning a cursor with ``fetchone``/``fetchall``/iteration;
- rows readable by index and by column name (``row[0]``, ``row["id"]``, ``dict(row)``);
- ``in_transaction`` and ``close()``.

SQL is written once in the subset both engines accept (``ON CONFLICT``, ``RETURNING``, ``?``
placeholders, ``CAST``); the few places that differ ask ``is_postgres(conn)`` or use a helper
here (``begin_write``, ``begin_snapshot``, ``greatest``, ``table_names`` …). Schema
migrations are written in SQLite's dialect and ``pg_ddl`` translates the handful of types
and defaults that differ; where more differs (full-text search) a migration names each
engine's SQL.

Concurrency: a write transaction (``ingest.store.transaction``) is SQLite's
``BEGIN IMMEDIATE`` (one writer per file) or, on PostgreSQL, ``BEGIN`` plus a transaction
advisory lock, so writers from every instance take turns exactly as SQLite's do. A bumped
store generation is announced with ``NOTIFY`` inside the writing transaction, which
PostgreSQL delivers only if and when it commits (``ChangeListener``).

psycopg is imported only when a PostgreSQL URL is used.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ingest.errors import DatabaseConfigError

SQLITE, POSTGRES = "sqlite", "postgresql"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# The NOTIFY channel a committed generation bump is announced on; the payload is
# "<schema>:<generation>" so stores in different schemas of one database tell theirs apart.
CHANGES_CHANNEL = "standards_generation"
# How long a SQLite connection waits for another's lock before giving up (sqlite3's busy
# timeout), in seconds: longer than any one write transaction the service makes.
SQLITE_LOCK_WAIT_S = 30
# Turning a new file to WAL mode is the one lock SQLite's busy handler does not wait for, so
# connections opening a new store together retry it: the first wait, doubling up to the cap.
WAL_RETRY_FIRST_S = 0.005
WAL_RETRY_MAX_S = 0.1


# --- errors ----------------------------------------------------------------------------------
# psycopg's exceptions are re-raised as these, so code can catch either engine's errors without
# importing psycopg: ``except db.Error``.
class PgError(Exception):
    """An error reported by PostgreSQL (or the connection to it); ``__cause__`` is psycopg's."""


class PgIntegrityError(PgError):
    """A constraint was violated (unique, foreign key, not null)."""


class PgOperationalError(PgError):
    """The server or the connection failed (not the statement's fault)."""


Error: tuple[type[Exception], ...] = (sqlite3.Error, PgError)
IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError, PgIntegrityError)
OperationalError: tuple[type[Exception], ...] = (sqlite3.OperationalError, PgOperationalError)


def _wrap_error(exc: Exception) -> PgError:
    import psycopg

    if isinstance(exc, psycopg.IntegrityError):
        return PgIntegrityError(str(exc))
    if isinstance(exc, psycopg.OperationalError):
        return PgOperationalError(str(exc))
    return PgError(str(exc))


# --- targets: a SQLite path or a PostgreSQL URL -------------------------------------------------
Target = Path | str


def is_postgres_url(target: Target | None) -> bool:
    """True when ``target`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def redact(target: Target) -> str:
    """``target`` fit to print or log: a URL's password is replaced by ``***``."""
    text = str(target)
    if not is_postgres_url(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        text = re.sub(r"(password=)[^&\s]*", r"\1***", text)
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return re.sub(r"(password=)[^&\s]*", r"\1***", urlunsplit(parts._replace(netloc=netloc)))


def engine_of(conn: Any) -> str:
    """``"sqlite"`` or ``"postgresql"``: the engine behind a connection from ``connect``."""
    return POSTGRES if isinstance(conn, PgConnection) else SQLITE


def is_postgres(conn: Any) -> bool:
    """True for a PostgreSQL connection (a ``PgConnection``)."""
    return isinstance(conn, PgConnection)


def connect(target: Target) -> sqlite3.Connection | PgConnection:
    """Open a connection (no schema work: ``ingest.store.connect`` migrates).

    A path opens (creating) a SQLite file in WAL mode with foreign keys on; a PostgreSQL URL
    opens an autocommit psycopg connection (transactions are begun explicitly, as on SQLite).
    """
    if is_postgres_url(target):
        return PgConnection.open(str(target))
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=SQLITE_LOCK_WAIT_S, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    _use_wal(conn)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode. Instances opening a new store at the same moment race for the
    change, and SQLite answers "database is locked" at once rather than waiting for it, so the
    change is retried for as long as any other lock would be waited for."""
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
    pause = WAL_RETRY_FIRST_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, WAL_RETRY_MAX_S)


# --- PostgreSQL connections that read like sqlite3 ones ------------------------------------------
@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """``sql`` with ``?`` placeholders as psycopg's ``%s`` and literal ``%`` doubled.

    Text inside quotes ('…' strings, "…" identifiers) and comments is left alone, so a ``?``
    or ``%`` there means itself.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # doubled quote inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
            continue
        if ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type:
    """A tuple subclass whose rows also answer ``row["column"]`` and ``keys()`` like sqlite3.Row."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)  # the first of duplicate names wins, as in sqlite3.Row
        index.setdefault(name.lower(), i)

    class Row(tuple):
        __slots__ = ()
        _names = names
        _index = index

        def __getitem__(self, key):  # type: ignore[override]
            if isinstance(key, str):
                try:
                    key = self._index[key]
                except KeyError:
                    key = self._index[key.lower()]
            return tuple.__getitem__(self, key)

        def keys(self) -> list[str]:
            return list(self._names)

    return Row


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    description = cursor.description
    if description is None:
        return tuple
    return _row_class(tuple(col.name for col in description))


# Set by ``begin_snapshot`` on PostgreSQL, right after the snapshot is taken.
SNAPSHOT_SAVEPOINT = "standards_snapshot"
_ENDS_TRANSACTION = re.compile(r"\s*(COMMIT|END|ROLLBACK)\s*;?\s*$", re.IGNORECASE)


class PgConnection:
    """A psycopg 3 connection answering the part of ``sqlite3.Connection`` the project uses."""

    engine = POSTGRES

    def __init__(self, raw: Any, url: str):
        self.raw = raw
        self.url = url
        self._schema: str | None = None
        # True inside ``begin_snapshot``'s transaction: a failed statement rolls back to its
        # savepoint instead of leaving the snapshot unusable (SQLite's behaviour: one statement fails).
        self.in_snapshot = False

    @classmethod
    def open(cls, url: str) -> PgConnection:
        """Connect to ``url`` (autocommit; rows by name and index; integers for booleans)."""
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a declared dependency
            raise DatabaseConfigError(
                "STANDARDS_DATABASE_URL names PostgreSQL but psycopg is not installed; run "
                "`bash scripts/bootstrap.sh` (it installs psycopg[binary])."
            ) from exc
        try:
            raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        except psycopg.Error as exc:
            raise DatabaseConfigError(
                f"Could not connect to the PostgreSQL store at {redact(url)}: {str(exc).strip()}. Check "
                "STANDARDS_DATABASE_URL (host, port, database, user) and that the server is running."
            ) from exc
        _configure_types(raw)
        return cls(raw, url)

    # sqlite3.Connection's row_factory is set by some callers; rows here already read both ways.
    @property
    def row_factory(self) -> Any:
        return None

    @row_factory.setter
    def row_factory(self, value: Any) -> None:
        """Ignored on purpose: this connection already returns rows keyed by column name, which
        is what the store's callers set ``sqlite3.Row`` to get."""

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    @property
    def schema(self) -> str:
        """The schema the store's tables live in (the first of the connection's search path)."""
        if self._schema is None:
            self._schema = str(self.execute("SELECT current_schema()").fetchone()[0])
        return self._schema

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> Any:
        """Run one statement; ``?`` placeholders; returns a cursor (rows already fetched)."""
        import psycopg

        if self.in_snapshot and _ENDS_TRANSACTION.match(sql):
            self.in_snapshot = False
        try:
            if params:
                return self.raw.execute(translate(sql), tuple(params))
            return self.raw.execute(sql)
        except psycopg.Error as exc:
            self._recover_snapshot()
            raise _wrap_error(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement for each parameter row (pipelined: one round trip per batch)."""
        import psycopg

        rows = [tuple(r) for r in rows]
        cur = self.raw.cursor()
        if not rows:
            return cur
        try:
            cur.executemany(translate(sql), rows)
        except psycopg.Error as exc:
            self._recover_snapshot()
            raise _wrap_error(exc) from exc
        return cur

    def _recover_snapshot(self) -> None:
        """After a failed statement inside a snapshot: back to its savepoint (same snapshot)."""
        import psycopg
        from psycopg.pq import TransactionStatus

        if self.in_snapshot and self.raw.info.transaction_status == TransactionStatus.INERROR:
            with contextlib.suppress(psycopg.Error):
                self.raw.execute(f"ROLLBACK TO SAVEPOINT {SNAPSHOT_SAVEPOINT}")

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back by the server)."""
        self.raw.close()

    @property
    def closed(self) -> bool:
        return bool(self.raw.closed)


def _configure_types(raw: Any) -> None:
    """Adapt types the way SQLite returns them: numbers as int/float (never Decimal), and
    Python booleans stored as 0/1 in the INTEGER flag columns."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.postgres import types

    class NumericLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            return int(text) if text.lstrip("-").isdigit() else float(text)

    class BoolAsIntDumper(Dumper):
        oid = types["int2"].oid

        def dump(self, obj: bool) -> bytes:
            return b"1" if obj else b"0"

    raw.adapters.register_loader("numeric", NumericLoader)
    raw.adapters.register_dumper(bool, BoolAsIntDumper)


# --- transactions ------------------------------------------------------------------------------
def begin_write(conn: Any) -> None:
    """Begin a transaction that will write: one writer at a time across every process.

    SQLite: ``BEGIN IMMEDIATE`` (the file's write lock). PostgreSQL: ``BEGIN`` and a
    transaction-scoped advisory lock keyed by the store's schema, released at commit or
    rollback, so ingests on several instances take turns and never interleave.
    """
    if isinstance(conn, PgConnection):
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"standards-write:{conn.schema}",))
    else:
        conn.execute("BEGIN IMMEDIATE")


def begin_snapshot(conn: Any) -> None:
    """Begin a read-only transaction that sees one committed state until it ends.

    SQLite's ``BEGIN`` in WAL mode is such a snapshot from its first read; PostgreSQL needs
    ``REPEATABLE READ`` (its default isolation re-reads the newest commit per statement). There
    the snapshot is taken by the first statement, and a savepoint is set after it: a statement
    that fails inside the snapshot would otherwise abort the whole transaction, and every later
    read through the connection with it (``PgConnection`` rolls back to the savepoint, which keeps
    the transaction and its snapshot).
    """
    if isinstance(conn, PgConnection):
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SELECT 1").fetchone()  # the snapshot is taken here
        conn.execute(f"SAVEPOINT {SNAPSHOT_SAVEPOINT}")
        conn.in_snapshot = True
    else:
        conn.execute("BEGIN")


@contextlib.contextmanager
def transaction(conn: Any) -> Iterator[Any]:
    """One atomic unit of work: everything inside commits together or not at all.

    Nested use joins the outer transaction (SAVEPOINT), so callers can compose; an error in a
    nested block rolls back only that block (and, on PostgreSQL, clears the aborted state).
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
    begin_write(conn)
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(*Error):  # a dropped connection has rolled back already
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def session_lock(conn: Any, name: str) -> Iterator[None]:
    """Hold a named lock across transactions (migrations at startup, say).

    PostgreSQL: a session advisory lock (every instance on the database waits for it).
    SQLite: nothing extra; its write transactions already serialise the processes on one file.
    """
    if not isinstance(conn, PgConnection):
        yield
        return
    key = f"standards-{name}:{conn.schema}"
    conn.execute("SELECT pg_advisory_lock(hashtext(?))", (key,))
    try:
        yield
    finally:
        with contextlib.suppress(*Error):
            conn.execute("SELECT pg_advisory_unlock(hashtext(?))", (key,))


def hold_lock(conn: Any, name: str) -> bool:
    """Take the named lock for this connection's session if nobody holds it; True when taken
    (or already held by this session). Released by ``release_lock`` or when the connection
    ends, however it ends: a process that dies lets go of its locks.

    PostgreSQL: a session advisory lock, so another instance can tell whether something is still
    owned by a live process. SQLite: always True (one machine; there is no such lock).
    """
    if not isinstance(conn, PgConnection):
        return True
    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(?))", (f"standards-{name}:{conn.schema}",)).fetchone()
    return bool(row[0])


def release_lock(conn: Any, name: str) -> None:
    """Release a lock taken with ``hold_lock`` (nothing on SQLite)."""
    if isinstance(conn, PgConnection):
        with contextlib.suppress(*Error):
            conn.execute("SELECT pg_advisory_unlock(hashtext(?))", (f"standards-{name}:{conn.schema}",))


def notify_change(conn: Any, generation: int) -> None:
    """Announce a new store generation to the other instances (PostgreSQL; delivered at commit)."""
    if isinstance(conn, PgConnection):
        conn.execute("SELECT pg_notify(?, ?)", (CHANGES_CHANNEL, f"{conn.schema}:{generation}"))


# --- SQL that differs between the engines --------------------------------------------------------
def greatest(conn: Any) -> str:
    """The scalar maximum function: ``MAX(a, b)`` in SQLite, ``GREATEST(a, b)`` in PostgreSQL."""
    return "GREATEST" if isinstance(conn, PgConnection) else "MAX"


def table_names(conn: Any) -> list[str]:
    """The store's tables (SQLite's internal tables and FTS5 shadow tables excluded), sorted."""
    if isinstance(conn, PgConnection):
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [r[0] for r in rows]
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [r[0] for r in rows]


def column_names(conn: Any, table: str) -> list[str]:
    """The columns of ``table``, in order."""
    if isinstance(conn, PgConnection):
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


_SQLITE_NOW = re.compile(r"strftime\('%Y-%m-%dT%H:%M:%SZ',\s*'now'\)")
_PG_NOW = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


@lru_cache(maxsize=256)
def pg_ddl(sql: str) -> str:
    """A migration written for SQLite, in PostgreSQL's dialect.

    ``INTEGER PRIMARY KEY`` (SQLite's auto-numbered rowid) becomes an identity column,
    integers are 64-bit as in SQLite, ``REAL`` double precision, ``BLOB`` ``BYTEA``, and the
    UTC timestamp default is written with ``to_char``.
    """
    out = re.sub(r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    out = re.sub(r"\bINTEGER\b", "BIGINT", out)
    out = re.sub(r"\bREAL\b", "DOUBLE PRECISION", out)
    out = re.sub(r"\bBLOB\b", "BYTEA", out)
    return _SQLITE_NOW.sub(_PG_NOW, out)


# --- other instances' changes ------------------------------------------------------------------
class ChangeListener:
    """Tells a process when another one committed a new store generation.

    PostgreSQL: a connection of its own LISTENs on ``CHANGES_CHANNEL``; ``wait(timeout)``
    returns True as soon as a change to this store is announced (or the connection had to be
    re-opened, when changes may have been missed). SQLite: there is no such signal, so
    ``wait`` just sleeps ``timeout`` and returns False; callers poll the generation.
    """

    def __init__(self, target: Target):
        self.target = target
        self._conn: PgConnection | None = None
        self._lock = threading.Lock()

    @property
    def pushes(self) -> bool:
        """True when changes are pushed (PostgreSQL), False when they must be polled."""
        return is_postgres_url(self.target)

    def _listen(self) -> PgConnection:
        if self._conn is None or self._conn.closed:
            conn = PgConnection.open(str(self.target))
            conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            self._conn = conn
        return self._conn

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when this store's generation changed meanwhile."""
        if not self.pushes:
            threading.Event().wait(timeout)
            return False
        import psycopg

        with self._lock:
            try:
                fresh = self._conn is None or self._conn.closed
                conn = self._listen()
                if fresh:
                    return True  # (re)connected: a change may have been missed meanwhile
                prefix = conn.schema + ":"
                for note in conn.raw.notifies(timeout=timeout, stop_after=1):
                    if note.payload.startswith(prefix):
                        return True
                return False
            except psycopg.Error:
                if self._conn is not None:
                    with contextlib.suppress(psycopg.Error):
                        self._conn.close()
                self._conn = None
                threading.Event().wait(min(timeout, 1.0))
                return True

    def close(self) -> None:
        """Stop listening."""
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None
