"""Retrieval benchmark: warm query latency and index build time, on the shipped corpus and at scale.

Run:  .venv/bin/python benchmarks/retrieval_bench.py [--scale 100000] [--skip-scale] [--json FILE]

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

Targets: shipped corpus hybrid p95 <= 30 ms; 100k synthetic hybrid p95 <= 100 ms.
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

QA = ROOT / "eval" / "qa-dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``."""
    ordered = sorted(values)
    idx = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[idx]


def questions() -> list[tuple[str, list[str]]]:
    """(question, authorities) of the development set."""
    out = []
    for line in QA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append((item["question"], item.get("authorities") or []))
    return out


def time_queries(
    retriever: Retriever, queries: list[tuple[str, SearchFilters]], mode: str, rounds: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per query (after one warm-up query).

    CPU time (all threads of this process) is reported beside wall time because this machine
    is shared: when other processes keep both cores busy, wall time measures the queue, while
    CPU time stays close to what an idle machine would show.
    """
    retriever.search(queries[0][0], k=10, filters=queries[0][1], mode=mode)
    wall, cpu = [], []
    for _ in range(rounds):
        for text, filters in queries:
            c0, t0 = time.process_time(), time.perf_counter()
            retriever.search(text, k=10, filters=filters, mode=mode)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def summarise(latency: dict[str, tuple[list[float], list[float]]]) -> dict:
    return {
        mode: {"wall": (statistics.median(w), percentile(w, 95)), "cpu": (statistics.median(c), percentile(c, 95))}
        for mode, (w, c) in latency.items()
    }


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
        settings = dataclasses.replace(load_settings(), data_dir=Path(tmp) / "data", corpus_dir=ROOT / "corpus")
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


def synthetic_store(settings, n: int, dimension: int, model_id: str, seed: int = 13) -> dict:
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    vocab, weights = corpus_vocabulary()
    conn = connect(settings.db_path)
    authorities = [f"Authority {i:02d}" for i in range(20)]
    t0 = time.perf_counter()
    with transaction(conn):
        per_doc = 500
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

    # Synthetic vectors: 2,000 topic centres plus noise, normalised (closer to real embeddings
    # than uniform noise, which would make every neighbour equally far).
    centres = nprng.standard_normal((2000, dimension)).astype(np.float32)
    rows = conn.execute(
        "SELECT id, heading_path, plain_text, cohort_context, role_context FROM clauses WHERE is_current = 1"
    ).fetchall()
    keys = [text_hash(row_embedding_text(r)) for r in rows]
    vecs = centres[nprng.integers(0, len(centres), len(keys))] + 0.6 * nprng.standard_normal(
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
        "insert_s": insert_s, "fts_build_s": fts_s, "faiss_flat_build_s (from store)": faiss_flat_s, "vectors": vecs,
    }


def bench_scale(embedder, n: int, rounds: int) -> dict:
    rss0 = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(load_settings(), data_dir=Path(tmp) / "data")
        built = synthetic_store(settings, n, embedder.dimension, embedder.model_id)
        vectors = built.pop("vectors")
        conn = connect(settings.db_path)
        retriever = Retriever(conn, settings, embedder)
        t0 = time.perf_counter()
        retriever.dense_index()
        load_s = time.perf_counter() - t0
        auths = [r[0] for r in conn.execute("SELECT DISTINCT authority FROM clauses WHERE is_current = 1")]
        queries = query_set(auths)
        latency = {mode: time_queries(retriever, queries, mode, rounds) for mode in ("bm25", "dense", "hybrid")}
        rss = rss_mb()
        peak = peak_rss_mb()
        # The HNSW alternative at the same size, dense part only.
        from index.dense import DenseIndex

        # Same vectors in the same row order as the flat index (the store's order).
        vectors = flat_vectors = retriever.dense_index().index.reconstruct_n(0, retriever.dense_index().index.ntotal)
        t0 = time.perf_counter()
        hnsw_index, kind = build_faiss(flat_vectors, "hnsw")
        built["hnsw_build_s (same vectors)"] = time.perf_counter() - t0
        hnsw = DenseIndex(hnsw_index, retriever.dense_index().clause_ids, embedder.model_id, embedder.dimension, 0, kind)
        flat = retriever.dense_index()
        # In-distribution queries for the flat-vs-HNSW comparison: stored vectors plus noise
        # (real query embeddings are far from synthetic vectors, which says nothing about recall).
        rng = np.random.default_rng(5)
        picks = vectors[rng.integers(0, len(vectors), 200)]
        qvecs = picks + (0.5 / np.sqrt(picks.shape[1])) * rng.standard_normal(picks.shape).astype(np.float32)
        qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
        t_flat, t_hnsw, agree = [], [], 0
        for q in qvecs:
            t0 = time.perf_counter()
            a = flat.search(q[None, :], 10)
            t_flat.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            b = hnsw.search(q[None, :], 10)
            t_hnsw.append((time.perf_counter() - t0) * 1000)
            agree += len({c for c, _ in a} & {c for c, _ in b})
        db_mb = settings.db_path.stat().st_size / 2**20
        index_mb = sum(p.stat().st_size for p in settings.index_dir.glob("*.faiss")) / 2**20
        conn.close()
    return {
        "clauses": n, **built, "faiss_load_s": load_s, "queries": len(queries) * rounds,
        "latency_ms": summarise(latency),
        "faiss_only_ms": {"flat": (statistics.median(t_flat), percentile(t_flat, 95)),
                          "hnsw": (statistics.median(t_hnsw), percentile(t_hnsw, 95))},
        "hnsw_recall@10_vs_flat": agree / (10 * len(qvecs)),
        "rss_mb (after queries)": rss, "rss_before_scale_mb": rss0, "peak_rss_mb (whole run)": peak,
        "db_mb": db_mb, "faiss_file_mb": index_mb,
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
    for kind in ("wall", "cpu"):
        for mode in ("bm25", "dense", "hybrid"):
            for i, label in ((0, "p50"), (1, "p95")):
                add(f"{mode} {label} ms ({kind})",
                    corpus["latency_ms"][mode][kind][i] if corpus else "",
                    scale["latency_ms"][mode][kind][i] if scale else "")
    for key in ("fts_build_s", "faiss_load_s"):
        add(key, corpus.get(key, "") if corpus else "", scale.get(key, "") if scale else "")
    if corpus:
        for key in ("ingest_s (parse+store)", "embed_all_s (cold)", "faiss_build_s (cached vectors)"):
            add(key, corpus[key], "")
    if scale:
        for key in ("insert_s", "faiss_flat_build_s (from store)", "hnsw_build_s (same vectors)",
                    "hnsw_recall@10_vs_flat", "rss_before_scale_mb", "rss_mb (after queries)",
                    "peak_rss_mb (whole run)", "db_mb", "faiss_file_mb"):
            add(key, "", scale[key])
        for kind in ("flat", "hnsw"):
            add(f"FAISS {kind} only p50/p95 ms", "", "{:.2f} / {:.2f}".format(*scale["faiss_only_ms"][kind]))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="synthetic clauses (default 100000)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query set")
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
    scale = None if args.skip_scale else bench_scale(embedder, args.scale, args.rounds)
    print_report(corpus, scale)
    # Latencies are wall-clock: other work on the machine inflates them; say how busy it was.
    print(f"1-min load average: {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end "
          f"({os.cpu_count()} CPUs); FAISS threads {settings.faiss_threads}; torch query threads 1")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"corpus": corpus, "scale": scale}, indent=2, default=str))


if __name__ == "__main__":
    main()
