"""GET /api/baseline: an authority's standards checked against the national minimum (JSON or CSV)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ingest.errors import BadRequestError, NotFoundError
from service.baseline import baseline_for, rows_to_csv
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["baseline"])

FORMATS = ("json", "csv")


@router.get("/baseline", response_model=None)
def get_baseline(
    request: Request,
    authority: Annotated[str | None, Query(description="An authority (name or alias); every held authority if left out.")] = None,
    format: Annotated[str, Query(description="json (default) or csv (a download).")] = "json",
    include_unverified: Annotated[bool, Query(description="Also compare with national figures not verified against their source (labelled so).")] = False,
) -> dict | Response:
    """Every national duty against the authority's standards: looser (red flags), silent, same, stricter."""
    if format not in FORMATS:
        raise BadRequestError(f"Unknown format {format!r}; use one of: {', '.join(FORMATS)}.")
    state = service_state(request)
    notes: list[str] = []
    if authority is not None:
        resolved = state.resolver.authority(authority)
        if resolved.note:
            notes.append(resolved.note)
        names = [resolved.name]
    else:
        names = state.authorities()
        if not names:
            raise NotFoundError("No standards are held yet; ingest some first (standards ingest corpus/).")
    reports = [baseline_for(state, name, include_unverified=include_unverified) for name in names]
    if format == "csv":
        slug = re.sub(r"[^a-z0-9]+", "-", names[0].lower()).strip("-") if authority is not None else "all"
        return Response(
            rows_to_csv([row for r in reports for row in r.csv_rows()]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="baseline-{slug}.csv"'},
        )
    return {"reports": [r.to_dict() for r in reports], "notes": notes}
