"""GET /api/documents/{id}: one document's structure for reading it in the page.

Returns the document's current version as its outline of sections, each with the clauses that
sit directly under it, plus the document's obligations and the conflicts they take part in, so
the page can highlight timescales in the text and flag conflicting clauses in one request.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from service import query
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["catalog"])


@router.get("/documents/{document_id}")
def get_document_view(document_id: str, request: Request) -> dict:
    """The document (current version): sections with their clauses, obligations and conflicts."""
    return query.document_view(service_state(request), document_id).to_dict()
