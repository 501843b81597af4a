"""POST /api/ask: a question (with the conversation before it), answered with citations or abstained."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service.answer import ask, check_history, check_question
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
    history: list[str] | None = Field(
        None, description="Earlier questions of the conversation, oldest first (at most 20, each 1-1000 characters): "
                          "a follow-up such as 'and in Wokingham?' takes the authority, subject or cohort it lacks "
                          "from them.")


@router.post("/ask", response_model=dict)  # the schema as before; the body is sent as built
def post_ask(body: AskRequest, request: Request) -> JSONResponse:
    """Answer a question for the authorities named in it (or requested), with citations; or abstain.

    With ``history`` a follow-up ("and in Wokingham?", "who chairs it?") is read in the light of
    the earlier questions. A misspelt authority is read as the closest held one, with a note.
    """
    state = service_state(request)
    text = check_question(body.question)
    history = check_history(body.history)
    notes: list[str] = []  # a requested authority read as the closest held one: said so
    authorities = resolve_authorities(state, body.authorities, notes)
    if note := state.retrieval_note():  # dense index still building: keyword search answered
        notes.append(note)
    result = ask(state, text, authorities=authorities or None, history=history, notes=notes).to_dict()
    log_abstention(state, text, authorities, result)  # question log (issue 16): no-op unless switched on
    # Sent as it is: the answer is already plain JSON types, and FastAPI's own encoding of a
    # returned dict (jsonable_encoder walks every value in Python) cost 1-6 ms of server CPU on
    # the longest answers (30-210 KB, the questions asked of every authority), for the same bytes.
    return JSONResponse(result)
