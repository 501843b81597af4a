"""A store holding one document written in a test: the real pipeline, store and model over it.

Tests of wording no word list holds make their own document; this is the one way they build its
store, so each test says only what its document is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def one_document_settings(data: Path, filename: str, text: str, title: str,
                          authority: str = "Testshire") -> Iterator[object]:
    """Ingest ``text`` as ``filename`` under ``authority`` into a store in ``data`` (no shipped
    corpus) and yield its settings; the environment is put back afterwards."""
    from ingest.settings import load_settings
    from ingest.store import connect
    from service.pipeline import ingest_paths

    doc = data.parent / filename
    doc.write_text(text, encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("STANDARDS_DATA_DIR", "STANDARDS_CORPUS_DIR")}
    os.environ["STANDARDS_DATA_DIR"] = str(data)
    os.environ["STANDARDS_CORPUS_DIR"] = str(data / "no-corpus")
    try:
        settings = load_settings()
        conn = connect(settings.db_path)
        outcomes = ingest_paths(conn, [doc], settings, authority=authority, title=title)
        conn.close()
        assert [o.status for o in outcomes] == ["added"], outcomes
        yield settings
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
