"""Retrieval evaluation: Recall@1/5/10 and MRR for BM25, dense and hybrid in one run.

Gold format: ``eval/SCHEMA.md`` (questions). How a question is scored:

* Each ``expected`` entry (authority, quote) is one *target*. A single-authority question
  has one target; a compare question has one per authority it must cover. Unanswerable
  questions (no expected entries) have no target and are not scored here.
* A target is searched the way the answering stage searches for it: the question text,
  filtered to the target's authority (a compare question is answered authority by
  authority). So "Recall@5" reads: for what share of the (question, authority) targets is
  a clause containing the gold quote among the first 5 results for that authority.
* A hit is a retrieved clause whose text contains the quote after whitespace folding (every
  run of whitespace -> one space); ``text`` and ``plain_text`` are both tried, since quotes
  keep the source's markup (``**10 working days**``).
* MRR is the mean over targets of 1/rank of the first hit within the first 10 (0 if none).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from index.records import SearchFilters
from index.search import MODES, Retriever
from ingest.errors import BadRequestError
from ingest.settings import Settings

KS = (1, 5, 10)
DEPTH = 10


def fold(text: str) -> str:
    """Whitespace folding: every run of whitespace becomes one space; ends trimmed."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Target:
    """One (question, authority, quote) to find."""

    question_id: str
    question: str
    kind: str
    authority: str
    quote: str


@dataclass
class TargetResult:
    target: Target
    rank: dict[str, int | None] = field(default_factory=dict)  # mode -> rank of first hit (1-based)


@dataclass
class ModeMetrics:
    recall: dict[int, float]
    mrr: float


@dataclass
class RetrievalReport:
    """Metrics per mode, per-target ranks, and gold quotes no current clause contains."""

    metrics: dict[str, ModeMetrics]
    results: list[TargetResult]
    unfindable: list[Target]
    questions: int
    skipped_unanswerable: int

    def table(self) -> str:
        """The metrics as a fixed-width text table."""
        head = f"{'mode':<8} " + " ".join(f"{'R@' + str(k):>6}" for k in KS) + f" {'MRR':>6}"
        lines = [head, "-" * len(head)]
        for mode, m in self.metrics.items():
            lines.append(f"{mode:<8} " + " ".join(f"{m.recall[k]:>6.3f}" for k in KS) + f" {m.mrr:>6.3f}")
        lines.append(
            f"{len(self.results)} targets from {self.questions} questions "
            f"({self.skipped_unanswerable} unanswerable not scored); "
            f"{len(self.unfindable)} gold quotes are in no current clause."
        )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "metrics": {m: {"recall": {str(k): v for k, v in x.recall.items()}, "mrr": x.mrr} for m, x in self.metrics.items()},
            "targets": [
                {"id": r.target.question_id, "authority": r.target.authority, "rank": r.rank} for r in self.results
            ],
            "unfindable": [{"id": t.question_id, "authority": t.authority, "quote": t.quote} for t in self.unfindable],
        }


def load_targets(gold_path: Path) -> tuple[list[Target], int, int]:
    """Targets of a question gold file, the number of questions, and of unanswerable ones."""
    targets: list[Target] = []
    questions = skipped = 0
    try:
        lines = gold_path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadRequestError(f"Cannot read the gold file {gold_path}: {exc.strerror or exc}.") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            expected = item["expected"]
            questions += 1
            if not expected:
                skipped += 1
                continue
            for e in expected:
                targets.append(Target(item["id"], item["question"], item.get("kind", ""), e["authority"], e["quote"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequestError(
                f"{gold_path}:{n} is not a question in the gold format (see eval/SCHEMA.md): {exc}."
            ) from exc
    return targets, questions, skipped


def is_hit(quote_folded: str, text: str, plain_text: str) -> bool:
    """Does a clause contain the (folded) quote?"""
    return quote_folded in fold(text) or quote_folded in fold(plain_text)


def evaluate_retrieval(
    conn: sqlite3.Connection,
    settings: Settings,
    gold_path: Path,
    retriever: Retriever | None = None,
    modes: tuple[str, ...] = MODES,
) -> RetrievalReport:
    """Run every target through every mode and compute Recall@1/5/10 and MRR."""
    retriever = retriever or Retriever(conn, settings)
    targets, questions, skipped = load_targets(gold_path)
    current = conn.execute("SELECT text, plain_text FROM clauses WHERE is_current = 1").fetchall()
    unfindable = [
        t for t in targets if not any(is_hit(fold(t.quote), r["text"], r["plain_text"]) for r in current)
    ]
    results: list[TargetResult] = []
    for t in targets:
        res = TargetResult(t)
        quote = fold(t.quote)
        filters = SearchFilters(authorities=[t.authority])
        for mode in modes:
            hits = retriever.search(t.question, k=DEPTH, filters=filters, mode=mode)  # type: ignore[arg-type]
            res.rank[mode] = next(
                (i for i, h in enumerate(hits, 1) if is_hit(quote, h.clause.text, h.clause.plain_text)), None
            )
        results.append(res)
    metrics: dict[str, ModeMetrics] = {}
    n = max(1, len(results))
    for mode in modes:
        ranks = [r.rank[mode] for r in results]
        metrics[mode] = ModeMetrics(
            recall={k: sum(1 for x in ranks if x is not None and x <= k) / n for k in KS},
            mrr=sum(1.0 / x for x in ranks if x is not None) / n,
        )
    return RetrievalReport(metrics, results, unfindable, questions, skipped)
