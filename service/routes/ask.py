"""POST /api/ask (a question, answered with citations or abstained) and POST /api/deadline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from ingest.errors import BadRequestError
from service.answer import ask, deadline_for
from service.deadlines import parse_iso_date
from service.routes import resolve_authorities, resolve_topic, service_state

router = APIRouter(prefix="/api", tags=["ask"])

MAX_QUESTION_CHARS = 1000
# Earlier questions kept as a conversation's context (the page keeps about this many turns).
MAX_HISTORY = 20


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


class DeadlineRequest(BaseModel):
    obligation_id: str | None = Field(None, description="An obligation id (from /api/obligations or an answer).")
    authority: str | None = Field(None, description="With topic: the authority whose standard applies.")
    topic: str | None = Field(None, description="With authority: the topic (canonical name or synonym).")
    cohort: str | None = Field(None, description="Optional: prefer the standard for this cohort.")
    from_: str = Field(..., alias="from", description="The date the timescale runs from, YYYY-MM-DD.")

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


def check_question(text: str) -> str:
    """Refuse empty and over-long questions with a message saying what is accepted."""
    text = (text or "").strip()
    if not text:
        raise BadRequestError("The question is empty. Ask something like 'When must the first core group meet in Wokingham?'.")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadRequestError(
            f"The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}. Ask one thing at a time."
        )
    return text


def check_history(history: list[str] | None) -> list[str]:
    """Refuse a conversation that is too long or holds an empty or over-long question."""
    history = list(history or [])
    if len(history) > MAX_HISTORY:
        raise BadRequestError(
            f"'history' holds {len(history)} questions; at most {MAX_HISTORY} earlier questions are used. "
            "Send the latest ones, oldest first."
        )
    out = []
    for i, earlier in enumerate(history):
        text = (earlier or "").strip() if isinstance(earlier, str) else ""
        if not text:
            raise BadRequestError(f"'history'[{i}] is empty; send the earlier questions as they were asked.")
        if len(text) > MAX_QUESTION_CHARS:
            raise BadRequestError(f"'history'[{i}] is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}.")
        out.append(text)
    return out


@router.post("/ask")
def post_ask(body: AskRequest, request: Request) -> dict:
    """Answer a question for the authorities named in it (or requested), with citations; or abstain.

    With ``history`` a follow-up ("and in Wokingham?", "who chairs it?") is read in the light of
    the earlier questions. A misspelt authority is read as the closest held one, with a note.
    """
    state = service_state(request)
    text = check_question(body.question)
    history = check_history(body.history)
    resolved = state.resolver.authorities(body.authorities)
    answer = ask(state, text, authorities=[r.name for r in resolved] or None, history=history)
    for r in reversed(resolved):
        if r.note:
            answer.notes.insert(0, r.note)
            answer.answer = f"{r.note}\n{answer.answer}"
    return answer.to_dict()


@router.post("/deadline")
def post_deadline(body: DeadlineRequest, request: Request) -> dict:
    """The due date for one obligation (by id, or an authority's standard on a topic) from a date."""
    state = service_state(request)
    start = parse_iso_date(body.from_)
    if not body.obligation_id and not (body.authority and body.topic):
        raise BadRequestError("Give either 'obligation_id', or 'authority' and 'topic', together with 'from' (YYYY-MM-DD).")
    authority = resolve_authorities(state, [body.authority])[0] if body.authority else None
    topic = resolve_topic(state, body.topic) if body.topic else None
    return deadline_for(state, start, obligation_id=body.obligation_id, authority=authority, topic=topic,
                        cohort=body.cohort)
