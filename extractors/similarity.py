"""Topic and anchor by meaning: the duty's words against the taxonomy's definitions.

Synonyms name a topic only in the words someone listed; a duty worded any other way ("log the
outcome of the meeting with the family") still means something the taxonomy defines. Here the
duty's action (verb + object, with its cohort) is embedded with the caller's model and compared
with each topic's name and definition, and an anchor phrase with each canonical anchor event.

Extraction must not import ``index/``: callers pass ``encode(texts) -> np.ndarray`` (rows
L2-normalised, as ``index.embedder.Embedder.encode`` returns). Vectors of the taxonomy's
texts are computed once per model and taxonomy and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from extractors.taxonomy import Taxonomy

Encode = Callable[[Sequence[str]], np.ndarray]

# Cosine similarity (all-MiniLM-L6-v2) at or above which the best topic definition names a
# duty whose words name no topic. Calibrated with `standards eval calibrate` on the development
# labels (eval/obligations-dev.jsonl, 83 gold obligations, December 2026): ranking every gold
# duty's core words against the definitions, 0.60 maximises right minus wrong decisions (29 right,
# 5 wrong; 0.50 gives 34/22, 0.70 gives 11/3). Below it the topic is left None (the duty keeps its
# action text and stays searchable and answerable).
TOPIC_SIMILARITY_THRESHOLD = 0.6
# When the core words place no topic, the whole sentence may: its best topic names the duty at
# or above 0.50 cosine, and only when it beats the runner-up by at least 0.05. Same calibration
# data (`standards eval calibrate`, 83 gold obligations): the sentence alone at 0.50 with a 0.05
# margin is 44 right, 9 wrong; behind the core words at 0.60 the pair is 51 right, 11 wrong, against
# 31 right, 5 wrong for the core words alone. Without the margin the sentence is 52 right, 21 wrong.
SENTENCE_TOPIC_THRESHOLD = 0.5
SENTENCE_TOPIC_MARGIN = 0.05
# Cosine similarity at or above which an anchor phrase the taxonomy does not list is the
# canonical anchor event it is closest to ("the child's accommodation" -> "child coming into
# care"); below it the phrase as written is kept. Same calibration run (21 gold anchors): 0.45 is
# the most cautious threshold with the best right-minus-wrong (18 right, 3 wrong).
ANCHOR_SIMILARITY_THRESHOLD = 0.45

_CACHE: dict[tuple[int, str], tuple[list[str], np.ndarray]] = {}


def _owner(encode: Encode) -> int:
    """A stable identity for ``encode`` (a bound method is a new object on every access)."""
    return id(getattr(encode, "__self__", encode))


def topic_texts(tax: Taxonomy) -> tuple[list[str], list[str]]:
    """(names, texts): each topic's name with its definition and first synonyms, as embedded."""
    names, texts = [], []
    for t in tax.topics.values():
        synonyms = ", ".join(s for s in t.synonyms[:4] if s.lower() != t.name.lower())
        names.append(t.name)
        texts.append(f"{t.name}: {t.definition}" + (f" ({synonyms})" if synonyms else ""))
    return names, texts


def anchor_texts(tax: Taxonomy) -> tuple[list[str], list[str]]:
    """(names, texts): each canonical anchor event with its synonyms."""
    names, texts = [], []
    for a in tax.anchors.values():
        names.append(a.name)
        texts.append(", ".join(dict.fromkeys([a.name, *a.synonyms[:5]])))
    return names, texts


def _vectors(kind: str, tax: Taxonomy, encode: Encode) -> tuple[list[str], np.ndarray]:
    key = (_owner(encode), f"{kind}:{id(tax)}")
    if key not in _CACHE:
        names, texts = topic_texts(tax) if kind == "topics" else anchor_texts(tax)
        _CACHE[key] = (names, np.asarray(encode(texts), dtype=np.float32))
    return _CACHE[key]


def rank(kind: str, queries: list[str], tax: Taxonomy, encode: Encode) -> list[list[tuple[str, float]]]:
    """For each query, the taxonomy's ``kind`` ("topics" / "anchors") by cosine similarity, best first."""
    if not queries:
        return []
    names, matrix = _vectors(kind, tax, encode)
    q = np.asarray(encode(queries), dtype=np.float32)
    sims = q @ matrix.T
    out = []
    for row in sims:
        order = np.argsort(-row)
        out.append([(names[i], float(row[i])) for i in order])
    return out
