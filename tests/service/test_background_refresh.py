"""Another instance's upload is picked up in the background while requests keep the old snapshot.

Instance B is the real app (TestClient over ``create_app``) on a PostgreSQL schema of the test
server; "instance A" is a second connection committing a document through the real pipeline, as
another server's worker would (the commit NOTIFYs B). B's refresh is held at a known point,
deterministically rather than by timing: this test holds the embedding lock every instance takes
(``index.embedder.ensure_vectors``), so B's worker, woken by the notification, waits in the middle
of its refresh. Meanwhile B must answer from the snapshot it had, without waiting; once the lock
is released B embeds the new clauses, rebuilds its FAISS cache and swaps the new snapshot in.
Every wait is bounded.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest
from engines import fresh_postgres_url
from fastapi.testclient import TestClient

from ingest import db, store
from ingest.records import DocumentMeta
from ingest.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120  # bounds on the polls below (model load, worker wake-up); not timed assertions
# A request made while the refresh is held must come back within this: a generous stall bound (a
# request that waited for the refresh would wait until the lock is released, i.e. for ever here).
STALL_SECONDS = 30
OLD = (
    "Oldshire Practice Standards\n\nChildren in Need\n"
    "1. Children in need will be visited at least every 4 weeks by their social worker.\n"
)
NEW = (
    "Testshire Practice Standards\n\nCore Group Meetings\n"
    "1. The first core group meeting will be held within 8 working days of the Initial Child Protection Conference.\n"
    "2. Thereafter, core group meetings will be held at least every 4 weeks.\n"
)
QUESTION = "When must the first core group meeting take place in Testshire?"
FRAGMENT = "within 8 working days of the Initial Child Protection Conference"


def _within(seconds: float, check) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _bounded(call):
    """``call()``'s result, failing (not hanging) if it takes longer than ``STALL_SECONDS``."""
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    thread.join(STALL_SECONDS)
    assert out, f"a request waited more than {STALL_SECONDS} s while the refresh was held"
    return out[0]


def _blocked_by(conn) -> int:
    """Sessions waiting for a lock ``conn`` holds."""
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))",
                        (pid,)).fetchone()[0]


def _cites_testshire(body: dict) -> bool:
    return any(c["authority"] == "Testshire" and FRAGMENT in " ".join(c["text"].split())
               for c in body.get("citations", []))


def test_requests_keep_the_old_snapshot_while_the_refresh_runs(tmp_path: Path) -> None:
    from index.embedder import load_embedder
    from service.app import create_app
    from service.pipeline import add_document
    from service.state import build_state

    url = fresh_postgres_url("refresh")
    base = dataclasses.replace(load_settings(), database_url=url, corpus_dir=ROOT / "corpus", admin_token="")
    settings_a = dataclasses.replace(base, data_dir=tmp_path / "a")
    settings_b = dataclasses.replace(base, data_dir=tmp_path / "b")
    embedder = load_embedder(base)
    writer = store.connect(url)
    (tmp_path / "oldshire.txt").write_text(OLD, encoding="utf-8")
    (tmp_path / "testshire.txt").write_text(NEW, encoding="utf-8")
    add_document(writer, tmp_path / "oldshire.txt", DocumentMeta(authority="Oldshire", title="Old"), settings_a,
                 embedder=embedder)

    # B starts as a server does: serving its snapshot at once, its dense index built in the background.
    app = create_app(settings_b, state=build_state(settings_b, embedder=embedder, dense_ready=False, warm=False))
    blocker = db.connect(url)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert _within(WAIT_SECONDS, lambda: client.get("/healthz").json()["dense_ready"])
        old = app.state.service.latest()
        old_health = client.get("/healthz").json()
        assert old_health["authorities"] == ["Oldshire"]

        with db.session_lock(blocker, "embed"):
            add_document(writer, tmp_path / "testshire.txt", DocumentMeta(authority="Testshire", title="New"),
                         settings_a, sync_index=False, encode=embedder.encode)  # committed, NOTIFYed; not embedded
            # B's worker heard it and its refresh now waits for the embedding lock.
            assert _within(WAIT_SECONDS, lambda: _blocked_by(blocker) > 0), "B's refresh never started"
            for _ in range(3):
                health = _bounded(lambda: client.get("/healthz"))
                assert health.status_code == 200 and health.json() == old_health
                asked = _bounded(lambda: client.post("/api/ask", json={"question": QUESTION}))
                assert asked.status_code == 200, asked.text
                assert not _cites_testshire(asked.json())
            assert app.state.service.latest() is old  # nothing half-built was published

        # Released: B embeds the new clauses, rebuilds its FAISS cache and swaps the snapshot in.
        assert _within(WAIT_SECONDS, lambda: "Testshire" in client.get("/healthz").json()["authorities"])
        health = client.get("/healthz").json()
        assert health["generation"] > old_health["generation"] and health["dense_ready"]
        asked = client.post("/api/ask", json={"question": QUESTION})
        assert asked.status_code == 200 and _cites_testshire(asked.json()), asked.text
        assert not any("keyword search" in note for note in asked.json().get("notes", []))
    blocker.close()
    writer.close()


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    """Instances hear each other's commits only on PostgreSQL (SQLite is one machine's store)."""
    from engines import postgres_base_url

    postgres_base_url()
