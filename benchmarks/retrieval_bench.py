"""Retrieval benchmark: warm query latency and index build time, on the shipped corpus and at scale.

Run:  .venv/bin/python benchmarks/retrieval_bench.py [--scale 100000] [--skip-scale] [--json FILE]
      .venv/bin/python benchmarks/retrieval_bench.py --skip-corpus --scale 1000000 \
          --store-dir /tmp/syn-1m --index-choices flat,hnsw,ivf,ivf-sq8

Queries: every distinct development, open-development and other-authority question (the same
sets as benchmarks/ask_bench.py), each asked once unfiltered and once filtered to one
authority, per mode (``--rounds`` repeats the passes).

1. Shipped corpus (ingested with the real pipeline into a temporary store): time to embed
   every clause (cold vector cache), to build the FTS5 rows and the FAISS index (from the
   cached vectors), and warm query latency p50/p95 for bm25, dense and hybrid over the
   development questions, each asked unfiltered and filtered to one authority. Process start
   and model load are excluded (the model is loaded, then one warm-up query runs).
2. Synthetic scale run (default 100,000 clauses): text is generated from the shipped
   corpus's own vocabulary (word frequencies preserved, 12-60 words per clause, 20 made-up
   authorities) and goes through the real ``sync_lexical``; vectors are SYNTHETIC (random
   clustered unit vectors stored in ``clause_embeddings`` under the real model's id), because
   embedding 100k clauses on 2 CPU cores would take ~20 minutes and says nothing about the
   index. Queries are the real development questions embedded by the real model, through the
   real ``Retriever``. Reported: FTS build, FAISS build (flat, and HNSW for comparison),
   p50/p95 per mode, and process RSS.

3. Index choices at that scale (``--index-choices``), dense part only, on the same vectors:
   build time, memory (the serialised index, and the process's resident growth while building
   it), search p50/p95 alone, and recall@10 against exact search, unfiltered and filtered to
   one authority (5% of the rows), for in-distribution queries (stored vectors plus noise) and
   for the real questions' embeddings. ``--store-dir`` keeps the synthetic store for re-runs
   (a 1,000,000-clause store takes tens of minutes to build on 2 busy cores).

Targets (issue 14): 100k synthetic hybrid p95 <= 50 ms; 1,000,000 with an approximate index
(recall@10 >= 0.95 against exact) hybrid p95 <= 100 ms, resident memory reported.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from index.dense import build_faiss, build_from_store, load_dense, sync_dense, write_index  # noqa: E402
from index.embedder import load_embedder, row_embedding_text, store_vectors, text_hash  # noqa: E402
from index.lexical import sync_lexical  # noqa: E402
from index.records import SearchFilters  # noqa: E402
from index.search import Retriever  # noqa: E402
from ingest.settings import load_settings  # noqa: E402
from ingest.store import bump_generation, connect, transaction  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from ask_bench import default_gold_files, fold  # noqa: E402

SHARED = ROOT.parent / "shared"
# IVF lists: about 4 * sqrt(N) (FAISS's guideline range is 4-16 * sqrt(N)); trained on up to
# 64 vectors per list (FAISS warns below 39).
IVF_LISTS_PER_SQRT_N = 4
# ``--ivf-lists`` overrides it (fewer lists train faster: at 1,000,000 rows, 4 * sqrt(N) lists
# means k-means over 256,000 vectors into 4,000 centroids, tens of minutes on 2 busy cores).
IVF_LISTS: int | None = None
IVF_TRAIN_PER_LIST = 64
IVF_NPROBES = (16, 32, 64)


def percentile(values: list[float], q: float) -> float:
    """Percentile (q in 0..100) of ``values``: the value at rank q/100 * n + 0.5, rounded, so at
    most one rank above nearest-rank (conservative; at 20 values p95 is the largest)."""
    ordered = sorted(values)
    idx = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[idx]


def questions() -> list[tuple[str, list[str]]]:
    """(question, authorities) of every distinct development, open and other-authority question."""
    out: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for path in default_gold_files(SHARED, other_authorities=True):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if fold(item["question"]) not in seen:
                    seen.add(fold(item["question"]))
                    out.append((item["question"], item.get("authorities") or []))
    return out


def time_queries(
    retriever: Retriever, queries: list[tuple[str, SearchFilters]], mode: str, rounds: int
) -> tuple[list[float], list[float], list[float]]:
    """Wall-clock and CPU milliseconds per query (after one warm-up query), and the floor.

    CPU time (all threads of this process) is reported beside wall time because this machine
    is shared: when other processes keep both cores busy, wall time measures the queue, while
    CPU time stays close to what an idle machine would show. The floor is one query embedding
    of the same text (what the model allows), timed just before each search so both see the
    same load; latencies are then reported as multiples of it.
    """
    retriever.search(queries[0][0], k=10, filters=queries[0][1], mode=mode)
    wall, cpu, floor = [], [], []
    for _ in range(rounds):
        for text, filters in queries:
            t0 = time.perf_counter()
            retriever.embedder.encode_query(text)
            floor.append((time.perf_counter() - t0) * 1000)
            c0, t0 = time.process_time(), time.perf_counter()
            retriever.search(text, k=10, filters=filters, mode=mode)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu, floor


def summarise(latency: dict[str, tuple[list[float], list[float], list[float]]]) -> dict:
    """p50/p95 wall and CPU per mode, the embedding floor's p50/p95, and wall as multiples of it."""
    out = {}
    for mode, (w, c, f) in latency.items():
        wall = (statistics.median(w), percentile(w, 95))
        floor = (statistics.median(f), percentile(f, 95))
        out[mode] = {"wall": wall, "cpu": (statistics.median(c), percentile(c, 95)), "embed_floor": floor,
                     "x_floor": (round(wall[0] / floor[0], 2), round(wall[1] / floor[1], 2))}
    return out


def query_set(authorities: list[str]) -> list[tuple[str, SearchFilters]]:
    """Each development question unfiltered, and filtered to its first (or a rotating) authority."""
    out = []
    for i, (q, auths) in enumerate(questions()):
        out.append((q, SearchFilters()))
        auth = auths[0] if auths and auths[0] in authorities else authorities[i % len(authorities)]
        out.append((q, SearchFilters(authorities=[auth])))
    return out


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- 1. shipped corpus -------------------------------------------------------------------------
def bench_corpus(embedder, rounds: int) -> dict:
    from ingest.manifest import load_manifest
    from service.pipeline import add_document

    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(load_settings(), data_dir=Path(tmp) / "data", corpus_dir=ROOT / "corpus",
                                       database_url="")  # a scratch SQLite store, whatever the environment
        conn = connect(settings.db_path)
        t0 = time.perf_counter()
        for path, meta in load_manifest(settings.corpus_dir):
            add_document(conn, path, meta, settings)
        ingest_s = time.perf_counter() - t0
        n = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
        # FTS5 from scratch.
        with transaction(conn):
            conn.execute("DELETE FROM clauses_fts")
        t0 = time.perf_counter()
        with transaction(conn):
            sync_lexical(conn)
        fts_s = time.perf_counter() - t0
        # Embedding every clause (cold cache), then FAISS from cached vectors.
        with transaction(conn):
            conn.execute("DELETE FROM clause_embeddings")
        t0 = time.perf_counter()
        sync_dense(conn, settings, embedder)
        embed_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        dense = build_from_store(conn, embedder.model_id, embedder.dimension)
        write_index(settings.index_dir, dense)
        faiss_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_dense(conn, settings, embedder)
        load_s = time.perf_counter() - t0

        retriever = Retriever(conn, settings, embedder)
        auths = [r[0] for r in conn.execute("SELECT DISTINCT authority FROM clauses WHERE is_current = 1")]
        queries = query_set(auths)
        latency = {mode: time_queries(retriever, queries, mode, rounds) for mode in ("bm25", "dense", "hybrid")}
        conn.close()
    return {
        "clauses": n,
        "ingest_s (parse+store)": ingest_s,
        "fts_build_s": fts_s,
        "embed_all_s (cold)": embed_s,
        "faiss_build_s (cached vectors)": faiss_s,
        "faiss_load_s": load_s,
        "queries": len(queries) * rounds,
        "latency_ms": summarise(latency),
    }


# --- 2. synthetic scale ------------------------------------------------------------------------
def corpus_vocabulary() -> tuple[list[str], list[float]]:
    words: Counter[str] = Counter()
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        words.update(re.findall(r"[A-Za-z][A-Za-z'\-]+", path.read_text(encoding="utf-8")))
    vocab = [w for w, _ in words.most_common()]
    weights = [float(c) for _, c in words.most_common()]
    return vocab, weights


# Synthetic vectors sit around real embeddings: each is a centre (the model's embedding of a
# line of the shipped corpus) plus Gaussian noise of this scale per dimension, which puts it at
# cosine ~0.85 from its centre (1 / sqrt(1 + 384 * 0.032^2)), about as close as two
# authorities' wordings of the same standard. Real questions then land among them as they
# would among real clauses, so approximate search is measured on a realistic geometry.
VECTOR_NOISE = 0.032
MAX_CENTRES = 3000
# Layout of the synthetic corpus: documents of 500 clauses, dealt round 20 made-up authorities,
# so one authority holds 5% of the rows (about what one of England's larger authorities would
# hold of a regional corpus).
SYNTHETIC_PER_DOC = 500
SYNTHETIC_AUTHORITIES = 20
# Vectors are drawn in blocks of this many rows, so a 1,000,000-row run never holds the float64
# noise for all of them at once.
VECTOR_BLOCK = 100_000


def corpus_centres(embedder) -> np.ndarray:
    """The model's embeddings of the shipped corpus's lines of 5 words or more (at most MAX_CENTRES)."""
    lines: list[str] = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        lines += [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines()
                  if len(line.split()) >= 5]
    lines = list(dict.fromkeys(lines))[:MAX_CENTRES]
    return embedder.encode(lines)


def synthetic_store(settings, n: int, dimension: int, model_id: str, centres: np.ndarray | None = None,
                    seed: int = 13) -> dict:
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    vocab, weights = corpus_vocabulary()
    conn = connect(settings.db_path)
    authorities = [f"Authority {i:02d}" for i in range(SYNTHETIC_AUTHORITIES)]
    t0 = time.perf_counter()
    with transaction(conn):
        per_doc = SYNTHETIC_PER_DOC
        clause_no = 0
        for d in range(0, n, per_doc):
            doc_id = f"syn_{d // per_doc:05d}"
            authority = authorities[(d // per_doc) % len(authorities)]
            conn.execute(
                "INSERT INTO documents(id, authority, title, source_name, source_format) VALUES (?, ?, ?, ?, 'txt')",
                (doc_id, authority, f"Synthetic {doc_id}", f"{doc_id}.txt"),
            )
            version_id = conn.execute(
                "INSERT INTO document_versions(document_id, content_hash, text) VALUES (?, ?, '')", (doc_id, doc_id)
            ).lastrowid
            conn.execute("UPDATE documents SET current_version_id = ? WHERE id = ?", (version_id, doc_id))
            rows = []
            for o in range(min(per_doc, n - d)):
                clause_no += 1
                text = " ".join(rng.choices(vocab, weights, k=rng.randint(12, 60))) + "."
                heading = json.dumps([" ".join(rng.choices(vocab, weights, k=3)).title()])
                rows.append((f"{clause_no:08x}-{o:04d}", version_id, doc_id, authority, o, heading, text, text,
                             0, len(text), None, None, text_hash(text)))
            conn.executemany(
                'INSERT INTO clauses(id, version_id, document_id, authority, ordinal, heading_path, text, plain_text, '
                'start, "end", cohort_context, role_context, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
                rows,
            )
        bump_generation(conn)
    insert_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with transaction(conn):
        sync_lexical(conn)
    fts_s = time.perf_counter() - t0

    # Synthetic vectors: real embeddings as centres plus noise, normalised (see VECTOR_NOISE).
    if centres is None:  # no model at hand: random centres (every neighbour nearly equally far)
        centres = nprng.standard_normal((2000, dimension)).astype(np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rows = conn.execute(
        "SELECT id, heading_path, plain_text, cohort_context, role_context FROM clauses WHERE is_current = 1"
    ).fetchall()
    keys = [text_hash(row_embedding_text(r)) for r in rows]
    del rows
    vecs = centres[nprng.integers(0, len(centres), len(keys))] + VECTOR_NOISE * nprng.standard_normal(
        (len(keys), dimension)
    ).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with transaction(conn):
        store_vectors(conn, model_id, dict(zip(keys, vecs, strict=True)))

    t0 = time.perf_counter()
    dense = build_from_store(conn, model_id, dimension)
    write_index(settings.index_dir, dense)
    faiss_flat_s = time.perf_counter() - t0
    conn.close()
    return {
        "insert_s": insert_s, "fts_build_s": fts_s, "faiss_build_s (from store, default kind)": faiss_flat_s, "vectors": vecs,
    }


def synthetic_vectors(centres: np.ndarray, n: int, seed: int = 13) -> np.ndarray:
    """``n`` unit vectors: a centre (drawn at random) plus ``VECTOR_NOISE`` Gaussian noise, normalised."""
    nprng = np.random.default_rng(seed)
    out = np.empty((n, centres.shape[1]), dtype=np.float32)
    for start in range(0, n, VECTOR_BLOCK):
        stop = min(n, start + VECTOR_BLOCK)
        block = centres[nprng.integers(0, len(centres), stop - start)] + VECTOR_NOISE * nprng.standard_normal(
            (stop - start, centres.shape[1])).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out


def first_authority_rows(n: int) -> np.ndarray:
    """Row positions of the first synthetic authority (the store's layout, see SYNTHETIC_PER_DOC)."""
    rows = np.arange(n, dtype=np.int64)
    return rows[(rows // SYNTHETIC_PER_DOC) % SYNTHETIC_AUTHORITIES == 0]


def bench_vectors(embedder, n: int, choices: list[str]) -> dict:
    """Index choices over ``n`` synthetic vectors alone (no SQLite store, no text, no BM25).

    Bounded where a full store is not: a 1,000,000-clause store takes tens of minutes to
    write and index on 2 busy cores; the vectors take seconds. Only the dense side is measured.
    """
    rss0 = rss_mb()
    t0 = time.perf_counter()
    vectors = synthetic_vectors(corpus_centres(embedder), n)
    made_s = time.perf_counter() - t0
    real = np.vstack([embedder.encode_query(q) for q, _ in questions()])
    built = {"vectors_s": round(made_s, 1), "vectors_mb": round(vectors.nbytes / 2**20, 1)}
    result = {"clauses": n, "store": "none (synthetic vectors only)", **built, "rss_before_scale_mb": rss0,
              "index_choices": compare_index_choices(vectors, first_authority_rows(n), real, choices, built)}
    result["peak_rss_mb (whole run)"] = peak_rss_mb()
    return result


def _store_is_ready(settings, n: int) -> bool:
    """A kept synthetic store with ``n`` current clauses and a FAISS file for its generation."""
    from index.dense import read_sidecar
    from ingest.store import generation

    if not settings.db_path.is_file():
        return False
    conn = connect(settings.db_path)
    try:
        count = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
        meta = read_sidecar(settings.index_dir)
        return count == n and meta is not None and meta.get("generation") == generation(conn)
    finally:
        conn.close()


def bench_scale(embedder, n: int, rounds: int, store_dir: Path | None = None, choices: list[str] = ()) -> dict:
    rss0 = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = store_dir or Path(tmp) / "data"
        settings = dataclasses.replace(load_settings(), data_dir=data_dir, database_url="")  # scratch SQLite
        notes = data_dir / "synthetic-build.json"  # how the kept store was built, for re-runs
        if store_dir is not None and _store_is_ready(settings, n) and notes.is_file():
            built = json.loads(notes.read_text()) | {"store": f"reused {store_dir}"}
        else:
            if settings.db_path.exists():
                raise SystemExit(f"{store_dir} holds another store; give an empty or new --store-dir")
            t0, c0 = time.perf_counter(), time.process_time()
            built = synthetic_store(settings, n, embedder.dimension, embedder.model_id, corpus_centres(embedder))
            built.pop("vectors")
            built["store_build_s"], built["store_build_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
            notes.write_text(json.dumps(built))
        conn = connect(settings.db_path)
        retriever = Retriever(conn, settings, embedder)
        t0 = time.perf_counter()
        dense = retriever.dense_index()
        load_s = time.perf_counter() - t0
        auths = [r[0] for r in conn.execute("SELECT DISTINCT authority FROM clauses WHERE is_current = 1")]
        queries = query_set(auths)
        latency = {mode: time_queries(retriever, queries, mode, rounds) for mode in ("bm25", "dense", "hybrid")}
        rss = rss_mb()
        peak = peak_rss_mb()
        db_mb = settings.db_path.stat().st_size / 2**20
        index_mb = sum(p.stat().st_size for p in settings.index_dir.glob("*.faiss")) / 2**20
        result = {
            "clauses": n, **built, "default_index_kind": dense.kind, "faiss_load_s": load_s,
            "queries": len(queries) * rounds, "latency_ms": summarise(latency),
            "rss_mb (after queries)": rss, "rss_before_scale_mb": rss0, "peak_rss_mb (after queries)": peak,
            "db_mb": db_mb, "faiss_file_mb": index_mb,
        }
        if choices:
            if dense.kind not in ("flat", "flat16", "hnsw"):
                raise SystemExit(f"cannot read vectors back from a {dense.kind} index")
            vectors = dense.index.reconstruct_n(0, dense.index.ntotal)
            allowed = {r[0] for r in conn.execute(
                "SELECT id FROM clauses WHERE is_current = 1 AND authority = ?", (auths[0],))}
            positions = np.array([i for i, cid in enumerate(dense.clause_ids) if cid in allowed], dtype=np.int64)
            real = np.vstack([embedder.encode_query(q) for q, _ in questions()])
            result["index_choices"] = compare_index_choices(vectors, positions, real, choices, built, dense)
        conn.close()
    return result


def _ivf_lists(n: int) -> int:
    """IVF lists for ``n`` rows: ``--ivf-lists`` if given, else IVF_LISTS_PER_SQRT_N * sqrt(n)."""
    return IVF_LISTS or max(1, int(IVF_LISTS_PER_SQRT_N * np.sqrt(n)))


def build_choice(kind: str, vectors: np.ndarray):  # -> faiss.Index
    """One candidate FAISS index over ``vectors`` (inner product)."""
    import faiss

    n, d = vectors.shape
    if kind in ("flat", "flat16", "hnsw"):
        return build_faiss(vectors, kind)[0]
    factory = {"ivf": "Flat", "ivf-sq8": "SQ8"}
    if kind not in factory:
        raise SystemExit(f"unknown index choice {kind!r}: use flat, flat16, hnsw, ivf, ivf-sq8")
    nlist = _ivf_lists(n)
    index = faiss.index_factory(d, f"IVF{nlist},{factory[kind]}", faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(3)
    sample = vectors[rng.choice(n, min(n, IVF_TRAIN_PER_LIST * nlist), replace=False)]
    index.train(sample)
    index.add(vectors)
    return index


def _search_params(kind: str, sel, nprobe: int | None):
    import faiss

    from index.dense import HNSW_EF_SEARCH

    if kind == "hnsw":
        return faiss.SearchParametersHNSW(sel=sel, efSearch=HNSW_EF_SEARCH) if sel is not None else None
    if kind.startswith("ivf"):
        return faiss.SearchParametersIVF(sel=sel, nprobe=nprobe) if sel is not None else faiss.SearchParametersIVF(
            nprobe=nprobe)
    return faiss.SearchParameters(sel=sel) if sel is not None else None


def compare_index_choices(
    vectors: np.ndarray, positions: np.ndarray, real: np.ndarray, choices: list[str], built: dict, dense=None,
) -> dict:
    """Build each index kind over the same vectors; time it, size it, and score recall@10 vs exact.

    ``positions`` are the rows of one authority (the filtered searches); ``dense`` is the
    store's own ``DenseIndex`` when there is a store (its kind is not built twice: its figures
    come from the store build). Builds use every core (as ``standards index rebuild`` would);
    searches one thread, as served. The kinds the product uses (flat, hnsw) are also searched
    through ``DenseIndex.search``, the way the retriever asks ("served").
    """
    import gc

    import faiss

    from index.dense import DenseIndex

    # In-distribution queries: stored vectors plus noise (the synthetic vectors are not the
    # model's, so real questions land far from all of them; both are reported).
    rng = np.random.default_rng(5)
    picks = vectors[rng.integers(0, len(vectors), 200)]
    near = picks + (0.5 / np.sqrt(picks.shape[1])) * rng.standard_normal(picks.shape).astype(np.float32)
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    query_sets = {"near": np.ascontiguousarray(near), "real": np.ascontiguousarray(real, dtype=np.float32)}
    # Exact answers: brute force over the same vectors (batched, BLAS).
    exact_index = faiss.IndexFlatIP(vectors.shape[1])
    exact_index.add(vectors)
    truth = {}
    for name, qs in query_sets.items():
        truth[(name, False)] = exact_index.search(qs, 10)[1]
        truth[(name, True)] = exact_index.search(qs, 10, params=faiss.SearchParameters(
            sel=faiss.IDSelectorBatch(positions)))[1]
    del exact_index
    ids = dense.clause_ids if dense is not None else [f"v{i}" for i in range(len(vectors))]
    out = {"filter_rows": int(positions.size), "rows": int(len(vectors))}
    for kind in choices:
        gc.collect()
        rss_before = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        if dense is not None and kind == dense.kind:
            index = dense.index
            build_wall = built.get("faiss_build_s (from store, default kind)", float("nan"))
            build_cpu = float("nan")
        else:
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            try:
                index = build_choice(kind, vectors)
            finally:
                faiss.omp_set_num_threads(1)
            build_wall, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        rss_growth = rss_mb() - rss_before
        with tempfile.NamedTemporaryFile(suffix=".faiss") as f:
            faiss.write_index(index, f.name)
            size_mb = Path(f.name).stat().st_size / 2**20
        entry = {"build_s": round(build_wall, 1), "build_cpu_s": round(build_cpu, 1),
                 "index_mb": round(size_mb, 1), "rss_growth_mb": round(rss_growth, 1), "settings": {}}
        probes = IVF_NPROBES if kind.startswith("ivf") else (None,)
        if kind.startswith("ivf"):
            entry["settings"]["nlist"] = _ivf_lists(len(vectors))
        if kind == "hnsw":
            from index.dense import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

            entry["settings"].update(M=HNSW_M, efConstruction=HNSW_EF_CONSTRUCTION, efSearch=HNSW_EF_SEARCH)
        for nprobe in probes:
            key = f"nprobe={nprobe}" if nprobe else "default"
            measures = {}
            for (name, filtered), expected in truth.items():
                qs = query_sets[name]
                sel = faiss.IDSelectorBatch(positions) if filtered else None
                params = _search_params(kind, sel, nprobe)
                times, cpu, hits = [], [], 0
                for i in range(len(qs)):
                    t0, c0 = time.perf_counter(), time.thread_time()
                    _, rows = index.search(qs[i:i + 1], 10, params=params) if params is not None else index.search(
                        qs[i:i + 1], 10)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.thread_time() - c0) * 1000)
                    hits += len(set(rows[0].tolist()) & set(expected[i].tolist()) - {-1})
                label = f"{name}{' filtered' if filtered else ''}"
                measures[label] = {"recall@10": round(hits / (10 * len(qs)), 3),
                                   "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
                                   "cpu_p95_ms": round(percentile(cpu, 95), 2)}
            entry[key] = measures
        if kind in ("flat", "flat16", "hnsw"):  # and through DenseIndex.search, the way the retriever asks
            served_index = dense if dense is not None and kind == dense.kind else DenseIndex(
                index, ids, "synthetic", vectors.shape[1], 0, kind)
            served = {}
            allowed_ids = frozenset(ids[p] for p in positions)
            for (name, filtered), expected in truth.items():
                qs = query_sets[name]
                times, cpu, hits = [], [], 0
                for i in range(len(qs)):
                    t0, c0 = time.perf_counter(), time.thread_time()
                    found = served_index.search(qs[i:i + 1], 10, allowed_ids=allowed_ids if filtered else None)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.thread_time() - c0) * 1000)
                    hits += len({served_index.position[c] for c, _ in found} & set(expected[i].tolist()))
                served[f"{name}{' filtered' if filtered else ''}"] = {
                    "recall@10": round(hits / (10 * len(qs)), 3), "p50_ms": round(percentile(times, 50), 2),
                    "p95_ms": round(percentile(times, 95), 2), "cpu_p95_ms": round(percentile(cpu, 95), 2)}
            del served_index
            entry["served"] = served
        out[kind] = entry
        print(f"{kind}: {json.dumps(entry)}", file=sys.stderr, flush=True)  # progress: long runs show each kind
        del index
    return out


# --- 4. hybrid at a scale too big for a full synthetic store -------------------------------------
# IVF search depth for the composed hybrid run: 16 of 1,000 lists kept recall@10 at 0.99 against
# exact search over 1,000,000 synthetic vectors (docs/scaling.md, index choices).
COMPOSED_NPROBE = 16
# Rows written per transaction while building the full-text-only store (bounds Python memory).
FTS_BLOCK = 50_000


def lexical_only_store(settings, n: int, seed: int = 13) -> dict:
    """A store holding ``n`` synthetic clauses in its full-text index ONLY (no clause rows, no
    vectors in SQLite): the same text generator and layout as ``synthetic_store``, written
    straight into ``clauses_fts``. Bounded where the full store is not (1,000,000 clause rows
    with their vectors take tens of minutes on 2 busy cores)."""
    nprng = np.random.default_rng(seed)
    vocab, weights = corpus_vocabulary()
    cdf = np.cumsum(weights) / sum(weights)
    conn = connect(settings.db_path)
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, n, FTS_BLOCK):
        stop = min(n, start + FTS_BLOCK)
        # Words drawn by the corpus's frequencies for the whole block at once (12-60 per body,
        # 3 per heading), then cut into clauses.
        lengths = nprng.integers(12, 61, stop - start) + 3
        drawn = np.minimum(np.searchsorted(cdf, nprng.random(int(lengths.sum()))), len(vocab) - 1)
        ends = np.cumsum(lengths)
        rows = []
        for j, i in enumerate(range(start, stop)):
            clause = [vocab[w] for w in drawn[ends[j] - lengths[j]:ends[j]]]
            doc = i // SYNTHETIC_PER_DOC
            rows.append((f"{i:08x}", "", f"Authority {doc % SYNTHETIC_AUTHORITIES:02d}", f"syn_{doc:05d}",
                         " ".join(clause[3:]) + ".", " ".join(clause[:3]).title()))
        with transaction(conn):
            conn.executemany("INSERT INTO clauses_fts(clause_id, text_hash, authority, document_id, body, context) "
                             "VALUES (?, ?, ?, ?, ?, ?)", rows)
    with transaction(conn):
        bump_generation(conn)
    conn.close()
    return {"fts_store_build_s": round(time.perf_counter() - t0, 1), "fts_store_build_cpu_s": round(time.process_time() - c0, 1)}


def bench_composed(embedder, n: int, store_dir: Path, kind: str) -> dict:
    """Hybrid search at ``n`` clauses, composed from the product's own parts: the query plan
    (taxonomy expansion), the service's query embedding, ``DenseIndex.search`` over an in-memory
    ``kind`` index of ``n`` synthetic vectors, ``bm25_search`` (with its OR budget) over a
    full-text-only store of ``n`` synthetic clauses, and the retriever's fusion. Unfiltered only
    (authority filters need the clause rows this store does not hold). Reported: wall and CPU
    per question beside the same-run embedding floor, each part's CPU, recall@10 of the hybrid
    top 10 and of the dense top 50 against the same with exact dense search, build times and
    resident memory. Vectors are made block by block and never held whole beside the index."""
    import faiss

    from index.dense import DenseIndex
    from index.lexical import TermStats, bm25_search
    from ingest.store import generation

    rss0 = rss_mb()
    settings = dataclasses.replace(load_settings(), data_dir=store_dir, database_url="")
    notes = store_dir / "fts-only-build.json"
    if notes.is_file() and settings.db_path.is_file():
        built = json.loads(notes.read_text()) | {"store": f"reused {store_dir}"}
    else:
        if settings.db_path.exists():
            raise SystemExit(f"{store_dir} holds another store; give an empty or new --lexical-store")
        store_dir.mkdir(parents=True, exist_ok=True)
        built = lexical_only_store(settings, n)
        notes.write_text(json.dumps(built))
    conn = connect(settings.db_path)
    if conn.execute("SELECT COUNT(*) FROM clauses_fts").fetchone()[0] != n:
        raise SystemExit(f"{store_dir} does not hold {n} full-text rows")
    texts = [q for q, _ in questions()]
    retriever = Retriever(conn, settings, embedder)
    plans = [retriever.query_builder().plan(q) for q in texts]
    dense_q = np.vstack([embedder.encode_query(p.dense_text) for p in plans]).astype(np.float32)

    # Vectors block by block: exact top-50 per question (the truth) and the index, together.
    centres = corpus_centres(embedder)
    nprng = np.random.default_rng(13)
    nlist = _ivf_lists(n)
    if kind == "ivf":
        index = faiss.index_factory(centres.shape[1], f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
    elif kind == "ivf-sq8":
        index = faiss.index_factory(centres.shape[1], f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    else:
        raise SystemExit(f"--composed-index takes ivf or ivf-sq8, not {kind!r}")
    best_s = np.full((len(dense_q), 50), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(dense_q), 50), dtype=np.int64)
    t0, c0 = time.perf_counter(), time.process_time()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        for start in range(0, n, VECTOR_BLOCK):
            stop = min(n, start + VECTOR_BLOCK)
            block = centres[nprng.integers(0, len(centres), stop - start)] + VECTOR_NOISE * nprng.standard_normal(
                (stop - start, centres.shape[1])).astype(np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            block = np.ascontiguousarray(block, dtype=np.float32)
            if not index.is_trained:  # the first block is a random sample of the whole
                index.train(block[: IVF_TRAIN_PER_LIST * nlist])
            index.add(block)
            scores = dense_q @ block.T
            top = np.argpartition(-scores, 50, axis=1)[:, :50]
            cand_s = np.concatenate([best_s, np.take_along_axis(scores, top, 1)], 1)
            cand_i = np.concatenate([best_i, top + start], 1)
            keep = np.argsort(-cand_s, axis=1)[:, :50]
            best_s, best_i = np.take_along_axis(cand_s, keep, 1), np.take_along_axis(cand_i, keep, 1)
            del block, scores
    finally:
        faiss.omp_set_num_threads(1)
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    faiss.extract_index_ivf(index).nprobe = COMPOSED_NPROBE
    ids = [f"{i:08x}" for i in range(n)]
    dense = DenseIndex(index, ids, embedder.model_id, centres.shape[1], generation(conn), kind)
    rss_built = rss_mb()

    stats, key = TermStats(), generation(conn)
    depth = 50
    parts: dict[str, list[float]] = {"plan": [], "embed": [], "faiss": [], "bm25": [], "fuse": []}
    wall, cpu, floor, recall_dense, recall_hybrid = [], [], [], [], []
    # One warm-up question (pages the FTS index in, as a served store would be).
    bm25_search(conn, plans[0].lexical, k=depth, stats=stats, stats_key=key)
    for qi, text in enumerate(texts):
        t = time.perf_counter()
        embedder.encode_query(text)
        floor.append((time.perf_counter() - t) * 1000)
        t, c = time.perf_counter(), time.process_time()
        plan = retriever.query_builder().plan(text)
        c1 = time.process_time()
        vector = embedder.encode_query(plan.dense_text)
        c2 = time.process_time()
        found = dense.search(vector, depth)
        c3 = time.process_time()
        lexical = bm25_search(conn, plan.lexical, k=depth, stats=stats, stats_key=key)
        c4 = time.process_time()
        bm25_rank = {cid: i + 1 for i, (cid, _) in enumerate(lexical)}
        dense_rank = {cid: i + 1 for i, (cid, _) in enumerate(found)}
        fused = retriever._fuse(bm25_rank, dense_rank, plan)[:10]
        c5 = time.process_time()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((c5 - c) * 1000)
        for name, a, b in (("plan", c, c1), ("embed", c1, c2), ("faiss", c2, c3), ("bm25", c3, c4), ("fuse", c4, c5)):
            parts[name].append((b - a) * 1000)
        exact_rank = {ids[r]: i + 1 for i, r in enumerate(best_i[qi])}
        recall_dense.append(len(set(dense_rank) & set(exact_rank)) / 50)
        exact_fused = retriever._fuse(bm25_rank, exact_rank, plan)[:10]
        recall_hybrid.append(len({c for c, _ in fused} & {c for c, _ in exact_fused}) / 10)
    conn.close()
    pct = lambda v: (round(statistics.median(v), 2), round(percentile(v, 95), 2))  # noqa: E731
    floor_p = pct(floor)
    return {
        "clauses": n, "mode": "composed hybrid, unfiltered", **built, "dense_index": kind,
        "ivf_lists": nlist, "nprobe": COMPOSED_NPROBE, "index_build_s": round(build_s, 1),
        "index_build_cpu_s": round(build_cpu, 1), "queries": len(texts),
        "wall_ms": pct(wall), "cpu_ms": pct(cpu), "embed_floor_ms": floor_p,
        "x_floor": (round(pct(wall)[0] / floor_p[0], 2), round(pct(wall)[1] / floor_p[1], 2)),
        "parts_cpu_ms": {k: pct(v) for k, v in parts.items()},
        "recall@50 dense vs exact": round(statistics.fmean(recall_dense), 3),
        "recall@10 hybrid vs hybrid with exact dense": round(statistics.fmean(recall_hybrid), 3),
        "rss_before_mb": round(rss0, 1), "rss_after_build_mb": round(rss_built, 1),
        "rss_after_queries_mb": round(rss_mb(), 1), "peak_rss_mb": round(peak_rss_mb(), 1),
        "db_mb": round(settings.db_path.stat().st_size / 2**20, 1),
    }


def print_report(corpus: dict | None, scale: dict | None) -> None:
    rows: list[tuple[str, str, str]] = []

    def add(name: str, a: object = "", b: object = "") -> None:
        fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
        rows.append((name, fmt(a), fmt(b)))

    keys = ["clauses", "queries"]
    add("measure", "shipped corpus", f"synthetic {scale['clauses']:,}" if scale else "synthetic (skipped)")
    for key in keys:
        add(key, corpus.get(key, "") if corpus else "", scale.get(key, "") if scale else "")
    for kind in ("wall", "cpu", "embed_floor", "x_floor"):
        for mode in ("bm25", "dense", "hybrid"):
            for i, label in ((0, "p50"), (1, "p95")):
                add(f"{mode} {label} {'x' if kind == 'x_floor' else 'ms'} ({kind})",
                    corpus["latency_ms"][mode][kind][i] if corpus else "",
                    scale["latency_ms"][mode][kind][i] if scale and "latency_ms" in scale else "")
    for key in ("fts_build_s", "faiss_load_s"):
        add(key, corpus.get(key, "") if corpus else "", scale.get(key, "") if scale else "")
    if corpus:
        for key in ("ingest_s (parse+store)", "embed_all_s (cold)", "faiss_build_s (cached vectors)"):
            add(key, corpus[key], "")
    if scale:
        for key in ("store", "vectors_s", "vectors_mb", "peak_rss_mb (whole run)", "default_index_kind", "insert_s",
                    "faiss_build_s (from store, default kind)", "rss_before_scale_mb", "rss_mb (after queries)", "peak_rss_mb (after queries)", "db_mb",
                    "faiss_file_mb"):
            if key in scale:
                add(key, "", scale[key])
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    if scale and scale.get("index_choices"):
        print_choices(scale["index_choices"])


def print_choices(choices: dict) -> None:
    """One line per index kind and setting: build, memory, and per query set p95 and recall@10."""
    print(f"\nindex choices over {choices['rows']:,} vectors (filtered: {choices['filter_rows']:,} rows of one authority)")
    for kind, entry in choices.items():
        if not isinstance(entry, dict):
            continue
        head = (f"{kind:8} build {entry['build_s']} s (cpu {entry['build_cpu_s']} s), index {entry['index_mb']} MB, "
                f"rss +{entry['rss_growth_mb']} MB {entry['settings'] or ''}")
        print(head)
        for key, measures in entry.items():
            if key.startswith("nprobe") or key in ("default", "served"):
                cells = [f"{label}: p95 {m['p95_ms']} ms (cpu {m['cpu_p95_ms']}) R@10 {m['recall@10']}"
                         for label, m in measures.items()]
                print(f"    {key:10} " + "; ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="synthetic clauses (default 100000)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the query set")
    parser.add_argument("--store-dir", type=Path, help="keep (and reuse) the synthetic store here")
    parser.add_argument("--index-choices", default="", help="compare FAISS index kinds at scale, e.g. "
                        "flat,hnsw,ivf,ivf-sq8 (dense search alone, same vectors)")
    parser.add_argument("--vectors-only", action="store_true", help="at --scale, compare --index-choices over "
                        "synthetic vectors alone (no store: bounded at 1,000,000)")
    parser.add_argument("--ivf-lists", type=int, help="IVF lists (default 4 * sqrt(N))")
    parser.add_argument("--lexical-store", type=Path, help="at --scale, hybrid composed from the product's parts "
                        "over a full-text-only store kept here and an in-memory IVF index (bounded at 1,000,000)")
    parser.add_argument("--composed-index", default="ivf", help="dense index of --lexical-store: ivf or ivf-sq8")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    settings = load_settings()
    t0 = time.perf_counter()
    embedder = load_embedder(settings)
    print(f"model load (excluded from latencies): {time.perf_counter() - t0:.1f} s; "
          f"FAISS threads {settings.faiss_threads}", file=sys.stderr)
    load_before = os.getloadavg()[0]
    corpus = None if args.skip_corpus else bench_corpus(embedder, args.rounds)
    choices = [c.strip() for c in args.index_choices.split(",") if c.strip()]
    global IVF_LISTS
    IVF_LISTS = args.ivf_lists
    if args.vectors_only and not choices:
        raise SystemExit("--vectors-only needs --index-choices (e.g. flat,hnsw,ivf)")
    if args.lexical_store:
        composed = bench_composed(embedder, args.scale, args.lexical_store, args.composed_index)
        print(json.dumps(composed, indent=2))
        print(f"1-min load average: {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end ({os.cpu_count()} CPUs)")
        if args.json:
            args.json.write_text(json.dumps({"composed": composed}, indent=2))
        return
    if args.skip_scale:
        scale = None
    elif args.vectors_only:
        scale = bench_vectors(embedder, args.scale, choices)
    else:
        scale = bench_scale(embedder, args.scale, args.rounds, args.store_dir, choices)
    print_report(corpus, scale)
    # Latencies are wall-clock: other work on the machine inflates them; say how busy it was.
    print(f"1-min load average: {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end "
          f"({os.cpu_count()} CPUs); FAISS threads {settings.faiss_threads}; torch query threads 1")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"corpus": corpus, "scale": scale}, indent=2, default=str))


if __name__ == "__main__":
    main()
