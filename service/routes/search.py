"""POST /api/search: ranked clauses with their citation fields and score."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from ingest.errors import BadRequestError
from service.answer import citation_dict
from service.routes import resolve_authorities, resolve_topic, service_state

router = APIRouter(prefix="/api", tags=["search"])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt filter is an error, not silently no filter

    query: str = Field(..., description="What to look for (1-1000 characters).")
    # strict: true or "10" is not a count.
    k: int = Field(10, ge=1, le=100, strict=True, description="How many clauses to return.")
    authorities: list[str] | None = Field(None, description="Only these authorities (names or aliases).")
    topic: str | None = Field(None, description="Only clauses with an obligation on this topic.")
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"


@router.post("/search")
def post_search(body: SearchRequest, request: Request) -> dict:
    """Ranked clauses for a query, each with its citation fields and score."""
    from index.records import SearchFilters

    state = service_state(request)
    query = body.query.strip()
    if not query or len(query) > 1000:
        raise BadRequestError("The query must be 1 to 1000 characters long.")
    filters = SearchFilters(authorities=resolve_authorities(state, body.authorities))
    if body.topic:
        filters.topic = resolve_topic(state, body.topic)
    hits = state.search(query, k=body.k, filters=filters, mode=body.mode)
    return {
        "query": query,
        "note": state.retrieval_note(),  # set while the dense index is built: BM25 ranked these
        "results": [
            citation_dict(h.clause)
            | {
                "score": h.score,
                "bm25_rank": h.bm25_rank,
                "dense_rank": h.dense_rank,
                "cohort_context": h.clause.cohort_context,
                "role_context": h.clause.role_context,
            }
            for h in hits
        ],
    }
