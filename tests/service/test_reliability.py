"""Issue 12 against a real server on loopback: uploads that don't take the service down, limits
enforced before a body is read, no silent overwrite, every error a JSON 4xx, recovery after a
crash. Each server is a ``standards serve`` subprocess over a copy of the session's corpus store
(tests/service/live_server.py); every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from live_server import ROOT, TOKEN, LiveServer, copy_store, raw_exchange, standards_cli

pytestmark = pytest.mark.slow

FIXTURE_PDF = ROOT / "tests" / "fixtures" / "childrens-homes-regulations-2015.pdf"
WOKINGHAM_FILE = "004_f6e1279407d87ed7.txt"
SMALL = (
    "{name} Practice Standards\n\n"
    "Core Group Meetings\n"
    "1. The first core group meeting will be held within {days} working days of the Initial Child "
    "Protection Conference.\n"
    "2. Thereafter, core group meetings will be held at least every 4 weeks.\n"
)


@pytest.fixture(scope="module")
def server(service_settings, tmp_path_factory) -> LiveServer:
    """One server over a copy of the corpus store, dense index ready."""
    live = LiveServer(copy_store(service_settings.data_dir, tmp_path_factory.mktemp("live")),
                      env_extra={"STANDARDS_LOGIN_ATTEMPTS": "1000"})
    live.start()
    try:
        live.wait_ready(dense=True)
        yield live
    finally:
        live.stop()


def _docs(server: LiveServer) -> dict[str, dict]:
    return {d["id"]: d for d in httpx.get(server.base + "/api/documents", timeout=30).json()["documents"]}


def _error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert "Traceback" not in body["error"]["message"] and TOKEN not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


# --- 1. an upload does not freeze the server --------------------------------------------------
def test_upload_runs_in_the_background_while_health_and_queries_answer(server: LiveServer) -> None:
    before = _docs(server)
    response = httpx.post(server.base + "/api/documents", headers=server.admin(), timeout=60,
                          files={"file": (FIXTURE_PDF.name, FIXTURE_PDF.read_bytes())},
                          data={"authority": "Regulators"})
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    assert job["status"] in ("queued", "running") and response.headers["location"] == f"/api/jobs/{job['id']}"

    answered_while_running = 0
    seen_stages: set[str] = set()
    with httpx.Client(base_url=server.base, timeout=30) as client:
        while job["status"] not in ("succeeded", "failed"):
            health = client.get("/healthz")
            assert health.status_code == 200
            answered_while_running += job["status"] == "running"
            # Queries answer from the snapshot before the upload until it is published.
            if not job["committed"]:
                assert "Regulators" not in health.json()["authorities"]
            job = client.get(job["location"], headers=server.admin()).json()
            seen_stages.add(job["stage"])
            time.sleep(0.2)
    assert job["status"] == "succeeded", job
    # Health answered while the job ran (it used to wait until the upload was done); how fast is
    # measured in benchmarks/load_bench.py.
    assert answered_while_running >= 5, answered_while_running
    assert {"parsing", "extracting"} & seen_stages or "embedding" in seen_stages, seen_stages
    after = _docs(server)
    added = set(after) - set(before)
    assert added == {job["document_id"]} and after[job["document_id"]]["authority"] == "Regulators"
    assert "Regulators" in httpx.get(server.base + "/healthz").json()["authorities"]

    removal = httpx.delete(f"{server.base}/api/documents/{job['document_id']}", headers=server.admin())
    assert removal.status_code == 202
    assert server.follow(removal.json()["job"])["status"] == "succeeded"
    assert set(_docs(server)) == set(before)


# --- 2. limits from the headers, before the body ------------------------------------------------
def test_missing_credentials_401_wrong_token_403_before_the_body(server: LiveServer) -> None:
    # A declared 1 GiB body with no token is refused at once; the body is never sent.
    head = (b"POST /api/documents HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 1073741824\r\n\r\n")
    reply = raw_exchange(server.port, head, read_seconds=20)
    assert reply.startswith(b"HTTP/1.1 401"), reply[:200]
    assert b'www-authenticate: bearer realm="standards-admin"' in reply.lower()
    wrong = raw_exchange(server.port, head.replace(b"Host: x\r\n", b"Host: x\r\nAuthorization: Bearer nope\r\n"),
                         read_seconds=20)
    assert wrong.startswith(b"HTTP/1.1 403"), wrong[:200]
    assert b"nope" not in wrong
    # The right token, but a declared size over STANDARDS_MAX_FILE_MB: 413, body unread.
    too_big = raw_exchange(server.port, head.replace(b"Host: x\r\n", f"Host: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                                                     .encode()), read_seconds=20)
    assert too_big.startswith(b"HTTP/1.1 413"), too_big[:200]
    assert b"STANDARDS_MAX_FILE_MB" in too_big
    _error(httpx.delete(server.base + "/api/documents/x"), 401, "unauthorized")
    _error(httpx.get(server.base + "/api/jobs/x", headers={"Authorization": "Bearer nope"}), 403, "forbidden")


def test_json_bodies_are_capped_declared_or_chunked(server: LiveServer) -> None:
    big = json.dumps({"question": "core group " * 20_000}).encode()
    _error(httpx.post(server.base + "/api/ask", content=big, headers={"content-type": "application/json"}),
           413, "too_large")

    # Chunked, no Content-Length: counted while it streams and cut off at the cap.
    head = b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"x" * 16384
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head)
        reply = b""
        sent = 0
        try:
            for _ in range(4096):  # at most 64 MB if nothing stopped it
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                sock.settimeout(0.01)
                with contextlib.suppress(TimeoutError):  # nothing back yet: keep sending
                    reply += sock.recv(65536)
                sock.settimeout(30)
                if reply:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(10)
        try:
            while b'"error"' not in reply:
                more = sock.recv(65536)
                if not more:
                    break
                reply += more
        except (TimeoutError, ConnectionResetError):
            pass
    assert reply.startswith(b"HTTP/1.1 413"), reply[:300]
    assert sent < 4 * 1024 * 1024, sent  # cut off near the 64 KB cap, not after the whole flood


def test_stalled_body_times_out_and_others_are_served(service_settings, tmp_path) -> None:
    live = LiveServer(copy_store(service_settings.data_dir, tmp_path / "data"),
                      env_extra={"STANDARDS_BODY_TIMEOUT": "2", "STANDARDS_HEADER_TIMEOUT": "2",
                                 "STANDARDS_LOGIN_ATTEMPTS": "3"}).start()
    try:
        live.wait_ready()
        # A body that stops arriving: 408 after the body timeout.
        head = (b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n")
        reply = raw_exchange(live.port, head, b'{"query": "core', read_seconds=20)
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]

        # Idle connections and a client sending its headers a byte at a time are closed after
        # the header timeout; meanwhile everyone else is answered.
        idle = [socket.create_connection(("127.0.0.1", live.port), timeout=30) for _ in range(50)]
        slow = socket.create_connection(("127.0.0.1", live.port), timeout=30)
        closed_slow = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\n":
            try:
                slow.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed_slow = True
                break
            assert httpx.get(live.base + "/healthz", timeout=10).status_code == 200
            time.sleep(0.2)
        closed_idle = 0
        for sock in idle:
            sock.settimeout(10)
            try:
                closed_idle += sock.recv(1) == b""
            except (TimeoutError, ConnectionResetError):
                closed_idle += 0
            sock.close()
        slow.settimeout(10)
        try:
            closed_slow = closed_slow or slow.recv(1) == b""
        except ConnectionResetError:
            closed_slow = True
        slow.close()
        assert closed_idle == 50 and closed_slow

        # Failed logins: logged without the token, rate-limited per client with Retry-After.
        for i in range(3):
            _error(httpx.delete(live.base + "/api/documents/x", headers={"Authorization": f"Bearer guess-{i}"}),
                   403)
        limited = httpx.delete(live.base + "/api/documents/x", headers={"Authorization": f"Bearer {TOKEN}"})
        _error(limited, 429, "too_many_requests")
        assert 1 <= int(limited.headers["retry-after"]) <= 61
        log = live.log()
        assert log.count("admin authentication failed from 127.0.0.1") == 3
        assert "guess-" not in log and TOKEN not in log
    finally:
        live.stop()


# --- 3. no silent overwrite ---------------------------------------------------------------------
def test_a_file_named_like_another_authoritys_document_makes_its_own(server: LiveServer) -> None:
    before = _docs(server)
    wokingham = before["wokingham--004_f6e1279407d87ed7"]
    assert wokingham["clause_count"] == 544
    job = server.upload(WOKINGHAM_FILE, SMALL.format(name="Evilshire", days=3).encode(), "Evilshire")
    assert job["status"] == "succeeded", job
    assert job["document_id"] == "evilshire--004_f6e1279407d87ed7"
    after = _docs(server)
    assert after["wokingham--004_f6e1279407d87ed7"] == wokingham  # untouched: same version, 544 clauses
    assert after["evilshire--004_f6e1279407d87ed7"]["authority"] == "Evilshire"

    # Non-ASCII names get distinct, URL-safe ids; a 300-character name works.
    names = ["文件.txt", "規則.txt", "ä" * 150 + "b" * 150 + ".txt"]
    ids = []
    for i, name in enumerate(names):
        job = server.upload(name, SMALL.format(name=f"Unishire {i}", days=5 + i).encode(), "Unishire")
        assert job["status"] == "succeeded", job
        ids.append(job["document_id"])
        assert job["source_name"] == name
    assert len(set(ids)) == 3 and all(i.isascii() and "/" not in i and len(i) < 100 for i in ids), ids
    docs = _docs(server)
    assert {docs[i]["source_name"] for i in ids} == set(names)
    shown = httpx.get(f"{server.base}/api/documents/{ids[0]}", timeout=30)
    assert shown.status_code == 200

    for doc_id in [*ids, "evilshire--004_f6e1279407d87ed7"]:
        removal = httpx.delete(f"{server.base}/api/documents/{doc_id}?wait=300", headers=server.admin(), timeout=320)
        assert removal.status_code == 200, removal.text
    assert set(_docs(server)) == set(before)


# --- 4. every error a JSON 4xx -------------------------------------------------------------------
def test_crafted_inputs_get_a_json_4xx(server: LiveServer) -> None:
    surrogate = '{"question": "core group \\ud800 in Wokingham"}'
    _error(httpx.post(server.base + "/api/ask", content=surrogate, headers={"content-type": "application/json"}),
           422, "invalid_text")
    _error(httpx.post(server.base + "/api/search", content='{"query": "\\udfff visits"}',
                      headers={"content-type": "application/json"}), 422, "invalid_text")
    for bad in ["all", "All Authorities", "Evil\x00shire", "Line\nbreak", "   "]:
        response = httpx.post(server.base + "/api/documents", headers=server.admin(), timeout=60,
                              files={"file": ("x.txt", b"1. Visit every 6 weeks.\n")}, data={"authority": bad})
        _error(response, 422)

    # An HTML page declaring a codec that raises (punycode) is read with the fallbacks.
    html = (b'<html><head><meta charset="punycode"></head><body><h1>Codeshire Standards</h1>'
            b"<p>1. Children in need are visited at least every 4 weeks.</p></body></html>")
    job = server.upload("codeshire.html", html, "Codeshire")
    assert job["status"] == "succeeded", job
    # A corrupt file fails its job with the loader's 4xx; the store is unchanged.
    before = _docs(server)
    broken = server.upload("broken.pdf", b"%PDF-1.7 not really a pdf", "Codeshire")
    assert broken["status"] == "failed" and 400 <= broken["error"]["status"] < 500, broken
    assert _docs(server) == before
    httpx.delete(f"{server.base}/api/documents/{job['document_id']}?wait=300", headers=server.admin(), timeout=320)


def test_questions_naming_an_authority_never_404_while_its_document_is_removed(server: LiveServer) -> None:
    first = server.upload("twoshire-a.txt", SMALL.format(name="Twoshire", days=6).encode(), "Twoshire")
    second = server.upload("twoshire-b.txt", SMALL.format(name="Twoshire", days=7).encode().replace(
        b"Core Group", b"Core Groups and Visits"), "Twoshire")
    assert first["status"] == second["status"] == "succeeded"
    statuses: list[int] = []
    stop = threading.Event()

    def ask_repeatedly() -> None:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            while not stop.is_set():
                statuses.append(client.post("/api/ask", json={
                    "question": "When must the first core group meet?", "authorities": ["Twoshire"]}).status_code)

    asker = threading.Thread(target=ask_repeatedly)
    asker.start()
    try:
        removal = httpx.delete(f"{server.base}/api/documents/{first['document_id']}", headers=server.admin())
        assert server.follow(removal.json()["job"])["status"] == "succeeded"
        time.sleep(1)
    finally:
        stop.set()
        asker.join(60)
    assert statuses and set(statuses) == {200}, statuses
    last = httpx.delete(f"{server.base}/api/documents/{second['document_id']}?wait=300", headers=server.admin(),
                        timeout=320)
    assert last.status_code == 200
    # Its last document gone, the authority is unknown: that 404 is the right answer.
    _error(httpx.post(server.base + "/api/ask", json={"question": "core group?", "authorities": ["Twoshire"]}),
           404)


def test_removal_deletes_the_upload_and_vectors_no_current_text_uses(server: LiveServer) -> None:
    job = server.upload("cleanshire.txt", SMALL.format(name="Cleanshire", days=9).encode(), "Cleanshire")
    assert job["status"] == "succeeded"
    db = sqlite3.connect(f"file:{server.data / 'standards.db'}?mode=ro", uri=True)
    path = db.execute("SELECT source_path FROM documents WHERE id = ?", (job["document_id"],)).fetchone()[0]
    assert Path(path).is_file() and (server.data / "uploads") in Path(path).parents
    vectors_before = db.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    removal = httpx.delete(f"{server.base}/api/documents/{job['document_id']}?wait=300", headers=server.admin(),
                           timeout=320)
    assert removal.status_code == 200 and removal.json()["removed"] == job["document_id"]
    assert not Path(path).exists() and not Path(path).parent.exists()
    vectors_after = db.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    assert vectors_after < vectors_before  # its clauses' vectors went with it
    db.close()


# --- 5. recovery ---------------------------------------------------------------------------------
def _wait_stage(live: LiveServer, job: dict, stages: tuple[str, ...], seconds: float = 600) -> dict:
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=live.base, headers=live.admin(), timeout=30) as client:
        while True:
            job = client.get(job["location"]).json()
            if job["stage"].split(" ")[0] in stages or job["status"] in ("succeeded", "failed"):
                return job
            assert time.monotonic() < deadline, job
            time.sleep(0.05)


def test_a_server_killed_mid_job_and_restarted_agrees_with_the_store(service_settings, tmp_path) -> None:
    live = LiveServer(copy_store(service_settings.data_dir, tmp_path / "data")).start()
    try:
        live.wait_ready()
        before = _docs(live)
        # Killed while parsing: nothing was saved; the job says so after the restart.
        response = httpx.post(live.base + "/api/documents", headers=live.admin(), timeout=60,
                              files={"file": (FIXTURE_PDF.name, FIXTURE_PDF.read_bytes())},
                              data={"authority": "Crashshire"})
        early = _wait_stage(live, response.json()["job"], ("parsing", "extracting"))
        assert not early["committed"], early
        live.kill()
        live.start()
        live.wait_ready()
        job = httpx.get(live.base + early["location"], headers=live.admin()).json()
        assert job["status"] == "failed" and job["error"]["code"] == "interrupted", job
        assert _docs(live) == before
        assert not any((live.data / "uploads").glob(f"{early['id']}/*"))  # the orphaned upload was swept

        # Killed after the commit, while embedding: the document is there and the job says so.
        response = httpx.post(live.base + "/api/documents", headers=live.admin(), timeout=60,
                              files={"file": (FIXTURE_PDF.name, FIXTURE_PDF.read_bytes())},
                              data={"authority": "Crashshire"})
        late = _wait_stage(live, response.json()["job"], ("embedding", "publishing"))
        assert late["committed"], late
        live.kill()
        live.start()
        health = live.wait_ready()
        job = httpx.get(live.base + late["location"], headers=live.admin()).json()
        assert job["status"] == "succeeded" and job["committed"], job
        assert job["document_id"] in _docs(live)
        assert "Crashshire" in health["authorities"]
        # The dense index is rebuilt in the background (BM25 answers meanwhile), then ready.
        assert live.wait_ready(dense=True)["dense_ready"]
        status = subprocess.run(standards_cli() + ["index", "status"], env=live.env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert "dense status: current" in status.stdout, status.stdout
    finally:
        live.stop()


def test_ingest_killed_mid_embedding_keeps_finished_batches(tmp_path) -> None:
    data = tmp_path / "data"
    env = LiveServer(data, env_extra={"STANDARDS_EMBED_BATCH": "32"}).env
    data.mkdir()
    proc = subprocess.Popen(standards_cli() + ["ingest", str(ROOT / "corpus")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = data / "standards.db"
    seen = 0
    deadline = time.monotonic() + 900
    try:
        while seen < 64 and proc.poll() is None:
            assert time.monotonic() < deadline, "ingest never reached the embedding step"
            time.sleep(0.2)
            if db_path.exists():
                try:
                    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
                        seen = db.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
                except sqlite3.OperationalError:
                    seen = 0  # not created yet
    finally:
        proc.kill()
        proc.wait(30)
    if seen < 64:
        pytest.fail("ingest finished before it could be killed mid-embedding")
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = db.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
        total = db.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
    assert 64 <= kept < total  # finished batches kept, the rest still to do

    status = subprocess.run(standards_cli() + ["index", "status"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert "dense status: " in status.stdout and "current (" not in status.stdout, status.stdout
    assert "need embedding" in status.stdout or "stale" in status.stdout or "missing" in status.stdout

    # A stale index file left by the crash is removed at the next start.
    index_dir = data / "index"
    index_dir.mkdir(exist_ok=True)
    (index_dir / "dense-999-deadbeef0000.faiss").write_bytes(b"torn")
    (index_dir / ".dense.json.abc.tmp").write_text("{")
    live = LiveServer(data).start()
    try:
        health = live.wait_ready()
        # Serving (from BM25, with a note) while the rest is embedded in the background.
        answer = httpx.post(live.base + "/api/ask", json={"question": "How often are children in care visited in "
                                                                    "Dudley?"}, timeout=120)
        assert answer.status_code == 200
        if not health["dense_ready"]:
            assert any("keyword search" in n for n in answer.json().get("notes", []))
        live.wait_ready(dense=True)
        assert not (index_dir / "dense-999-deadbeef0000.faiss").exists()
        assert not (index_dir / ".dense.json.abc.tmp").exists()
        status = subprocess.run(standards_cli() + ["index", "status"], env=env, cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert "dense status: current" in status.stdout, status.stdout  # every clause has its vector
    finally:
        live.stop()
