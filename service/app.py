"""The FastAPI application.

``create_app(settings)`` loads the service state once (store, retriever with a warm model,
taxonomy), includes every ``router`` found in ``service/routes/*.py``, mounts ``web/`` at ``/``
when present, sets a Content-Security-Policy on every response, and turns every error —
validation errors and unknown paths included — into ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from ingest.errors import StandardsError
from ingest.settings import Settings, load_settings

log = logging.getLogger("standards.service")

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
API_DOCS_DIR = Path(__file__).resolve().parent / "apidocs"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid_request", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The one error shape of the API."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        kind = err.get("type")
        if kind == "json_invalid":  # pydantic's loc here is a character offset, not a field
            offset = next((p for p in err.get("loc", ()) if isinstance(p, int)), None)
            where = f" at character {offset}" if offset is not None else ""
            parts.append(f"the body is not valid JSON{where} ({(err.get('ctx') or {}).get('error', 'decode error')})")
            continue
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        if kind == "extra_forbidden":
            parts.append(f"{where!r} is not a field of this request")
            continue
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "Invalid request — " + "; ".join(parts) + ". See /docs for the expected fields."


def _allowed_methods(request: Request) -> set[str]:
    """The methods an API route takes on the request's path (empty when no route has the path)."""
    allowed: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {"type": "http", "path": request.url.path, "root_path": "", "method": method}
        for route in request.app.router.routes:
            if isinstance(route, Mount):  # the web page's catch-all mount is not an endpoint
                continue
            match, _ = route.matches(scope)
            if match == Match.FULL:
                allowed.add(method)
                break
    return allowed


def discover_routers(app: FastAPI) -> list[str]:
    """Include the ``router`` of every module in ``service/routes``; returns the module names."""
    import service.routes as package

    names = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"service.routes.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
            names.append(info.name)
    return names


def create_app(settings: Settings | None = None, state=None) -> FastAPI:
    """Build the app. ``state`` (a loaded ServiceState) may be passed to share one between apps."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "service", None) is None:
            from service.state import load_state

            app.state.service = load_state(settings)
        yield

    app = FastAPI(
        title="Standards Assistant",
        description="Cited answers from children's social care practice standards, and comparisons "
        "between authorities. Every error is JSON: {\"error\": {\"code\", \"message\"}}.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # the stock Swagger page needs a CDN and inline script; /docs is served below
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = state

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception:  # never a stack trace to the client
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            response = error_response(500, "internal_error", "Something went wrong on the server; it has been logged.")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(StandardsError)
    async def standards_error(request: Request, exc: StandardsError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        if exc.status_code in (404, 405) and (allowed := _allowed_methods(request)):
            # The web page's mount at "/" answers every path a route refuses by method with its own
            # 404 (GET /api/ask) or 405; the endpoint exists, so say which methods it takes.
            message = f"{request.method} is not allowed on {request.url.path}; use {' or '.join(sorted(allowed))}."
            response = error_response(405, "method_not_allowed", message)
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        if exc.status_code == 404:
            message = f"No such page or endpoint: {request.url.path}. The API is listed at /docs."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}. The API is listed at /docs."
        return error_response(exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", "Something went wrong on the server; it has been logged.")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> FileResponse:
        """A self-hosted endpoint list rendered from /openapi.json (works offline under the CSP)."""
        return FileResponse(API_DOCS_DIR / "index.html")

    discover_routers(app)
    if API_DOCS_DIR.is_dir():
        app.mount("/apidocs", StaticFiles(directory=API_DOCS_DIR), name="apidocs")
    if WEB_DIR.is_dir() and (WEB_DIR / "index.html").exists():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
