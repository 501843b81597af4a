"""Obligations in the store (table ``obligations``, migration 002).

Each row keeps the columns used for filtering plus the full record as JSON in ``data``.
Obligations belong to a document version: when a document is replaced, the store marks the
old version's obligations ``is_current = 0`` and the pipeline saves the new version's.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict

from extractors.records import Citation, Obligation, Timescale


def save_obligations(conn: sqlite3.Connection, version_id: int, obligations: list[Obligation]) -> int:
    """Replace the obligations of document version ``version_id`` with ``obligations``.

    Call inside the pipeline's ``transaction(conn)``. Returns the number saved.
    """
    conn.execute("DELETE FROM obligations WHERE version_id = ?", (version_id,))
    current = conn.execute(
        "SELECT d.current_version_id = v.id FROM document_versions v JOIN documents d ON d.id = v.document_id"
        " WHERE v.id = ?", (version_id,),
    ).fetchone()
    is_current = 1 if current is None or current[0] else 0
    rows = [
        (o.id, o.clause_id, version_id, o.document_id, o.authority, o.topic, o.actor, o.cohort,
         o.timescale.anchor, o.timescale.kind, is_current, json.dumps(asdict(o), ensure_ascii=False))
        for o in obligations
    ]
    conn.executemany(
        "INSERT INTO obligations(id, clause_id, version_id, document_id, authority, topic, actor,"
        " cohort, anchor, kind, is_current, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET clause_id = excluded.clause_id, version_id = excluded.version_id,"
        " document_id = excluded.document_id, authority = excluded.authority, topic = excluded.topic,"
        " actor = excluded.actor, cohort = excluded.cohort, anchor = excluded.anchor, kind = excluded.kind,"
        " is_current = excluded.is_current, data = excluded.data",
        rows,
    )
    return len(rows)


def obligation_from_dict(data: dict) -> Obligation:
    """Rebuild an Obligation from its ``to_dict()`` form."""
    ts = dict(data["timescale"])
    if ts.get("approx_days") is not None:
        ts["approx_days"] = tuple(ts["approx_days"])
    fields = {k: v for k, v in data.items() if k not in ("timescale", "citation")}
    return Obligation(**fields, timescale=Timescale(**ts), citation=Citation(**data["citation"]))


def load_obligations(
    conn: sqlite3.Connection,
    authority: str | None = None,
    topic: str | None = None,
    cohort: str | None = None,
    current_only: bool = True,
) -> list[Obligation]:
    """Stored obligations, filtered on canonical names (exact match; an unknown name matches none).

    Names a user typed are resolved by ``service.resolver`` first; which duties a role owns is
    the query layer's (``service.query``): this stage neither resolves nor guesses.
    """
    sql = "SELECT authority, data FROM obligations WHERE 1 = 1"
    args: list[object] = []
    if current_only:
        sql += " AND is_current = 1"
    for column, value in (("authority", authority), ("topic", topic), ("cohort", cohort)):
        if value is not None:
            sql += f" AND {column} = ?"
            args.append(value)
    sql += " ORDER BY authority, document_id, id"
    out = []
    for row in conn.execute(sql, args):
        o = obligation_from_dict(json.loads(row[1]))
        o.authority = row[0]  # metadata corrections update the column, not the JSON
        o.citation.authority = row[0]
        out.append(o)
    out.sort(key=lambda o: (o.authority, o.document_id, o.citation.start))
    return out
