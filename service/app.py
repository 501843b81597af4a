"""The FastAPI application, and ``serve`` (what ``standards serve`` runs).

``create_app(settings)`` includes every ``router`` found in ``service/routes/*.py``, mounts
``web/`` at ``/`` when present, sets a Content-Security-Policy on every response, and turns
every error — validation errors and unknown paths included — into
``{"error": {"code", "message"}}``.

The port opens as soon as the app is built: the store snapshot loads in the background (``/healthz`` says
"starting", the API answers 503 with Retry-After until it is ready, a few seconds), then the
live service (``service.jobs``) loads the model and brings the dense index up to date while
BM25 answers. Every request passes ``Guard`` first, which decides from the headers alone,
before a byte of the body is read: the admin token (401/403/429), the body's declared size
(413), then counts the body as it streams (chunked bodies are cut off at the cap), times out a
stalled body (408) and refuses JSON text that is not valid Unicode (422).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import pkgutil
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from ingest.errors import (
    AuthError,
    BadRequestError,
    InvalidTextError,
    MissingCredentialsError,
    RequestTimeoutError,
    RequestTooLargeError,
    StandardsError,
)
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
# Room for a multipart upload's boundaries and form fields (authority, title) on top of the
# file itself when its Content-Length is judged against STANDARDS_MAX_FILE_MB.
MULTIPART_ALLOWANCE = 64 * 1024
# Retry-After (seconds) while the service loads at start: loading the store takes a few seconds.
STARTING_RETRY_SECONDS = 5


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of the API."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _error_bytes(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    """An error response as raw ASGI messages (for the guard, which answers before the app)."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close"), (b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff")]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return ({"type": "http.response.start", "status": status, "headers": raw},
            {"type": "http.response.body", "body": body, "more_body": False})


def _unpaired_surrogate(value: Any, where: str = "") -> str | None:
    """Where in decoded JSON a string holds an unpaired surrogate (e.g. "\\ud800"), else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "the body"
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((f"{i}", v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        found = _unpaired_surrogate(key, where) if isinstance(key, str) else None
        found = found or _unpaired_surrogate(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


class Guard:
    """Pure ASGI middleware: checks what can be checked from the headers before the app reads
    the body, then watches the body as it streams (see the module docstring)."""

    def __init__(self, app, fastapi_app: FastAPI, settings: Settings):
        from service.routes.admin import LoginLimiter

        self.app = app
        self.fastapi_app = fastapi_app
        self.settings = settings
        self.limiter = LoginLimiter(settings.login_attempts)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from service.routes.admin import check_admin, is_admin_request

        method, path = scope["method"], scope["path"]
        headers = Headers(scope=scope)
        upload = method == "POST" and path.rstrip("/") == "/api/documents"
        limit = self.settings.max_file_bytes + MULTIPART_ALLOWANCE if upload else self.settings.max_json_bytes
        try:
            if self.fastapi_app.state.service is None and (path.startswith("/api/") or path == "/healthz"):
                await self._starting(path, send)
                return
            if is_admin_request(method, path):
                client = (scope.get("client") or ("unknown",))[0]
                self.limiter.check(client)
                try:
                    check_admin(self.settings.admin_token, headers.get("authorization"))
                except MissingCredentialsError:
                    raise
                except AuthError:
                    if self.settings.admin_token:
                        self.limiter.failed(client, method, path, "wrong token")
                    raise
            declared = headers.get("content-length")
            if declared is not None:
                if not declared.strip().isdigit():
                    raise BadRequestError("The Content-Length header is not a number of bytes.")
                if int(declared) > limit:
                    raise RequestTooLargeError(self._too_large(upload, int(declared), limit))
        except StandardsError as exc:
            for message in _error_bytes(exc.http_status, exc.code, exc.message, getattr(exc, "headers", None)):
                await send(message)
            return
        await self._guarded(scope, receive, send, limit, upload,
                            json_body=headers.get("content-type", "").split(";")[0].strip() == "application/json")

    def _too_large(self, upload: bool, size: int, limit: int) -> str:
        from ingest.loaders import human_size

        if upload:
            return (f"The upload is {human_size(size)}; documents may be at most "
                    f"{human_size(self.settings.max_file_bytes)} (STANDARDS_MAX_FILE_MB).")
        return (f"The request body is {human_size(size)}; JSON requests may be at most {human_size(limit)} "
                "(STANDARDS_MAX_JSON_KB). Ask one thing at a time.")

    async def _starting(self, path: str, send) -> None:
        failed = getattr(self.fastapi_app.state, "boot_error", None)
        if path == "/healthz" and not failed:
            # Alive (200) but not ready: a health checker should wait, not restart the server.
            body = json.dumps({"status": "starting", "ready": False}).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff")]})
            await send({"type": "http.response.body", "body": body})
            return
        message = failed or "The service is starting (loading the store); try again in a few seconds."
        for part in _error_bytes(503, "starting" if not failed else "unavailable", message,
                                 {"Retry-After": str(STARTING_RETRY_SECONDS)}):
            await send(part)

    async def _guarded(self, scope, receive, send, limit: int, upload: bool, json_body: bool) -> None:
        problem: list[StandardsError] = []
        received = 0
        body_done = False
        timeout = self.settings.body_timeout

        async def guarded_receive():
            nonlocal received, body_done
            if body_done or problem:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                problem.append(RequestTimeoutError(
                    f"The request body stalled for more than {timeout:g} s (STANDARDS_BODY_TIMEOUT); send it again."))
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    problem.append(RequestTooLargeError(self._too_large(upload, received, limit)))
                    return {"type": "http.disconnect"}
                body_done = not message.get("more_body", False)
            return message

        app_receive = guarded_receive
        if json_body:
            chunks: list[bytes] = []
            while not body_done and not problem:
                message = await guarded_receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
            if problem:
                for part in _error_bytes(problem[0].http_status, problem[0].code, problem[0].message):
                    await send(part)
                return
            raw = b"".join(chunks)
            try:
                where = _unpaired_surrogate(json.loads(raw)) if raw else None
            except (ValueError, RecursionError):
                where = None  # not JSON: the app says what is wrong with it
            if where:
                exc = InvalidTextError(
                    f"The text in {where!r} is not valid Unicode (it holds an unpaired surrogate such as "
                    "\\ud800). Send the text as typed, encoded as UTF-8.")
                for part in _error_bytes(exc.http_status, exc.code, exc.message):
                    await send(part)
                return
            replayed = False

            async def replay():
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": raw, "more_body": False}
                return await receive()

            app_receive = replay

        answered = False

        async def guarded_send(message):
            nonlocal answered
            if problem:  # the app is answering a body we cut off: our answer replaces its own
                if not answered and message["type"] == "http.response.start":
                    answered = True
                    for part in _error_bytes(problem[0].http_status, problem[0].code, problem[0].message):
                        await send(part)
                return
            await send(message)

        try:
            await self.app(scope, app_receive, guarded_send)
        except Exception:
            if not problem:
                raise
        if problem and not answered:
            answered = True
            for part in _error_bytes(problem[0].http_status, problem[0].code, problem[0].message):
                await send(part)


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
        from service.jobs import LiveService

        if app.state.service is None:
            booting = threading.Thread(target=_boot, args=(app, settings), name="standards-boot", daemon=True)
            booting.start()
        else:
            LiveService.attach(app.state.service)
        yield
        state = app.state.service
        if state is not None and state.live is not None:
            await asyncio.to_thread(state.live.stop)

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
        return error_response(exc.http_status, exc.code, exc.message, getattr(exc, "headers", None))

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
    app.add_middleware(Guard, fastapi_app=app, settings=settings)
    return app


def _boot(app: FastAPI, settings: Settings) -> None:
    """Load the store snapshot (BM25 ready), publish it, and start the live service, which loads
    the model and brings the dense index up to date in the background."""
    from service.jobs import LiveService
    from service.state import load_state

    try:
        state = load_state(settings, dense=False)
        LiveService.attach(state)
        app.state.service = state
        log.info("serving; the dense index is being brought up to date in the background")
    except Exception as exc:  # the operator reads the log; clients get a 503 saying so
        log.exception("the service could not load the store")
        app.state.boot_error = (f"The service could not load its store ({type(exc).__name__}); see the server "
                                "log. Fix the cause and restart the server.")


def guarded_protocol(base: type, header_timeout: float) -> type:
    """``base`` (uvicorn's HTTP protocol) closing connections that do not finish sending a
    request's headers within ``header_timeout`` seconds of connecting or of their last response.

    uvicorn times out idle keep-alive connections only after a first response, so a client
    that connects and sends nothing — or a header byte a second — would hold a connection for
    ever; a thousand of them exhaust the server.
    """

    class GuardedProtocol(base):  # type: ignore[misc, valid-type]
        _header_timer = None
        _armed_cycle = None

        def _arm(self) -> None:
            self._disarm()
            self._armed_cycle = self.cycle
            self._header_timer = self.loop.call_later(header_timeout, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if self.cycle is self._armed_cycle and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._header_timer is not None and self.cycle is not self._armed_cycle:
                self._disarm()  # a new request's headers are complete

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    GuardedProtocol.__name__ = f"Guarded{base.__name__}"
    return GuardedProtocol


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the app under uvicorn with the limits from the settings (timeouts, connections)."""
    import uvicorn
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    config = uvicorn.Config(
        create_app(settings), host=host, port=port, log_level="warning",
        http=guarded_protocol(AutoHTTPProtocol, settings.header_timeout),
        timeout_keep_alive=settings.keepalive_timeout,  # type: ignore[arg-type]
        limit_concurrency=settings.max_connections,
        # Headers larger than this are refused by the HTTP parser (bytes); the API needs < 8 KB.
        h11_max_incomplete_event_size=16 * 1024,
    )
    uvicorn.Server(config).run()
