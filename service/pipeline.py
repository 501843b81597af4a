"""Add, replace and remove documents across the stages, each document in one transaction.

The whole flow for one document (docs/architecture.md)::

    add_document(conn, path, meta, settings)
      0. unchanged? (same bytes and metadata as the stored current version) -> "unchanged", no work
      1. ingest.parse.parse_file(path, meta, settings) -> ParsedDocument   # may raise IngestError; writes nothing
      2. extractors.obligations.extract_obligations(parsed.clauses, parsed.source.text)
      3. with ingest.store.transaction(conn):                               # all or nothing
             ingest.store.save_parsed(conn, parsed) -> SaveResult          # added | replaced | updated | unchanged
             extractors.store.save_obligations(conn, version_id, obligations)
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
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from extractors.obligations import extract_obligations
from extractors.store import save_obligations
from index.dense import read_sidecar, sync_dense
from index.embedder import Embedder
from index.lexical import sync_lexical
from ingest import store
from ingest.errors import BadRequestError, FileMissingError, IngestError, ManifestError, StandardsError
from ingest.loaders import SUPPORTED_EXTENSIONS, supported_list
from ingest.manifest import load_manifest, manifest_path
from ingest.parse import content_hash, document_slug, parse_file
from ingest.records import DocumentMeta
from ingest.settings import Settings


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
    encode: Callable[[list[str]], object] | None = None,
) -> store.SaveResult:
    """Ingest one file as a new document or a new version of its document (see module docstring).

    ``sync_index=False`` leaves the FAISS step to the caller (``ingest_paths`` does it once for
    a whole folder); ``embedder`` reuses a loaded model (the server passes its warm one);
    ``encode`` is the model's encoder for extraction (default: ``embedder.encode``).
    """
    path = Path(path)
    unchanged = _unchanged(conn, path, meta, settings)
    if unchanged is not None:
        return unchanged
    parsed = parse_file(path, meta, settings)
    encode = encode or (embedder.encode if embedder is not None else None)
    obligations = extract_obligations(parsed.clauses, parsed.source.text, encode=encode)
    with store.transaction(conn):
        result = store.save_parsed(conn, parsed)
        if result.status in ("added", "replaced"):
            save_obligations(conn, result.version_id, obligations)
        if result.status != "unchanged":
            sync_lexical(conn)
            store.bump_generation(conn)
    if sync_index and result.status != "unchanged":
        sync_dense(conn, settings, embedder)
    return result


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
        if versions:
            store.bump_generation(conn)  # cached per-generation lookups (topic boosts) must see the new obligations
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('extractor_fingerprint', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )
    return len(versions)


def _unchanged(
    conn: sqlite3.Connection, path: Path, meta: DocumentMeta, settings: Settings
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
    info = store.get_document(conn, document_slug(path))
    if info is None or info.content_hash != digest:
        return None
    if (info.authority, info.title, info.version, info.date, info.notes) != (
        meta.authority, meta.title, meta.version, meta.date, meta.notes,
    ):
        return None
    return store.SaveResult("unchanged", info.id, info.version_id, info.version_id, info.clause_count)


def remove_document(
    conn: sqlite3.Connection, document_id: str, settings: Settings, embedder: Embedder | None = None
) -> None:
    """Remove a document and its history from the store and both indexes (one transaction, then FAISS)."""
    with store.transaction(conn):
        store.remove_document(conn, document_id)
        sync_lexical(conn)
        store.bump_generation(conn)
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
    canonical = canonical_authority(authority, settings) if authority else None
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
    """Ingest one planned file; any ``StandardsError`` becomes a failed outcome (store unchanged)."""
    if item.error is not None or item.meta is None:
        error = item.error or IngestError(f"{item.path}: no metadata.")
        return IngestOutcome(item.path, "failed", error=error.message, error_code=error.code)
    try:
        result = add_document(conn, item.path, item.meta, settings, sync_index=sync_index, encode=encode)
    except StandardsError as exc:
        return IngestOutcome(item.path, "failed", document_id=document_slug(item.path), title=item.meta.title,
                             authority=item.meta.authority, error=exc.message, error_code=exc.code)
    return IngestOutcome(item.path, result.status, result.document_id, item.meta.title, item.meta.authority,
                         result.clause_count)


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
