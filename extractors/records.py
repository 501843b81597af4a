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
    # The anchor event as written in the sentence ("it being completed", "the Initial Child
    # Protection Conference"); ``anchor`` is its canonical event ("accommodated", "coming into
    # care" and "becoming looked after" are one event).
    anchor_text: str | None = None
    # A hedge's non-binding figure ("ideally weekly, but at least every two weeks": the binding
    # timescale is "every two weeks", the hedge "ideally weekly"), kept as written.
    hedge: str | None = None

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
    """One duty with one timescale, as written in one clause: its duty frame.

    ``action`` is what must be done, verb + object in the document's words ("sign off the core
    group minutes"); ``label`` a short display form of it. ``topic`` is the canonical topic the
    action is about (None when it fits none: still searchable and answerable). ``cohort`` is
    the canonical cohort, ``qualifiers`` narrow it in the document's words ("under 1",
    "red-rated", "placed with parents pending assessment"). ``phase`` says which occurrence
    ("first", "second", "subsequent", "first year", "after the first year"); ``conditions`` when
    it applies ("if complex", "in an emergency"). ``sentence_id`` is the stored sentence
    (``ingest.sentences.sentence_id``) the duty is stated in.
    """

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
    label: str | None = None
    phase: str | None = None
    qualifiers: list[str] = field(default_factory=list)
    sentence_id: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Conflict:
    """Two obligations of one authority stating the same duty.

    ``kind`` "conflict": materially different figures; "equivalent": the same time worded
    differently ("20 working days / 4 weeks" against "28 days"). ``same_duty`` says why the two
    are the same duty (action, cohort, phase, condition, anchor and relation compared).
    """

    authority: str
    topic: str
    cohort: str | None
    anchor: str | None
    obligations: list[Obligation]
    reason: str
    kind: Literal["conflict", "equivalent"] = "conflict"
    same_duty: str = ""
