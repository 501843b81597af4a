"""Composing a cited answer, or abstaining.

For each authority in scope the candidates are the extracted obligations on the question's
topic(s). Each is scored on what the question asked (frequency vs deadline), the cohort, the
words the clause shares with the question, ordinal qualifiers ("first", "stage two") and the
retriever's rank of its clause. The best are stated with their figure, anchor, cohort and
citation; conflicting obligations of one authority are shown side by side. When no authority
has an obligation that fits, the service abstains and points at the nearest clauses.

Every figure shown comes from an extracted obligation whose citation quotes the source; the
service never writes a number of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from extractors.records import Conflict, Obligation
from ingest.errors import BadRequestError
from ingest.records import Clause
from service.deadlines import compute_deadline
from service.question import (
    Question,
    canonical_cohort,
    content_terms,
    find_qualifiers,
    scored_topics,
    understand,
)
from service.state import ServiceState

MAX_PER_AUTHORITY = 3
MAX_QUESTION_CHARS = 1000
# A candidate with no detected topic must share this share of the question's content words.
UNTOPICAL_COVERAGE = 0.75
# How much the share of question words found in the clause (and its context) counts.
LEXICAL_WEIGHT = 1.5
# Extra weight for the question's topic-naming words found in the clause.
KEY_WEIGHT = 1.0
# Fallback when no obligation names the topic: an unlabelled obligation in one of the
# authority's top retrieved clauses, for the question's cohort, sharing this share of words.
FALLBACK_TOP = 3
FALLBACK_COVERAGE = 0.6
FALLBACK_COVERAGE_UNRANKED = 0.75
# A clause must name a question topic at least this strongly (relative to its main topic).
CONTEXT_MIN = 0.5
# A clause mainly about another topic must share this much of the question's wording.
WEAK_CONTEXT_COVERAGE = 0.5
# Penalty for a timescale that runs from the very event the question asks about.
ANCHOR_PENALTY = 0.6
# A candidate of the asked-for kind leads when it scores within this of the best.
KIND_TOLERANCE = 1.0
# Another figure for the same duty is flagged when it scores within this of the lead.
TENSION_MARGIN = 1.2
MAX_TENSIONS = 2
# Others are shown beside the best one when they score within this margin of it.
SHOW_MARGIN = 0.75


@dataclass
class Candidate:
    """An obligation considered for an answer, with its clause and score."""

    obligation: Obligation
    clause: Clause
    score: float
    coverage: float
    topic: str | None = None  # the question topic this obligation answers (may differ from its label)


def check_question(text: str) -> str:
    """Refuse empty and over-long questions with a message saying what is accepted."""
    text = (text or "").strip()
    if not text:
        raise BadRequestError("The question is empty. Ask something like 'When must the first core group meet in Wokingham?'.")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadRequestError(
            f"The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}. Ask one thing at a time."
        )
    return text


# --- citations ---------------------------------------------------------------------------
def citation_label(clause: Clause) -> str:
    """`[Section › Subsection, standard N]` as printed after a statement."""
    parts = [clause.section] if clause.heading_path else []
    if clause.clause_ref:
        parts.append(f"standard {clause.clause_ref}")
    elif clause.page:
        parts.append(f"page {clause.page}")
    return "[" + (", ".join(parts) or clause.document_id) + "]"


def citation_dict(clause: Clause) -> dict:
    """The citation record the API returns: where the clause is and its full text."""
    return {
        "authority": clause.authority,
        "document": clause.document_id,
        "section": clause.section,
        "clause_ref": clause.clause_ref,
        "clause_id": clause.id,
        "text": clause.text,
        "page": clause.page,
        "start": clause.start,
        "end": clause.end,
    }


def obligation_dict(ob: Obligation) -> dict:
    """An obligation as JSON, with its timescale in plain words."""
    data = ob.to_dict()
    data["timescale"]["description"] = ob.timescale.describe()
    return data


def conflict_dict(conflict: Conflict) -> dict:
    """A conflict as JSON: both (or all) sides, each with its citation."""
    return {
        "authority": conflict.authority,
        "topic": conflict.topic,
        "cohort": conflict.cohort,
        "anchor": conflict.anchor,
        "reason": conflict.reason,
        "obligations": [obligation_dict(o) for o in conflict.obligations],
    }


# --- scoring -----------------------------------------------------------------------------
_MARKUP = re.compile(r"</?\w+>|[*_`]")


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKUP.sub("", text)).strip()


def local_segment(clause: Clause, ob: Obligation) -> str:
    """The part of the clause that states this obligation: from the last break (. ; ,) before
    the timescale phrase to a little after it. Several timescales in one clause ("within 28
    days, the second review at 4 months") each get their own segment."""
    t = ob.timescale
    text = clause.text
    if not (0 <= t.start <= t.end <= len(text)) or text[t.start:t.end] != t.phrase:
        return clause.plain_text
    before = text[: t.start]
    cut = max(before.rfind("."), before.rfind(";"), before.rfind(","))
    after = re.split(r"[.;,]", text[t.end: t.end + 60], maxsplit=1)[0]
    return before[cut + 1:] + text[t.start: t.end] + after


def qualifier_clash(question: Question, clause_text: str) -> bool:
    """True when the clause names only a different member of a qualifier set the question uses.

    "stage two complaint" vs a clause about "stage one complaints"; "second review" vs a clause
    about the "first review". A clause naming the question's own qualifier never clashes.
    """
    if not question.qualifiers:
        return False
    in_clause = find_qualifiers(clause_text)
    for set_index, member in question.qualifiers:
        clause_members = {m for s, m in in_clause if s == set_index}
        if clause_members and member not in clause_members:
            return True
    return False


def _kind_score(asks: str, ob: Obligation) -> float:
    kind = ob.timescale.kind
    if asks == "how_often":
        return 0.6 if kind == "frequency" else -0.5
    if asks in ("when", "how_long"):
        return 0.3 if kind in ("deadline", "immediate") else -0.1
    return 0.0


def _cohort_score(question: Question, ob: Obligation, clause: Clause, taxonomy: Any) -> float:
    """Reward the question's cohort, penalise another named cohort, stay neutral when none is named."""
    if not question.cohort:
        return 0.0
    want = question.cohort.lower()
    if ob.cohort:
        if ob.cohort.lower() == want:
            return 0.6
        want_terms, have_terms = set(content_terms(want)), set(content_terms(ob.cohort))
        if want_terms and len(want_terms & have_terms) / len(want_terms) >= 0.5:
            return 0.3
        return -0.4
    if clause.cohort_context:
        named = canonical_cohort(taxonomy, clause.cohort_context)
        if named:
            return 0.4 if named.lower() == want else -0.4
    return 0.0


def _anchor_is_topic(state: ServiceState, ob: Obligation, topic: str) -> bool:
    """Does the obligation run from the very event the question is about?

    "Minutes within 24 hours of the strategy meeting" is not when the strategy meeting is held:
    a timescale anchored on the topic's own event answers a different question.
    """
    anchor = ob.timescale.anchor
    # Only the anchor's main reading counts: "the initial conference" is not the review conference.
    return bool(anchor) and state.anchor_topics(anchor).get(topic, 0.0) >= 0.99


_SEGMENT_TOPICS: dict[tuple[int, str], dict[str, float]] = {}


def _segment_topics(state: ServiceState, segment: str) -> dict[str, float]:
    """Topics the taxonomy reads in one timescale's own words (cached per taxonomy and text)."""
    key = (id(state.taxonomy), segment)
    found = _SEGMENT_TOPICS.get(key)
    if found is None:
        found = _SEGMENT_TOPICS[key] = scored_topics(state.taxonomy, segment)
    return found


def score_candidates(
    question: Question, obligations: list[Obligation], state: ServiceState, hit_ranks: dict[str, int]
) -> list[Candidate]:
    """Score each obligation for ``question``; drop those answering a different question.

    An obligation counts for a question topic when the extractor gave it that topic, or when
    its clause (with section and table row) names that topic — at a small discount, since the
    extractor may have preferred another reading.
    """
    terms = set(question.terms)
    out: list[Candidate] = []
    seen: set[str] = set()
    for ob in obligations:
        if ob.id in seen:
            continue
        seen.add(ob.id)
        clause = state.clause(ob.clause_id)
        if clause is None:
            continue
        context = state.context_topics(clause, ob.cohort)
        topic_bonus, matched = 0.0, None
        if ob.topic in question.topic_scores:
            # The extractor's label names a question topic: trust it, less so when the clause
            # itself does not bear it out.
            matched = ob.topic
            weight = question.topic_scores[ob.topic]
            topic_bonus = weight if (not context or ob.topic in context) else weight - 0.4
        else:
            # When the extractor gave the obligation another topic, the words around this very
            # timescale must name the question's topic: a section heading or table row alone
            # ("Children in Need") does not turn an assessment's review period into a visit.
            own = _segment_topics(state, local_segment(clause, ob)) if ob.topic else context
            for topic in question.topics:
                # The clause names the topic (at least half as strongly as its main topic)
                # although the extractor labelled it otherwise or not at all: admit it, a little
                # below a labelled obligation.
                if context.get(topic, 0.0) >= CONTEXT_MIN and own.get(topic, 0.0) >= CONTEXT_MIN:
                    bonus = question.topic_scores.get(topic, 1.0) * context[topic] - 0.2
                    if matched is None or bonus > topic_bonus:
                        topic_bonus, matched = bonus, topic
        if question.topics and matched is None:
            continue
        if matched != ob.topic and ob.topic and context.get(ob.topic, 0.0) > context.get(matched, 0.0):
            # The clause is mainly about the extractor's topic; the question's topic is only
            # mentioned. Keep it only if the clause shares much of the question's wording.
            weak_context = True
        else:
            weak_context = False
        if matched and question.asks != "who" and _anchor_is_topic(state, ob, matched):
            # Runs from the topic's own event: usually a follow-up ("minutes within 24 hours
            # of the conference"), sometimes what was asked ("letter after a case closure").
            # Not labelled with the topic either: it is about something after the event.
            if matched != ob.topic:
                continue
            topic_bonus -= ANCHOR_PENALTY
        segment = local_segment(clause, ob)
        if qualifier_clash(question, segment):
            continue
        if question.topics:
            clause_terms = state.clause_terms(clause, ob)
        else:
            # No topic to anchor on: only the words around this timescale count, so a long
            # clause listing many duties does not match everything.
            clause_terms = set(content_terms(" ".join(filter(None, [segment, clause.cohort_context, ob.cohort]))))
        shared = terms & clause_terms
        coverage = len(shared) / len(terms) if terms else 0.0
        if weak_context and coverage < WEAK_CONTEXT_COVERAGE:
            continue
        score = LEXICAL_WEIGHT * coverage + topic_bonus
        if question.key_terms:
            # The words that name the topic ("visit", "review", "report") matter most.
            key = set(question.key_terms)
            score += KEY_WEIGHT * len(key & state.clause_terms(clause, ob)) / len(key)
        score += _kind_score(question.asks, ob)
        score += _cohort_score(question, ob, clause, state.taxonomy)
        rank = hit_ranks.get(clause.id)
        if rank is not None:
            score += 0.6 / (1 + rank)
        if question.qualifiers and find_qualifiers(segment):
            score += 0.3  # the clause names the question's own qualifier (clashes were dropped)
        out.append(Candidate(ob, clause, score, coverage, topic=matched or ob.topic))
    out.sort(key=lambda c: (-c.score, c.clause.ordinal))
    return out


def _select(cands: list[Candidate], asks: str) -> list[Candidate]:
    """The best candidate and any close runner-ups from other clauses, at most a few.

    A "how often" question leads with the best frequency and a "when" question with the best
    deadline, when one scores reasonably close to the overall best: the other kind is context.
    """
    if not cands:
        return []
    wanted = {"how_often": ("frequency",), "when": ("deadline", "immediate"), "how_long": ("deadline",)}.get(asks)
    if wanted:
        lead = next((c for c in cands if c.obligation.timescale.kind in wanted), None)
        if lead is not None and lead is not cands[0] and lead.score >= cands[0].score - KIND_TOLERANCE:
            cands = [lead] + [c for c in cands if c is not lead]
    best = cands[0].score
    chosen: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(cands):
        key = (c.clause.id, c.obligation.timescale.phrase)
        if key in seen:
            continue
        if i > 0 and c.score < best - SHOW_MARGIN:
            continue
        seen.add(key)
        chosen.append(c)
        if len(chosen) >= MAX_PER_AUTHORITY:
            break
    return chosen


# --- composition -------------------------------------------------------------------------
def statement(ob: Obligation, clause: Clause, topic: str | None = None) -> str:
    """One sentence: what, for whom, the timescale (as normalised and as written), who, citation.

    The subject is the topic the obligation answers (the extractor's action fragments read
    badly out of their sentence); the cited clause text carries the full wording.
    """
    what = _plain(topic or ob.topic or ob.action or "this standard")
    what = what[:1].upper() + what[1:]
    who = f" (for {ob.cohort})" if ob.cohort else ""
    words = ob.timescale.describe()
    written = _plain(ob.timescale.phrase)
    quoted = f" (“{written}”)" if written and written.lower() not in words.lower() else ""
    actor = f"; responsible: {ob.actor}" if ob.actor else ""
    return f"{what}{who}: {words}{quoted}{actor} {citation_label(clause)}"


def _conflicts_for(state: ServiceState, authority: str, chosen: list[Candidate]) -> list[Conflict]:
    from extractors.conflicts import find_conflicts

    topics = {c.obligation.topic for c in chosen}
    ids = {c.obligation.id for c in chosen}
    pool = [ob for t in topics for ob in state.obligations(authority, t)]
    return [cf for cf in find_conflicts(pool) if any(o.id in ids for o in cf.obligations)]


def _same_figure(a: Obligation, b: Obligation) -> bool:
    """Same value and unit, or the same calendar time written two ways ("4 weeks" and "28 days").

    Working days, months and terms convert only approximately: "20 working days" and "28 days"
    are different standards (bank holidays), as the conflict finder also holds.
    """
    ta, tb = a.timescale, b.timescale
    if (ta.value, ta.unit, ta.value_max) == (tb.value, tb.unit, tb.value_max):
        return True
    if ta.approx_days and tb.approx_days and not (ta.approximate or tb.approximate):
        return min(ta.approx_days) <= max(tb.approx_days) and min(tb.approx_days) <= max(ta.approx_days)
    return False


def _tensions(cands: list[Candidate], chosen: list[Candidate]) -> list[Conflict]:
    """Other figures the authority gives for what reads as the same duty as the answer's lead.

    The extractor's conflict finder needs identical labels (topic, cohort, anchor); the
    extractor sometimes labels the same duty with different topics ("report to the IRO"
    as a care plan in one clause, a review report in another). A close-scoring candidate of
    the same kind, running from the same event, from another clause, for a compatible cohort
    and with a different figure is shown beside the lead so the reader sees both; nothing is
    resolved.
    """
    if not chosen:
        return []
    lead = chosen[0]
    lt = lead.obligation.timescale

    def same_duty(ob: Obligation, shown: bool) -> bool:
        t = ob.timescale
        if not shown and ob.topic and ob.topic != lead.obligation.topic:
            return False  # labelled as another duty (e.g. supervision listed under a meeting's heading)
        if t.kind != lt.kind or t.anchor_relation != lt.anchor_relation or t.kind == "immediate":
            return False
        if (t.anchor or "").lower() != (lt.anchor or "").lower():
            return False  # a different starting event is a different duty, not a disagreement
        cohort, lead_cohort = ob.cohort, lead.obligation.cohort
        return not (cohort and lead_cohort and cohort != lead_cohort)

    out: list[Conflict] = []
    flagged: list[Obligation] = [lead.obligation]
    # Shown statements first (they already disagree on the page), then close runners-up.
    others = chosen[1:] + [c for c in cands if c not in chosen and c.score >= lead.score - TENSION_MARGIN]
    for c in others:
        ob = c.obligation
        if c.clause.id == lead.clause.id or any(_same_figure(ob, o) for o in flagged):
            continue
        if not same_duty(ob, shown=c in chosen):
            continue
        flagged.append(ob)
        out.append(Conflict(
            authority=ob.authority, topic=lead.obligation.topic or ob.topic or "", cohort=lead.obligation.cohort,
            anchor=lt.anchor,
            obligations=[lead.obligation, ob],
            reason=f"two figures for what reads as the same duty: {lt.describe()} vs {ob.timescale.describe()}",
        ))
        if len(out) >= MAX_TENSIONS:
            break
    return out


def _conflict_sentence(state: ServiceState, conflict: Conflict) -> str:
    sides = []
    for ob in conflict.obligations:
        clause = state.clause(ob.clause_id)
        label = citation_label(clause) if clause else ""
        sides.append(f"{ob.timescale.describe()} {label}".strip())
    return (
        f"Note: {conflict.authority}'s standards disagree on this ({conflict.reason}): "
        + "; but ".join(sides)
        + ". Both are shown; check with your manager which applies."
    )


def nearest_clauses(state: ServiceState, question: Question, scope: list[str], k: int = 3) -> list[Clause]:
    """The clauses closest to the question, for "you may want to look at"."""
    from index.records import SearchFilters

    hits = state.search(question.text, k=k, filters=SearchFilters(authorities=scope))
    return [h.clause for h in hits[:k]]


def _hit_ranks(state: ServiceState, question: Question, scope: list[str]) -> dict[str, dict[str, int]]:
    """Per authority, the rank of each retrieved clause (0 = best)."""
    from index.records import SearchFilters

    text = question.text
    if question.topics:
        text = f"{text} ({', '.join(question.topics[:2])})"
    hits = state.search(text, k=40, filters=SearchFilters(authorities=scope))
    ranks: dict[str, dict[str, int]] = {}
    for hit in hits:
        per = ranks.setdefault(hit.clause.authority, {})
        per.setdefault(hit.clause.id, len(per))
    return ranks


def candidates_for(state: ServiceState, question: Question, authority: str, ranks: dict[str, int]) -> list[Candidate]:
    """Scored obligations of one authority that could answer ``question``."""
    if question.topics:
        # Every obligation of the authority is looked at: the topic may sit in the clause's
        # context rather than in the extractor's label (score_candidates decides).
        found = score_candidates(question, state.obligations(authority), state, ranks)
        if found or not question.cohort:
            return found
        # Retrieval fallback: the extractor left the obligation without a topic, and the
        # taxonomy cannot read one in the clause (a bare table cell under a cohort row). Accept
        # it only from a top-ranked clause, for the question's own cohort, with most words shared.
        pool = [ob for ob in state.obligations(authority) if ob.topic is None and ob.cohort == question.cohort]
        bare = Question(**{**question.__dict__, "topics": [], "topic_scores": {}})
        return [
            c for c in score_candidates(bare, pool, state, ranks)
            if c.coverage >= FALLBACK_COVERAGE_UNRANKED
            or (c.coverage >= FALLBACK_COVERAGE and ranks.get(c.clause.id, FALLBACK_TOP) < FALLBACK_TOP)
        ]
    # No topic recognised: only clauses the retriever found and that share most of the
    # question's words may answer; anything looser is a guess.
    top_clauses = [cid for cid, r in sorted(ranks.items(), key=lambda kv: kv[1]) if r < 5]
    pool = [ob for ob in state.obligations(authority) if ob.clause_id in top_clauses]
    return [c for c in score_candidates(question, pool, state, ranks) if c.coverage >= UNTOPICAL_COVERAGE]


def ask(
    state: ServiceState, text: str, authorities: list[str] | None = None, today: date | None = None
) -> dict[str, Any]:
    """Answer ``text`` for the requested authorities (canonical names), or all when none."""
    question = understand(text, state.taxonomy, state.matcher, requested=authorities, today=today)
    known = state.authorities()
    if question.unknown_places and not question.authorities:
        return {
            "answer": f"The standards held are for {', '.join(known) or 'no authority yet'}; "
                      f"{', '.join(question.unknown_places)} is not among them, so this cannot be answered "
                      "from them. Ask about one of those authorities, or add the document (standards ingest).",
            "abstained": True,
            "authorities": [],
            "citations": [],
            "obligations": [],
            "conflicts": [],
            "deadline": None,
            "question": question.to_dict() | {"unknown_places": question.unknown_places},
        }
    named = bool(question.authorities)
    scope = question.authorities or known
    ranks = _hit_ranks(state, question, scope)

    lines: list[str] = []
    citations: dict[str, dict] = {}
    obligations: list[dict] = []
    conflicts: list[dict] = []
    answered: list[str] = []
    missing: list[str] = []
    first_choice: Candidate | None = None
    for authority in scope:
        cands = candidates_for(state, question, authority, ranks.get(authority, {}))
        chosen = _select(cands, question.asks)
        if not chosen:
            missing.append(authority)
            continue
        answered.append(authority)
        first_choice = first_choice or chosen[0]
        parts = [statement(c.obligation, c.clause, c.topic) for c in chosen]
        lines.append(f"{authority}: " + "; ".join(parts) + ".")
        for c in chosen:
            citations.setdefault(c.clause.id, citation_dict(c.clause))
            obligations.append(obligation_dict(c.obligation))
        found = _conflicts_for(state, authority, chosen)
        pairs = {frozenset(o.id for o in cf.obligations) for cf in found}
        found += [t for t in _tensions(cands, chosen) if frozenset(o.id for o in t.obligations) not in pairs]
        for cf in found:
            conflicts.append(conflict_dict(cf))
            lines.append(_conflict_sentence(state, cf))
            for ob in cf.obligations:
                clause = state.clause(ob.clause_id)
                if clause:
                    citations.setdefault(clause.id, citation_dict(clause))

    topic_words = question.topics[0] if question.topics else "this"
    if not answered:
        near = nearest_clauses(state, question, scope)
        where = ", ".join(scope) if named else "any of the standards held"
        message = f"The standards do not answer this: no standard on {topic_words} with the timescale asked for in {where}."
        if near:
            message += " You may want to look at: " + "; ".join(
                f"{c.authority} {citation_label(c)}" for c in near
            ) + "."
        return {
            "answer": message,
            "abstained": True,
            "authorities": scope,
            "citations": [citation_dict(c) for c in near],
            "obligations": [],
            "conflicts": [],
            "deadline": None,
            "question": question.to_dict(),
        }

    if missing:
        lines.append(f"No standard on {topic_words} found for: {', '.join(missing)}.")
    deadline = None
    if question.date and first_choice is not None:
        ob = first_choice.obligation
        calc = compute_deadline(ob.timescale, question.date)
        deadline = calc.to_dict() | {"obligation_id": ob.id, "authority": ob.authority}
        if calc.due:
            lines.append(
                f"Due date ({ob.authority}): {date.fromisoformat(calc.due):%A %-d %B %Y}. " + " ".join(calc.steps)
            )
        elif calc.note:
            lines.append(calc.note)
    return {
        "answer": "\n".join(lines),
        "abstained": False,
        "authorities": scope,
        "citations": list(citations.values()),
        "obligations": obligations,
        "conflicts": conflicts,
        "deadline": deadline,
        "question": question.to_dict(),
    }
