"""Sentence vectors: every current sentence embedded once, at ingest, never at question time.

The ``sentences`` table (``ingest.store``, migration ``005_sentences``) lists the sentences of
each clause with ``content_hash``, the key of the embedded text
(``ingest.sentences.sentence_embedding_text``: nearest heading, table row, sentence). Their
vectors live beside the clause vectors in ``clause_embeddings`` keyed by that hash and the
model, so a sentence whose words and headings are unchanged is never embedded again.
``index.dense.sync_dense`` calls ``ensure_sentence_vectors`` after a document is stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from index.embedder import EMBED_BATCH, Embedder, cached_vectors, ensure_vectors
from ingest.sentences import embedding_key, list_leads, sentence_embedding_text, split_sentences


@dataclass(frozen=True, slots=True)  # slots: a snapshot may keep every current sentence in memory
class SentenceRow:
    """A stored sentence of a current clause (offsets into the clause text)."""

    id: str
    clause_id: str
    authority: str
    ordinal: int
    start: int
    end: int
    text: str
    content_hash: str


def _missing_texts(conn: sqlite3.Connection, model_id: str) -> dict[str, str]:
    """Embedded text by key, for current sentences with no vector from ``model_id``.

    The texts are rebuilt from the clause (``ingest.sentences.clause_sentences``, the same
    function that made the keys), so a key and its text can never disagree.
    """
    clause_ids = [row[0] for row in conn.execute(
        "SELECT DISTINCT s.clause_id FROM sentences s WHERE s.is_current = 1 AND NOT EXISTS "
        "(SELECT 1 FROM clause_embeddings e WHERE e.content_hash = s.content_hash AND e.model = ?)",
        (model_id,),
    )]
    out: dict[str, str] = {}
    for i in range(0, len(clause_ids), 500):
        chunk = clause_ids[i:i + 500]
        for text, heading_path, cohort in conn.execute(
            f"SELECT text, heading_path, cohort_context FROM clauses WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            heading = json.loads(heading_path)
            sentences = split_sentences(text)
            leads = list_leads(sentences)
            for j, s in enumerate(sentences):
                lead = sentences[leads[j]].text if j in leads else None
                embedded = sentence_embedding_text(s.text, heading, cohort, lead)
                out[embedding_key(embedded)] = embedded
    return out


def ensure_sentence_vectors(
    conn: sqlite3.Connection, embedder: Embedder, batch: int = EMBED_BATCH
) -> int:
    """Embed every current sentence the store has no vector for (this model); return how many.

    ``batch`` is as in ``index.embedder.ensure_vectors``: each batch commits on its own.
    """
    missing = _missing_texts(conn, embedder.model_id)
    return ensure_vectors(conn, embedder, missing, batch=batch) if missing else 0


def sentences_of(conn: sqlite3.Connection, clause_ids: Iterable[str]) -> dict[str, list[SentenceRow]]:
    """The current sentences of each clause, in order (one query, indexed by clause id)."""
    ids = list(dict.fromkeys(clause_ids))
    out: dict[str, list[SentenceRow]] = {cid: [] for cid in ids}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = conn.execute(
            'SELECT id, clause_id, authority, ordinal, start, "end", text, content_hash FROM sentences '
            f"WHERE is_current = 1 AND clause_id IN ({','.join('?' * len(chunk))}) ORDER BY clause_id, ordinal",
            chunk,
        )
        for r in rows:
            out[r[1]].append(SentenceRow(*r))
    return out


def sentence_vectors(conn: sqlite3.Connection, keys: Iterable[str], model_id: str) -> dict[str, np.ndarray]:
    """Stored vectors for sentence keys (a key without one is simply absent: never embedded here)."""
    return cached_vectors(conn, keys, model_id)
