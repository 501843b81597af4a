"""The extraction evaluation on the real store: ingest two documents, score against gold lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractors.evaluate import evaluate_extraction, locate_quote, read_gold
from extractors.obligations import extract_obligations
from extractors.store import load_obligations, save_obligations
from ingest import store
from ingest.errors import BadRequestError
from ingest.manifest import load_manifest
from ingest.parse import parse_file
from ingest.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "obligations-dev.jsonl"
DOCS = {"000_da2ac1c53df745bd.txt", "004_f6e1279407d87ed7.txt"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("STANDARDS_DATA_DIR", str(path))
    settings = load_settings()
    conn = store.connect(settings.db_path)
    for file, meta in load_manifest(ROOT / "corpus"):
        if file.name not in DOCS:
            continue
        parsed = parse_file(file, meta, settings)
        obligations = extract_obligations(parsed.clauses, parsed.source.text)
        with store.transaction(conn):
            result = store.save_parsed(conn, parsed)
            save_obligations(conn, result.version_id, obligations)
    conn.close()
    yield path
    mp.undo()


@pytest.fixture()
def gold_subset(tmp_path):
    lines = [ln for ln in GOLD.read_text(encoding="utf-8").splitlines() if json.loads(ln)["doc"] in DOCS]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, len(lines)


def test_store_round_trip_and_filters(data_dir):
    conn = store.connect(load_settings().db_path)
    everything = load_obligations(conn)
    assert everything and {o.authority for o in everything} == {"Dudley", "Wokingham"}
    core = load_obligations(conn, authority="Wokingham", topic="core group meeting")
    assert core and all(o.topic == "core group meeting" and o.authority == "Wokingham" for o in core)
    in_care = load_obligations(conn, cohort="children in care")
    assert in_care and all(o.cohort == "children in care" for o in in_care)
    # The store filters on canonical names only: what a user typed is resolved by service.resolver.
    assert load_obligations(conn, authority="wokingham") == []
    assert load_obligations(conn, topic="ICPC") == []


def test_evaluation_reports_figures(data_dir, gold_subset):
    gold_path, n = gold_subset
    report = evaluate_extraction(store.connect(load_settings().db_path), gold_path)
    assert report.gold_count == n and n > 10
    assert not report.missed_quotes
    assert 0.0 <= report.precision <= 1.0 and 0.0 <= report.recall <= 1.0
    assert report.recall >= 0.6  # a floor, far below the target: catches a broken pipeline
    assert report.clauses > 0 and report.clauses_per_second > 0
    text = report.to_text()
    assert "precision" in text and "recall" in text and "topic" in text


def test_cli_eval_extraction_and_obligations(data_dir, gold_subset):
    from service.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["eval", "extraction", "--gold", str(gold_subset[0]), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert {"precision", "recall", "f1", "topic_accuracy", "anchor_accuracy", "actor_accuracy"} <= set(figures)
    listed = runner.invoke(cli, ["obligations", "--authority", "Wokingham", "--topic", "core group meeting",
                                 "--format", "jsonl"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert rows and all(r["clause_text"] and r["section"] is not None for r in rows)
    csv_out = runner.invoke(cli, ["obligations", "--format", "csv", "--authority", "Dudley"])
    assert csv_out.exit_code == 0 and csv_out.output.startswith("id,authority")
    conflicts = runner.invoke(cli, ["conflicts", "--authority", "Wokingham"])
    assert conflicts.exit_code == 0 and "looked after review" in conflicts.output


def test_quote_location_folds_whitespace():
    text = "A  first\n sentence.   The core group   will meet within **10 working days** of it."
    span = locate_quote(text, "The core group will meet within **10 working days** of it.")
    assert span and text[span[0]:span[1]].startswith("The core group")
    assert locate_quote(text, "not here at all") is None


def test_bad_gold_line_is_reported(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(BadRequestError, match="bad.jsonl:1"):
        read_gold(bad)


def test_binary_or_empty_gold_file_is_a_message(tmp_path):
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xd9\xff\x00\x81" * 50)
    with pytest.raises(BadRequestError, match="not UTF-8"):
        read_gold(binary)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(BadRequestError, match="no gold obligations"):
        read_gold(empty)
