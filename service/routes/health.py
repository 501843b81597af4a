"""GET /healthz: is the service up, and how much does the store hold."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from service.routes import service_state

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    """Status and counts of current documents, clauses and obligations.

    Answered on the event loop from counts kept with the snapshot (computed once per snapshot),
    so a health check never waits behind a busy worker thread or the store.
    """
    state = service_state(request)
    counts = getattr(state, "_health_counts", None)
    if counts is None:
        counts = await run_in_threadpool(_counts, state)
        state._health_counts = counts
    return {
        "status": "ok",
        "ready": True,
        **counts,
        # False while the dense index is (re)built in the background; BM25 answers meanwhile.
        "dense_ready": state.dense_ready,
        "note": state.retrieval_note(),
    }


def _counts(state) -> dict:
    with state.lock:
        conn = state.conn
        documents = conn.execute("SELECT COUNT(*) FROM documents WHERE current_version_id IS NOT NULL").fetchone()[0]
        clauses = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
        obligations = conn.execute("SELECT COUNT(*) FROM obligations WHERE is_current = 1").fetchone()[0]
    return {"documents": documents, "clauses": clauses, "obligations": obligations,
            "authorities": state.authorities(), "generation": state.generation}
