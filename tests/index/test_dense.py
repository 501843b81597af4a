"""The FAISS index: persisted crash-safely, rebuilt from the store, refusing a model mismatch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from index_helpers import ROOT, insert_document, make_settings

from index.dense import (
    DenseIndex,
    build_faiss,
    build_from_store,
    load_dense,
    read_index,
    read_sidecar,
    sync_dense,
    write_index,
)
from index.embedder import Embedder, default_model_dir, load_embedder
from ingest.errors import IndexMismatchError
from ingest.store import generation


def current_ids(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM clauses WHERE is_current = 1")}


def test_index_matches_store_and_round_trips(small_store, embedder: Embedder) -> None:
    conn, settings = small_store
    meta = read_sidecar(settings.index_dir)
    assert meta is not None and meta["generation"] == generation(conn) and meta["model"] == embedder.model_id
    assert set(meta["clause_ids"]) == current_ids(conn)
    loaded = read_index(settings.index_dir, meta)
    assert loaded is not None and loaded.kind == "flat" and len(loaded) == 7
    q = embedder.encode_query("When is the first core group meeting?")
    top = loaded.search(q, 2)
    texts = [conn.execute("SELECT plain_text FROM clauses WHERE id = ?", (c,)).fetchone()[0] for c, _ in top]
    assert all("core group" in t.lower() for t in texts)


def test_new_generation_rebuilds_from_stored_vectors_without_the_model(small_store, embedder: Embedder) -> None:
    conn, settings = small_store
    before = conn.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    # A document is retired: the store moves on; every remaining vector is already cached.
    conn.execute("UPDATE clauses SET is_current = 0 WHERE document_id = 'beta'")
    conn.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'")
    rebuilt = build_from_store(conn, embedder.model_id, embedder.dimension, embedder=None)
    assert set(rebuilt.clause_ids) == current_ids(conn) and rebuilt.generation == generation(conn)
    dense = load_dense(conn, settings, embedder)
    assert set(dense.clause_ids) == current_ids(conn)
    assert conn.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0] == before


def test_replacing_a_document_embeds_only_new_text(small_store, embedder: Embedder) -> None:
    conn, settings = small_store
    before = conn.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    insert_document(conn, "beta", "Southborough", [
        {"text": "I will hold the initial child protection conference within 15 days of the strategy meeting.",
         "heading_path": ["Section C"]},
        {"text": "Return home interviews take place within 72 hours.", "heading_path": ["Section E"]},
    ])
    dense = sync_dense(conn, settings, embedder)
    assert conn.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0] == before + 1
    assert set(dense.clause_ids) == current_ids(conn)
    assert set(read_sidecar(settings.index_dir)["clause_ids"]) == current_ids(conn)


def test_model_mismatch_is_refused_with_rebuild_advice(small_store, tmp_path) -> None:
    conn, settings = small_store
    other_dir = tmp_path / "my-other-model"
    other_dir.mkdir()
    for item in default_model_dir().iterdir():
        (other_dir / item.name).symlink_to(item)
    other = load_embedder(make_settings(settings.data_dir, model_path=str(other_dir)))
    assert other.model_id != read_sidecar(settings.index_dir)["model"]
    with pytest.raises(IndexMismatchError) as err:
        load_dense(conn, settings, other)
    assert "standards index rebuild" in err.value.message


def _files(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir()}


def test_kill_between_temp_write_and_rename_leaves_a_loadable_index(small_store, embedder: Embedder) -> None:
    conn, settings = small_store
    old_meta = read_sidecar(settings.index_dir)
    # A real process writes a new index and is SIGKILLed at the rename that would publish it.
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
from index.dense import DenseIndex, build_faiss, write_index
from pathlib import Path
vecs = np.random.default_rng(0).standard_normal((5, {embedder.dimension})).astype('float32')
index, kind = build_faiss(vecs)
dense = DenseIndex(index, [f"x-{{i}}" for i in range(5)], "junk-model", {embedder.dimension}, 999, kind)
os.replace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
write_index(Path({str(settings.index_dir)!r}), dense)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    assert any(name.endswith(".tmp") for name in _files(settings.index_dir))  # the torn write is there
    assert read_sidecar(settings.index_dir) == old_meta
    dense = load_dense(conn, settings, embedder)
    assert dense.generation == old_meta["generation"] and set(dense.clause_ids) == current_ids(conn)
    # The next real write cleans the leftovers up.
    write_index(settings.index_dir, dense)
    assert not any(name.endswith(".tmp") for name in _files(settings.index_dir))


def test_truncated_files_are_survived(small_store, embedder: Embedder) -> None:
    conn, settings = small_store
    meta = read_sidecar(settings.index_dir)
    data = settings.index_dir / meta["faiss_file"]
    # A truncated temp file left behind is ignored.
    (settings.index_dir / f".{data.name}.tmp").write_bytes(data.read_bytes()[:100])
    assert load_dense(conn, settings, embedder).clause_ids == meta["clause_ids"]
    # Even a torn published file (disk trouble) is detected and rebuilt from the store.
    with data.open("r+b") as handle:
        handle.truncate(data.stat().st_size // 2)
    assert read_index(settings.index_dir, meta) is None
    dense = load_dense(conn, settings, embedder)
    assert set(dense.clause_ids) == current_ids(conn)
    assert read_index(settings.index_dir, read_sidecar(settings.index_dir)) is not None
    # A corrupt sidecar is as good as none: rebuilt from the store.
    (settings.index_dir / "dense.json").write_text("{not json")
    assert set(load_dense(conn, settings, embedder).clause_ids) == current_ids(conn)
    assert json.loads((settings.index_dir / "dense.json").read_text())["count"] == len(current_ids(conn))


def test_hnsw_and_filtered_search_agree_with_exact_search() -> None:
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((3000, 64)).astype("float32")
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"c{i}" for i in range(len(vecs))]
    flat_index, _ = build_faiss(vecs, "flat")
    flat = DenseIndex(flat_index, ids, "m", 64, 1, "flat")
    hnsw_index, kind = build_faiss(vecs, "hnsw")
    hnsw = DenseIndex(hnsw_index, ids, "m", 64, 1, kind)
    queries = vecs[:50] + 0.1 * rng.standard_normal((50, 64)).astype("float32")
    agree = sum(flat.search(q, 1)[0][0] == hnsw.search(q, 1)[0][0] for q in queries)
    assert agree >= 49
    allowed = {f"c{i}" for i in range(0, 3000, 3)}
    for q in queries[:10]:
        got = [c for c, _ in flat.search(q, 10, allowed_ids=allowed)]
        assert len(got) == 10 and set(got) <= allowed
        assert got[0] == max(allowed, key=lambda c: float(vecs[int(c[1:])] @ q))
        assert set(c for c, _ in hnsw.search(q, 10, allowed_ids=allowed)) <= allowed
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_filtered_hnsw_search_keeping_few_rows_is_exact() -> None:
    """A filter keeping a small share of the rows (one authority of many) starves HNSW's graph
    walk of neighbours that pass it; DenseIndex searches those rows exactly instead, so the
    filtered answer is the exact one, scores included."""
    rng = np.random.default_rng(11)
    vecs = rng.standard_normal((6000, 96)).astype("float32")
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"c{i}" for i in range(len(vecs))]
    flat = DenseIndex(build_faiss(vecs, "flat")[0], ids, "m", 96, 1, "flat")
    hnsw_index, kind = build_faiss(vecs, "hnsw")
    hnsw = DenseIndex(hnsw_index, ids, "m", 96, 1, kind)
    allowed = frozenset(f"c{i}" for i in range(0, 6000, 50))  # 2% of the rows
    queries = rng.standard_normal((40, 96)).astype("float32")
    for q in queries:
        exact = flat.search(q, 10, allowed_ids=allowed)
        got = hnsw.search(q, 10, allowed_ids=allowed)
        assert [c for c, _ in got] == [c for c, _ in exact]
        assert np.allclose([s for _, s in got], [s for _, s in exact], atol=1e-5)
    # Unfiltered, the graph is still used (and still agrees on the nearest row).
    assert sum(hnsw.search(q, 1)[0][0] == flat.search(q, 1)[0][0] for q in queries) >= 36


def test_flat16_is_exact_search_over_float16_and_a_file_of_another_kind_is_rebuilt(small_store, embedder) -> None:
    """From FLAT16_MIN_ROWS vectors the exact index keeps float16 copies: the same neighbours as
    float32 up to ties within float16 rounding, filtered or not. A FAISS file of another kind than
    the store's size calls for (an older version's) is rebuilt from the stored vectors on load."""
    import index.dense as dense_mod

    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((4000, 384)).astype("float32")
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"c{i}" for i in range(len(vecs))]
    exact = DenseIndex(build_faiss(vecs, "flat")[0], ids, "m", 384, 1, "flat")
    half_index, kind = build_faiss(vecs, "flat16")
    half = DenseIndex(half_index, ids, "m", 384, 1, kind)
    allowed = frozenset(ids[::7])
    for q in vecs[:30] + 0.05 * rng.standard_normal((30, 384)).astype("float32"):
        for filt in (None, allowed):
            want, got = exact.search(q, 10, allowed_ids=filt), half.search(q, 10, allowed_ids=filt)
            assert got[0][0] == want[0][0] and all(c in allowed for c, _ in got if filt)
            # Rank by rank the same score within float16 rounding: any swap is between near-ties.
            assert np.allclose([s for _, s in got], [s for _, s in want], atol=2e-3)
            assert len({c for c, _ in got} & {c for c, _ in want}) >= 9
    assert dense_mod.index_kind(dense_mod.FLAT16_MIN_ROWS - 1) == "flat"
    assert dense_mod.index_kind(dense_mod.FLAT16_MIN_ROWS) == "flat16"
    assert dense_mod.index_kind(dense_mod.HNSW_THRESHOLD + 1) == "hnsw"

    conn, settings = small_store  # 7 clauses: a float32 file on disk
    assert read_sidecar(settings.index_dir)["kind"] == "flat"
    dense_mod_min = dense_mod.FLAT16_MIN_ROWS
    try:
        dense_mod.FLAT16_MIN_ROWS = 5  # this store's size now calls for float16: the file is rebuilt
        loaded = load_dense(conn, settings, embedder)
        assert loaded.kind == "flat16" and read_sidecar(settings.index_dir)["kind"] == "flat16"
        assert set(loaded.clause_ids) == current_ids(conn)
    finally:
        dense_mod.FLAT16_MIN_ROWS = dense_mod_min
    assert load_dense(conn, settings, embedder).kind == "flat"
