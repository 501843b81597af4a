"""Helpers shared by the index tests: settings for a tmp data dir and hand-made documents."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from pathlib import Path

from index.lexical import sync_lexical
from ingest.settings import Settings, load_settings
from ingest.store import bump_generation, transaction

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
QA_DEV = ROOT / "eval" / "qa-dev.jsonl"

os.environ["HF_HUB_OFFLINE"] = "1"


def make_settings(data_dir: Path, **changes) -> Settings:
    """Default settings with the data dir (and anything else) replaced."""
    base = dataclasses.replace(load_settings(), data_dir=data_dir, corpus_dir=CORPUS)
    return dataclasses.replace(base, **changes) if changes else base


def insert_document(
    conn: sqlite3.Connection,
    document_id: str,
    authority: str,
    clauses: list[dict],
    title: str = "Test standards",
) -> list[str]:
    """Insert a document version with ``clauses`` (dicts: text, heading_path, cohort, role) as the
    current version, retiring any previous version; return the new clause ids. Also syncs
    the full-text index and bumps the generation, as the pipeline does, in one transaction."""
    text = "\n".join(c["text"] for c in clauses)
    digest = hashlib.sha256(text.encode()).hexdigest()
    ids: list[str] = []
    with transaction(conn):
        exists = conn.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone()
        if not exists:
            conn.execute(
                "INSERT INTO documents(id, authority, title, source_name, source_format) VALUES (?, ?, ?, ?, 'txt')",
                (document_id, authority, title, f"{document_id}.txt"),
            )
        conn.execute("UPDATE clauses SET is_current = 0 WHERE document_id = ?", (document_id,))
        version_id = conn.execute(
            "INSERT INTO document_versions(document_id, content_hash, text) VALUES (?, ?, ?) RETURNING id",
            (document_id, digest, text),
        ).fetchone()[0]
        conn.execute("UPDATE documents SET current_version_id = ? WHERE id = ?", (version_id, document_id))
        offset = 0
        for n, c in enumerate(clauses, 1):
            cid = f"{digest[:8]}-{n:04d}"
            end = offset + len(c["text"])
            conn.execute(
                'INSERT INTO clauses(id, version_id, document_id, authority, ordinal, heading_path, text, plain_text, '
                'start, "end", cohort_context, role_context, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
                (
                    cid, version_id, document_id, authority, n, json.dumps(c.get("heading_path", [])), c["text"],
                    c["text"].replace("**", ""), offset, end, c.get("cohort"), c.get("role"),
                    hashlib.sha256(c["text"].encode()).hexdigest(),
                ),
            )
            offset = end + 1
            ids.append(cid)
        sync_lexical(conn)
        bump_generation(conn)
    return ids


SMALL_DOCS: dict[str, tuple[str, list[dict]]] = {
    "alpha": (
        "Northshire",
        [
            {"text": "The Initial Child Protection Conference (ICPC) will be held within 15 working days of the "
                     "strategy discussion.", "heading_path": ["Child protection", "Conferences"]},
            {"text": "Every 4 weeks", "heading_path": ["Visiting"], "cohort": "Children in Need", "role": "Social Worker"},
            {"text": "The first core group meeting will be held within 10 working days of the conference.",
             "heading_path": ["Child protection", "Core groups"]},
            {"text": "Case notes are recorded within 3 working days of the visit.", "heading_path": ["Recording"]},
        ],
    ),
    "beta": (
        "Southborough",
        [
            {"text": "I will hold the initial child protection conference within 15 days of the strategy meeting.",
             "heading_path": ["Section C"]},
            {"text": "I will visit children looked after every 6 weeks as a minimum.", "heading_path": ["Section D"],
             "cohort": "Children Looked After"},
            {"text": "Core group meetings take place every 4 weeks after the first.", "heading_path": ["Section C"]},
        ],
    ),
}
