"""Benchmark: /api/ask warm latency over HTTP on loopback, and the server's resident memory.

Starts `standards serve` as a subprocess on 127.0.0.1 (a free port) against a data dir holding
the shipped corpus (ingested first into a temporary dir unless --data-dir is given), waits for
/healthz, asks every dev question once to warm up, then asks them again for --rounds rounds
and reports p50/p95/max latency and the server's RSS after warm-up.

    .venv/bin/python benchmarks/ask_bench.py [--rounds 5] [--data-dir DIR] [--gold eval/qa-dev.jsonl]

Target (issue 5): p95 <= 60 ms. Results are printed and written to benchmarks/results/ask_bench.json.
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
import psutil

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the questions (bounded: max 50)")
    parser.add_argument("--data-dir", type=Path, help="an existing data dir (default: ingest the corpus into a temp dir)")
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "qa-dev.jsonl")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 50))
    questions = [json.loads(line)["question"] for line in args.gold.read_text().splitlines() if line.strip()]

    env = dict(os.environ, HF_HUB_OFFLINE="1", STANDARDS_CORPUS_DIR=str(ROOT / "corpus"))
    env.pop("STANDARDS_ADMIN_TOKEN", None)
    tmp = None
    if args.data_dir:
        env["STANDARDS_DATA_DIR"] = str(args.data_dir)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="ask-bench-")
        env["STANDARDS_DATA_DIR"] = tmp.name
        subprocess.run([str(VENV_BIN / "standards"), "ingest", str(ROOT / "corpus")], env=env, check=True,
                       stdout=subprocess.DEVNULL)

    port = _free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "standards"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}")
                with contextlib.suppress(httpx.TransportError):  # not listening yet: poll again
                    if client.get("/healthz").status_code == 200:
                        break
                if time.perf_counter() - t0 > 180:
                    raise SystemExit("server did not come up within 180 s")
                time.sleep(0.2)
            startup = time.perf_counter() - t0
            for q in questions:  # warm-up: every code path once
                client.post("/api/ask", json={"question": q}).raise_for_status()
            rss = psutil.Process(server.pid).memory_info().rss
            latencies = []
            for _ in range(rounds):
                for q in questions:
                    t = time.perf_counter()
                    client.post("/api/ask", json={"question": q}).raise_for_status()
                    latencies.append((time.perf_counter() - t) * 1000)
            rss_after = psutil.Process(server.pid).memory_info().rss
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if tmp:
            tmp.cleanup()

    result = {
        "questions": len(questions),
        "requests": len(latencies),
        "startup_s": round(startup, 2),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "rss_after_warmup_mb": round(rss / 2**20, 1),
        "rss_after_run_mb": round(rss_after / 2**20, 1),
        "target_p95_ms": 60,
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ask_bench.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
