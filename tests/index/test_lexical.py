"""Full-text index: kept in step with current clauses, safe for any query text (FTS5 on SQLite,
tsvector on PostgreSQL: every test runs on both)."""

from __future__ import annotations

import sqlite3

import pytest
from index_helpers import SMALL_DOCS, insert_document

from index.lexical import LexicalQuery, bm25_search, sync_lexical
from ingest.store import bump_generation, connect, transaction


@pytest.fixture
def store(store_target) -> sqlite3.Connection:
    conn = connect(store_target)
    for doc_id, (authority, clauses) in SMALL_DOCS.items():
        insert_document(conn, doc_id, authority, clauses)
    return conn


def fts_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT clause_id FROM clauses_fts")}


def current_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM clauses WHERE is_current = 1")}


def test_fts_rows_follow_current_clauses(store: sqlite3.Connection) -> None:
    assert fts_ids(store) == current_ids(store) and len(current_ids(store)) == 7
    old = {r[0] for r in store.execute("SELECT id FROM clauses WHERE document_id = 'alpha'")}
    new = insert_document(store, "alpha", "Northshire", [{"text": "Strategy discussions are held within 24 hours."}])
    assert fts_ids(store) == current_ids(store)
    assert not old & fts_ids(store) and set(new) <= fts_ids(store)
    assert sync_lexical(store) == (0, 0)  # idempotent


def test_sync_rolls_back_with_the_callers_transaction(store: sqlite3.Connection) -> None:
    before = fts_ids(store)
    with pytest.raises(RuntimeError), transaction(store):
        store.execute("UPDATE clauses SET is_current = 0 WHERE document_id = 'beta'")
        sync_lexical(store)
        assert fts_ids(store) == current_ids(store) != before
        raise RuntimeError("crash before commit")
    assert fts_ids(store) == before == current_ids(store)


def test_changed_context_rewrites_the_row(store: sqlite3.Connection) -> None:
    cid = store.execute("SELECT id FROM clauses WHERE cohort_context = 'Children in Need'").fetchone()[0]
    assert bm25_search(store, "children need weeks", k=3)[0][0] == cid
    with transaction(store):
        store.execute("UPDATE clauses SET cohort_context = 'Care leavers' WHERE id = ?", (cid,))
        assert sync_lexical(store) == (1, 1)
        bump_generation(store)
    assert cid not in [c for c, _ in bm25_search(store, "children need", k=5)]
    assert bm25_search(store, "care leavers", k=1)[0][0] == cid


@pytest.mark.parametrize(
    "query",
    ['NEAR(" OR *', 'core AND "group', "body:visit", "^strategy", "a - b + c", "'; DROP TABLE clauses; --",
     "(((", "\"\"\"", "visit*", "ＩＣＰＣ ?", "\x00 weeks", "*", "AND OR NOT", "核心"],
)
def test_hostile_queries_never_raise(store: sqlite3.Connection, query: str) -> None:
    results = bm25_search(store, query, k=5, authorities=["Northshire"])
    assert isinstance(results, list)
    assert store.execute("SELECT COUNT(*) FROM clauses").fetchone()[0] == 7


def test_and_first_then_or_fallback(store: sqlite3.Connection) -> None:
    # Both words occur only together in one clause: the AND query ranks it first.
    top = bm25_search(store, "core group conference", k=10)
    both = store.execute("SELECT id FROM clauses WHERE LOWER(plain_text) LIKE '%first core group%'").fetchone()[0]
    assert top[0][0] == both
    # OR fallback fills the list with clauses matching only some words.
    assert len(top) > 1
    assert all(score > 0 for _, score in top)


def test_phrase_groups_make_abbreviation_and_long_form_equal(store: sqlite3.Connection) -> None:
    long_form = {
        r[0] for r in store.execute("SELECT id FROM clauses WHERE LOWER(plain_text) LIKE '%initial child protection conference%'")
    }
    short_first = bm25_search(store, LexicalQuery([[["icpc"], ["initial", "child", "protection", "conference"]]]), k=5)
    long_first = bm25_search(store, LexicalQuery([[["initial", "child", "protection", "conference"], ["icpc"]]]), k=5)
    assert short_first == long_first
    # The AND pass (the phrase group) finds exactly the clauses naming the conference.
    assert {c for c, _ in short_first[:2]} == long_form


def test_filters(store: sqlite3.Connection) -> None:
    hits = bm25_search(store, "core group", k=10, authorities=["Southborough"])
    assert hits and all(
        store.execute("SELECT authority FROM clauses WHERE id = ?", (c,)).fetchone()[0] == "Southborough" for c, _ in hits
    )
    assert bm25_search(store, "core group", k=10, document_ids=["nope"]) == []
    one = hits[0][0]
    assert [c for c, _ in bm25_search(store, "core group", k=10, allowed_ids={one})] == [one]


def test_or_budget_keeps_the_rarest_word_when_the_two_rarest_exceed_it(store_target) -> None:
    """On a big store the OR fallback drops common words until it touches at most OR_ROW_BUDGET
    rows; even when the two rarest words together exceed it, only the rarest is kept, so the
    query still runs (and every result carries that word) while scoring fewer rows."""
    import index.lexical as lexical
    from ingest.store import generation

    conn = connect(store_target)
    # "visit" in 12 clauses, "review" in 8, "advocate" in 3; never all three together.
    clauses = [{"text": f"Clause {i} about a visit to the family home."} for i in range(12)]
    clauses += [{"text": f"Clause {i} about a review of the plan."} for i in range(8)]
    clauses += [{"text": f"Clause {i} about an advocate for the child."} for i in range(3)]
    insert_document(conn, "budget", "Testshire", clauses)
    stats, key = lexical.TermStats(), generation(conn)
    query = LexicalQuery.from_text("visit review advocate")
    assert lexical._budgeted_or(conn, query, stats, key) == ["advocate", "review", "visit"]  # within 5,000
    small = 10  # the two rarest (3 + 8 rows) exceed it
    assert lexical._budgeted_or(conn, query, stats, key, budget=small) == ["advocate"]
    hits = bm25_search(conn, query, k=10, stats=stats, stats_key=key, or_row_budget=small)
    texts = [conn.execute("SELECT plain_text FROM clauses WHERE id = ?", (cid,)).fetchone()[0] for cid, _ in hits]
    assert len(texts) == 3 and all("advocate" in t for t in texts)
    # Without term statistics (no budget) every word is OR-ed: more rows come back.
    assert len(bm25_search(conn, query, k=30)) == 23


def test_and_budget_intersects_the_rarest_groups_and_drops_the_commonest(store_target) -> None:
    """On a big store the AND pass drops its commonest groups until the rest touch at most the
    row budget (keeping the rarest two): clauses holding the rare words come first even when
    they lack a common one. Within the budget every group is still required."""
    import index.lexical as lexical
    from ingest.store import generation

    conn = connect(store_target)
    # "family" in 20 clauses; "advocate" and "review" together in 2 clauses, one without "family".
    clauses = [{"text": f"Clause {i} about the family home."} for i in range(18)]
    clauses += [{"text": "An advocate joins the review with the family."},
                {"text": "An advocate joins the review of the plan."},
                {"text": "An advocate speaks for the child."},
                {"text": "The review of the plan is recorded."}]
    insert_document(conn, "andbudget", "Testshire", clauses)
    stats, key = lexical.TermStats(), generation(conn)
    query = LexicalQuery.from_text("family advocate review")

    def texts(hits: list[tuple[str, float]]) -> list[str]:
        return [conn.execute("SELECT plain_text FROM clauses WHERE id = ?", (cid,)).fetchone()[0] for cid, _ in hits]

    # Within the default budget: all three groups required, then the OR pass fills the rest.
    assert lexical._budgeted_and(conn, query, stats, key) is query
    assert texts(bm25_search(conn, query, k=1, stats=stats, stats_key=key)) == [
        "An advocate joins the review with the family."]
    small = 10  # "family" (19 rows) alone exceeds it; "advocate" (3) and "review" (3) fit
    assert lexical._budgeted_and(conn, query, stats, key, budget=small).groups == [[["advocate"]], [["review"]]]
    top = texts(bm25_search(conn, query, k=2, stats=stats, stats_key=key, or_row_budget=small))
    assert sorted(top) == ["An advocate joins the review of the plan.", "An advocate joins the review with the family."]
    # Two groups are always intersected, however common: the pass stays an AND.
    assert len(lexical._budgeted_and(conn, query, stats, key, budget=0).groups) == 2
