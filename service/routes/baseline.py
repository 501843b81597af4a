"""GET /api/baseline: an authority's standards checked against the national minimum (JSON or CSV)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ingest.errors import BadRequestError
from service import query
from service.baseline import rows_to_csv
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
    result = query.baseline(service_state(request), authority, include_unverified=include_unverified)
    if format == "csv":
        names = [r.authority for r in result.reports]
        slug = re.sub(r"[^a-z0-9]+", "-", names[0].lower()).strip("-") if authority is not None else "all"
        return Response(
            rows_to_csv(result.csv_rows()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="baseline-{slug}.csv"'},
        )
    return result.to_dict()
