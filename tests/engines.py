"""Both store engines for the tests: SQLite files, and PostgreSQL schemas on the test server.

``./test.sh`` starts a throwaway PostgreSQL cluster and exports its URL as
``STANDARDS_TEST_DATABASE_URL``; every PostgreSQL-backed test gets a schema of its own in it
(the URL's ``options=-csearch_path=…``), so tests never see each other's rows. Without that
URL the PostgreSQL variants are skipped with the reason, except in CI (``CI`` set), where a
missing server is a failure: those variants must run there.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

from ingest import db

ENGINES = (db.SQLITE, db.POSTGRES)
TEST_URL_ENV = "STANDARDS_TEST_DATABASE_URL"


def postgres_base_url() -> str:
    """The test server's URL; skips the test (fails it in CI) when there is none."""
    url = os.environ.get(TEST_URL_ENV, "").strip()
    if url:
        return url
    reason = (f"{TEST_URL_ENV} is not set: ./test.sh starts a throwaway PostgreSQL cluster and sets it "
              "(or point it at an empty database of a server of your own)")
    if os.environ.get("CI"):
        pytest.fail(f"the PostgreSQL tests must run in CI, but {reason}")
    pytest.skip(f"no PostgreSQL server for this test: {reason}")


def fresh_postgres_url(label: str = "t") -> str:
    """A URL whose tables live in a new, empty schema of the test database."""
    import psycopg

    base = postgres_base_url()
    schema = "t_" + re.sub(r"\W+", "_", label.lower())[:30] + "_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def store_target(engine: str, data_dir: Path, label: str = "t") -> Path | str:
    """Where a test's store lives on ``engine``: a SQLite file in ``data_dir`` or a fresh schema."""
    if engine == db.POSTGRES:
        return fresh_postgres_url(label)
    return data_dir / "standards.db"
