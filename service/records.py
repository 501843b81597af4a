"""What the query layer returns: typed records that the HTTP routes serialise (``to_dict()``)
and the CLI renders. Neither the routes nor the commands build answers themselves.

Sections: shared pieces (citations) first, then one section per query (ask, compare,
deadlines, ...), each owned by the developer of that query (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Literal

from extractors.records import Conflict, Obligation
from ingest.records import Clause, DocumentInfo
from service.deadlines import Deadline


# --- shared: citations -------------------------------------------------------------------
def citation_label(authority: str, section: str | None, clause_ref: str | None, page: int | None = None) -> str:
    """How every view names a source: "Wokingham › Core Group Meetings, standard 12".

    The section path is always there (a bare "Wokingham 5" cannot be found in the document);
    the standard's number when it has one, else the page of a paged document.
    """
    where = " › ".join(p for p in [authority, section] if p)
    if clause_ref:
        return f"{where}, standard {clause_ref}"
    if page:
        return f"{where}, page {page}"
    return where


@dataclass
class CitationView:
    """A cited clause: where it is, its label and its full text (quotes are checked against it)."""

    authority: str
    document: str
    section: str
    clause_ref: str | None
    clause_id: str
    page: int | None
    start: int
    end: int
    text: str
    label: str

    @classmethod
    def from_clause(cls, clause: Clause) -> CitationView:
        """The citation of ``clause``, labelled the one way every view uses."""
        return cls(
            authority=clause.authority, document=clause.document_id, section=clause.section,
            clause_ref=clause.clause_ref, clause_id=clause.id, page=clause.page, start=clause.start,
            end=clause.end, text=clause.text,
            label=citation_label(clause.authority, clause.section, clause.clause_ref, clause.page),
        )

    def to_dict(self) -> dict:
        """JSON form (the API's ``citations[]`` entries)."""
        return record_dict(self)  # the same dict as ``asdict``: every field is a string or number


# --- query layer (everything but ask): obligations, conflicts, topics, documents, search,
# compare, deadlines, trainer exports. Built by service/query.py and service/compare.py.
ROLE_FILTER_MEANING = (
    "duties this role owns: the extracted actor names the role, or the table's responsible-role "
    "column does (a first-person 'I will' duty with no role named belongs to every practitioner)"
)


def record_dict(record: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies (listing every obligation spent most of its
    time copying strings): nested records become dicts, lists, tuples and dicts new lists and
    dicts; the values in them (strings, numbers) are shared, not copied."""
    if record is None or isinstance(record, str | int | float):
        return record
    if is_dataclass(record) and not isinstance(record, type):
        return {f.name: record_dict(getattr(record, f.name)) for f in fields(record)}
    if isinstance(record, list | tuple):
        return [record_dict(v) for v in record]
    if isinstance(record, dict):
        return {k: record_dict(v) for k, v in record.items()}
    return record


def duty_label(ob: Obligation) -> str | None:
    """What a duty is called in every view: the extractor's label, else its topic, else its action
    (the label is the duty frame's short display form; a bare action is the document's words)."""
    return ob.label or ob.topic or ob.action


@dataclass
class ObligationView:
    """An obligation as every view shows it: the duty frame, the timescale phrased once
    (``extractors.timescale.describe_timescale``) and its citation labelled once (``citation_label``).

    ``owners`` are the roles that own the duty (the role filter's meaning, ``ROLE_FILTER_MEANING``);
    ``owned_by`` says how that is known (the actor or the responsible-role column, as written).
    """

    obligation: Obligation
    owners: list[str] = field(default_factory=list)
    owned_by: str | None = None

    @property
    def description(self) -> str:
        """The timescale in plain words: "within 10 working days of the initial child protection conference"."""
        return self.obligation.timescale.describe()

    @property
    def citation_label(self) -> str:
        """"Wokingham › Core Group Meetings, standard 12"."""
        c = self.obligation.citation
        return citation_label(c.authority, c.section, c.clause_ref, c.page)

    def to_dict(self) -> dict:
        """The obligation's fields, plus ``description``, ``duty``, ``owners`` and ``citation.label``."""
        data = record_dict(self.obligation)
        description = self.description
        data["timescale"]["description"] = description
        data["description"] = description
        data["duty"] = duty_label(self.obligation)
        data["citation"]["label"] = self.citation_label
        data["owners"] = list(self.owners)
        data["owned_by"] = self.owned_by
        return data


@dataclass
class ObligationList:
    """``GET /api/obligations`` / ``standards obligations``: the filters as resolved, and the duties."""

    obligations: list[ObligationView]
    filters: dict[str, str | None]
    notes: list[str] = field(default_factory=list)
    clause_texts: dict[str, str] = field(default_factory=dict)  # clause id -> text as written

    def to_dict(self) -> dict:
        """JSON form: count, obligations (each with its clause's text), the canonical filters, notes."""
        return {
            "count": len(self.obligations),
            "obligations": [o.to_dict() | {"clause_text": self.clause_texts.get(o.obligation.clause_id)}
                            for o in self.obligations],
            "filters": dict(self.filters),
            "notes": list(self.notes),
        }


@dataclass
class ConflictView:
    """Two or more obligations of one authority giving different figures for the same duty."""

    conflict: Conflict
    obligations: list[ObligationView]

    def to_dict(self) -> dict:
        """JSON form: where, why they are one duty, and every side with its description and citation."""
        c = self.conflict
        return {
            "authority": c.authority,
            "topic": c.topic,
            "cohort": c.cohort,
            "anchor": c.anchor,
            "reason": c.reason,
            "kind": c.kind,
            "same_duty": c.same_duty,
            "obligations": [o.to_dict() for o in self.obligations],
        }


@dataclass
class ConflictList:
    """``GET /api/conflicts`` / ``standards conflicts``."""

    conflicts: list[ConflictView]
    filters: dict[str, str | None]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form: count, conflicts, the canonical filters and any notes."""
        return {
            "count": len(self.conflicts),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "filters": dict(self.filters),
            "notes": list(self.notes),
        }


@dataclass
class TopicEntry:
    """One canonical topic and the authorities with a duty on it."""

    name: str
    definition: str | None
    synonyms: list[str]
    abbreviations: list[str]
    stage: str | None
    authorities: list[str]

    def to_dict(self) -> dict:
        """JSON form."""
        return asdict(self)


@dataclass
class TopicList:
    """``GET /api/topics``: the topics, and the cohorts and roles a filter accepts."""

    topics: list[TopicEntry]
    cohorts: list[str]
    roles: list[str]

    def to_dict(self) -> dict:
        """JSON form."""
        return {"topics": [t.to_dict() for t in self.topics], "cohorts": list(self.cohorts), "roles": list(self.roles)}


@dataclass
class DocumentList:
    """``GET /api/documents`` / ``standards documents``."""

    documents: list[DocumentInfo]

    def to_dict(self) -> dict:
        """JSON form."""
        return {"documents": [asdict(d) for d in self.documents]}


def clause_dict(clause: Clause) -> dict:
    """A clause of a document view: text as written and plain, where it sits, its table context."""
    return {
        "id": clause.id,
        "ordinal": clause.ordinal,
        "clause_ref": clause.clause_ref,
        "heading_path": clause.heading_path,
        "text": clause.text,
        "plain_text": clause.plain_text,
        "start": clause.start,
        "end": clause.end,
        "page": clause.page,
        "cohort_context": clause.cohort_context,
        "role_context": clause.role_context,
        "label": citation_label(clause.authority, clause.section, clause.clause_ref, clause.page),
    }


@dataclass
class DocumentSection:
    """A heading of a document and the clauses that sit directly under it."""

    ordinal: int
    heading_path: list[str]
    start: int
    end: int
    clauses: list[Clause] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return {"ordinal": self.ordinal, "heading_path": self.heading_path, "start": self.start, "end": self.end,
                "clauses": [clause_dict(c) for c in self.clauses]}


@dataclass
class DocumentView:
    """``GET /api/documents/{id}``: the current version as sections with clauses, its
    obligations and the conflicts (across the authority's documents) that touch it."""

    document: DocumentInfo
    sections: list[DocumentSection]
    obligations: list[ObligationView]
    conflicts: list[ConflictView]

    def to_dict(self) -> dict:
        """JSON form."""
        return {
            "document": asdict(self.document),
            "sections": [s.to_dict() for s in self.sections],
            "obligations": [o.to_dict() for o in self.obligations],
            "conflicts": [c.to_dict() for c in self.conflicts],
        }


@dataclass
class ClauseView:
    """``GET /api/clauses/{id}`` / ``standards show``: one clause with where it sits, its
    neighbours and its obligations."""

    clause: Clause
    document_title: str | None
    is_current: bool
    previous: Clause | None
    next: Clause | None
    obligations: list[ObligationView]

    def to_dict(self) -> dict:
        """JSON form: the citation fields of the clause, its context and its obligations."""
        c = self.clause
        return CitationView.from_clause(c).to_dict() | {
            "document_title": self.document_title,
            "plain_text": c.plain_text,
            "heading_path": c.heading_path,
            "cohort_context": c.cohort_context,
            "role_context": c.role_context,
            "is_current": self.is_current,
            "version_id": c.version_id,
            "previous": CitationView.from_clause(self.previous).to_dict() if self.previous else None,
            "next": CitationView.from_clause(self.next).to_dict() if self.next else None,
            "obligations": [o.to_dict() for o in self.obligations],
        }


@dataclass
class SearchResult:
    """One ranked clause: its citation, fused score and the rank each retriever gave it."""

    rank: int
    clause: Clause
    score: float
    bm25_rank: int | None
    dense_rank: int | None

    def to_dict(self) -> dict:
        """JSON form: the citation fields (``label`` included) plus the ranking."""
        c = self.clause
        return CitationView.from_clause(c).to_dict() | {
            "rank": self.rank,
            "score": self.score,
            "bm25_rank": self.bm25_rank,
            "dense_rank": self.dense_rank,
            "plain_text": c.plain_text,
            "cohort_context": c.cohort_context,
            "role_context": c.role_context,
        }


@dataclass
class SearchResults:
    """``POST /api/search`` / ``standards search``."""

    query: str
    mode: str
    filters: dict[str, Any]
    results: list[SearchResult]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return {"query": self.query, "mode": self.mode, "filters": self.filters,
                "results": [r.to_dict() for r in self.results], "notes": list(self.notes)}


@dataclass
class DeadlineResult:
    """``POST /api/deadline`` / ``standards deadline``: the due date for one duty, how it was
    reached, and the authority's other duties on the topic."""

    deadline: Deadline
    obligation: ObligationView
    citation: CitationView | None
    alternatives: list[ObligationView] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form: the calculation, the obligation, its citation and the alternatives."""
        ob = self.obligation.obligation
        return self.deadline.to_dict() | {
            "description": self.obligation.description,
            "obligation_id": ob.id,
            "authority": ob.authority,
            "obligation": self.obligation.to_dict(),
            "citation": self.citation.to_dict() if self.citation else None,
            "alternatives": [
                {"obligation_id": o.obligation.id, "timescale": o.description, "description": o.description,
                 "duty": duty_label(o.obligation), "cohort": o.obligation.cohort}
                for o in self.alternatives
            ],
            "notes": list(self.notes),
        }


@dataclass
class ExportRequest:
    """A trainer export's parameters as resolved (canonical names) and the notes to show."""

    role: str | None
    authorities: list[str]
    cross_authority: bool
    cohort: str | None = None
    topic: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return asdict(self)


@dataclass
class BaselineList:
    """``GET /api/baseline`` / ``standards baseline``: each authority's standards against the
    national minimum (``service.baseline.BaselineReport``), and how its name was read."""

    reports: list[Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return {"reports": [r.to_dict() for r in self.reports], "notes": list(self.notes)}

    def csv_rows(self) -> list:
        """Every report's CSV rows, in order (``service.baseline.rows_to_csv`` writes them)."""
        return [row for r in self.reports for row in r.csv_rows()]


# --- compare -----------------------------------------------------------------------------
# How an authority's figure stands against the national minimum (filled by service/baseline.py):
# "not_comparable" when its standards in the row allow no comparison (a limit on how often
# rather than how rarely, say), with the reason in ``ComparisonRow.national_explanations``.
Verdict = Literal["stricter", "same", "looser", "silent", "not_comparable"]

# How every view heads the national column: a national figure is never an authority's own.
NATIONAL_LABEL = "National (statutory guidance)"


@dataclass
class ComparisonCell:
    """One authority's figure in a comparison row, with its duty, description and citation."""

    obligation: ObligationView
    citation: CitationView | None
    text: str  # the clause as written (the quote is checked against it)

    def to_dict(self) -> dict:
        """JSON form. ``timescale`` repeats ``description`` (the field existing clients read)."""
        ob = self.obligation.obligation
        t = ob.timescale
        return {
            "obligation_id": ob.id,
            "description": self.obligation.description,
            "timescale": self.obligation.description,
            "kind": t.kind,
            "phrase": t.phrase,
            "approx_days": list(t.approx_days) if t.approx_days else None,
            "duty": duty_label(ob),
            "label": ob.label,
            "action": ob.action,
            "phase": ob.phase,
            "qualifiers": list(ob.qualifiers),
            "cohort": ob.cohort,
            "conditions": ob.conditions,
            "quote": ob.citation.quote,
            "text": self.text,
            "citation": self.citation.to_dict() if self.citation else None,
            "citation_label": self.citation.label if self.citation else self.obligation.citation_label,
        }


@dataclass
class NationalCell:
    """The national (statutory) figure for a row's duty: always labelled national.

    Filled by ``service.baseline.national_column`` from ``service/data/national.yaml`` (see
    ``ComparisonRow``). ``verified`` is False only when the caller asked for figures not
    verified against their source; ``source`` then says so too.
    """

    description: str
    source: str  # e.g. "national: Care Planning Regulations 2010, reg 28(2)(b)"
    quote: str  # the wording the figure rests on, verbatim
    approx_days: tuple[float, float] | None = None
    label: str = NATIONAL_LABEL
    entry_id: str | None = None
    duty: str | None = None
    instrument: str | None = None
    url: str | None = None
    verified: bool = True

    def to_dict(self) -> dict:
        """JSON form (``national`` is always true)."""
        data = asdict(self)
        data["approx_days"] = list(self.approx_days) if self.approx_days else None
        data["national"] = True
        return data


@dataclass
class ComparisonRow:
    """One duty across authorities: the cells of each authority (empty: no standard found).

    Rows are keyed by the duty as the extractor frames it: the kind of timescale, its phase
    ("first", "subsequent"), the cohort and its qualifiers, and (for deadlines) the event it
    runs from. ``label`` names the duty (the extractor's label, else its action; the topic
    when neither is known). ``guarantee_days`` is each authority's loosest figure in the row in
    approximate calendar days (what it guarantees; ``strictest``/``most_lenient`` compare it).

    The national column (``service.baseline.national_column``): when the row's duty (topic,
    kind, anchor, phase, cohort and the narrower group its qualifiers name) is one national
    duty, ``national`` is its figure and, for each authority in the comparison,
    ``verdicts[authority]`` is "stricter" / "same" / "looser" (its loosest figure in the row
    against the national one, exactly where the units allow, else in calendar days with the
    conversion shown), "not_comparable", or "silent" (no cell: the national figure applies).
    Rows whose duty matches no national duty, or several, keep ``national`` None.
    """

    key: str
    label: str
    kind: str
    phase: str | None
    cohort: str | None
    qualifiers: list[str]
    anchor: str | None
    cells: dict[str, list[ComparisonCell]]
    guarantee_days: dict[str, float] = field(default_factory=dict)
    strictest: list[str] | None = None
    most_lenient: list[str] | None = None
    national: NationalCell | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    # Per authority: the verdict in words, both figures with both citations and any conversion.
    national_explanations: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON form (``cells`` keyed by authority, in the comparison's order)."""
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "phase": self.phase,
            "cohort": self.cohort,
            "qualifiers": list(self.qualifiers),
            "anchor": self.anchor,
            "cells": {a: [c.to_dict() for c in cells] for a, cells in self.cells.items()},
            "guarantee_days": dict(self.guarantee_days),
            "strictest": self.strictest,
            "most_lenient": self.most_lenient,
            "national": self.national.to_dict() if self.national else None,
            "verdicts": dict(self.verdicts),
            "national_explanations": dict(self.national_explanations),
        }


@dataclass
class Comparison:
    """``GET /api/compare`` / ``standards compare``: one topic across authorities."""

    topic: str
    cohort: str | None
    authorities: list[str]
    rows: list[ComparisonRow]
    gaps: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return {
            "topic": self.topic,
            "cohort": self.cohort,
            "authorities": list(self.authorities),
            "rows": [r.to_dict() for r in self.rows],
            "gaps": list(self.gaps),
            "notes": list(self.notes),
        }


# --- ask (POST /api/ask, `standards ask`, `standards chat`) ------------------------------
@dataclass
class Statement:
    """One authority's answer, stated in the document's words.

    ``figure`` is the timescale asked about, phrased once by
    ``extractors.timescale.describe_timescale`` (None for who / what answers and when the
    standard covers the event but sets no timescale: ``kind`` "no_timescale"). ``sentence`` is
    the quoted sentence (markup removed; a long one is cut around its marks with "…"),
    ``marks`` the [start, end) spans in it of the figure(s) or role(s) the answer rests on,
    ``items`` the list it introduces, ``qualifiers`` whom and when it applies to in the
    document's words. ``national`` is True only for a national figure (labelled so).
    """

    authority: str
    kind: str  # "figure" | "quote" | "no_timescale"
    sentence: str
    citation: CitationView
    figure: str | None = None
    written: str | None = None  # the figure as the document writes it ("six weeks")
    marks: list[tuple[int, int]] = field(default_factory=list)
    qualifiers: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    other_figures: list[str] = field(default_factory=list)  # the sentence's other figures, phrased
    obligation_id: str | None = None
    sentence_id: str | None = None
    national: bool = False

    def text(self) -> str:
        """The statement as one line of plain text (the ``answer`` field is built from these)."""
        quote = f"“{self.sentence}”"
        items = "".join(f"\n  - {item}" for item in self.items)
        quals = f" ({'; '.join(self.qualifiers)})" if self.qualifiers else ""
        label = self.citation.label
        if self.kind == "figure":
            also = f" Also in this sentence: {'; '.join(self.other_figures)}." if self.other_figures else ""
            return f"{self.authority}: {self.figure}{quals} — {quote} [{label}]{items}{also}"
        if self.kind == "no_timescale":
            return f"{self.authority}: {label} covers this but sets no timescale — {quote}{items}"
        return f"{self.authority}:{quals} {quote} [{label}]{items}"

    def to_dict(self) -> dict:
        """JSON form (the API's ``statements[]`` entries)."""
        data = asdict(self)
        data["marks"] = [list(m) for m in self.marks]
        data["citation"] = self.citation.to_dict()
        data["text"] = self.text()
        return data


@dataclass
class Answer:
    """What ``ask`` returns: statements per authority, or an abstention with the nearest clauses.

    ``answer`` is the whole answer as plain text; ``citations`` every clause an answer or note
    rests on (with its text, which quotes are checked against); ``nearest`` the closest clauses
    when nothing answers; ``notes`` what the reader must know (a name read as a misspelling, a
    premise that does not match the document, a follow-up's borrowed parts).
    """

    text: str
    reading: dict
    answer: str
    abstained: bool
    authorities: list[str]
    statements: list[Statement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nearest: list[CitationView] = field(default_factory=list)
    citations: list[CitationView] = field(default_factory=list)
    obligations: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    deadline: dict | None = None
    # The national baseline's word per authority (service.baseline.NationalFallback.to_dict):
    # its figure where the authority's standards are silent, or both where the local one is looser.
    national: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ``POST /api/ask`` response."""
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "authorities": self.authorities,
            "statements": [s.to_dict() for s in self.statements],
            "notes": self.notes,
            "nearest": [c.to_dict() for c in self.nearest],
            "citations": [c.to_dict() for c in self.citations],
            "obligations": self.obligations,
            "conflicts": self.conflicts,
            "deadline": self.deadline,
            "national": self.national,
            "question": {"text": self.text, **self.reading},
        }
