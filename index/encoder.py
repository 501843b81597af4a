"""A sentence-transformers BERT model folder run with ``tokenizers`` and ``torch`` alone.

Why not sentence-transformers: importing it (with transformers, scikit-learn, SciPy and SymPy
behind it) costs about 200 MB of resident memory and seconds of start-up in every process that
embeds, the server included, for a model that is six BERT layers, a mean over the tokens and a
normalisation. This module reads the folder the way sentence-transformers does and runs the same
operations in the same order, so the vectors are the same (``tests/index/test_encoder.py``
compares both on batches with padding and on single queries):

- ``modules.json`` must list a ``Transformer`` at the folder's root, then a ``Pooling`` module
  (its ``config.json``: mean, CLS or max over the tokens) and optionally ``Normalize``;
- ``config.json`` must describe a BERT encoder (``model_type`` ``bert``, absolute positions);
- ``tokenizer.json`` is the fast tokenizer; truncation comes from ``sentence_bert_config.json``'s
  ``max_seq_length`` (capped by the position table), padding is to the longest text of a batch;
  whatever padding or truncation the file itself stores is replaced, as transformers replaces it.

``read_folder`` raises ``UnsupportedModelError`` for any other folder; the caller then loads it
with sentence-transformers (``index.embedder.load_embedder``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 - torch's own name for it

TOKENIZER_FILE = "tokenizer.json"
# Module types of modules.json this encoder runs (sentence-transformers' class names).
_TRANSFORMER, _POOLING, _NORMALIZE = "Transformer", "Pooling", "Normalize"
# Pooling modes of a Pooling config this encoder runs, by their config key.
_POOLING_KEYS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max"}


class UnsupportedModelError(ValueError):
    """The folder holds a model this encoder does not run (say what, so the caller can log it)."""


@dataclass(frozen=True)
class FolderSpec:
    """What a sentence-transformers folder says about how to embed a text."""

    config: dict[str, Any]
    pooling: str
    normalize: bool
    max_seq_length: int
    dimension: int
    lowercase: bool = False


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnsupportedModelError(f"{path.name} is missing or unreadable: {exc}") from exc


def read_folder(model_dir: Path) -> FolderSpec:
    """The embedding recipe of ``model_dir``; ``UnsupportedModelError`` if it is not one this
    module runs (see the module docstring)."""
    modules = _read_json(model_dir / "modules.json")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != [_TRANSFORMER, _POOLING] or any(k != _NORMALIZE for k in kinds[2:]) \
            or modules[0].get("path", "") not in ("", "."):
        raise UnsupportedModelError(f"modules {kinds} are not Transformer, Pooling[, Normalize]")
    config = _read_json(model_dir / "config.json")
    if config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute" \
            or config.get("hidden_act", "gelu") != "gelu" or config.get("is_decoder"):
        raise UnsupportedModelError(f"model type {config.get('model_type')!r} is not a BERT encoder")
    pooling_config = _read_json(model_dir / modules[1]["path"] / "config.json")
    modes = [mode for key, mode in _POOLING_KEYS.items() if pooling_config.get(key)]
    others = [k for k, v in pooling_config.items() if k.startswith("pooling_mode") and v and k not in _POOLING_KEYS]
    if len(modes) != 1 or others or pooling_config.get("include_prompt", True) is False:
        raise UnsupportedModelError(f"pooling {pooling_config} is not one of mean, CLS or max alone")
    st_config = {}
    if (model_dir / "sentence_bert_config.json").is_file():
        st_config = _read_json(model_dir / "sentence_bert_config.json")
    positions = int(config["max_position_embeddings"])
    # sentence-transformers' limit: max_seq_length, else the tokenizer's model_max_length, never
    # past the position table.
    tokenizer_config = {}
    if (model_dir / "tokenizer_config.json").is_file():
        tokenizer_config = _read_json(model_dir / "tokenizer_config.json")
    limit = st_config.get("max_seq_length") or tokenizer_config.get("model_max_length") or positions
    max_len = min(int(limit), positions)
    if not (model_dir / TOKENIZER_FILE).is_file():
        raise UnsupportedModelError(f"no {TOKENIZER_FILE} (a fast tokenizer) in the folder")
    return FolderSpec(config=config, pooling=modes[0], normalize=_NORMALIZE in kinds[2:], max_seq_length=max_len,
                      dimension=int(config["hidden_size"]), lowercase=bool(st_config.get("do_lower_case")))


# --- the BERT encoder (module names follow the weights' keys, so they load by name) -------------
class _Embeddings(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c.get("pad_token_id", 0))
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, ids: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        # The order of the sums is transformers' (words + types, then + positions): float sums
        # in another order differ in the last bits.
        x = self.word_embeddings(ids) + self.token_type_embeddings(types)
        x = x + self.position_embeddings(positions)
        return self.LayerNorm(x)


class _SelfAttention(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.heads = int(c["num_attention_heads"])
        self.head_size = int(c["hidden_size"]) // self.heads
        self.scale = self.head_size ** -0.5
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        shape = (x.shape[0], x.shape[1], self.heads, self.head_size)
        q = self.query(x).view(shape).transpose(1, 2)
        k = self.key(x).view(shape).transpose(1, 2)
        v = self.value(x).view(shape).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0, scale=self.scale, is_causal=False)
        return out.transpose(1, 2).contiguous().reshape(x.shape[0], x.shape[1], -1).contiguous()


class _Dense(nn.Module):
    """A linear map, then LayerNorm of it plus the residual (BERT's output blocks)."""

    def __init__(self, c: dict[str, Any], inputs: int) -> None:
        super().__init__()
        self.dense = nn.Linear(inputs, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _Dense(c, c["hidden_size"])


class _Intermediate(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])


class _Layer(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _Dense(c, c["intermediate_size"])

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = self.attention.output(self.attention.self(x, mask), x)
        return self.output(F.gelu(self.intermediate.dense(x)), x)


class _Encoder(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(int(c["num_hidden_layers"])))


class Bert(nn.Module):
    """A BERT encoder: token ids (and token types, attention mask) to the last hidden states."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)

    def forward(self, ids: torch.Tensor, types: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden states (batch, tokens, hidden). ``mask`` (batch, tokens) of 1/0; None: no padding."""
        x = self.embeddings(ids, torch.zeros_like(ids) if types is None else types)
        attend = None
        if mask is not None:
            # A padded key is hidden from every query, as transformers' bidirectional SDPA mask
            # does: boolean, one (tokens x tokens) plane per text, broadcast over the heads.
            n = ids.shape[1]
            attend = mask.bool()[:, None, None, :].expand(ids.shape[0], 1, n, n).contiguous()
        for layer in self.encoder.layer:
            x = layer(x, attend)
        return x


def load_bert(model_dir: Path, config: dict[str, Any]) -> Bert:
    """The BERT of ``model_dir`` with its ``model.safetensors`` weights (every weight must load)."""
    from safetensors.torch import load_file

    state = load_file(str(model_dir / "model.safetensors"))
    # The pooler (next-sentence head) and the position-id buffer are not part of the encoder.
    state = {k.removeprefix("bert."): v for k, v in state.items()
             if not k.removeprefix("bert.").startswith("pooler.") and not k.endswith("position_ids")}
    model = Bert(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise UnsupportedModelError(f"weights do not fit a BERT: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model.eval()


def pool(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """One vector per text from its token vectors, over the tokens ``mask`` keeps (sentence-
    transformers' Pooling, in its order of operations)."""
    if mode == "cls":
        return hidden[:, 0]
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "max":
        return hidden.masked_fill(weights == 0, float("-inf")).max(dim=1).values
    total = (hidden * weights).sum(dim=1, dtype=hidden.dtype)
    return total / torch.clamp(weights.sum(dim=1, dtype=hidden.dtype), min=1e-9)


class SentenceEncoder:
    """Texts to sentence vectors the way the folder's modules say (tokenise, BERT, pool, normalise)."""

    def __init__(self, model_dir: Path, spec: FolderSpec) -> None:
        from tokenizers import Tokenizer

        self.spec = spec
        self.tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        pad_id = int(spec.config.get("pad_token_id", 0))
        pad_token = self.tokenizer.id_to_token(pad_id) or "[PAD]"
        self.tokenizer.enable_truncation(max_length=spec.max_seq_length, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)  # to the batch's longest
        self.bert = load_bert(model_dir, spec.config)

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """Token ids, token types and attention mask, padded to the longest of ``texts``."""
        encodings = self.tokenizer.encode_batch([t.lower() for t in texts] if self.spec.lowercase else texts)
        return {
            "input_ids": torch.tensor([e.ids for e in encodings], dtype=torch.long),
            "token_type_ids": torch.tensor([e.type_ids for e in encodings], dtype=torch.long),
            "attention_mask": torch.tensor([e.attention_mask for e in encodings], dtype=torch.long),
        }

    def embed(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        """Sentence vectors of tokenised texts (normalised when the folder has a Normalize module)."""
        mask = features["attention_mask"]
        hidden = self.bert(features["input_ids"], features["token_type_ids"], None if bool(mask.all()) else mask)
        vectors = pool(hidden, mask, self.spec.pooling)
        return F.normalize(vectors, p=2, dim=-1) if self.spec.normalize else vectors
