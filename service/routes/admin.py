"""Documents over HTTP, run as background jobs: POST /api/documents (upload + ingest),
DELETE /api/documents/{id}, and GET /api/jobs/{id} (status, progress, result or error).

All three need ``Authorization: Bearer <STANDARDS_ADMIN_TOKEN>``, checked from the headers
before any body is read (``service.app``'s guard calls ``check_admin``): no credentials is a
401 with a ``WWW-Authenticate`` challenge, a wrong token a 403 (logged without the token, and
more than STANDARDS_LOGIN_ATTEMPTS a minute from one client a 429), no token configured a 403
saying how to enable uploads.

An upload is saved under ``data/uploads/<job id>/`` and queued; the answer is 202 with the
job and its ``Location``. ``?wait=N`` waits up to N seconds (the event loop stays free) and
answers with the outcome when the job finishes in time: 201 with the document, or the job's
error (4xx) with the store unchanged. Queries keep answering from the previous snapshot until
the new one is published.
"""

from __future__ import annotations

import hmac
import logging
import re
import shutil
import time
import unicodedata
from collections import deque
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ingest.errors import (
    AuthError,
    BadRequestError,
    FileTooLargeError,
    MissingCredentialsError,
    NotFoundError,
    TooManyAttemptsError,
    UnsupportedFormatError,
)
from ingest.loaders import SUPPORTED_EXTENSIONS, human_size, supported_list
from ingest.parse import check_authority_name, slug
from ingest.records import DocumentMeta
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["admin"])
log = logging.getLogger("standards.admin")

# Longest file name accepted from a client (characters). File systems stop at 255 bytes, so the
# upload is stored under a shortened name; the name as given is kept for display and the id.
MAX_NAME_CHARS = 1000
# Characters of the stored file's stem (a slug); with the folder and extension well under 255 bytes.
DISK_STEM_CHARS = 80
# Longest a client may ask an upload or removal to wait for its job (seconds).
MAX_WAIT_SECONDS = 300
# The window failed admin-token attempts are counted in (seconds); the count is a setting.
LOGIN_WINDOW_SECONDS = 60

_ADMIN_PATHS = (
    ("POST", re.compile(r"^/api/documents/?$")),
    ("DELETE", re.compile(r"^/api/documents/[^/]+/?$")),
    ("GET", re.compile(r"^/api/jobs(/[^/]*)?/?$")),
)


def is_admin_request(method: str, path: str) -> bool:
    """True for the endpoints that need the admin token (checked before the body is read)."""
    return any(method == m and pattern.match(path) for m, pattern in _ADMIN_PATHS)


def check_admin(token: str, authorization: str | None) -> None:
    """Check an ``Authorization`` header against the configured token (constant-time).

    Raises ``AuthError`` (403) when uploads are disabled or the token is wrong, and
    ``MissingCredentialsError`` (401) when no Bearer credentials were sent.
    """
    if not token:
        raise AuthError(
            "Uploading and removing documents over HTTP is disabled. To enable it, set "
            "STANDARDS_ADMIN_TOKEN to a secret and restart the server, then send "
            "'Authorization: Bearer <token>'. Or use `standards ingest FILE --authority NAME`."
        )
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise MissingCredentialsError(
            "This needs the admin token: send 'Authorization: Bearer <STANDARDS_ADMIN_TOKEN>'."
        )
    if not hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8")):
        raise AuthError("Wrong admin token: send 'Authorization: Bearer <STANDARDS_ADMIN_TOKEN>'.")


class LoginLimiter:
    """Counts failed admin-token attempts per client address over a sliding minute.

    Used from the event loop only (the guard middleware), so it needs no lock. Failures are
    logged with the client and the endpoint, never the token sent.
    """

    def __init__(self, attempts: int, window: float = LOGIN_WINDOW_SECONDS):
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def check(self, client: str) -> None:
        """``TooManyAttemptsError`` if ``client`` has used up its failed attempts."""
        now = time.monotonic()
        failures = self._recent(client, now)
        if len(failures) >= self.attempts:
            retry = int(self.window - (now - failures[0])) + 1
            raise TooManyAttemptsError(
                f"Too many wrong admin tokens from this address; try again in {retry} s.", retry_after=retry
            )

    def failed(self, client: str, method: str, path: str, reason: str) -> None:
        """Record (and log) one failed attempt."""
        now = time.monotonic()
        self._recent(client, now)
        self._failures.setdefault(client, deque()).append(now)
        if len(self._failures) > 10_000:  # many addresses: forget the oldest rather than grow
            self._failures.pop(next(iter(self._failures)))
        log.warning("admin authentication failed from %s on %s %s: %s", client, method, path, reason)


def require_admin(request: Request) -> None:
    """The same check inside the routes (the guard has normally refused bad tokens already)."""
    check_admin(request.app.state.settings.admin_token, request.headers.get("authorization"))


def client_file_name(name: str | None) -> str:
    """The uploaded file's name as the user gave it, checked: no folders, no control characters,
    a supported extension, at most ``MAX_NAME_CHARS``."""
    base = re.split(r"[\\/]", name or "")[-1].strip()  # never a path from the client (any OS)
    if not base or base in (".", "..") or "." not in base.strip("."):
        raise BadRequestError(f"The uploaded file needs a name with an extension ({supported_list()}).")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in base):
        raise BadRequestError("The uploaded file's name contains control characters; rename the file and try again.")
    if len(base) > MAX_NAME_CHARS:
        raise BadRequestError(f"The uploaded file's name is {len(base)} characters long; the limit is {MAX_NAME_CHARS}.")
    ext = Path(base).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormatError(
            f"{base[:100]}: '{ext or 'no extension'}' is not a supported document type. Supported: {supported_list()}."
        )
    return base


def disk_name(name: str) -> str:
    """A short, safe name to store an upload under (the file system limits names to 255 bytes)."""
    path = Path(name)
    return f"{slug(path.stem)[:DISK_STEM_CHARS].strip('-_') or 'document'}{path.suffix.lower()}"


def _canonical_authority(state, name: str) -> str:
    """The stored or manifest spelling of an authority typed in an upload (exact, any case or
    alias; never a guess: an unknown name is a new authority)."""
    from ingest.store import authorities
    from service.pipeline import canonical_authority

    tidy = check_authority_name(name)
    with state.lock:
        known = authorities(state.conn)
    for existing in known:
        if existing.casefold() == tidy.casefold():
            return existing
    return canonical_authority(tidy, state.settings)


def _save_upload(upload: UploadFile, path: Path, limit: int) -> int:
    """Copy the spooled upload to ``path``; refuse it (and delete the copy) over ``limit`` bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
        size = out.tell()
    if size > limit:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise FileTooLargeError(
            f"The file is {human_size(size)}; the limit is {human_size(limit)} (STANDARDS_MAX_FILE_MB)."
        )
    return size


def error_response(status: int, code: str, message: str, headers: dict[str, str]) -> JSONResponse:
    """The API's error shape (as ``service.app.error_response``; routes do not import the app)."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _job_response(job, finished_status: int, wanted_wait: float) -> JSONResponse:
    """202 with the job while it runs; when it has finished (``wait``): its outcome."""
    body = {"job": job.to_dict()}
    headers = {"Location": job.location}
    if wanted_wait > 0 and job.status == "succeeded":
        if job.kind == "remove":
            body["removed"] = job.document_id
        else:
            body |= {"document": job.result, "authority": job.authority, "source_name": job.source_name}
        return JSONResponse(body, status_code=finished_status, headers=headers)
    if wanted_wait > 0 and job.status == "failed" and job.error:
        # The API's one error shape; the job's record stays at its Location.
        return error_response(int(job.error.get("status") or 422), job.error["code"], job.error["message"],
                              headers)
    return JSONResponse(body, status_code=202, headers=headers)


def _live(request: Request):
    live = request.app.state.service.live
    if live is None:  # pragma: no cover - the app's lifespan always attaches one
        raise NotFoundError("Background jobs are not running on this server.")
    return live


WaitParam = Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS, description=(
    "Seconds to wait for the job to finish before answering 202 (0: answer at once)."))]


@router.post("/documents", status_code=202)
async def upload_document(
    request: Request,
    file: Annotated[UploadFile, File(description="The document: .txt, .md, .pdf, .docx or .html.")],
    authority: Annotated[str, Form(description="The local authority the document belongs to.")],
    title: Annotated[str | None, Form(description="The document's title (default: the file name).")] = None,
    wait: WaitParam = 0,
) -> JSONResponse:
    """Queue an upload for ingest, extraction and indexing (a new version if the authority already
    has a document of this file name). Answers 202 with the job; follow GET /api/jobs/{id}."""
    require_admin(request)
    state = service_state(request)
    settings = state.settings
    name = client_file_name(file.filename)
    authority = await run_in_threadpool(_canonical_authority, state, authority)
    title_text = " ".join((title or "").split())
    if title_text and any(unicodedata.category(ch) == "Cc" for ch in title_text):
        raise BadRequestError("The title contains control characters; type it as plain text.")
    live = _live(request)
    job_id = live.new_job_id()
    path = settings.data_dir / "uploads" / job_id / disk_name(name)
    await run_in_threadpool(_save_upload, file, path, settings.max_file_bytes)
    meta = DocumentMeta(authority=authority, title=title_text[:300] or Path(name).stem[:300])
    try:
        job = await run_in_threadpool(live.submit_upload, path, name, meta, job_id)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    if wait > 0:
        job = await live.wait(job.id, wait)
    return _job_response(job, 201, wait)


@router.delete("/documents/{document_id}", status_code=202)
async def delete_document(document_id: str, request: Request, wait: WaitParam = 0) -> JSONResponse:
    """Queue the removal of a document (its clauses, obligations, uploaded file and unused vectors)."""
    require_admin(request)
    state = service_state(request)

    def lookup():
        with state.lock:
            return state.conn.execute("SELECT authority FROM documents WHERE id = ?", (document_id,)).fetchone()

    row = await run_in_threadpool(lookup)
    if row is None:
        raise NotFoundError(f"No document with id {document_id!r}; see GET /api/documents.")
    live = _live(request)
    job = await run_in_threadpool(live.submit_removal, document_id, row[0])
    if wait > 0:
        job = await live.wait(job.id, wait)
    return _job_response(job, 200, wait)


@router.get("/jobs/{job_id}")
def get_job(job_id: str, request: Request) -> dict:
    """A background job: status (queued, running, succeeded, failed), stage, progress, result or error."""
    require_admin(request)
    return _live(request).get(job_id).to_dict()
