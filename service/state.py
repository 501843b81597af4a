"""What the running service holds: one SQLite connection, one Retriever (model loaded and
warm), the taxonomy, the authority names and an in-memory view of the current obligations.

A ``ServiceState`` is one consistent snapshot of the store. Its connection is read-only and
holds an open read transaction (``open_snapshot``), so everything it answers — the SQLite rows,
the obligation view, the authority names, the FAISS index of that generation — describes the
same committed state, however long a request takes and whatever is being written meanwhile.
Writes go through other connections (``service.jobs``); when one commits, a new snapshot is
built beside the old one and published (``ServiceState.latest()``); each request keeps the
snapshot it started with (``service.routes.service_state``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from extractors.records import Obligation
from ingest import db
from ingest.errors import IndexNotReadyError, StandardsError
from ingest.records import Clause
from ingest.settings import Settings, load_settings
from service.question import AuthorityMatcher, load_authority_aliases

# Said with every answer given while the dense index is being (re)built: keyword search
# alone answers then, and the answer should say so.
BM25_ONLY_NOTE = (
    "The meaning-based search index is still being built (the service started or the store changed "
    "recently), so this was answered by keyword search only; paraphrased wording may be missed. "
    "Ask again in a minute for the full search."
)


# Generation caches (``generation_cache``) whose facts are counted over the whole store (IDF,
# a clause's current sentences and the list lead before it, the sentences' stored predicates
# (re-extraction rewrites them under the same keys), the conflicts among an authority's duties on a topic, what the
# national baseline adds for an authority, a candidate sentence's lead, context and obligations),
# so a new generation starts them empty; every other one is keyed by content and carries over.
STORE_WIDE_CACHES = frozenset({"idf", "clause_count", "sentence_rows", "conflicts", "national_fallback",
                               "leads_before", "predicates", "candidate_slots"})

_WRITERS: dict[str, tuple[sqlite3.Connection, threading.Lock]] = {}
_WRITERS_LOCK = threading.Lock()


def open_snapshot(target) -> sqlite3.Connection:
    """A read-only connection holding a read transaction: it sees the store as it is now, and
    keeps seeing exactly that until it is closed (SQLite WAL snapshot isolation; on PostgreSQL a
    ``REPEATABLE READ READ ONLY`` transaction, ``ingest.db.begin_snapshot``).

    ``query_only`` (PostgreSQL: ``READ ONLY``) makes an accidental write through it fail loudly
    instead of sitting in the open transaction; write with a connection of your own
    (``ingest.store.connect``). ``target``: ``settings.database``.
    """
    from ingest.store import connect

    conn = connect(target)  # brings the schema up to date first
    if not db.is_postgres(conn):
        conn.execute("PRAGMA query_only = ON")
    db.begin_snapshot(conn)
    conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()  # the snapshot starts here
    return conn


@dataclass
class ServiceState:
    """Shared, long-lived objects of the service. Use ``lock`` around store access."""

    settings: Settings
    conn: sqlite3.Connection
    retriever: Any
    taxonomy: Any
    lock: threading.RLock = field(default_factory=threading.RLock)
    # False while the dense index is being built: hybrid searches run on BM25 alone and
    # answers carry ``retrieval_note()``.
    dense_ready: bool = True
    # The live service that publishes newer snapshots (service.jobs.LiveService), if any.
    live: Any = None
    # Compute the per-obligation caches when the snapshot is built (False: on first use; the
    # server's first snapshot, so it serves seconds sooner; the next one is built warm).
    warm: bool = True
    # True when ``conn`` holds a snapshot (``open_snapshot``, set by ``build_state``): its
    # generation can no longer change, so ``refresh`` stops reading it (one query per call saved,
    # and it is called for nearly every lookup). A state over a plain connection (the CLI's
    # ``StoreSource``, tests) keeps re-reading it.
    pinned: bool = False
    _generation: int = -1
    _matcher: AuthorityMatcher | None = None
    _resolver: Any = None
    _obligations: list[Obligation] = field(default_factory=list)
    _by_authority_topic: dict[tuple[str, str | None], list[Obligation]] = field(default_factory=dict)
    _by_clause: dict[str, list[Obligation]] = field(default_factory=dict)
    _clauses: dict[str, Clause] = field(default_factory=dict)
    # Derived facts that only change with the store generation (sentence figures, term
    # frequencies, ...), one dict per kind; emptied by ``refresh``.
    _generation_caches: dict[str, dict] = field(default_factory=dict)

    # -- snapshots --------------------------------------------------------------------------
    def latest(self) -> ServiceState:
        """The newest published snapshot (this one when no live service publishes others)."""
        live = self.live
        return live.current if live is not None and live.current is not None else self

    def retrieval_note(self) -> str | None:
        """A note for answers and search results when dense search is unavailable, else None."""
        return None if self.dense_ready else BM25_ONLY_NOTE

    @property
    def generation(self) -> int:
        """The store generation this snapshot shows."""
        self.refresh()
        return self._generation

    @contextlib.contextmanager
    def writer(self) -> Iterator[sqlite3.Connection]:
        """A connection to the store as it is now, that may write: for what is not part of the
        snapshot (a question log, feedback). Shared by the process, one thread at a time; wrap
        writes in ``ingest.store.transaction``. Writes that change documents go through
        ``service.jobs`` instead."""
        key = str(self.settings.database)
        with _WRITERS_LOCK:
            entry = _WRITERS.get(key)
            if entry is None:
                from ingest.store import connect

                entry = _WRITERS[key] = (connect(self.settings.database), threading.Lock())
        conn, lock = entry
        with lock:
            yield conn

    def close(self) -> None:
        """Release the snapshot's connection (its read transaction ends)."""
        with self.lock, contextlib.suppress(*db.Error):
            self.conn.close()

    # -- freshness ------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Reload the obligation view and authority names if the store changed."""
        if self.pinned and not force and self._generation >= 0:
            # A snapshot's generation is fixed (SQLite WAL read transaction; PG REPEATABLE READ).
            # Checked before anything else: an answer calls this some 80 times.
            return
        from extractors.store import load_obligations
        from ingest.store import generation

        with self.lock:
            gen = generation(self.conn)
            if gen == self._generation and not force:
                return
            obligations = load_obligations(self.conn)
            grouped: dict[tuple[str, str | None], list[Obligation]] = defaultdict(list)
            by_clause: dict[str, list[Obligation]] = defaultdict(list)
            for ob in obligations:
                grouped[(ob.authority, ob.topic)].append(ob)
                by_clause[ob.clause_id].append(ob)
            self._obligations = obligations
            self._by_authority_topic = dict(grouped)
            self._by_clause = dict(by_clause)
            self._clauses = {}
            # Facts keyed by content (a sentence or clause id is a hash of its file's content, a
            # label or anchor is its words) carry over from the previous generation; those counted
            # over the whole store (IDF) are counted again.
            self._generation_caches = {
                name: cache for name, cache in self._generation_caches.items() if name not in STORE_WIDE_CACHES
            }
            known = self._store_authorities()
            self._matcher = AuthorityMatcher(known, load_authority_aliases(self.settings.corpus_dir))
            from service.resolver import Resolver, aliases_of

            aliases = aliases_of(self.settings.corpus_dir)
            self._resolver = Resolver({a: aliases.get(a, []) for a in known}, self.taxonomy)
            self._generation = gen
            if self.warm:
                self._warm_caches()

    def _store_authorities(self) -> list[str]:
        from ingest.store import authorities

        return authorities(self.conn)

    # -- views ----------------------------------------------------------------------------
    @property
    def matcher(self) -> AuthorityMatcher:
        self.refresh()
        assert self._matcher is not None
        return self._matcher

    @property
    def resolver(self):  # -> service.resolver.Resolver
        """The one resolver of authority, topic, role and cohort names (rebuilt per store generation)."""
        self.refresh()
        return self._resolver

    def authorities(self) -> list[str]:
        """Authorities with at least one current document."""
        return self.matcher.known

    def obligations(self, authority: str | None = None, topic: str | None = None) -> list[Obligation]:
        """Current obligations, optionally of one authority and/or topic (from memory)."""
        self.refresh()
        if authority is not None and topic is not None:
            return list(self._by_authority_topic.get((authority, topic), []))
        return [
            ob
            for ob in self._obligations
            if (authority is None or ob.authority == authority) and (topic is None or ob.topic == topic)
        ]

    def clause(self, clause_id: str) -> Clause | None:
        """A clause by id (cached for the current generation; callers refresh once per request)."""
        from ingest.store import get_clause

        cached = self._clauses.get(clause_id)
        if cached is not None:
            return cached
        with self.lock:
            found = get_clause(self.conn, clause_id)
        if found is not None:
            self._clauses[clause_id] = found
        return found

    def clause_obligations(self, clause_id: str) -> list[Obligation]:
        """The current obligations extracted from one clause (from memory)."""
        self.refresh()
        return self._by_clause.get(clause_id, [])

    def generation_cache(self, name: str) -> dict:
        """A dict for facts derived from the store: emptied when the generation changes if it is
        one of ``STORE_WIDE_CACHES``, otherwise kept (keyed by content, its facts still hold)."""
        return self._generation_caches.setdefault(name, {})

    def prepare(self, query: str) -> Any:
        """The query planned and embedded once (``index.search.Retriever.prepare``)."""
        with self.lock:
            return self.retriever.prepare(query)

    def _warm_caches(self) -> None:
        """Derive the per-sentence facts answers use now, while the snapshot is being built and
        not on a user's time (``service.evidence.warm``)."""
        from service.evidence import warm

        warm(self)

    def search(
        self, query: str, k: int = 10, filters: Any = None, mode: str = "hybrid", prepared: Any = None
    ) -> list:
        """Ranked hits from the shared Retriever (serialised: one connection, one model).

        While the dense index is not ready, hybrid searches use BM25 alone (see
        ``retrieval_note``) and a dense-only search is a 503 saying when to retry.
        """
        from index.records import SearchFilters

        if not self.dense_ready:
            if mode == "dense":
                raise IndexNotReadyError(
                    "The meaning-based (dense) index is still being built; use mode 'hybrid' or 'bm25' "
                    "meanwhile, or retry shortly."
                )
            mode = "bm25"
        with self.lock:
            return self.retriever.search(query, k=k, filters=filters or SearchFilters(), mode=mode, prepared=prepared)


def build_state(
    settings: Settings, embedder: Any = None, taxonomy: Any = None, dense_ready: bool = True,
    previous: ServiceState | None = None, warm: bool = True,
) -> ServiceState:
    """A snapshot of the store as it is now (read-only connection, caches built, FAISS loaded
    when ``dense_ready``); the caller publishes it. ``previous`` (a snapshot with the same
    taxonomy) lends its per-clause caches, so only new clauses are read again."""
    from index.search import Retriever

    if taxonomy is None:
        from extractors.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    conn = open_snapshot(settings.database)
    state = ServiceState(settings=settings, conn=conn, retriever=Retriever(conn, settings, embedder),
                         taxonomy=taxonomy, dense_ready=dense_ready, warm=warm)
    if previous is not None and previous.taxonomy is taxonomy:
        state._generation_caches = {name: dict(cache) for name, cache in previous._generation_caches.items()}
    state.refresh(force=True)
    # The connection holds one read transaction from here on: pin its generation (the retriever's
    # generation-keyed caches then skip the per-lookup read too).
    state.pinned = True
    state.retriever.pin_generation(state._generation)
    if dense_ready:
        state.dense_ready = _load_dense_file(state)
    return state


def _load_dense_file(state: ServiceState) -> bool:
    """Load the FAISS file of the snapshot's generation before the snapshot serves; False when
    the file on disk is for another generation or model (a writer has not caught up yet)."""
    from index.dense import read_sidecar

    meta = read_sidecar(state.settings.index_dir)
    embedder = state.retriever.embedder
    if not meta or meta.get("generation") != state.generation or meta.get("model") != embedder.model_id:
        return False
    try:
        with state.lock:
            state.retriever.dense_index()
    except (StandardsError, *db.Error):
        # The file was torn and rebuilding it needs vectors this read-only snapshot cannot write.
        return False
    return True


def load_state(settings: Settings | None = None, dense: bool = True) -> ServiceState:
    """Open the store, load the taxonomy and the retriever, and warm the model with one query.

    With ``dense`` (the CLI), the dense index is brought up to date first (embedding what the
    store lacks) and the model is loaded now. Without it (the server, which loads the model and
    rebuilds in the background), the snapshot answers from BM25 until a dense one is published.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = settings or load_settings()
    embedder = None
    if dense:
        from index.dense import sync_dense
        from index.embedder import load_embedder
        from ingest.store import connect

        embedder = load_embedder(settings)
        writer = connect(settings.database)
        try:
            sync_dense(writer, settings, embedder)  # a no-op when the FAISS file is current
        finally:
            writer.close()
    # The server (no dense yet) serves as soon as the store is read; its next snapshot is warm.
    state = build_state(settings, embedder=embedder, dense_ready=dense, warm=dense)
    if dense:
        # Warm-up: the first query runs the model once; do it now, not on a user's time.
        state.search("core group meeting timescale", k=1)
    return state
