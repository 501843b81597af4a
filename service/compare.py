"""Comparing one topic across authorities: a ``Comparison`` of duty rows by authority.

A row is one duty as the extractor frames it: the kind of timescale (deadline or frequency),
its phase ("first", "subsequent"), the cohort and its qualifiers ("under 1"), and for a
deadline the event it runs from ("10 days of the ICPC" and "10 days of referral" are
different standards; so are "5 days before" and "5 days after" the conference). Obligations
with no cohort join the row of the only cohort stated for that duty when there is exactly
one, so an authority that leaves the cohort implicit still sits beside the others.

``strictest``/``most_lenient`` compare each authority's loosest figure in the row in
approximate calendar days (the upper bound of each range): what the authority guarantees.
Units are never silently equated in the cells themselves, which keep the document's figure.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from extractors.records import Obligation
from service.query import obligation_view, resolve_authorities
from service.records import CitationView, Comparison, ComparisonCell, ComparisonRow
from service.state import ServiceState

# (kind, phase, cohort, qualifiers, anchor)
RowKey = tuple[str, str | None, str | None, tuple[str, ...], str | None]


def _qualifiers(ob: Obligation) -> tuple[str, ...]:
    return tuple(sorted({" ".join(q.split()).casefold() for q in ob.qualifiers or [] if q and q.strip()}))


def _row_key(ob: Obligation) -> RowKey:
    kind = "frequency" if ob.timescale.kind == "frequency" else "deadline"
    anchor = ob.timescale.anchor if kind == "deadline" else None
    if anchor and ob.timescale.anchor_relation == "before":
        anchor = f"{anchor} (before)"  # "5 days before the conference" is not "5 days after" it
    phase = " ".join(ob.phase.split()).casefold() if ob.phase else None
    return (kind, phase, ob.cohort, _qualifiers(ob), anchor)


def _merge_implicit_cohorts(groups: dict[RowKey, list[Obligation]]) -> dict[RowKey, list[Obligation]]:
    """Rows with no cohort join the one row stating a cohort for the same duty, if there is one."""
    with_cohort: dict[tuple, list[RowKey]] = defaultdict(list)
    for key in groups:
        if key[2] is not None:
            with_cohort[(key[0], key[1], key[3], key[4])].append(key)
    merged: dict[RowKey, list[Obligation]] = defaultdict(list)
    for key, obs in groups.items():
        targets = with_cohort.get((key[0], key[1], key[3], key[4]), [])
        if key[2] is None and len(targets) == 1:
            merged[targets[0]].extend(obs)
        else:
            merged[key].extend(obs)
    return merged


def _merge_implicit_phases(groups: dict[RowKey, list[Obligation]]) -> dict[RowKey, list[Obligation]]:
    """Rows whose duty names no phase join the one row of the same duty that does, if there is one.

    "Core groups every six weeks" (no phase) is the same duty as another authority's
    "thereafter ... every 6 weeks"; with two phased rows ("first year", "after the first year")
    the unphased one cannot be placed and keeps its own row.
    """
    phased: dict[tuple, list[RowKey]] = defaultdict(list)
    for key in groups:
        if key[1] is not None:
            phased[(key[0], key[2], key[3], key[4])].append(key)
    merged: dict[RowKey, list[Obligation]] = defaultdict(list)
    for key, obs in groups.items():
        targets = phased.get((key[0], key[2], key[3], key[4]), [])
        if key[1] is None and len(targets) == 1:
            merged[targets[0]].extend(obs)
        else:
            merged[key].extend(obs)
    return merged


def _days(ob: Obligation) -> float | None:
    approx = ob.timescale.approx_days
    return float(max(approx)) if approx else None


def _row_label(obs: list[Obligation], topic: str) -> str:
    """The duty's name: the label most authorities give it (the extractor's), else the topic."""
    labels = Counter()
    shown: dict[str, str] = {}
    for authority in {o.authority for o in obs}:
        for folded in {" ".join(o.label.split()).casefold() for o in obs if o.authority == authority and o.label}:
            labels[folded] += 1
    for o in obs:
        if o.label:
            shown.setdefault(" ".join(o.label.split()).casefold(), " ".join(o.label.split()))
    if labels:
        best = max(labels.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]
        return shown[best]
    return topic


def _cohort_matches(ob: Obligation, cohort: str) -> bool:
    """A duty for ``cohort`` (canonical), or one that states no cohort (it may cover everyone)."""
    return ob.cohort is None or ob.cohort == cohort


def compare(source: ServiceState, topic: str, cohort: str | None = None,
            authorities: list[str] | None = None) -> Comparison:
    """One topic across authorities (all held, or ``authorities``), optionally for one cohort.

    Every name goes through the resolver: a misspelt authority is compared under the closest
    held one with a note; an unknown topic, cohort or authority is the specific error listing
    the known ones (filtering on it would leave every authority looking as if it had no standard).
    """
    notes: list[str] = []
    canonical = source.resolver.topic(topic)
    wanted = source.resolver.cohort(cohort) if cohort is not None and cohort.strip() else None
    scope = resolve_authorities(source, authorities, notes) or source.authorities()
    obligations = [ob for a in scope for ob in source.obligations(a, canonical)]
    if wanted:
        obligations = [ob for ob in obligations if _cohort_matches(ob, wanted)]
    groups: dict[RowKey, list[Obligation]] = defaultdict(list)
    for ob in obligations:
        groups[_row_key(ob)].append(ob)
    groups = _merge_implicit_phases(_merge_implicit_cohorts(groups))

    rows = []
    ordered = sorted(groups.items(), key=lambda kv: (-len({o.authority for o in kv[1]}), kv[0][0],
                                                     str(kv[0][1]), str(kv[0][2]), kv[0][3], str(kv[0][4])))
    for (kind, phase, row_cohort, qualifiers, anchor), obs in ordered:
        cells: dict[str, list[ComparisonCell]] = {a: [] for a in scope}
        for ob in sorted(obs, key=lambda o: (o.authority, _days(o) or 0)):
            clause = source.clause(ob.clause_id)
            cells[ob.authority].append(ComparisonCell(
                obligation=obligation_view(source, ob),
                citation=CitationView.from_clause(clause) if clause else None,
                text=clause.text if clause else ob.citation.quote,
            ))
        # Per authority, its loosest figure in the row: that is what the authority guarantees.
        guarantee = {}
        for a, items in cells.items():
            days = [d for d in (_days(c.obligation.obligation) for c in items) if d is not None]
            if days:
                guarantee[a] = max(days)
        strictest = most_lenient = None
        if len(guarantee) >= 2 and len(set(guarantee.values())) > 1:
            low, high = min(guarantee.values()), max(guarantee.values())
            strictest = sorted(a for a, d in guarantee.items() if d == low)
            most_lenient = sorted(a for a, d in guarantee.items() if d == high)
        rows.append(ComparisonRow(
            key="|".join([kind, phase or "", row_cohort or "", "+".join(qualifiers), anchor or ""]),
            label=_row_label(obs, canonical),
            kind=kind,
            phase=phase,
            cohort=row_cohort,
            qualifiers=list(qualifiers),
            anchor=anchor,
            cells=cells,
            guarantee_days=guarantee,
            strictest=strictest,
            most_lenient=most_lenient,
        ))
    # The national column goes here: for each row, service/baseline.py's national_for(topic,
    # row.cohort, row.phase) gives the statutory entry for ``row.national`` (a NationalCell,
    # labelled national) and each authority's verdict from its ``guarantee_days`` ("silent"
    # when its cells are empty) for ``row.verdicts``. Rows without a national figure keep None.
    covered = {ob.authority for ob in obligations}
    return Comparison(topic=canonical, cohort=wanted, authorities=scope, rows=rows,
                      gaps=[a for a in scope if a not in covered], notes=notes)
