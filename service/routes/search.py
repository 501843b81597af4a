"""POST /api/search: ranked clauses with their citation fields and score."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from service import query
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["search"])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt filter is an error, not silently no filter

    query: str = Field(..., description="What to look for (1-1000 characters).")
    # strict: true or "10" is not a count.
    k: int = Field(10, ge=1, le=100, strict=True, description="How many clauses to return.")
    authorities: list[str] | None = Field(None, description="Only these authorities (names or aliases).")
    topic: str | None = Field(None, description="Only clauses on this topic (canonical name or synonym).")
    cohort: str | None = Field(None, description="Only clauses for this cohort (e.g. 'children in care', 'LAC').")
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"


@router.post("/search")
def post_search(body: SearchRequest, request: Request) -> dict:
    """Ranked clauses for a query, each with its citation fields (label included) and score."""
    return query.search(service_state(request), body.query, k=body.k, authorities=body.authorities,
                        topic=body.topic, cohort=body.cohort, mode=body.mode).to_dict()
