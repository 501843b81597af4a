"""Benchmark: one instance against two on one PostgreSQL database, 20 clients each, side by side.

Ingests the shipped corpus into an empty PostgreSQL schema (``standards ingest``), starts one
``standards serve`` on loopback and runs N concurrent clients asking the development questions
(``POST /api/ask``, in a loop, each client starting at its own offset) for D seconds; then
starts a second instance on the same database (its own data folder: it rebuilds its FAISS
cache from the vectors in PostgreSQL) and runs the same load spread over both. Before each
load phase the ``/healthz`` round trip is measured on its own: the floor of the same run,
so latencies read as multiples of it. With ``--sqlite`` a single SQLite instance over the same
corpus is measured too, for the cost of the engine itself.

    .venv/bin/python benchmarks/instances_bench.py [--clients 20] [--seconds 30] [--database-url URL] [--sqlite]
        [--refresh [--refresh-rounds 3] [--refresh-clients 4] [--refresh-only]]

``--refresh`` measures what another instance's upload costs an instance's users: with both
instances up, ``--refresh-clients`` clients keep asking B questions while a small document is
uploaded through A, and B is polled until it answers from that document. Per round: seconds from
sending the upload to B's first answer from it, and B's latencies over that window (the slowest
question in flight, p50) beside the same clients' latencies over an equal quiet window just
before (the floor of the same run, so the refresh reads as a multiple of it). It only uses the
HTTP API, so it measures any version of the service the same way.

Without ``--database-url`` (or ``STANDARDS_TEST_DATABASE_URL``), a throwaway PostgreSQL cluster
is started with scripts/test_postgres.sh and stopped at the end. Loopback only; every loop is
bounded in time. Results: printed, and written to benchmarks/results/instances_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Bounds: a phase never runs longer than this, whatever is asked.
MAX_SECONDS = 120
MAX_CLIENTS = 100
START_TIMEOUT = 600  # loading the model and building the FAISS cache on a busy 2-core machine
FLOOR_REQUESTS = 200
# --refresh: bounds of one round (a server that never picks the upload up ends the round).
REFRESH_TIMEOUT = 120
# Seconds the clients ask B before each upload; the quiet window (as long as the round's refresh
# window, at most this minus the first second) is taken from their end.
QUIET_SECONDS = 10
MAX_ROUNDS = 10
BENCH_TOKEN = "instances-bench-" + uuid.uuid4().hex
# Invented authorities (one per round), each with a two-duty standard like the tests' Testshire.
REFRESH_AUTHORITIES = ("Benchshire", "Loadford", "Refreshton", "Swapbury", "Queueham", "Latencyby",
                       "Snapwick", "Cacheley", "Notifield", "Pollchester")
REFRESH_STANDARD = (
    "{name} Practice Standards\n\n"
    "Core Group Meetings\n"
    "1. The first core group meeting will be held within 8 working days of the Initial Child Protection Conference.\n"
    "2. Thereafter, core group meetings will be held at least every 4 weeks.\n"
)
REFRESH_FRAGMENT = "within 8 working days of the Initial Child Protection Conference"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextlib.contextmanager
def postgres_url(given: str | None) -> Iterator[str]:
    """``given``, or a throwaway cluster's URL (started with the test script, stopped after)."""
    if given:
        yield given
        return
    script = (
        "set -e; source scripts/test_postgres.sh; trap pg_test_stop EXIT; pg_test_start >&2; "
        'echo "$STANDARDS_TEST_DATABASE_URL"; read -r _'
    )
    proc = subprocess.Popen(["bash", "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        if not url:
            raise SystemExit("could not start a PostgreSQL cluster (see the messages above)")
        yield url
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()  # the script's `read` ends, its trap stops the cluster
        proc.wait(60)


def fresh_schema_url(base: str) -> str:
    """``base`` with its tables in a new schema of their own."""
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


@dataclass
class Instance:
    """One ``standards serve`` subprocess on loopback."""

    data_dir: Path
    database_url: str
    token: str = ""  # STANDARDS_ADMIN_TOKEN: uploads enabled when set (--refresh)
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, HF_HUB_OFFLINE="1", STANDARDS_CORPUS_DIR=str(ROOT / "corpus"),
                   STANDARDS_DATA_DIR=str(self.data_dir), STANDARDS_DATABASE_URL=self.database_url)
        env.pop("STANDARDS_ADMIN_TOKEN", None)
        if self.token:
            env["STANDARDS_ADMIN_TOKEN"] = self.token
        return env

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "serve.log").open("a")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "standards"), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env(), cwd=ROOT, stdout=log, stderr=log,
        )

    def wait_ready(self) -> None:
        """Until /healthz answers and a question is answered from the full (dense) index."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise SystemExit(f"instance on {self.port} exited; see {self.data_dir / 'serve.log'}")
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.post(f"{self.base}/api/ask", json={"question": "core group timescale"}, timeout=30)
                # A server still building its dense index says so in its notes; wait for the full one.
                if r.status_code == 200 and not any("keyword search" in n for n in r.json().get("notes", [])):
                    return
            time.sleep(1)
        raise SystemExit(f"instance on {self.port} not ready after {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def ingest(data_dir: Path, database_url: str) -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", STANDARDS_CORPUS_DIR=str(ROOT / "corpus"),
               STANDARDS_DATA_DIR=str(data_dir), STANDARDS_DATABASE_URL=database_url)
    subprocess.run([str(VENV_BIN / "standards"), "ingest", str(ROOT / "corpus")], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def floor_ms(bases: list[str]) -> float:
    """p50 of /healthz round trips (sequential): what any request costs at least."""
    times = []
    with httpx.Client(timeout=10) as client:
        for i in range(FLOOR_REQUESTS):
            start = time.perf_counter()
            client.get(f"{bases[i % len(bases)]}/healthz")
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def load(bases: list[str], questions: list[str], clients: int, seconds: float) -> dict:
    """``clients`` concurrent loops of questions over ``bases`` (round robin) for ``seconds``."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client_loop(n: int, http: httpx.AsyncClient) -> None:
        i = n * 7  # each client starts at its own question
        while time.monotonic() < deadline:
            base = bases[i % len(bases)]
            question = questions[i % len(questions)]
            i += 1
            start = time.perf_counter()
            try:
                r = await http.post(f"{base}/api/ask", json={"question": question})
                ok = r.status_code == 200
                key = str(r.status_code)
            except httpx.HTTPError as exc:
                ok, key = False, type(exc).__name__
            if ok:
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                errors[key] = errors.get(key, 0) + 1

    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client_loop(n, http) for n in range(clients)))
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies), "errors": errors, "seconds": round(elapsed, 1),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50), 1), "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
    }


async def _answers_from(http: httpx.AsyncClient, base: str, name: str) -> bool:
    """True when ``base`` answers the round's question citing the round's document."""
    question = f"When must the first core group meeting take place in {name}?"
    try:
        r = await http.post(f"{base}/api/ask", json={"question": question})
    except httpx.HTTPError:
        return False
    if r.status_code != 200:
        return False
    return any(c.get("authority") == name and REFRESH_FRAGMENT in " ".join(str(c.get("text", "")).split())
               for c in r.json().get("citations", []))


async def refresh_round(a: Instance, b: Instance, name: str, questions: list[str], clients: int) -> dict:
    """One upload through ``a``: how long until ``b`` answers from it, and ``b``'s latencies meanwhile
    against an equal quiet window just before."""
    timings: list[tuple[float, float]] = []  # (started, seconds) of B's answered background questions
    errors: dict[str, int] = {}
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)

    async def asker(n: int, http: httpx.AsyncClient) -> None:
        i = n * 7
        while not stop.is_set():
            started = time.monotonic()
            try:
                r = await http.post(f"{b.base}/api/ask", json={"question": questions[i % len(questions)]})
                key = None if r.status_code == 200 else str(r.status_code)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            if key is None:
                timings.append((started, time.monotonic() - started))
            else:
                errors[key] = errors.get(key, 0) + 1
            i += 1

    def in_flight(start: float, end: float) -> list[float]:
        return [took for began, took in timings if began <= end and began + took >= start]

    async with httpx.AsyncClient(timeout=REFRESH_TIMEOUT, limits=limits) as http:
        tasks = [asyncio.create_task(asker(n, http)) for n in range(clients)]
        try:
            quiet_start = time.monotonic()
            await asyncio.sleep(QUIET_SECONDS)  # the quiet window: the same clients, no upload
            files = {"file": (f"{name.lower()}_standards.txt", REFRESH_STANDARD.format(name=name).encode(), "text/plain")}
            quiet_end = sent = time.monotonic()
            r = await http.post(f"{a.base}/api/documents", files=files, data={"authority": name},
                                headers={"Authorization": f"Bearer {a.token}"})
            if r.status_code not in (200, 201, 202):
                raise SystemExit(f"upload through A refused: {r.status_code} {r.text[:300]}")
            accepted = time.monotonic()
            picked_up = None
            while time.monotonic() - sent < REFRESH_TIMEOUT:
                if await _answers_from(http, b.base, name):
                    picked_up = time.monotonic()
                    break
                await asyncio.sleep(0.25)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
    if picked_up is None:
        raise SystemExit(f"B did not answer from the document uploaded through A within {REFRESH_TIMEOUT} s")
    window = picked_up - sent
    # Quiet: questions asked and answered before the upload was sent; during: every question in
    # flight at any moment until B answered from the new document (one straddling both is "during").
    quiet_from = max(quiet_start + 1, quiet_end - window)
    quiet = [took for began, took in timings if began >= quiet_from and began + took <= quiet_end]
    during = in_flight(sent, picked_up)
    return {
        "authority": name, "answerable_s": round(window, 2), "upload_response_s": round(accepted - sent, 2),
        "during_n": len(during), "during_max_ms": round(max(during) * 1000, 1) if during else None,
        "during_p50_ms": round(_percentile(during, 50) * 1000, 1) if during else None,
        "quiet_n": len(quiet), "quiet_max_ms": round(max(quiet) * 1000, 1) if quiet else None,
        "quiet_p50_ms": round(_percentile(quiet, 50) * 1000, 1) if quiet else None,
        "errors": errors,
    }


def print_refresh(rounds: list[dict], clients: int) -> None:
    """The --refresh rounds as a table, and the worst of them."""
    print(f"\nrefresh: a document uploaded through A, {clients} clients asking B meanwhile (loopback)")
    print(f"{'round':<12}{'answerable s':>13}{'upload resp s':>14}{'n':>5}{'max ms':>9}{'p50 ms':>9}"
          f"{'quiet n':>8}{'quiet max':>10}{'quiet p50':>10}{'max/quiet max':>14}{'errors':>8}")
    for r in rounds:
        ratio = r["during_max_ms"] / r["quiet_max_ms"] if r["during_max_ms"] and r["quiet_max_ms"] else float("nan")
        print(f"{r['authority']:<12}{r['answerable_s']:>13}{r['upload_response_s']:>14}{r['during_n']:>5}"
              f"{r['during_max_ms']:>9}{r['during_p50_ms']:>9}{r['quiet_n']:>8}{r['quiet_max_ms']:>10}"
              f"{r['quiet_p50_ms']:>10}{ratio:>13.1f}x{sum(r['errors'].values()):>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--database-url", default=os.environ.get("STANDARDS_TEST_DATABASE_URL"),
                        help="a PostgreSQL server to use (an empty schema is made in it)")
    parser.add_argument("--sqlite", action="store_true", help="also measure one SQLite instance")
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "qa-dev.jsonl")
    parser.add_argument("--refresh", action="store_true",
                        help="also measure an upload through A as seen by B (time to answerable, B's latencies)")
    parser.add_argument("--refresh-rounds", type=int, default=3)
    parser.add_argument("--refresh-clients", type=int, default=4)
    parser.add_argument("--refresh-only", action="store_true", help="skip the throughput phases (implies --refresh)")
    args = parser.parse_args()
    args.refresh = args.refresh or args.refresh_only
    rounds_wanted = max(1, min(args.refresh_rounds, MAX_ROUNDS))
    refresh_clients = max(1, min(args.refresh_clients, MAX_CLIENTS))
    refresh: list[dict] = []
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    questions = [json.loads(line)["question"] for line in args.gold.read_text().splitlines() if line.strip()]

    results: dict[str, dict] = {}
    instances: list[Instance] = []
    with tempfile.TemporaryDirectory(prefix="instances-bench-") as tmp, postgres_url(args.database_url) as base:
        try:
            url = fresh_schema_url(base)
            token = BENCH_TOKEN if args.refresh else ""
            first = Instance(Path(tmp) / "a", url, token)
            print("ingesting the corpus into PostgreSQL ...", file=sys.stderr)
            ingest(first.data_dir, url)
            first.start()
            instances.append(first)
            first.wait_ready()
            if not args.refresh_only:
                floor = floor_ms([first.base])
                print(f"one instance: {clients} clients for {seconds:.0f} s ...", file=sys.stderr)
                results["postgresql, 1 instance"] = asyncio.run(load([first.base], questions, clients, seconds))
                results["postgresql, 1 instance"]["floor_ms"] = round(floor, 2)

            second = Instance(Path(tmp) / "b", url, token)
            second.start()
            instances.append(second)
            second.wait_ready()
            bases = [first.base, second.base]
            if not args.refresh_only:
                floor = floor_ms(bases)
                print(f"two instances: {clients} clients for {seconds:.0f} s ...", file=sys.stderr)
                results["postgresql, 2 instances"] = asyncio.run(load(bases, questions, clients, seconds))
                results["postgresql, 2 instances"]["floor_ms"] = round(floor, 2)
            for name in REFRESH_AUTHORITIES[:rounds_wanted] if args.refresh else ():
                print(f"refresh round: {name} uploaded through A, {refresh_clients} clients asking B ...",
                      file=sys.stderr)
                refresh.append(asyncio.run(refresh_round(first, second, name, questions, refresh_clients)))
            for inst in instances:
                inst.stop()
            instances.clear()

            if args.sqlite:
                lite = Instance(Path(tmp) / "sqlite", "")
                ingest(lite.data_dir, "")
                lite.start()
                instances.append(lite)
                lite.wait_ready()
                floor = floor_ms([lite.base])
                print(f"one SQLite instance: {clients} clients for {seconds:.0f} s ...", file=sys.stderr)
                results["sqlite, 1 instance"] = asyncio.run(load([lite.base], questions, clients, seconds))
                results["sqlite, 1 instance"]["floor_ms"] = round(floor, 2)
        finally:
            for inst in instances:
                inst.stop()

    cores = os.cpu_count()
    print(f"\n/api/ask, {clients} concurrent clients, {seconds:.0f} s per setup, loopback, {cores} cores "
          f"(load average before: {os.getloadavg()[0]:.1f}; the machine is shared)")
    print(f"{'setup':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'floor ms':>10}{'p50/floor':>11}")
    for name, r in results.items():
        ratio = r["p50_ms"] / r["floor_ms"] if r["floor_ms"] else float("nan")
        print(f"{name:<26}{r['rps']:>8}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
              f"{sum(r['errors'].values()):>8}{r['floor_ms']:>10}{ratio:>10.1f}x")
    one, two = results.get("postgresql, 1 instance"), results.get("postgresql, 2 instances")
    if one and two and one["rps"]:
        print(f"two instances / one: {two['rps'] / one['rps']:.2f}x the throughput")
    if refresh:
        print_refresh(refresh, refresh_clients)
    out = ROOT / "benchmarks" / "results" / "instances_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"clients": clients, "seconds": seconds, "results": results, "refresh": refresh},
                              indent=2))


if __name__ == "__main__":
    main()
