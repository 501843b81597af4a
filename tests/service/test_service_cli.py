"""The CLI mirrors of the service, on the same ingested corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _run(service_settings, *args: str):
    from service.cli import cli

    env = {"STANDARDS_DATA_DIR": str(service_settings.data_dir), "STANDARDS_CORPUS_DIR": str(ROOT / "corpus")}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_ask_json_and_text(service_settings) -> None:
    result = _run(service_settings, "ask", "strat disc how quick in wokingham", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["authorities"] == ["Wokingham"] and not data["abstained"]
    assert "24 hours" in data["answer"]
    text = _run(service_settings, "ask", "How often must the core group meet?", "--authority", "SCT")
    assert text.exit_code == 0 and "Sandwell:" in text.output and "Sources:" in text.output


def test_compare_table_and_deadline(service_settings) -> None:
    result = _run(service_settings, "compare", "core group meeting")
    assert result.exit_code == 0, result.output
    assert "Dudley" in result.output and "Wokingham" in result.output and "No standard" in result.output
    result = _run(service_settings, "deadline", "--from", "2026-04-01", "--authority", "Wokingham",
                  "--topic", "core group meeting")
    assert result.exit_code == 0, result.output
    assert "Fri 17 Apr 2026" in result.output and "Good Friday" in result.output


def test_deadline_of_an_unknown_obligation_names_the_command_that_lists_them(service_settings, monkeypatch,
                                                                             capsys) -> None:
    from service.cli import main

    # Through the entry point the console script calls, which turns the error into a message.
    monkeypatch.setenv("STANDARDS_DATA_DIR", str(service_settings.data_dir))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(ROOT / "corpus"))
    with pytest.raises(SystemExit) as exited:
        main(["deadline", "--from", "2026-04-01", "--obligation", "no-such-duty"])
    assert exited.value.code == 1
    message = capsys.readouterr().err
    assert "no-such-duty" in message and "standards obligations" in message


def test_eval_qa_reports_accuracy_per_kind(service_settings, tmp_path: Path) -> None:
    gold = tmp_path / "qa.jsonl"
    lines = [line for line in (ROOT / "eval" / "qa-dev.jsonl").read_text().splitlines() if line.strip()]
    by_kind = {}
    for line in lines:
        by_kind.setdefault(json.loads(line)["kind"], line)
    gold.write_text("\n".join(by_kind.values()) + "\n")
    result = _run(service_settings, "eval", "qa", "--gold", str(gold), "--json")
    report = json.loads(result.output)
    assert report["total"] == len(by_kind)
    assert set(report["per_kind"]) == set(by_kind)
    assert 0.0 <= report["accuracy"] <= 1.0
    for failure in report["failures"]:
        assert failure["answer"] and failure["reasons"]
