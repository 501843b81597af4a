"""Lexical retrieval: SQLite FTS5 (BM25) over the current clauses (PostgreSQL full-text
search on that engine: ``index/lexical_pg.py``, same query, same filters).

``clauses_fts`` (migration ``004_clauses_fts``) holds one row per current clause: its plain
text (``body``) and its heading path plus table context (``context``). ``sync_lexical`` keeps
those rows exactly in step with ``clauses.is_current = 1`` and runs inside the caller's
transaction, so the store and the full-text index commit (or roll back) together.

Queries never pass user text to FTS5 as syntax: every token is quoted, so input such as
``NEAR(" OR *`` cannot raise an FTS syntax error. Terms are AND-ed first (fast and precise);
when that finds fewer than ``k`` clauses, an OR query fills the rest.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.db import is_postgres

# BM25 column weights: body, context. Headings and table labels matter, but a word in the
# clause itself says more about the clause than the same word in its section title.
BM25_WEIGHTS = (1.0, 0.5)

# English function words and question words: they carry no topic, and OR-ing them makes
# FTS5 walk huge posting lists. (Language, not domain vocabulary.)
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "been", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "should", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "im", "does", "much", "many", "long", "soon", "quickly", "quick", "often", "must"]
)

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (underscores split, as FTS5's unicode61 does)."""
    return [t for t in _TOKEN.findall(text.lower().replace("_", " ")) if t]


def content_terms(text: str, drop: frozenset[str] = frozenset()) -> list[str]:
    """Distinct tokens of ``text`` without stopwords or the words in ``drop``, in order."""
    out: list[str] = []
    for tok in tokens(text):
        if tok in STOPWORDS or tok in drop or tok in out:
            continue
        out.append(tok)
    return out


@dataclass
class LexicalQuery:
    """A query as groups of alternatives: every group should match (AND); within a group any
    alternative may (OR). An alternative is a phrase (a list of tokens).

    ``[["icpc"], ["initial", "child", "protection", "conference"]]`` is one group, so "ICPC" and
    the spelled-out name build the same query.
    """

    groups: list[list[list[str]]] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str, drop: frozenset[str] = frozenset()) -> LexicalQuery:
        """One single-alternative group per content term of ``text``."""
        return cls(groups=[[[t]] for t in content_terms(text, drop)])

    def is_empty(self) -> bool:
        return not any(any(alt for alt in group) for group in self.groups)

    def and_expression(self) -> str:
        """FTS5 expression requiring every group."""
        parts = [_group_expr(g) for g in self.groups]
        return " AND ".join(p for p in parts if p)

    def or_expression(self) -> str:
        """FTS5 expression matching any token of any alternative (BM25 ranks by how many)."""
        seen: list[str] = []
        for group in self.groups:
            for alt in group:
                for tok in alt:
                    if tok not in seen:
                        seen.append(tok)
        return " OR ".join(_quote(t) for t in seen)


def _quote(token: str) -> str:
    # Tokens come from \w+, so they hold no double quote; quoting makes FTS5 read them as
    # strings, never as operators (AND, NEAR, column filters ...).
    return '"' + token.replace('"', '""') + '"'


def _group_expr(group: list[list[str]]) -> str:
    alts = []
    for alt in group:
        if not alt:
            continue
        # A multi-word alternative is a phrase: its tokens in order.
        alts.append(_quote(" ".join(alt)) if len(alt) > 1 else _quote(alt[0]))
    if not alts:
        return ""
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def clause_context(heading_path: Sequence[str], cohort: str | None, role: str | None) -> str:
    """The ``context`` column: headings, then the table's cohort and role labels."""
    return " \n ".join(p for p in [*heading_path, cohort or "", role or ""] if p)


# --- keeping the FTS rows in step with the clauses ------------------------------------------
def sync_lexical(conn: sqlite3.Connection) -> tuple[int, int]:
    """Make ``clauses_fts`` hold exactly the current clauses; return (added, removed).

    Runs on the caller's connection without opening a transaction of its own when one is
    already open, so it commits or rolls back with the clause changes that called for it.
    """
    from ingest.store import transaction  # ingest is the earlier stage; import at call time

    with transaction(conn):
        indexed = {row[0]: row[1] for row in conn.execute("SELECT clause_id, text_hash FROM clauses_fts")}
        current = {
            row["id"]: row
            for row in conn.execute(
                "SELECT id, authority, document_id, heading_path, plain_text, cohort_context, role_context, "
                "content_hash FROM clauses WHERE is_current = 1"
            )
        }
        stale = [cid for cid, key in indexed.items() if cid not in current or key != _row_key(current[cid])]
        if stale:
            conn.executemany("DELETE FROM clauses_fts WHERE clause_id = ?", [(cid,) for cid in stale])
        fresh = [row for cid, row in current.items() if cid not in indexed or cid in stale]
        conn.executemany(
            "INSERT INTO clauses_fts(clause_id, text_hash, authority, document_id, body, context) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    row["id"],
                    _row_key(row),
                    row["authority"],
                    row["document_id"],
                    row["plain_text"],
                    clause_context(json.loads(row["heading_path"]), row["cohort_context"], row["role_context"]),
                )
                for row in fresh
            ],
        )
    return len(fresh), len(stale)


def _row_key(row: sqlite3.Row) -> str:
    # What the FTS row was built from; a change in any of it means the row must be rewritten.
    from index.embedder import row_embedding_text, text_hash

    return text_hash(row["content_hash"] + "\x00" + row_embedding_text(row))


# --- searching -----------------------------------------------------------------------------
# An OR query costs FTS5 a bm25() call per matching row. On a large corpus the most common
# query words ("children", "social") match a third of all clauses each while adding almost
# nothing to the ranking (tiny IDF), so the OR fallback drops the most common words until it
# would touch at most this many rows (the rarest OR_MIN_TERMS words are always kept). FTS5
# costs about 3 us of CPU per matching row here (25 ms at 7,300 rows, 100,000 synthetic
# clauses, benchmarks/retrieval_bench.py 2026-12-02); 10,000 rows and the rarest two words
# kept let p95 reach 12,000 rows. The shipped corpus plus the other authorities' excerpts
# (1,859 clauses) touch at most 4,338 rows for any of the 129 development and other-authority
# questions, so its ranking stays plain BM25 (the same top 50 for every one of them).
OR_ROW_BUDGET = 5_000
OR_MIN_TERMS = 1


class TermStats:
    """Document frequency of query tokens, cached until the clause set changes."""

    def __init__(self) -> None:
        self._key: object = None
        self._df: dict[str, int] = {}
        self._length: tuple[object, float] | None = None

    def document_frequency(self, conn: sqlite3.Connection, token: str, key: object) -> int:
        """Rows of ``clauses_fts`` matching ``token`` (stemmed as the index is); ``key`` is the
        store generation: a new key empties the cache."""
        if key != self._key:
            self._key, self._df = key, {}
        if token not in self._df:
            if len(self._df) > 100_000:  # bounded: a long-running service sees many words
                self._df.clear()
            if is_postgres(conn):
                from index import lexical_pg

                self._df[token] = lexical_pg.document_frequency(conn, token)
            else:
                self._df[token] = conn.execute(
                    "SELECT COUNT(*) FROM clauses_fts WHERE clauses_fts MATCH ?", (_quote(token),)
                ).fetchone()[0]
        return self._df[token]

    def matching(self, conn, query: str, key: object, count) -> int:
        """Rows matching an engine's query text ``query`` (``count(conn, query)``), cached like
        document frequencies."""
        if key != self._key:
            self._key, self._df = key, {}
        cache_key = "\x00q:" + query
        if cache_key not in self._df:
            if len(self._df) > 100_000:
                self._df.clear()
            self._df[cache_key] = count(conn, query)
        return self._df[cache_key]

    def rows(self, conn, key: object, count) -> int:
        """Rows in the full-text index (``count(conn)``), cached until the clause set changes."""
        return self.matching(conn, "", key, lambda c, _q: count(c))

    def average_length(self, conn, key: object, measure) -> float:
        """The index's average row length (``measure(conn)``), cached until the clause set changes."""
        if key != self._key:
            self._key, self._df = key, {}
        if self._length is None or self._length[0] != key:
            self._length = (key, measure(conn))
        return self._length[1]


def prefix_frequency(conn: sqlite3.Connection, token: str) -> int:
    """Rows of the full-text index with a word starting with ``token`` (letters and digits; stemmed
    as the index is), on either engine: FTS5's prefix query, or a ``:*`` tsquery on PostgreSQL."""
    if not token or not token.isalnum():
        return 0
    if is_postgres(conn):
        from index import lexical_pg

        return lexical_pg.prefix_frequency(conn, token)
    return int(conn.execute("SELECT COUNT(*) FROM clauses_fts WHERE clauses_fts MATCH ?",
                            (f'"{token}"*',)).fetchone()[0])


def _query_tokens(lq: LexicalQuery) -> list[str]:
    toks: list[str] = []
    for group in lq.groups:
        for alt in group:
            toks.extend(t for t in alt if t not in toks)
    return toks


def _budgeted_or(conn: sqlite3.Connection, lq: LexicalQuery, stats: TermStats, key: object,
                 budget: int = OR_ROW_BUDGET) -> list[str]:
    """The OR query's words, rarest first, the commonest dropped until they touch at most
    ``budget`` rows (the rarest is always kept)."""
    toks = _query_tokens(lq)
    df = {t: stats.document_frequency(conn, t, key) for t in toks}
    kept = sorted((t for t in toks if df[t] > 0), key=lambda t: df[t])
    while len(kept) > OR_MIN_TERMS and sum(df[t] for t in kept) > budget:
        kept.pop()  # the most common word goes first
    return kept


# The AND pass, like the OR pass, is bounded by OR_ROW_BUDGET: FTS5 walks the posting list of
# every word it intersects (and bm25() counts each phrase's rows for its IDF), so requiring
# "children" and "social" on 1,000,000 clauses cost 76 ms CPU at p95 although at most 32 rows
# matched (benchmarks/retrieval_bench.py --lexical-store, 2026-12-02). It intersects the rarest
# groups first and drops the commonest while their rows together exceed the budget, always
# keeping the rarest AND_MIN_GROUPS (two groups are still an intersection; one would be the OR
# pass). Below the budget, i.e. on the shipped corpus for every development question, every
# group is required, exactly as before.
AND_MIN_GROUPS = 2


def _budgeted_and(conn: sqlite3.Connection, lq: LexicalQuery, stats: TermStats, key: object,
                  budget: int = OR_ROW_BUDGET) -> LexicalQuery:
    """``lq`` with its commonest groups dropped until the rest touch at most ``budget`` rows (the
    rows of each distinct token of their alternatives, counted as the OR pass counts them),
    keeping at least the rarest ``AND_MIN_GROUPS``; the groups keep their order in ``lq``."""
    groups = [g for g in lq.groups if any(alt for alt in g)]
    tokens = [{t for alt in g for t in alt} for g in groups]
    df = {t: stats.document_frequency(conn, t, key) for toks in tokens for t in toks}
    if sum(df.values()) <= budget or len(groups) <= AND_MIN_GROUPS:
        return lq
    kept: set[int] = set()
    counted: set[str] = set()
    for i in sorted(range(len(groups)), key=lambda i: sum(df[t] for t in tokens[i])):
        more = counted | tokens[i]
        if len(kept) >= AND_MIN_GROUPS and sum(df[t] for t in more) > budget:
            break
        kept.add(i)
        counted = more
    return LexicalQuery(groups=[g for i, g in enumerate(groups) if i in kept])


def bm25_search(
    conn: sqlite3.Connection,
    query: LexicalQuery | str,
    k: int = 10,
    authorities: Sequence[str] = (),
    document_ids: Sequence[str] = (),
    allowed_ids: set[str] | None = None,
    stats: TermStats | None = None,
    stats_key: object = None,
    or_row_budget: int = OR_ROW_BUDGET,
) -> list[tuple[str, float]]:
    """Top ``k`` (clause_id, bm25 score; higher is better) among current clauses.

    AND of the query's groups first; if that finds fewer than ``k``, the OR query's results
    follow (without duplicates). ``allowed_ids`` restricts to a clause id set (topic/cohort
    filters); ``authorities``/``document_ids`` restrict by column. With ``stats`` (and the
    store generation as ``stats_key``), both queries keep within ``or_row_budget`` rows: the
    AND drops its commonest groups (``_budgeted_and``), the OR its commonest words.
    """
    lq = LexicalQuery.from_text(query) if isinstance(query, str) else query
    if lq.is_empty() or k <= 0:
        return []
    results: list[tuple[str, float]] = []
    seen: set[str] = set()
    postgres = is_postgres(conn)
    and_lq = _budgeted_and(conn, lq, stats, stats_key, or_row_budget) if stats is not None else lq
    expressions: list = [and_lq.and_expression()]
    or_tokens: list[str] = []
    if sum(1 for g in lq.groups if g) > 1:
        or_tokens = (_budgeted_or(conn, lq, stats, stats_key, or_row_budget) if stats is not None
                     else _query_tokens(lq))
        expressions.append(" OR ".join(_quote(t) for t in or_tokens))
    run = _run
    if postgres:
        run, expressions = _pg_queries(conn, and_lq, or_tokens, stats or TermStats(), stats_key)
    for expr in expressions:
        if len(results) >= k or not expr:
            break
        for cid, score in run(conn, expr, k, authorities, document_ids, allowed_ids, seen):
            results.append((cid, score))
            seen.add(cid)
            if len(results) >= k:
                break
    return results


def _pg_queries(conn, lq: LexicalQuery, or_tokens: list[str], stats: TermStats, key: object) -> tuple:
    """The PostgreSQL runner and the same two passes as tsqueries, each term weighted by its IDF."""
    from index import lexical_pg

    rows = stats.rows(conn, key, lexical_pg.row_count)
    length = stats.average_length(conn, key, lexical_pg.average_length)

    def weighted(terms: list[str]) -> list[tuple[str, float]]:
        return [(t, lexical_pg.idf(rows, stats.matching(conn, t, key, lexical_pg.matching_rows))) for t in terms]

    passes = [lexical_pg.PgQuery(lexical_pg.and_tsquery(lq.groups), weighted(lexical_pg.phrase_tsqueries(lq.groups)),
                                 length)]
    if or_tokens:
        terms = [t for t in (lexical_pg.or_tsquery([tok]) for tok in or_tokens) if t]
        passes.append(lexical_pg.PgQuery(lexical_pg.or_tsquery(or_tokens), weighted(terms), length))
    return lexical_pg.run, [p if p.match else "" for p in passes]


def _run(
    conn: sqlite3.Connection,
    expr: str,
    k: int,
    authorities: Sequence[str],
    document_ids: Sequence[str],
    allowed_ids: set[str] | None,
    exclude: set[str],
) -> list[tuple[str, float]]:
    sql = f"SELECT clause_id, bm25(clauses_fts, 0, 0, 0, 0, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]}) AS s " \
          "FROM clauses_fts WHERE clauses_fts MATCH ?"
    args: list = [expr]
    if authorities:
        sql += f" AND authority IN ({','.join('?' * len(authorities))})"
        args.extend(authorities)
    if document_ids:
        sql += f" AND document_id IN ({','.join('?' * len(document_ids))})"
        args.extend(document_ids)
    sql += " ORDER BY s"
    # Post-filters (allowed ids, already-returned ids) are applied here, so ask for more.
    if allowed_ids is None:
        sql += " LIMIT ?"
        args.append(k + len(exclude))
    out: list[tuple[str, float]] = []
    for cid, score in conn.execute(sql, args):
        if cid in exclude or (allowed_ids is not None and cid not in allowed_ids):
            continue
        out.append((cid, -float(score)))  # FTS5 bm25 is "lower is better"
        if len(out) >= k:
            break
    return out
