"""Conflicts: one authority saying two different things about the same duty.

Two obligations conflict when they share authority, topic, cohort, timescale kind, conditions
and occurrence ("the second review"), have the same anchor (or one of them states none), come
from different clauses, and their timescales differ (value or unit). Obligations that carry different conditions, or whose cohorts differ, are
legitimately different duties and are not reported. "20 working days/4 weeks" written as one
phrase is one timescale, so it never conflicts with itself.
"""

from __future__ import annotations

from collections import defaultdict

from extractors.records import Conflict, Obligation


def _key(o: Obligation) -> tuple:
    """Obligations are compared within a group of the same duty (anchor compared pairwise)."""
    t = o.timescale
    return (o.authority, o.topic, o.cohort, t.kind, o.conditions, o.extra.get("occurrence"))


def _same_anchor(a: Obligation, b: Obligation) -> bool:
    """Same anchor event, or one side states none ("the second review at 4 months")."""
    ta, tb = a.timescale, b.timescale
    if ta.anchor_relation != tb.anchor_relation and ta.anchor and tb.anchor:
        return False
    return ta.anchor == tb.anchor or not ta.anchor or not tb.anchor


def _same_figure(a: Obligation, b: Obligation) -> bool:
    ta, tb = a.timescale, b.timescale
    if (ta.value, ta.unit, ta.value_max) == (tb.value, tb.unit, tb.value_max):
        return True
    # The same figure written twice in different units ("4 weeks" and "28 days") is not a conflict.
    if ta.approx_days and tb.approx_days and not (ta.approximate or tb.approximate):
        return tuple(ta.approx_days) == tuple(tb.approx_days)
    return False


def _describe(o: Obligation) -> str:
    t = o.timescale
    try:
        figure = t.describe()
    except Exception:  # the describer is optional for the report; fall back to the phrase
        figure = t.phrase
    where = o.citation.clause_ref or o.citation.section or o.clause_id
    return f"{figure} ({where})"


def find_conflicts(obligations: list[Obligation]) -> list[Conflict]:
    """Pairs of obligations of one authority on the same topic, cohort and anchor with different timescales.

    Obligations without a topic are skipped (they cannot be compared); a group with several
    figures yields one conflict per distinct pair of figures, citing one obligation of each.
    """
    groups: dict[tuple, list[Obligation]] = defaultdict(list)
    for o in obligations:
        if o.topic and o.timescale.kind != "immediate":
            groups[_key(o)].append(o)
    conflicts: list[Conflict] = []
    for key, members in groups.items():
        members = sorted(members, key=lambda o: (o.document_id, o.citation.start))
        seen_pairs: set[tuple] = set()
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a.clause_id == b.clause_id or _same_figure(a, b) or not _same_anchor(a, b):
                    continue
                figures = tuple(sorted([(a.timescale.value or 0, a.timescale.unit or ""),
                                        (b.timescale.value or 0, b.timescale.unit or "")]))
                if figures in seen_pairs:
                    continue
                seen_pairs.add(figures)
                authority, topic, cohort, kind, _, occurrence = key
                anchor = a.timescale.anchor or b.timescale.anchor
                relation = a.timescale.anchor_relation or b.timescale.anchor_relation
                anchor_text = f"{anchor} ({relation})" if anchor and relation == "before" else anchor
                conflicts.append(Conflict(
                    authority=authority, topic=topic, cohort=cohort, anchor=anchor_text,
                    obligations=[a, b],
                    reason=(f"{topic} ({kind}"
                            + (f", for {cohort}" if cohort else "")
                            + (f", from {anchor_text}" if anchor_text else "")
                            + (f", {occurrence} occurrence" if occurrence else "")
                            + f"): {_describe(a)} vs {_describe(b)}"),
                ))
    conflicts.sort(key=lambda c: (c.authority, c.topic, c.obligations[0].citation.start))
    return conflicts
