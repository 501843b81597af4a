"""HTTP routes, one module per area; each module exposes ``router: APIRouter``.

``service.app.create_app`` includes every module's router automatically. A route reads its
parameters, calls the query layer (``service/query.py``, ``service/compare.py``, ...) and
returns the record's ``to_dict()`` (or a download of its rendering). Routes never resolve
names themselves: the query layer does, through the one resolver (``state.resolver``).
"""

from __future__ import annotations

from fastapi import Request

from service.state import ServiceState

_SNAPSHOT_KEY = "standards.snapshot"


def service_state(request: Request) -> ServiceState:
    """The store snapshot this request reads: the newest published one when the request first
    asks, then that same one for the rest of the request (one consistent view, even while an
    upload or removal commits)."""
    snapshot = request.scope.get(_SNAPSHOT_KEY)
    if snapshot is None:
        snapshot = request.app.state.service.latest()
        request.scope[_SNAPSHOT_KEY] = snapshot
    return snapshot

