"""Fixtures for the index tests: the real model (loaded once), real stores in tmp dirs.

``corpus_store`` ingests the shipped corpus with the real ingest pipeline once per session;
tests that change a store build their own from small documents.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from engines import ENGINES, store_target
from index_helpers import CORPUS, SMALL_DOCS, insert_document, make_settings

from index.dense import sync_dense
from index.embedder import Embedder, load_embedder
from index.lexical import sync_lexical
from ingest.settings import Settings
from ingest.store import connect, transaction


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, verified and loaded once for the whole session."""
    return load_embedder(make_settings(Path("/nonexistent-unused")))


@pytest.fixture
def small_store(tmp_path: Path, embedder: Embedder, engine: str) -> tuple[sqlite3.Connection, Settings]:
    """A real store with two tiny documents (two made-up authorities), both indexes synced; on
    each engine in turn."""
    settings = _settings_on(engine, tmp_path / "data", "small")
    conn = connect(settings.database)
    for doc_id, (authority, clauses) in SMALL_DOCS.items():
        insert_document(conn, doc_id, authority, clauses)
    sync_dense(conn, settings, embedder)
    return conn, settings


def _settings_on(engine: str, data_dir: Path, label: str) -> Settings:
    """Settings for a store on ``engine`` (a SQLite file in ``data_dir`` or a fresh PostgreSQL schema)."""
    target = store_target(engine, data_dir, label)
    return make_settings(data_dir, database_url=target if isinstance(target, str) else "")


@pytest.fixture(scope="session", params=ENGINES)
def corpus_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[sqlite3.Connection, Settings]:
    """The shipped corpus, ingested once per engine with the real pipeline, both indexes synced."""
    from ingest.manifest import load_manifest
    from service.pipeline import add_document

    settings = _settings_on(request.param, tmp_path_factory.mktemp("corpus") / "data", "corpus")
    conn = connect(settings.database)
    for path, meta in load_manifest(CORPUS):
        add_document(conn, path, meta, settings)
    # Idempotent: the pipeline may already have done both; this makes sure either way.
    with transaction(conn):
        sync_lexical(conn)
    sync_dense(conn, settings, embedder)
    return conn, settings
