"""GET /api/compare: one topic across authorities, as a matrix of rows by authority."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.compare import compare_topic
from service.routes import resolve_authorities, resolve_topic, service_state

router = APIRouter(prefix="/api", tags=["compare"])


@router.get("/compare")
def get_compare(
    request: Request,
    topic: Annotated[str, Query(description="Canonical topic or a synonym, e.g. 'core group meeting' or 'CGM'.")],
    cohort: Annotated[str | None, Query(description="Only this cohort (rows with no stated cohort are kept).")] = None,
    authorities: Annotated[list[str] | None, Query(description="Only these authorities (repeat the parameter).")] = None,
) -> dict:
    """Rows of cohort/anchor with each authority's timescales, strictest and most lenient, and gaps."""
    state = service_state(request)
    canonical = resolve_topic(state, topic)
    scope = resolve_authorities(state, authorities) or None
    return compare_topic(state, canonical, cohort=cohort, authorities=scope)
