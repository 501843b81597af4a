"""What changed: a document's versions, the changes between two of them, an authority's amendments log.

GET /api/documents/{id}/versions             every stored version (address them by label, date or #ordinal)
GET /api/documents/{id}/changes?from=&to=    what changed (default: previous -> current); format=csv too
GET /api/amendments?authority=A              each version of A's documents with its changes; format=csv too
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service.changes import amendments_csv, amendments_log, compare_versions, list_versions, reports_csv
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["changes"])

VERSION_HELP = ("A version: its label (e.g. 1.2), date (YYYY-MM-DD), #ordinal (1 = oldest), 'current' or "
                "'previous'. See /api/documents/{id}/versions.")
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")]


def _csv(text: str, name: str) -> Response:
    safe = re.sub(r"[^\w.\-]+", "-", name).strip("-") or "changes"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'})


@router.get("/documents/{document_id}/versions")
def get_versions(document_id: str, request: Request) -> dict:
    """Every stored version of a document, oldest first: ordinal, label, date, when ingested, which is current."""
    state = service_state(request)
    with state.lock:
        versions = list_versions(state.conn, document_id)
    return {"document_id": document_id, "versions": [v.to_dict() for v in versions]}


@router.get("/documents/{document_id}/changes", response_model=None)
def get_changes(
    document_id: str,
    request: Request,
    from_: Annotated[
        str | None, Query(alias="from", max_length=100, description="The older version. " + VERSION_HELP)
    ] = None,
    to: Annotated[str | None, Query(max_length=100, description="The newer version (default: current).")] = None,
    format: Format = "json",
) -> dict | Response:
    """Obligations added, removed and changed, and clauses reworded, added, removed and moved, between two versions."""
    state = service_state(request)
    with state.lock:
        report = compare_versions(state.conn, document_id, from_, to)
    if format == "csv":
        return _csv(reports_csv([report]), f"changes-{document_id}-{report.from_version.ordinal}-{report.to_version.ordinal}")
    return report.to_dict()


@router.get("/amendments", response_model=None)
def get_amendments(
    request: Request,
    authority: Annotated[str, Query(max_length=200, description="The authority (name or alias).")],
    format: Format = "json",
) -> dict | Response:
    """The amendments log of an authority: each stored version of its documents, newest first, with its changes."""
    state = service_state(request)
    resolved = state.resolver.authority(authority)
    with state.lock:
        log = amendments_log(state.conn, resolved.name)
    if format == "csv":
        return _csv(amendments_csv(log), f"amendments-{resolved.name}")
    return log.to_dict() | {"notes": [resolved.note] if resolved.note else []}
