"""GET /api/documents/{id}: one document's structure for reading it in the page.

Returns the document's current version as its outline of sections, each with the clauses that
sit directly under it, plus the document's obligations and the conflicts they take part in, so
the page can highlight timescales in the text and flag conflicting clauses in one request.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from fastapi import APIRouter, Request

from ingest.errors import NotFoundError
from ingest.records import Clause
from service.answer import conflict_dict, obligation_dict
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["catalog"])


def _clause_json(c: Clause) -> dict:
    return {
        "id": c.id,
        "ordinal": c.ordinal,
        "clause_ref": c.clause_ref,
        "heading_path": c.heading_path,
        "text": c.text,
        "plain_text": c.plain_text,
        "start": c.start,
        "end": c.end,
        "page": c.page,
        "cohort_context": c.cohort_context,
        "role_context": c.role_context,
    }


def group_by_section(sections: list[dict], clauses: list[Clause]) -> list[dict]:
    """Attach each clause to the innermost section whose span holds the clause's start.

    Sections nest (a chapter's span holds its subsections), so the innermost is the one that
    starts last among those containing the clause. Clauses before the first heading go into a
    leading section with an empty heading path. Sections keep document order, empty ones too,
    so the outline shows every heading.
    """
    ordered = sorted(sections, key=lambda s: (s["start"], s["ordinal"]))
    for s in ordered:
        s["clauses"] = []
    lead: dict = {"ordinal": -1, "heading_path": [], "start": 0, "end": 0, "clauses": []}
    for c in clauses:
        home = None
        for s in ordered:
            if s["start"] > c.start:
                break
            if c.start < s["end"]:
                home = s  # later starts are deeper: keep the last that holds the clause
        (home or lead)["clauses"].append(_clause_json(c))
    out = [lead] if lead["clauses"] else []
    return out + ordered


@router.get("/documents/{document_id}")
def get_document_view(document_id: str, request: Request) -> dict:
    """The document (current version): sections with their clauses, obligations and conflicts."""
    from extractors.conflicts import find_conflicts
    from ingest.store import get_document, version_clauses

    state = service_state(request)
    with state.lock:
        doc = get_document(state.conn, document_id)
        if doc is None:
            raise NotFoundError(f"No document with id {document_id!r}; see GET /api/documents for the ids.")
        clauses = version_clauses(state.conn, doc.version_id)
        rows = state.conn.execute(
            'SELECT ordinal, heading_path, start, "end" FROM sections WHERE version_id = ? ORDER BY ordinal',
            (doc.version_id,),
        ).fetchall()
    sections = [
        {"ordinal": r["ordinal"], "heading_path": json.loads(r["heading_path"]), "start": r["start"], "end": r["end"]}
        for r in rows
    ]
    authority_obs = state.obligations(doc.authority)
    doc_obs = [o for o in authority_obs if o.document_id == doc.id]
    clause_ids = {c.id for c in clauses}
    # Conflicts are found across all of the authority's documents; keep those touching this one.
    conflicts = [cf for cf in find_conflicts(authority_obs) if any(o.clause_id in clause_ids for o in cf.obligations)]
    return {
        "document": asdict(doc),
        "sections": group_by_section(sections, clauses),
        "obligations": [obligation_dict(o) for o in doc_obs],
        "conflicts": [conflict_dict(cf) for cf in conflicts],
    }
