"""GET /healthz: is the service up, and how much does the store hold."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.routes import service_state

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request) -> dict:
    """Status and counts of current documents, clauses and obligations."""
    state = service_state(request)
    with state.lock:
        conn = state.conn
        documents = conn.execute("SELECT COUNT(*) FROM documents WHERE current_version_id IS NOT NULL").fetchone()[0]
        clauses = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
        obligations = conn.execute("SELECT COUNT(*) FROM obligations WHERE is_current = 1").fetchone()[0]
    return {
        "status": "ok",
        "documents": documents,
        "clauses": clauses,
        "obligations": obligations,
        "authorities": state.authorities(),
    }
