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
from service.baseline import (
    NationalBaseline,
    RowDuty,
    describe_candidates,
    load_national,
    national_column,
)
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
            authorities: list[str] | None = None, include_unverified: bool = False) -> Comparison:
    """One topic across authorities (all held, or ``authorities``), optionally for one cohort.

    Each row whose duty is a national duty gets the national figure, labelled national, and
    each authority's verdict against it (``service.baseline.national_column``); national
    figures not verified against their source are shown, flagged, only with ``include_unverified``.

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
    baseline = load_national()
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
        row = ComparisonRow(
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
        )
        _national(row, canonical, obs, cells, source, baseline, include_unverified, notes)
        rows.append(row)
    _not_silent_elsewhere(rows)
    notes.extend(_no_national_figure(canonical, baseline))
    covered = {ob.authority for ob in obligations}
    return Comparison(topic=canonical, cohort=wanted, authorities=scope, rows=rows,
                      gaps=[a for a in scope if a not in covered], notes=notes)


def _national(row: ComparisonRow, topic: str, obs: list[Obligation], cells: dict[str, list[ComparisonCell]],
              source: ServiceState, baseline: NationalBaseline, include_unverified: bool, notes: list[str]) -> None:
    """Fill the row's national column when its duty is one national duty; say why not when the
    national figure depends on what the row does not state, or is not verified."""
    relation = "before" if any(o.timescale.anchor_relation == "before" for o in obs) else None
    anchor = next((o.timescale.anchor for o in obs if o.timescale.anchor), None) if row.kind == "deadline" else None
    duty = RowDuty(topic=topic, kind=row.kind, phase=row.phase, cohort=row.cohort,
                   qualifiers=tuple(row.qualifiers), anchor=anchor, relation=relation)
    by_authority = {a: [(c.obligation.obligation, source.clause(c.obligation.obligation.clause_id)) for c in items]
                    for a, items in cells.items()}
    column = national_column(duty, by_authority, include_unverified=include_unverified, baseline=baseline)
    where = f"'{row.label}' ({_row_scope(row)})"
    if column.entry is not None:
        row.national = column.cell()
        row.verdicts = dict(column.verdicts)  # type: ignore[arg-type]
        row.national_explanations = dict(column.explanations)
    elif column.hidden is not None:
        e = column.hidden
        notes.append(f"{where}: the commonly stated national figure, {e.description} (national: {e.citation}), is "
                     "not verified against its source, so it is not shown (--include-unverified, or "
                     "include_unverified=true in the API, shows it flagged).")
    elif len(column.candidates) > 1:
        notes.append(f"{where}: the national figure depends on what the row does not state; nationally: "
                     f"{describe_candidates(column.candidates)}.")


def _row_scope(row: ComparisonRow) -> str:
    parts = ["how often" if row.kind == "frequency" else "deadline"]
    if row.phase:
        parts.append(f"phase {row.phase}")
    parts.append(row.cohort or "cohort not stated")
    parts.extend(row.qualifiers)
    if row.anchor:
        parts.append(f"from {row.anchor}")
    return ", ".join(parts)


def _no_national_figure(topic: str, baseline: NationalBaseline) -> list[str]:
    """Say where national law sets no figure for a duty on the topic (no floor is invented)."""
    return [f"National law sets no figure for {e.duty} ({e.cohort}): {e.note or 'the figure is local'}"
            for e in baseline.entries if e.topic == topic and e.no_national_figure]


def _not_silent_elsewhere(rows: list[ComparisonRow]) -> None:
    """An authority is not silent on a national duty when another row of the same national duty
    holds its figure (rows split by qualifiers: "first placement", "children with disabilities");
    it gets no verdict in the row where it has no cell, and a pointer to the row that has one."""
    placed: dict[str, dict[str, ComparisonRow]] = defaultdict(dict)
    for row in rows:
        if row.national is not None and row.national.entry_id:
            for authority, name in row.verdicts.items():
                if name != "silent":
                    placed[row.national.entry_id].setdefault(authority, row)
    for row in rows:
        if row.national is None or not row.national.entry_id:
            continue
        for authority, other in placed[row.national.entry_id].items():
            if row.verdicts.get(authority) == "silent":
                del row.verdicts[authority]
                row.national_explanations[authority] = (
                    f"{authority} has no standard in this row; its figure for the same national duty is in the row "
                    f"'{other.label}' ({_row_scope(other)}), compared there.")
