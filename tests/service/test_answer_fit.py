"""The answer layer's weight fit: ``--free`` moves only the weights named."""

from __future__ import annotations

import numpy as np

from service.answer_fit import Example, fit_weights
from service.evidence import FEATURES, Weights


def _example(name: str, right_first: bool) -> Example:
    # Two candidates: the right one has the named feature, the wrong one has higher similarity.
    feats = np.zeros((2, len(FEATURES)))
    feats[0, FEATURES.index("sentence_similarity")] = 0.5
    feats[0, FEATURES.index("kind_match")] = 1.0 if right_first else 0.0
    feats[1, FEATURES.index("sentence_similarity")] = 0.7
    feats[1, FEATURES.index("topic_other")] = 1.0
    return Example(name, "A", True, feats, np.array([True, True]), np.array([True, False]))


def test_fit_moves_only_free_weights() -> None:
    start = Weights(sentence_similarity=1.0, lexical_sentence=0.5, topic_other=0.0)
    examples = [_example(f"q{i}", True) for i in range(3)]
    fitted, _ = fit_weights(examples, start, free=["kind_match"])
    # The right sentence needs kind_match > 0.2 to rank first; nothing else may change.
    assert fitted.kind_match > 0.2
    for name in FEATURES:
        if name != "kind_match":
            assert getattr(fitted, name) == getattr(start, name), name
    free_all, _ = fit_weights(examples, start)
    assert free_all.lexical_sentence == 0.0  # unused by every candidate: the L1 tie-break drops it
