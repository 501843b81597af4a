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


def _scored(name: str, score: float, answerable: bool, right: bool) -> Example:
    # One candidate whose score is its sentence similarity (the only weight at 1).
    feats = np.zeros((1, len(FEATURES)))
    feats[0, FEATURES.index("sentence_similarity")] = score
    return Example(name, "A", answerable, feats, np.array([True]), np.array([right]))


def test_the_threshold_keeps_the_precision_target_and_answers_no_unanswerable_question() -> None:
    from service.answer_fit import PRECISION_TARGET, choose_threshold, threshold_table

    weights = Weights(sentence_similarity=1.0)
    # Nineteen right answers from 0.50 to 0.86; one unanswerable question scoring 0.61 (among
    # them); below them two wrong answers and one more unanswerable question.
    examples = [_scored(f"r{i}", 0.50 + 0.02 * i, True, True) for i in range(19)]
    examples += [_scored("u-hard", 0.61, False, False),
                 _scored("w1", 0.45, True, False), _scored("w2", 0.44, True, False),
                 _scored("u-easy", 0.30, False, False)]
    threshold = choose_threshold(examples, weights)
    # Precision alone (one wrong in twenty) would go down to 0.50 and answer u-hard: it stops above it.
    assert 0.61 < threshold <= 0.62
    rows, _ = threshold_table(examples, weights)
    kept = next(r for r in reversed(rows) if r.threshold >= threshold)
    assert kept.unanswerable_answered == 0 and kept.precision >= PRECISION_TARGET and kept.right == 13
    # Every lower threshold answers an unanswerable question.
    assert all(r.unanswerable_answered > 0 for r in rows if r.threshold < threshold)
