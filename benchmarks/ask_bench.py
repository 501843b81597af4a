"""Benchmark: how long a practitioner waits for an answer, as a multiple of what the model allows.

Every question is DISTINCT and asked ONCE, after a warm-up on other questions (generated from
the taxonomy's topics and the store's authorities, none equal to a measured one), so nothing
the service may cache per question text can help it; a user never asks the same thing twice in
a row either. Questions: the development set (``eval/qa-dev.jsonl``), the open development set
(``../shared/eval/qa-open-dev.jsonl``, follow-ups sent with their ``history``) and the other
authorities' questions (``../shared/eval/other-authorities/qa-*.jsonl``). The store holds the
shipped corpus plus every other-authority excerpt, ingested under its manifest authority and
read in place (nothing is copied into the repository).

Two ways of asking (``--mode``):

- ``http``: a real ``standards serve`` on loopback (a free port), ``POST /api/ask`` over one
  keep-alive connection. Reports wall time per request, the SERVER process's CPU time per
  request (its process CPU clock; psutil gives the total), its resident memory after the run
  and its peak (VmHWM).
- ``inprocess``: ``service.answer.ask`` called directly on a loaded state, to separate the HTTP
  and JSON overhead from the work.

The floor, measured IN THE SAME RUN the same way (distinct questions, once each, warm,
interleaved with the asking so both see the same machine load): one query embedding
(``Embedder.encode_query`` on the question), one FAISS search and one FTS5/BM25 query (k=50,
as the retriever fetches) on this store. Its sum per question is what any answer costs at
least; the answer's p50/p95 are reported as multiples of the floor's p50/p95. The query
embedding is the service's own (a TorchScript trace of the model when it can be traced); the
same question through the model's untraced modules is timed beside it for reference and is not
part of the floor.

    .venv/bin/python benchmarks/ask_bench.py [--mode both|http|inprocess] [--data-dir DIR]
        [--label before] [--warmup 40] [--profile 30] [--encoder-ab]

Writes benchmarks/results/ask_bench.json (and a copy named after --label) and prints a table.
Targets (issue 14): HTTP p95 <= 30 ms, p99 <= 60 ms, server RSS <= 700 MB after the run.
The machine may be shared: wall time includes waiting for a core, CPU time does not.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
import psutil  # noqa: E402

SHARED = ROOT.parent / "shared"
DEV_GOLD = ROOT / "eval" / "qa-dev.jsonl"
# Candidates the retriever takes from each of BM25 and FAISS (index.search.MIN_CANDIDATES);
# the floor searches as deep so it costs what the service's searches cost.
FLOOR_DEPTH = 50
STARTUP_TIMEOUT_S = 300
REQUEST_TIMEOUT_S = 60
TARGETS_MS = {"p95": 30.0, "p99": 60.0}
# The floor's parts, and (last) the untraced query embedding shown beside them, not counted in it.
FLOOR_PARTS = ("embed", "faiss", "bm25", "embed_untraced")
TARGET_RSS_MB = 700.0
# English framing for the warm-up questions; the subjects come from the taxonomy and the store.
WARMUP_TEMPLATES = (
    "What is the timescale for {topic} in {authority}?",
    "Who is responsible for {topic} in {authority}?",
    "How often does {topic} happen in {authority}?",
    "Compare {topic} in {authority} and {other}.",
    "What do the standards say about {topic}?",
)


# --- questions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    """One question as a client sends it: its text, the earlier questions, where it came from."""

    text: str
    history: tuple[str, ...] = ()
    source: str = ""
    id: str = ""


def fold(text: str) -> str:
    """Case- and space-folded text: two questions that fold alike are the same question."""
    return " ".join(text.casefold().split())


def default_gold_files(shared: Path, other_authorities: bool) -> list[Path]:
    """The development questions, the open development questions and (optionally) the other
    authorities' questions; missing shared files are skipped."""
    files = [DEV_GOLD, shared / "eval" / "qa-open-dev.jsonl"]
    if other_authorities:
        files.extend(sorted((shared / "eval" / "other-authorities").glob("qa-*.jsonl")))
    return [f for f in files if f.is_file()]


def load_questions(paths: Iterable[Path]) -> list[Question]:
    """Every distinct question of the gold files, in file order, each once (the first wins)."""
    seen: set[str] = set()
    out: list[Question] = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            item = json.loads(line)
            text = str(item["question"]).strip()
            key = fold(text)
            if not text or key in seen:
                continue
            seen.add(key)
            history = tuple(str(h) for h in item.get("history") or ())
            out.append(Question(text, history, Path(path).name, str(item.get("id") or f"{Path(path).stem}:{n}")))
    return out


def warmup_questions(topics: Sequence[str], authorities: Sequence[str], exclude: Iterable[str], n: int) -> list[str]:
    """``n`` distinct questions from ``WARMUP_TEMPLATES`` x topics x authorities, none of which
    folds to a text in ``exclude`` (the measured questions)."""
    if n <= 0 or not topics:
        return []
    banned = {fold(t) for t in exclude}
    auths = list(authorities) or ["the local authority"]
    out: list[str] = []
    seen: set[str] = set()
    for i in range(len(topics) * len(WARMUP_TEMPLATES) * len(auths)):
        template = WARMUP_TEMPLATES[i % len(WARMUP_TEMPLATES)]
        topic = topics[(i // len(WARMUP_TEMPLATES)) % len(topics)]
        authority = auths[i % len(auths)]
        other = auths[(i + 1) % len(auths)]
        text = template.format(topic=topic, authority=authority, other=other)
        key = fold(text)
        if key in banned or key in seen:
            continue
        seen.add(key)
        out.append(text)
        if len(out) >= n:
            break
    return out


# --- statistics --------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``q`` % of values <= it.

    p100 is the maximum; p50 of an even count is the lower middle value (a value that occurred).
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    rank = max(1, -(-q * len(ordered) // 100))  # ceil(q/100 * n), at least the first value
    return ordered[int(rank) - 1]


def summarise(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99, max and mean of ``values`` (milliseconds), rounded to 0.01."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def floor_totals(samples: Sequence[dict[str, float]]) -> list[float]:
    """Per question, the floor: embedding + FAISS + BM25 milliseconds (what one answer costs at least)."""
    return [s["embed"] + s["faiss"] + s["bm25"] for s in samples]


def floor_ratio(measured: dict[str, float], floor: dict[str, float]) -> dict[str, float | None]:
    """The measured p50/p95 as multiples of the floor's p50/p95 (None if the floor is zero)."""
    return {
        key: round(measured[key] / floor[key], 2) if floor.get(key) else None
        for key in ("p50", "p95")
    }


# --- the floor ---------------------------------------------------------------------------------
class Floor:
    """The physical minimum of one answer: the query embedding, one FAISS and one FTS5 search."""

    def __init__(self, conn, embedder, dense) -> None:
        self.conn = conn
        self.embedder = embedder
        self.dense = dense
        # The model's own modules, as queries ran before the traced encoder: measured beside the
        # floor for reference only (never part of it), so the trace's gain shows in the same run.
        eager = getattr(embedder, "_eager_query_forward", None)
        self.untraced = eager() if eager is not None and getattr(embedder, "query_traced", False) else None

    def measure(self, text: str) -> dict[str, float]:
        """Wall milliseconds of each part for ``text``, and ``cpu``: their CPU milliseconds together.

        ``embed`` is ``Embedder.encode_query``, exactly what the service runs; ``embed_untraced``
        (when the service runs the trace) is the model's own modules, reported beside it."""
        from index.lexical import LexicalQuery, bm25_search

        c0, t0 = time.process_time(), time.perf_counter()
        vector = self.embedder.encode_query(text)
        t1 = time.perf_counter()
        self.dense.search(vector, FLOOR_DEPTH)
        t2 = time.perf_counter()
        bm25_search(self.conn, LexicalQuery.from_text(text), k=FLOOR_DEPTH)
        t3, c3 = time.perf_counter(), time.process_time()
        parts = {"embed": (t1 - t0) * 1000, "faiss": (t2 - t1) * 1000, "bm25": (t3 - t2) * 1000,
                 "cpu": (c3 - c0) * 1000}
        if self.untraced is not None:
            t4 = time.perf_counter()
            self.untraced(text)
            parts["embed_untraced"] = (time.perf_counter() - t4) * 1000
        return parts


# --- the store ---------------------------------------------------------------------------------
def other_authority_entries(oa_dir: Path) -> list[tuple[Path, str, str]]:
    """(excerpt file, authority, title) for every line of ``manifest-*.jsonl`` in ``oa_dir``."""
    out = []
    for manifest in sorted(oa_dir.glob("manifest-*.jsonl")):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                out.append((oa_dir / "docs" / entry["file"], entry["authority"], entry.get("title") or entry["file"]))
    return out


def build_store(settings, corpus_dir: Path, oa_dir: Path | None) -> dict:
    """Ingest ``corpus_dir`` (its manifest) and the other authorities' excerpts (read in place)
    into ``settings.data_dir``; unchanged files are skipped, so re-running on a built store is quick."""
    from ingest.records import DocumentMeta
    from ingest.store import connect
    from service.pipeline import PlannedFile, ingest_planned, plan_paths

    conn = connect(settings.db_path)
    try:
        planned = plan_paths([corpus_dir], settings)
        if oa_dir is not None:
            for path, authority, title in other_authority_entries(oa_dir):
                planned.append(PlannedFile(path, DocumentMeta(authority=authority, title=title)))
        t0 = time.perf_counter()
        outcomes = ingest_planned(conn, planned, settings)
        failed = [f"{o.path.name}: {o.error}" for o in outcomes if o.failed]
        clauses = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
        documents = conn.execute("SELECT COUNT(*) FROM documents WHERE current_version_id IS NOT NULL").fetchone()[0]
    finally:
        conn.close()
    return {"documents": documents, "clauses": clauses, "failed": failed, "ingest_s": round(time.perf_counter() - t0, 1)}


# --- measuring -----------------------------------------------------------------------------------
@dataclass
class Pass:
    """The measurements of one way of asking."""

    mode: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    floor: list[dict[str, float]] = field(default_factory=list)
    per_question: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def report(self) -> dict:
        """Summaries of the answer, its CPU time, the floor and its parts, and the ratios."""
        answer, cpu = summarise(self.wall), summarise(self.cpu)
        floor, floor_cpu = summarise(floor_totals(self.floor)), summarise([s["cpu"] for s in self.floor])
        return {
            "mode": self.mode,
            "wall_ms": answer,
            "cpu_ms": cpu,
            "floor_ms": floor,
            "floor_cpu_ms": floor_cpu,
            "floor_parts_ms": {part: summarise([s[part] for s in self.floor]) for part in FLOOR_PARTS
                               if all(part in s for s in self.floor)},
            "x_floor": floor_ratio(answer, floor) if self.wall else {},
            "x_floor_cpu": floor_ratio(cpu, floor_cpu) if self.cpu else {},
            **self.extra,
            "per_question": self.per_question,
        }


def measure(
    questions: Sequence[Question], floor: Floor, ask_one: Callable[[Question], tuple[dict, float]], mode: str,
    cpu_clock: Callable[[], float],
) -> Pass:
    """Ask each question once, interleaved with its floor measurement.

    ``ask_one`` returns (response dict, wall ms); ``cpu_clock`` reads the asking process's CPU
    seconds (the server's for HTTP).
    """
    result = Pass(mode)
    for q in questions:
        parts = floor.measure(q.text)
        c0 = cpu_clock()
        response, wall = ask_one(q)
        cpu = (cpu_clock() - c0) * 1000
        result.wall.append(wall)
        result.cpu.append(cpu)
        result.floor.append(parts)
        result.per_question.append({
            "id": q.id, "source": q.source, "question": q.text, "history": list(q.history),
            "wall_ms": round(wall, 2), "cpu_ms": round(cpu, 2), "floor_ms": round(floor_totals([parts])[0], 2),
            "abstained": bool(response.get("abstained")),
        })
    return result


def process_cpu_clock(pid: int) -> Callable[[], float]:
    """CPU seconds of process ``pid`` (all threads) at nanosecond resolution when the kernel
    lets us read its CPU clock; otherwise psutil's user+system time (10 ms ticks)."""
    clock_id = ((~pid) << 3) | 2  # Linux MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
    try:
        time.clock_gettime(clock_id)
        return lambda: time.clock_gettime(clock_id)
    except (OSError, OverflowError, AttributeError):
        proc = psutil.Process(pid)
        return lambda: sum(proc.cpu_times()[:2])


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), or None where /proc does not say."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _standards_cli() -> list[str]:
    exe = Path(sys.executable).parent / "standards"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from service.cli import main; main()"]


def _answer_dict(answer) -> dict:
    return answer if isinstance(answer, dict) else answer.to_dict()


def http_pass(settings, questions: Sequence[Question], warmup: Sequence[str], floor: Floor) -> Pass:
    """Start ``standards serve`` on this store, warm it, then ask every question once over HTTP."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", STANDARDS_DATA_DIR=str(settings.data_dir),
               STANDARDS_CORPUS_DIR=str(settings.corpus_dir))
    env.pop("STANDARDS_ADMIN_TOKEN", None)
    port = _free_port()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            _standards_cli() + ["serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S) as client:
                while True:
                    if server.poll() is not None:
                        log.seek(0)
                        raise SystemExit(f"server exited:\n{log.read().decode(errors='replace')[-3000:]}")
                    with contextlib.suppress(httpx.TransportError):  # not listening yet
                        health = client.get("/healthz")
                        # The port opens before the store and dense index are loaded; the bench
                        # measures the steady state, so it waits for both.
                        if health.status_code == 200 and health.json().get("ready") \
                                and health.json().get("dense_ready", True):
                            break
                    if time.perf_counter() - t0 > STARTUP_TIMEOUT_S:
                        raise SystemExit(f"server did not answer /healthz within {STARTUP_TIMEOUT_S} s")
                    time.sleep(0.2)
                startup = time.perf_counter() - t0
                schema = client.get("/openapi.json").json().get("components", {}).get("schemas", {})
                history_ok = "history" in schema.get("AskRequest", {}).get("properties", {})

                def ask_one(q: Question) -> tuple[dict, float]:
                    body: dict = {"question": q.text}
                    if q.history and history_ok:
                        body["history"] = list(q.history)
                    t = time.perf_counter()
                    r = client.post("/api/ask", json=body)
                    wall = (time.perf_counter() - t) * 1000
                    if r.status_code != 200:
                        raise SystemExit(f"/api/ask answered {r.status_code} to {q.text!r}: {r.text[:500]}")
                    return r.json(), wall

                for text in warmup:
                    ask_one(Question(text))
                    floor.measure(text)
                proc = psutil.Process(server.pid)
                rss_warm = proc.memory_info().rss / 2**20
                cpu_total0 = sum(proc.cpu_times()[:2])
                result = measure(questions, floor, ask_one, "http", process_cpu_clock(server.pid))
                cpu_total = sum(proc.cpu_times()[:2]) - cpu_total0
                result.extra = {
                    "server_startup_s": round(startup, 1),
                    "history_sent": history_ok,
                    "server_rss_after_warmup_mb": round(rss_warm, 1),
                    "server_rss_after_mb": round(proc.memory_info().rss / 2**20, 1),
                    "server_peak_rss_mb": peak_rss_mb(server.pid),
                    "server_cpu_total_s (psutil)": round(cpu_total, 2),
                    "server_threads": proc.num_threads(),
                }
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return result


def inprocess_pass(state, questions: Sequence[Question], warmup: Sequence[str], floor: Floor) -> Pass:
    """Ask every question once by calling ``service.answer.ask`` on ``state`` (no HTTP, no JSON)."""
    from service.answer import ask

    takes_history = "history" in inspect.signature(ask).parameters

    def ask_one(q: Question) -> tuple[dict, float]:
        kwargs = {"history": list(q.history)} if takes_history and q.history else {}
        t = time.perf_counter()
        answer = _answer_dict(ask(state, q.text, **kwargs))
        return answer, (time.perf_counter() - t) * 1000

    for text in warmup:
        ask_one(Question(text))
        floor.measure(text)
    result = measure(questions, floor, ask_one, "inprocess", time.process_time)
    result.extra = {
        "history_sent": takes_history,
        "process_rss_after_mb (benchmark + state)": round(psutil.Process().memory_info().rss / 2**20, 1),
    }
    return result


def encoder_ab_pass(state, questions: Sequence[Question]) -> dict:
    """Ask every question in process twice, once with the service's query encoder and once with
    the model's untraced modules, alternating which goes first (so neither always finds the
    other's per-snapshot caches warm): the whole answer's gain from the trace, in one run.
    Returns wall and CPU summaries per encoder (a note instead when the service does not trace)."""
    from service.answer import ask

    embedder = state.retriever.embedder
    if not getattr(embedder, "query_traced", False):
        return {"skipped": "the service's query encoder is not traced"}
    encoders = {"traced": embedder.prepare_query(), "untraced": embedder._eager_query_forward()}
    wall: dict[str, list[float]] = {name: [] for name in encoders}
    cpu: dict[str, list[float]] = {name: [] for name in encoders}
    try:
        for i, q in enumerate(questions):
            kwargs = {"history": list(q.history)} if q.history else {}
            for name in (("traced", "untraced") if i % 2 == 0 else ("untraced", "traced")):
                embedder._forward = encoders[name]
                c0, t0 = time.process_time(), time.perf_counter()
                _answer_dict(ask(state, q.text, **kwargs))
                wall[name].append((time.perf_counter() - t0) * 1000)
                cpu[name].append((time.process_time() - c0) * 1000)
    finally:
        embedder._forward = encoders["traced"]
    return {name: {"wall_ms": summarise(wall[name]), "cpu_ms": summarise(cpu[name])} for name in encoders}


def profile_pass(state, questions: Sequence[Question], top: int) -> str:
    """Ask every question once more in process under cProfile and return the ``top`` functions
    by own time and by cumulative time. Run after the measured passes: profiling slows Python
    calls several-fold, so its times are for ranking where the time goes, never reported as speed.
    Caches per store generation are warm by then, as in the measured passes."""
    import cProfile
    import io
    import pstats

    from service.answer import ask

    profiler = cProfile.Profile()
    for q in questions:
        kwargs = {"history": list(q.history)} if q.history else {}
        profiler.enable()
        ask(state, q.text, **kwargs)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --- report ------------------------------------------------------------------------------------
def table(report: dict) -> str:
    """The figures as a fixed-width table: one row per measured thing."""
    head = ["", "n", "p50", "p95", "p99", "max", "mean", "cpu p50", "cpu p95", "x floor p50", "x floor p95",
            "cpu x floor p50", "cpu x floor p95"]
    rows = [head]

    def row(name: str, s: dict, cpu: dict | None = None, ratio: dict | None = None,
            cpu_ratio: dict | None = None) -> None:
        cpu, ratio, cpu_ratio = cpu or {}, ratio or {}, cpu_ratio or {}
        fmt = lambda v: "" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))  # noqa: E731
        rows.append([name, fmt(s.get("n")), *(fmt(s.get(k)) for k in ("p50", "p95", "p99", "max", "mean")),
                     fmt(cpu.get("p50")), fmt(cpu.get("p95")), fmt(ratio.get("p50")), fmt(ratio.get("p95")),
                     fmt(cpu_ratio.get("p50")), fmt(cpu_ratio.get("p95"))])

    for p in report["passes"]:
        label = {"http": "/api/ask over HTTP", "inprocess": "ask() in process"}[p["mode"]]
        row(label, p["wall_ms"], p["cpu_ms"], p["x_floor"], p["x_floor_cpu"])
        row(f"  floor ({p['mode']} run)", p["floor_ms"], p["floor_cpu_ms"])
        for part, s in p["floor_parts_ms"].items():
            row(f"    {part}" if part != "embed_untraced" else "    (embed untraced: not in the floor)", s)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    return ""


def run(args: argparse.Namespace) -> dict:
    """Build (or reuse) the store, measure the requested passes, return the report."""
    from extractors.taxonomy import load_taxonomy
    from ingest.settings import load_settings
    from service.state import load_state

    oa_dir = None if args.no_other_authorities else args.other_authorities
    gold = args.gold or default_gold_files(args.shared, oa_dir is not None)
    questions = load_questions(gold)
    if args.limit:
        questions = questions[: args.limit]
    if not questions:
        raise SystemExit("no questions to ask: check --gold")

    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="ask-bench-")
        data_dir = Path(tmp.name) / "data"
    settings = dataclasses.replace(load_settings(), data_dir=Path(data_dir), corpus_dir=Path(args.corpus),
                                   database_url="")  # its own SQLite store, even with STANDARDS_DATABASE_URL set
    load0 = os.getloadavg()[0]
    try:
        store = build_store(settings, Path(args.corpus), oa_dir)
        if store["failed"]:
            print("ingest failures (those documents are absent):\n  " + "\n  ".join(store["failed"]), file=sys.stderr)
        state = load_state(settings)
        authorities = state.authorities()
        taxonomy = load_taxonomy()
        warmup = warmup_questions(taxonomy.topic_names(include_reserved=False), authorities,
                                  [q.text for q in questions], args.warmup)
        floor = Floor(state.conn, state.retriever.embedder, state.retriever.dense_index())
        passes = []
        if args.mode in ("both", "http"):
            passes.append(http_pass(settings, questions, warmup, floor).report())
        if args.mode in ("both", "inprocess"):
            passes.append(inprocess_pass(state, questions, warmup, floor).report())
        encoder_ab = encoder_ab_pass(state, questions) if args.encoder_ab else None
        profile = profile_pass(state, questions, args.profile) if args.profile else None
        state.conn.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    by_source: dict[str, int] = {}
    for q in questions:
        by_source[q.source] = by_source.get(q.source, 0) + 1
    return {
        "label": args.label,
        "commit": _git_commit(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "questions": len(questions),
        "questions_by_file": by_source,
        "warmup_questions": len(warmup),
        "store": store,
        "load_average": {"start": round(load0, 2), "end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()},
        "targets": {"http_ms": TARGETS_MS, "server_rss_mb": TARGET_RSS_MB},
        "passes": passes,
        "encoder_ab": encoder_ab,
        "profile": profile,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("both", "http", "inprocess"), default="both")
    parser.add_argument("--data-dir", type=Path, help="store to use (built or brought up to date there); "
                        "default: a temporary one")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="folder with manifest.yaml")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder holding eval/")
    parser.add_argument("--other-authorities", type=Path, default=SHARED / "eval" / "other-authorities")
    parser.add_argument("--no-other-authorities", action="store_true",
                        help="neither ingest the other authorities' excerpts nor ask their questions")
    parser.add_argument("--gold", type=Path, action="append",
                        help="question file (repeatable); default: the development, open and other-authority sets")
    parser.add_argument("--warmup", type=int, default=40, help="warm-up questions (different from the measured)")
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N distinct questions")
    parser.add_argument("--encoder-ab", action="store_true",
                        help="after measuring, ask every question in process with the traced and the untraced "
                             "query encoder in turn and report both (the trace's gain on whole answers)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="after measuring, ask the questions once more in process under cProfile and "
                             "write the N costliest functions to ask_profile[-LABEL].txt (times not comparable)")
    parser.add_argument("--label", default="", help="name for this run (e.g. before, after); also names a copy")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results",
                        help="folder for ask_bench.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the benchmark, print the table, write the JSON; return the report."""
    args = parse_args(argv)
    report = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    profile = report.pop("profile", None)
    if profile:
        (args.out / f"ask_profile{'-' + args.label if args.label else ''}.txt").write_text(profile)
    text = json.dumps(report, indent=2)
    (args.out / "ask_bench.json").write_text(text)
    if args.label:
        (args.out / f"ask_bench-{args.label}.json").write_text(text)
    print(table(report))
    for p in report["passes"]:
        shown = ("mode", "wall_ms", "cpu_ms", "floor_ms", "floor_cpu_ms", "floor_parts_ms", "x_floor", "x_floor_cpu",
                 "per_question")
        extras = {k: v for k, v in p.items() if k not in shown}
        print(f"{p['mode']}: " + ", ".join(f"{k} {v}" for k, v in extras.items()))
    for name, figures in (report.get("encoder_ab") or {}).items():
        if isinstance(figures, dict):
            w, c = figures["wall_ms"], figures["cpu_ms"]
            print(f"ask() with the {name} encoder: p50 / p95 / p99 {w['p50']} / {w['p95']} / {w['p99']} ms, "
                  f"CPU p50 / p95 {c['p50']} / {c['p95']} ms")
    print(f"{report['questions']} distinct questions {report['questions_by_file']}, {report['warmup_questions']} "
          f"warm-up; store {report['store']['documents']} documents, {report['store']['clauses']} clauses; "
          f"1-min load average {report['load_average']['start']} -> {report['load_average']['end']} "
          f"on {report['load_average']['cpus']} CPUs (shared machine: wall includes waiting for a core)")
    return report


if __name__ == "__main__":
    main()
