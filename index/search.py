"""Hybrid retrieval: BM25 (FTS5) and dense (FAISS) rankings fused by reciprocal rank.

The query is expanded with the taxonomy's abbreviations and synonyms before either
retriever sees it ("ICPC" and "initial child protection conference" build the same lexical
query; the dense query carries the spelled-out names the model knows). Filters (authority,
document, topic, cohort) restrict both retrievers *before* ranking, so a filtered search
never returns another authority's clause. Clauses that carry an obligation on the query's
topic get a boost.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from index.embedder import Embedder, load_embedder
from index.lexical import LexicalQuery, TermStats, bm25_search, content_terms, tokens
from index.records import Hit, SearchFilters
from ingest.errors import (
    BadRequestError,
    StandardsError,
    UnknownAuthorityError,
    UnknownCohortError,
    UnknownTopicError,
)
from ingest.settings import Settings
from ingest.store import generation, row_to_clause

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[str, ...] = ("hybrid", "bm25", "dense")

# Candidates taken from each retriever before fusion.
MIN_CANDIDATES = 50
# Clauses kept in memory per store generation once a search has returned them (the next
# question mostly returns the same ones). About 10,000 clauses is the whole of a store of ~50
# authorities' standards at a few MB; on a larger store the cache starts over when full.
CLAUSE_CACHE_MAX = 10_000
QUERY_WORDS_PATH = Path(__file__).parent / "data" / "query_words.yaml"


@dataclass(frozen=True)
class Fusion:
    """Reciprocal rank fusion: score = sum over retrievers of weight / (rrf_k + rank), plus boosts.

    ``topic_boost`` (times the query's topic match score) goes to a clause carrying an
    obligation on the query's topic; ``cohort_boost`` (half as much: a table row label is a
    weaker signal than an extracted obligation) to a clause whose table row or obligation is
    for the cohort the query names. Both are below the gap between ranks 1 and 3 of one
    retriever, so they reorder near-ties rather than override the rankings. Chosen on the
    development questions from a coarse grid where results were flat (k 10-60, dense weight
    1-1.5): hybrid Recall@5 stayed within 0.93-0.97 throughout.
    """

    rrf_k: float = 20.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    topic_boost: float = 0.01
    cohort_boost: float = 0.005


@lru_cache(maxsize=1)
def framing_words() -> frozenset[str]:
    """Question-framing words dropped from BM25 queries (``index/data/query_words.yaml``)."""
    data = yaml.safe_load(QUERY_WORDS_PATH.read_text(encoding="utf-8")) or {}
    return frozenset(str(w).lower() for w in data.get("framing_words") or [])


@dataclass
class PreparedQuery:
    """A query planned and embedded once (``Retriever.prepare``)."""

    text: str
    plan: QueryPlan
    vector: np.ndarray


@dataclass
class QueryPlan:
    """How a user's text is turned into the two retrievers' queries."""

    text: str
    lexical: LexicalQuery
    dense_text: str
    topics: list[tuple[str, float]] = field(default_factory=list)
    cohorts: set[str] = field(default_factory=set)


def _load_taxonomy():  # -> Taxonomy | None
    """The taxonomy from the extraction stage (None if that stage is not installed)."""
    try:
        from extractors.taxonomy import load_taxonomy
    except ImportError:
        return None
    return load_taxonomy()


class QueryBuilder:
    """Expands queries with the taxonomy: abbreviation <-> expansion groups for BM25, and the
    taxonomy's ``expand_query`` text for the dense model."""

    def __init__(self, taxonomy=None, drop_names: Iterable[str] = (), drop_words: Iterable[str] = ()):
        self.taxonomy = taxonomy
        self.drop: frozenset[str] = frozenset(w.lower() for w in drop_words)
        # Authority names and aliases are filters, not content: "in Dudley" should not pull up
        # the clauses that happen to mention Dudley. Removed as whole phrases before ranking.
        names = sorted({" ".join(n.split()) for n in drop_names if n and n.strip()}, key=len, reverse=True)
        self._names_re = (
            re.compile(r"(?<!\w)(?:" + "|".join(_phrase_pattern(n) for n in names) + r")(?:'s|\u2019s)?(?!\w)", re.IGNORECASE)
            if names
            else None
        )
        self._expansion_re: re.Pattern[str] | None = None
        self._by_expansion: dict[str, list[str]] = {}
        if taxonomy is not None:
            # Reverse map: spelled-out name -> its abbreviations, so the long form finds the short.
            for abbr in taxonomy.abbreviations.values():
                for exp in abbr.expansions:
                    self._by_expansion.setdefault(_fold(exp), []).append(abbr.abbr)
            if self._by_expansion:
                names = sorted(self._by_expansion, key=len, reverse=True)
                self._expansion_re = re.compile(
                    r"(?<!\w)(?:" + "|".join(_phrase_pattern(n) for n in names) + r")(?:s|es)?(?!\w)", re.IGNORECASE
                )

    def plan(self, text: str) -> QueryPlan:
        """Build the lexical groups, the dense text and the query's topics."""
        text = " ".join(text.split())
        if self._names_re is not None:
            stripped = " ".join(self._names_re.sub(" ", text).split())
            text = stripped or text  # a query that is only a name still searches for it
        if self.taxonomy is None:
            return QueryPlan(text, LexicalQuery.from_text(text, self.drop), text)
        spans: list[tuple[int, int, list[str]]] = []  # (start, end, alternatives)
        # How each span is written in the dense query: the spelled-out name with its
        # abbreviation, whichever of the two the user typed, so both embed alike.
        renders: dict[tuple[int, int], str] = {}
        for key in ("abbreviations", "abbreviations_ci"):
            for m in self.taxonomy.find(key, text):
                abbr = self.taxonomy.abbreviations[m.canonical]
                spans.append((m.start, m.end, [abbr.abbr, *abbr.expansions]))
                renders.setdefault((m.start, m.end), f"{' / '.join(abbr.expansions)} ({abbr.abbr})")
        if self._expansion_re is not None:
            for m in self._expansion_re.finditer(text):
                key = _fold(m.group(0))
                abbrs = self._by_expansion.get(key) or self._by_expansion.get(key.rstrip("s")) or []
                alts = [m.group(0)]
                for a in abbrs:
                    alts.extend([a, *self.taxonomy.abbreviations[a].expansions])
                spans.append((m.start(), m.end(), alts))
                if abbrs:
                    renders.setdefault((m.start(), m.end()), f"{m.group(0)} ({'/'.join(abbrs)})")
        spans = _non_overlapping(spans)
        groups: list[list[list[str]]] = []
        seen_alts: set[tuple[str, ...]] = set()
        cursor = 0
        canonical: list[str] = []
        for start, end, alts in spans:
            canonical.extend([text[cursor:start], renders.get((start, end), text[start:end])])
            groups.extend([[t]] for t in content_terms(text[cursor:start], self.drop))
            group = _dedupe_alternatives(alts)
            key = tuple(sorted(" ".join(a) for a in group))
            if group and key not in seen_alts:
                seen_alts.add(key)
                groups.append(group)
            cursor = end
        groups.extend([[t]] for t in content_terms(text[cursor:], self.drop))
        groups = _dedupe_groups(groups)
        canonical.append(text[cursor:])
        # Expansion of the canonical text: same words typed either way -> same dense query.
        dense_text = self.taxonomy.expand_query(" ".join("".join(canonical).split()))
        cohorts = {m.canonical for m in self.taxonomy.find("cohorts", text)}
        return QueryPlan(text, LexicalQuery(groups), dense_text, self.taxonomy.match_topics(text), cohorts)


def _fold(text: str) -> str:
    return " ".join(re.split(r"[\s\-]+", text.lower().replace("\u2019", "'").strip()))


def _phrase_pattern(phrase: str) -> str:
    return r"[\s\-]+".join(re.escape(w) for w in phrase.split())


def _non_overlapping(spans: list[tuple[int, int, list[str]]]) -> list[tuple[int, int, list[str]]]:
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    kept: list[tuple[int, int, list[str]]] = []
    for s in spans:
        overlapping = [k for k in kept if not (s[1] <= k[0] or s[0] >= k[1])]
        if not overlapping:
            kept.append(s)
        else:  # same span found twice (e.g. case-sensitive and -insensitive): merge alternatives
            for k in overlapping:
                if (k[0], k[1]) == (s[0], s[1]):
                    k[2].extend(a for a in s[2] if a not in k[2])
    kept.sort(key=lambda s: s[0])
    return kept


def _dedupe_alternatives(alts: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for alt in alts:
        toks = tokens(alt)
        if toks and toks not in out:
            out.append(toks)
    return out


def _dedupe_groups(groups: list[list[list[str]]]) -> list[list[list[str]]]:
    # A single term already inside a phrase group adds nothing to the AND query.
    covered = {tok for g in groups if len(g) > 1 or len(g[0]) > 1 for alt in g for tok in alt}
    out: list[list[list[str]]] = []
    for g in groups:
        if len(g) == 1 and len(g[0]) == 1 and g[0][0] in covered:
            continue
        if g not in out:
            out.append(g)
    return out


class Retriever:
    """Searches the current clauses of one store. Loads the model once, on first dense use."""

    def __init__(
        self, conn: sqlite3.Connection, settings: Settings, embedder: Embedder | None = None, fusion: Fusion | None = None
    ):
        self.conn = conn
        self.fusion = fusion or Fusion()
        self.settings = settings
        self._embedder = embedder
        self._dense = None
        self._taxonomy = _load_taxonomy()
        self._builder: QueryBuilder | None = None
        self._builder_generation: int | None = None
        self._topic_cache: dict[tuple[int, str], set[str]] = {}
        self._obligation_topics: tuple[int, dict[str, set[str]], dict[str, set[str]]] | None = None
        self._cohort_of_context: dict[str, str | None] = {}
        # Per store generation: clauses already fetched, and every current clause's table-row
        # label (``_contexts``), so a search reads only BM25 from the store.
        self._clause_cache: tuple[int, dict] = (-1, {})
        self._context_map: tuple[int, dict[str, str]] | None = None
        self._names: tuple[int, dict[str, list[str]]] | None = None
        self._term_stats = TermStats()
        self._allowed_cache: dict[tuple, frozenset[str]] = {}
        # The store generation read once at the start of a search and used throughout it
        # (one SQLite query instead of one per cache lookup; one consistent view per search).
        self._pinned_generation: int | None = None
        # Set by ``pin_generation`` when ``conn`` holds a read snapshot: its generation is fixed.
        self._fixed_generation: int | None = None

    def pin_generation(self, gen: int) -> None:
        """Declare ``conn`` a snapshot showing generation ``gen`` for as long as it is open (the
        service's ``build_state``): the store generation is then never read again."""
        self._fixed_generation = gen

    def _generation(self) -> int:
        if self._fixed_generation is not None:
            return self._fixed_generation
        return self._pinned_generation if self._pinned_generation is not None else generation(self.conn)

    @contextmanager
    def _pinned(self) -> Iterator[int]:
        """Read the store generation once for everything inside (nested uses share it)."""
        if self._fixed_generation is not None:
            yield self._fixed_generation
            return
        if self._pinned_generation is not None:
            yield self._pinned_generation
            return
        self._pinned_generation = generation(self.conn)
        try:
            yield self._pinned_generation
        finally:
            self._pinned_generation = None

    # --- resources ------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedding model (loaded and verified on first use)."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    def dense_index(self):  # -> DenseIndex
        """The FAISS index for the store's current generation (reloaded when it moves on)."""
        from index.dense import load_dense

        gen = self._generation()
        if self._dense is None or self._dense.generation != gen or self._dense.model_id != self.embedder.model_id:
            self._dense = load_dense(self.conn, self.settings, self.embedder)
        return self._dense

    def query_builder(self) -> QueryBuilder:
        """Query expansion; authority names are dropped from lexical terms (they are filters)."""
        gen = self._generation()
        if self._builder is None or self._builder_generation != gen:
            names = list(self.authority_names())
            for aliases in self.authority_names().values():
                names.extend(aliases)
            self._builder = QueryBuilder(self._taxonomy, names, framing_words())
            self._builder_generation = gen
        return self._builder

    def authority_names(self) -> dict[str, list[str]]:
        """Authorities with current clauses -> their aliases (from the corpus manifest, if any)."""
        gen = self._generation()
        if self._names is not None and self._names[0] == gen:
            return self._names[1]
        known = [r[0] for r in self.conn.execute("SELECT DISTINCT authority FROM clauses WHERE is_current = 1")]
        aliases: dict[str, list[str]] = {}
        try:
            from ingest.manifest import authority_aliases, manifest_path

            if manifest_path(self.settings.corpus_dir).is_file():
                aliases = authority_aliases(self.settings.corpus_dir)
        except (ImportError, StandardsError):
            aliases = {}  # no (valid) manifest: canonical names only
        names = {name: list(aliases.get(name, [])) for name in known}
        self._names = (gen, names)
        return names

    # --- filters ----------------------------------------------------------------------------
    def check_authorities(self, names: Iterable[str]) -> list[str]:
        """``names`` as given, each a canonical authority with current clauses; else UnknownAuthorityError.

        This stage does not resolve names (no aliases, case or spelling): the service's resolver
        does that before searching, so a filter name here is canonical or a caller's mistake.
        """
        known = self.authority_names()
        out = list(names)
        for name in out:
            if name not in known:
                raise UnknownAuthorityError(
                    f"Search filters take canonical authority names; {name!r} is not one. "
                    f"Known authorities: {', '.join(sorted(known)) or 'none'}."
                )
        return out

    def _allowed_ids(self, filters: SearchFilters) -> frozenset[str] | None:
        """Clause ids passing every filter, or None when nothing is filtered (cached per generation)."""
        if not (filters.authorities or filters.document_ids or filters.topic or filters.cohort):
            return None
        key = (
            self._generation(), tuple(sorted(filters.authorities)), tuple(sorted(filters.document_ids)),
            filters.topic, filters.cohort,
        )
        cached = self._allowed_cache.get(key)
        if cached is None:
            cached = frozenset(self._compute_allowed(filters))
            if len(self._allowed_cache) >= 64:
                self._allowed_cache.pop(next(iter(self._allowed_cache)))
            self._allowed_cache[key] = cached
        return cached

    def _compute_allowed(self, filters: SearchFilters) -> set[str]:
        sql = "SELECT id FROM clauses WHERE is_current = 1"
        args: list = []
        if filters.authorities:
            sql += f" AND authority IN ({','.join('?' * len(filters.authorities))})"
            args.extend(filters.authorities)
        if filters.document_ids:
            sql += f" AND document_id IN ({','.join('?' * len(filters.document_ids))})"
            args.extend(filters.document_ids)
        rows = self.conn.execute(sql, args).fetchall()
        allowed = {r[0] for r in rows}
        if filters.topic:
            allowed &= self._topic_clauses(self._canonical_topic(filters.topic))
        if filters.cohort:
            allowed &= self._cohort_clauses(self._canonical_cohort(filters.cohort))
        return allowed

    def _forget_old_generations(self, gen: int) -> None:
        for key in [k for k in self._topic_cache if k[0] != gen]:
            del self._topic_cache[key]

    def _canonical_topic(self, name: str) -> str:
        """``name`` if it is a canonical topic (filters are resolved by the service, not here)."""
        if self._taxonomy is not None and name not in self._taxonomy.topics:
            raise UnknownTopicError(
                f"Search filters take canonical topic names; {name!r} is not one. "
                f"Known topics: {', '.join(sorted(self._taxonomy.topics))}."
            )
        return name

    def _canonical_cohort(self, name: str) -> str:
        """``name`` if it is a canonical cohort (filters are resolved by the service, not here)."""
        if self._taxonomy is not None and name not in self._taxonomy.cohorts:
            raise UnknownCohortError(
                f"Search filters take canonical cohort names; {name!r} is not one. "
                f"Known cohorts: {', '.join(self._taxonomy.cohort_names())}."
            )
        return name

    def _topic_clauses(self, topic: str) -> set[str]:
        """Clauses with a current obligation on ``topic``, or whose text names the topic."""
        gen = self._generation()
        key = (gen, "topic:" + topic)
        if key not in self._topic_cache:
            self._forget_old_generations(gen)
            ids = {
                r[0]
                for r in self.conn.execute(
                    "SELECT DISTINCT clause_id FROM obligations WHERE is_current = 1 AND topic = ?", (topic,)
                )
            }
            if self._taxonomy is not None:
                for row in self.conn.execute("SELECT id, plain_text FROM clauses WHERE is_current = 1"):
                    if any(name == topic for name, _ in self._taxonomy.match_topics(row["plain_text"])):
                        ids.add(row["id"])
            self._topic_cache[key] = ids
        return self._topic_cache[key]

    def _cohort_clauses(self, cohort: str) -> set[str]:
        """Clauses with a current obligation for ``cohort``, or under a table row naming it."""
        gen = self._generation()
        key = (gen, "cohort:" + cohort)
        if key not in self._topic_cache:
            self._forget_old_generations(gen)
            ids = {
                r[0]
                for r in self.conn.execute(
                    "SELECT DISTINCT clause_id FROM obligations WHERE is_current = 1 AND cohort = ?", (cohort,)
                )
            }
            if self._taxonomy is not None:
                for row in self.conn.execute(
                    "SELECT id, cohort_context FROM clauses WHERE is_current = 1 AND cohort_context IS NOT NULL"
                ):
                    if self._taxonomy.canonical_cohort(row["cohort_context"]) == cohort:
                        ids.add(row["id"])
            self._topic_cache[key] = ids
        return self._topic_cache[key]

    def _obligation_labels(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """clause id -> topics, and -> cohorts, of its current obligations (cached per generation)."""
        gen = self._generation()
        if self._obligation_topics is None or self._obligation_topics[0] != gen:
            topics: dict[str, set[str]] = {}
            cohorts: dict[str, set[str]] = {}
            for cid, topic, cohort in self.conn.execute(
                "SELECT clause_id, topic, cohort FROM obligations WHERE is_current = 1"
            ):
                if topic:
                    topics.setdefault(cid, set()).add(topic)
                if cohort:
                    cohorts.setdefault(cid, set()).add(cohort)
            self._obligation_topics = (gen, topics, cohorts)
        return self._obligation_topics[1], self._obligation_topics[2]

    def _context_cohort(self, context: str | None) -> str | None:
        """Canonical cohort of a table row label (cached: labels repeat across clauses)."""
        if not context or self._taxonomy is None:
            return None
        if context not in self._cohort_of_context:
            if len(self._cohort_of_context) > 50_000:
                self._cohort_of_context.clear()
            self._cohort_of_context[context] = self._taxonomy.canonical_cohort(context)
        return self._cohort_of_context[context]

    # --- search -----------------------------------------------------------------------------
    def prepare(self, query: str) -> PreparedQuery:
        """The query's plan and its one embedding, to reuse across several searches and for
        scoring sentences against the same vector (the model runs once per question)."""
        if not query or not query.strip():
            raise BadRequestError("The search query is empty; type a question or some words to search for.")
        plan = self.query_builder().plan(query)
        return PreparedQuery(query, plan, self.embedder.encode_query(plan.dense_text))

    def search(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode = "hybrid",
        prepared: PreparedQuery | None = None,
    ) -> list[Hit]:
        """The ``k`` best current clauses for ``query`` under ``filters``, best first.

        ``prepared`` (from ``prepare(query)``) reuses a plan and query vector already computed.
        """
        with self._pinned():
            return self._search(query, k, filters, mode, prepared)

    def _unfiltered_if_everything(self, filters: SearchFilters) -> SearchFilters:
        """No filter at all when the authorities named are every authority held (a question
        naming none is asked of all): same clauses, but FAISS needs no id selector and FTS5 no
        ``authority IN (...)`` test on every match."""
        if filters.document_ids or filters.topic or filters.cohort or not filters.authorities:
            return filters
        return SearchFilters() if set(filters.authorities) >= set(self.authority_names()) else filters

    def _search(
        self, query: str, k: int, filters: SearchFilters | None, mode: Mode, prepared: PreparedQuery | None
    ) -> list[Hit]:
        if mode not in MODES:
            raise BadRequestError(f"Unknown search mode {mode!r}; use one of {', '.join(MODES)}.")
        if not query or not query.strip():
            raise BadRequestError("The search query is empty; type a question or some words to search for.")
        if k <= 0:
            return []
        filters = filters or SearchFilters()
        if filters.authorities:
            self.check_authorities(filters.authorities)
            filters = self._unfiltered_if_everything(filters)
        allowed = self._allowed_ids(filters)
        if allowed is not None and not allowed:
            return []
        plan = prepared.plan if prepared is not None else self.query_builder().plan(query)
        depth = max(MIN_CANDIDATES, 3 * k)

        bm25: list[tuple[str, float]] = []
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            # In this thread, before BM25: on 2 shared cores a worker thread for the model saved
            # less than its hand-off cost (waking it and waiting for it, each a scheduler slot).
            vector = prepared.vector if prepared is not None else self.embedder.encode_query(plan.dense_text)
            dense = self.dense_index().search(vector, depth if mode == "hybrid" else k, allowed_ids=allowed)
        if mode in ("hybrid", "bm25"):
            bm25 = bm25_search(
                self.conn,
                plan.lexical,
                k=depth if mode == "hybrid" else k,
                authorities=filters.authorities,
                document_ids=filters.document_ids,
                # Authority and document filters are SQL conditions there; only topic and cohort
                # filters need the id set (which also lifts the LIMIT and sorts every match).
                allowed_ids=allowed if (filters.topic or filters.cohort) else None,
                stats=self._term_stats,
                stats_key=self._generation(),
            )

        bm25_rank = {cid: i + 1 for i, (cid, _) in enumerate(bm25)}
        dense_rank = {cid: i + 1 for i, (cid, _) in enumerate(dense)}
        dense_score = dict(dense)
        if mode == "bm25":
            ranked = [(cid, score) for cid, score in bm25]
        elif mode == "dense":
            ranked = [(cid, score) for cid, score in dense]
        else:
            ranked = self._fuse(bm25_rank, dense_rank, plan)
        ranked = ranked[:k]
        clauses = self._fetch([cid for cid, _ in ranked])
        return [
            Hit(
                clause=clauses[cid],
                score=float(score),
                bm25_rank=bm25_rank.get(cid),
                dense_rank=dense_rank.get(cid),
                dense_score=dense_score.get(cid),
            )
            for cid, score in ranked
            if cid in clauses
        ]

    def _fuse(self, bm25_rank: dict[str, int], dense_rank: dict[str, int], plan: QueryPlan) -> list[tuple[str, float]]:
        f = self.fusion
        scores: dict[str, float] = {}
        for cid, rank in bm25_rank.items():
            scores[cid] = scores.get(cid, 0.0) + f.bm25_weight / (f.rrf_k + rank)
        for cid, rank in dense_rank.items():
            scores[cid] = scores.get(cid, 0.0) + f.dense_weight / (f.rrf_k + rank)
        if plan.topics or plan.cohorts:
            clause_topics, clause_cohorts = self._obligation_labels()
            query_topics = dict(plan.topics)
            contexts = self._contexts(list(scores)) if plan.cohorts else {}
            for cid in scores:
                matched = [query_topics[t] for t in clause_topics.get(cid, ()) if t in query_topics]
                if matched:
                    scores[cid] += f.topic_boost * max(matched)
                if plan.cohorts:
                    cohorts = set(clause_cohorts.get(cid, ()))
                    cohorts.add(self._context_cohort(contexts.get(cid)))
                    if cohorts & plan.cohorts:
                        scores[cid] += f.cohort_boost
        # Ties (rare) break by the better single rank, then id, so results are deterministic.
        return sorted(
            scores.items(),
            key=lambda item: (-item[1], min(bm25_rank.get(item[0], 10**9), dense_rank.get(item[0], 10**9)), item[0]),
        )

    def _contexts(self, ids: list[str]) -> dict[str, str | None]:
        """Table-row label of each clause in ``ids`` (None: none); every current clause's is read
        once per generation (one short string each, most clauses have none)."""
        gen = self._generation()
        if self._context_map is None or self._context_map[0] != gen:
            rows = self.conn.execute(
                "SELECT id, cohort_context FROM clauses WHERE is_current = 1 AND cohort_context IS NOT NULL"
            )
            self._context_map = (gen, {r[0]: r[1] for r in rows})
        known = self._context_map[1]
        return {cid: known.get(cid) for cid in ids}

    def _fetch(self, ids: list[str]) -> dict:
        """Clauses by id (those fetched before in this generation from memory)."""
        if not ids:
            return {}
        gen = self._generation()
        if self._clause_cache[0] != gen or len(self._clause_cache[1]) > CLAUSE_CACHE_MAX:
            self._clause_cache = (gen, {})
        cache = self._clause_cache[1]
        missing = [cid for cid in ids if cid not in cache]
        if missing:
            rows = self.conn.execute(f"SELECT * FROM clauses WHERE id IN ({','.join('?' * len(missing))})", missing)
            cache.update((row["id"], row_to_clause(row)) for row in rows)
        return {cid: cache[cid] for cid in ids if cid in cache}
