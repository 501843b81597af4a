"""Documents over HTTP: POST /api/documents (upload + ingest) and DELETE /api/documents/{id}.

Both need ``Authorization: Bearer <STANDARDS_ADMIN_TOKEN>``. With no token configured they are
disabled (403 saying how to enable them). A file the ingest stage refuses comes back as that
error (4xx) and the store is unchanged: the pipeline writes in one transaction.
"""

from __future__ import annotations

import dataclasses
import hmac
import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from ingest.errors import AuthError, BadRequestError, FileTooLargeError, NotFoundError
from ingest.records import DocumentMeta
from service.routes import service_state

router = APIRouter(prefix="/api", tags=["admin"])


def require_admin(request: Request) -> None:
    """Check the bearer token against STANDARDS_ADMIN_TOKEN (constant-time)."""
    token = request.app.state.settings.admin_token
    if not token:
        raise AuthError(
            "Uploading and removing documents over HTTP is disabled. To enable it, set "
            "STANDARDS_ADMIN_TOKEN to a secret and restart the server, then send "
            "'Authorization: Bearer <token>'. Or use `standards ingest FILE --authority NAME`."
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise AuthError("Missing or wrong admin token: send 'Authorization: Bearer <STANDARDS_ADMIN_TOKEN>'.")


def _safe_name(name: str | None) -> str:
    base = Path(name or "").name  # never a path from the client
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    if not base or "." not in base:
        raise BadRequestError("The uploaded file needs a name with an extension (.txt, .md, .pdf, .docx, .html).")
    return base


def _jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@router.post("/documents", status_code=201)
async def upload_document(
    request: Request,
    file: Annotated[UploadFile, File(description="The document: .txt, .md, .pdf, .docx or .html.")],
    authority: Annotated[str, Form(description="The local authority the document belongs to.")],
    title: Annotated[str | None, Form(description="The document's title (default: the file name).")] = None,
) -> dict:
    """Ingest, extract and index one uploaded document (replacing an earlier version of it)."""
    require_admin(request)
    from service.pipeline import add_document

    state = service_state(request)
    settings = state.settings
    name = _safe_name(file.filename)
    # Exact names and aliases only: a misspelt authority must not silently join a held one.
    authority = (state.resolver.exact(authority) or authority).strip()
    if not authority:
        raise BadRequestError("'authority' is required: the local authority the document belongs to.")
    data = await file.read(settings.max_file_bytes + 1)
    if len(data) > settings.max_file_bytes:
        raise FileTooLargeError(
            f"{name} is larger than the {settings.max_file_bytes // (1024 * 1024)} MB limit "
            "(STANDARDS_MAX_FILE_MB)."
        )
    # Uploaded files are kept under the data folder: the store records where each came from.
    folder = settings.data_dir / "uploads" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    meta = DocumentMeta(authority=authority, title=(title or "").strip() or Path(name).stem)
    try:
        with state.lock:
            # The server's warm model embeds the new clauses (no second model load per upload).
            result = add_document(state.conn, path, meta, settings, embedder=state.retriever.embedder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        state.refresh(force=True)
    return {"document": _jsonable(result), "authority": authority, "source_name": name}


@router.delete("/documents/{document_id}")
def delete_document(document_id: str, request: Request) -> dict:
    """Remove a document (its clauses and obligations leave the indexes)."""
    require_admin(request)
    from service.pipeline import remove_document

    state = service_state(request)
    with state.lock:
        exists = state.conn.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone()
        if not exists:
            raise NotFoundError(f"No document with id {document_id!r}; see GET /api/documents.")
        remove_document(state.conn, document_id, state.settings, embedder=state.retriever.embedder)
    state.refresh(force=True)
    return {"removed": document_id}
