"""The short ways the evidence scorer computes things give exactly what the long ways gave.

A candidate's score is a weighted sum over every feature (an absent one is 0); a phrase is found
only inside one run of words, never across two; a share of query groups is the same float
whether each group is looked up there and then or from flags worked out before.
"""

from __future__ import annotations

import random

from service.evidence import (
    DEFAULT_WEIGHTS,
    FEATURES,
    QueryGroup,
    Weights,
    _share,
    _share_of,
    content_run,
    words_of,
)


def _long_score(weights: Weights, features: dict[str, float]) -> float:
    return sum(getattr(weights, name) * features.get(name, 0.0) for name in FEATURES)


def test_score_is_the_sum_over_every_feature_an_absent_one_counting_zero() -> None:
    rng = random.Random(7)
    weights = Weights(**{name: rng.uniform(-2, 2) for name in FEATURES}, threshold=0.1, show_margin=0.05)
    for weights_used in (weights, DEFAULT_WEIGHTS):
        for _ in range(500):
            present = rng.sample(FEATURES, rng.randint(1, len(FEATURES)))
            features = {name: rng.choice([0.0, 1.0, 0.5, rng.random()]) for name in present}
            assert weights_used.score(features) == _long_score(weights_used, features)


def test_a_phrase_is_found_within_one_run_never_across_two() -> None:
    # Written for this test: a heading and the line under it are separate texts.
    heading = words_of(["Meetings with the allotment warden"])
    line = words_of(["Plots are inspected twice a season; warden visits follow."])
    together = heading | line
    assert together.has_phrase(content_run(["allotment", "warden"]))
    # "warden" ends the heading and "plots" opens the line: not one phrase.
    assert not together.has_phrase(content_run(["warden", "plots"]))
    # A semicolon ends a run inside one text too.
    assert not line.has_phrase(content_run(["season", "warden"]))
    assert line.has_phrase(content_run(["warden", "visits"]))


def test_share_from_flags_is_the_same_float_as_looking_each_group_up() -> None:
    words = words_of(["The warden inspects each plot twice a season", "Allotment rules"])
    groups = [
        QueryGroup((frozenset({"warde"}),), 1.7),
        QueryGroup((frozenset({"plot"}),), 0.3, cohort=True),
        QueryGroup((frozenset({"seaso"}),), 2.9),
        QueryGroup((frozenset({"fence"}),), 1.1),
        QueryGroup((frozenset({"allot", "rule"}),), 0.7, phrases=(content_run(["allotment", "rules"]),)),
    ]
    flags = {id(g): g.found_in(words) for g in groups}
    assert _share_of(groups, flags) == _share(groups, words)
    subject = [g for g in groups if not g.cohort]
    assert _share_of(subject, flags) == _share(subject, words)
    assert 0.0 < _share(groups, words) < 1.0  # some found, "fence" not
