"""POST /api/ask: a question, answered with citations or abstained."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from service.answer import ask, check_question
from service.query import resolve_authorities
from service.question_log import log_abstention
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["ask"])


class AskRequest(BaseModel):
    # An unknown field is refused, not ignored: a misspelt "authority" would otherwise widen the
    # answer to every authority without a word.
    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The question, in the words a practitioner would use (1-1000 characters).")
    authorities: list[str] | None = Field(None, description="Restrict the answer to these authorities (names or aliases).")


@router.post("/ask")
def post_ask(body: AskRequest, request: Request) -> dict:
    """Answer a question for the authorities named in it (or requested), with citations; or abstain."""
    state = service_state(request)
    text = check_question(body.question)
    notes: list[str] = []
    authorities = resolve_authorities(state, body.authorities, notes)
    result = ask(state, text, authorities=authorities or None)
    if note := state.retrieval_note():  # dense index still building: keyword search answered
        notes.append(note)
    if notes:  # a requested authority read as the closest held one: say so
        result["notes"] = notes + list(result.get("notes") or [])
    log_abstention(state, text, authorities, result)  # question log (issue 16): no-op unless switched on
    return result
