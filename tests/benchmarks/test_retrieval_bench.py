"""The retrieval benchmark's scale helpers: the synthetic store's layout, the synthetic vectors,
and the index-choice comparison on a small real run. Nothing here times anything."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _load_bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("retrieval_bench", ROOT / "benchmarks" / "retrieval_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["retrieval_bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def test_first_authority_rows_are_the_synthetic_stores_first_authority(tmp_path: Path) -> None:
    """The vectors-only run filters the rows the store run's first authority holds (wrapping
    round the authorities), in the dense index's row order."""
    from index.dense import read_index, read_sidecar
    from ingest.settings import load_settings
    from ingest.store import connect

    per_doc, authorities = bench.SYNTHETIC_PER_DOC, bench.SYNTHETIC_AUTHORITIES
    bench.SYNTHETIC_PER_DOC = 4  # a small store with the same layout: 4 rows per document
    try:
        settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data")
        n = 4 * (authorities + 2) + 1  # wraps round to the first authority twice, last document short
        bench.synthetic_store(settings, n, 8, "m")
        conn = connect(settings.db_path)
        dense = read_index(settings.index_dir, read_sidecar(settings.index_dir))
        held = {r[0] for r in conn.execute("SELECT id FROM clauses WHERE authority = 'Authority 00'")}
        conn.close()
        expected = [i for i, cid in enumerate(dense.clause_ids) if cid in held]
        assert bench.first_authority_rows(n).tolist() == expected
        assert expected == [0, 1, 2, 3, 80, 81, 82, 83]
    finally:
        bench.SYNTHETIC_PER_DOC = per_doc


def test_synthetic_vectors_sit_around_their_centres() -> None:
    """Unit vectors at the cosine from a centre that VECTOR_NOISE's comment promises (~0.85),
    the same for the same seed whatever the block size, and different for another seed."""
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((50, 384)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vecs = bench.synthetic_vectors(centres, 2500, seed=3)
    assert vecs.shape == (2500, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    nearest = (vecs @ centres.T).max(axis=1)
    expected = 1 / np.sqrt(1 + 384 * bench.VECTOR_NOISE**2)
    assert abs(float(np.median(nearest)) - expected) < 0.02
    assert np.array_equal(vecs, bench.synthetic_vectors(centres, 2500, seed=3))
    assert not np.array_equal(vecs, bench.synthetic_vectors(centres, 2500, seed=4))


def test_index_choices_report_exact_recall_for_exact_search() -> None:
    """Flat search is exact (recall 1.0 against itself, filtered and not); every choice reports
    build, size and per-set figures; filtered searches stay inside the filtered rows."""
    rng = np.random.default_rng(2)
    centres = rng.standard_normal((30, 64)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = bench.synthetic_vectors(centres, 3000)
    real = vectors[:12] + 0.05 * rng.standard_normal((12, 64)).astype(np.float32)
    positions = np.arange(0, 3000, 20, dtype=np.int64)
    out = bench.compare_index_choices(vectors, positions, real, ["flat", "hnsw", "ivf"], {})
    assert out["rows"] == 3000 and out["filter_rows"] == 150
    for measures in (out["flat"]["default"], out["flat"]["served"], out["hnsw"]["served"]):
        assert {m["recall@10"] for label, m in measures.items() if "filtered" in label} == {1.0}
    assert out["flat"]["default"]["real"]["recall@10"] == 1.0
    assert out["ivf"]["settings"]["nlist"] == bench._ivf_lists(3000)
    for kind in ("flat", "hnsw", "ivf"):
        assert out[kind]["index_mb"] > 0 and out[kind]["build_s"] >= 0
    assert set(out["ivf"]) >= {f"nprobe={p}" for p in bench.IVF_NPROBES}


def test_latency_summary_is_a_multiple_of_the_embedding_floor() -> None:
    wall = [float(v) for v in range(10, 30)]  # 10..29 ms
    floor = [5.0] * 19 + [10.0]
    out = bench.summarise({"hybrid": (wall, [1.0] * 20, floor)})["hybrid"]
    assert out["embed_floor"] == (5.0, 10.0)  # p95 of 20 values is the largest (see percentile)
    assert out["wall"] == (19.5, 29.0)
    assert out["x_floor"] == (3.9, 2.9)


def test_lexical_only_store_holds_synthetic_text_in_the_real_full_text_index(tmp_path: Path) -> None:
    """The 1,000,000-clause composed run's store: n rows in ``clauses_fts`` only, laid out by
    document and authority as the full synthetic store is, 12-60 corpus words per clause, and
    searchable by the product's own ``bm25_search`` (AND first, then the budgeted OR)."""
    from index.lexical import TermStats, bm25_search, content_terms
    from ingest.settings import load_settings
    from ingest.store import connect, generation

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data", database_url="")
    n = 2 * bench.SYNTHETIC_PER_DOC + 7
    bench.lexical_only_store(settings, n)
    conn = connect(settings.db_path)
    assert conn.execute("SELECT COUNT(*) FROM clauses_fts").fetchone()[0] == n
    assert conn.execute("SELECT COUNT(*) FROM clauses").fetchone()[0] == 0
    rows = conn.execute("SELECT clause_id, authority, document_id, body, context FROM clauses_fts").fetchall()
    last = rows[-1]
    assert last[0] == f"{n - 1:08x}" and last[1] == "Authority 02" and last[2] == "syn_00002"
    vocab = set(bench.corpus_vocabulary()[0])
    for _, _, _, body, context in rows[:200]:
        words = body.rstrip(".").split()
        assert 12 <= len(words) <= 60 and set(words) <= vocab and len(context.split()) == 3
    word = content_terms(rows[0][3])[0]  # a word of the first clause that is not a stopword
    hits = bm25_search(conn, word, k=5, stats=TermStats(), stats_key=generation(conn))
    matching = {r[0] for r in conn.execute("SELECT clause_id FROM clauses_fts WHERE clauses_fts MATCH ?",
                                           (f'"{word}"',))}  # stemmed as the index is
    assert hits and rows[0][0] in matching and {cid for cid, _ in hits} <= matching
    conn.close()
