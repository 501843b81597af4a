"""The question log: what practitioners ask that the standards do not answer (off by default).

With ``STANDARDS_QUESTION_LOG=on`` the service records, in the store:

- every question ``POST /api/ask`` abstained on (table ``question_log``, migration 008), through
  ``log_abstention``, the one call the ask route makes;
- every answer a user marks not helpful (table ``feedback``, migration 009), through
  ``record_feedback`` (``POST /api/feedback``).

A record holds the question after ``service.redaction.redact`` (names, dates, phone, NHS
numbers, e-mails, postcodes taken out), the authority it was about (one row per authority;
NULL when none was named) and the hour it was asked. Nothing about who asked: no address, no
session, no exact time (an hour is enough to see trends and too coarse to match a record to a
request in a server log). Records older than ``STANDARDS_QUESTION_LOG_DAYS`` are deleted on
every write and by ``standards question-log purge``.

``gaps`` groups the records by authority and topic (the taxonomy's reading of the question,
as the ask path reads it) so a policy lead sees which topics the next revision should cover.
"""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest import db
from ingest.errors import QuestionLogOffError
from ingest.settings import Settings

log = logging.getLogger("standards.question_log")

ABSTAINED = "abstained"
NOT_HELPFUL = "not_helpful"
KINDS = (ABSTAINED, NOT_HELPFUL)
NO_TOPIC = "no topic recognised"
# Example questions shown per topic: enough to see what was meant, few enough to read.
EXAMPLES_PER_TOPIC = 3


@dataclass
class LoggedQuestion:
    """One stored record (redacted question, authority or None, the hour it was asked)."""

    kind: str
    question: str
    authority: str | None
    asked_at: str
    topic: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GapTopic:
    """A topic practitioners asked about that the standards did not answer well, for one authority."""

    authority: str | None
    topic: str
    count: int
    abstained: int
    not_helpful: int
    last_asked: str
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GapsReport:
    """The top unanswered topics per authority, from the question log."""

    enabled: bool
    retention_days: int
    authority: str | None
    records: int
    topics: list[GapTopic]

    def to_dict(self) -> dict:
        return {
            "enabled": self.enabled,
            "retention_days": self.retention_days,
            "authority": self.authority,
            "records": self.records,
            "topics": [t.to_dict() for t in self.topics],
        }


# --- writing -----------------------------------------------------------------------------------
def _hour(now: datetime | None = None) -> str:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.strftime("%Y-%m-%dT%H:00Z")


def _cutoff(days: int, now: datetime | None = None) -> str:
    return _hour((now or datetime.now(UTC)) - timedelta(days=days))


def record(
    conn: sqlite3.Connection,
    settings: Settings,
    kind: str,
    question: str,
    authorities: list[str],
    protected: frozenset[str] = frozenset(),
    now: datetime | None = None,
    taxonomy: Any = None,
) -> int:
    """Store one redacted question (a row per authority) and drop expired records; returns rows written.

    The topic is read from the redacted text once, now (``taxonomy`` defaults to the shipped
    one), so reports need not read every question again. Writes nothing and returns 0 when the
    log is off.
    """
    from ingest.store import transaction
    from service.redaction import redact

    if not settings.question_log:
        return 0
    if kind not in KINDS:
        raise ValueError(f"unknown question-log kind {kind!r}")
    text = redact(" ".join(question.split()), protected).text
    if taxonomy is None:
        from extractors.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    topic = question_topic(taxonomy, text)
    hour = _hour(now)
    rows = [(text, a, topic, hour) for a in (authorities or [None])]
    with transaction(conn):
        _purge(conn, settings.question_log_days, now)
        if kind == ABSTAINED:
            conn.executemany("INSERT INTO question_log(question, authority, topic, asked_at) VALUES (?, ?, ?, ?)",
                             rows)
        else:
            conn.executemany(
                "INSERT INTO feedback(verdict, question, authority, topic, asked_at) VALUES (?, ?, ?, ?, ?)",
                [(kind, *r) for r in rows],
            )
    return len(rows)


def purge(conn: sqlite3.Connection, days: int, now: datetime | None = None) -> int:
    """Delete records older than ``days`` days; returns how many went."""
    from ingest.store import transaction

    with transaction(conn):
        return _purge(conn, days, now)


def _purge(conn: sqlite3.Connection, days: int, now: datetime | None) -> int:
    cutoff = _cutoff(days, now)
    gone = conn.execute("DELETE FROM question_log WHERE asked_at < ?", (cutoff,)).rowcount
    gone += conn.execute("DELETE FROM feedback WHERE asked_at < ?", (cutoff,)).rowcount
    return gone


# --- hooks for the service ---------------------------------------------------------------------
_PROTECTED: dict[int, frozenset[str]] = {}


def protected_words_for(state: Any) -> frozenset[str]:
    """Words redaction never removes: the taxonomy's and the held authorities' names and aliases.

    Cached per resolver (one per store generation).
    """
    from service.redaction import protected_words
    from service.resolver import aliases_of

    resolver = state.resolver
    cached = _PROTECTED.get(id(resolver))
    if cached is None:
        aliases = aliases_of(state.settings.corpus_dir)
        cached = protected_words(state.taxonomy, {a: aliases.get(a, []) for a in resolver.known})
        _PROTECTED.clear()
        _PROTECTED[id(resolver)] = cached
    return cached


def _authorities(state: Any, question: str, authorities: list[str] | None) -> list[str]:
    if authorities:
        return list(authorities)
    return list(dict.fromkeys(
        p.resolved.name for p in state.resolver.places_in_text(question) if p.resolved is not None
    ))


def log_abstention(state: Any, question: str, authorities: list[str] | None, result: dict) -> None:
    """Record ``question`` if the answer abstained and the log is on (the ask route's one call).

    Never fails the answer: a write that fails is logged on the server and the answer goes out.
    """
    if not state.settings.question_log or not result.get("abstained"):
        return
    try:
        # The request's snapshot is read-only: the log is written through the live store.
        with state.writer() as conn:
            record(conn, state.settings, ABSTAINED, question, _authorities(state, question, authorities),
                   protected_words_for(state), taxonomy=state.taxonomy)
    except db.Error:
        log.exception("could not record an abstained question in the question log")


def record_feedback(state: Any, question: str, authorities: list[str] | None) -> int:
    """Record an answer marked not helpful; ``QuestionLogOffError`` when the log is off."""
    if not state.settings.question_log:
        raise QuestionLogOffError(
            "Feedback is not recorded on this server: the question log is off. An administrator can turn "
            "it on with STANDARDS_QUESTION_LOG=on (questions are stored redacted, without who asked)."
        )
    with state.writer() as conn:
        return record(conn, state.settings, NOT_HELPFUL, question, _authorities(state, question, authorities),
                      protected_words_for(state), taxonomy=state.taxonomy)


# --- reading -----------------------------------------------------------------------------------
def records(conn: sqlite3.Connection, authority: str | None = None) -> list[LoggedQuestion]:
    """Every stored record, newest first (``authority`` limits them to one)."""
    sql = (
        "SELECT 'abstained' AS kind, question, authority, asked_at, topic FROM question_log"
        " UNION ALL SELECT verdict, question, authority, asked_at, topic FROM feedback"
    )
    rows = conn.execute(f"SELECT * FROM ({sql}) ORDER BY asked_at DESC").fetchall()
    out = [LoggedQuestion(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    return [q for q in out if authority is None or q.authority == authority]


def question_topic(taxonomy: Any, text: str) -> str:
    """The topic a logged question is about, read as the ask path reads questions (or NO_TOPIC)."""
    from service.question import question_topics

    topics = question_topics(taxonomy, text)
    return next(iter(topics), NO_TOPIC)


def gaps(
    conn: sqlite3.Connection,
    taxonomy: Any,
    settings: Settings,
    authority: str | None = None,
    limit: int = 10,
) -> GapsReport:
    """The ``limit`` most asked unanswered topics of each authority (or of ``authority``)."""
    found = records(conn, authority)
    groups: dict[tuple[str | None, str], list[LoggedQuestion]] = defaultdict(list)
    for q in found:
        groups[(q.authority, q.topic or question_topic(taxonomy, q.question))].append(q)
    per_authority: dict[str | None, list[GapTopic]] = defaultdict(list)
    for (auth, topic), items in groups.items():
        examples = list(dict.fromkeys(q.question for q in items))[:EXAMPLES_PER_TOPIC]
        per_authority[auth].append(GapTopic(
            authority=auth, topic=topic, count=len(items),
            abstained=sum(q.kind == ABSTAINED for q in items), not_helpful=sum(q.kind == NOT_HELPFUL for q in items),
            last_asked=max(q.asked_at for q in items), examples=examples,
        ))
    topics: list[GapTopic] = []
    for auth in sorted(per_authority, key=lambda a: (a is None, a or "")):
        ranked = sorted(per_authority[auth], key=lambda t: (-t.count, t.topic == NO_TOPIC, t.topic))
        topics += ranked[:limit]
    return GapsReport(enabled=settings.question_log, retention_days=settings.question_log_days,
                      authority=authority, records=len(found), topics=topics)


def gaps_csv(report: GapsReport) -> str:
    """A gaps report as CSV: authority, topic, counts, last asked, example questions (redacted)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["authority", "topic", "count", "abstained", "not_helpful", "last_asked", "examples"])
    for t in report.topics:
        writer.writerow([t.authority or "(none named)", t.topic, t.count, t.abstained, t.not_helpful, t.last_asked,
                         " | ".join(t.examples)])
    return buf.getvalue()
