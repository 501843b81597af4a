"""Dense retrieval: a FAISS index of clause embeddings, persisted under ``settings.index_dir``.

The FAISS file is only a cache. The truth is SQLite: which clauses are current
(``clauses.is_current``) and their vectors (``clause_embeddings``). A sidecar JSON
(``dense.json``) records the model id, dimension, store generation, index kind, the FAISS
file's name and size, and the clause id of every row.

Crash safety: the FAISS data goes to a uniquely named temporary file, is fsynced and renamed
to a uniquely named final file; only then is the sidecar written aside and ``os.replace``-d
over ``dense.json``. Replacing the sidecar is the single commit point, so a crash at any
moment leaves the previous sidecar pointing at the previous, complete FAISS file. Files the
current sidecar does not name (old versions, torn temporaries) are removed on the next write.

On load, if the sidecar's generation or model differs from the store and the embedder, the
index is rebuilt from ``clause_embeddings`` without re-embedding. A different model whose
vectors are not in the store raises ``IndexMismatchError`` (run ``standards index rebuild``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.embedder import (
    Embedder,
    cached_vectors,
    ensure_vectors,
    load_embedder,
    row_embedding_text,
    text_hash,
)
from index.sentences import ensure_sentence_vectors
from ingest import db
from ingest.errors import IndexMismatchError
from ingest.settings import Settings

SIDECAR_NAME = "dense.json"
FORMAT_VERSION = 1
# Exact search is the right call until brute force gets slow: 1 ms at 10k vectors, ~15 ms at
# 100k, ~150 ms at 1M on this hardware. Above the threshold, HNSW (M=32) answers in well under
# a millisecond with recall >= 0.99 at efSearch 64-128.
HNSW_THRESHOLD = 200_000
# From this many vectors up to HNSW_THRESHOLD the exact index stores them as float16
# ("flat16"): one query's scan over float32 vectors is bound by memory traffic once they are far
# beyond the CPU's cache (50,000 x 384 float32 = 77 MB; this machine's L3 is 32 MB), and halving
# the bytes cut it from 15.5 to 9.5 ms CPU p50 at 100,000 (benchmarks/retrieval_bench.py,
# 2026-12-02) with the same top-50 as float32 on 200 queries; scores move by ~1e-3 at most.
# Below it, the vectors stay float32 and every score is unchanged.
FLAT16_MIN_ROWS = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


@dataclass
class DenseIndex:
    """A loaded FAISS index and the clause id of each of its rows."""

    index: faiss.Index
    clause_ids: list[str]
    model_id: str
    dimension: int
    generation: int
    kind: str

    def __post_init__(self) -> None:
        self.position = {cid: i for i, cid in enumerate(self.clause_ids)}
        # Filter sets repeat (one per authority, say): keep their row positions. Keyed by the
        # frozenset itself, whose hash Python computes once.
        self._positions: dict[frozenset[str], np.ndarray] = {}

    def positions(self, allowed_ids: set[str] | frozenset[str]) -> np.ndarray:
        """Row positions of ``allowed_ids`` (those in the index), cached for frozensets."""
        key = allowed_ids if isinstance(allowed_ids, frozenset) else None
        if key is not None and key in self._positions:
            return self._positions[key]
        found = np.fromiter((self.position[c] for c in allowed_ids if c in self.position), dtype=np.int64)
        if key is not None:
            if len(self._positions) >= 64:
                self._positions.pop(next(iter(self._positions)))
            self._positions[key] = found
        return found

    def __len__(self) -> int:
        return len(self.clause_ids)

    def search(
        self, query: np.ndarray, k: int, allowed_ids: set[str] | frozenset[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top ``k`` (clause_id, cosine similarity) for a (1, d) normalised query vector."""
        n = len(self.clause_ids)
        if n == 0 or k <= 0:
            return []
        params = None
        index = self.index
        if allowed_ids is not None:
            positions = self.positions(allowed_ids)
            if positions.size == 0:
                return []
            selector = faiss.IDSelectorBatch(positions)
            if self.kind == "hnsw" and positions.size <= HNSW_THRESHOLD:
                # A filter keeping few rows (one authority of many) starves the graph walk of
                # neighbours that pass it: recall@10 fell to ~0.85 at 5% of the rows. Below the
                # size where exact search is fast anyway, search those rows exactly, in the
                # vectors the HNSW index keeps.
                index = faiss.downcast_index(self.index.storage)
                params = faiss.SearchParameters(sel=selector)
            elif self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
            else:
                params = faiss.SearchParameters(sel=selector)
            k = min(k, int(positions.size))
        k = min(k, n)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        scores, rows = index.search(q, k, params=params) if params is not None else index.search(q, k)
        return [(self.clause_ids[r], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]


def index_kind(n: int) -> str:
    """The index kind the product builds for ``n`` vectors: exact float32, exact float16, or HNSW."""
    if n > HNSW_THRESHOLD:
        return "hnsw"
    return "flat16" if n >= FLAT16_MIN_ROWS else "flat"


def build_faiss(vectors: np.ndarray, kind: str | None = None) -> tuple[faiss.Index, str]:
    """A FAISS index over normalised ``vectors`` of ``kind`` (default: ``index_kind`` of their count)."""
    n, d = vectors.shape
    kind = kind or index_kind(n)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif kind == "flat16":
        # Exact search (every vector scored) over float16 copies; no training for this quantiser.
        index = faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexFlatIP(d)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


# --- files ------------------------------------------------------------------------------------
def sidecar_path(index_dir: Path) -> Path:
    return index_dir / SIDECAR_NAME


@contextlib.contextmanager
def _write_lock(index_dir: Path) -> Iterator[None]:
    # One writer at a time, so a writer's clean-up never removes another writer's new file.
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_index(index_dir: Path, dense: DenseIndex) -> Path:
    """Persist ``dense`` crash-safely (data aside, rename, then the sidecar as commit point)."""
    with _write_lock(index_dir):
        token = uuid.uuid4().hex[:12]
        final = index_dir / f"dense-{dense.generation}-{token}.faiss"
        tmp = index_dir / f".{final.name}.tmp"
        faiss.write_index(dense.index, str(tmp))
        _fsync_path(tmp)
        os.replace(tmp, final)
        meta = {
            "format": FORMAT_VERSION,
            "model": dense.model_id,
            "dimension": dense.dimension,
            "generation": dense.generation,
            "kind": dense.kind,
            "count": len(dense.clause_ids),
            "faiss_file": final.name,
            "faiss_bytes": final.stat().st_size,
            "clause_ids": dense.clause_ids,
        }
        side_tmp = index_dir / f".{SIDECAR_NAME}.{token}.tmp"
        with side_tmp.open("w", encoding="utf-8") as handle:
            json.dump(meta, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(side_tmp, sidecar_path(index_dir))  # the commit point
        _fsync_path(index_dir)
        _remove_unreferenced(index_dir, keep=final.name)
    return final


def _remove_unreferenced(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        stale_data = path.name.startswith("dense-") and path.suffix == ".faiss" and path.name != keep
        if stale_data or path.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                path.unlink()


def read_sidecar(index_dir: Path) -> dict | None:
    """The sidecar's contents, or None when it is missing or unreadable."""
    try:
        with sidecar_path(index_dir).open(encoding="utf-8") as handle:
            meta = json.load(handle)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT_VERSION else None


def read_index(index_dir: Path, meta: dict) -> DenseIndex | None:
    """Load the FAISS file the sidecar names; None if it is missing, torn or inconsistent."""
    path = index_dir / str(meta.get("faiss_file", ""))
    try:
        if not path.is_file() or path.stat().st_size != meta["faiss_bytes"]:
            return None
        index = faiss.read_index(str(path))
    except (OSError, RuntimeError, KeyError, TypeError):
        return None
    ids = meta.get("clause_ids") or []
    if index.ntotal != len(ids) or index.d != meta.get("dimension"):
        return None
    if meta.get("kind") == "hnsw":
        faiss.downcast_index(index).hnsw.efSearch = HNSW_EF_SEARCH
    return DenseIndex(
        index=index,
        clause_ids=list(ids),
        model_id=str(meta["model"]),
        dimension=int(meta["dimension"]),
        generation=int(meta["generation"]),
        kind=str(meta["kind"]),
    )


# --- building from the store ------------------------------------------------------------------
def _current_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, heading_path, plain_text, cohort_context, role_context FROM clauses "
        "WHERE is_current = 1 ORDER BY document_id, ordinal, id"
    ).fetchall()


def _snapshot(conn: sqlite3.Connection) -> tuple[int, list[sqlite3.Row]]:
    """Generation and current clauses read in one read transaction (a consistent snapshot)."""
    from ingest.store import generation

    if conn.in_transaction:
        return generation(conn), _current_rows(conn)
    db.begin_snapshot(conn)  # PostgreSQL: REPEATABLE READ, or the two reads could see two commits
    try:
        return generation(conn), _current_rows(conn)
    finally:
        conn.execute("COMMIT")


def build_from_store(
    conn: sqlite3.Connection, model_id: str, dimension: int | None, embedder: Embedder | None = None
) -> DenseIndex:
    """Build a ``DenseIndex`` of the current clauses from ``clause_embeddings``.

    Clauses without a cached vector for ``model_id`` are embedded when ``embedder`` is given
    (and is that model); otherwise ``IndexMismatchError`` says how to rebuild.
    """
    gen, rows = _snapshot(conn)
    texts = {row["id"]: row_embedding_text(row) for row in rows}
    keys = {cid: text_hash(t) for cid, t in texts.items()}
    vectors = cached_vectors(conn, keys.values(), model_id)
    missing = {keys[cid]: texts[cid] for cid in texts if keys[cid] not in vectors}
    if missing:
        if embedder is None or embedder.model_id != model_id:
            raise IndexMismatchError(
                f"The store has no embeddings from model {model_id} for {len(missing)} current clause(s), "
                "so the dense index cannot be rebuilt without the model. Run `standards index rebuild` "
                "to embed them with the configured model."
            )
        ensure_vectors(conn, embedder, missing)
        return build_from_store(conn, model_id, dimension, embedder)
    if rows:
        matrix = np.vstack([vectors[keys[row["id"]]] for row in rows]).astype(np.float32)
        dimension = matrix.shape[1]
    else:
        dimension = dimension or (embedder.dimension if embedder else 0)
        matrix = np.zeros((0, dimension), dtype=np.float32)
    index, kind = build_faiss(matrix)
    return DenseIndex(
        index=index,
        clause_ids=[row["id"] for row in rows],
        model_id=model_id,
        dimension=int(dimension),
        generation=gen,
        kind=kind,
    )


def configure_threads(settings: Settings) -> None:
    """Limit FAISS's OpenMP threads (one thread serves single queries fastest on 2 cores)."""
    faiss.omp_set_num_threads(max(1, settings.faiss_threads))


def load_dense(conn: sqlite3.Connection, settings: Settings, embedder: Embedder) -> DenseIndex:
    """The dense index for the store's current generation and ``embedder``'s model.

    Loads the persisted file when its sidecar matches; otherwise rebuilds from
    ``clause_embeddings`` (no re-embedding; only clauses the store has no vector for are
    embedded, e.g. after a crash between commit and index write) and persists the result.
    Raises ``IndexMismatchError`` when the file was built by another model and the store
    holds no vectors from the configured one.
    """
    from ingest.store import generation

    configure_threads(settings)
    index_dir = settings.index_dir
    meta = read_sidecar(index_dir)
    # A file of another kind than this product builds for its size (written by an older version)
    # is rebuilt like a stale one: the vectors come from the store, nothing is re-embedded.
    if meta and meta.get("model") == embedder.model_id and meta.get("generation") == generation(conn) \
            and meta.get("kind") == index_kind(len(meta.get("clause_ids") or [])):
        loaded = read_index(index_dir, meta)
        if loaded is not None:
            return loaded
    if meta and meta.get("model") != embedder.model_id and not _store_has_model(conn, embedder.model_id):
        raise IndexMismatchError(
            f"The dense index in {index_dir} was built with model {meta.get('model')}, but the configured "
            f"model is {embedder.model_id}. Run `standards index rebuild` to re-embed the clauses with the "
            "configured model (or restore STANDARDS_MODEL_PATH / STANDARDS_MODEL_SHA256)."
        )
    dense = build_from_store(conn, embedder.model_id, embedder.dimension, embedder)
    write_index(index_dir, dense)
    return dense


def _store_has_model(conn: sqlite3.Connection, model_id: str) -> bool:
    return conn.execute("SELECT 1 FROM clause_embeddings WHERE model = ? LIMIT 1", (model_id,)).fetchone() is not None


def sync_dense(conn: sqlite3.Connection, settings: Settings, embedder: Embedder | None = None) -> DenseIndex:
    """Embed any current clause the store has no vector for, then rewrite the FAISS file.

    Called after the ingest transaction commits. Unchanged clause texts reuse their cached
    vectors; the file is rewritten only if the generation or model moved on.
    """
    configure_threads(settings)
    embedder = embedder or load_embedder(settings)
    _gen, rows = _snapshot(conn)
    texts = {text_hash(t): t for t in (row_embedding_text(r) for r in rows)}
    ensure_vectors(conn, embedder, texts, batch=settings.embed_batch)
    ensure_sentence_vectors(conn, embedder, batch=settings.embed_batch)
    return load_dense(conn, settings, embedder)


def rebuild_dense(conn: sqlite3.Connection, settings: Settings, embedder: Embedder | None = None) -> DenseIndex:
    """Re-embed what the configured model lacks and write a fresh index, whatever is on disk."""
    configure_threads(settings)
    embedder = embedder or load_embedder(settings)
    _gen, rows = _snapshot(conn)
    texts = {text_hash(t): t for t in (row_embedding_text(r) for r in rows)}
    ensure_vectors(conn, embedder, texts, batch=settings.embed_batch)
    ensure_sentence_vectors(conn, embedder, batch=settings.embed_batch)
    dense = build_from_store(conn, embedder.model_id, embedder.dimension, embedder)
    write_index(settings.index_dir, dense)
    return dense


def clause_ids_in_index(settings: Settings) -> Sequence[str]:
    """Clause ids recorded in the persisted sidecar ([] when there is none)."""
    meta = read_sidecar(settings.index_dir)
    return list(meta.get("clause_ids", [])) if meta else []


# --- reliability: staleness, clean-up, pruning (issue 12) --------------------------------------
@dataclass
class DenseStatus:
    """How the persisted dense index compares with the store (``standards index status``)."""

    state: str  # current | stale | missing | other_model
    store_generation: int
    index_generation: int | None
    index_model: str | None
    expected_model: str | None
    indexed: int
    current_clauses: int
    missing_vectors: int
    message: str

    @property
    def is_current(self) -> bool:
        return self.state == "current"


def expected_model_id(settings: Settings) -> str | None:
    """The model id the configured weights will have, without loading them (None: hash unchecked)."""
    from index.embedder import DEFAULT_MODEL_NAME, model_id_for, resolve_model_dir

    if not settings.model_sha256:
        return None
    name = DEFAULT_MODEL_NAME if not settings.model_path else resolve_model_dir(settings).name
    return model_id_for(name, settings.model_sha256)


def dense_status(conn: sqlite3.Connection, settings: Settings) -> DenseStatus:
    """Compare the sidecar (generation, model, file) and the vector cache with the store's current clauses."""
    gen, rows = _snapshot(conn)
    model = expected_model_id(settings)
    meta = read_sidecar(settings.index_dir)
    hashes = {text_hash(row_embedding_text(r)) for r in rows}
    have = cached_vectors(conn, hashes, model) if model else {}
    missing = len(hashes) - len(have) if model else 0
    index_gen = meta.get("generation") if meta else None
    index_model = meta.get("model") if meta else None
    indexed = int(meta.get("count", 0)) if meta else 0
    file_ok = bool(meta) and read_index(settings.index_dir, meta) is not None
    if not meta or not file_ok:
        state = "missing"
        message = "no usable dense index file; it is built on the next ingest, server start or `standards index rebuild`"
    elif model and index_model != model:
        state = "other_model"
        message = f"built with model {index_model}, but {model} is configured: run `standards index rebuild`"
    elif index_gen != gen:
        state = "stale"
        message = (f"built for store generation {index_gen}, the store is at {gen}: the server rebuilds it in "
                   "the background at start (keyword search answers meanwhile), or run `standards index rebuild`")
    else:
        state = "current"
        message = f"built for store generation {gen} with the configured model"
    if missing and state == "current":
        state, message = "stale", f"{missing} current clause(s) have no vector: run `standards index rebuild`"
    elif missing:
        message += f"; {missing} current clause(s) still need embedding"
    return DenseStatus(state, gen, index_gen, index_model, model, indexed, len(rows), missing, message)


def cleanup_index_dir(index_dir: Path) -> list[str]:
    """Remove index files the sidecar does not name (a crash between writing a FAISS file and
    tidying up leaves one); returns the names removed. Safe while other writers run (file lock)."""
    if not index_dir.is_dir():
        return []
    removed: list[str] = []
    with _write_lock(index_dir):
        meta = read_sidecar(index_dir)
        keep = str(meta.get("faiss_file", "")) if meta else ""
        for path in index_dir.iterdir():
            stale_data = path.name.startswith("dense-") and path.suffix == ".faiss" and path.name != keep
            if stale_data or path.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path.name)
    return removed


def texts_of_document(conn: sqlite3.Connection, document_id: str) -> set[str]:
    """Hashes of the embedded texts of every clause of a document (all its versions)."""
    rows = conn.execute(
        "SELECT heading_path, plain_text, cohort_context, role_context FROM clauses WHERE document_id = ?",
        (document_id,),
    )
    return {text_hash(row_embedding_text(r)) for r in rows}


def prune_vectors(conn: sqlite3.Connection, candidates: set[str]) -> int:
    """Delete the cached vectors of ``candidates`` (text hashes) that no current clause embeds.

    Called after a document is removed with the hashes of its clauses: vectors another
    document's clauses share stay. Returns how many texts lost their vectors.
    """
    from ingest.store import transaction

    if not candidates:
        return 0
    used = {text_hash(row_embedding_text(r)) for r in _current_rows(conn)}
    stale = [(h,) for h in candidates if h not in used]
    if stale:
        with transaction(conn):
            conn.executemany("DELETE FROM clause_embeddings WHERE content_hash = ?", stale)
    return len(stale)
