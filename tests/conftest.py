"""Shared fixtures: a throw-away data dir per test, and the shipped corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from engines import ENGINES
from engines import store_target as _store_target

from ingest import db

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def corpus_dir() -> Path:
    """The shipped corpus folder (with manifest.yaml)."""
    return ROOT / "corpus"


@pytest.fixture
def fixtures_dir() -> Path:
    """The two real PDFs (national children's homes regulations and guide), kept in the repo."""
    return ROOT / "tests" / "fixtures"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_dir: Path) -> Path:
    """STANDARDS_DATA_DIR pointed at a fresh temporary folder (and the corpus at the shipped one)."""
    path = tmp_path / "data"
    monkeypatch.setenv("STANDARDS_DATA_DIR", str(path))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(corpus_dir))
    return path


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each store engine in turn: ``sqlite`` and ``postgresql`` (see tests/engines.py)."""
    return request.param


@pytest.fixture
def store_target(engine: str, data_dir: Path, request: pytest.FixtureRequest) -> Path | str:
    """A fresh store's location on ``engine``: a SQLite file, or an empty PostgreSQL schema."""
    return _store_target(engine, data_dir, request.node.name)


def dump_store(conn) -> dict[str, list[tuple]]:
    """Every row of every table: the store's whole state, for before/after comparisons."""
    tables = db.table_names(conn)
    return {t: sorted(map(tuple, conn.execute(f'SELECT * FROM "{t}"')), key=repr) for t in tables}


@pytest.fixture
def store_dump():
    """``store_dump(conn)``: a snapshot of every row in the store."""
    return dump_store
