"""The model folder run without sentence-transformers gives sentence-transformers' vectors.

Stored vectors are cached under the model id alone, so the encoder that replaced
sentence-transformers must give the same bytes for the same batches, padding included; queries
(never stored) must agree to float precision. sentence-transformers is imported by these tests
only, as the reference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from index_helpers import make_settings

from index.embedder import Embedder, default_model_dir, load_embedder
from index.encoder import SentenceEncoder, UnsupportedModelError, read_folder

# Mixed lengths (so batches are padded), case, accents, stray spaces, and one text far past the
# model's token limit (truncation).
TEXTS = [
    "Which team reviews a placement plan after the first month?",
    "  Reviews   happen twice a YEAR  ",
    "carer",
    "Café visits and naïve questions from a résumé reader",
    "A duty officer decides within one working day whether a referral needs an assessment.",
    "Notes are written up the same week.",
    " ".join(["The key worker rings the family before every home visit and writes down what they agree."] * 40),
    "Who signs off a respite break?",
    "Minutes of the planning meeting go to everyone invited, including those who could not attend.",
    "Escalation goes to the service manager",
]


@pytest.fixture(scope="module")
def reference():
    """sentence-transformers' own loading of the bundled folder (the reference, tests only)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(default_model_dir()), device="cpu")


def test_the_bundled_folder_runs_without_sentence_transformers(embedder: Embedder) -> None:
    assert isinstance(embedder.model, SentenceEncoder)
    spec = embedder.model.spec
    # What the folder's files say: mean pooling, a Normalize module, 256 tokens, 384 dimensions.
    assert (spec.pooling, spec.normalize, spec.max_seq_length, spec.dimension) == ("mean", True, 256, 384)


@pytest.mark.parametrize("batch_size", [64, 3])
def test_batches_are_byte_identical_to_sentence_transformers(embedder: Embedder, reference, batch_size: int) -> None:
    import torch

    # Embedder.encode runs a batch of 8 or more on every core, as it did with sentence-transformers:
    # the reference runs on as many threads (a matrix product split otherwise sums in another order).
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        expected = reference.encode(TEXTS, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True)
    finally:
        torch.set_num_threads(1)
    got = embedder.encode(TEXTS, batch_size=batch_size)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert got.tobytes() == np.ascontiguousarray(expected, dtype=np.float32).tobytes()


def test_single_queries_equal_sentence_transformers(embedder: Embedder, reference) -> None:
    for text in TEXTS:
        expected = reference.encode([text], convert_to_numpy=True, normalize_embeddings=True)
        np.testing.assert_allclose(embedder.encode_query(text), expected, rtol=0, atol=1e-6)


def test_tokens_equal_sentence_transformers(embedder: Embedder, reference) -> None:
    expected = reference.preprocess(TEXTS)
    got = embedder.model.tokenize(TEXTS)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert got[key].tolist() == expected[key].tolist(), key
    assert got["input_ids"].shape[1] == 256  # the long text is cut at the folder's max_seq_length


def _copy_with_pooling(tmp_path: Path, **pooling: bool) -> Path:
    """The bundled folder with another pooling config (weights linked, not copied)."""
    folder = tmp_path / "model"
    folder.mkdir()
    for item in default_model_dir().iterdir():
        if item.is_file():
            (folder / item.name).symlink_to(item)
    (folder / "1_Pooling").mkdir()
    config = json.loads((default_model_dir() / "1_Pooling" / "config.json").read_text())
    config.update({k: False for k in config if k.startswith("pooling_mode")}, **pooling)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))
    return folder


def test_cls_pooling_follows_the_folder(tmp_path, reference) -> None:
    folder = _copy_with_pooling(tmp_path, pooling_mode_cls_token=True)
    own = load_embedder(make_settings(tmp_path, model_path=str(folder)))
    assert isinstance(own.model, SentenceEncoder) and own.model.spec.pooling == "cls"
    from sentence_transformers import SentenceTransformer

    expected = SentenceTransformer(str(folder), device="cpu").encode(
        TEXTS, convert_to_numpy=True, normalize_embeddings=True)
    np.testing.assert_allclose(own.encode(TEXTS), expected, rtol=0, atol=1e-6)
    mean = reference.encode(TEXTS[:1], convert_to_numpy=True, normalize_embeddings=True)
    assert float(np.abs(own.encode(TEXTS[:1]) - mean).max()) > 1e-3  # the pooling did change


def test_a_folder_the_encoder_does_not_run_is_loaded_with_sentence_transformers(tmp_path) -> None:
    folder = _copy_with_pooling(tmp_path, pooling_mode_weightedmean_tokens=True)
    with pytest.raises(UnsupportedModelError, match="pooling"):
        read_folder(folder)
    fallback = load_embedder(make_settings(tmp_path, model_path=str(folder)))
    assert type(fallback.model).__name__ == "SentenceTransformer"
    vectors = fallback.encode(TEXTS[:3])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embedding_a_query_imports_neither_sentence_transformers_nor_transformers(tmp_path) -> None:
    """What a server loads: the model and a query, with none of the ~200 MB of libraries."""
    script = (
        "import sys\n"
        "from index.embedder import load_embedder\n"
        "from ingest.settings import load_settings\n"
        "e = load_embedder(load_settings())\n"
        "e.encode_query('who keeps the minutes?'); e.encode(['a', 'bb', 'ccc'] * 4)\n"
        "print(sorted(m for m in ('sentence_transformers', 'transformers', 'sklearn', 'scipy', 'sympy')"
        " if m in sys.modules))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STANDARDS_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_folder_without_a_fast_tokenizer_is_not_run_by_the_encoder(tmp_path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(default_model_dir(), folder, ignore=shutil.ignore_patterns("model.safetensors", "tokenizer.json"))
    with pytest.raises(UnsupportedModelError, match="tokenizer.json"):
        read_folder(folder)
