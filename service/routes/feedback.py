"""The question log over HTTP: feedback on answers, and the gaps a policy lead reads.

GET  /api/feedback   whether answers can be marked not helpful here (the log is on) and for how long records stay
POST /api/feedback   {"question", "authorities"?}: record an answer marked not helpful (409 while the log is off)
GET  /api/gaps       the top unanswered topics per authority (needs the admin token)
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import AuthError, FileTooLargeError, QuestionLogOffError
from service.answer import check_question
from service.query import resolve_authorities
from service.question_log import gaps, gaps_csv, record_feedback
from service.routes import service_state
from service.routes.admin import require_admin

router = APIRouter(prefix="/api", tags=["feedback"])

# A feedback body is a question (at most 1,000 characters, up to 4 bytes each in UTF-8) and a
# few authority names: 8 KB is ample, and nothing larger is read.
MAX_FEEDBACK_BYTES = 8 * 1024
MAX_AUTHORITIES = 20


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The question whose answer was not helpful (as asked).")
    authorities: list[str] | None = Field(None, max_length=MAX_AUTHORITIES,
                                          description="The authorities the question was asked about, if chosen.")
    verdict: Literal["not_helpful"] = Field("not_helpful", description="What the user said about the answer.")


async def _read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to pass ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FileTooLargeError(f"The request body is {declared} bytes; feedback is at most {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FileTooLargeError(f"The request body is over {limit} bytes; feedback is at most {limit} bytes.")
    return bytes(body)


@router.get("/feedback")
def get_feedback_status(request: Request) -> dict:
    """Whether the question log is on (the page shows its "not helpful" control only then)."""
    settings = service_state(request).settings
    return {
        "enabled": settings.question_log,
        "retention_days": settings.question_log_days,
        "stored": "the question with names, dates, phone and NHS numbers, e-mails and postcodes removed, "
                  "the authority and the hour; nothing about who asked",
    }


@router.post("/feedback", status_code=201)
async def post_feedback(request: Request) -> dict:
    """Record that an answer was not helpful: its question (redacted), authority and hour. 409 while the log is off."""
    state = service_state(request)
    if not state.settings.question_log:
        raise QuestionLogOffError(
            "Feedback is not recorded on this server: the question log is off (STANDARDS_QUESTION_LOG)."
        )
    raw = await _read_limited(request, MAX_FEEDBACK_BYTES)
    try:
        body = FeedbackRequest.model_validate_json(raw or b"null")
    except ValidationError as exc:
        raise RequestValidationError([err | {"loc": ("body", *err.get("loc", ()))} for err in exc.errors()]) from None
    question = check_question(body.question)
    authorities = resolve_authorities(state, body.authorities, [])
    stored = record_feedback(state, question, authorities)
    return {"recorded": stored, "retention_days": state.settings.question_log_days}


@router.get("/gaps", response_model=None)
def get_gaps(
    request: Request,
    authority: Annotated[str | None, Query(max_length=200, description="Only this authority (name or alias).")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Topics per authority.")] = 10,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")] = "json",
) -> dict | Response:
    """The most asked topics the standards did not answer (abstained or marked not helpful), per authority.

    Needs ``Authorization: Bearer <STANDARDS_ADMIN_TOKEN>``: the log holds practitioners' questions.
    """
    if not request.app.state.settings.admin_token:
        raise AuthError(
            "The question log is readable over HTTP only with an admin token. Set STANDARDS_ADMIN_TOKEN on the "
            "server and send 'Authorization: Bearer <token>', or run `standards gaps` on the server."
        )
    require_admin(request)
    state = service_state(request)
    name = state.resolver.authority(authority).name if authority else None
    # The log is not part of the store snapshot (it grows between uploads): read it as it is now.
    with state.writer() as conn:
        report = gaps(conn, state.taxonomy, state.settings, name, limit)
    if format == "csv":
        return Response(gaps_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="gaps.csv"'})
    return report.to_dict()
