"""What changed between two versions of a document, and an amendments log per authority.

The store keeps every version of a document (``document_versions``; the clauses and
obligations of older versions stay with ``is_current = 0``). This module lines an old
version's clauses up with a new one's and reports:

- obligations **added**, **removed** or **changed** (a changed figure reads "child in care
  visit: every 6 weeks → every 4 weeks"), each citing the clause of both versions;
- clauses **reworded** (text changed, no figure changed) with a word-level diff;
- clauses **added**, **removed**, **moved** (out of order, or into another section),
  **renumbered** (same text, new clause number), and sections **renamed** (one entry for a
  heading that changed over clauses that stayed in order).

How clauses are aligned (never by position or clause number alone):

1. identical text (after the loader's normalisation) pairs up first, in document order;
2. the rest are scored pairwise by word-level similarity (``difflib`` over lower-case words)
   and, where the store holds both clauses' vectors (``clause_embeddings``, keyed by the hash
   of the embedded text and the model), by the embedding model's cosine similarity; the best
   pairs above the thresholds are taken greedily;
3. pairs are then checked against document order (longest increasing run): those out of
   order, or whose section changed, are reported as moved.

Obligations are compared only inside clauses whose text changed (identical text states the
same duties), then across the leftover added and removed ones, so a duty whose clause was
rewritten beyond recognition still reads as one changed figure when its frame (topic,
cohort, anchor, phase) is the same.

Versions are addressed the way ``standards versions`` and ``GET /api/documents/{id}/versions``
show them: a version label ("1.2"), a date (YYYY-MM-DD), an ordinal ("#2", 1 = oldest), or
"current" / "previous".
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from extractors.records import Obligation
from extractors.timescale import describe_timescale
from ingest.errors import BadRequestError, NotFoundError, UnknownAuthorityError
from ingest.records import Clause

# --- alignment thresholds ----------------------------------------------------------------
# Chosen with benchmarks/changes_bench.py (shipped corpus + the 47 other-authorities excerpts,
# 1,859 clauses, seeded revisions; figures in docs/changes.md): the grid's best F1 on pairing
# clauses whose text changed (precision 0.979, recall 0.986; a clause with ~40% of its words
# replaced still pairs 98% of the time, and no removed clause was paired with an inserted one).
# A clause pairs on words alone at WORD_MATCH; below that it needs the model to agree
# (COSINE_MATCH) and some shared wording (WORD_FLOOR), because on meaning alone half of all
# clauses have a different clause of their document within cosine 0.87.
WORD_MATCH = 0.5
COSINE_MATCH = 0.75
WORD_FLOOR = 0.3
# How many candidate partners per clause get the (slower) word-level comparison: the top ones
# by shared words and by cosine. A revision rarely leaves more than a handful of plausible
# partners for a clause; 8 keeps the comparison linear in practice.
CANDIDATES_PER_CLAUSE = 8
# Words of unchanged text kept either side of a change when a diff is shown in one line.
DIFF_CONTEXT_WORDS = 6


@dataclass(frozen=True)
class Thresholds:
    """When two differing clauses count as one clause (the benchmark varies these)."""

    word: float = WORD_MATCH
    cosine: float = COSINE_MATCH
    floor: float = WORD_FLOOR

ARROW = " → "

_WORD = re.compile(r"[a-z0-9]+")
_VERSION_PREFIX = re.compile(r"^v(?:ersion)?\s*(?=\d)", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
_ORDINAL = re.compile(r"^#?(\d{1,4})$")


# --- records ---------------------------------------------------------------------------------
@dataclass
class VersionRef:
    """One stored version of a document as a user addresses it.

    ``ordinal`` counts from 1 (the oldest stored version); ``version`` and ``date`` are what
    the manifest (or the uploader) said; ``ingested_at`` when the store received it.
    """

    document_id: str
    version_id: int
    ordinal: int
    version: str | None
    date: str | None
    ingested_at: str
    superseded_at: str | None
    is_current: bool
    clause_count: int

    @property
    def name(self) -> str:
        """How the version reads in a report: "version 1.2 (2020-10-21)", or "#2 (ingested 2026-01-05)"."""
        label = f"version {self.version}" if self.version else f"#{self.ordinal}"
        when = self.date or f"ingested {self.ingested_at[:10]}"
        return f"{label} ({when})"

    @property
    def effective_date(self) -> str:
        """The date the version took effect: its stated date, else the day it was ingested."""
        return self.date or self.ingested_at[:10]

    def to_dict(self) -> dict:
        return asdict(self) | {"name": self.name, "address": f"#{self.ordinal}"}


@dataclass
class ClauseRef:
    """Where a clause is in one version: id, number, section, page, citation label and text."""

    clause_id: str
    clause_ref: str | None
    section: str
    page: int | None
    citation: str
    text: str
    ordinal: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DiffPart:
    """A run of words in a word-level diff: ``op`` is "equal", "delete" or "insert"."""

    op: str
    text: str


@dataclass
class ClauseChange:
    """A clause added, removed, reworded, moved or renumbered between two versions."""

    kind: str  # added | removed | reworded | moved | renamed (a section's heading) | renumbered
    old: ClauseRef | None
    new: ClauseRef | None
    similarity: float | None = None  # word-level, 0..1, for aligned pairs
    diff: list[DiffPart] = field(default_factory=list)
    summary: str = ""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
            "similarity": self.similarity,
            "diff": [asdict(p) for p in self.diff],
            "summary": self.summary,
        }


@dataclass
class ObligationSide:
    """One version's side of an obligation change."""

    obligation_id: str
    timescale: str  # describe_timescale: "at least every 6 weeks"
    phrase: str  # as written
    actor: str | None
    cohort: str | None
    modality: str | None
    conditions: str | None
    quote: str
    clause: ClauseRef

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FieldChange:
    """One field of an obligation that differs between the versions."""

    field: str
    old: str | None
    new: str | None


@dataclass
class ObligationChange:
    """An obligation added, removed or changed (its figure, who owns it, for whom, how binding)."""

    kind: str  # added | removed | changed
    label: str  # what the duty is: the obligation's label, topic or action, with its cohort
    topic: str | None
    cohort: str | None
    old: ObligationSide | None
    new: ObligationSide | None
    fields: list[FieldChange] = field(default_factory=list)
    diff: list[DiffPart] = field(default_factory=list)  # the clause's words, when it was aligned
    summary: str = ""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "topic": self.topic,
            "cohort": self.cohort,
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
            "fields": [asdict(f) for f in self.fields],
            "diff": [asdict(p) for p in self.diff],
            "summary": self.summary,
        }


@dataclass
class ChangeReport:
    """Everything that changed in one document from one version to another."""

    authority: str
    document_id: str
    title: str
    from_version: VersionRef
    to_version: VersionRef
    obligations: list[ObligationChange]
    clauses: list[ClauseChange]
    unchanged_clauses: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """How many entries of each kind: "obligations_changed", "clauses_reworded", ..."""
        out: dict[str, int] = defaultdict(int)
        for ob in self.obligations:
            out[f"obligations_{ob.kind}"] += 1
        for cl in self.clauses:
            out[f"clauses_{cl.kind}"] += 1
        out["clauses_unchanged"] = self.unchanged_clauses
        return dict(out)

    @property
    def empty(self) -> bool:
        """True when nothing but layout changed."""
        return not self.obligations and not self.clauses

    def to_dict(self) -> dict:
        return {
            "authority": self.authority,
            "document_id": self.document_id,
            "title": self.title,
            "from": self.from_version.to_dict(),
            "to": self.to_version.to_dict(),
            "counts": self.counts,
            "obligations": [o.to_dict() for o in self.obligations],
            "clauses": [c.to_dict() for c in self.clauses],
        }


@dataclass
class AmendmentEntry:
    """One version of one document in the amendments log, with what it changed."""

    authority: str
    document_id: str
    title: str
    version: VersionRef
    report: ChangeReport | None  # None for the first stored version

    def to_dict(self) -> dict:
        return {
            "authority": self.authority,
            "document_id": self.document_id,
            "title": self.title,
            "version": self.version.to_dict(),
            "date": self.version.date,
            "ingested_at": self.version.ingested_at,
            "first_version": self.report is None,
            "changes": self.report.to_dict() if self.report else None,
        }


@dataclass
class AmendmentsLog:
    """Every stored version of an authority's documents, newest first, each with its changes."""

    authority: str
    entries: list[AmendmentEntry]

    def to_dict(self) -> dict:
        return {"authority": self.authority, "entries": [e.to_dict() for e in self.entries]}


# --- versions --------------------------------------------------------------------------------
def list_versions(conn: sqlite3.Connection, document_id: str) -> list[VersionRef]:
    """Every stored version of a document, oldest first, numbered from 1.

    Raises ``NotFoundError`` (listing the documents) for an unknown document.
    """
    from ingest.store import document_versions

    versions = document_versions(conn, document_id)
    if not versions:
        raise NotFoundError(f"No document with id {document_id!r}. Known: {', '.join(_document_ids(conn)) or 'none'}.")
    return [
        VersionRef(document_id=v.document_id, version_id=v.id, ordinal=i, version=v.version, date=v.date,
                   ingested_at=v.ingested_at, superseded_at=v.superseded_at, is_current=v.is_current,
                   clause_count=v.clause_count)
        for i, v in enumerate(versions, start=1)
    ]


def resolve_version(versions: list[VersionRef], spec: str) -> VersionRef:
    """The version ``spec`` names: a label, a date, an ordinal ("#2" or "2"), "current" or "previous".

    A label or date that names one version wins over an ordinal (so a version labelled "2" is
    found as "2"; "#2" always means the second stored version). Raises ``BadRequestError``
    listing the versions when nothing (or more than one) matches.
    """
    wanted = (spec or "").strip()
    if not wanted:
        raise BadRequestError("The version is empty. " + _version_help(versions))
    low = wanted.casefold()
    current = next((v for v in versions if v.is_current), versions[-1])
    if low in ("current", "latest", "now"):
        return current
    if low == "previous":
        earlier = [v for v in versions if v.ordinal < current.ordinal]
        if not earlier:
            raise BadRequestError(f"{current.document_id} has no version before the current one. " + _version_help(versions))
        return earlier[-1]
    if not wanted.startswith("#"):
        bare = _VERSION_PREFIX.sub("", low)
        by_label = [v for v in versions if v.version and _VERSION_PREFIX.sub("", v.version.casefold()) == bare]
        by_date = [v for v in versions if _DATE.match(wanted) and (
            (v.date or "").startswith(wanted) or (not v.date and v.ingested_at.startswith(wanted)))]
        found = by_label or by_date
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise BadRequestError(
                f"{wanted!r} names {len(found)} versions of {versions[0].document_id}; use the ordinal "
                f"instead ({', '.join('#' + str(v.ordinal) for v in found)}). " + _version_help(versions)
            )
    m = _ORDINAL.match(wanted)
    if m and 1 <= int(m.group(1)) <= len(versions):
        return versions[int(m.group(1)) - 1]
    raise BadRequestError(f"No version {wanted!r} of {versions[0].document_id}. " + _version_help(versions))


def _version_help(versions: list[VersionRef]) -> str:
    listing = "; ".join(f"#{v.ordinal} {v.name}" + (" current" if v.is_current else "") for v in versions)
    return f"Its versions: {listing}. Name one by label, date (YYYY-MM-DD), #ordinal, 'current' or 'previous'."


def _document_ids(conn: sqlite3.Connection, authority: str | None = None) -> list[str]:
    sql, args = "SELECT id FROM documents", ()
    if authority:
        sql, args = sql + " WHERE authority = ?", (authority,)
    return [r[0] for r in conn.execute(sql + " ORDER BY id", args)]


def documents_of(conn: sqlite3.Connection, authority: str, document: str | None = None) -> list[tuple[str, str]]:
    """(id, title) of ``authority``'s documents, or the one ``document`` names (id or title).

    ``document`` may be an id, a title, or a part of a title that names one document. Raises
    ``NotFoundError`` listing the authority's documents when it names none or several.
    """
    rows = conn.execute(
        "SELECT id, title FROM documents WHERE authority = ? ORDER BY title, id", (authority,)
    ).fetchall()
    docs = [(r[0], r[1]) for r in rows]
    if not docs:
        raise UnknownAuthorityError(f"No documents are stored for {authority!r}.")
    if document is None:
        return docs
    wanted = document.strip().casefold()
    exact = [d for d in docs if wanted in (d[0].casefold(), d[1].casefold())]
    partial = [d for d in docs if wanted and wanted in d[1].casefold()]
    found = exact or partial
    if len(found) == 1:
        return found
    listing = "; ".join(f"{i} ({t})" for i, t in docs)
    what = "names several" if found else "names none"
    raise NotFoundError(f"{document!r} {what} of {authority}'s documents. They are: {listing}.")


# --- comparing two versions --------------------------------------------------------------------
def compare_versions(
    conn: sqlite3.Connection, document_id: str, from_spec: str | None = None, to_spec: str | None = None
) -> ChangeReport:
    """What changed in ``document_id`` between two versions (default: the previous and the current).

    Raises ``NotFoundError`` for an unknown document and ``BadRequestError`` for a version that
    does not exist, or when the document has only one version.
    """
    versions = list_versions(conn, document_id)
    to_v = resolve_version(versions, to_spec) if to_spec else next(v for v in versions if v.is_current)
    if from_spec:
        from_v = resolve_version(versions, from_spec)
    else:
        earlier = [v for v in versions if v.ordinal < to_v.ordinal]
        if not earlier:
            raise BadRequestError(
                f"{document_id} has no version before {to_v.name}, so there is nothing to compare. "
                + _version_help(versions)
            )
        from_v = earlier[-1]
    if from_v.version_id == to_v.version_id:
        raise BadRequestError(f"'from' and 'to' are the same version ({from_v.name}). " + _version_help(versions))
    return _report(conn, document_id, from_v, to_v)


def _report(conn: sqlite3.Connection, document_id: str, from_v: VersionRef, to_v: VersionRef) -> ChangeReport:
    from ingest.store import version_clauses

    doc = conn.execute("SELECT authority, title FROM documents WHERE id = ?", (document_id,)).fetchone()
    old = version_clauses(conn, from_v.version_id)
    new = version_clauses(conn, to_v.version_id)
    vectors = _clause_vectors(conn, old + new)
    alignment = align_clauses(old, new, vectors)
    old_obs = _version_obligations(conn, from_v.version_id)
    new_obs = _version_obligations(conn, to_v.version_id)
    authority = doc["authority"]
    clause_changes, ob_changes, unchanged = _diff(authority, old, new, alignment, old_obs, new_obs)
    return ChangeReport(
        authority=authority, document_id=document_id, title=doc["title"], from_version=from_v, to_version=to_v,
        obligations=ob_changes, clauses=clause_changes, unchanged_clauses=unchanged,
    )


def changes_for_authority(
    conn: sqlite3.Connection,
    authority: str,
    document: str | None = None,
    from_spec: str | None = None,
    to_spec: str | None = None,
) -> list[ChangeReport]:
    """The latest change of each of ``authority``'s documents that has more than one version.

    With ``document``, that document only; ``from_spec``/``to_spec`` need one document (named,
    or the authority's only one with history).
    """
    docs = documents_of(conn, authority, document)
    with_history = [d for d in docs if len(list_versions(conn, d[0])) > 1]
    if (from_spec or to_spec) and len(docs) > 1:
        if len(with_history) != 1:
            listing = "; ".join(f"{i} ({t})" for i, t in docs)
            raise BadRequestError(
                f"--from/--to name versions of one document: add --document (one of: {listing})."
            )
        docs = with_history
    if document and len(list_versions(conn, docs[0][0])) < 2:
        versions = list_versions(conn, docs[0][0])
        raise BadRequestError(f"{docs[0][0]} has one stored version only. " + _version_help(versions))
    targets = docs if (from_spec or to_spec) else with_history
    return [compare_versions(conn, doc_id, from_spec, to_spec) for doc_id, _ in targets]


def amendments_log(conn: sqlite3.Connection, authority: str) -> AmendmentsLog:
    """Each stored version of ``authority``'s documents with what it changed, newest first.

    A document's versions stay in the order they were stored; documents interleave by date. A
    version with no stated date counts as no later than the next version's (an undated first
    version ingested today is still older than the dated revision ingested after it).
    """
    keyed: list[tuple[str, int, AmendmentEntry]] = []
    for doc_id, title in documents_of(conn, authority):
        versions = list_versions(conn, doc_id)
        floor = "9999-12-31"
        for i in range(len(versions) - 1, -1, -1):
            version = versions[i]
            floor = min(floor, version.effective_date)
            report = _report(conn, doc_id, versions[i - 1], version) if i > 0 else None
            keyed.append((floor, version.ordinal, AmendmentEntry(authority, doc_id, title, version, report)))
    keyed.sort(key=lambda k: (k[0], k[1], k[2].document_id), reverse=True)
    return AmendmentsLog(authority=authority, entries=[e for _, _, e in keyed])


# --- alignment -------------------------------------------------------------------------------
@dataclass
class Alignment:
    """Which old clause is which new clause. Indexes into the two clause lists."""

    pairs: list[tuple[int, int, float]]  # (old index, new index, word similarity)
    removed: list[int]
    added: list[int]
    out_of_order: set[tuple[int, int]]


def words(text: str) -> list[str]:
    """Lower-case words and numbers: what word-level similarity compares."""
    return _WORD.findall(text.lower())


def word_similarity(a: list[str], b: list[str]) -> float:
    """difflib's ratio over two word lists: 1.0 identical, 0.0 nothing in common."""
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def align_clauses(
    old: list[Clause],
    new: list[Clause],
    vectors: dict[str, np.ndarray] | None = None,
    thresholds: Thresholds = Thresholds(),
) -> Alignment:
    """Pair each old clause with the new clause that is the same clause (see the module docstring).

    ``vectors`` maps clause ids to unit vectors (from ``clause_embeddings``); clauses without one
    are matched on words alone.
    """
    vectors = vectors or {}
    pairs: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    # 1. Identical text, in document order within each run of identical texts.
    by_text: dict[str, list[int]] = defaultdict(list)
    for j, c in enumerate(new):
        by_text[_key(c)].append(j)
    for i, c in enumerate(old):
        queue = by_text.get(_key(c))
        if queue:
            j = queue.pop(0)
            pairs[i] = (j, 1.0)
            taken.add(j)
    # 2. The rest by similarity.
    left_old = [i for i in range(len(old)) if i not in pairs]
    left_new = [j for j in range(len(new)) if j not in taken]
    if left_old and left_new:
        for i, j, sim in _similar_pairs(old, new, left_old, left_new, vectors, pairs, thresholds):
            pairs[i] = (j, sim)
            taken.add(j)
    ordered = sorted((i, j, s) for i, (j, s) in pairs.items())
    stable = _longest_increasing([j for _, j, _ in ordered])
    out_of_order = {(i, j) for k, (i, j, _) in enumerate(ordered) if k not in stable}
    return Alignment(
        pairs=ordered,
        removed=[i for i in range(len(old)) if i not in pairs],
        added=[j for j in range(len(new)) if j not in taken],
        out_of_order=out_of_order,
    )


def _key(clause: Clause) -> str:
    return " ".join(clause.plain_text.split())


def _similar_pairs(
    old: list[Clause],
    new: list[Clause],
    left_old: list[int],
    left_new: list[int],
    vectors: dict[str, np.ndarray],
    anchored: dict[int, tuple[int, float]],
    limits: Thresholds,
) -> list[tuple[int, int, float]]:
    """Greedy best-first pairs among the unaligned clauses that pass the thresholds."""
    old_words = {i: words(old[i].plain_text) for i in left_old}
    new_words = {j: words(new[j].plain_text) for j in left_new}
    old_sets = {i: set(w) for i, w in old_words.items()}
    new_sets = {j: set(w) for j, w in new_words.items()}
    cosine = _cosine_matrix(old, new, left_old, left_new, vectors)
    gap_old = _gap_ids(len(old), {i: j for i, (j, _) in anchored.items()})
    gap_new = _gap_ids(len(new), {j: j for j, _ in anchored.values()})
    scored: list[tuple[float, int, int, int, float]] = []
    for a, i in enumerate(left_old):
        overlap = []
        for b, j in enumerate(left_new):
            shared = len(old_sets[i] & new_sets[j])
            if shared:
                overlap.append((2 * shared / (len(old_sets[i]) + len(new_sets[j])), b))
        candidates = {b for _, b in sorted(overlap, reverse=True)[:CANDIDATES_PER_CLAUSE]}
        if cosine is not None:
            candidates |= set(np.argsort(-cosine[a])[:CANDIDATES_PER_CLAUSE].tolist())
        for b in candidates:
            j = left_new[b]
            sim = word_similarity(old_words[i], new_words[j])
            cos = float(cosine[a, b]) if cosine is not None and not np.isnan(cosine[a, b]) else None
            if not (sim >= limits.word or (cos is not None and cos >= limits.cosine and sim >= limits.floor)):
                continue
            rank = (sim + cos) / 2 if cos is not None else sim
            # Ties go to the partner between the same unchanged neighbours, then the nearer one.
            same_gap = int(gap_old[i] == gap_new[j])
            scored.append((rank, same_gap, -abs(i - j), i, j, sim))
    scored.sort(reverse=True)
    used_old: set[int] = set()
    used_new: set[int] = set()
    out = []
    for _, _, _, i, j, sim in scored:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        out.append((i, j, round(sim, 3)))
    return out


def _gap_ids(n: int, anchors: dict[int, int]) -> list[int]:
    """For each position, the new-side index of the nearest aligned clause before it (-1 at the start).

    ``anchors`` maps aligned positions to their new-side index. Two unaligned clauses, one per
    version, with the same value sit right after the same unchanged clause.
    """
    out, last = [], -1
    for k in range(n):
        out.append(last)
        if k in anchors:
            last = anchors[k]
    return out


def _cosine_matrix(
    old: list[Clause], new: list[Clause], left_old: list[int], left_new: list[int], vectors: dict[str, np.ndarray]
) -> np.ndarray | None:
    if not vectors:
        return None
    dim = len(next(iter(vectors.values())))
    a = np.full((len(left_old), dim), np.nan, dtype=np.float32)
    b = np.full((len(left_new), dim), np.nan, dtype=np.float32)
    for k, i in enumerate(left_old):
        if old[i].id in vectors:
            a[k] = vectors[old[i].id]
    for k, j in enumerate(left_new):
        if new[j].id in vectors:
            b[k] = vectors[new[j].id]
    sims = a @ b.T  # NaN where either side has no vector
    return sims


def _longest_increasing(seq: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence of ``seq`` (patience sorting)."""
    import bisect

    tails: list[int] = []
    tail_pos: list[int] = []
    prev = [-1] * len(seq)
    for k, x in enumerate(seq):
        p = bisect.bisect_left(tails, x)
        if p == len(tails):
            tails.append(x)
            tail_pos.append(k)
        else:
            tails[p] = x
            tail_pos[p] = k
        prev[k] = tail_pos[p - 1] if p > 0 else -1
    out: set[int] = set()
    k = tail_pos[-1] if tail_pos else -1
    while k >= 0:
        out.add(k)
        k = prev[k]
    return out


def _clause_vectors(conn: sqlite3.Connection, clauses: list[Clause]) -> dict[str, np.ndarray]:
    """Unit vectors of the clauses from ``clause_embeddings`` (one model: the one covering most)."""
    from index.embedder import cached_vectors, clause_text_for, text_hash

    keys = {c.id: text_hash(clause_text_for(c)) for c in clauses}
    if not keys:
        return {}
    hashes = list(set(keys.values()))
    counts: dict[str, int] = defaultdict(int)
    for i in range(0, len(hashes), 500):
        chunk = hashes[i : i + 500]
        rows = conn.execute(
            f"SELECT model, COUNT(*) FROM clause_embeddings WHERE content_hash IN ({','.join('?' * len(chunk))})"
            " GROUP BY model", chunk,
        )
        for model, n in rows:
            counts[model] += n
    if not counts:
        return {}
    model = max(counts, key=lambda m: counts[m])
    found = cached_vectors(conn, hashes, model)
    out = {}
    for clause_id, key in keys.items():
        vec = found.get(key)
        if vec is not None:
            norm = float(np.linalg.norm(vec)) or 1.0
            out[clause_id] = vec / norm
    return out


# --- the diff --------------------------------------------------------------------------------
def word_diff(old_text: str, new_text: str) -> list[DiffPart]:
    """Word-level diff of two texts (words as written, punctuation attached)."""
    a, b = old_text.split(), new_text.split()
    out: list[DiffPart] = []
    # Compared without case or punctuation ("family" = "family,"); shown as written in the new text.
    key = lambda w: re.sub(r"\W+", "", w.lower()) or w  # noqa: E731
    matcher = difflib.SequenceMatcher(None, [key(w) for w in a], [key(w) for w in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(DiffPart("equal", " ".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(DiffPart("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(DiffPart("insert", " ".join(b[j1:j2])))
    return out


def diff_line(parts: list[DiffPart], context: int = DIFF_CONTEXT_WORDS) -> str:
    """A diff in one line: [-removed words-] {+added words+}, long unchanged runs shortened."""
    out = []
    last = len(parts) - 1
    for k, p in enumerate(parts):
        if p.op == "delete":
            out.append(f"[-{p.text}-]")
        elif p.op == "insert":
            out.append(f"{{+{p.text}+}}")
        else:
            w = p.text.split()
            if 0 < k < last and len(w) > 2 * context:
                out.append(" ".join(w[:context]) + " … " + " ".join(w[-context:]))
            elif k == 0 and k < last and len(w) > context:
                out.append("… " + " ".join(w[-context:]))
            elif k == last and k > 0 and len(w) > context:
                out.append(" ".join(w[:context]) + " …")
            else:
                out.append(p.text)
    return " ".join(x for x in out if x)


def cite(clause: Clause) -> str:
    """The one citation label (``service.records.citation_label``): "Wokingham › Section, standard 12"."""
    from service.records import citation_label

    return citation_label(clause.authority, clause.section, clause.clause_ref, clause.page)


def _ref(clause: Clause) -> ClauseRef:
    return ClauseRef(clause_id=clause.id, clause_ref=clause.clause_ref, section=clause.section, page=clause.page,
                     citation=cite(clause), text=clause.plain_text, ordinal=clause.ordinal)


def _version_obligations(conn: sqlite3.Connection, version_id: int) -> dict[str, list[Obligation]]:
    """A version's stored obligations by clause id, in the order they appear in the clause."""
    import json

    from extractors.store import obligation_from_dict

    out: dict[str, list[Obligation]] = defaultdict(list)
    for (data,) in conn.execute("SELECT data FROM obligations WHERE version_id = ?", (version_id,)):
        ob = obligation_from_dict(json.loads(data))
        out[ob.clause_id].append(ob)
    for obs in out.values():
        obs.sort(key=lambda o: o.timescale.start)
    return out


def _diff(
    authority: str,
    old: list[Clause],
    new: list[Clause],
    alignment: Alignment,
    old_obs: dict[str, list[Obligation]],
    new_obs: dict[str, list[Obligation]],
) -> tuple[list[ClauseChange], list[ObligationChange], int]:
    clause_changes: list[tuple[int, ClauseChange]] = []
    ob_changes: list[tuple[int, ObligationChange]] = []
    unchanged = 0
    loose_old: list[tuple[Obligation, Clause]] = []
    loose_new: list[tuple[Obligation, Clause]] = []
    # A heading that no longer exists, over clauses still in order, is a section renamed: one
    # entry for the section rather than every clause in it "moved".
    new_paths = {tuple(c.heading_path) for c in new}
    renamed: dict[tuple[tuple[str, ...], tuple[str, ...]], list[tuple[Clause, Clause]]] = defaultdict(list)
    for i, j, sim in alignment.pairs:
        a, b = old[i], new[j]
        same_text = words(a.plain_text) == words(b.plain_text)
        where = b.ordinal
        in_order = (i, j) not in alignment.out_of_order
        new_section = a.heading_path != b.heading_path
        if in_order and new_section and tuple(a.heading_path) not in new_paths:
            renamed[(tuple(a.heading_path), tuple(b.heading_path))].append((a, b))
            new_section = False
        moved = not in_order or new_section
        if moved:
            moved_to = f"moved from {a.section or 'the start'} to {b.section or 'the start'}" if new_section \
                else f"moved (was clause {a.ordinal} of {len(old)}, now {b.ordinal} of {len(new)})"
            clause_changes.append((where, ClauseChange("moved", _ref(a), _ref(b), sim,
                                                       [] if same_text else word_diff(a.plain_text, b.plain_text),
                                                       moved_to)))
        elif a.clause_ref != b.clause_ref and same_text:
            clause_changes.append((where, ClauseChange(
                "renumbered", _ref(a), _ref(b), sim, [],
                f"renumbered {a.clause_ref or '(none)'}{ARROW}{b.clause_ref or '(none)'}")))
        if same_text:
            if not moved and a.clause_ref == b.clause_ref:
                unchanged += 1
            continue
        diff = word_diff(a.plain_text, b.plain_text)
        changes, rest_old, rest_new = _compare_obligations(old_obs.get(a.id, []), new_obs.get(b.id, []), a, b, diff)
        loose_old += [(o, a) for o in rest_old]
        loose_new += [(o, b) for o in rest_new]
        ob_changes += [(where, c) for c in changes]
        if not changes and not rest_old and not rest_new and not moved:
            clause_changes.append((where, ClauseChange("reworded", _ref(a), _ref(b), sim, diff, diff_line(diff))))
    for (old_path, new_path), members in renamed.items():
        a, b = members[0]
        heading = word_diff(" › ".join(old_path), " › ".join(new_path))
        clause_changes.append((b.ordinal, ClauseChange(
            "renamed", _ref(a), _ref(b), None, heading,
            f"section renamed: {' › '.join(old_path) or '(none)'}{ARROW}{' › '.join(new_path) or '(none)'} "
            f"({len(members)} clause{'s' if len(members) != 1 else ''})")))
    for i in alignment.removed:
        clause_changes.append((old[i].ordinal, ClauseChange("removed", _ref(old[i]), None, None, [],
                                                            _short(old[i].plain_text))))
        loose_old += [(o, old[i]) for o in old_obs.get(old[i].id, [])]
    for j in alignment.added:
        clause_changes.append((new[j].ordinal, ClauseChange("added", None, _ref(new[j]), None, [],
                                                            _short(new[j].plain_text))))
        loose_new += [(o, new[j]) for o in new_obs.get(new[j].id, [])]
    # Duties whose clauses did not align: the same frame on both sides is one duty.
    for ob_a, cl_a, ob_b, cl_b in _match_loose(loose_old, loose_new):
        loose_old.remove((ob_a, cl_a))
        loose_new.remove((ob_b, cl_b))
        change = _changed(ob_a, cl_a, ob_b, cl_b, [])
        if change is not None:
            ob_changes.append((cl_b.ordinal, change))
    for ob, cl in loose_old:
        ob_changes.append((cl.ordinal, _one_sided("removed", ob, cl)))
    for ob, cl in loose_new:
        ob_changes.append((cl.ordinal, _one_sided("added", ob, cl)))
    order = {"changed": 0, "removed": 1, "added": 2}
    clause_order = {"removed": 0, "added": 1, "reworded": 2, "moved": 3, "renamed": 4, "renumbered": 5}
    ob_changes.sort(key=lambda x: (x[0], order[x[1].kind]))
    clause_changes.sort(key=lambda x: (clause_order[x[1].kind], x[0]))
    return [c for _, c in clause_changes], [c for _, c in ob_changes], unchanged


def _compare_obligations(
    old: list[Obligation], new: list[Obligation], a: Clause, b: Clause, diff: list[DiffPart]
) -> tuple[list[ObligationChange], list[Obligation], list[Obligation]]:
    """Changes between the duties of two aligned clauses; returns (changes, unmatched old, unmatched new)."""
    old_left, new_left = list(old), list(new)
    changes: list[ObligationChange] = []
    # Same figure and frame first (unchanged), then the same kind of timescale by frame similarity.
    for strict in (True, False):
        for ob_a in list(old_left):
            options = [ob_b for ob_b in new_left if ob_b.timescale.kind == ob_a.timescale.kind]
            if strict:
                options = [o for o in options if _figure(o) == _figure(ob_a) and _frame(o) == _frame(ob_a)]
            if not options:
                continue
            best = max(options, key=lambda o: (_frame_similarity(ob_a, o), -abs(new.index(o) - old.index(ob_a))))
            old_left.remove(ob_a)
            new_left.remove(best)
            change = _changed(ob_a, a, best, b, diff)
            if change is not None:
                changes.append(change)
    return changes, old_left, new_left


def _figure(ob: Obligation) -> str:
    return describe_timescale(ob.timescale)


def _frame(ob: Obligation) -> tuple:
    return (ob.timescale.kind, ob.topic, ob.cohort, ob.timescale.anchor, ob.phase, ob.conditions)


def _frame_similarity(a: Obligation, b: Obligation) -> float:
    """How much of the duty frame two obligations share (0..1): topic, cohort, anchor, phase, actor, action."""
    same = [a.topic == b.topic, a.cohort == b.cohort, a.timescale.anchor == b.timescale.anchor,
            a.phase == b.phase, a.actor == b.actor]
    action = word_similarity(words(a.action or a.label or ""), words(b.action or b.label or ""))
    return (sum(same) + action) / (len(same) + 1)


def _match_loose(
    old: list[tuple[Obligation, Clause]], new: list[tuple[Obligation, Clause]]
) -> list[tuple[Obligation, Clause, Obligation, Clause]]:
    """Pairs of unaligned duties with the same frame (a topic is required: without one the frame says too little)."""
    out = []
    used: set[int] = set()
    for ob_a, cl_a in old:
        if ob_a.topic is None:
            continue
        options = [(k, ob_b, cl_b) for k, (ob_b, cl_b) in enumerate(new) if k not in used and _frame(ob_b) == _frame(ob_a)]
        if len(options) != 1:
            continue  # none, or ambiguous: leave as removed/added rather than guess
        k, ob_b, cl_b = options[0]
        used.add(k)
        out.append((ob_a, cl_a, ob_b, cl_b))
    return out


def _label(ob: Obligation) -> str:
    name = ob.label or ob.topic or _short(ob.action or ob.citation.quote, 60)
    if ob.cohort and ob.cohort.casefold() not in name.casefold():
        name += f" ({ob.cohort})"
    return name


def _side(ob: Obligation, clause: Clause) -> ObligationSide:
    return ObligationSide(
        obligation_id=ob.id, timescale=_figure(ob), phrase=ob.timescale.phrase, actor=ob.actor, cohort=ob.cohort,
        modality=ob.modality, conditions=ob.conditions, quote=" ".join(ob.citation.quote.split()), clause=_ref(clause),
    )


def _changed(a: Obligation, ca: Clause, b: Obligation, cb: Clause, diff: list[DiffPart]) -> ObligationChange | None:
    """An ObligationChange when the figure, owner, cohort, condition or strength differs; else None."""
    fields = [
        FieldChange(name, x, y)
        for name, x, y in (
            ("timescale", _figure(a), _figure(b)),
            ("actor", a.actor, b.actor),
            ("cohort", a.cohort, b.cohort),
            ("conditions", a.conditions, b.conditions),
            ("modality", a.modality, b.modality),
        )
        if (x or None) != (y or None)
    ]
    if not fields:
        return None
    label = _label(b)
    what = "; ".join(
        f"{f.old or 'not stated'}{ARROW}{f.new or 'not stated'}" if f.field == "timescale"
        else f"{f.field} {f.old or 'not stated'}{ARROW}{f.new or 'not stated'}"
        for f in fields
    )
    return ObligationChange("changed", label, b.topic, b.cohort, _side(a, ca), _side(b, cb), fields, diff,
                            f"{label}: {what}")


def _one_sided(kind: str, ob: Obligation, clause: Clause) -> ObligationChange:
    side = _side(ob, clause)
    label = _label(ob)
    return ObligationChange(kind, label, ob.topic, ob.cohort, side if kind == "removed" else None,
                            side if kind == "added" else None, [], [], f"{label}: {side.timescale}")


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- renderings shared by the CLI and the API ----------------------------------------------
CSV_HEADER = ["authority", "document", "title", "version", "date", "ingested", "from_version", "change", "kind",
              "what", "old_citation", "new_citation", "old_text", "new_text"]


def report_rows(report: ChangeReport) -> list[list[str]]:
    """One CSV row per entry of a change report (obligations first, then clauses)."""
    base = [report.authority, report.document_id, report.title, report.to_version.name,
            report.to_version.date or "", report.to_version.ingested_at[:10], report.from_version.name]
    rows = []
    for ob in report.obligations:
        rows.append(base + [f"obligation {ob.kind}", ob.kind, ob.summary,
                            ob.old.clause.citation if ob.old else "", ob.new.clause.citation if ob.new else "",
                            ob.old.quote if ob.old else "", ob.new.quote if ob.new else ""])
    for cl in report.clauses:
        rows.append(base + [f"clause {cl.kind}", cl.kind, cl.summary,
                            cl.old.citation if cl.old else "", cl.new.citation if cl.new else "",
                            cl.old.text if cl.old else "", cl.new.text if cl.new else ""])
    return rows


def reports_csv(reports: Iterable[ChangeReport]) -> str:
    """Change reports as CSV (one row per change)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    for report in reports:
        writer.writerows(report_rows(report))
    return buf.getvalue()


def amendments_csv(log: AmendmentsLog) -> str:
    """The amendments log as CSV: one row per change, and one row per first version."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    for entry in log.entries:
        if entry.report is None:
            writer.writerow([entry.authority, entry.document_id, entry.title, entry.version.name,
                             entry.version.date or "", entry.version.ingested_at[:10], "", "first version", "",
                             "first version stored", "", "", "", ""])
        elif entry.report.empty:
            writer.writerow([entry.authority, entry.document_id, entry.title, entry.version.name,
                             entry.version.date or "", entry.version.ingested_at[:10], entry.report.from_version.name,
                             "no change", "", "layout only: no clause text changed", "", "", "", ""])
        else:
            writer.writerows(report_rows(entry.report))
    return buf.getvalue()


# --- induction packs -------------------------------------------------------------------------
# service/induction.py calls these: ``pack_basis`` when a pack is built "as of" an older version,
# ``pack_sources`` to name the versions a pack was built from (with what changed since), and
# service/exports.py prints ``pack_notes`` / ``pack_csv_rows``.
@dataclass
class PackBasis:
    """The obligations and clauses of the versions of one authority's documents a pack is built from."""

    obligations: list[Obligation]
    clauses: dict[str, Clause]
    version_ids: dict[str, int]  # document id -> version id


@dataclass
class PackSource:
    """A document version an induction pack was built from, and what changed in it since."""

    document_id: str
    authority: str
    title: str
    version: VersionRef
    current: VersionRef
    changes: list[ObligationChange] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return self.version.version_id == self.current.version_id

    @property
    def line(self) -> str:
        """"<title>, version 1.2 (2020-10-21)" plus "(superseded by ...)" for an older version."""
        text = f"{self.title}, {self.version.name}"
        if not self.is_current:
            text += f" (superseded by {self.current.name})"
        return text

    def to_dict(self) -> dict:
        return {"document_id": self.document_id, "authority": self.authority, "title": self.title,
                "version": self.version.to_dict(),
                "current": self.current.to_dict(), "is_current": self.is_current,
                "changes": [c.to_dict() for c in self.changes]}


def _in_force(versions: list[VersionRef], day: str) -> VersionRef | None:
    """The last stored version whose date (or, undated, ingest day) is on or before ``day``."""
    earlier = [v for v in versions if v.effective_date <= day]
    return earlier[-1] if earlier else None


def pack_basis(conn: sqlite3.Connection, authority: str, as_of: str) -> PackBasis:
    """The versions of ``authority``'s documents a pack "as of" ``as_of`` uses, with their duties.

    ``as_of`` names a version as ``resolve_version`` reads it (label, #ordinal, "previous", ...):
    documents that have such a version use it, the others their current version. A date
    (YYYY-MM-DD) picks, in each document, the version in force that day (documents not yet
    published then are left out). Raises ``BadRequestError`` listing the versions when no
    document has the version named.
    """
    import json

    from extractors.store import obligation_from_dict
    from ingest.store import version_clauses

    is_date = bool(_DATE.match(as_of.strip()))
    chosen: dict[str, int] = {}
    misses: list[str] = []
    for doc_id, _ in documents_of(conn, authority):
        versions = list_versions(conn, doc_id)
        try:
            version = resolve_version(versions, as_of)
        except BadRequestError as exc:
            version = _in_force(versions, as_of.strip()) if is_date else None
            if version is None and not is_date:
                misses.append(exc.message)
                version = next(v for v in versions if v.is_current)
        if version is not None:
            chosen[doc_id] = version.version_id
    if not is_date and len(misses) == len(chosen):
        raise BadRequestError(" ".join(misses))
    obligations: list[Obligation] = []
    clauses: dict[str, Clause] = {}
    for version_id in chosen.values():
        clauses.update({c.id: c for c in version_clauses(conn, version_id)})
        for (data,) in conn.execute("SELECT data FROM obligations WHERE version_id = ?", (version_id,)):
            ob = obligation_from_dict(json.loads(data))
            ob.authority = ob.citation.authority = authority
            obligations.append(ob)
    obligations.sort(key=lambda o: (o.document_id, o.citation.start))
    return PackBasis(obligations=obligations, clauses=clauses, version_ids=chosen)


def pack_sources(
    conn: sqlite3.Connection,
    document_ids: Iterable[str],
    version_ids: dict[str, int] | None = None,
    keep: Callable[[Obligation, Clause | None], bool] | None = None,
) -> list[PackSource]:
    """The version of each document a pack was built from (``version_ids``, default the current one).

    For a version older than the current one, ``changes`` lists the obligation changes since it;
    ``keep(obligation, clause)`` limits them to the pack's duties (a change is kept when either
    side passes).
    """
    from ingest.store import get_clause

    def kept(side: ObligationSide | None) -> bool:
        if keep is None or side is None:
            return keep is None
        ob = _stored_obligation(conn, side.obligation_id)
        return ob is not None and bool(keep(ob, get_clause(conn, ob.clause_id)))

    out = []
    for doc_id in document_ids:
        versions = list_versions(conn, doc_id)
        current = next(v for v in versions if v.is_current)
        wanted = (version_ids or {}).get(doc_id, current.version_id)
        version = next((v for v in versions if v.version_id == wanted), current)
        authority, title = conn.execute("SELECT authority, title FROM documents WHERE id = ?", (doc_id,)).fetchone()
        source = PackSource(doc_id, authority, title, version, current)
        if not source.is_current:
            report = _report(conn, doc_id, version, current)
            source.changes = [c for c in report.obligations if kept(c.old) or kept(c.new)]
        out.append(source)
    return out


def _stored_obligation(conn: sqlite3.Connection, obligation_id: str) -> Obligation | None:
    import json

    from extractors.store import obligation_from_dict

    row = conn.execute("SELECT data FROM obligations WHERE id = ?", (obligation_id,)).fetchone()
    return obligation_from_dict(json.loads(row[0])) if row else None


def pack_notes(sources: list[PackSource]) -> list[str]:
    """Lines a pack prints under its title: the versions it was built from, and what changed since."""
    if not sources:
        return []
    lines = ["Built from: " + "; ".join(s.line for s in sources) + "."]
    for s in sources:
        if s.is_current:
            continue
        if not s.changes:
            lines.append(f"{s.title} has a newer version ({s.current.name}); none of this pack's duties changed in it.")
            continue
        lines.append(f"Changed since {s.version.name} in {s.title} ({s.current.name} is current); "
                     f"check these before using the pack:")
        for c in s.changes:
            where = (c.new or c.old).clause.citation if (c.new or c.old) else ""
            lines.append(f"- {c.kind}: {c.summary} [{where}]")
    return lines


def pack_csv_rows(sources: list[PackSource]) -> list[dict[str, str]]:
    """CSV rows of a pack's sources ("built_from") and the changes since ("changed_since")."""
    rows = []
    for s in sources:
        rows.append({"record": "built_from", "authority": s.authority, "document": s.title, "requirement": s.line,
                     "source": f"{s.document_id} {s.version.name}"})
        for c in s.changes:
            side = c.new or c.old
            rows.append({"record": "changed_since", "authority": s.authority, "document": s.title,
                         "topic": c.topic or "",
                         "cohort": c.cohort or "", "requirement": f"{c.kind}: {c.summary}",
                         "timescale": side.timescale if side else "", "source": side.clause.citation if side else ""})
    return rows
