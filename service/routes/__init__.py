"""HTTP routes, one module per area; each module exposes ``router: APIRouter``.

``service.app.create_app`` includes every module's router automatically. A route reads its
parameters, calls the query layer (``service/query.py``, ``service/compare.py``, ...) and
returns the record's ``to_dict()`` (or a download of its rendering). Routes never resolve
names themselves: the query layer does, through the one resolver (``state.resolver``).
"""

from __future__ import annotations

from fastapi import Request

from service.state import ServiceState


def service_state(request: Request) -> ServiceState:
    """The loaded ServiceState of the app handling ``request``."""
    return request.app.state.service
