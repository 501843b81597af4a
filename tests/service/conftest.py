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
def client(sqlite_client) -> TestClient:
    """The real app with no admin token configured (uploads disabled)."""
    return sqlite_client


@pytest.fixture(scope="session")
def admin_client(sqlite_admin_client) -> TestClient:
    """The same service, with STANDARDS_ADMIN_TOKEN set (uploads enabled)."""
    return sqlite_admin_client


@pytest.fixture(scope="session")
def sqlite_client(service_settings, service_state) -> Iterator[TestClient]:
    """The real app on the SQLite store, no admin token (``client`` unless a module overrides it)."""
    from service.app import create_app

    with TestClient(create_app(service_settings, state=service_state), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def sqlite_admin_client(service_settings, service_state) -> Iterator[TestClient]:
    """The SQLite service with STANDARDS_ADMIN_TOKEN set."""
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


# --- the same service on PostgreSQL (the API tests run on both engines) ----------------------------
@pytest.fixture(scope="session")
def pg_service_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings for the shipped corpus ingested by the real pipeline into a PostgreSQL schema of
    the test server (its FAISS cache in a temporary data dir)."""
    from engines import fresh_postgres_url

    from ingest.settings import load_settings
    from ingest.store import connect
    from service.pipeline import ingest_paths

    url = fresh_postgres_url("service")
    settings = dataclasses.replace(
        load_settings(), data_dir=tmp_path_factory.mktemp("pg-service-data"), corpus_dir=ROOT / "corpus",
        admin_token="", database_url=url,
    )
    conn = connect(settings.database)
    outcomes = ingest_paths(conn, [ROOT / "corpus"], settings)
    conn.close()
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, f"corpus ingest into PostgreSQL failed: {failed}"
    return settings


@pytest.fixture(scope="session")
def pg_service_state(pg_service_settings):
    """The loaded service state on PostgreSQL."""
    from service.state import load_state

    return load_state(pg_service_settings)


@pytest.fixture(scope="session")
def pg_client(pg_service_settings, pg_service_state) -> Iterator[TestClient]:
    """The real app on PostgreSQL, no admin token."""
    from service.app import create_app

    with TestClient(create_app(pg_service_settings, state=pg_service_state), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def pg_admin_client(pg_service_settings, pg_service_state) -> Iterator[TestClient]:
    """The app on PostgreSQL with STANDARDS_ADMIN_TOKEN set (uploads enabled)."""
    from service.app import create_app

    settings = dataclasses.replace(pg_service_settings, admin_token=ADMIN_TOKEN)
    with TestClient(create_app(settings, state=pg_service_state), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def engine_clients(request: pytest.FixtureRequest) -> tuple[TestClient, TestClient]:
    """(client, admin_client) on each engine in turn: a module that overrides ``client`` and
    ``admin_client`` with these runs every test on SQLite and on PostgreSQL."""
    if request.param == "postgresql":
        from engines import postgres_base_url

        postgres_base_url()  # skip (or, in CI, fail) before anything is built
        return request.getfixturevalue("pg_client"), request.getfixturevalue("pg_admin_client")
    return request.getfixturevalue("sqlite_client"), request.getfixturevalue("sqlite_admin_client")
