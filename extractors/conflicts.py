"""Conflicts: one authority giving two different figures for the same duty.

Two obligations state the same duty when everything but the figure matches: the same authority,
the same topic (or, with no topic, the same action), the same party it is done for or with when
both name one ("to the IRO" against "with the family"), the same cohort with the same
qualifiers, the same phase ("first review" against "later reviews"), the same condition, the
same kind (a deadline against a frequency is two duties), and the same canonical anchor event
and relation. They come from different sentences. Then:

- figures that are the same time worded differently ("20 working days/4 weeks" against "28
  days") are kind ``equivalent``: consistent, reported so a policy lead can align the wording;
- figures that differ materially are kind ``conflict``.

Each ``Conflict.same_duty`` says why the two are one duty. ``conflicts_about(obligation,
obligations)`` gives only the conflicts about one obligation's duty (what an answer shows).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache, lru_cache

from extractors.duty import stems
from extractors.records import Conflict, Obligation

# Two figures within this share of each other, in calendar days, are the same time worded
# differently: 20 working days (28 days) against 4 weeks or 28 days, a month (30.4 days)
# against 4 weeks (28 days, 8.6% apart). DOMAIN.md's real differences stay apart: 10 working days
# against 10 days (29%), 5 days against 3 working days (16%).
EQUIVALENT_TOLERANCE = 0.10


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().replace("*", "").split())


def _content_words(text: str | None) -> set[str]:
    return stems(text) - _language_words("function_words")


def _anchor_words(o: Obligation) -> set[str]:
    """The words naming the duty's anchor event, canonical and as written."""
    return _content_words(o.timescale.anchor) | _content_words((o.extra or {}).get("anchor_phrase")
                                                              if isinstance(o.extra, dict) else None)


def _narrowing(o: Obligation) -> tuple[str, ...]:
    """The qualifiers that narrow whom or what the duty is for. A qualifier that only names the
    anchor event again ("reports for review conferences", due before the review conference) says
    when, which the anchor already holds, so it does not make another duty."""
    anchor = _anchor_words(o)
    return tuple(sorted({_norm(q) for q in o.qualifiers or []
                         if not (anchor and _content_words(q) <= anchor)}))


def duty_key(o: Obligation) -> tuple:
    """What makes two obligations one duty (the figure aside)."""
    t = o.timescale
    what = o.topic or ("action", _norm(o.label or o.action))
    return (o.authority, what, o.cohort, _narrowing(o), _norm(o.phase),
            _norm(o.conditions), t.kind, t.anchor, t.anchor_relation if t.anchor else None)


def _object(o: Obligation) -> tuple[str | None, tuple[str, ...]]:
    """The duty's object: its head noun's lemma and the words narrowing it (None/() when verbless)."""
    extra = o.extra if isinstance(o.extra, dict) else {}
    return extra.get("object_lemma"), tuple(extra.get("object_modifiers") or ())


def _same_object(a: Obligation, b: Obligation) -> bool:
    """Both name the same thing done (or one is a verbless item): "Early Help Reviews" is not
    "referral forms"; an "unannounced visit" or "group supervision" is a sub-kind of its plain
    form; a verb with no object read is not known to be either."""
    (la, ma), (lb, mb) = _object(a), _object(b)
    if la is None or lb is None:
        # A verbless item ("Monthly – children placed with parents") takes its duty from its
        # list; a verb whose object was not read ("complete ... every year") could be any duty.
        return all(o.extra.get("verb") is None or _object(o)[0] is not None for o in (a, b)
                   if isinstance(o.extra, dict))
    if la != lb and not (a.extra.get("object_names_topic") and b.extra.get("object_names_topic")):
        return False
    # A modifier naming the anchor event ("review conference reports" due before the review
    # conference) says when, not which thing: it does not narrow the object.
    return stems(" ".join(ma)) - _anchor_words(a) == stems(" ".join(mb)) - _anchor_words(b)


@cache
def _language_words(key: str) -> frozenset[str]:
    """A word list of the taxonomy's ``language`` section, lower-cased (empty when absent)."""
    from extractors.taxonomy import load_taxonomy

    words = load_taxonomy().language.get(key) or []
    return frozenset(w.lower() for w in words) if isinstance(words, list) else frozenset()


@lru_cache(maxsize=1)
def _verb_classes() -> dict[str, int]:
    """Verb lemma -> its class (taxonomy ``language.verb_classes``): verbs of one class do one thing."""
    from extractors.taxonomy import load_taxonomy

    classes = load_taxonomy().language.get("verb_classes") or {}
    return {verb: i for i, (_, verbs) in enumerate(sorted(classes.items())) for verb in verbs} \
        if isinstance(classes, dict) else {}


def _same_act(a: Obligation, b: Obligation) -> bool:
    """The same verb, or verbs of one class ("send" / "share" / "receive"); a verbless item agrees."""
    va, vb = (o.extra.get("verb") if isinstance(o.extra, dict) else None for o in (a, b))
    if not va or not vb or va == vb:
        return True
    classes = _verb_classes()
    return va in classes and classes.get(va) == classes.get(vb)


def _party(o: Obligation) -> str | None:
    """Whom the duty is done for or with. Any of the child's family ("parents", "the child/family",
    "carers") is one party, the family, as against a professional ("the IRO")."""
    party = o.extra.get("party") if isinstance(o.extra, dict) else None
    words = _content_words(party)
    if words and words <= stems(" ".join(_language_words("family_nouns"))):
        return "the child and family"
    return party


def _figures(o: Obligation) -> list[tuple[float, float]]:
    """The calendar-day ranges of an obligation's figure, with its alternative form when written."""
    from extractors.timescale import approx_days, find_timescales

    t = o.timescale
    out = [tuple(t.approx_days) if t.approx_days else approx_days(t.value, t.unit, t.value_max)]
    if t.alternative:
        alt = find_timescales(f"within {t.alternative}")
        if alt and alt[0].approx_days:
            out.append(tuple(alt[0].approx_days))
    return out


def _same_words(a: Obligation, b: Obligation) -> bool:
    ta, tb = a.timescale, b.timescale
    return (ta.value, ta.unit, ta.value_max) == (tb.value, tb.unit, tb.value_max)


def _equivalent(a: Obligation, b: Obligation) -> bool:
    """The same time worded differently: other units, within ``EQUIVALENT_TOLERANCE`` in calendar
    days. Two figures in the same unit ("12 weeks", "13 weeks") differ as written."""
    if a.timescale.unit == b.timescale.unit and not (a.timescale.alternative or b.timescale.alternative):
        return False
    for fa in _figures(a):
        for fb in _figures(b):
            lo = max(min(fa), min(fb), 1e-9)
            if abs(fa[0] - fb[0]) / lo <= EQUIVALENT_TOLERANCE and abs(fa[1] - fb[1]) / lo <= EQUIVALENT_TOLERANCE:
                return True
    return False


def _where(o: Obligation) -> str:
    c = o.citation
    section = c.section.split(" › ")[-1] if c.section else ""
    if c.clause_ref:
        return f"{section}, standard {c.clause_ref}" if section else f"standard {c.clause_ref}"
    return section or o.clause_id


def _describe(o: Obligation) -> str:
    try:
        figure = o.timescale.describe()
    except (KeyError, ValueError, TypeError):  # an unusual unit: the phrase as written still reads
        figure = o.timescale.phrase
    return f"{figure} ({_where(o)})"


def _same_duty_text(a: Obligation, b: Obligation) -> str:
    """Why the two are one duty, in words a policy lead can check."""
    t = a.timescale
    parts = [f"both {'state how often to' if t.kind == 'frequency' else 'set a deadline to'} "
             f"{a.label or a.action or a.topic} ({a.topic or 'no topic'})"]
    if b.label and b.label != a.label:
        parts[0] += f" / {b.label}"
    parts.append(f"for {a.cohort or 'every child'}" + (f" ({', '.join(a.qualifiers)})" if a.qualifiers else ""))
    if _party(a):
        parts.append(f"with or for {_party(a)}")
    parts.append(f"{a.phase} occurrence" if a.phase else "no phase distinguished")
    parts.append(f"when {a.conditions}" if a.conditions else "no condition")
    if t.anchor:
        parts.append(f"{'before' if t.anchor_relation == 'before' else 'from'} {t.anchor}")
    else:
        parts.append("no anchor event")
    return "; ".join(parts)


def _pairs(members: list[Obligation]) -> list[tuple[Obligation, Obligation]]:
    out = []
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            if a.citation.quote == b.citation.quote and a.clause_id == b.clause_id:
                continue  # one sentence: its figures are its own sequence, not a disagreement
            pa, pb = _party(a), _party(b)
            if pa and pb and pa != pb:
                continue  # "to the IRO" against "with the family": two duties
            if not _same_object(a, b) or not _same_act(a, b):
                continue  # "sign off the report" is not "submit the report"
            out.append((a, b))
    return out


def find_conflicts(obligations: list[Obligation], include_equivalent: bool = False) -> list[Conflict]:
    """Same-duty pairs of one authority with different figures (kind "conflict"), and with
    ``include_equivalent`` the same time worded differently (kind "equivalent"; off by default so
    that a caller warning "the standards disagree" never warns about a consistent pair).

    A group with several figures yields one conflict per distinct pair of figures.
    """
    groups: dict[tuple, list[Obligation]] = defaultdict(list)
    for o in obligations:
        if o.timescale.kind == "immediate" or not (o.topic or o.label or o.action) or o.modality == "may":
            continue  # "may" permits, it does not require: nothing to disagree with
        groups[duty_key(o)].append(o)
    conflicts: list[Conflict] = []
    for _key, members in groups.items():
        if len(members) < 2:
            continue
        members = sorted(members, key=lambda o: (o.document_id, o.citation.start))
        seen: set[tuple] = set()
        for a, b in _pairs(members):
            if _same_words(a, b):
                continue
            kind = "equivalent" if _equivalent(a, b) else "conflict"
            if kind == "equivalent" and not include_equivalent:
                continue
            figures = (kind, *sorted([(a.timescale.value or 0, a.timescale.unit or ""),
                                      (b.timescale.value or 0, b.timescale.unit or "")]))
            if figures in seen:
                continue
            seen.add(figures)
            t = a.timescale
            anchor = f"{t.anchor} (before)" if t.anchor and t.anchor_relation == "before" else t.anchor
            what = a.topic or a.label or a.action or ""
            verdict = "the same time worded differently" if kind == "equivalent" else "different figures"
            conflicts.append(Conflict(
                authority=a.authority, topic=what, cohort=a.cohort, anchor=anchor, obligations=[a, b],
                reason=f"{a.label or what}: {_describe(a)} vs {_describe(b)} ({verdict})",
                kind=kind, same_duty=_same_duty_text(a, b),
            ))
    conflicts.sort(key=lambda c: (c.authority, c.kind, c.topic, c.obligations[0].citation.start))
    return conflicts


def conflicts_about(obligation: Obligation, obligations: list[Obligation],
                    include_equivalent: bool = False) -> list[Conflict]:
    """The conflicts about ``obligation``'s duty only (same authority, same duty key).

    What an answer shows beside a figure: a disagreement about this duty, never one about a
    neighbouring duty of the same topic (its recording, another phase, another sub-group).
    """
    key = duty_key(obligation)
    same = [o for o in obligations if o.authority == obligation.authority and duty_key(o) == key]
    if not any(o.id == obligation.id for o in same):
        same.append(obligation)
    return [c for c in find_conflicts(same, include_equivalent)
            if not _party(obligation) or all(_party(o) in (None, _party(obligation)) for o in c.obligations)]
