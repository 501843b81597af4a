"""The ask benchmark's helpers (percentiles, floor, distinct questions, warm-up) and one real run
on a tiny store. Nothing here times anything: speed is measured by running the benchmark."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_bench():
    spec = importlib.util.spec_from_file_location("ask_bench", ROOT / "benchmarks" / "ask_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ask_bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


# --- percentiles and the floor ---------------------------------------------------------------
def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # 100..1, unsorted on purpose
    assert bench.percentile(values, 50) == 50.0
    assert bench.percentile(values, 95) == 95.0
    assert bench.percentile(values, 99) == 99.0
    assert bench.percentile(values, 100) == 100.0
    assert bench.percentile(values, 0) == 1.0
    # Ten values: p95 and p99 are both the largest (ceil(9.5) = ceil(9.9) = 10th), p50 the 5th.
    ten = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 8.0, 7.0]
    assert bench.percentile(ten, 50) == 4.0
    assert bench.percentile(ten, 95) == 9.0
    assert bench.percentile(ten, 90) == 8.0
    assert bench.percentile([7.0], 99) == 7.0


def test_percentile_refuses_nonsense():
    with pytest.raises(ValueError):
        bench.percentile([], 50)
    with pytest.raises(ValueError):
        bench.percentile([1.0], 101)


def test_summarise_reports_every_percentile():
    s = bench.summarise([10.0, 20.0, 30.0, 40.0])
    assert s == {"n": 4, "p50": 20.0, "p95": 40.0, "p99": 40.0, "max": 40.0, "mean": 25.0}
    assert bench.summarise([]) == {"n": 0}


def test_floor_is_the_sum_of_its_parts_per_question():
    samples = [{"embed": 7.0, "faiss": 0.5, "bm25": 1.5, "cpu": 8.0}, {"embed": 9.0, "faiss": 1.0, "bm25": 2.0, "cpu": 11.0}]
    assert bench.floor_totals(samples) == [9.0, 12.0]
    # The untraced embedding timed beside the floor for reference is not part of it.
    samples[0]["embed_untraced"] = 25.0
    assert bench.floor_totals(samples) == [9.0, 12.0]


def test_floor_ratio_divides_like_percentiles():
    assert bench.floor_ratio({"p50": 30.0, "p95": 45.0}, {"p50": 10.0, "p95": 15.0}) == {"p50": 3.0, "p95": 3.0}
    assert bench.floor_ratio({"p50": 30.0, "p95": 45.0}, {"p50": 0.0, "p95": 15.0}) == {"p50": None, "p95": 3.0}


# --- questions ---------------------------------------------------------------------------------
def test_questions_are_distinct_and_keep_their_history(tmp_path: Path):
    a = tmp_path / "qa-a.jsonl"
    b = tmp_path / "qa-b.jsonl"
    a.write_text("\n".join(json.dumps(x) for x in [
        {"id": "a1", "question": "When must the first core group meet in Testshire?"},
        {"id": "a2", "question": "and in Otherton?", "history": ["When must the first core group meet in Testshire?"]},
    ]) + "\n\n")
    b.write_text(json.dumps({"id": "b1", "question": "  when must the first  core group meet in TESTSHIRE? "}) + "\n"
                 + json.dumps({"id": "b2", "question": "Who chairs a strategy discussion?"}) + "\n")
    questions = bench.load_questions([a, b])
    assert [q.id for q in questions] == ["a1", "a2", "b2"]
    assert questions[1].history == ("When must the first core group meet in Testshire?",)
    assert questions[2].source == "qa-b.jsonl"


def test_warmup_never_repeats_a_measured_question():
    topics = ["core group meeting", "child in need visit"]
    first = bench.warmup_questions(topics, ["Testshire"], [], 4)
    assert len(first) == len(set(first)) == 4
    # Exclude one of them (as a measured question, typed differently): it is replaced.
    measured = [first[0].upper()]
    again = bench.warmup_questions(topics, ["Testshire"], measured, 4)
    assert len(again) == 4
    assert bench.fold(first[0]) not in {bench.fold(t) for t in again}
    assert bench.warmup_questions([], ["Testshire"], [], 4) == []


# --- one real run --------------------------------------------------------------------------------
TINY_DOC = """Testshire Practice Standards

1. Visits
1.1 Children in need must be visited by their social worker at least every 4 weeks.
1.2 Children in care are visited within 1 week of a new placement and then every 6 weeks.

2. Child protection
2.1 The first core group meeting must take place within 10 working days of the initial child protection conference.
2.2 A strategy discussion is chaired by a Team Manager.
"""


@pytest.mark.slow
def test_benchmark_runs_end_to_end_on_a_tiny_store(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "testshire.txt").write_text(TINY_DOC)
    (corpus / "manifest.yaml").write_text(
        "documents:\n  - file: testshire.txt\n    authority: Testshire\n    title: Testshire Practice Standards\n"
    )
    gold = tmp_path / "qa.jsonl"
    gold.write_text("\n".join(json.dumps(x) for x in [
        {"id": "t1", "question": "How often must a child in need be visited in Testshire?"},
        {"id": "t2", "question": "When is the first core group meeting due in Testshire?"},
        {"id": "t3", "question": "and who chairs a strategy discussion?",
         "history": ["When is the first core group meeting due in Testshire?"]},
    ]) + "\n")
    out = tmp_path / "results"
    report = bench.main([
        "--corpus", str(corpus), "--data-dir", str(tmp_path / "data"), "--gold", str(gold),
        "--no-other-authorities", "--warmup", "2", "--out", str(out), "--label", "tiny", "--encoder-ab",
    ])
    assert report["questions"] == 3
    assert report["warmup_questions"] == 2
    assert report["store"]["documents"] == 1 and not report["store"]["failed"]
    assert [p["mode"] for p in report["passes"]] == ["http", "inprocess"]
    for p in report["passes"]:
        assert p["wall_ms"]["n"] == 3 and p["floor_ms"]["n"] == 3
        assert [q["id"] for q in p["per_question"]] == ["t1", "t2", "t3"]
        assert all(q["wall_ms"] > 0 and q["floor_ms"] > 0 for q in p["per_question"])
        assert p["x_floor"]["p50"] == round(p["wall_ms"]["p50"] / p["floor_ms"]["p50"], 2)
        # The floor is the service's own query embedding (traced) plus the searches; the untraced
        # embedding is timed beside it and is not counted in it.
        parts = p["floor_parts_ms"]
        assert set(parts) == {"embed", "faiss", "bm25", "embed_untraced"} and parts["embed_untraced"]["n"] == 3
    http = report["passes"][0]
    assert http["server_rss_after_mb"] > 0 and http["server_cpu_total_s (psutil)"] >= 0
    # Every question asked with each query encoder in turn (the service's trace, the model's modules).
    assert {name: figures["wall_ms"]["n"] for name, figures in report["encoder_ab"].items()} == {"traced": 3, "untraced": 3}
    written = json.loads((out / "ask_bench.json").read_text())
    assert written["label"] == "tiny" and (out / "ask_bench-tiny.json").is_file()
