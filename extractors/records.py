"""Typed records of the extraction stage."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

TimescaleKind = Literal["deadline", "frequency", "immediate"]
Unit = Literal["working_day", "day", "hour", "week", "month", "year", "term"]
Bound = Literal["at_most", "at_least", "exact"]
Modality = Literal["must", "will", "should", "may"]


@dataclass
class Timescale:
    """A normalised timescale phrase.

    ``value``/``unit`` as written ("10 working days" -> 10, working_day; "6 weekly" -> 6, week;
    "fortnightly" -> 2, week; "twice a year" -> 6, month; "termly" -> 1, term). ``value_max`` is
    set for ranges ("3-5 days"). ``immediate`` has value and unit None. ``anchor`` is the
    event it runs from, canonicalised where the taxonomy knows it ("initial child protection
    conference"); ``anchor_relation`` is "after" or "before" ("at least 5 days before the
    conference"). ``approx_days`` is a (min, max) range in calendar days for comparison;
    ``approximate`` says whether a unit conversion was involved (working days, months, terms).
    ``start``/``end`` locate ``phrase`` inside the clause text.
    """

    kind: TimescaleKind
    value: float | None
    unit: Unit | None
    phrase: str
    start: int
    end: int
    value_max: float | None = None
    bound: Bound | None = None
    anchor: str | None = None
    anchor_relation: Literal["after", "before"] | None = None
    approx_days: tuple[float, float] | None = None
    approximate: bool = False
    # The same figure written a second way ("20 working days/4 weeks" -> "4 weeks"; "9 days
    # (7 working days)" -> "7 working days"): kept as written, never a second obligation.
    alternative: str | None = None

    def describe(self) -> str:
        """Plain words: "within 10 working days of the initial child protection conference"."""
        from extractors.timescale import describe_timescale  # local: keeps records import-light

        return describe_timescale(self)


@dataclass
class Citation:
    """Where an obligation comes from: the clause and the span of the timescale phrase.

    ``start``/``end`` are offsets into the document version's text (not the clause).
    """

    clause_id: str
    document_id: str
    authority: str
    section: str
    clause_ref: str | None
    page: int | None
    start: int
    end: int
    quote: str


@dataclass
class Obligation:
    """One duty with one timescale, as written in one clause."""

    id: str
    authority: str
    document_id: str
    clause_id: str
    topic: str | None
    actor: str | None
    action: str | None
    cohort: str | None
    modality: Modality | None
    conditions: str | None
    timescale: Timescale
    citation: Citation
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Conflict:
    """Two obligations of one authority on the same topic, cohort and anchor with different timescales."""

    authority: str
    topic: str
    cohort: str | None
    anchor: str | None
    obligations: list[Obligation]
    reason: str
