"""`standards eval fit-answer`: fit the answer layer's weights and its abstention threshold.

Only development questions may be used (eval/qa-dev.jsonl and ../shared/eval/qa-open-dev.jsonl
over the shipped corpus): other authorities' questions and the private halves measure how well
the answer layer generalises, so fitting on them would hide exactly what they measure.

1. Every development question is read and its candidate sentences gathered as ``ask`` does;
   each expected authority's candidates are labelled: a sentence is right when it is part of
   the gold quote (or contains it).
2. Weights: coordinate ascent over a coarse grid (``GRID``), ``sentence_similarity`` held at 1
   to fix the scale, maximising how many expected answers are right (a right sentence ranked
   first among those that can answer: with a figure, for a timescale question) at the threshold
   step 3 would choose; ties go to more right sentences first overall, then the smaller
   weights, then the better mean reciprocal rank.
3. Threshold: the one keeping the most right answers while the precision of the answers given
   (right / right + wrong + unanswerable answered) stays at ``PRECISION_TARGET`` or above and no
   development question the standards do not answer is answered (issue 10: no unanswerable
   question is answered with a figure), set halfway to the next lower score.
4. Show margin: the smallest margin (``SHOW_MARGINS``) within which a second sentence stated
   beside the best brings the most right sentences into the answer.
The precision/recall table of step 3 is printed, and ``--write`` stores the weights with this
provenance in ``service/answer_weights.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ingest.normalise import plain_text
from service.evaluate_qa import load_gold
from service.evidence import FEATURES, WEIGHTS_PATH, Weights, gather
from service.question import understand

# Values tried for each weight (penalties may go negative; a feature may also be switched off).
GRID = (-2.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0)
# Passes of coordinate ascent (it converges in two or three on the development set).
PASSES = 4
# Extra starting points (random over the grid, fixed seed: the fit is reproducible); coordinate
# ascent stops at the first local optimum, and a few restarts find a better one.
RESTARTS = 12
SEED = 20261201
# A sentence shorter than this is too little to call part of a gold quote on its own.
MIN_LABEL_CHARS = 12
# Precision the abstention threshold must keep on the development questions: of the answers
# given (every expected authority answer, right when a right sentence is among its statements,
# and every question the standards do not answer), this share must be right. The value is
# issue 10's bar for the development questions (at least 0.95 on qa-dev): a threshold that lets
# more than one answer in twenty be wrong where it was chosen cannot meet that bar.
PRECISION_TARGET = 0.95
# Development questions the standards do not answer that the threshold may let through: none.
# Issue 10's measure is that no unanswerable question is answered with a figure, and a guessed
# figure is the one failure the ground rules forbid outright. It costs the right answers scored
# below the hardest such question (one of 70 on the development sets at this fit).
UNANSWERABLE_ANSWERED_MAX = 0


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", plain_text(text)).strip().lower()


@dataclass
class Example:
    """One authority's candidates for one development question, with their features and labels."""

    id: str
    authority: str
    answerable: bool
    features: np.ndarray  # candidates x FEATURES
    answering: np.ndarray  # bool: may answer (has a figure, for a timescale question)
    right: np.ndarray  # bool: part of the gold quote


def collect(state: Any, gold_paths: list[Path]) -> list[Example]:
    """Candidates and labels for every development question (history sent with follow-ups)."""
    examples: list[Example] = []
    for path in gold_paths:
        for item in load_gold(Path(path)):
            question = understand(item["question"], state.resolver, state.taxonomy, history=item.get("history"))
            expected = {e["authority"]: _fold(e["quote"]) for e in item.get("expected") or []}
            scope = list(expected) or question.authorities or state.authorities()
            evidence = gather(state, question, scope)
            for authority in scope:
                cands = evidence.by_authority.get(authority, [])
                quote = expected.get(authority)
                feats = np.array([[c.features.get(f, 0.0) for f in FEATURES] for c in cands], dtype=np.float64)
                feats = feats.reshape(len(cands), len(FEATURES))
                answering = np.array([c.can_answer(question) for c in cands], dtype=bool)
                right = np.array([
                    bool(quote) and (quote in _fold(c.row.text) or (
                        len(_fold(c.row.text)) >= MIN_LABEL_CHARS and _fold(c.row.text) in quote))
                    for c in cands
                ], dtype=bool)
                examples.append(Example(item["id"], authority, quote is not None, feats, answering, right))
    return examples


def _tops(examples: list[Example], w: np.ndarray, margin: float = 0.0) -> list[tuple[float, bool, float, bool]]:
    """Per example: (top answering score, top is right, reciprocal rank of the first right one,
    a right sentence is among the statements shown: the top one and up to ``MAX_STATEMENTS``
    within ``margin`` of it, as ``ask`` states them)."""
    from service.answer import MAX_STATEMENTS

    out = []
    for ex in examples:
        if not ex.answering.any():
            out.append((-np.inf, False, 0.0, False))
            continue
        scores = np.where(ex.answering, ex.features @ w, -np.inf)
        order = np.argsort(-scores, kind="stable")
        top = order[0]
        rr = 0.0
        for rank, i in enumerate(order):
            if not ex.answering[i]:
                break
            if ex.right[i]:
                rr = 1.0 / (1 + rank)
                break
        shown = any(ex.right[i] for i in order[:MAX_STATEMENTS] if scores[i] >= scores[top] - margin)
        out.append((float(scores[top]), bool(ex.right[top]), rr, bool(shown)))
    return out


def _cut(examples: list[Example], tops: list[tuple[float, bool, float, bool]]) -> tuple[int, float, float]:
    """(right answers kept, lowest score answered, next lower score) at the threshold that keeps
    the most right answers while their precision stays at ``PRECISION_TARGET`` and at most
    ``UNANSWERABLE_ANSWERED_MAX`` unanswerable questions are answered (of equals, the
    highest: nothing more is wrong for nothing more right), walking down the top scores and
    answering each in turn. An answer is right when a right sentence is among its statements;
    as in ``threshold_table``, a question the standards do not answer counts once, however many
    authorities' candidates it has above the threshold."""
    order = sorted(((t[0], e) for e, t in zip(examples, tops, strict=True) if np.isfinite(t[0])),
                   key=lambda p: -p[0])
    hits = {id(e): t[3] for e, t in zip(examples, tops, strict=True)}
    best = (0, np.inf, np.inf)
    right = given = 0
    unanswered_ids: set[str] = set()
    for i, (score, ex) in enumerate(order):
        if ex.answerable:
            given += 1
            right += hits[id(ex)]
        elif ex.id not in unanswered_ids:
            unanswered_ids.add(ex.id)
            given += 1
        lower = order[i + 1][0] if i + 1 < len(order) else -np.inf
        if score == lower:  # a threshold cannot split equal scores
            continue
        if len(unanswered_ids) > UNANSWERABLE_ANSWERED_MAX:
            break  # every lower threshold answers this question too
        if right / given >= PRECISION_TARGET and right > best[0]:
            best = (right, score, lower)
    return best


def _objective(examples: list[Example], w: np.ndarray, margin: float) -> tuple[int, int, float, float]:
    """(right answers kept at the precision-target threshold, right sentences first, -L1 of w,
    their MRR sum).

    Among weights that get as many answers right, the smaller ones win before the finer ranking
    measure: many weightings tie on a development set this size, and the simplest carries best.
    """
    tops = _tops(examples, w, margin)
    answerable = [t for e, t in zip(examples, tops, strict=True) if e.answerable]
    return (_cut(examples, tops)[0], sum(t[1] for t in answerable), -float(np.abs(w).sum()),
            sum(t[2] for t in answerable))


def _ascend(examples: list[Example], w: np.ndarray, free: frozenset[str], margin: float) -> tuple[np.ndarray, tuple]:
    best = _objective(examples, w, margin)
    for _ in range(PASSES):
        improved = False
        for j, name in enumerate(FEATURES):
            if name == "sentence_similarity" or name not in free:
                continue
            for value in GRID:
                trial = w.copy()
                trial[j] = value
                got = _objective(examples, trial, margin)
                if got > best:
                    best, w, improved = got, trial, True
        if not improved:
            break
    return w, best


def fit_weights(
    examples: list[Example], start: Weights, free: Iterable[str] | None = None
) -> tuple[Weights, tuple[int, int, float, float]]:
    """Coordinate ascent over ``GRID`` (``sentence_similarity`` fixed at 1) from ``start`` and from
    ``RESTARTS`` starting points drawn from the grid with a fixed seed (reproducible); the best wins.

    ``free``: the only weights that may move (the rest keep ``start``'s values); all by default.
    """
    movable = frozenset(free) if free is not None else frozenset(FEATURES)
    rng = np.random.default_rng(SEED)
    first = start.vector()
    first[FEATURES.index("sentence_similarity")] = 1.0
    starts = [first]
    for _ in range(RESTARTS):
        w = first.copy()
        for j, name in enumerate(FEATURES):
            if name in movable and name != "sentence_similarity":
                w[j] = rng.choice(GRID)
        starts.append(w)
    w, best = max((_ascend(examples, s, movable, start.show_margin) for s in starts), key=lambda pair: pair[1])
    return replace(start, **{name: float(w[i]) for i, name in enumerate(FEATURES)}), best


@dataclass
class ThresholdRow:
    """Outcome of one threshold on the development questions."""

    threshold: float
    right: int  # expected answers given with a right sentence
    wrong: int  # expected answers given with a wrong sentence
    withheld: int  # expected answers withheld (abstained)
    unanswerable_answered: int  # questions the standards do not answer, answered anyway

    @property
    def precision(self) -> float:
        given = self.right + self.wrong + self.unanswerable_answered
        return self.right / given if given else 1.0

    def recall(self, answerable: int) -> float:
        return self.right / answerable if answerable else 0.0


def threshold_table(examples: list[Example], weights: Weights) -> tuple[list[ThresholdRow], int]:
    """Every distinct top score tried as the threshold; (rows high to low, answerable count). An
    expected answer is right when a right sentence is among its statements (``show_margin``)."""
    w = weights.vector()
    tops = _tops(examples, w, weights.show_margin)
    pairs = [(e, t[0], t[3]) for e, t in zip(examples, tops, strict=True)]
    answerable = sum(1 for e in examples if e.answerable)
    cuts = sorted({s for _, s, _ in pairs if np.isfinite(s)}, reverse=True)
    rows = []
    for t in cuts + [cuts[-1] - 1 if cuts else 0.0]:
        right = sum(1 for e, s, hit in pairs if e.answerable and s >= t and hit)
        wrong = sum(1 for e, s, hit in pairs if e.answerable and s >= t and not hit)
        unans = {e.id for e, s, _ in pairs if not e.answerable and s >= t}
        rows.append(ThresholdRow(t, right, wrong, answerable - right - wrong, len(unans)))
    return rows, answerable


def choose_threshold(examples: list[Example], weights: Weights) -> float:
    """The threshold keeping the most right answers at ``PRECISION_TARGET`` on the development
    questions (``_cut``), halfway between the lowest score it answers and the next lower one (at
    that score when nothing is lower; above every score when no threshold keeps the target)."""
    tops = _tops(examples, weights.vector(), weights.show_margin)
    _, lowest, lower = _cut(examples, tops)
    if not np.isfinite(lowest):
        return float(np.nextafter(max((t[0] for t in tops), default=0.0), np.inf))
    return lowest if not np.isfinite(lower) else (lowest + lower) / 2


# Margins tried for stating a second sentence beside the best (score units).
SHOW_MARGINS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def choose_show_margin(examples: list[Example], weights: Weights, max_statements: int) -> tuple[float, int]:
    """The smallest margin under which the most expected answers have a right sentence among the
    statements shown (the best above the threshold, and up to ``max_statements`` within the margin)."""
    w = weights.vector()
    best: tuple[int, float] = (-1, 0.0)
    for margin in SHOW_MARGINS:
        found = 0
        for ex in examples:
            if not ex.answerable or not ex.answering.any():
                continue
            scores = np.where(ex.answering, ex.features @ w, -np.inf)
            order = np.argsort(-scores, kind="stable")
            if scores[order[0]] < weights.threshold:
                continue
            shown = [i for i in order[:max_statements] if scores[i] >= scores[order[0]] - margin]
            found += any(ex.right[i] for i in shown)
        if found > best[0]:
            best = (found, margin)
    return best[1], best[0]


def write_weights(weights: Weights, provenance: str, path: Path = WEIGHTS_PATH) -> None:
    """Store the weights and how they were fit."""
    header = ("# Weights of the answer layer's sentence features (service/evidence.py: FEATURES) and the\n"
              "# abstention threshold. Written by `standards eval fit-answer`; see the provenance below.\n")
    body = yaml.safe_dump({"provenance": provenance, "weights": {k: round(v, 4) for k, v in weights.as_dict().items()}},
                          sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + body, encoding="utf-8")


def run_fit(state: Any, gold_paths: list[Path], start: Weights, free: Iterable[str] | None = None) -> dict:
    """Fit weights (only ``free`` ones, when given) and threshold; return the report (weights,
    objective, table)."""
    examples = collect(state, gold_paths)
    weights, (_, hits, _, mrr) = fit_weights(examples, start, free)
    rows, answerable = threshold_table(examples, weights)
    weights = replace(weights, threshold=round(choose_threshold(examples, weights), 4))
    from service.answer import MAX_STATEMENTS

    margin, shown_right = choose_show_margin(examples, weights, MAX_STATEMENTS)
    weights = replace(weights, show_margin=margin)
    # The outcome of the chosen threshold is that of the lowest tried threshold at or above it.
    chosen = next((r for r in reversed(rows) if r.threshold >= weights.threshold), rows[0] if rows else None)
    return {
        "weights": weights,
        "examples": len(examples),
        "answerable": answerable,
        "top1": hits,
        "mrr": mrr / answerable if answerable else 0.0,
        "table": rows,
        "chosen": chosen,
        "provenance": (
            f"fit {date.today().isoformat()} by `standards eval fit-answer` "
            + (f"(only {', '.join(sorted(free))} free; the other weights as before) " if free else "")
            + "on "
            + ", ".join(str(p) for p in gold_paths)
            + f" over the shipped corpus: a right sentence ranked first for {hits} of {answerable} expected "
            f"answers; threshold {weights.threshold} (the most right answers at precision {PRECISION_TARGET} or above, "
            + ("answering none" if UNANSWERABLE_ANSWERED_MAX == 0 else f"answering at most {UNANSWERABLE_ANSWERED_MAX}")
            + " of the questions the standards do not answer) answers "
            + (f"{chosen.right} right, {chosen.wrong} wrong, {chosen.unanswerable_answered} unanswerable"
               if chosen else "nothing")
            + f"; with a second statement within {margin} of the best, {shown_right} expected answers are among"
            " the statements"
        ),
    }
