"""Lexical retrieval on PostgreSQL: full-text search over the same query as FTS5.

``clauses_fts`` on PostgreSQL (migration ``004_clauses_fts``) has FTS5's columns plus
``tsv``: the body weighted ``A`` and the context weighted ``B``, stemmed by the
``standards_english`` configuration (English snowball stemmer, no stop-word list, as FTS5's
porter tokenizer keeps every word). ``index.lexical.sync_lexical`` fills it unchanged.

A ``LexicalQuery`` becomes a ``tsquery`` the way it becomes an FTS5 expression: groups are
AND-ed (``&``), alternatives OR-ed (``|``), a multi-word alternative is a phrase (``<->``).
User text never reaches the tsquery syntax: tokens come from ``\\w+`` (letters, digits), so
they hold no operator, quote or parenthesis. Ranking is ``ts_rank_cd`` (cover density) with
the column weights FTS5's bm25 uses and length normalisation, so a long clause does not win
by repeating a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from index.lexical import BM25_WEIGHTS

# The text search configuration created by migration 004 on PostgreSQL.
TS_CONFIG = "standards_english"

# ts_rank_cd's weights, in its order {D, C, B, A}: body (A) and context (B) as in FTS5's bm25
# (index.lexical.BM25_WEIGHTS); C and D are unused.
RANK_WEIGHTS = f"{{0, 0, {BM25_WEIGHTS[1]}, {BM25_WEIGHTS[0]}}}"
# ts_rank_cd normalisation: 1 divides by 1 + log(document length), the nearest to BM25's
# length penalty; chosen by Recall@5 on the development questions (see README, PostgreSQL).
RANK_NORMALISATION = 1

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


def document_frequency(conn: Any, token: str) -> int:
    """Rows of ``clauses_fts`` matching ``token`` (stemmed as the index is)."""
    term = _term(token)
    if not term:
        return 0
    row = conn.execute(
        f"SELECT COUNT(*) FROM clauses_fts WHERE tsv @@ to_tsquery('{TS_CONFIG}', ?)", (term,)
    ).fetchone()
    return int(row[0])


def run(
    conn: Any,
    expr: str,
    k: int,
    authorities: Sequence[str],
    document_ids: Sequence[str],
    allowed_ids: set[str] | None,
    exclude: set[str],
) -> list[tuple[str, float]]:
    """Top ``k`` (clause_id, score; higher is better) matching the tsquery text ``expr``."""
    sql = (
        f"SELECT clause_id, ts_rank_cd('{RANK_WEIGHTS}', tsv, q, {RANK_NORMALISATION}) AS s "
        f"FROM clauses_fts, to_tsquery('{TS_CONFIG}', ?) AS q WHERE tsv @@ q"
    )
    args: list = [expr]
    if authorities:
        sql += f" AND authority IN ({','.join('?' * len(authorities))})"
        args.extend(authorities)
    if document_ids:
        sql += f" AND document_id IN ({','.join('?' * len(document_ids))})"
        args.extend(document_ids)
    # Ties broken by id so both engines' orders are stable run to run.
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
