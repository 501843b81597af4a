"""Read-only listings: topics, obligations, conflicts, documents, and one clause in context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from service import query
from service.records import ROLE_FILTER_MEANING
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["catalog"])


@router.get("/topics")
def get_topics(request: Request) -> dict:
    """Canonical topics with their definition, synonyms and which authorities have standards on
    them; the cohorts and roles the filters accept."""
    return query.topics(service_state(request)).to_dict()


@router.get("/obligations")
def get_obligations(
    request: Request,
    authority: Annotated[str | None, Query(description="Authority (name or alias).")] = None,
    topic: Annotated[str | None, Query(description="Topic (canonical name, synonym or abbreviation, e.g. ICPC).")] = None,
    cohort: Annotated[str | None, Query(description="Cohort, e.g. 'children in care', LAC or 'child protection'.")] = None,
    role: Annotated[str | None, Query(description=f"Role, e.g. 'Team Manager' or SW: {ROLE_FILTER_MEANING}.")] = None,
) -> dict:
    """Extracted obligations (current documents), filtered like `standards obligations`."""
    return query.obligations(service_state(request), authority, topic, cohort, role).to_dict()


@router.get("/conflicts")
def get_conflicts(
    request: Request,
    authority: Annotated[str | None, Query(description="Authority (name or alias).")] = None,
    topic: Annotated[str | None, Query(description="Topic (canonical name or synonym).")] = None,
    equivalent: Annotated[bool, Query(description="Also list the same duty's time worded differently.")] = False,
) -> dict:
    """Places where one authority's standards give different timescales for the same duty
    (each with why the two are one duty; ``equivalent=true`` adds consistent rewordings)."""
    return query.conflicts(service_state(request), authority, topic, include_equivalent=equivalent).to_dict()


@router.get("/documents")
def get_documents(request: Request) -> dict:
    """The documents in the store, with their clause and obligation counts."""
    return query.documents(service_state(request)).to_dict()


@router.get("/clauses/{clause_id}")
def get_clause_in_context(clause_id: str, request: Request) -> dict:
    """One clause: full text, where it sits, its neighbours and its obligations."""
    return query.clause_view(service_state(request), clause_id).to_dict()
