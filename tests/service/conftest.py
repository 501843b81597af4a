"""One real service for the service tests: the shipped corpus ingested by the real pipeline into
a temporary data dir, the real model loaded once, and a TestClient on the real app."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "test-admin-token-7f3a"


@pytest.fixture(scope="session")
def service_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings for a temporary data dir holding the shipped corpus (ingested once per session)."""
    from ingest.settings import load_settings
    from ingest.store import connect
    from service.pipeline import ingest_paths

    data = tmp_path_factory.mktemp("service-data")
    saved = {k: os.environ.get(k) for k in ("STANDARDS_DATA_DIR", "STANDARDS_CORPUS_DIR", "STANDARDS_ADMIN_TOKEN")}
    os.environ["STANDARDS_DATA_DIR"] = str(data)
    os.environ["STANDARDS_CORPUS_DIR"] = str(ROOT / "corpus")
    os.environ.pop("STANDARDS_ADMIN_TOKEN", None)
    settings = load_settings()
    conn = connect(settings.db_path)
    outcomes = ingest_paths(conn, [ROOT / "corpus"], settings)
    conn.close()
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, f"corpus ingest failed: {failed}"
    yield settings
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def service_state(service_settings):
    """The loaded service state (store connection, warm retriever, taxonomy)."""
    from service.state import load_state

    return load_state(service_settings)


@pytest.fixture(scope="session")
def client(service_settings, service_state) -> Iterator[TestClient]:
    """The real app with no admin token configured (uploads disabled)."""
    from service.app import create_app

    with TestClient(create_app(service_settings, state=service_state), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def admin_client(service_settings, service_state) -> Iterator[TestClient]:
    """The same service, with STANDARDS_ADMIN_TOKEN set (uploads enabled)."""
    from service.app import create_app

    settings = dataclasses.replace(service_settings, admin_token=ADMIN_TOKEN)
    with TestClient(create_app(settings, state=service_state), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def corpus_conn(service_state):
    """The store of the session's real service (the shipped corpus, ingested by the pipeline)."""
    return service_state.conn


@pytest.fixture(scope="session")
def corpus_env(service_settings) -> dict[str, str]:
    """Environment for CLI runs against that store."""
    return {"STANDARDS_DATA_DIR": str(service_settings.data_dir),
            "STANDARDS_CORPUS_DIR": str(service_settings.corpus_dir), "HF_HUB_OFFLINE": "1"}
