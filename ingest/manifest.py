"""The corpus manifest (``manifest.yaml`` in a corpus folder): which file belongs to which authority.

Format::

    authorities:
      Dudley: {aliases: [Dudley MBC, DMBC]}
    documents:
      - file: 001_x.txt           # relative to the folder
        authority: Dudley         # required
        title: "..."              # required
        version: "1.2"            # optional; also date (YYYY-MM-DD or as printed), notes,
        source_format: txt        # and source_format (informational)

Every problem raises ``ManifestError`` naming the file, the entry and the field.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import ManifestError
from ingest.records import DocumentMeta

MANIFEST_NAME = "manifest.yaml"
_DOC_FIELDS = {"file", "authority", "title", "version", "date", "notes", "source_format"}
_REQUIRED = ("file", "authority", "title")


def manifest_path(corpus_dir: Path) -> Path:
    """Where the manifest of ``corpus_dir`` lives (it may not exist)."""
    return Path(corpus_dir) / MANIFEST_NAME


def _read(corpus_dir: Path) -> dict[str, Any]:
    path = manifest_path(corpus_dir)
    if not path.is_file():
        raise ManifestError(f"No {MANIFEST_NAME} in {corpus_dir}. Create one (see corpus/manifest.yaml for the format).")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path} is not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path} is not UTF-8 text; save it as UTF-8.") from exc
    if data is None:
        raise ManifestError(f"{path} is empty; it needs a 'documents' list.")
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the top level must be a mapping with 'documents' (and optional 'authorities').")
    unknown = set(data) - {"authorities", "documents"}
    if unknown:
        raise ManifestError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}. Allowed: authorities, documents."
        )
    return data


def _text(value: Any, where: str, field: str, required: bool) -> str | None:
    if isinstance(value, datetime.date):  # YAML reads an unquoted 2019-04-02 as a date
        return value.isoformat()
    if value is None:
        if required:
            raise ManifestError(f"{where}: '{field}' is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ManifestError(f"{where}: '{field}' must be text, not {type(value).__name__}.")
    text = str(value).strip()
    if required and not text:
        raise ManifestError(f"{where}: '{field}' must not be empty.")
    return text or None


def authority_aliases(corpus_dir: Path) -> dict[str, list[str]]:
    """Each authority's other names, from the manifest's ``authorities`` mapping."""
    data = _read(corpus_dir)
    raw = data.get("authorities") or {}
    path = manifest_path(corpus_dir)
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: 'authorities' must be a mapping of name -> {{aliases: [...]}}.")
    out: dict[str, list[str]] = {}
    for name, spec in raw.items():
        where = f"{path}: authority '{name}'"
        aliases: Any = []
        if spec is not None:
            if not isinstance(spec, dict) or set(spec) - {"aliases"}:
                raise ManifestError(f"{where} must be a mapping with only 'aliases' (a list of names).")
            aliases = spec.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ManifestError(f"{where}: 'aliases' must be a list of non-empty names.")
        out[str(name)] = [a.strip() for a in aliases]
    return out


def load_manifest(corpus_dir: Path) -> list[tuple[Path, DocumentMeta]]:
    """Validate the manifest of ``corpus_dir`` and return each listed file with its metadata."""
    corpus_dir = Path(corpus_dir)
    data = _read(corpus_dir)
    path = manifest_path(corpus_dir)
    known_authorities = set(authority_aliases(corpus_dir))
    documents = data.get("documents")
    if not isinstance(documents, list) or not documents:
        raise ManifestError(f"{path}: 'documents' must be a non-empty list of entries with file, authority, title.")
    out: list[tuple[Path, DocumentMeta]] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(documents, start=1):
        where = f"{path}: documents entry {n}"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} must be a mapping with file, authority and title.")
        if entry.get("file"):
            where += f" ({entry['file']})"
        unknown = set(entry) - _DOC_FIELDS
        if unknown:
            raise ManifestError(
                f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}. "
                f"Allowed: {', '.join(sorted(_DOC_FIELDS))}."
            )
        values = {f: _text(entry.get(f), where, f, f in _REQUIRED) for f in _DOC_FIELDS}
        file_name = values["file"] or ""
        if Path(file_name).is_absolute() or ".." in Path(file_name).parts:
            raise ManifestError(f"{where}: 'file' must be a name inside {corpus_dir}, not {file_name!r}.")
        file_path = corpus_dir / file_name
        if not file_path.is_file():
            raise ManifestError(f"{where}: file {file_name!r} not found in {corpus_dir}.")
        if file_name in seen:
            raise ManifestError(f"{where}: {file_name!r} is already listed as entry {seen[file_name]}.")
        seen[file_name] = n
        authority = values["authority"] or ""
        if known_authorities and authority not in known_authorities:
            raise ManifestError(
                f"{where}: authority {authority!r} is not in 'authorities'. "
                f"Known: {', '.join(sorted(known_authorities))}. Add it there (with its aliases) or fix the name."
            )
        meta = DocumentMeta(
            authority=authority,
            title=values["title"] or "",
            version=values["version"],
            date=values["date"],
            notes=values["notes"],
        )
        out.append((file_path, meta))
    return out
