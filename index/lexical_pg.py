"""Lexical retrieval on PostgreSQL: full-text search over the same query as FTS5.

``clauses_fts`` on PostgreSQL (migration ``004_clauses_fts``) has FTS5's columns plus
``tsv``: the body weighted ``A`` and the context weighted ``B``, stemmed by the
``standards_english`` configuration (English snowball stemmer, no stop-word list, as FTS5's
porter tokenizer keeps every word). ``index.lexical.sync_lexical`` fills it unchanged.

A ``LexicalQuery`` becomes a ``tsquery`` the way it becomes an FTS5 expression: groups are
AND-ed (``&``), alternatives OR-ed (``|``), a multi-word alternative is a phrase (``<->``).
User text never reaches the tsquery syntax: tokens come from ``\\w+`` (letters, digits), so
they hold no operator, quote or parenthesis.

Ranking is BM25 built on ``ts_rank_cd``: for each term of the query (a word or a phrase, as
FTS5's bm25 takes them), ``ts_rank_cd`` with FTS5's column weights and no normalisation counts
the term's weighted occurrences in the row; BM25's saturation and length penalty (FTS5's own
constants k1 = 1.2, b = 0.75; the length is the row's distinct lexemes against the index's
average) and the term's inverse document frequency turn that into a score, summed over the
terms. A single ``ts_rank_cd`` over the whole query weighs every word alike, so a common word
("child", "social") counts as much as the rare one that names the duty: on the development
questions that alone gave BM25 Recall@5 0.738 against FTS5's 0.852 (0.836 with this ranking).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.lexical import BM25_WEIGHTS

# The text search configuration created by migration 004 on PostgreSQL.
TS_CONFIG = "standards_english"

# ts_rank_cd's weights, in its order {D, C, B, A}: body (A) and context (B) as in FTS5's bm25
# (index.lexical.BM25_WEIGHTS); C and D are unused.
RANK_WEIGHTS = f"{{0, 0, {BM25_WEIGHTS[1]}, {BM25_WEIGHTS[0]}}}"
# FTS5's bm25 constants (sqlite.org/fts5.html, "bm25"), so both engines rank alike.
BM25_K1 = 1.2
BM25_B = 0.75

_SAFE = re.compile(r"^\w+$", re.UNICODE)


def _term(token: str) -> str:
    # Tokens come from \w+; anything else is dropped rather than trusted into the syntax.
    return token if _SAFE.match(token) else ""


def alternative(tokens: Sequence[str]) -> str:
    """One alternative as tsquery text: a word, or a phrase of words in order."""
    words = [w for w in (_term(t) for t in tokens) if w]
    return " <-> ".join(words)


def and_tsquery(groups: Sequence[Sequence[Sequence[str]]]) -> str:
    """Every group required; within a group any alternative."""
    parts = []
    for group in groups:
        alts = [a for a in (alternative(alt) for alt in group if alt) if a]
        if alts:
            parts.append(alts[0] if len(alts) == 1 else "(" + " | ".join(f"({a})" if " " in a else a for a in alts) + ")")
    return " & ".join(parts)


def or_tsquery(tokens: Sequence[str]) -> str:
    """Any of ``tokens``."""
    return " | ".join(w for w in (_term(t) for t in tokens) if w)


def matching_rows(conn: Any, tsquery: str) -> int:
    """Rows of ``clauses_fts`` matching ``tsquery`` (text built by this module)."""
    if not tsquery:
        return 0
    row = conn.execute(
        f"SELECT COUNT(*) FROM clauses_fts WHERE tsv @@ to_tsquery('{TS_CONFIG}', ?)", (tsquery,)
    ).fetchone()
    return int(row[0])


def document_frequency(conn: Any, token: str) -> int:
    """Rows of ``clauses_fts`` matching ``token`` (stemmed as the index is)."""
    return matching_rows(conn, _term(token))


def prefix_frequency(conn: Any, token: str) -> int:
    """Rows of ``clauses_fts`` with a word starting with ``token`` (stemmed first, as FTS5's
    ``"token"*`` prefix query is)."""
    term = _term(token)
    return matching_rows(conn, f"{term}:*") if term else 0


def row_count(conn: Any) -> int:
    """Rows in ``clauses_fts`` (the N of the IDF)."""
    return int(conn.execute("SELECT COUNT(*) FROM clauses_fts").fetchone()[0])


def idf(rows: int, matching: int) -> float:
    """BM25's inverse document frequency, as FTS5 computes it (never below a small positive floor,
    so a word in most rows still counts a little)."""
    return max(1e-6, math.log((rows - matching + 0.5) / (matching + 0.5)))


def phrase_tsqueries(groups: Sequence[Sequence[Sequence[str]]]) -> list[str]:
    """Each distinct alternative (a word or a phrase) as its own tsquery text: the terms FTS5's
    bm25 scores one by one."""
    out: list[str] = []
    for group in groups:
        for alt in group:
            q = alternative(alt)
            if q and q not in out:
                out.append(q)
    return out


def average_length(conn: Any) -> float:
    """Average distinct lexemes per row of ``clauses_fts`` (BM25's average document length)."""
    value = conn.execute("SELECT AVG(length(tsv)) FROM clauses_fts").fetchone()[0]
    return float(value or 1.0)


@dataclass
class PgQuery:
    """One pass of a lexical search on PostgreSQL: the tsquery rows must match, and the terms
    scored (each a tsquery with its IDF), with the index's average row length."""

    match: str
    terms: list[tuple[str, float]]
    average_length: float


def run(
    conn: Any,
    query: PgQuery,
    k: int,
    authorities: Sequence[str],
    document_ids: Sequence[str],
    allowed_ids: set[str] | None,
    exclude: set[str],
) -> list[tuple[str, float]]:
    """Top ``k`` (clause_id, BM25 score; higher is better) matching ``query``."""
    tf = f"ts_rank_cd('{RANK_WEIGHTS}', tsv, to_tsquery('{TS_CONFIG}', ?), 0)"
    penalty = f"{BM25_K1} * (1 - {BM25_B} + {BM25_B} * length(tsv) / ?)"
    rank = " + ".join(f"? * {tf} * {BM25_K1 + 1} / ({tf} + {penalty})" for _ in query.terms) or "0"
    args: list = [x for term, weight in query.terms for x in (weight, term, term, query.average_length)]
    sql = f"SELECT clause_id, {rank} AS s FROM clauses_fts WHERE tsv @@ to_tsquery('{TS_CONFIG}', ?)"
    args.append(query.match)
    if authorities:
        sql += f" AND authority IN ({','.join('?' * len(authorities))})"
        args.extend(authorities)
    if document_ids:
        sql += f" AND document_id IN ({','.join('?' * len(document_ids))})"
        args.extend(document_ids)
    # Ties broken by id so the order is stable run to run.
    sql += " ORDER BY s DESC, clause_id"
    if allowed_ids is None:
        sql += " LIMIT ?"
        args.append(k + len(exclude))
    out: list[tuple[str, float]] = []
    for cid, score in conn.execute(sql, args):
        if cid in exclude or (allowed_ids is not None and cid not in allowed_ids):
            continue
        out.append((cid, float(score)))
        if len(out) >= k:
            break
    return out
