"""The statutory baseline: one authority's standards checked against the national minimum.

The national figures live in ``service/data/national.yaml`` as obligation-shaped entries
(topic, cohort, phase, timescale with its anchor), each with the verbatim wording it rests on
and where that wording was read. This module loads and checks them (``load_national``), finds
the ones for a duty (``national_for``), compares one local obligation with one national entry
(``verdict``) and builds an authority's report (``baseline_report`` / ``baseline_for``).

How a local obligation is matched to a national duty
----------------------------------------------------
Same topic; the same kind (a deadline, or an immediate duty, against a deadline; a frequency
against a frequency); a cohort the national duty covers (or none stated); the same phase when
the local standard states one; not a "before" deadline against an "after" one. A national
duty for a narrower group (``match_terms``: "temporarily approved", "care order", ...) takes
only the local standards whose own sentence, conditions or table row name that group, and the
general duty takes the rest. A deadline is compared only when it runs from the same event as
the national one; otherwise it is listed as *not comparable* with both events named. When the
local standard states no phase and the national figure differs by phase (first year / after),
the local figure is read as the phase it meets, if any (so an unphased "every 12 weeks" is not
flagged against the first year when it meets the figure for later years), and the reading is
said in a note.

How figures are compared
------------------------
Figures in the same unit, or in units of fixed length (hours, days, weeks), compare exactly.
Otherwise both are converted to calendar days with ``extractors.timescale.approx_days``
(working day = 7/5 days, month = 365.25/12, term = 365/3, year = 365), the conversion is
shown and the comparison is marked approximate. A deadline's figure is the longest time it
allows; a frequency's figure is the longest interval it allows between two visits, so "every
4 weeks" is stricter than "at intervals of not more than 6 weeks".

No national figure is ever presented as an authority's own: every national figure carries a
label that says "national" and names its instrument and provision.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from extractors.records import Obligation, Timescale
from extractors.timescale import (
    APPROXIMATE_UNITS,
    DAYS_PER_UNIT,
    approx_days,
    describe_timescale,
    find_timescales,
)
from ingest.errors import NationalDataError
from ingest.records import Clause

DATA_PATH = Path(__file__).resolve().parent / "data" / "national.yaml"

# Two figures whose calendar-day conversions differ by less than this fraction are the same
# period written two ways: approx_days converts 12 months to 365.25 days and 1 year to 365
# (0.07% apart), and 20 working days and 4 weeks both to 28. The closest figures that really
# differ, 4 weeks against 1 month, are 8% apart, far outside it.
SAME_WITHIN = 0.02

# The taxonomy's cohort for every child: a national duty for all children covers any narrower
# cohort a local standard names (a child in need's assessment is still a child's assessment).
ALL_CHILDREN = "all children"

VerdictName = Literal["stricter", "same", "looser", "not_comparable"]
DutyVerdict = Literal["stricter", "same", "looser", "not_comparable", "silent", "no_national_figure"]

_KINDS = ("deadline", "frequency", "immediate")
_BOUNDS = ("at_most", "at_least", "exact")
_RELATIONS = ("after", "before")
_EVIDENCE = ("primary", "quoted", "secondary", "none")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Units of fixed length: figures in these compare exactly after conversion to days.
_EXACT_UNITS = frozenset(DAYS_PER_UNIT) - APPROXIMATE_UNITS
# Verdict order from the strictest to the loosest: an authority guarantees its loosest figure.
_ORDER = {"stricter": 0, "same": 1, "looser": 2}


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NationalTimescale:
    """A national figure, in the same terms as ``extractors.records.Timescale``.

    ``anchor`` is the canonical event (the taxonomy's name where it has one), ``anchor_text``
    the event as the source writes it, ``phrase`` the timescale as written in the wording.
    """

    kind: str
    value: float | None
    unit: str | None
    phrase: str
    bound: str | None = None
    anchor: str | None = None
    anchor_text: str | None = None
    relation: str | None = None

    def as_timescale(self) -> Timescale:
        """The figure as an extraction-stage ``Timescale`` (for describing and converting)."""
        return Timescale(
            kind=self.kind,  # type: ignore[arg-type]
            value=self.value,
            unit=self.unit,  # type: ignore[arg-type]
            phrase=self.phrase,
            start=0,
            end=len(self.phrase),
            bound=self.bound,  # type: ignore[arg-type]
            anchor=self.anchor,
            anchor_relation=self.relation,  # type: ignore[arg-type]
            approx_days=approx_days(self.value, self.unit),
            approximate=self.unit in APPROXIMATE_UNITS,
            anchor_text=self.anchor_text,
        )

    def describe(self) -> str:
        """Plain words, phrased by the one describer: "within 20 working days of ..."."""
        return describe_timescale(self.as_timescale())


@dataclass(frozen=True)
class NationalSource:
    """Where a national figure comes from: instrument, provision and the page it was read on."""

    instrument: str
    short: str
    provision: str
    url: str


@dataclass(frozen=True)
class NationalEntry:
    """One national duty with its figure (or with ``no_national_figure``), shaped like an obligation."""

    id: str
    topic: str
    cohort: str
    duty: str
    source: NationalSource
    wording: str
    verified: bool
    evidence: str
    timescale: NationalTimescale | None = None
    also_cohorts: tuple[str, ...] = ()
    phase: str | None = None
    qualifiers: tuple[str, ...] = ()
    match_terms: tuple[str, ...] = ()
    anchor_note: str | None = None
    note: str | None = None
    no_national_figure: bool = False

    @property
    def cohorts(self) -> tuple[str, ...]:
        """Every local cohort this national duty covers."""
        return (self.cohort, *self.also_cohorts)

    @property
    def citation(self) -> str:
        """The instrument and the provision ("Care Planning Regulations 2010, reg 7")."""
        if self.source.provision in ("", "none"):
            return self.source.short
        return f"{self.source.short}, {self.source.provision}"

    @property
    def label(self) -> str:
        """How every view names it: always "national", the instrument and the provision."""
        text = f"national: {self.citation}"
        if not self.verified and not self.no_national_figure:
            text += " (not verified against its source)"
        return text

    @property
    def description(self) -> str | None:
        """The national figure in plain words, or None when national law sets none."""
        return self.timescale.describe() if self.timescale else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: every field, with the label and description."""
        data = asdict(self)
        data["label"] = self.label
        data["description"] = self.description
        return data


@dataclass
class NationalBaseline:
    """The loaded national entries and the phase vocabulary."""

    entries: list[NationalEntry]
    phases: dict[str, tuple[str, ...]]
    path: Path
    # Words that say nothing about which children a standard is for ("child", "visit"): the
    # file's ``generic_words``; function words come from spaCy's English stop list.
    generic_words: frozenset[str] = frozenset()

    def get(self, entry_id: str) -> NationalEntry:
        """The entry with this id (NationalDataError naming the known ids if there is none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise NationalDataError(f"No national entry {entry_id!r}; known: {', '.join(e.id for e in self.entries)}.")

    def canonical_phase(self, text: str | None) -> str | None:
        """The phase ``text`` names ("during the first year" -> "first year"), None if none."""
        if not text:
            return None
        folded = " ".join(text.casefold().split())
        for name, synonyms in self.phases.items():
            if folded == name or folded in synonyms:
                return name
        return None

    def national_for(self, topic: str, cohort: str | None = None, phase: str | None = None,
                     include_unverified: bool = False) -> list[NationalEntry]:
        """National entries for a duty: its topic, optionally a cohort it covers and its phase.

        Unverified figures are left out unless asked for (and then their label says so);
        entries recording that national law sets no figure are always included.
        """
        wanted_phase = self.canonical_phase(phase) if phase else None
        out = []
        for entry in self.entries:
            if entry.topic != topic:
                continue
            if cohort and cohort not in entry.cohorts:
                continue
            if phase and entry.phase and entry.phase != wanted_phase:
                continue
            if not entry.verified and not entry.no_national_figure and not include_unverified:
                continue
            out.append(entry)
        return out


@dataclass
class FigureComparison:
    """A local figure against a national one, in calendar days where units differ.

    ``direction`` is stricter / same / looser, or not_comparable with ``reason``. ``local_days``
    and ``national_days`` are the longest time each allows; ``approximate`` is True when a unit
    conversion was involved, and ``conversion`` then shows it.
    """

    direction: VerdictName
    local_days: float | None = None
    national_days: float | None = None
    approximate: bool = False
    conversion: str | None = None
    reason: str | None = None


@dataclass
class LocalSource:
    """The local standard a verdict rests on: its citation label, the clause and the quoted words."""

    authority: str
    obligation_id: str
    clause_id: str
    document_id: str
    label: str
    quote: str
    sentence: str | None
    section: str | None
    clause_ref: str | None


@dataclass
class Verdict:
    """One local obligation against one national entry, with a plain-language explanation."""

    verdict: VerdictName
    entry_id: str
    national_label: str
    national_figure: str
    national_wording: str
    national_url: str
    national_verified: bool
    local_figure: str
    local: LocalSource
    comparison: FigureComparison | None
    explanation: str
    notes: list[str] = field(default_factory=list)
    reason: str | None = None  # why it is not_comparable: not the same duty, another event, ...

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass
class DutyResult:
    """One national duty for one authority: the verdict, the local standards behind it."""

    entry: NationalEntry
    verdict: DutyVerdict
    explanation: str
    matches: list[Verdict] = field(default_factory=list)
    related: list[Verdict] = field(default_factory=list)
    local_figures: list[Verdict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "national": self.entry.to_dict(),
            "verdict": self.verdict,
            "explanation": self.explanation,
            "matches": [v.to_dict() for v in self.matches],
            "related": [v.to_dict() for v in self.related],
            "local_figures": [v.to_dict() for v in self.local_figures],
        }


@dataclass
class BaselineReport:
    """One authority's standards checked against every national duty."""

    authority: str
    duties: list[DutyResult]
    include_unverified: bool
    unverified_not_compared: list[NationalEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def looser(self) -> list[DutyResult]:
        """Red flags: national duties where the authority's figure is looser."""
        return [d for d in self.duties if d.verdict == "looser"]

    @property
    def silent(self) -> list[DutyResult]:
        """National duties the authority's standards do not mention (the national figure applies)."""
        return [d for d in self.duties if d.verdict == "silent"]

    def summary(self) -> dict[str, int]:
        """How many national duties got each verdict."""
        counts: dict[str, int] = {}
        for d in self.duties:
            counts[d.verdict] = counts.get(d.verdict, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """JSON form: flags and silences first, then every duty."""
        return {
            "authority": self.authority,
            "include_unverified": self.include_unverified,
            "summary": self.summary(),
            "looser": [d.to_dict() for d in self.looser],
            "silent": [d.to_dict() for d in self.silent],
            "duties": [d.to_dict() for d in self.duties],
            "unverified_not_compared": [
                {"id": e.id, "duty": e.duty, "figure": e.description, "label": e.label, "note": e.note}
                for e in self.unverified_not_compared
            ],
            "notes": list(self.notes),
        }

    def csv_rows(self) -> list[dict[str, str]]:
        """One row per national duty and local standard (a silent duty is one row)."""
        rows = []
        for d in self.duties:
            items = (d.matches + d.related) or d.local_figures or [None]
            for v in items:
                rows.append({
                    "authority": self.authority,
                    "topic": d.entry.topic,
                    "cohort": d.entry.cohort,
                    "phase": d.entry.phase or "",
                    "duty": d.entry.duty,
                    "duty_verdict": d.verdict,
                    "verdict": v.verdict if v is not None and (v in d.matches or v in d.related) else d.verdict,
                    "national_figure": d.entry.description or "no national figure",
                    "national_source": d.entry.label,
                    "national_url": d.entry.source.url,
                    "national_verified": "yes" if d.entry.verified else "no",
                    "local_figure": v.local_figure if v else "",
                    "local_source": v.local.label if v else "",
                    "local_quote": v.local.quote if v else "",
                    "approximate": "yes" if v and v.comparison and v.comparison.approximate else "",
                    "conversion": (v.comparison.conversion or "") if v and v.comparison else "",
                    "explanation": v.explanation if v else d.explanation,
                })
        return rows

    def to_csv(self) -> str:
        """The rows as CSV text (header first)."""
        return rows_to_csv(self.csv_rows())


def rows_to_csv(rows: list[dict[str, str]]) -> str:
    """CSV text of report rows (the same columns for one authority or several)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


CSV_COLUMNS = [
    "authority", "topic", "cohort", "phase", "duty", "duty_verdict", "verdict", "national_figure", "national_source",
    "national_url", "national_verified", "local_figure", "local_source", "local_quote", "approximate",
    "conversion", "explanation",
]


# --------------------------------------------------------------------------------------------
# Loading and checking the data
# --------------------------------------------------------------------------------------------
def _fail(path: Path, where: str, message: str) -> NationalDataError:
    return NationalDataError(f"{path}: {where}: {message}")


def _text(raw: dict, key: str, path: Path, where: str, required: bool = True, allow_empty: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise _fail(path, where, f"'{key}' is missing")
        return None
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _fail(path, where, f"'{key}' must be text, got {value!r}")
    return value


def _texts(raw: dict, key: str, path: Path, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, f"'{key}' must be a list of text, got {value!r}")
    return tuple(value)


def _timescale(raw: Any, path: Path, where: str) -> NationalTimescale:
    if not isinstance(raw, dict):
        raise _fail(path, where, f"'timescale' must be a mapping, got {raw!r}")
    known = {"kind", "value", "unit", "bound", "anchor", "anchor_text", "relation", "phrase"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(path, where, f"unknown timescale field(s) {unknown}; expected {sorted(known)}")
    kind = raw.get("kind")
    if kind not in _KINDS:
        raise _fail(path, where, f"timescale.kind {kind!r} is not one of {list(_KINDS)}")
    value, unit = raw.get("value"), raw.get("unit")
    if kind == "immediate":
        if value is not None or unit is not None:
            raise _fail(path, where, "an immediate timescale has no value or unit")
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise _fail(path, where, f"timescale.value must be a positive number, got {value!r}")
        if unit not in DAYS_PER_UNIT:
            raise _fail(path, where, f"timescale.unit {unit!r} is not one of {sorted(DAYS_PER_UNIT)}")
    bound = raw.get("bound")
    if bound is not None and bound not in _BOUNDS:
        raise _fail(path, where, f"timescale.bound {bound!r} is not one of {list(_BOUNDS)} (or absent)")
    relation = raw.get("relation")
    if relation is not None and relation not in _RELATIONS:
        raise _fail(path, where, f"timescale.relation {relation!r} is not one of {list(_RELATIONS)}")
    anchor = _text(raw, "anchor", path, where + " timescale", required=False)
    anchor_text = _text(raw, "anchor_text", path, where + " timescale", required=False)
    if anchor and not (anchor_text and relation):
        raise _fail(path, where, "a timescale with an anchor needs anchor_text (as written) and relation")
    if relation and not anchor:
        raise _fail(path, where, "timescale.relation is set but there is no anchor")
    phrase = _text(raw, "phrase", path, where + " timescale")
    return NationalTimescale(kind=kind, value=float(value) if value is not None else None, unit=unit,
                             phrase=phrase or "", bound=bound, anchor=anchor, anchor_text=anchor_text,
                             relation=relation)


def _entry(raw: Any, index: int, path: Path, phases: dict[str, tuple[str, ...]], taxonomy: Any) -> NationalEntry:
    where = f"entry {index + 1}"
    if not isinstance(raw, dict):
        raise _fail(path, where, f"must be a mapping, got {raw!r}")
    entry_id = _text(raw, "id", path, where)
    assert entry_id is not None
    if not _ID.match(entry_id):
        raise _fail(path, where, f"id {entry_id!r} must be lower-case words joined by hyphens")
    where = f"entry {entry_id!r}"
    known = {"id", "topic", "cohort", "also_cohorts", "phase", "qualifiers", "match_terms", "duty", "timescale",
             "anchor_note", "source", "wording", "verified", "evidence", "note", "no_national_figure"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(path, where, f"unknown field(s) {unknown}; expected some of {sorted(known)}")
    topic = _text(raw, "topic", path, where)
    if topic not in taxonomy.topic_names():
        raise _fail(path, where, f"topic {topic!r} is not a canonical topic (TOPICS.md / extractors/data/taxonomy.yaml)")
    cohorts = set(taxonomy.cohort_names())
    cohort = _text(raw, "cohort", path, where)
    also = _texts(raw, "also_cohorts", path, where)
    for c in (cohort, *also):
        if c not in cohorts:
            raise _fail(path, where, f"cohort {c!r} is not a taxonomy cohort; known: {', '.join(sorted(cohorts))}")
    phase = _text(raw, "phase", path, where, required=False)
    if phase is not None and phase not in phases:
        raise _fail(path, where, f"phase {phase!r} is not one of the phases {sorted(phases)}")
    verified = raw.get("verified")
    if not isinstance(verified, bool):
        raise _fail(path, where, f"'verified' must be true or false, got {verified!r}")
    evidence = raw.get("evidence")
    if evidence not in _EVIDENCE:
        raise _fail(path, where, f"evidence {evidence!r} is not one of {list(_EVIDENCE)}")
    if verified and evidence not in ("primary", "quoted"):
        raise _fail(path, where, f"an entry with evidence {evidence!r} cannot be verified (only primary or quoted)")
    no_figure = raw.get("no_national_figure", False)
    if not isinstance(no_figure, bool):
        raise _fail(path, where, f"'no_national_figure' must be true or false, got {no_figure!r}")
    source_raw = raw.get("source")
    if not isinstance(source_raw, dict):
        raise _fail(path, where, "'source' must be a mapping with instrument, short, provision and url")
    source = NationalSource(
        instrument=_text(source_raw, "instrument", path, where + " source") or "",
        short=_text(source_raw, "short", path, where + " source") or "",
        provision=_text(source_raw, "provision", path, where + " source") or "",
        url=_text(source_raw, "url", path, where + " source", allow_empty=True) or "",
    )
    wording = _text(raw, "wording", path, where, allow_empty=no_figure) or ""
    timescale = None
    if no_figure:
        if raw.get("timescale") is not None:
            raise _fail(path, where, "an entry with no_national_figure has no timescale")
        if verified:
            raise _fail(path, where, "the absence of a national figure is recorded, not verified: set verified: false")
    else:
        timescale = _timescale(raw.get("timescale"), path, where)
        if timescale.phrase not in wording:
            raise _fail(path, where, f"timescale.phrase {timescale.phrase!r} does not occur in the wording")
        if timescale.anchor_text and timescale.anchor_text not in wording:
            raise _fail(path, where, f"timescale.anchor_text {timescale.anchor_text!r} does not occur in the wording")
        if verified and not source.url.startswith(("http://", "https://")):
            raise _fail(path, where, "a verified entry needs the address (http/https) of the page its wording was read on")
    return NationalEntry(
        id=entry_id, topic=topic or "", cohort=cohort or "", duty=_text(raw, "duty", path, where) or "",
        source=source, wording=wording, verified=verified, evidence=evidence, timescale=timescale,
        also_cohorts=also, phase=phase, qualifiers=_texts(raw, "qualifiers", path, where),
        match_terms=_texts(raw, "match_terms", path, where),
        anchor_note=_text(raw, "anchor_note", path, where, required=False),
        note=_text(raw, "note", path, where, required=False), no_national_figure=no_figure,
    )


def load_national(path: Path | None = None, taxonomy: Any = None) -> NationalBaseline:
    """Load and check the national baseline file; a NationalDataError names the entry and field."""
    path = Path(path) if path is not None else DATA_PATH
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    return _load(path, stamp, taxonomy)


@lru_cache(maxsize=8)
def _load_cached(path: Path, stamp: int | None) -> NationalBaseline:
    return _load_uncached(path, None)


def _load(path: Path, stamp: int | None, taxonomy: Any) -> NationalBaseline:
    if taxonomy is None:
        return _load_cached(path, stamp)
    return _load_uncached(path, taxonomy)


def _load_uncached(path: Path, taxonomy: Any) -> NationalBaseline:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NationalDataError(f"The national baseline file {path} is missing; restore it from git.") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NationalDataError(f"The national baseline file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list) or not raw["entries"]:
        raise NationalDataError(f"{path}: expected a mapping with a non-empty 'entries' list")
    phases_raw = raw.get("phases")
    if not isinstance(phases_raw, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(s, str) for s in v) for k, v in phases_raw.items()
    ):
        raise NationalDataError(f"{path}: 'phases' must map each phase name to a list of how it is written")
    phases = {k: tuple(" ".join(s.casefold().split()) for s in v) for k, v in phases_raw.items()}
    generic_raw = raw.get("generic_words") or []
    if not isinstance(generic_raw, list) or not all(isinstance(w, str) and w.strip() for w in generic_raw):
        raise NationalDataError(f"{path}: 'generic_words' must be a list of words")
    generic = frozenset(_stem(w) for w in generic_raw)
    if taxonomy is None:
        from extractors.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    entries = [_entry(e, i, path, phases, taxonomy) for i, e in enumerate(raw["entries"])]
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise NationalDataError(f"{path}: entry id {e.id!r} is used twice")
        seen.add(e.id)
    return NationalBaseline(entries=entries, phases=phases, path=path, generic_words=generic)


def wording_disagreements(entry: NationalEntry) -> list[str]:
    """How an entry's figure disagrees with its own wording, read by the timescale grammar.

    The grammar must find the entry's ``phrase`` in its ``wording`` with the same kind, value,
    unit and bound; an event it reads after the phrase must be the entry's anchor (the
    taxonomy's canonical name) in the same relation; and the entry's ``anchor_text`` must name
    the entry's ``anchor`` (or an ``anchor_note`` must say how it is read). Empty: they agree.
    """
    if entry.timescale is None:
        return [] if entry.no_national_figure else [f"{entry.id}: no timescale and not marked no_national_figure"]
    ts = entry.timescale
    found = [t for t in find_timescales(entry.wording) if entry.wording[t.start:t.end] == ts.phrase]
    if not found:
        read = [entry.wording[t.start:t.end] for t in find_timescales(entry.wording)]
        return [f"{entry.id}: the grammar does not read {ts.phrase!r} as a timescale in the wording (it reads {read})"]
    problems: list[str] = []
    for t in found[:1]:
        if t.kind != ts.kind:
            problems.append(f"{entry.id}: kind {ts.kind!r}, but the wording reads {t.kind!r}")
        if t.value != ts.value or t.unit != ts.unit:
            problems.append(f"{entry.id}: figure {_amount(ts.value, ts.unit)}, but the wording reads "
                            f"{_amount(t.value, t.unit)}")
        if t.bound != ts.bound:
            problems.append(f"{entry.id}: bound {ts.bound!r}, but the wording reads {t.bound!r}")
        if t.anchor_relation and t.anchor_relation != ts.relation:
            problems.append(f"{entry.id}: relation {ts.relation!r}, but the wording reads {t.anchor_relation!r}")
        read_anchor = _canonical_anchor(t.anchor)
        if read_anchor and read_anchor != ts.anchor:
            problems.append(f"{entry.id}: anchor {ts.anchor!r}, but the wording reads {read_anchor!r} ({t.anchor!r})")
    if ts.anchor and _anchor(ts.anchor_text) != ts.anchor and not entry.anchor_note:
        problems.append(f"{entry.id}: anchor_text {ts.anchor_text!r} does not name {ts.anchor!r} and no anchor_note says how it is read")
    return problems


def national_for(topic: str, cohort: str | None = None, phase: str | None = None,
                 include_unverified: bool = False) -> list[NationalEntry]:
    """The shipped national entries for a duty (see ``NationalBaseline.national_for``)."""
    return load_national().national_for(topic, cohort=cohort, phase=phase, include_unverified=include_unverified)


# --------------------------------------------------------------------------------------------
# Comparing figures
# --------------------------------------------------------------------------------------------
def _plain(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _amount(value: float | None, unit: str | None) -> str:
    if value is None or unit is None:
        return "the same day"
    words = {"working_day": "working day", "day": "day", "hour": "hour", "week": "week",
             "month": "month", "year": "year", "term": "term"}[unit]
    return f"{_plain(value)} {words}{'' if value == 1 else 's'}"


def _figure(ts: Timescale) -> tuple[float | None, str | None]:
    """The longest time a local figure allows (the upper end of a range)."""
    if ts.kind == "immediate":
        return None, None
    return (ts.value_max if ts.value_max is not None else ts.value), ts.unit


def _alternative_in(ts: Timescale, unit: str | None) -> tuple[float | None, str | None] | None:
    """The figure's second written form when it is in ``unit`` ("9 days (7 working days)")."""
    if not ts.alternative or unit is None:
        return None
    for alt in find_timescales(ts.alternative):
        if alt.unit == unit and alt.value is not None:
            return (alt.value_max if alt.value_max is not None else alt.value), alt.unit
    return None


def compare_figures(local: Timescale, national: NationalTimescale) -> FigureComparison:
    """Whether the local figure is stricter than, the same as or looser than the national one."""
    if national.kind == "frequency" and local.kind != "frequency":
        return FigureComparison("not_comparable", reason="the local standard is a deadline, the national one a frequency")
    if national.kind != "frequency" and local.kind == "frequency":
        return FigureComparison("not_comparable", reason="the local standard is a frequency, the national one a deadline")
    if local.kind == "frequency" and local.bound == "at_most":
        return FigureComparison("not_comparable", reason="the local figure limits how often, not how rarely")
    if local.kind == "deadline" and local.bound == "at_least":
        return FigureComparison("not_comparable", reason="the local figure is a minimum wait, not a time limit")
    value, unit = _figure(local)
    alt = _alternative_in(local, national.unit) if unit != national.unit else None
    if alt is not None:
        value, unit = alt
    n_value, n_unit = national.value, national.unit
    if value is not None and unit == n_unit:
        # Same unit: the written numbers compare exactly.
        direction = _direction(value, n_value or 0.0, exact=True)
        return FigureComparison(direction, _days(value, unit), _days(n_value, n_unit), approximate=False)
    local_days = _days(value, unit)
    national_days = _days(n_value, n_unit)
    exact = local.kind != "immediate" and unit in _EXACT_UNITS and n_unit in _EXACT_UNITS
    approximate = not exact
    conversion = None
    if approximate:
        parts = []
        if local.kind == "immediate":
            parts.append("the same day counted as up to 1 calendar day")
        else:
            parts.append(f"{_amount(value, unit)} ≈ {_plain(local_days)} calendar days")
        parts.append(f"{_amount(n_value, n_unit)} ≈ {_plain(national_days)} calendar days")
        conversion = "; ".join(parts) + _conversion_basis(unit, n_unit)
    return FigureComparison(_direction(local_days, national_days, exact=exact), local_days, national_days,
                            approximate=approximate, conversion=conversion)


def _conversion_basis(*units: str | None) -> str:
    notes = {
        "working_day": "a working day counted as 7/5 calendar days (bank holidays add more)",
        "month": "a month counted as 365.25/12 days",
        "term": "a term counted as a third of a year",
        "year": "a year counted as 365 days",
    }
    used = [notes[u] for u in dict.fromkeys(units) if u in notes]
    return f" ({'; '.join(used)})" if used else ""


def _days(value: float | None, unit: str | None) -> float:
    return float(max(approx_days(value, unit)))


def _direction(local: float, national: float, exact: bool) -> VerdictName:
    if exact:
        if local < national:
            return "stricter"
        return "same" if local == national else "looser"
    if abs(local - national) <= SAME_WITHIN * max(local, national):
        return "same"
    return "stricter" if local < national else "looser"


# --------------------------------------------------------------------------------------------
# Matching a local obligation to a national duty
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    """What a local standard says about itself, nearest first.

    ``near``: its extracted conditions and qualifiers and the words after it up to the next
    timescale of its sentence ("three monthly thereafter if the placement ... until the child
    is 18"), with the words before it when it is the sentence's first figure; ``lead``: the sentence's words before its first
    timescale ("If a child is placed with parents pending assessment, visits ..."), which scope
    the whole sentence; ``row``: the table row and section heading it sits under.
    ``after``/``before`` are the words after and before the figure, up to its neighbours;
    ``previous`` the sentence before it in the clause.
    """

    near: str
    lead: str
    row: str
    after: str = ""
    before: str = ""
    previous: str = ""
    first_in_sentence: bool = True

    def tiers(self) -> tuple[str, str, str, str]:
        """The places a standard names its group, nearest first: its own words, its sentence's
        lead-in, the sentence before ("Thereafter the child must be visited ..." continues it),
        its table row."""
        return (self.near, self.lead, self.previous, self.row)


def _sentence_of(clause: Clause | None, ob: Obligation) -> tuple[str, int, str] | None:
    """The sentence of ``clause`` holding the obligation's phrase, the phrase's offset in it and
    the sentence before it ("" for the first)."""
    if clause is None:
        return None
    return _sentence_at(clause.text, ob.citation.start - clause.start)


# Clause texts split into sentences kept (``_sentence_at``), and local standards' contexts kept
# (``_context``): one per local duty compared with the national baseline. A question asked of
# every authority compares a few hundred duties, the same ones question after question; a store
# of ~50 authorities' standards holds a few thousand. Keyed by everything they are read from,
# so a kept one is exact in any store generation; the contexts start over when full.
SENTENCE_CACHE_SIZE = 1 << 13
CONTEXT_CACHE_MAX = 1 << 13
_CONTEXTS: dict[tuple, _Context] = {}


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _sentence_at(text: str, offset: int) -> tuple[str, int, str] | None:
    """``_sentence_of`` for a clause's ``text`` and the phrase's ``offset`` in it."""
    from ingest.sentences import split_sentences

    previous = ""
    for sentence in split_sentences(text):
        if sentence.start <= offset < sentence.end:
            return sentence.text, offset - sentence.start, previous
        previous = sentence.text
    return None


def _context(ob: Obligation, clause: Clause | None) -> _Context:
    """What the local standard ``ob`` says about itself (``_Context``), read once per distinct
    obligation wording and clause (``CONTEXT_CACHE_MAX``): shared, never changed."""
    key = (ob.conditions, tuple(ob.qualifiers or ()), ob.citation.quote, ob.citation.start,
           None if clause is None else (clause.text, clause.start, clause.cohort_context,
                                        tuple(clause.heading_path or ())))
    found = _CONTEXTS.get(key)
    if found is None:
        if len(_CONTEXTS) >= CONTEXT_CACHE_MAX:
            _CONTEXTS.clear()
        found = _CONTEXTS[key] = _read_context(ob, clause)
    return found


def _read_context(ob: Obligation, clause: Clause | None) -> _Context:
    extracted = " ".join(filter(None, [ob.conditions, " ".join(ob.qualifiers or [])]))
    row = " ".join(filter(None, [clause.cohort_context if clause else None,
                                 clause.heading_path[-1] if clause and clause.heading_path else None]))
    found = _sentence_of(clause, ob)
    if found is None:
        return _Context(near=" ".join(filter(None, [extracted, ob.citation.quote])), lead="", row=row)
    sentence, at, previous = found
    spans = sorted((t.start, t.end) for t in find_timescales(sentence))
    if not spans:
        return _Context(near=" ".join(filter(None, [extracted, sentence])), lead="", row=row)
    mine = next((i for i, (s, e) in enumerate(spans) if s <= at < e), None)
    if mine is None:  # the phrase was read differently here: fall back to the nearest span
        mine = min(range(len(spans)), key=lambda i: abs(spans[i][0] - at))
    before = sentence[spans[mine - 1][1] if mine > 0 else 0:spans[mine][0]]
    after = sentence[spans[mine][1]:spans[mine + 1][0] if mine + 1 < len(spans) else len(sentence)]
    lead = sentence[:spans[0][0]] if mine > 0 else ""
    # The words before a figure belong to it only when it comes first in its sentence; after an
    # earlier figure they usually finish that one ("twice a year for children under five, and
    # annually for ..."), so only the extracted conditions speak for it there.
    own_before = before if mine == 0 else ""
    return _Context(near=" ".join(filter(None, [extracted, own_before, after])), lead=lead, row=row,
                    after=after, before=before, previous=previous, first_in_sentence=mine == 0)


def _phase_in(text: str, baseline: NationalBaseline) -> set[str]:
    """Phases a stretch of text names in words of two or more ("during the first year"); a
    word alone ("first", "thereafter") is too vague to read a phase from."""
    hits: list[tuple[int, int, str]] = []
    for name, synonyms in baseline.phases.items():
        for syn in {name, *synonyms}:
            if " " not in syn:
                continue
            for m in _whole_phrase(syn).finditer(text):
                hits.append((m.start(), m.end(), name))
    # A phrase inside a longer one ("first review" in "until the first review") is the longer one.
    kept = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)]
    return {name for _, _, name in kept}


def _local_phase(ob: Obligation, ctx: _Context, baseline: NationalBaseline, notes: list[str] | None = None) -> str | None:
    """The phase a local standard is for: stated by extraction, else read next to its figure."""
    if ob.phase:
        stated = baseline.canonical_phase(ob.phase)
        if stated is None and notes is not None:
            notes.append(f"The local phase '{ob.phase}' is not one the baseline knows; compared as if unstated.")
        if stated:
            return stated
    # The words before a figure describe it only when no other figure comes first in the
    # sentence ("during the first year" after "every 6 weeks" is the 6 weeks' phase).
    for stretch in (ctx.after, ctx.before if ctx.first_in_sentence else ""):
        named = _phase_in(stretch, baseline)
        if len(named) == 1:
            return named.pop()
        if len(named) > 1:
            return None
    return None


def _names_any(text: str, terms: Iterable[str]) -> bool:
    return any(_whole_phrase(t).search(text) for t in terms)


# Distinct phase names, synonyms and group terms of the national baseline whose patterns are kept
# compiled (``_whole_phrase``): the baseline holds a few hundred; a question asked of every
# authority tests them against hundreds of local standards.
PHRASE_PATTERN_CACHE_SIZE = 1 << 11


@lru_cache(maxsize=PHRASE_PATTERN_CACHE_SIZE)
def _whole_phrase(term: str) -> re.Pattern[str]:
    """``term`` as a whole word or phrase, any case (not inside a longer hyphenated word)."""
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", re.I)


def _stem(word: str) -> str:
    """A word folded so that singular and plural meet ("placements" -> "placement")."""
    w = word.casefold().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


# A condition that says when a duty ends ("until the carer is approved") bounds how long it
# runs, not which children it is for: such a stretch is not read as naming a group.
_WORDS = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_DURATION_LEAD = re.compile(r"^\s*(?:until|till|up to)\b", re.I)


def _group_words(text: str, baseline: NationalBaseline, authority: str = "") -> list[str]:
    """The words of ``text`` that say which children or which case it is about: what is left
    once the taxonomy's cohorts and events, phases, function words (spaCy's English stop list)
    and the baseline's ``generic_words`` are taken out."""
    from spacy.lang.en.lex_attrs import like_num
    from spacy.lang.en.stop_words import STOP_WORDS

    from extractors.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    spans = [(m.start, m.end) for category in ("cohorts", "anchors") for m in taxonomy.find(category, text)]
    spans.extend((t.start, t.end) for t in find_timescales(text))  # "on the day ..." is when, not whom
    for name, synonyms in baseline.phases.items():
        for syn in {name, *synonyms}:
            spans.extend(m.span() for m in _whole_phrase(syn).finditer(text))
    blanked = list(text)
    for start, end in spans:
        blanked[start:end] = " " * (end - start)
    # A number is kept though the stop list holds it: "more than one placement" is a narrower group.
    words = (w for w in _WORDS.findall("".join(blanked)) if like_num(w) or w.casefold() not in STOP_WORDS)
    own_name = {_stem(w) for w in _WORDS.findall(authority)}
    return list(dict.fromkeys(w for w in map(_stem, words)
                              if (len(w) > 2 or like_num(w)) and w not in baseline.generic_words and w not in own_name))


def _local_group(ob: Obligation, clause: Clause | None, baseline: NationalBaseline) -> tuple[str, list[str]]:
    """The words naming the group a local standard is for, and the text they come from.

    Its own extracted qualifiers and conditions speak first; the table row it sits in (the
    cohort column) speaks only when they name no group of their own, as a sentence's own
    "If a child is placed with parents pending assessment" overrides its row.
    """
    own = [q for q in (ob.qualifiers or [])]
    if ob.conditions and not _DURATION_LEAD.match(ob.conditions):
        own.append(ob.conditions)
    for texts in (own, [clause.cohort_context] if clause and clause.cohort_context else []):
        text = "; ".join(t for t in texts if t)
        words = _group_words(text, baseline, ob.authority) if text else []
        if words:
            return text, words
    return "", []


def _scope_words(entry: NationalEntry) -> set[str]:
    """Every word the national duty uses to say whom and what it covers: its cohorts (with
    the taxonomy's ways of writing them), qualifiers, narrower-group terms, duty and phase."""
    from extractors.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    texts = [*entry.cohorts, *entry.qualifiers, *entry.match_terms, entry.duty, entry.phase or "", entry.topic]
    for cohort in entry.cohorts:
        known = taxonomy.cohorts.get(cohort)
        if known is not None:
            texts.extend(known.synonyms)
    if entry.timescale is not None:
        texts.extend(filter(None, [entry.timescale.anchor, entry.timescale.anchor_text]))
    return {_stem(w) for t in texts for w in _WORDS.findall(t)}


def _group_not_covered(ob: Obligation, entry: NationalEntry, clause: Clause | None,
                       baseline: NationalBaseline) -> str | None:
    """Why the group or case a local standard names is not one the national duty covers (None
    when it names none, or only words the national duty also uses): "children in more than one
    placement - residential school ..." is a case the national first-year figure does not single
    out, so the two figures are not the same duty and are not compared."""
    text, words = _local_group(ob, clause, baseline)
    if not words:
        return None
    scope = _scope_words(entry)
    missing = [w for w in words if w not in scope]
    if not missing:
        return None
    return (f"the local standard is for a group or case the national duty does not single out "
            f"(\u201c{' '.join(text.split())}\u201d; the national duty is for {_scope(entry)})")


def _canonical_anchor(text: str | None) -> str | None:
    """The taxonomy's canonical event for an anchor, None when it has none."""
    if not text:
        return None
    from extractors.taxonomy import load_taxonomy

    return load_taxonomy().canonical_anchor(text)


def _anchor(text: str | None) -> str | None:
    """The canonical event an anchor names, or its words folded when the taxonomy has none."""
    if not text:
        return None
    canonical = _canonical_anchor(text)
    if canonical:
        return canonical
    folded = " ".join(text.replace("’", "'").casefold().split())
    return re.sub(r"^(?:the|a|an)\s+", "", folded)


def _kind_matches(local: str, national: str) -> bool:
    if national == "frequency":
        return local == "frequency"
    return local in ("deadline", "immediate")


def _local_label(ob: Obligation, clause: Clause | None) -> LocalSource:
    from service.records import citation_label

    if clause is not None:
        label = citation_label(clause.authority, clause.section, clause.clause_ref, clause.page)
    else:
        label = citation_label(ob.authority, ob.citation.section, ob.citation.clause_ref, ob.citation.page)
    return LocalSource(
        authority=ob.authority, obligation_id=ob.id, clause_id=ob.clause_id, document_id=ob.document_id,
        label=label, quote=ob.citation.quote, sentence=(_sentence_of(clause, ob) or (None,))[0],
        section=clause.section if clause else ob.citation.section,
        clause_ref=clause.clause_ref if clause else ob.citation.clause_ref,
    )


def _explain(verdict: VerdictName, entry: NationalEntry, local_figure: str, local: LocalSource,
             comparison: FigureComparison | None, reason: str | None) -> str:
    national = f"{entry.description} ({entry.label})"
    mine = f"{local.authority}: {local_figure} [{local.label}]"
    approx = ""
    if comparison and comparison.approximate and comparison.conversion:
        approx = f" Compared approximately: {comparison.conversion}."
    if verdict == "stricter":
        return f"Stricter than national. {mine}; nationally {national}.{approx}"
    if verdict == "same":
        return f"Same as national. {mine}; nationally {national}.{approx}"
    if verdict == "looser":
        return f"Looser than national (red flag). {mine}; nationally {national}.{approx}"
    return f"Not compared: {reason}. {mine}; nationally {national}, which applies."


def _as_interval(ob: Obligation) -> tuple[Obligation, str | None]:
    """A deadline from the last occurrence of the duty's own event ("review conferences within
    6 months of the previous review conference") is the interval between them: a frequency."""
    ts = ob.timescale
    if (ts.kind == "deadline" and ts.anchor_relation == "after" and ob.topic
            and ts.bound in (None, "at_most") and _anchor(ts.anchor) == ob.topic):
        as_frequency = dataclasses.replace(ts, kind="frequency", bound="at_least", anchor=None, anchor_relation=None)
        note = f"'{ts.phrase}' after the previous {ob.topic} is read as the interval between them."
        return dataclasses.replace(ob, timescale=as_frequency), note
    return ob, None


def verdict(obligation: Obligation, entry: NationalEntry, clause: Clause | None = None,
            baseline: NationalBaseline | None = None) -> Verdict:
    """One local obligation against one national entry, explained in plain words.

    It is ``not_comparable`` (with the reason in the explanation) when the two are not the same
    duty (topic, kind, cohort, phase, the narrower group a national duty names) or when a
    deadline runs from another event. ``clause`` (the obligation's clause) lets the standard's
    own sentence and table row say which group it is about; without it only the quote is read.
    """
    baseline = baseline or load_national()
    local_src = _local_label(obligation, clause)
    local_figure = obligation.timescale.describe()
    notes: list[str] = []
    if entry.timescale is not None and entry.timescale.kind == "frequency":
        obligation, reading = _as_interval(obligation)
        if reading:
            notes.append(reading)
    reason = _not_same_duty(obligation, entry, _context(obligation, clause), baseline, notes)
    if reason is None:
        reason = _group_not_covered(obligation, entry, clause, baseline)
    comparison = None
    if reason is None and entry.timescale is not None:
        reason = _anchor_mismatch(obligation.timescale, entry.timescale)
    if reason is None and entry.timescale is not None:
        comparison = compare_figures(obligation.timescale, entry.timescale)
        if comparison.direction == "not_comparable":
            reason = comparison.reason
    if entry.timescale is None:
        reason = reason or "national law sets no figure for this duty"
    name: VerdictName = "not_comparable" if reason else comparison.direction  # type: ignore[union-attr]
    return Verdict(
        verdict=name, entry_id=entry.id, national_label=entry.label,
        national_figure=entry.description or "no national figure", national_wording=entry.wording,
        national_url=entry.source.url, national_verified=entry.verified, local_figure=local_figure,
        local=local_src, comparison=comparison,
        explanation=_explain(name, entry, local_figure, local_src, comparison, reason), notes=notes,
        reason=reason if name == "not_comparable" else None,
    )


def _not_same_duty(ob: Obligation, entry: NationalEntry, ctx: _Context, baseline: NationalBaseline,
                   notes: list[str]) -> str | None:
    """Why ``ob`` is not the duty ``entry`` states, or None when it is."""
    if ob.topic != entry.topic:
        return f"the local standard is about {ob.topic or 'no known topic'}, not {entry.topic}"
    if entry.timescale is not None and not _kind_matches(ob.timescale.kind, entry.timescale.kind):
        return f"the local standard is a {ob.timescale.kind}, the national one a {entry.timescale.kind}"
    if ob.cohort and ob.cohort not in entry.cohorts and entry.cohort != ALL_CHILDREN:
        return f"the local standard is for {ob.cohort}, the national one for {entry.cohort}"
    if entry.match_terms and not any(_names_any(t, entry.match_terms) for t in ctx.tiers()):
        return f"the local standard does not say it is for {'; '.join(entry.qualifiers) or entry.cohort}"
    local_phase = _local_phase(ob, ctx, baseline, notes)
    if local_phase and entry.phase and local_phase != entry.phase and not _thereafter_from(local_phase, ob, entry):
        return f"the local standard is for the {local_phase} phase, the national figure for the {entry.phase}"
    if entry.timescale is not None and entry.timescale.relation == "after" and ob.timescale.anchor_relation == "before":
        return "the local standard is due before its event, the national one after"
    return None


def _thereafter_from(local_phase: str, ob: Obligation, entry: NationalEntry) -> bool:
    """A "thereafter" figure that runs from the very event the national phase follows ("thereafter
    at intervals of not more than six weeks" from the first review) is the national "after the
    first review" phase: the event it runs from says which "thereafter" it is."""
    national = entry.timescale
    return (local_phase == "subsequent" and national is not None and national.anchor is not None
            and _anchor(ob.timescale.anchor) == national.anchor)


def _anchor_mismatch(local: Timescale, national: NationalTimescale) -> str | None:
    """Why a local figure does not run from the national event (None when it does, or when it does not matter)."""
    if national.anchor is None:
        return None
    mine = _anchor(local.anchor)
    if national.kind != "frequency":
        if mine is None:
            return f"the local deadline does not say what it runs from (nationally: {national.anchor})"
        if mine != national.anchor:
            return f"the local deadline runs from {local.anchor}, the national one from {national.anchor}"
        return None
    if mine is not None and mine != national.anchor:
        return f"the local frequency runs from {local.anchor}, the national one from {national.anchor}"
    return None


def assess_obligation(ob: Obligation, entries: list[NationalEntry], clause: Clause | None = None,
                      baseline: NationalBaseline | None = None) -> tuple[list[Verdict], list[Verdict]]:
    """The national duties one local obligation is, and its verdicts: (compared, not comparable).

    Narrower national duties claim the standards that name their group; the general duty takes
    the rest. A standard with no stated phase is read as the phase whose figure it meets.
    """
    baseline = baseline or load_national()
    ctx = _context(ob, clause)
    candidates = [e for e in entries if e.topic == ob.topic and e.timescale is not None]
    same_duty: list[NationalEntry] = []
    for e in candidates:
        view = _as_interval(ob)[0] if e.timescale and e.timescale.kind == "frequency" else ob
        if _not_same_duty(view, e, ctx, baseline, []) is None:
            same_duty.append(e)
    chosen: list[NationalEntry] = []
    for tier in ctx.tiers():  # the nearest words that name a narrower group decide
        chosen = [e for e in same_duty if e.match_terms and _names_any(tier, e.match_terms)]
        if chosen:
            break
    chosen = chosen or [e for e in same_duty if not e.match_terms]
    # A frequency running from an event ("thereafter, from the first review") is the national
    # figure that runs from the same event, when there is one.
    mine = _anchor(ob.timescale.anchor) if ob.timescale.kind == "frequency" else None
    if mine and any(e.timescale and e.timescale.anchor == mine for e in chosen):
        chosen = [e for e in chosen if e.timescale and e.timescale.anchor == mine]
    verdicts = [verdict(ob, e, clause, baseline) for e in chosen]
    compared = [v for v in verdicts if v.verdict != "not_comparable"]
    related = [v for v in verdicts if v.verdict == "not_comparable"]
    if compared:
        related = []  # it was matched to its duty; the others it merely resembles are noise
        phases = {e.phase for e in chosen if any(v.entry_id == e.id for v in compared)}
        if _local_phase(ob, ctx, baseline) is None and len(phases) > 1:
            compared = _read_unstated_phase(compared, {e.id: e for e in chosen})
    return compared, related


def _read_unstated_phase(compared: list[Verdict], by_id: dict[str, NationalEntry]) -> list[Verdict]:
    """With no phase stated, read the figure as the phase whose national figure it meets most
    closely (the smallest national figure it meets); if it meets none, as the most lenient."""
    meets = [v for v in compared if v.verdict != "looser" and v.comparison]
    if meets:
        closest = min(v.comparison.national_days for v in meets if v.comparison)
        kept = [v for v in meets if v.comparison and v.comparison.national_days == closest]
        how = "the {phases} figure, the closest national figure it meets"
    else:
        loosest = max(v.comparison.national_days for v in compared if v.comparison)
        kept = [v for v in compared if v.comparison and v.comparison.national_days == loosest]
        how = "the most lenient national phase ({phases}), which it still does not meet"
    phases = ", ".join(sorted({by_id[v.entry_id].phase or "any" for v in kept}))
    for v in kept:
        v.notes.append("The local standard does not say which phase it is for; read as " + how.format(phases=phases) + ".")
    return kept


# --------------------------------------------------------------------------------------------
# An authority's report
# --------------------------------------------------------------------------------------------
def _dedupe(verdicts: list[Verdict]) -> list[Verdict]:
    seen: set[tuple] = set()
    out = []
    for v in verdicts:
        key = (v.local.clause_id, v.local.quote, v.local_figure, v.entry_id)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def baseline_report(authority: str, obligations: list[Obligation], clause_of: Callable[[str], Clause | None],
                    include_unverified: bool = False, baseline: NationalBaseline | None = None) -> BaselineReport:
    """Every national duty against one authority's obligations (``obligations`` are its own)."""
    baseline = baseline or load_national()
    in_use = [e for e in baseline.entries if e.verified or e.no_national_figure or include_unverified]
    compared: dict[str, list[Verdict]] = {e.id: [] for e in in_use}
    related: dict[str, list[Verdict]] = {e.id: [] for e in in_use}
    topics = {e.topic for e in in_use}
    mine = [ob for ob in obligations if ob.authority == authority and ob.topic in topics]
    for ob in mine:
        clause = clause_of(ob.clause_id)
        matched, near = assess_obligation(ob, in_use, clause, baseline)
        for v in matched:
            compared[v.entry_id].append(v)
        for v in near:
            related[v.entry_id].append(v)
    duties = []
    for entry in in_use:
        if entry.no_national_figure:
            figures = [verdict(ob, entry, clause_of(ob.clause_id), baseline) for ob in mine
                       if ob.topic == entry.topic and (ob.cohort is None or ob.cohort in entry.cohorts
                                                       or entry.cohort == ALL_CHILDREN)]
            duties.append(_no_figure(authority, entry, _dedupe(figures)))
            continue
        duties.append(_duty(authority, entry, _dedupe(compared[entry.id]), _dedupe(related[entry.id])))
    notes = []
    if include_unverified:
        notes.append("Figures not verified against their source are included; their label says so.")
    skipped = [e for e in baseline.entries if e not in in_use]
    return BaselineReport(authority=authority, duties=duties, include_unverified=include_unverified,
                          unverified_not_compared=skipped, notes=notes)


def _duty(authority: str, entry: NationalEntry, matches: list[Verdict], related: list[Verdict]) -> DutyResult:
    national = f"{entry.description} ({entry.label})"
    if matches:
        worst = max(matches, key=lambda v: _ORDER[v.verdict])
        name: DutyVerdict = worst.verdict  # type: ignore[assignment]
        return DutyResult(entry, name, worst.explanation, matches=matches, related=related)
    if related:
        reasons = "; ".join(dict.fromkeys(v.reason for v in related if v.reason))
        return DutyResult(entry, "not_comparable",
                          f"{authority}'s standards near {entry.duty} are not compared with it ({reasons}); "
                          f"nationally it is {national}, which applies.", related=related)
    return DutyResult(entry, "silent",
                      f"{authority}'s standards set no figure for {entry.duty} ({_scope(entry)}); "
                      f"nationally it is {national}, which applies.")


def _scope(entry: NationalEntry) -> str:
    parts = [entry.cohort]
    if entry.phase:
        parts.append(f"{entry.phase} phase")
    parts.extend(entry.qualifiers)
    return "; ".join(parts)


def _no_figure(authority: str, entry: NationalEntry, figures: list[Verdict]) -> DutyResult:
    local = "; ".join(sorted({f"{v.local_figure} [{v.local.label}]" for v in figures})) or "no figure either"
    note = entry.note or "national law sets no figure"
    return DutyResult(entry, "no_national_figure",
                      f"No national figure for {entry.duty}: {note} {authority}'s own standard: {local}.",
                      local_figures=figures)


def baseline_for(state: Any, authority: str, include_unverified: bool = False) -> BaselineReport:
    """The report for one authority (a canonical name) from the running service's store."""
    state.refresh()
    return baseline_report(authority, state.obligations(authority), state.clause,
                           include_unverified=include_unverified)


# --------------------------------------------------------------------------------------------
# The national column of Compare
# --------------------------------------------------------------------------------------------
@dataclass
class RowDuty:
    """A Compare row's duty as ``service.compare`` keys it, with the topic it compares."""

    topic: str
    kind: str  # "deadline" or "frequency"
    phase: str | None
    cohort: str | None
    qualifiers: tuple[str, ...]
    anchor: str | None  # the event a deadline runs from, as the extractor read it
    relation: str | None  # "before" for "5 days before the conference", else None/"after"


@dataclass
class NationalColumn:
    """What the national column shows for one Compare row.

    ``entry`` is the one national duty the row's duty is (None when there is none or several);
    ``verdicts``/``explanations`` are per authority. ``candidates`` lists the national duties
    the row could be when it does not say which (its phase, say); ``hidden`` is the matching
    entry left out because it is not verified and the caller did not ask for such figures.
    """

    entry: NationalEntry | None = None
    verdicts: dict[str, str] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    candidates: list[NationalEntry] = field(default_factory=list)
    hidden: NationalEntry | None = None

    def cell(self) -> Any:
        """The row's ``service.records.NationalCell`` (None when no national duty is shown)."""
        from service.records import NationalCell

        e = self.entry
        if e is None or e.timescale is None:
            return None
        days = approx_days(e.timescale.value, e.timescale.unit)
        return NationalCell(description=e.description or "", source=e.label, quote=e.wording,
                            approx_days=(float(days[0]), float(days[1])) if days else None,
                            entry_id=e.id, duty=e.duty, instrument=e.source.instrument, url=e.source.url or None,
                            verified=e.verified)


def _row_is_interval(duty: RowDuty) -> bool:
    """A deadline from the previous occurrence of the duty's own event is an interval."""
    return duty.kind == "deadline" and duty.relation != "before" and _anchor(duty.anchor) == duty.topic


def row_candidates(duty: RowDuty, baseline: NationalBaseline | None = None) -> list[NationalEntry]:
    """The national duties (with a figure; verified or not) a Compare row's duty can be.

    Matched on the duty, never the topic alone: the same topic and kind; a cohort the national
    duty covers (or none stated); for a deadline, the same event in the same relation; the
    row's phase when it states one (an unstated phase leaves every phase a candidate). A
    national duty for a narrower group counts only when the row's qualifiers or cohort name
    that group, and then the general duty does not.
    """
    baseline = baseline or load_national()
    phase = baseline.canonical_phase(duty.phase) if duty.phase else None
    group = " ".join([*duty.qualifiers, duty.cohort or ""])
    general: list[NationalEntry] = []
    narrower: list[NationalEntry] = []
    for e in baseline.entries:
        ts = e.timescale
        if e.topic != duty.topic or ts is None:
            continue
        if ts.kind == "frequency":
            if duty.kind != "frequency" and not _row_is_interval(duty):
                continue
        elif duty.kind != "deadline" or _row_is_interval(duty):
            continue
        if duty.cohort and duty.cohort not in e.cohorts and e.cohort != ALL_CHILDREN:
            continue
        runs_from_other = duty.relation == "before" or _anchor(duty.anchor) != ts.anchor
        if ts.kind != "frequency" and ts.anchor is not None and runs_from_other:
            continue
        if duty.phase and e.phase and e.phase != phase:
            continue  # a phase the baseline does not know (phase None) matches only unphased duties
        if e.match_terms:
            if _names_any(group, e.match_terms):
                narrower.append(e)
        else:
            general.append(e)
    return narrower or general


def national_column(duty: RowDuty, cells: dict[str, list[tuple[Obligation, Clause | None]]],
                    include_unverified: bool = False, baseline: NationalBaseline | None = None) -> NationalColumn:
    """The national figure for a Compare row and each authority's verdict against it.

    ``cells`` maps every authority in the comparison to its obligations in the row (empty:
    silent, so the national figure applies). An authority's verdict is its loosest figure's
    (what it guarantees); each figure is compared by ``verdict`` as in the baseline report.
    """
    baseline = baseline or load_national()
    candidates = row_candidates(duty, baseline)
    if len(candidates) != 1:
        shown = [e for e in candidates if e.verified or include_unverified]
        return NationalColumn(candidates=shown)
    entry = candidates[0]
    if not entry.verified and not include_unverified:
        return NationalColumn(hidden=entry)
    column = NationalColumn(entry=entry)
    national = f"{entry.description} ({entry.label})"
    for authority, items in cells.items():
        if not items:
            column.verdicts[authority] = "silent"
            column.explanations[authority] = (f"{authority}'s standards set no figure for this duty; "
                                              f"nationally it is {national}, which applies.")
            continue
        verdicts = [verdict(ob, entry, clause, baseline) for ob, clause in items]
        compared = [v for v in verdicts if v.verdict != "not_comparable"]
        if compared:
            worst = max(compared, key=lambda v: _ORDER[v.verdict])
            column.verdicts[authority] = worst.verdict
            column.explanations[authority] = " ".join([worst.explanation, *worst.notes])
        else:
            column.verdicts[authority] = "not_comparable"
            column.explanations[authority] = verdicts[0].explanation
    return column


def describe_candidates(entries: list[NationalEntry]) -> str:
    """National duties a row could be, each with its scope, figure and label (for a note)."""
    return "; ".join(f"{_scope(e)}: {e.description} ({e.label})" for e in entries)


# --------------------------------------------------------------------------------------------
# Ask: the national figure when an authority's standards are silent
# --------------------------------------------------------------------------------------------
FallbackStatus = Literal["silent", "looser", "answered_locally", "no_national_figure", "no_national_duty"]
# What a question asks (service.question's ``asks``) -> the kinds of national figure that answer it.
ASKS_KINDS = {"how_often": ("frequency",), "when": ("deadline", "immediate"), "how_long": ("deadline", "immediate")}
# Fallbacks kept per snapshot before the cache starts again: each is a few kB (mostly shared
# entries), so a long-running server holds at most ~10 MB of them; the 129 questions of the
# speed benchmark asked of the shipped store leave a few hundred.
FALLBACK_CACHE_LIMIT = 4096
# Wording longer than this is cited by its provision only (a whole regulation paragraph is too long to quote).
QUOTE_LIMIT = 300


@dataclass
class NationalFallback:
    """What the national baseline adds to an answer for one authority and one asked-about duty.

    ``status``: "silent" (the authority's standards set no figure for the duty; ``national``
    applies), "looser" (its figure is looser than national: ``local`` holds both, cited),
    "answered_locally" (its standards give a figure: nothing to add), "no_national_figure"
    (national law sets none either), "no_national_duty" (the baseline has nothing on it).
    ``text`` is the sentence to add to the answer (None when there is nothing to add); it always
    names the national figure as national, never as the authority's.
    """

    authority: str
    topic: str
    status: FallbackStatus
    national: list[NationalEntry] = field(default_factory=list)
    local: list[Verdict] = field(default_factory=list)
    unverified: list[NationalEntry] = field(default_factory=list)
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"authority": self.authority, "topic": self.topic, "status": self.status,
                "national": [e.to_dict() for e in self.national], "local": [v.to_dict() for v in self.local],
                "unverified": [e.id for e in self.unverified], "text": self.text}


def _cited(entries: list[NationalEntry]) -> str:
    """The national figures with their labels, then the wording they rest on (each once)."""
    figures = "; ".join(f"{e.description}{f' ({e.phase} phase)' if e.phase else ''} ({e.label})" for e in entries)
    wordings = list(dict.fromkeys(e.wording for e in entries if e.wording and len(e.wording) <= QUOTE_LIMIT))
    return figures + (". In its words: " + " ".join(f"“{w}”" for w in wordings) if wordings else "")


def national_fallback(authority: str, topic: str, obligations: list[Obligation],
                      clause_of: Callable[[str], Clause | None], asks: str | None = None,
                      cohort: str | None = None, phase: str | None = None, include_unverified: bool = False,
                      baseline: NationalBaseline | None = None) -> NationalFallback:
    """The national figure for the duty a question asks about, when ``authority``'s standards set none.

    ``topic`` is the question's resolved canonical topic; ``asks`` what it asks (``how_often``,
    ``when``, ``how_long``; else any kind), ``cohort`` and ``phase`` narrow the duty when the
    question names them. ``obligations`` are the authority's own (its standards are silent on a
    national duty only when none of them is that duty, by the baseline report's matching).
    National duties for a narrower group than the question names are left out.
    """
    baseline = baseline or load_national()
    kinds = ASKS_KINDS.get(asks or "")
    wanted_phase = baseline.canonical_phase(phase) if phase else None
    duties: list[NationalEntry] = []
    no_figure: list[NationalEntry] = []
    for e in baseline.entries:
        if e.topic != topic or e.match_terms:
            continue
        if cohort and cohort not in e.cohorts and e.cohort != ALL_CHILDREN:
            continue
        if e.no_national_figure:
            no_figure.append(e)
            continue
        if kinds and e.timescale is not None and e.timescale.kind not in kinds:
            continue
        if wanted_phase and e.phase and e.phase != wanted_phase:
            continue
        duties.append(e)
    mine = [ob for ob in obligations if ob.authority == authority and ob.topic == topic]
    if kinds:
        mine = [ob for ob in mine if ob.timescale.kind in kinds
                or (ob.timescale.kind == "deadline" and "frequency" in kinds and _as_interval(ob)[1])]
    if not duties:
        if no_figure and not mine:
            e = no_figure[0]
            return NationalFallback(authority, topic, "no_national_figure", national=no_figure,
                                    text=f"{authority}'s standards set no timescale for the {topic}; national law "
                                         f"sets none either ({e.note or 'the figure is local'})")
        return NationalFallback(authority, topic, "answered_locally" if mine else "no_national_duty")
    compared: list[Verdict] = []
    touched: set[str] = set()
    for ob in mine:
        matched, near = assess_obligation(ob, duties, clause_of(ob.clause_id), baseline)
        compared.extend(matched)
        touched.update(v.entry_id for v in (*matched, *near))
    compared = _dedupe(compared)
    looser = [v for v in compared if v.verdict == "looser"]
    if looser:
        by_local: dict[tuple[str, str], list[Verdict]] = {}
        for v in looser:
            by_local.setdefault((v.local_figure, v.local.label), []).append(v)
        parts = [f"{authority}'s figure, {figure} [{label}], is looser than the national figure: "
                 + "; ".join(dict.fromkeys(f"{v.national_figure} ({v.national_label})" for v in vs))
                 for (figure, label), vs in by_local.items()]
        return NationalFallback(authority, topic, "looser", national=[baseline.get(v.entry_id) for v in looser],
                                local=looser, text="Note: " + "; ".join(parts) + ".")
    if mine or touched:
        return NationalFallback(authority, topic, "answered_locally", local=compared)
    verified = [e for e in duties if e.verified or include_unverified]
    unverified = [e for e in duties if e not in verified]
    head = f"{authority}'s standards set no timescale for the {topic}"
    if verified:
        text = f"{head}; nationally: {_cited(verified)}"
        if unverified:
            text += " Other commonly stated national figures on it are not verified against their source and are not given."
    else:
        text = (f"{head}. A national figure is commonly stated for it, but it was not verified against its source, "
                "so it is not given here.")
    return NationalFallback(authority, topic, "silent", national=verified, unverified=unverified, text=text)


def warm_contexts(state: Any) -> None:
    """Read the context (``_context``) of every current local duty on a topic the national
    baseline covers, while a snapshot is built: an answer comparing a figure with the national
    one reads it, and a question asked of every authority reads hundreds. Compile the patterns
    of the baseline's phases and narrower-group terms (``_whole_phrase``) too."""
    baseline = load_national()
    for name, synonyms in baseline.phases.items():
        for phrase in (name, *synonyms):
            _whole_phrase(phrase)
    for entry in baseline.entries:
        for term in entry.match_terms:
            _whole_phrase(term)
    topics = {e.topic for e in baseline.entries}
    for ob in state.obligations():
        if ob.topic in topics:
            _context(ob, state.clause(ob.clause_id))


def national_fallback_for(state: Any, authority: str, topic: str, asks: str | None = None,
                          cohort: str | None = None, phase: str | None = None,
                          include_unverified: bool = False, shown: set[str] | None = None) -> NationalFallback:
    """``national_fallback`` from the running service's store (``authority`` and ``topic`` canonical).

    ``shown``: ids of the obligations an answer states; when given, only those are compared for
    "looser" (an answer flags the figure it gives, not every figure the authority has on the topic).
    Silence is still judged on all of the authority's obligations. The result is cached for the
    snapshot and shared: read it, do not change it.
    """
    obligations = state.obligations(authority, topic)
    if shown is not None and any(ob.id in shown for ob in obligations):
        obligations = [ob for ob in obligations if ob.id in shown]
    # Per snapshot (the obligations are its own) and per national file as loaded (an edit to it
    # is read again): a question asked of every authority otherwise re-reads each one's
    # sentences and figures, and the same few topics are asked about all day.
    baseline = load_national()
    key = (authority, topic, asks, cohort, phase, include_unverified, tuple(ob.id for ob in obligations))
    cache = state.generation_cache("national_fallback")
    if len(cache) >= FALLBACK_CACHE_LIMIT:
        cache.clear()
    hit = cache.get(key)
    if hit is not None and hit[0] is baseline:
        return hit[1]
    found = national_fallback(authority, topic, obligations, state.clause, asks=asks, cohort=cohort, phase=phase,
                              include_unverified=include_unverified, baseline=baseline)
    cache[key] = (baseline, found)
    return found
