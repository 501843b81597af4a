"""Read-only listings: topics, obligations, conflicts, documents, and one clause in context."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ingest.errors import NotFoundError
from service.answer import citation_dict, conflict_dict, obligation_dict
from service.question import topic_names
from service.routes import resolve_authorities, resolve_topic, service_state

router = APIRouter(prefix="/api", tags=["catalog"])


def _attr(item, name: str, default=None):
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


@router.get("/topics")
def get_topics(request: Request) -> dict:
    """Canonical topics with their definition, synonyms and which authorities have standards on them."""
    state = service_state(request)
    coverage: dict[str, set[str]] = {}
    for ob in state.obligations():
        if ob.topic:
            coverage.setdefault(ob.topic, set()).add(ob.authority)
    raw = getattr(state.taxonomy, "topics", None) or []
    items = list(raw.values()) if isinstance(raw, dict) else list(raw)
    names = topic_names(state.taxonomy)
    topics = []
    for name, item in zip(names, items, strict=False):
        topics.append({
            "name": name,
            "definition": _attr(item, "definition"),
            "synonyms": list(_attr(item, "synonyms", []) or []),
            "abbreviations": list(_attr(item, "abbreviations", []) or []),
            "stage": _attr(item, "stage") or _attr(item, "journey_stage"),
            "authorities": sorted(coverage.get(name, set())),
        })
    return {"topics": topics}


def _filtered(request: Request, authority, topic, cohort, role):
    state = service_state(request)
    authority = resolve_authorities(state, [authority])[0] if authority else None
    topic = resolve_topic(state, topic) if topic else None
    obs = state.obligations(authority, topic)
    if cohort:
        wanted = cohort.lower()
        obs = [o for o in obs if o.cohort and wanted in o.cohort.lower()]
    if role:
        wanted = role.lower()
        obs = [o for o in obs if o.actor and wanted in o.actor.lower()]
    return state, obs


@router.get("/obligations")
def get_obligations(
    request: Request,
    authority: str | None = None,
    topic: str | None = None,
    cohort: Annotated[str | None, Query(description="Substring of the cohort, e.g. 'child protection'.")] = None,
    role: Annotated[str | None, Query(description="Substring of the responsible role, e.g. 'team manager'.")] = None,
) -> dict:
    """Extracted obligations (current documents), filtered like `standards obligations`."""
    _, obs = _filtered(request, authority, topic, cohort, role)
    return {"count": len(obs), "obligations": [obligation_dict(o) for o in obs]}


@router.get("/conflicts")
def get_conflicts(
    request: Request,
    authority: str | None = None,
    topic: str | None = None,
) -> dict:
    """Places where one authority's standards give different timescales for the same thing."""
    from extractors.conflicts import find_conflicts

    _, obs = _filtered(request, authority, topic, None, None)
    conflicts = find_conflicts(obs)
    return {"count": len(conflicts), "conflicts": [conflict_dict(c) for c in conflicts]}


@router.get("/documents")
def get_documents(request: Request) -> dict:
    """The documents in the store, with their clause and obligation counts."""
    from ingest.store import list_documents

    state = service_state(request)
    with state.lock:
        docs = list_documents(state.conn)
    return {"documents": [asdict(d) for d in docs]}


@router.get("/clauses/{clause_id}")
def get_clause_in_context(clause_id: str, request: Request) -> dict:
    """One clause: full text, where it sits, its neighbours and its obligations."""
    from ingest.store import row_to_clause

    state = service_state(request)
    clause = state.clause(clause_id)
    if clause is None:
        raise NotFoundError(f"No clause with id {clause_id!r}. Clause ids come with search results and answers.")
    with state.lock:
        doc = state.conn.execute("SELECT title FROM documents WHERE id = ?", (clause.document_id,)).fetchone()
        rows = state.conn.execute(
            "SELECT * FROM clauses WHERE version_id = ? AND ordinal IN (?, ?) ORDER BY ordinal",
            (clause.version_id, clause.ordinal - 1, clause.ordinal + 1),
        ).fetchall()
        current = state.conn.execute("SELECT is_current FROM clauses WHERE id = ?", (clause_id,)).fetchone()[0]
    neighbours = [row_to_clause(r) for r in rows]
    return citation_dict(clause) | {
        "document_title": doc["title"] if doc else None,
        "plain_text": clause.plain_text,
        "heading_path": clause.heading_path,
        "cohort_context": clause.cohort_context,
        "role_context": clause.role_context,
        "is_current": bool(current),
        "previous": citation_dict(neighbours[0]) if neighbours and neighbours[0].ordinal < clause.ordinal else None,
        "next": citation_dict(neighbours[-1]) if neighbours and neighbours[-1].ordinal > clause.ordinal else None,
        "obligations": [obligation_dict(o) for o in state.obligations(clause.authority) if o.clause_id == clause.id],
    }
