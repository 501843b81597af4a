"""The embedding model: verified before loading, cached vectors never recomputed."""

from __future__ import annotations

import os

import numpy as np
import pytest
from index_helpers import make_settings

from index.embedder import (
    Embedder,
    cached_vectors,
    clause_embedding_text,
    default_model_dir,
    ensure_vectors,
    load_embedder,
    text_hash,
    verify_model,
)
from ingest.errors import ModelError
from ingest.settings import DEFAULT_MODEL_SHA256
from ingest.store import connect


def test_wrong_hash_is_refused_before_loading(tmp_path) -> None:
    settings = make_settings(tmp_path, model_sha256="0" * 64)
    with pytest.raises(ModelError) as err:
        load_embedder(settings)
    assert "refusing to load" in err.value.message
    assert "STANDARDS_MODEL_SHA256" in err.value.message and "pip install" in err.value.message


def test_tampered_weights_are_refused(tmp_path) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    for item in default_model_dir().iterdir():
        if item.name != "model.safetensors":
            (model_dir / item.name).symlink_to(item)
    (model_dir / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ModelError, match="refusing to load"):
        load_embedder(make_settings(tmp_path, model_path=str(model_dir)))


def test_missing_model_folder_or_weights(tmp_path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        load_embedder(make_settings(tmp_path, model_path=str(tmp_path / "nowhere")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="No model.safetensors"):
        verify_model(tmp_path / "empty", DEFAULT_MODEL_SHA256)


def test_bundled_weights_match_the_expected_hash() -> None:
    assert verify_model(default_model_dir(), DEFAULT_MODEL_SHA256) == DEFAULT_MODEL_SHA256


def test_embeddings_are_normalised_and_meaningful(embedder: Embedder) -> None:
    vecs = embedder.encode(
        ["How often are children in need visited?", "Children in Need are visited every 4 weeks.", "Parking permits"]
    )
    assert vecs.shape == (3, embedder.dimension) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2
    assert embedder.model_id.startswith("all-MiniLM-L6-v2@")


def test_table_context_is_embedded_with_the_clause() -> None:
    text = clause_embedding_text("Every 4 weeks", ["Visiting"], "Children in Need", "Social Worker")
    assert "Children in Need" in text and "Visiting" in text and "Social Worker" in text and text.endswith("Every 4 weeks")


def test_vectors_are_cached_by_text_and_model(tmp_path, embedder: Embedder) -> None:
    conn = connect(tmp_path / "s.db")
    texts = {text_hash(t): t for t in ["Visits every 6 weeks.", "Case notes within 3 working days."]}
    assert ensure_vectors(conn, embedder, texts) == 2
    assert ensure_vectors(conn, embedder, texts) == 0  # unchanged text: not embedded again
    stored = cached_vectors(conn, texts, embedder.model_id)
    again = embedder.encode(list(texts.values()))
    assert np.allclose(np.vstack([stored[k] for k in texts]), again, atol=1e-5)
    more = dict(texts, **{text_hash("Visits every 4 weeks."): "Visits every 4 weeks."})
    assert ensure_vectors(conn, embedder, more) == 1
    assert cached_vectors(conn, texts, "another-model@0") == {}


def test_query_embedding_is_the_batch_embedding(embedder: Embedder) -> None:
    # encode_query runs the model's modules directly; it must give exactly what encode gives,
    # for short questions, abbreviations and a text past the model's 256-token limit.
    texts = [
        "When must the first core group meet in Wokingham?",
        "ICPC timescale",
        "how often do I need to see a CIN kid",
        " ".join(["The social worker visits the child and records the visit."] * 60),
    ]
    batch = embedder.encode(texts, batch_size=1)
    for i, text in enumerate(texts):
        query = embedder.encode_query(text)
        assert query.shape == (1, embedder.dimension) and query.dtype == np.float32
        np.testing.assert_allclose(query[0], batch[i], rtol=0, atol=1e-6)


def test_queries_run_the_traced_encoder_with_the_models_own_vectors(embedder: Embedder) -> None:
    # The bundled model is traced for queries (Python overhead off the user's wait); the trace must
    # give the vectors the model's own modules give, for any length, truncation included.
    embedder.prepare_query()
    assert embedder.query_traced
    eager = embedder._eager_query_forward()
    for text in ["Section 47 enquiry", "Who chairs the initial child protection conference in Leeds?",
                 " ".join(["A visit is recorded within three working days of it."] * 70)]:
        np.testing.assert_allclose(embedder.encode_query(text), eager(text), rtol=0, atol=1e-5)


def test_loading_and_the_first_query_print_nothing(tmp_path) -> None:
    """A CLI user sees answers, not transformers' warnings about training losses or its
    weight-loading progress bar (a fresh process: the shared test embedder is loaded already)."""
    import subprocess
    import sys

    script = (
        "from index.embedder import load_embedder\n"
        "from ingest.settings import load_settings\n"
        "load_embedder(load_settings()).encode_query('how often is the core group held?')\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STANDARDS_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "" and done.stdout.strip() == ""
