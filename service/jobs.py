"""Background jobs: uploads, removals and index rebuilds run on one worker thread, never on
the event loop, and readers keep answering from the last published snapshot meanwhile.

``LiveService`` owns the running service's moving parts:

- ``current``: the published ``ServiceState`` (a read-only snapshot of the store; requests pin
  the one they start with, see ``service.routes.service_state``);
- one worker thread with its own write connection, taking jobs from a bounded queue one at a
  time (SQLite has one writer anyway, and one parse at a time bounds memory);
- the job records, kept in memory for this process and in the store's ``jobs`` table
  (migration ``007_jobs``) so a client whose server died mid-job learns what happened.

The life of an upload::

    POST /api/documents -> file saved under data/uploads/<job id>/ -> job queued (202 + Location)
    worker: parsing -> extracting -> saving (one transaction: the document AND the job's
            ``committed`` flag) -> embedding (vectors committed in batches) -> indexing (FAISS)
            -> a new snapshot is built beside the old one and published -> ``succeeded``
    GET /api/jobs/{id}: status, stage, progress, result or error

A server killed at any point leaves the store and the job record agreeing: on the next start
a job that had not committed is ``failed`` ("interrupted", store unchanged) and one that had
is ``succeeded``. At start the worker's first job loads the model and brings the dense index
up to date (embedding only what the store lacks) while BM25 answers; the worker also notices
a store changed by another process (``standards ingest`` while serving) and publishes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import queue
import shutil
import sqlite3
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import db, store
from ingest.errors import (
    IndexMismatchError,
    ModelError,
    NotFoundError,
    QueueFullError,
    StandardsError,
    UnknownJobError,
)
from ingest.records import DocumentMeta
from ingest.settings import Settings
from service.state import ServiceState, build_state

log = logging.getLogger("standards.jobs")

# How often an idle worker checks whether another process changed the store (seconds): long
# enough to cost nothing, short enough that a CLI ingest shows up while its user looks.
WATCH_SECONDS = 2.0
# Job records kept in memory and in the store; older finished ones are forgotten.
KEEP_JOBS = 1000
# How long shutting down waits for a running job before leaving it to the next start's
# recovery (the job's record then says what happened).
STOP_SECONDS = 5.0

# Threads the worker's embedding may use: one, so another core stays free for the requests the
# service keeps answering meanwhile (torch's thread count is process-wide: query encoding
# would otherwise run on as many threads too, which is slower for one short query).
BACKGROUND_THREADS = 1

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
# Put on the worker's queue by the listener: the store may have changed elsewhere, look now.
_CHANGED = object()
FINISHED = (SUCCEEDED, FAILED)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Job:
    """One unit of background work and what became of it."""

    id: str
    kind: str  # upload | remove | index | sync
    status: str = QUEUED
    stage: str = "queued"
    progress: float = 0.0
    document_id: str | None = None
    authority: str | None = None
    source_name: str | None = None
    committed: bool = False
    result: dict | None = None
    error: dict | None = None  # {"code", "message", "status"}
    notes: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    params: dict = field(default_factory=dict, repr=False)  # what the worker needs; not shown

    @property
    def location(self) -> str:
        return f"/api/jobs/{self.id}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def to_dict(self) -> dict:
        """What ``GET /api/jobs/{id}`` returns."""
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "stage": self.stage,
            "progress": round(self.progress, 3), "document_id": self.document_id, "authority": self.authority,
            "source_name": self.source_name, "committed": self.committed, "result": self.result,
            "error": self.error, "notes": list(self.notes), "created_at": self.created_at,
            "updated_at": self.updated_at, "location": self.location,
        }


def _job_from_row(row: sqlite3.Row) -> Job:
    error = None
    if row["error_code"]:
        error = {"code": row["error_code"], "message": row["error_message"], "status": row["error_status"]}
    result = json.loads(row["result"]) if row["result"] else None
    notes = list((result or {}).pop("notes", [])) if isinstance(result, dict) else []
    return Job(
        id=row["id"], kind=row["kind"], status=row["status"], stage=row["stage"] or "", progress=row["progress"],
        document_id=row["document_id"], authority=row["authority"], source_name=row["source_name"],
        committed=bool(row["committed"]), result=result, error=error, notes=notes,
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


class LiveService:
    """The published snapshot, the worker thread and the job records of one running service."""

    def __init__(self, settings: Settings, first: ServiceState):
        self.settings = settings
        self.current: ServiceState = first
        first.live = self
        # The warm model, when the first snapshot has one (an app over a store alone has no retriever).
        self._embedder = getattr(first.retriever, "_embedder", None)
        if self._embedder is not None:
            self._embedder.batch_threads = BACKGROUND_THREADS
        self._taxonomy = first.taxonomy
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[Job | object | None] = queue.Queue()
        self._lock = threading.Lock()  # guards _jobs, _waiters and _records
        self._records = store.connect(settings.database)  # job rows, from any thread, under _lock
        self._conn: sqlite3.Connection | None = None  # the worker's write connection
        self._thread: threading.Thread | None = None
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future]]] = {}
        self._users = 0
        self.started_at = time.monotonic()
        # PostgreSQL: another instance's commit is heard at once (LISTEN), not at the next poll.
        self._listener = db.ChangeListener(settings.database)
        self._stopping = threading.Event()

    # --- lifecycle ------------------------------------------------------------------------------
    @classmethod
    def attach(cls, state: ServiceState) -> LiveService:
        """The live service of ``state`` (created and started on first use; shared by apps)."""
        live = state.live if isinstance(state.live, LiveService) else cls(state.settings, state)
        live.start(rebuild_index=not state.dense_ready)
        return live

    def start(self, rebuild_index: bool = True) -> None:
        """Recover interrupted jobs, start the worker, and queue the index rebuild if wanted."""
        with self._lock:
            self._users += 1
            if self._thread is not None:
                return
        freeze_heap()
        self._recover()
        self._thread = threading.Thread(target=self._run, name="standards-worker", daemon=True)
        self._thread.start()
        if self._listener.pushes:
            threading.Thread(target=self._listen, name="standards-listener", daemon=True).start()
        if rebuild_index:
            self._enqueue(Job(id=self._new_id(), kind="index", stage="waiting for the worker"), internal=True)

    def stop(self) -> None:
        """Stop the worker once the last app using this service shuts down."""
        with self._lock:
            self._users -= 1
            if self._users > 0 or self._thread is None:
                return
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(STOP_SECONDS)
        self._listener.close()

    # --- submitting and reading jobs --------------------------------------------------------------
    def submit_upload(self, path: Path, source_name: str, meta: DocumentMeta, job_id: str) -> Job:
        """Queue the ingest of an uploaded file saved at ``path`` (in its own folder)."""
        job = Job(id=job_id, kind="upload", authority=meta.authority, source_name=source_name,
                  params={"path": str(path), "meta": meta})
        return self._enqueue(job)

    def submit_removal(self, document_id: str, authority: str | None) -> Job:
        """Queue the removal of a document (it keeps answering until the removal commits)."""
        job = Job(id=self._new_id(), kind="remove", document_id=document_id, authority=authority)
        return self._enqueue(job)

    @staticmethod
    def _new_id() -> str:
        return uuid.uuid4().hex

    def new_job_id(self) -> str:
        """An id for a job about to be submitted (the upload's folder is named after it)."""
        return self._new_id()

    def get(self, job_id: str) -> Job:
        """A job of this run or an earlier one; ``UnknownJobError`` if there is none."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return job
            row = self._records.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise UnknownJobError(
                f"No job with id {job_id!r}. Job ids come from POST /api/documents and DELETE "
                f"/api/documents/{{id}}; the last {KEEP_JOBS} are kept."
            )
        return _job_from_row(row)

    async def wait(self, job_id: str, timeout: float) -> Job:
        """The job once it finishes, or as it is after ``timeout`` seconds (the event loop stays free)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.finished or timeout <= 0:
                return job or self.get(job_id)
            self._waiters.setdefault(job_id, []).append((loop, future))
        with contextlib.suppress(TimeoutError):  # not finished yet: the caller says so (202)
            await asyncio.wait_for(asyncio.shield(future), timeout)
        return self.get(job_id)

    def queued(self) -> int:
        """Jobs waiting for the worker (the running one not counted)."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status == QUEUED and j.kind in ("upload", "remove"))

    def _enqueue(self, job: Job, internal: bool = False) -> Job:
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if j.status == QUEUED and j.kind in ("upload", "remove"))
            if not internal and waiting >= self.settings.upload_queue:
                raise QueueFullError(
                    f"{waiting} uploads and removals are already waiting (STANDARDS_UPLOAD_QUEUE="
                    f"{self.settings.upload_queue}). Retry when one has finished.",
                    retry_after=30,
                )
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished:
                    break
                del self._jobs[oldest]
            self._new_record(job)
        self._queue.put(job)
        return job

    # --- job records ------------------------------------------------------------------------------
    def _new_record(self, job: Job) -> None:
        """Record a new job of this process (caller holds ``_lock``).

        Its lock is taken before the row exists and held until the job finishes (``_finish``), so
        another instance starting meanwhile never finds the row unowned and settles it as
        interrupted (``_recover``): on PostgreSQL a session advisory lock, which dies with this
        process, so a crashed instance's jobs are settled by whichever instance starts next.
        """
        db.hold_lock(self._records, f"job:{job.id}")
        self._write_record(job, insert=True)

    def _write_record(self, job: Job, insert: bool = False) -> None:
        """Persist a job's record (caller holds ``_lock``; never inside the worker's transaction)."""
        job.updated_at = _now()
        result = dict(job.result or {})
        if job.notes:
            result["notes"] = job.notes
        error = job.error or {}
        values = (job.kind, job.status, job.stage, job.progress, job.document_id, job.authority, job.source_name,
                  int(job.committed), json.dumps(result) if result else None, error.get("code"),
                  error.get("message"), error.get("status"), job.updated_at)
        if insert:
            self._records.execute(
                "INSERT INTO jobs(kind, status, stage, progress, document_id, authority, source_name, committed,"
                " result, error_code, error_message, error_status, updated_at, id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, job.id, job.created_at),
            )
        else:
            self._records.execute(
                "UPDATE jobs SET kind = ?, status = ?, stage = ?, progress = ?, document_id = ?, authority = ?,"
                f" source_name = ?, committed = {db.greatest(self._records)}(committed, ?), result = ?,"
                " error_code = ?, error_message = ?,"
                " error_status = ?, updated_at = ? WHERE id = ?",
                (*values, job.id),
            )

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)
            self._write_record(job)

    def _finish(self, job: Job, status: str, **changes: Any) -> None:
        changes.update(status=status, progress=1.0 if status == SUCCEEDED else job.progress)
        if status == SUCCEEDED:
            changes.setdefault("stage", "done")
        self._update(job, **changes)
        with self._lock:
            db.release_lock(self._records, f"job:{job.id}")
            waiters = self._waiters.pop(job.id, [])
        for loop, future in waiters:
            loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(None))

    def _recover(self) -> None:
        """Settle the jobs an earlier run left unfinished, and delete uploads nothing refers to."""
        with self._lock, store.transaction(self._records):
            rows = self._records.execute("SELECT * FROM jobs WHERE status IN (?, ?)", (QUEUED, RUNNING)).fetchall()
            for row in rows:
                if not db.hold_lock(self._records, f"job:{row['id']}"):
                    continue  # PostgreSQL: another instance is running it (its lock is held)
                db.release_lock(self._records, f"job:{row['id']}")
                if row["committed"]:
                    # The document (or its removal) committed before the server stopped.
                    self._records.execute(
                        "UPDATE jobs SET status = ?, stage = 'done', progress = 1, updated_at = ? WHERE id = ?",
                        (SUCCEEDED, _now(), row["id"]),
                    )
                else:
                    what = "nothing was saved" if row["kind"] == "upload" else "the document is still there"
                    self._records.execute(
                        "UPDATE jobs SET status = ?, error_code = 'interrupted', error_status = 503,"
                        " error_message = ?, updated_at = ? WHERE id = ?",
                        (FAILED, f"The server stopped before this {row['kind']} was committed; {what} and the "
                                 "store is as it was before. Submit it again.", _now(), row["id"]),
                    )
            self._records.execute(
                "DELETE FROM jobs WHERE id NOT IN (SELECT id FROM jobs ORDER BY created_at DESC LIMIT ?)",
                (KEEP_JOBS,),
            )
        self._sweep_uploads()

    def _sweep_uploads(self) -> None:
        """Delete upload folders no document's source is in (failed or interrupted uploads)."""
        uploads = self.settings.data_dir / "uploads"
        if not uploads.is_dir():
            return
        with self._lock:
            used = {
                str(Path(r[0]).resolve().parent)
                for r in self._records.execute("SELECT source_path FROM documents WHERE source_path IS NOT NULL")
            }
            pending = {j.id for j in self._jobs.values() if not j.finished}
        for folder in uploads.iterdir():
            if folder.is_dir() and str(folder.resolve()) not in used and folder.name not in pending:
                shutil.rmtree(folder, ignore_errors=True)

    # --- the worker -------------------------------------------------------------------------------
    def _run(self) -> None:
        self._conn = store.connect(self.settings.database)
        while True:
            try:
                job = self._queue.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                self._watch()
                continue
            if job is None:
                break
            if job is _CHANGED:
                self._watch()
                continue
            self._execute(job)
        self._conn.close()

    def _listen(self) -> None:
        """PostgreSQL: wake the worker as soon as another instance commits a new generation.

        The worker's poll every ``WATCH_SECONDS`` stays as the fallback (a notification sent while
        the listening connection was down is caught by it, and by the reconnect's wake-up).
        """
        while not self._stopping.is_set():
            try:
                if self._listener.wait(WATCH_SECONDS):
                    self._queue.put(_CHANGED)
            except Exception:  # never let the listener die silently; the poll still runs
                log.exception("listening for other instances' changes failed")
                self._stopping.wait(WATCH_SECONDS)

    def _execute(self, job: Job) -> None:
        self._update(job, status=RUNNING, stage="starting")
        try:
            handler = {"upload": self._upload, "remove": self._remove, "index": self._index, "sync": self._sync}
            handler[job.kind](job)
        except StandardsError as exc:
            self._finish(job, FAILED, error={"code": exc.code, "message": exc.message, "status": exc.http_status})
        except Exception as exc:  # a bug must not kill the worker; the client still learns the job failed
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._finish(job, FAILED, error={
                "code": "internal_error", "status": 500,
                "message": f"The {job.kind} failed on the server ({type(exc).__name__}); it has been logged. "
                           + ("The document was saved before the failure." if job.committed
                              else "The store is as it was before."),
            })
        finally:
            if job.kind == "upload" and not job.committed:
                self._drop_upload(job)

    def _progress(self, job: Job):
        def report(stage: str, fraction: float) -> None:
            self._update(job, stage=stage, progress=fraction)

        return report

    def _committed(self, job: Job):
        """``on_commit``: the job's record says "committed" in the same transaction as the change."""
        def mark(conn: sqlite3.Connection, result: Any = None) -> None:
            document_id = getattr(result, "document_id", None) or job.document_id
            conn.execute("UPDATE jobs SET committed = 1, document_id = ?, stage = 'saved', updated_at = ?"
                         " WHERE id = ?", (document_id, _now(), job.id))

        return mark

    def _upload(self, job: Job) -> None:
        from service.pipeline import STAGES, add_document, remove_upload

        path = Path(job.params["path"])
        # Extraction reads the topics a duty's words do not name by similarity with the model, as
        # `standards ingest` does; the server's first job has usually loaded it already. If it
        # cannot load, the job says so in its notes and the duties keep the topics their words name.
        embedder = self._load_embedder(job)
        result = add_document(
            self._conn, path, job.params["meta"], self.settings, sync_index=False, source_name=job.source_name,
            progress=self._progress(job), on_commit=self._committed(job),
            encode=embedder.encode if embedder is not None else None,
        )
        self._update(job, committed=True, document_id=result.document_id,
                     result={"document_id": result.document_id, "status": result.status,
                             "clause_count": result.clause_count, "version_id": result.version_id})
        stored = self._conn.execute("SELECT source_path FROM documents WHERE id = ?", (result.document_id,)).fetchone()
        if stored is None or stored[0] != str(path.resolve()):
            remove_upload(str(path), self.settings)  # unchanged: the stored version keeps its own file
        if result.status == "unchanged":
            self._finish(job, SUCCEEDED)
            return
        self._update(job, stage="embedding", progress=STAGES["embedding"])
        dense = self._sync_dense(job)
        self._update(job, stage="publishing", progress=STAGES["indexing"])
        self._publish(dense)
        self._finish(job, SUCCEEDED)

    def _remove(self, job: Job) -> None:
        from service.pipeline import remove_document

        exists = self._conn.execute("SELECT 1 FROM documents WHERE id = ?", (job.document_id,)).fetchone()
        if exists is None:
            raise NotFoundError(f"No document with id {job.document_id!r} (already removed?); see GET /api/documents.")
        self._update(job, stage="removing", progress=0.2)
        remove_document(self._conn, job.document_id, self.settings, on_commit=self._committed(job), sync_index=False)
        self._update(job, committed=True, result={"removed": job.document_id}, stage="indexing", progress=0.6)
        dense = self._sync_dense(job)
        self._update(job, stage="publishing", progress=0.9)
        self._publish(dense)
        self._finish(job, SUCCEEDED)

    def _index(self, job: Job) -> None:
        """Load the model and bring the dense index up to date (the first job of a server)."""
        from index.dense import cleanup_index_dir, configure_threads
        from index.embedder import ensure_vectors, row_embedding_text, text_hash

        cleanup_index_dir(self.settings.index_dir)
        self._update(job, stage="loading the model", progress=0.05)
        embedder = self._load_embedder(job)
        if embedder is None:
            self._finish(job, FAILED, error={"code": "model_error", "status": 500,
                                             "message": job.notes[-1] if job.notes else "The model did not load."})
            return
        configure_threads(self.settings)
        rows = self._conn.execute(
            "SELECT heading_path, plain_text, cohort_context, role_context FROM clauses WHERE is_current = 1"
        ).fetchall()
        texts = {text_hash(t): t for t in (row_embedding_text(r) for r in rows)}

        def embedded(done: int, total: int) -> None:
            self._update(job, stage=f"embedding {done}/{total}", progress=0.1 + 0.7 * done / max(total, 1))

        self._update(job, stage="embedding", progress=0.1)
        ensure_vectors(self._conn, embedder, texts, batch=self.settings.embed_batch, progress=embedded)
        dense = self._sync_dense(job)
        self._update(job, stage="publishing", progress=0.9)
        self._publish(dense)
        # The first warm snapshot (each sentence's facts, candidate sentences, vectors: a few
        # hundred thousand objects) serves until the store changes: out of the collector's reach
        # too, or the first full collection among the questions walks it all: ~110,000 objects,
        # 53 ms of CPU in one answer on the benchmark store (1,851 clauses; benchmarks/ask_bench.py
        # showed one answer 50-70 ms slower than the rest). Objects freed later are freed as ever
        # (reference counting); only cyclic garbage among them would be kept, once.
        freeze_heap()
        self._finish(job, SUCCEEDED, result={"dense_ready": dense, "clauses": len(rows)})

    def _sync(self, job: Job) -> None:
        """Another process changed the store: embed what it lacks, then publish it."""
        dense = self._sync_dense(job)
        self._publish(dense)
        self._finish(job, SUCCEEDED)

    def _watch(self) -> None:
        if self._conn is None:
            return
        try:
            changed = store.generation(self._conn) != self.current.generation
        except db.Error:
            log.exception("could not read the store generation")
            return
        if changed:
            job = Job(id=self._new_id(), kind="sync", stage="store changed outside the server")
            with self._lock:
                self._jobs[job.id] = job
                self._new_record(job)
            self._execute(job)

    def _load_embedder(self, job: Job):
        if self._embedder is None:
            from index.embedder import load_embedder

            try:
                self._embedder = load_embedder(self.settings)
            except ModelError as exc:
                log.error("the embedding model did not load: %s", exc.message)
                self._update(job, notes=[*job.notes, exc.message])
                return None
            self._embedder.batch_threads = BACKGROUND_THREADS
            self._embedder.prepare_query()  # trace the query encoder here, not on the first question
            freeze_heap()  # the model's objects live as long as the process
        return self._embedder

    def _sync_dense(self, job: Job) -> bool:
        """Embed what the store lacks and rewrite the FAISS file; False (with a note) if it cannot."""
        from index.dense import sync_dense

        embedder = self._load_embedder(job)
        if embedder is None:
            return False
        try:
            sync_dense(self._conn, self.settings, embedder)
        except (ModelError, IndexMismatchError) as exc:
            log.error("the dense index was not updated: %s", exc.message)
            self._update(job, notes=[*job.notes, "The search index was not updated: " + exc.message])
            return False
        return True

    def _publish(self, dense_ready: bool) -> None:
        """Build a snapshot of the store as committed now and make it the one new requests read.

        Built beside the old one, which keeps serving until the swap (one assignment) and
        afterwards serves the requests that started on it.
        """
        state = build_state(self.settings, embedder=self._embedder if dense_ready else None,
                            taxonomy=self._taxonomy, dense_ready=dense_ready, previous=self.current)
        state.live = self
        weakref.finalize(state, _release, state.conn, state.retriever)
        self.current = state
        trim_heap()

    def _drop_upload(self, job: Job) -> None:
        """Delete a failed upload's file, unless a document refers to it (it committed after all)."""
        from service.pipeline import remove_upload

        path = job.params.get("path")
        if not path:
            return
        used = self._conn.execute(
            "SELECT 1 FROM documents WHERE source_path = ?", (str(Path(path).resolve()),)
        ).fetchone() if self._conn is not None else None
        if used is None:
            remove_upload(path, self.settings)


def freeze_heap() -> None:
    """Move every object alive now (model, parser, taxonomy, first snapshot) out of the garbage
    collector's reach. A full collection otherwise walks them all — about 450,000 objects, 0.9 s
    with the interpreter lock held on the 2-core machine this was measured on — and every
    request waits meanwhile; after freezing, one takes milliseconds. They live as long as the
    process, so nothing is lost by never scanning them."""
    gc.collect()
    gc.freeze()


def trim_heap() -> None:
    """Hand the memory freed while a snapshot was built back to the system (glibc ``malloc_trim``).

    Building one reads every current clause and sentence and derives their facts; what is only
    needed meanwhile is freed, but the C allocator keeps those pages for later allocations, so
    the server's resident memory stayed at the high-water mark of the build. A no-op where the C
    library has no ``malloc_trim`` (not glibc)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: the C library it runs on


def _release(conn: sqlite3.Connection, retriever: Any) -> None:
    """Close a retired snapshot's connection and its encoder thread once no request uses it."""
    pool = getattr(retriever, "_pool", None)
    if pool is not None:
        pool.shutdown(wait=False)
    try:
        conn.close()
    except db.Error:
        log.debug("closing a retired snapshot failed", exc_info=True)
