"""`standards eval qa`: score the ask service against a gold question set.

A question is correct when, for every expected authority, the answer contains one of the
expected values (numbers as digits or words, case-insensitive) and one cited clause's text
contains the gold quote (whitespace-folded). An unanswerable question is correct only when the
service abstained. See eval/SCHEMA.md for the file format.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import BadRequestError

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_COMPOUND = re.compile(r"\b(" + "|".join(_TENS) + r")[\s-](" + "|".join(_UNITS) + r")\b")
_SINGLE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")


def fold(text: str) -> str:
    """Collapse every run of whitespace to one space (the gold quotes' rule)."""
    return re.sub(r"\s+", " ", text).strip()


def normalise(text: str) -> str:
    """Lower case, number words as digits, markup and hyphens folded: for value matching."""
    text = text.lower().replace("**", "").replace("’", "'")
    text = _COMPOUND.sub(lambda m: str(_NUMBER_WORDS[m.group(1)] + _NUMBER_WORDS[m.group(2)]), text)
    text = _SINGLE.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), text)
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    return fold(text)


def contains_value(answer: str, value: str) -> bool:
    """Does ``answer`` state ``value`` ("4 weeks" matches "four weeks", not "14 weeks")?"""
    needle = normalise(value)
    return re.search(r"(?<![\w])" + re.escape(needle) + r"(?![\w])", normalise(answer)) is not None


@dataclass
class QAResult:
    """One question's outcome."""

    id: str
    kind: str
    question: str
    correct: bool
    abstained: bool
    answer: str
    reasons: list[str] = field(default_factory=list)


def score_answer(gold: dict, response: dict) -> QAResult:
    """Score one response against its gold line."""
    answer = response.get("answer", "")
    abstained = bool(response.get("abstained"))
    result = QAResult(gold["id"], gold["kind"], gold["question"], False, abstained, answer)
    if gold["kind"] == "unanswerable" or not gold.get("expected"):
        result.correct = abstained
        if not abstained:
            result.reasons.append("answered a question the standards do not answer")
        return result
    if abstained:
        result.reasons.append("abstained")
        return result
    texts = [fold(c.get("text", "")) for c in response.get("citations", [])]
    ok = True
    for exp in gold["expected"]:
        if not any(contains_value(answer, v) for v in exp["values"]):
            ok = False
            result.reasons.append(f"{exp['authority']}: none of {exp['values']} in the answer")
        quote = fold(exp["quote"])
        if not any(quote in t for t in texts):
            ok = False
            result.reasons.append(f"{exp['authority']}: no citation contains the quote “{exp['quote'][:80]}…”")
    result.correct = ok
    return result


def read_gold_lines(path: Path) -> list[str]:
    """The lines of a JSON Lines gold file; a missing, unreadable, non-UTF-8 or empty file is a
    BadRequestError saying so (scoring nothing would print a meaningless 0/0)."""
    if not path.exists():
        raise BadRequestError(f"Gold file {path} does not exist.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadRequestError(
            f"Gold file {path} is not UTF-8 text; it should be JSON Lines (see eval/SCHEMA.md)."
        ) from None
    except OSError as exc:
        raise BadRequestError(f"Cannot read the gold file {path}: {exc.strerror or exc}.") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise BadRequestError(f"Gold file {path} is empty: it needs one JSON object per line (see eval/SCHEMA.md).")
    return lines


def load_gold(path: Path) -> list[dict]:
    """Read a qa-*.jsonl file; a malformed line is an error naming the line."""
    out = []
    for n, line in enumerate(read_gold_lines(path), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            item["id"], item["question"], item["kind"]  # noqa: B018 - required keys
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BadRequestError(f"{path}:{n}: not a gold question line ({exc}). See eval/SCHEMA.md.") from None
        out.append(item)
    return out


def top_hit_answer(state: Any, text: str, history: list[str] | None = None) -> dict:
    """The baseline: hybrid search's top clause for each authority the question asks about (all
    held when it names none), quoted whole, never abstaining. Scored like the answer layer."""
    from index.records import SearchFilters
    from service.question import understand

    question = understand(text, state.resolver, state.taxonomy, history=history)
    scope = question.authorities or state.authorities()
    prepared = state.prepare(question.search_text)
    lines, citations = [], []
    for authority in scope:
        hits = state.search(question.search_text, k=1, filters=SearchFilters(authorities=[authority]), prepared=prepared)
        if hits:
            clause = hits[0].clause
            lines.append(f"{authority}: {clause.plain_text}")
            citations.append({"authority": authority, "clause_id": clause.id, "text": clause.text})
    return {"answer": "\n".join(lines), "abstained": False, "citations": citations}


def evaluate_qa(state: Any, gold_path: Path, baseline: bool = False) -> dict:
    """Ask every gold question through the service (or the top-hit ``baseline``) and score it."""
    from service.answer import ask
    from service.query import resolve_authorities

    gold = load_gold(Path(gold_path))
    results: list[QAResult] = []
    latencies: list[float] = []
    floors: list[float] = []
    for item in gold:
        t0 = time.perf_counter()
        # The question names its authorities itself ("authorities" in gold is what it names);
        # "request_authorities" is what a client would send as the request's filter.
        requested = resolve_authorities(state, item.get("request_authorities"), []) or None
        if baseline:
            response = top_hit_answer(state, item["question"], history=item.get("history"))
        else:
            response = ask(state, item["question"], authorities=requested, history=item.get("history")).to_dict()
        latencies.append(time.perf_counter() - t0)
        results.append(score_answer(item, response))
        # The floor for the same question in the same run: one query embedding, one hybrid search.
        t0 = time.perf_counter()
        state.search(item["question"], k=10, prepared=state.prepare(item["question"]))
        floors.append(time.perf_counter() - t0)
    by_kind: dict[str, list[QAResult]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    answerable = [r for r in results if r.kind != "unanswerable"]
    return {
        "gold": str(gold_path),
        "mode": "top-hit baseline" if baseline else "answer layer",
        "answerable_total": len(answerable),
        "answerable_correct": sum(r.correct for r in answerable),
        "total": len(results),
        "correct": sum(r.correct for r in results),
        "accuracy": sum(r.correct for r in results) / len(results) if results else 0.0,
        "per_kind": {
            k: {"total": len(v), "correct": sum(r.correct for r in v), "accuracy": sum(r.correct for r in v) / len(v)}
            for k, v in sorted(by_kind.items())
        },
        "unanswerable_answered": sum(1 for r in results if r.kind == "unanswerable" and not r.abstained),
        "mean_latency_ms": 1000 * sum(latencies) / len(latencies) if latencies else 0.0,
        "mean_floor_ms": 1000 * sum(floors) / len(floors) if floors else 0.0,
        "failures": [r.__dict__ for r in results if not r.correct],
    }


# --- other authorities: a throwaway store with their excerpts -----------------------------------
def other_authority_files(oa_dir: Path) -> list[tuple[Path, str, str]]:
    """(file, authority, title) of every excerpt listed in ``manifest-*.jsonl`` under ``oa_dir``."""
    manifests = sorted(Path(oa_dir).glob("manifest-*.jsonl"))
    if not manifests:
        raise BadRequestError(f"No manifest-*.jsonl in {oa_dir}: give the other-authorities folder (--dir).")
    out = []
    for manifest in manifests:
        for n, line in enumerate(read_gold_lines(manifest), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                out.append((Path(oa_dir) / "docs" / entry["file"], entry["authority"], entry.get("title") or entry["file"]))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise BadRequestError(f"{manifest}:{n}: not a manifest line ({exc}).") from None
    return out


def build_other_authorities_store(settings: Any, oa_dir: Path, corpus_dir: Path) -> list:
    """Ingest the shipped corpus and every excerpt under its manifest authority into
    ``settings.data_dir`` (read in place; nothing is copied). Returns the ingest outcomes."""
    from ingest.records import DocumentMeta
    from ingest.store import connect
    from service.pipeline import PlannedFile, ingest_planned, plan_paths

    conn = connect(settings.db_path)
    try:
        planned = plan_paths([Path(corpus_dir)], settings)
        for path, authority, title in other_authority_files(oa_dir):
            planned.append(PlannedFile(path, DocumentMeta(authority=authority, title=title)))
        return ingest_planned(conn, planned, settings)
    finally:
        conn.close()


def evaluate_other_authorities(
    settings: Any, oa_dir: Path, corpus_dir: Path, modes: tuple[bool, ...] = (False, True)
) -> dict:
    """Score every ``qa-*.jsonl`` under ``oa_dir`` on a store at ``settings.data_dir`` built (if
    empty) from the shipped corpus plus the excerpts; once per mode (answer layer, baseline)."""
    from service.state import load_state

    outcomes = build_other_authorities_store(settings, oa_dir, corpus_dir)
    failed = [o for o in outcomes if o.failed]
    state = load_state(settings)
    try:
        reports = []
        for gold in sorted(Path(oa_dir).glob("qa-*.jsonl")):
            for baseline in modes:
                reports.append(evaluate_qa(state, gold, baseline=baseline))
    finally:
        state.conn.close()
    return {"documents": len(outcomes), "failed": [(str(o.path), o.error) for o in failed], "reports": reports}
