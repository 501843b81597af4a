"""Benchmark: warm latency of the query endpoints (everything but ask) over HTTP on loopback.

Starts `standards serve` on 127.0.0.1 (a free port) against a data dir holding the shipped
corpus (ingested first into a temporary dir unless --data-dir is given), calls every endpoint
once to warm up, then --rounds times, and reports p50/p95 per endpoint and each p50 as a ratio
to the p50 of GET /healthz measured in the same run (the floor: HTTP and the app's middleware,
no query work), so figures from a busy shared machine stay comparable.

    .venv/bin/python benchmarks/query_bench.py [--rounds 20] [--data-dir DIR] [--code-root DIR]

--code-root runs the server from another checkout's code (e.g. an export of `main`) with this
venv, for before/after figures on the same data. Results go to benchmarks/results/query_bench.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MAX_ROUNDS = 200
STARTUP_SECONDS = 300  # the model loads at startup; a shared 2-core machine is slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _requests(client: httpx.Client) -> dict[str, tuple[str, str, dict]]:
    """name -> (method, path, httpx kwargs): the queries a page or a script makes."""
    docs = client.get("/api/documents").json()["documents"]
    doc = next(d for d in docs if d["authority"] == "Wokingham")["id"]
    obligations = client.get("/api/obligations", params={"authority": "Wokingham", "topic": "core group meeting"})
    clause = obligations.json()["obligations"][0]["clause_id"]
    return {
        "healthz (floor)": ("GET", "/healthz", {}),
        "compare core group meeting": ("GET", "/api/compare", {"params": {"topic": "core group meeting"}}),
        "compare child in care visit": ("GET", "/api/compare", {"params": {"topic": "child in care visit"}}),
        "obligations (all)": ("GET", "/api/obligations", {}),
        "obligations Wiltshire, Team Manager": (
            "GET", "/api/obligations", {"params": {"authority": "Wiltshire", "role": "Team Manager"}}),
        "conflicts (all)": ("GET", "/api/conflicts", {}),
        "topics": ("GET", "/api/topics", {}),
        "documents": ("GET", "/api/documents", {}),
        "document view (Wokingham)": ("GET", f"/api/documents/{doc}", {}),
        "clause in context": ("GET", f"/api/clauses/{clause}", {}),
        "search (hybrid, k=10)": ("POST", "/api/search", {"json": {"query": "core group minutes", "k": 10}}),
        "deadline": ("POST", "/api/deadline", {"json": {"authority": "Wokingham", "topic": "core group meeting",
                                                         "from": "2026-04-01"}}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help=f"timed calls per endpoint (max {MAX_ROUNDS})")
    parser.add_argument("--data-dir", type=Path, help="an existing data dir (default: ingest the corpus into a temp dir)")
    parser.add_argument("--code-root", type=Path, default=ROOT, help="checkout whose code the server runs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "query_bench.json")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, MAX_ROUNDS))
    code_root = args.code_root.resolve()

    env = dict(os.environ, HF_HUB_OFFLINE="1", STANDARDS_CORPUS_DIR=str(ROOT / "corpus"),
               PYTHONPATH=str(code_root))
    env.pop("STANDARDS_ADMIN_TOKEN", None)
    tmp = None
    if args.data_dir:
        env["STANDARDS_DATA_DIR"] = str(args.data_dir.resolve())
    else:
        tmp = tempfile.TemporaryDirectory(prefix="query-bench-")
        env["STANDARDS_DATA_DIR"] = tmp.name
        subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "ingest", str(ROOT / "corpus")],
                       env=env, cwd=code_root, check=True, stdout=subprocess.DEVNULL)

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "serve", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, cwd=code_root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"server not up within {STARTUP_SECONDS}s")
                with contextlib.suppress(httpx.TransportError):  # not listening yet: poll again
                    if client.get("/healthz").status_code == 200:
                        break
                time.sleep(0.5)
            requests = _requests(client)
            timings: dict[str, list[float]] = {name: [] for name in requests}
            for name, (method, path, kwargs) in requests.items():  # warm-up, and every call must succeed
                response = client.request(method, path, **kwargs)
                if response.status_code != 200:
                    raise SystemExit(f"{name}: {response.status_code} {response.text[:300]}")
            for _ in range(rounds):  # interleaved, so load on the shared machine falls on all alike
                for name, (method, path, kwargs) in requests.items():
                    t0 = time.perf_counter()
                    client.request(method, path, **kwargs)
                    timings[name].append((time.perf_counter() - t0) * 1000)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if tmp is not None:
            tmp.cleanup()

    floor = statistics.median(timings["healthz (floor)"])
    report = {
        "code_root": str(code_root),
        "rounds": rounds,
        "load_average": os.getloadavg()[0],
        "floor_p50_ms": round(floor, 2),
        "endpoints": {
            name: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(_percentile(v, 95), 2),
                   "p50_over_floor": round(statistics.median(v) / floor, 1)}
            for name, v in timings.items()
        },
    }
    print(f"{'endpoint':<38} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8}")
    for name, r in report["endpoints"].items():
        print(f"{name:<38} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p50_over_floor']:>8.1f}")
    print(f"(floor: GET /healthz p50 {floor:.2f} ms; load average {report['load_average']:.1f}; {rounds} rounds)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
