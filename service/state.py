"""What the running service holds: one SQLite connection, one Retriever (model loaded and
warm), the taxonomy, the authority names and an in-memory view of the current obligations.

Everything is loaded once at startup; the obligation view and the authority matcher are
rebuilt when the store's ``generation`` moves on (after an upload or a removal).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from extractors.records import Obligation
from ingest.records import Clause
from ingest.settings import Settings, load_settings
from service.question import AuthorityMatcher, load_authority_aliases


@dataclass
class ServiceState:
    """Shared, long-lived objects of the service. Use ``lock`` around store access."""

    settings: Settings
    conn: sqlite3.Connection
    retriever: Any
    taxonomy: Any
    lock: threading.RLock = field(default_factory=threading.RLock)
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

    # -- freshness ------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Reload the obligation view and authority names if the store changed."""
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
            self._generation_caches = {}
            known = self._store_authorities()
            self._matcher = AuthorityMatcher(known, load_authority_aliases(self.settings.corpus_dir))
            from service.resolver import Resolver, aliases_of

            aliases = aliases_of(self.settings.corpus_dir)
            self._resolver = Resolver({a: aliases.get(a, []) for a in known}, self.taxonomy)
            self._generation = gen

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
        """A dict for facts derived from the current store generation (emptied when it changes)."""
        return self._generation_caches.setdefault(name, {})

    def prepare(self, query: str) -> Any:
        """The query planned and embedded once (``index.search.Retriever.prepare``)."""
        with self.lock:
            return self.retriever.prepare(query)

    def search(
        self, query: str, k: int = 10, filters: Any = None, mode: str = "hybrid", prepared: Any = None
    ) -> list:
        """Ranked hits from the shared Retriever (serialised: one connection, one model)."""
        from index.records import SearchFilters

        with self.lock:
            return self.retriever.search(query, k=k, filters=filters or SearchFilters(), mode=mode, prepared=prepared)


def load_state(settings: Settings | None = None) -> ServiceState:
    """Open the store, load the taxonomy and the retriever, and warm the model with one query."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from extractors.taxonomy import load_taxonomy
    from index.search import Retriever
    from ingest.store import connect

    settings = settings or load_settings()
    conn = connect(settings.db_path)
    retriever = Retriever(conn, settings)
    state = ServiceState(settings=settings, conn=conn, retriever=retriever, taxonomy=load_taxonomy())
    state.refresh(force=True)
    # Warm-up: the first query loads the model and the FAISS file; do it now, not on a user's time.
    state.search("core group meeting timescale", k=1)
    return state
