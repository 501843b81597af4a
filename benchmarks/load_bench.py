"""Benchmark: bounded load on loopback, reads alone and reads while documents are uploaded and
removed, reported side by side; health during an upload of the fixture PDF; restart after a
crash mid-embedding.

Starts `standards serve` on 127.0.0.1 (a free port) over a data dir holding the shipped corpus
(ingested first into a temporary dir unless --data-dir is given), waits until it is ready, then:

1. floor: 1 client, the same request mix, --floor-seconds (the latency every ratio is against);
2. read: --clients clients for --seconds with a mixed read load (ask, search, compare,
   obligations, documents, healthz), every request naming only authorities that stay;
3. read+write: the same, while one writer uploads a document for one of those authorities and
   removes it again, over and over;
0. start: seconds until the first question is answered, as a ratio to the time a process takes
   to import the app (the floor of any start on this machine);
4. /healthz and one question polled during an upload of
   tests/fixtures/childrens-homes-regulations-2015.pdf, as ratios to the same polls on the idle
   server just before; a poll "stalls" when it takes 1 s or more;
5. crash: the vectors of a copy of the store are dropped, `standards index rebuild` is killed
   (-9) half-way through re-embedding them (or after --crash-after seconds, for code that
   commits them all at the end), and a fresh `standards serve` is timed to its first answered
   question (and to its dense index being ready).

Errors are 5xx answers and failed connections; a "wrong 404" is a 404 to a request about an
authority that exists throughout. Targets (issue 12): 0 errors and 0 wrong 404s under load,
/healthz within 1 s during the PDF upload, serving within 15 s of a restart after the crash.

    .venv/bin/python benchmarks/load_bench.py [--clients 20] [--seconds 30] [--data-dir DIR]
        [--root CHECKOUT] [--skip-crash] [--skip-pdf]

``--root`` serves another checkout's code with this venv (e.g. /work/main, to measure before a
change; its data dir is ingested by that code). Clients are capped at 100 and phases at 120 s.
Results are printed and written to benchmarks/results/load_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "load-bench-token"
MAX_CLIENTS = 100
MAX_SECONDS = 120
# The authority the writer adds a second document to (it has documents throughout).
WRITE_AUTHORITY = "Dudley"
STABLE_AUTHORITIES = ["Dudley", "Sandwell", "Wiltshire", "Wokingham"]
TOPICS = ["core group meeting", "child in need visit", "strategy discussion", "looked after child visit"]
START_SECONDS = 600
# A request "stalls" when it takes longer than this: the target for /healthz during an
# upload (a health checker would restart a server that answers later).
STALL_SECONDS = 1.0
# One question the shipped corpus answers, polled while the PDF uploads and at restart.
PROBE_QUESTION = "How often are children in care visited in Dudley?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _cli(root: Path) -> list[str]:
    """Run ``standards`` from ``root``'s code (its folder first on sys.path), with this venv."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(root)!r}); "
            "from service.cli import main; main()"]


@dataclass
class Phase:
    """What one load phase saw."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wrong_404: int = 0
    other_4xx: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    writes: int = 0
    write_seconds: list[float] = field(default_factory=list)
    write_errors: list[str] = field(default_factory=list)

    def summary(self, floor_p50: float | None = None) -> dict:
        n = len(self.latencies)
        out = {
            "requests": n,
            "requests_per_s": round(n / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(1000 * _percentile(self.latencies, 50), 1),
            "p95_ms": round(1000 * _percentile(self.latencies, 95), 1),
            "p99_ms": round(1000 * _percentile(self.latencies, 99), 1),
            "max_ms": round(1000 * max(self.latencies, default=float("nan")), 1),
            "errors": self.errors,
            "wrong_404": self.wrong_404,
            "other_4xx": self.other_4xx,
        }
        if floor_p50:
            out["p50_ratio_to_floor"] = round(_percentile(self.latencies, 50) / floor_p50, 2)
        if self.writes or self.write_errors:
            out["write_cycles"] = self.writes
            out["write_cycle_mean_s"] = round(sum(self.write_seconds) / len(self.write_seconds), 1) \
                if self.write_seconds else None
            out["write_errors"] = self.write_errors[:5]
        return out


def _requests(questions: list[str]) -> list[tuple[str, str, str, dict | None]]:
    """The read mix: (kind, method, path, json body)."""
    mix: list[tuple[str, str, str, dict | None]] = []
    for i, question in enumerate(questions):
        authority = STABLE_AUTHORITIES[i % len(STABLE_AUTHORITIES)]
        topic = TOPICS[i % len(TOPICS)]
        mix += [
            ("ask", "POST", "/api/ask", {"question": question}),
            ("ask_authority", "POST", "/api/ask", {"question": question, "authorities": [authority]}),
            ("search", "POST", "/api/search", {"query": question, "k": 5, "authorities": [authority]}),
            ("compare", "GET", f"/api/compare?topic={topic.replace(' ', '%20')}", None),
            ("obligations", "GET", f"/api/obligations?authority={authority}", None),
            ("documents", "GET", "/api/documents", None),
            ("healthz", "GET", "/healthz", None),
        ]
    return mix


async def _client_loop(client: httpx.AsyncClient, mix, phase: Phase, until: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        kind, method, path, body = mix[rng.randrange(len(mix))]
        start = time.monotonic()
        try:
            response = await client.request(method, path, json=body)
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        elapsed = time.monotonic() - start
        phase.latencies.append(elapsed)
        phase.by_kind.setdefault(kind, []).append(elapsed)
        if status == 0 or status >= 500:
            phase.errors += 1
        elif status == 404:
            phase.wrong_404 += 1  # every request names existing authorities and topics
        elif status >= 400:
            phase.other_4xx += 1


async def _follow(client: httpx.AsyncClient, response: httpx.Response, deadline: float) -> tuple[bool, str]:
    """Wait for an upload/removal to finish: a 2xx answer (old synchronous API) or its job."""
    if response.status_code in (200, 201):
        return True, ""
    if response.status_code != 202:
        return False, f"{response.status_code}: {response.text[:200]}"
    job = response.json()["job"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        job = (await client.get(job["location"], headers=auth)).json()
    return job["status"] == "succeeded", "" if job["status"] == "succeeded" else json.dumps(job.get("error"))


async def _writer(base: str, phase: Phase, until: float, document: bytes) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        n = 0
        while time.monotonic() < until:
            n += 1
            start = time.monotonic()
            body = document + f"\n\nBenchmark copy {n}.\n".encode()  # new bytes each time: a real new version
            try:
                response = await client.post("/api/documents", files={"file": ("bench-extra.txt", body)},
                                             data={"authority": WRITE_AUTHORITY, "title": "Benchmark extra"})
                ok, why = await _follow(client, response, until + 600)
                if not ok:
                    phase.write_errors.append(f"upload: {why}")
                    continue
                docs = (await client.get("/api/documents")).json()["documents"]
                doc_id = next(d["id"] for d in docs if d["source_name"] == "bench-extra.txt")
                response = await client.delete(f"/api/documents/{doc_id}")
                ok, why = await _follow(client, response, until + 600)
                if not ok:
                    phase.write_errors.append(f"remove: {why}")
                    continue
            except (httpx.HTTPError, StopIteration, KeyError, ValueError) as exc:
                phase.write_errors.append(f"{type(exc).__name__}: {exc}")
                continue
            phase.writes += 1
            phase.write_seconds.append(time.monotonic() - start)


async def _run_phase(base: str, name: str, clients: int, seconds: float, mix, write: bytes | None) -> Phase:
    phase = Phase(name, seconds)
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        tasks = [_client_loop(client, mix, phase, until, seed) for seed in range(clients)]
        if write is not None:
            tasks.append(_writer(base, phase, until, write))
        await asyncio.gather(*tasks)
    return phase


def _wait_ready(base: str, proc: subprocess.Popen, dense: bool, seconds: float = START_SECONDS) -> float:
    """Seconds until /healthz answers ready (and dense_ready, when asked and reported)."""
    start = time.monotonic()
    with httpx.Client(base_url=base, timeout=10) as client:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError, ValueError):  # not listening yet: poll again
                health = client.get("/healthz")
                data = health.json() if health.status_code == 200 else {}
                ready = data.get("ready", "documents" in data)
                if ready and (not dense or data.get("dense_ready", True)):
                    return time.monotonic() - start
            if time.monotonic() - start > seconds:
                raise SystemExit("the server did not become ready in time")
            time.sleep(0.2)


def _serve(root: Path, env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "a") as handle:
        return subprocess.Popen(_cli(root) + ["serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, cwd=root, stdout=handle, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)


async def _poll(client: httpx.AsyncClient, kind: str, times: list[float]) -> None:
    """One probe request (``healthz`` or ``ask``), its latency appended (a failure counts as 30 s)."""
    t = time.monotonic()
    try:
        if kind == "healthz":
            response = await client.get("/healthz", timeout=30)
        else:
            response = await client.post("/api/ask", json={"question": PROBE_QUESTION}, timeout=30)
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    times.append(time.monotonic() - t if ok else 30.0)


def _probe_summary(times: list[float], floor: list[float]) -> dict:
    p50, floor_p50 = _percentile(times, 50), _percentile(floor, 50)
    return {
        "polls": len(times), "p50_ms": round(1000 * p50, 1), "p95_ms": round(1000 * _percentile(times, 95), 1),
        "max_ms": round(1000 * max(times, default=float("nan")), 1),
        "floor_p50_ms": round(1000 * floor_p50, 1),
        "p50_ratio_to_floor": round(p50 / floor_p50, 2) if floor_p50 else None,
        "p95_ratio_to_floor": round(_percentile(times, 95) / floor_p50, 2) if floor_p50 else None,
        "stalled_over_1s": sum(1 for x in times if x >= STALL_SECONDS),
    }


def _health_during_pdf_upload(base: str, floor_polls: int = 20) -> dict:
    """/healthz and one question polled (one after the other, 100 ms apart) while the fixture PDF
    is uploaded and indexed; the floor is the same polls on the idle server just before."""
    pdf = ROOT / "tests" / "fixtures" / "childrens-homes-regulations-2015.pdf"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    probes: dict[str, list[float]] = {"healthz": [], "ask": []}
    floor: dict[str, list[float]] = {"healthz": [], "ask": []}

    async def run() -> tuple[float, str]:
        async with httpx.AsyncClient(base_url=base, timeout=900) as client:
            for _ in range(floor_polls):
                for kind in floor:
                    await _poll(client, kind, floor[kind])
                await asyncio.sleep(0.1)
            start = time.monotonic()
            upload = asyncio.create_task(client.post(
                "/api/documents", headers=headers, files={"file": (pdf.name, pdf.read_bytes())},
                data={"authority": "Benchmark Regulators"}))
            done_at: float | None = None
            job = None
            while done_at is None:
                for kind in probes:
                    await _poll(client, kind, probes[kind])
                if upload.done():
                    response = upload.result()
                    if response.status_code in (200, 201) or response.status_code >= 400:
                        done_at = time.monotonic()
                        break
                    job = job or response.json()["job"]
                    job = (await client.get(job["location"], headers=headers)).json()
                    if job["status"] in ("succeeded", "failed"):
                        done_at = time.monotonic()
                await asyncio.sleep(0.1)
            status = job["status"] if job else str(upload.result().status_code)
            # Remove it again (not timed).
            docs = (await client.get("/api/documents")).json()["documents"]
            for d in docs:
                if d["authority"] == "Benchmark Regulators":
                    response = await client.delete(f"/api/documents/{d['id']}", headers=headers)
                    await _follow(client, response, time.monotonic() + 600)
            return done_at - start, status

    took, status = asyncio.run(run())
    latencies = probes["healthz"]
    return {
        "upload_seconds": round(took, 1), "upload_status": status, "polls": len(latencies),
        "healthz_p50_ms": round(1000 * _percentile(latencies, 50), 1),
        "healthz_p95_ms": round(1000 * _percentile(latencies, 95), 1),
        "healthz_max_ms": round(1000 * max(latencies, default=float("nan")), 1),
        "within_1s": sum(1 for x in latencies if x < STALL_SECONDS),
        "over_1s": sum(1 for x in latencies if x >= STALL_SECONDS),
        "healthz": _probe_summary(probes["healthz"], floor["healthz"]),
        "ask": _probe_summary(probes["ask"], floor["ask"]),
    }


def _import_floor(root: Path, env: dict) -> float:
    """Seconds a process takes to import the CLI and build the app, nothing else: the floor a
    start is measured against (on a shared 2-core machine most of a start is these imports)."""
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(root)!r}); "
                    "from service.cli import cli; from service.app import create_app; create_app()"],
                   env=env, cwd=root, check=True)
    return time.monotonic() - start


def _first_answer(base: str, proc: subprocess.Popen, start: float) -> tuple[float, list[str]]:
    """Seconds from ``start`` until the server answers ``PROBE_QUESTION`` with a 200, and its notes."""
    with httpx.Client(base_url=base, timeout=60) as client:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                response = client.post("/api/ask", json={"question": PROBE_QUESTION})
                if response.status_code == 200:
                    return time.monotonic() - start, response.json().get("notes") or []
            if time.monotonic() - start > START_SECONDS:
                raise SystemExit("the server did not answer in time")
            time.sleep(0.1)


def _count_vectors(db_path: Path, default: int) -> int:
    """Stored vectors, read without disturbing the writer (``default`` while it holds a lock)."""
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return default
    try:
        return db.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    except sqlite3.Error:
        return default
    finally:
        db.close()


def _crash_restart(root: Path, env: dict, data: Path, workdir: Path, crash_after: float) -> dict:
    """Kill `standards index rebuild` half-way through re-embedding, then time a fresh server."""
    crash = workdir / "crash-data"
    shutil.rmtree(crash, ignore_errors=True)
    crash.mkdir(parents=True)
    src = sqlite3.connect(data / "standards.db")
    dst = sqlite3.connect(crash / "standards.db")
    with dst:
        src.backup(dst)
    src.close()
    total = dst.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
    with dst:
        dst.execute("DELETE FROM clause_embeddings")
    dst.close()
    env = dict(env, STANDARDS_DATA_DIR=str(crash))
    rebuild = subprocess.Popen(_cli(root) + ["index", "rebuild"], env=env, cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_at = 0
    started = time.monotonic()
    try:
        # Half the vectors stored, or (code that commits them all at the end) crash_after seconds.
        while rebuild.poll() is None and time.monotonic() - started < crash_after:
            time.sleep(0.2)
            killed_at = _count_vectors(crash / "standards.db", killed_at)
            if killed_at >= total // 2:
                break
        killed_after = time.monotonic() - started
    finally:
        rebuild.kill()
        rebuild.wait(30)
    db = sqlite3.connect(crash / "standards.db")
    kept = db.execute("SELECT COUNT(*) FROM clause_embeddings").fetchone()[0]
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    import_floor = _import_floor(root, env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.monotonic()
    proc = _serve(root, env, port, crash / "server.log")
    try:
        serving, notes = _first_answer(base, proc, start)
        try:
            dense: float | None = _wait_ready(base, proc, dense=True) + serving
        except SystemExit:  # still re-embedding after START_SECONDS: say so, keep the other figures
            dense = None
    finally:
        _stop(proc)
    return {
        "clauses": total, "killed_after_s": round(killed_after, 1), "vectors_when_killed": killed_at,
        "vectors_kept_after_kill": kept,
        "integrity": integrity, "import_floor_s": round(import_floor, 1), "first_answer_s": round(serving, 1),
        "first_answer_ratio_to_floor": round(serving / import_floor, 2), "dense_ready_s": round(dense, 1) if dense is not None else None,
        "first_answer_note": notes[0][:80] if notes else None,
    }


def _load_phases(root: Path, env: dict, workdir: Path, report: dict, clients: int, seconds: float, mix,
                 document: bytes, args) -> None:
    """Phases 1-4 against one server."""
    import_floor = _import_floor(root, env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    proc = _serve(root, env, port, workdir / "server.log")
    try:
        first, _ = _first_answer(base, proc, started)
        report["start"] = {"import_floor_s": round(import_floor, 1), "first_answer_s": round(first, 1),
                           "first_answer_ratio_to_floor": round(first / import_floor, 2)}
        print(json.dumps({"start": report["start"]}), flush=True)
        report["startup_ready_s"] = round(_wait_ready(base, proc, dense=True) + first, 1)
        print(f"server ready (dense index too) after {time.monotonic() - started:.1f} s", flush=True)
        asyncio.run(_run_phase(base, "warm-up", 2, 5, mix, None))
        floor = asyncio.run(_run_phase(base, "floor", 1, min(args.floor_seconds, MAX_SECONDS), mix, None))
        floor_p50 = _percentile(floor.latencies, 50)
        read = asyncio.run(_run_phase(base, "read", clients, seconds, mix, None))
        print(json.dumps({"read": read.summary(floor_p50)}), flush=True)
        write = asyncio.run(_run_phase(base, "read+write", clients, seconds, mix, document))
        report["phases"] = {p.name: p.summary(floor_p50) for p in (floor, read, write)}
        print(json.dumps(report["phases"]), flush=True)
        report["p95_by_kind_ms"] = {
            p.name: {k: round(1000 * _percentile(v, 95), 1) for k, v in sorted(p.by_kind.items())}
            for p in (read, write)
        }
        report["server_rss_mb"] = round(psutil.Process(proc.pid).memory_info().rss / 1048576)
        if not args.skip_pdf:
            print("health during the fixture PDF upload ...", flush=True)
            report["healthz_during_pdf_upload"] = _health_during_pdf_upload(base)
            print(json.dumps(report["healthz_during_pdf_upload"]), flush=True)
    finally:
        _stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--floor-seconds", type=float, default=10)
    parser.add_argument("--data-dir", type=Path, help="a data dir holding the corpus (default: ingest into a temp dir)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code is served")
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "qa-dev.jsonl")
    parser.add_argument("--skip-crash", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--skip-load", action="store_true", help="skip phases 1-4 (only the crash restart)")
    parser.add_argument("--crash-after", type=float, default=600,
                        help="kill the re-embedding after this many seconds if half the vectors are not stored yet")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load_bench.json")
    args = parser.parse_args()
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    root = args.root.resolve()
    questions = [json.loads(line)["question"] for line in args.gold.read_text().splitlines() if line.strip()]
    mix = _requests(questions)
    document = (root / "corpus" / "000_da2ac1c53df745bd.txt").read_bytes()

    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    env = dict(os.environ, HF_HUB_OFFLINE="1", STANDARDS_CORPUS_DIR=str(root / "corpus"),
               STANDARDS_ADMIN_TOKEN=TOKEN, STANDARDS_LOGIN_ATTEMPTS="1000")
    data = args.data_dir or workdir / "data"
    env["STANDARDS_DATA_DIR"] = str(data)
    if not args.data_dir:
        print(f"ingesting the corpus into {data} ...", flush=True)
        subprocess.run(_cli(root) + ["ingest", str(root / "corpus")], env=env, cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    report: dict = {"root": str(root), "clients": clients, "seconds": seconds,
                    "cpu_count": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    if not args.skip_load:
        _load_phases(root, env, workdir, report, clients, seconds, mix, document, args)
    if not args.skip_crash:
        print("crash mid-embedding, then restart ...", flush=True)
        report["crash_restart"] = _crash_restart(root, env, data, workdir, min(args.crash_after, 1800))
    report["load_average_at_end"] = os.getloadavg()

    print(json.dumps(report, indent=2))
    print("\nside by side (floor = 1 client, same mix):")
    print(f"{'phase':<12}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'wrong404':>9}{'x floor':>9}")
    for name, s in report.get("phases", {}).items():
        print(f"{name:<12}{s['requests_per_s']:>8}{s['p50_ms']:>9}{s['p95_ms']:>9}{s['p99_ms']:>9}"
              f"{s['errors']:>8}{s['wrong_404']:>9}{s.get('p50_ratio_to_floor', ''):>9}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
