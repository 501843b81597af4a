"""GET /api/compare: one topic across authorities, as duty rows by authority."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.compare import compare
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["compare"])


@router.get("/compare")
def get_compare(
    request: Request,
    topic: Annotated[str, Query(description="Canonical topic or a synonym, e.g. 'core group meeting' or 'CGM'.")],
    cohort: Annotated[str | None, Query(description="Only this cohort, e.g. 'children in care' or 'LAC' "
                                                    "(duties that state no cohort are kept).")] = None,
    authorities: Annotated[list[str] | None, Query(description="Only these authorities (repeat the parameter; "
                                                               "names or aliases).")] = None,
    include_unverified: Annotated[bool, Query(description="Also show national figures not verified against "
                                                          "their source (flagged as unverified).")] = False,
) -> dict:
    """Rows of duties (kind, phase, cohort, qualifiers, anchor) with each authority's timescales,
    strictest and most lenient marked, the authorities with no standard on the topic, and for
    rows whose duty is a national duty the national figure ("National (statutory guidance)",
    with its source and wording) and each authority's verdict against it."""
    return compare(service_state(request), topic, cohort=cohort, authorities=authorities,
                   include_unverified=include_unverified).to_dict()
