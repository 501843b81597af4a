"""Add, replace and remove documents across the stages, each document in one transaction.

The whole flow for one document (docs/architecture.md)::

    add_document(conn, path, meta, settings)
      0. unchanged? (same bytes and metadata as the stored current version) -> "unchanged", no work
      1. ingest.parse.parse_file(path, meta, settings) -> ParsedDocument   # may raise IngestError; writes nothing
      2. extractors.obligations.extract_obligations(parsed.clauses, parsed.source.text)
      3. with ingest.store.transaction(conn):                               # all or nothing
             ingest.store.save_parsed(conn, parsed) -> SaveResult          # added | replaced | updated | unchanged
             extractors.store.save_obligations(conn, version_id, obligations)
             extractors.predicates.sync_predicates(conn)                    # each new sentence's predicates
             index.lexical.sync_lexical(conn)                               # FTS rows follow the current clauses
             ingest.store.bump_generation(conn)                             # when the current clauses changed
      4. index.dense.sync_dense(conn, settings)                             # after commit: embed new texts, FAISS aside + rename

Step 4 runs after the commit: if it fails (say the model is missing) the store is still
consistent, and the FAISS cache notices the newer store generation and rebuilds on next load.

Obligations are re-extracted for every current document when the extractor code or the
taxonomy changes (``extractor_fingerprint``), so improving the rules never needs a re-ingest.

``ingest_paths`` is what ``standards ingest`` and ``run.sh`` use: it expands folders (with
their ``manifest.yaml``), ingests file by file, carries on after a failure, and reports each
file's outcome. A failing file leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from extractors.obligations import extract_obligations
from extractors.predicates import sync_predicates
from extractors.store import save_obligations
from index.dense import prune_vectors, read_sidecar, sync_dense, texts_of_document
from index.embedder import Embedder
from index.lexical import sync_lexical
from ingest import store
from ingest.errors import (
    AuthorityConflictError,
    BadRequestError,
    FileMissingError,
    IngestError,
    ManifestError,
    StandardsError,
)
from ingest.loaders import SUPPORTED_EXTENSIONS, supported_list
from ingest.manifest import load_manifest, manifest_path
from ingest.parse import check_authority_name, content_hash, document_id, parse_file
from ingest.records import DocumentMeta
from ingest.settings import Settings

log = logging.getLogger("standards.pipeline")

# Stages of one document, with the share of the work done when each starts, as background jobs
# report it. From the fixture PDF (703 clauses) on a busy 2-core machine: parsing and extraction
# about 5 s of CPU each, embedding and indexing its clauses about as long again; a rough guide
# for a progress bar, not a promise.
STAGES = {"parsing": 0.05, "extracting": 0.35, "saving": 0.6, "embedding": 0.7, "indexing": 0.9}
Progress = Callable[[str, float], None]


@dataclass
class IngestOutcome:
    """What happened to one file: its status, the document it became, or why it failed."""

    path: Path
    status: str  # added | replaced | updated | unchanged | failed
    document_id: str | None = None
    title: str | None = None
    authority: str | None = None
    clause_count: int = 0
    error: str | None = None
    error_code: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class PlannedFile:
    """A file to ingest with its metadata, or the reason it cannot be (``error``)."""

    path: Path
    meta: DocumentMeta | None
    error: StandardsError | None = None


def add_document(
    conn: sqlite3.Connection,
    path: Path,
    meta: DocumentMeta,
    settings: Settings,
    embedder: Embedder | None = None,
    sync_index: bool = True,
    source_name: str | None = None,
    progress: Progress | None = None,
    on_commit: Callable[[sqlite3.Connection, store.SaveResult], None] | None = None,
    encode: Callable[[list[str]], object] | None = None,
) -> store.SaveResult:
    """Ingest one file as a new document or a new version of its document (see module docstring).

    The document is the authority's document of that file name (``ingest.parse.document_id``):
    a file never replaces another authority's document. ``source_name`` is the name the user
    gave the file when it is stored under another (uploads). ``sync_index=False`` leaves the
    FAISS step to the caller (``ingest_paths`` does it once for a whole folder); ``embedder``
    reuses a loaded model (the server passes its warm one); ``encode`` is the model's encoder for
    extraction (default: ``embedder.encode``). ``progress(stage, fraction)`` hears
    each stage start; ``on_commit(conn, result)`` runs inside the document's transaction, so
    what it writes (a job's record) commits with the document or not at all.
    """
    path = Path(path)
    name = source_name or path.name
    meta = _owned_meta(conn, meta, document_id(check_authority_name(meta.authority), name))
    report = progress or (lambda stage, fraction: None)
    unchanged = _unchanged(conn, path, name, meta, settings)
    if unchanged is not None:
        if on_commit is not None:
            with store.transaction(conn):
                on_commit(conn, unchanged)
        return unchanged
    report("parsing", STAGES["parsing"])
    parsed = parse_file(path, meta, settings, source_name=name)
    report("extracting", STAGES["extracting"])
    encode = encode or (embedder.encode if embedder is not None else None)
    obligations = extract_obligations(parsed.clauses, parsed.source.text, encode=encode)
    report("saving", STAGES["saving"])
    with store.transaction(conn):
        previous = conn.execute("SELECT source_path FROM documents WHERE id = ?", (parsed.document_id,)).fetchone()
        _check_owner(conn, parsed.document_id, meta.authority)
        result = store.save_parsed(conn, parsed)
        if result.status in ("added", "replaced"):
            save_obligations(conn, result.version_id, obligations)
        if result.status != "unchanged":
            # The new sentences' predicates, read once here so answers never parse them.
            sync_predicates(conn)
        if result.status != "unchanged":
            sync_lexical(conn)
            store.bump_generation(conn)
        if on_commit is not None:
            on_commit(conn, result)
    if previous is not None and previous[0] != parsed.source_path:
        remove_upload(previous[0], settings)  # the replaced version's uploaded file is not needed again
    if sync_index and result.status != "unchanged":
        report("embedding", STAGES["embedding"])
        sync_dense(conn, settings, embedder)
    return result


def _owned_meta(conn: sqlite3.Connection, meta: DocumentMeta, doc_id: str) -> DocumentMeta:
    """``meta`` with the authority spelt as the stored document ``doc_id`` spells it, if it exists.

    The id carries the authority's slug, so "wokingham" and "Wokingham" reach one document;
    the stored spelling wins. Names that differ in more than case (and spacing) are refused
    in ``_check_owner``.
    """
    row = conn.execute("SELECT authority FROM documents WHERE id = ?", (doc_id,)).fetchone()
    tidy = " ".join(meta.authority.split())
    if row is not None and row[0].casefold() == tidy.casefold():
        tidy = row[0]
    if tidy == meta.authority:
        return meta
    return DocumentMeta(authority=tidy, title=meta.title, version=meta.version, date=meta.date, notes=meta.notes)


def _check_owner(conn: sqlite3.Connection, doc_id: str, authority: str) -> None:
    """Refuse to give an existing document to another authority (a replacement keeps its owner)."""
    row = conn.execute("SELECT authority FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is not None and row[0] != authority:
        raise AuthorityConflictError(
            f"Document '{doc_id}' belongs to {row[0]}, not {authority}: a new version may not move it to "
            f"another authority. Give the file another name, or remove '{doc_id}' first."
        )


def remove_upload(source_path: str | None, settings: Settings) -> bool:
    """Delete an uploaded file (and its folder) if it lies under the data folder's ``uploads/``.

    Files ingested from elsewhere (the corpus folder, a user's path) are never touched.
    """
    if not source_path:
        return False
    uploads = (settings.data_dir / "uploads").resolve()
    try:
        path = Path(source_path).resolve()
    except (OSError, RuntimeError):
        return False
    if uploads not in path.parents:
        return False
    folder = path.parent if path.parent != uploads else path
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return True


def extractor_fingerprint() -> str:
    """A hash of the extraction rules (code and data files): it changes whenever they do."""
    root = Path(extract_obligations.__code__.co_filename).parent
    digest = hashlib.sha256()
    for file in sorted([*root.glob("*.py"), *root.glob("data/*.y*ml")]):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def refresh_obligations(conn: sqlite3.Connection, force: bool = False,
                        encode: Callable[[list[str]], object] | None = None) -> int:
    """Re-extract the obligations of every current document if the extraction rules changed.

    Returns the number of documents re-extracted (0 when the stored obligations are up to date).
    """
    fingerprint = extractor_fingerprint()
    row = conn.execute("SELECT value FROM meta WHERE key = 'extractor_fingerprint'").fetchone()
    if not force and row is not None and row[0] == fingerprint:
        return 0
    versions = conn.execute(
        "SELECT v.id, v.text FROM documents d JOIN document_versions v ON v.id = d.current_version_id"
    ).fetchall()
    with store.transaction(conn):
        for version_id, text in versions:
            save_obligations(conn, version_id,
                             extract_obligations(store.version_clauses(conn, version_id), text, encode=encode))
        # Every current sentence's predicates under the current rules (a store from an older
        # version has none; changed rules recompute them).
        sync_predicates(conn)
        if versions:
            store.bump_generation(conn)  # cached per-generation lookups (topic boosts) must see the new obligations
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('extractor_fingerprint', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )
    return len(versions)


def _unchanged(
    conn: sqlite3.Connection, path: Path, name: str, meta: DocumentMeta, settings: Settings
) -> store.SaveResult | None:
    """The stored result when the file's bytes and metadata match its current version, else None.

    Saves parsing an unchanged document again (a second ``run.sh`` is up in seconds).
    """
    try:
        if path.stat().st_size > settings.max_file_bytes:
            return None  # let the loader refuse it with its message
        digest = content_hash(path.read_bytes())
    except OSError:
        return None
    info = store.get_document(conn, document_id(meta.authority, name))
    if info is None or info.content_hash != digest:
        return None
    if (info.authority, info.title, info.version, info.date, info.notes) != (
        meta.authority, meta.title, meta.version, meta.date, meta.notes,
    ):
        return None
    return store.SaveResult("unchanged", info.id, info.version_id, info.version_id, info.clause_count)


def remove_document(
    conn: sqlite3.Connection,
    document_id: str,
    settings: Settings,
    embedder: Embedder | None = None,
    on_commit: Callable[[sqlite3.Connection], None] | None = None,
    sync_index: bool = True,
) -> None:
    """Remove a document and its history from the store and both indexes (one transaction, then FAISS).

    Its uploaded file (if it came over HTTP) and the vectors no current clause uses any more
    are deleted after the commit. ``on_commit(conn)`` runs inside the transaction.
    """
    with store.transaction(conn):
        row = conn.execute("SELECT source_path FROM documents WHERE id = ?", (document_id,)).fetchone()
        texts = texts_of_document(conn, document_id)
        store.remove_document(conn, document_id)
        sync_lexical(conn)
        store.bump_generation(conn)
        if on_commit is not None:
            on_commit(conn)
    if row is not None:
        remove_upload(row[0], settings)
    prune_vectors(conn, texts)
    if sync_index:
        sync_dense(conn, settings, embedder)


def canonical_authority(name: str, settings: Settings) -> str:
    """The manifest's name for ``name`` when it is exactly a manifest authority or alias (any
    case or spacing), else ``name`` itself as a new authority.

    Exact only (``Resolver.exact``): a misspelling is never read as an existing authority here,
    so a typo on ingest cannot silently file a document under another authority's standards.
    """
    from service.resolver import Resolver, aliases_of

    typed = " ".join(name.split())
    return Resolver(aliases_of(settings.corpus_dir), taxonomy=None).exact(typed) or typed


def _title_from_stem(path: Path) -> str:
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split()) or path.name


def plan_paths(
    paths: Iterable[Path], settings: Settings, authority: str | None = None, title: str | None = None
) -> list[PlannedFile]:
    """Expand files and folders into files with metadata, or with the reason each cannot be ingested.

    A folder with a ``manifest.yaml`` takes each file's metadata from it; ``--authority`` (and
    ``--title``) cover files that are in no manifest and override what a manifest says.
    """
    paths = [Path(p) for p in paths]
    if authority is not None and not authority.strip():
        raise BadRequestError("--authority must not be empty.")
    canonical = canonical_authority(check_authority_name(authority), settings) if authority else None
    planned: list[PlannedFile] = []
    manifests: dict[Path, dict[Path, DocumentMeta] | ManifestError] = {}

    def manifest_for(folder: Path) -> dict[Path, DocumentMeta] | ManifestError | None:
        folder = folder.resolve()
        if not manifest_path(folder).is_file():
            return None
        if folder not in manifests:
            try:
                manifests[folder] = {p.resolve(): m for p, m in load_manifest(folder)}
            except ManifestError as exc:
                manifests[folder] = exc
        return manifests[folder]

    def plan_file(path: Path) -> PlannedFile:
        entries = manifest_for(path.parent)
        if isinstance(entries, ManifestError):
            return PlannedFile(path, None, entries)
        listed = entries.get(path.resolve()) if entries else None
        if listed is None and canonical is None:
            where = f"{manifest_path(path.parent)}" if entries is not None else "no manifest.yaml beside it"
            return PlannedFile(
                path, None,
                ManifestError(
                    f"{path.name}: no authority for this file (it is not listed in {where}). "
                    "Add it to the folder's manifest.yaml, or pass --authority NAME (and --title)."
                ),
            )
        if listed is None:
            meta = DocumentMeta(authority=canonical or "", title=title or _title_from_stem(path))
        else:
            meta = DocumentMeta(
                authority=canonical or listed.authority, title=title or listed.title,
                version=listed.version, date=listed.date, notes=listed.notes,
            )
        return PlannedFile(path, meta)

    for path in paths:
        if path.is_dir():
            entries = manifest_for(path)
            if isinstance(entries, ManifestError):
                planned.append(PlannedFile(manifest_path(path), None, entries))
                continue
            files = sorted(
                p for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_EXTENSIONS
            )
            if not files:
                planned.append(PlannedFile(path, None, IngestError(
                    f"{path}: no documents to ingest in this folder (supported: {supported_list()})."
                )))
            planned.extend(plan_file(f) for f in files)
        elif path.exists():
            planned.append(plan_file(path))
        else:
            planned.append(PlannedFile(path, None, FileMissingError(f"{path}: no such file or folder.")))
    if title is not None and len(planned) > 1:
        raise BadRequestError(
            f"--title names one document, but {len(planned)} files were given. Give one file, or put "
            "the titles in the folder's manifest.yaml."
        )
    return planned


class LazyEmbedder:
    """The embedding model, loaded on first use and then kept: one load per ingest run, and none
    when every file is unchanged (extraction and the FAISS sync share it)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.embedder: Embedder | None = None

    def encode(self, texts: list[str]):
        """``Embedder.encode``, loading the model the first time."""
        if self.embedder is None:
            from index.embedder import load_embedder

            self.embedder = load_embedder(self.settings)
        return self.embedder.encode(texts)


def ingest_one(
    conn: sqlite3.Connection, item: PlannedFile, settings: Settings, sync_index: bool = True,
    encode: Callable[[list[str]], object] | None = None,
) -> IngestOutcome:
    """Ingest one planned file; any error becomes a failed outcome (store unchanged), so a batch
    carries on to its next file."""
    if item.error is not None or item.meta is None:
        error = item.error or IngestError(f"{item.path}: no metadata.")
        return IngestOutcome(item.path, "failed", error=error.message, error_code=error.code)
    try:
        result = add_document(conn, item.path, item.meta, settings, sync_index=sync_index, encode=encode)
    except StandardsError as exc:
        return IngestOutcome(item.path, "failed", document_id=_id_or_none(item), title=item.meta.title,
                             authority=item.meta.authority, error=exc.message, error_code=exc.code)
    except Exception as exc:  # a loader bug must not stop the files after it; logged with its traceback
        log.exception("unexpected error ingesting %s", item.path)
        return IngestOutcome(
            item.path, "failed", document_id=_id_or_none(item), title=item.meta.title,
            authority=item.meta.authority, error_code="internal_error",
            error=f"{item.path.name} could not be read ({type(exc).__name__}); the store is unchanged. "
            "Re-save the document (as PDF, DOCX or UTF-8 text) and try again, or report the file.",
        )
    return IngestOutcome(item.path, result.status, result.document_id, item.meta.title, item.meta.authority,
                         result.clause_count)


def _id_or_none(item: PlannedFile) -> str | None:
    try:
        return document_id(check_authority_name(item.meta.authority), item.path.name) if item.meta else None
    except StandardsError:
        return None


def ingest_paths(
    conn: sqlite3.Connection,
    paths: Iterable[Path],
    settings: Settings,
    authority: str | None = None,
    title: str | None = None,
    progress: Callable[[IngestOutcome], None] | None = None,
) -> list[IngestOutcome]:
    """Ingest files and folders; carry on after a failing file; one outcome per file."""
    return ingest_planned(conn, plan_paths(paths, settings, authority, title), settings, progress)


def ingest_planned(
    conn: sqlite3.Connection,
    planned: Iterable[PlannedFile],
    settings: Settings,
    progress: Callable[[IngestOutcome], None] | None = None,
) -> list[IngestOutcome]:
    """Ingest planned files one by one, then bring the derived data up to date once.

    The FAISS index is synced once at the end (one model load for the whole run), and
    obligations are re-extracted if the extraction rules changed since they were stored.
    """
    outcomes: list[IngestOutcome] = []
    model = LazyEmbedder(settings)
    for item in planned:
        outcome = ingest_one(conn, item, settings, sync_index=False, encode=model.encode)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    refresh_obligations(conn, encode=model.encode)
    if not _dense_is_current(conn, settings):
        sync_dense(conn, settings, model.embedder)
    return outcomes


def _dense_is_current(conn: sqlite3.Connection, settings: Settings) -> bool:
    """True when the FAISS file was built from this store generation with the configured weights.

    Lets a re-run over an unchanged corpus skip loading the model (a second ``run.sh`` is quick).
    """
    meta = read_sidecar(settings.index_dir)
    if meta is None or not settings.model_sha256:
        return False
    return meta.get("generation") == store.generation(conn) and str(meta.get("model", "")).endswith(
        "@" + settings.model_sha256[:16]
    )
