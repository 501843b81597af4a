"""`standards search`, `standards index status|rebuild` and `standards eval retrieval` on the real corpus store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from index_helpers import QA_DEV

from ingest.errors import UnknownAuthorityError
from service.cli import cli


@pytest.fixture
def env(corpus_store, monkeypatch) -> dict:
    _, settings = corpus_store
    monkeypatch.setenv("STANDARDS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("STANDARDS_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("STANDARDS_DATABASE_URL", settings.database_url)
    return {}


def test_search_prints_ranked_cited_clauses(env) -> None:
    result = CliRunner().invoke(cli, ["search", "core group meeting", "--authority", "Sandwell", "-k", "3",
                                      "--mode", "bm25"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert len(lines) == 3 and all("Sandwell" in line and "bm25 #" in line for line in lines)
    # --json prints what POST /api/search returns for the same query.
    data = json.loads(CliRunner().invoke(cli, ["search", "ICPC", "-k", "2", "--json", "--mode", "bm25"]).output)
    results = data["results"]
    assert data["query"] == "ICPC" and [d["rank"] for d in results] == [1, 2]
    assert all(d["clause_id"] and d["document"] and d["label"].startswith(d["authority"]) for d in results)


def test_search_refuses_an_unknown_authority(env) -> None:
    result = CliRunner().invoke(cli, ["search", "visits", "--authority", "Atlantis", "--mode", "bm25"])
    assert isinstance(result.exception, UnknownAuthorityError)


def test_index_status_and_eval_retrieval(env) -> None:
    status = CliRunner().invoke(cli, ["index", "status"])
    assert status.exit_code == 0 and "dense:" in status.output and "model all-MiniLM-L6-v2@" in status.output
    result = CliRunner().invoke(cli, ["eval", "retrieval", "--gold", str(QA_DEV)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()[2:5]}
    assert set(rows) == {"hybrid", "bm25", "dense"} and all(len(v) == 4 for v in rows.values())


def test_index_rebuild_reuses_stored_vectors(env, corpus_store) -> None:
    conn, _ = corpus_store
    vectors = conn.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    current = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
    result = CliRunner().invoke(cli, ["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"Dense index: {current} clause(s)" in result.output
    assert conn.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0] == vectors
