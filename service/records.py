"""What the query layer returns: typed records that the HTTP routes serialise (``to_dict()``)
and the CLI renders. Neither the routes nor the commands build answers themselves.

Sections: shared pieces (citations) first, then one section per query (ask, compare,
deadlines, ...), each owned by the developer of that query (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
