"""The README is the newcomer's entry point: it must document every setting and every CLI command."""

from __future__ import annotations

from pathlib import Path

from ingest.settings import SETTINGS
from service.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [s.env_var for s in SETTINGS if s.env_var not in README]
    assert not missing, f"README.md does not document: {missing}"


def test_every_cli_command_is_documented() -> None:
    missing = [name for name in cli.commands if f"standards {name}" not in README]
    assert not missing, f"README.md does not mention: {['standards ' + m for m in missing]}"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./test.sh" in ci
    assert "./test.sh" in README and "./run.sh" in README
