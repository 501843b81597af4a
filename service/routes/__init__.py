"""HTTP routes, one module per area; each module exposes ``router: APIRouter``.

``service.app.create_app`` includes every module's router automatically. Shared helpers for
the routes live here: the service state of a request, and resolving authority and topic names
(unknown ones are a 404 that lists the known ones).
"""

from __future__ import annotations

from fastapi import Request

from ingest.errors import BadRequestError, UnknownAuthorityError, UnknownTopicError
from service.question import match_topics, topic_names
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


def resolve_authorities(state: ServiceState, names: list[str] | None) -> list[str]:
    """Canonical authority names for ``names`` (names or aliases, any case); 404 on unknown ones."""
    out: list[str] = []
    for name in names or []:
        if not name or not name.strip():
            continue
        found = state.matcher.resolve(name)
        if found is None:
            known = ", ".join(state.authorities()) or "none (ingest a document first)"
            raise UnknownAuthorityError(f"Unknown authority {name!r}. Known: {known}.")
        if found not in out:
            out.append(found)
    return out


def resolve_topic(state: ServiceState, topic: str) -> str:
    """The canonical topic for ``topic`` (a canonical name, synonym or abbreviation); 404 if none."""
    names = topic_names(state.taxonomy)
    wanted = topic.strip().lower()
    if not wanted:  # a blank topic is a missing value, not an unknown topic
        raise BadRequestError(
            "The topic is empty. Give one, e.g. 'core group meeting' (the list is at GET /api/topics)."
        )
    for name in names:
        if name.lower() == wanted:
            return name
    matches = match_topics(state.taxonomy, topic)
    if matches:
        return matches[0]
    raise UnknownTopicError(f"Unknown topic {topic!r}. Known topics: {', '.join(sorted(names))}.")
