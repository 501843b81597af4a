"""Comparing one topic across authorities: a matrix of cohort/anchor rows by authority.

Rows group obligations of the same kind (deadline vs frequency) for the same cohort; a
deadline row also keeps its anchor, since "10 days of the ICPC" and "10 days of referral" are
different standards. Obligations with no cohort join the row of the topic's only cohort of
that kind when there is exactly one, so an authority that leaves the cohort implicit still
sits beside the others. ``strictest``/``most_lenient`` compare the approximate calendar days
(the upper bound of each range), so units are never silently equated in the cells themselves.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from extractors.records import Obligation
from ingest.errors import UnknownCohortError
from service.answer import citation_dict
from service.question import canonical_cohort
from service.state import ServiceState


def _row_key(ob: Obligation) -> tuple[str, str | None, str | None]:
    kind = "frequency" if ob.timescale.kind == "frequency" else "deadline"
    anchor = ob.timescale.anchor if kind == "deadline" else None
    if anchor and ob.timescale.anchor_relation == "before":
        anchor = f"{anchor} (before)"  # "5 days before the conference" is not "5 days after" it
    return (kind, ob.cohort, anchor)


def _merge_implicit_cohorts(groups: dict[tuple, list[Obligation]]) -> dict[tuple, list[Obligation]]:
    by_kind_anchor: dict[tuple, list[tuple]] = defaultdict(list)
    for key in groups:
        if key[1] is not None:
            by_kind_anchor[(key[0], key[2])].append(key)
    merged: dict[tuple, list[Obligation]] = defaultdict(list)
    for key, obs in groups.items():
        targets = by_kind_anchor.get((key[0], key[2]), [])
        if key[1] is None and len(targets) == 1:
            merged[targets[0]].extend(obs)
        else:
            merged[key].extend(obs)
    return merged


def _days(ob: Obligation) -> float | None:
    approx = ob.timescale.approx_days
    if not approx:
        return None
    return float(max(approx))


def cohort_filter(state: ServiceState, cohort: str) -> str:
    """The lower-cased cohort text to filter on: the canonical cohort for a synonym ("LAC"), or
    part of a known cohort's name ("child protection"). Anything else is an UnknownCohortError,
    since filtering on it would leave every authority looking as if it had no standard."""
    canonical = canonical_cohort(state.taxonomy, cohort)
    if canonical:
        return canonical.lower()
    want = cohort.strip().lower()
    known = set(state.taxonomy.cohort_names()) | {ob.cohort for ob in state.obligations() if ob.cohort}
    if any(want in name.lower() for name in known):
        return want
    raise UnknownCohortError(
        f"Unknown cohort {cohort!r}. Known cohorts: {', '.join(state.taxonomy.cohort_names())}."
    )


def compare_topic(state: ServiceState, topic: str, cohort: str | None = None,
                  authorities: list[str] | None = None) -> dict[str, Any]:
    """The comparison matrix for ``topic`` (canonical), optionally for one cohort."""
    scope = authorities or state.authorities()
    obligations = [ob for a in scope for ob in state.obligations(a, topic)]
    if cohort and cohort.strip():
        want = cohort_filter(state, cohort)
        obligations = [ob for ob in obligations if ob.cohort is None or want in ob.cohort.lower()
                       or ob.cohort.lower() in want]
    groups: dict[tuple, list[Obligation]] = defaultdict(list)
    for ob in obligations:
        groups[_row_key(ob)].append(ob)
    groups = _merge_implicit_cohorts(groups)

    rows = []
    for (kind, row_cohort, anchor), obs in sorted(
        groups.items(), key=lambda kv: (-len({o.authority for o in kv[1]}), kv[0][0], str(kv[0][1]), str(kv[0][2]))
    ):
        cells: dict[str, list[dict]] = {a: [] for a in scope}
        for ob in sorted(obs, key=lambda o: (o.authority, _days(o) or 0)):
            clause = state.clause(ob.clause_id)
            cells[ob.authority].append({
                "timescale": ob.timescale.describe(),
                "approx_days": list(ob.timescale.approx_days) if ob.timescale.approx_days else None,
                "text": clause.text if clause else ob.citation.quote,
                "quote": ob.citation.quote,
                "kind": ob.timescale.kind,
                "obligation_id": ob.id,
                "citation": citation_dict(clause) if clause else None,
            })
        # Per authority, its loosest figure in the row: that is what the authority guarantees.
        per_authority = {}
        for a, items in cells.items():
            days = [max(i["approx_days"]) for i in items if i["approx_days"]]
            if days:
                per_authority[a] = max(days)
        strictest = most_lenient = None
        if len(per_authority) >= 2 and len(set(per_authority.values())) > 1:
            low, high = min(per_authority.values()), max(per_authority.values())
            strictest = sorted(a for a, d in per_authority.items() if d == low)
            most_lenient = sorted(a for a, d in per_authority.items() if d == high)
        rows.append({
            "kind": kind,
            "cohort": row_cohort,
            "anchor": anchor,
            "cells": cells,
            "strictest": strictest,
            "most_lenient": most_lenient,
        })
    covered = {ob.authority for ob in obligations}
    return {
        "topic": topic,
        "cohort": cohort,
        "authorities": scope,
        "rows": rows,
        "gaps": [a for a in scope if a not in covered],
    }
