"""What the query layer returns: typed records that the HTTP routes serialise (``to_dict()``)
and the CLI renders. Neither the routes nor the commands build answers themselves.

Sections: shared pieces (citations) first, then one section per query (ask, compare,
deadlines, ...), each owned by the developer of that query (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ingest.records import Clause


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
        return asdict(self)


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
            "question": {"text": self.text, **self.reading},
        }
