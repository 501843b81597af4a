"""POST /api/deadline: the due date for one duty from a date, with the calculation shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from service import query
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["deadline"])


class DeadlineRequest(BaseModel):
    obligation_id: str | None = Field(None, description="An obligation id (from /api/obligations or an answer).")
    authority: str | None = Field(None, description="With topic: the authority whose standard applies (name or alias).")
    topic: str | None = Field(None, description="With authority: the topic (canonical name or synonym).")
    cohort: str | None = Field(None, description="Optional: prefer the standard for this cohort.")
    from_: str = Field(..., alias="from", description="The date the timescale runs from, YYYY-MM-DD.")

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


@router.post("/deadline")
def post_deadline(body: DeadlineRequest, request: Request) -> dict:
    """The due date for one obligation (by id, or an authority's standard on a topic) from a date."""
    return query.deadline(service_state(request), body.from_, obligation_id=body.obligation_id,
                          authority=body.authority, topic=body.topic, cohort=body.cohort).to_dict()
