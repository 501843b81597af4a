"""File downloads for trainers: induction packs and quizzes (DOCX, Markdown, CSV, JSON).

The parameters go through the query layer (``service.query.induction_request`` /
``quiz_request``: names resolved, a misspelt authority read as the closest held one); the
response is a download of the pack's or quiz's rendering. Notes about how a name was read
travel in the ``X-Standards-Notes`` header (a JSON list, ASCII-escaped), since a file has no
room for them.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service import query
from service.exports import Rendered, render_induction, render_quiz
from service.quiz import MAX_QUESTIONS
from service.records import ROLE_FILTER_MEANING
from service.routes import service_state

router = APIRouter(prefix="/api/export", tags=["exports"])

NOTES_HEADER = "X-Standards-Notes"


def _download(rendered: Rendered, notes: list[str]) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{rendered.filename}"'}
    if notes:
        headers[NOTES_HEADER] = json.dumps(notes)  # ensure_ascii: header values are Latin-1
    return Response(content=rendered.content, media_type=rendered.media_type, headers=headers)


@router.get("/induction")
def export_induction(
    request: Request,
    role: str = Query(..., description=f"Role, e.g. 'Social Worker', 'PA', 'Team Manager'. The pack lists "
                                       f"{ROLE_FILTER_MEANING}."),
    authority: str = Query(..., description="Authority (name or alias), or 'all' for a cross-authority pack."),
    cohort: str | None = Query(None, description="Only duties for this cohort (plus those for all children)."),
    topic: str | None = Query(None, description="Only this topic, e.g. 'child protection visit'."),
    format: str = Query("docx", description="docx, md or csv."),
    as_of: str | None = Query(None, max_length=100, description="Build from an older version (label, #ordinal or "
                              "YYYY-MM-DD); the pack then lists what has changed since."),
) -> Response:
    """Induction pack for a role: its timescales grouped by stage, an at-a-glance table, sources."""
    state = service_state(request)
    wanted = query.induction_request(state, role, authority, cohort=cohort, topic=topic)
    return _download(render_induction(query.induction_pack(state, wanted, as_of=as_of), format), wanted.notes)


@router.get("/quiz")
def export_quiz(
    request: Request,
    authority: str = Query(..., description="Authority (name or alias)."),
    role: str | None = Query(None, description=f"Only {ROLE_FILTER_MEANING}."),
    n: int = Query(20, ge=1, le=MAX_QUESTIONS, description="Number of questions."),
    seed: int = Query(0, description="Same seed, same quiz."),
    format: str = Query("docx", description="docx, md or json."),
) -> Response:
    """Multiple-choice quiz on an authority's timescales, with an answer key and sources."""
    state = service_state(request)
    wanted = query.quiz_request(state, authority, role)
    return _download(render_quiz(query.build_quiz(state, wanted, n=n, seed=seed), format), wanted.notes)
