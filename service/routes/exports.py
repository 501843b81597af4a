"""File downloads for trainers: induction packs and quizzes (DOCX, Markdown, CSV, JSON)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ingest.errors import BadRequestError
from service.exports import Rendered, render_induction, render_quiz
from service.induction import build_cross_authority_pack, build_induction_pack
from service.quiz import MAX_QUESTIONS, build_quiz
from service.routes import resolve_authorities, service_state

router = APIRouter(prefix="/api/export", tags=["exports"])

_ALL = {"all", "*", "all authorities", "all-authorities"}


def _authority(state, authority: str) -> str:
    found = resolve_authorities(state, [authority])
    if not found:
        known = ", ".join(state.authorities())
        raise BadRequestError(f"Give an authority (one of: {known}), or 'all' for a cross-authority pack.")
    return found[0]


def _download(rendered: Rendered) -> Response:
    return Response(
        content=rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )


@router.get("/induction")
def export_induction(
    request: Request,
    role: str = Query(..., description="Role, e.g. 'Social Worker', 'PA', 'Team Manager'."),
    authority: str = Query(..., description="Authority (name or alias), or 'all' for a cross-authority pack."),
    cohort: str | None = Query(None, description="Only duties for this cohort (plus those for all children)."),
    topic: str | None = Query(None, description="Only this topic, e.g. 'child protection visit'."),
    format: str = Query("docx", description="docx, md or csv."),
    as_of: str | None = Query(None, max_length=100, description="Build from an older version (label, #ordinal or "
                              "YYYY-MM-DD); the pack then lists what has changed since."),
) -> Response:
    """Induction pack for a role: its timescales grouped by stage, an at-a-glance table, sources."""
    state = service_state(request)
    with state.lock:
        if authority.strip().lower() in _ALL:
            pack = build_cross_authority_pack(state.conn, role, topic=topic, cohort=cohort, as_of=as_of)
        else:
            where = _authority(state, authority)
            pack = build_induction_pack(state.conn, where, role, cohort=cohort, topic=topic, as_of=as_of)
    return _download(render_induction(pack, format))


@router.get("/quiz")
def export_quiz(
    request: Request,
    authority: str = Query(..., description="Authority (name or alias)."),
    role: str | None = Query(None, description="Only duties this role owns."),
    n: int = Query(20, ge=1, le=MAX_QUESTIONS, description="Number of questions."),
    seed: int = Query(0, description="Same seed, same quiz."),
    format: str = Query("docx", description="docx, md or json."),
) -> Response:
    """Multiple-choice quiz on an authority's timescales, with an answer key and sources."""
    state = service_state(request)
    with state.lock:
        where = _authority(state, authority)
        quiz = build_quiz(state.conn, where, role=role, n=n, seed=seed)
    return _download(render_quiz(quiz, format))
