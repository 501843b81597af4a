"""Answering a question from the evidence, in the document's own words, or abstaining.

``ask`` reads the question (``service.question.understand``: authorities through the one
resolver, what kind of answer is asked for, the conversation's missing parts), gathers the
candidate sentences of each authority in scope and scores them (``service.evidence``), and
states, per authority, the best one above the abstention threshold:

- a timescale question: the figure asked about first (the timescale grammar over the quoted
  sentence, phrased by ``describe_timescale``), then the sentence quoted with the figure
  marked, its qualifiers and the citation. A figure the question itself states and the
  document does not ("every 2 weeks") is corrected in a note. A standard that covers the event
  but sets no timescale is quoted as such.
- how many: the sentence giving a number of the thing counted, the number marked (a deadline
  never answers a count).
- who / what / what happens if / why: the sentence(s) that say so, quoted and cited, with the
  list a sentence introduces kept as a list.
- nothing above the threshold: an abstention with the nearest clauses.

Every figure shown comes from a quoted sentence of a held document; nothing composes a number.
"""

from __future__ import annotations

import re
from datetime import date

from extractors.records import Conflict, Obligation, Timescale
from ingest.errors import BadRequestError
from ingest.records import Clause
from service.deadlines import compute_deadline
from service.evidence import (
    DEFAULT_WEIGHTS,
    Candidate,
    Evidence,
    Weights,
    clause_sentences,
    gather,
    list_items,
    role_column_answers,
    sentence_facts,
)
from service.question import Question, states_a_count, understand
from service.records import Answer, CitationView, Statement, record_dict
from service.state import ServiceState

# Statements per authority: the best, and at most two others close to it (``Weights.show_margin``)
# from another sentence, so an answer stays short.
MAX_STATEMENTS = 3
# Longest quote shown in full; a longer sentence is cut around its marks with "…".
MAX_QUOTE_CHARS = 260
# Context kept either side of the marked span when a quote is cut.
QUOTE_CONTEXT = 90
# Nearest clauses offered with an abstention.
NEAREST = 3
MAX_QUESTION_CHARS = 1000
# Earlier questions kept as a conversation's context (the page keeps about this many turns).
MAX_HISTORY = 20
# Fallback statuses (service.baseline) whose text an answer adds for an authority it found no
# answer for: the national figure applies, or national law sets none either.
NATIONAL_WHEN_SILENT = ("silent", "no_national_figure")
# A figure stated in the question matches the document's when their calendar spans differ by
# at most this share (12 months and a year; 4 weeks and 28 days are equal anyway).
PREMISE_TOLERANCE = 0.05


# --- the question as sent ------------------------------------------------------------------
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


def check_history(history: list[str] | None) -> list[str]:
    """Refuse a conversation that is too long or holds an empty or over-long question."""
    history = list(history or [])
    if len(history) > MAX_HISTORY:
        raise BadRequestError(
            f"'history' holds {len(history)} questions; at most {MAX_HISTORY} earlier questions are used. "
            "Send the latest ones, oldest first."
        )
    out = []
    for i, earlier in enumerate(history):
        text = (earlier or "").strip() if isinstance(earlier, str) else ""
        if not text:
            raise BadRequestError(f"'history'[{i}] is empty; send the earlier questions as they were asked.")
        if len(text) > MAX_QUESTION_CHARS:
            raise BadRequestError(f"'history'[{i}] is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}.")
        out.append(text)
    return out


# --- records the other routes share ------------------------------------------------------
def citation_dict(clause: Clause) -> dict:
    """The citation record the API returns: where the clause is, its label and its full text."""
    return CitationView.from_clause(clause).to_dict()


def obligation_dict(ob: Obligation) -> dict:
    """An obligation as JSON, with its timescale in plain words."""
    data = record_dict(ob)
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
        "kind": getattr(conflict, "kind", "conflict"),
        "obligations": [obligation_dict(o) for o in conflict.obligations],
    }


# --- figures in a sentence ---------------------------------------------------------------
# A bracketed aside in a sentence ("(up to 20 days for complex cases)").
_BRACKETED = re.compile(r"\([^()]*\)")


def _whole_words(text: str) -> set[str]:
    """Content words of ``text``, whole (a plural folded to its singular), stopwords left out."""
    from service.question import content_terms

    return {re.sub(r"(?<=[a-z]{3})s$", "", w) for w in re.findall(r"[a-z]+", text.lower())
            if content_terms(w)}


def _near(a: tuple[int, int], b: tuple[int, int], window: int) -> bool:
    return a[0] - window <= b[1] and b[0] <= a[1] + window


def order_figures(question: Question, cand: Candidate) -> list[Timescale]:
    """The sentence's figures, the one asked about first.

    The kind asked for first (a frequency for "how often"); then the one whose surroundings
    name the question's qualifier ("first year", "stage two"); a figure outside brackets before
    one in a bracketed aside the question does not echo ("within 15 working days (up to 20 days
    for complex cases)": the aside qualifies the main figure), and after one in an aside it does
    echo (a question on complex cases); then the one whose surroundings share the question's
    words; a figure that is also an extracted duty before one that is not; otherwise reading order.
    """
    from service.evidence import QUALIFIER_WINDOW, _figure_kind_fit
    from service.question import content_terms, find_qualifiers

    plain = cand.facts.plain
    terms = set(question.terms)
    duties = {(o.timescale.kind, o.timescale.value, o.timescale.unit) for o in cand.obligations}
    asked_words = _whole_words(question.search_text)

    def key(item: tuple[int, Timescale]) -> tuple:
        i, t = item
        lo, hi = max(0, t.start - QUALIFIER_WINDOW), min(len(plain), t.end + QUALIFIER_WINDOW)
        around = plain[lo:hi]
        kind = _figure_kind_fit(question.asks, [t])[0] if question.asks_timescale else 0.0
        quals = find_qualifiers(around)
        qual = 1 if set(question.qualifiers) & set(quals) else 0
        words = len(terms & set(content_terms(around)))
        aside = next((m for m in _BRACKETED.finditer(plain) if m.start() < t.start and t.end <= m.end()), None)
        # An aside the question echoes is the case asked about: its figure first; else last.
        # Whole words, not stems: "complaints" does not echo "complex cases".
        aside_rank = 0 if aside is None else (-1 if asked_words & _whole_words(aside.group(0)) else 1)
        return (-kind, -qual, aside_rank, -words, -((t.kind, t.value, t.unit) in duties), i)

    return [t for _, t in sorted(enumerate(cand.facts.timescales), key=key)]


def _obligation_for(cand: Candidate, t: Timescale) -> Obligation | None:
    for ob in cand.obligations:
        o = ob.timescale
        if (o.kind, o.value, o.unit) == (t.kind, t.value, t.unit):
            return ob
    return None


def _same_figure(a: Timescale, b: Timescale) -> bool:
    """Same figure: value and unit, or the same calendar span written two ways ("4 weeks", "28 days")."""
    if (a.value, a.unit, a.value_max) == (b.value, b.unit, b.value_max):
        return True
    if a.approx_days and b.approx_days and not (a.approximate or b.approximate):
        return tuple(a.approx_days) == tuple(b.approx_days)
    return False


def _quote(plain: str, marks: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence, cut around its marks when long; marks shifted to match."""
    if len(plain) <= MAX_QUOTE_CHARS or not marks:
        return plain, marks
    lo = max(0, min(m[0] for m in marks) - QUOTE_CONTEXT)
    hi = min(len(plain), max(m[1] for m in marks) + QUOTE_CONTEXT)
    # Whole words only.
    if lo > 0:
        space = plain.find(" ", lo)
        lo = space + 1 if 0 <= space < min(m[0] for m in marks) else lo
    if hi < len(plain):
        space = plain.rfind(" ", max(m[1] for m in marks), hi)
        hi = space if space > 0 else hi
    prefix, suffix = ("…" if lo > 0 else ""), ("…" if hi < len(plain) else "")
    shift = len(prefix) - lo
    kept = [(a + shift, b + shift) for a, b in marks if a >= lo and b <= hi]
    return prefix + plain[lo:hi].strip() + suffix, kept


def _qualifiers(cand: Candidate, ob: Obligation | None) -> list[str]:
    """Whom and when the statement applies to, in the document's words where it has them."""
    out: list[str] = []
    if ob is not None:
        out.extend(q for q in (ob.qualifiers or []) if q)
        if ob.phase:
            out.append(ob.phase)
        if ob.conditions:
            out.append(ob.conditions)
    if cand.clause.cohort_context:
        out.append(" ".join(cand.clause.cohort_context.split()))
    elif ob is not None and ob.cohort:
        out.append(f"for {ob.cohort}")
    seen: list[str] = []
    for q in out:
        if q.lower() not in (s.lower() for s in seen) and q.lower() not in cand.facts.plain.lower():
            seen.append(q)
    return seen[:3]


def _statement(state: ServiceState, question: Question, cand: Candidate, rows: dict) -> tuple[Statement, Obligation | None, Timescale | None]:
    citation = CitationView.from_clause(cand.clause)
    items = list_items(state, cand, rows.get(cand.clause.id, [])) if cand.facts.lead else []
    if question.asks_timescale and cand.has_figure:
        figures = order_figures(question, cand)
        lead = figures[0]
        ob = _obligation_for(cand, lead)
        shown = ob.timescale if ob is not None else lead
        marks = [(t.start, t.end) for t in figures]
        sentence, marks = _quote(cand.facts.plain, [(lead.start, lead.end)] + [m for m in marks[1:]])
        others = [t.describe() for t in figures[1:] if not _same_figure(t, lead)]
        return Statement(
            authority=cand.authority, kind="figure", sentence=sentence, citation=citation,
            figure=shown.describe(), written=lead.phrase, marks=marks, qualifiers=_qualifiers(cand, ob),
            items=items, other_figures=list(dict.fromkeys(others)), obligation_id=ob.id if ob else None,
            sentence_id=cand.row.id,
        ), ob, shown
    if question.asks_timescale:
        sentence, marks = _quote(cand.facts.plain, [])
        return Statement(authority=cand.authority, kind="no_timescale", sentence=sentence, citation=citation,
                         items=items, sentence_id=cand.row.id), None, None
    marks = list(cand.facts.roles(state.taxonomy)) if question.asks == "who" else []
    if question.asks == "how_many":
        # The number asked about is marked, as a figure is.
        marks = states_a_count(cand.facts.plain, question.counted,
                               [(t.start, t.end) for t in cand.facts.timescales if t.kind != "frequency"])
    sentence, marks = _quote(cand.facts.plain, marks)
    qualifiers = _qualifiers(cand, None) if cand.clause.cohort_context else []
    if question.asks == "who" and role_column_answers(question, cand.clause, cand.facts):
        # Who holds the row's duty is in the table's role column, whoever else the sentence
        # names ("visited ... as agreed with the Team Manager": the social worker visits).
        qualifiers.append(f"responsible: {' '.join(cand.clause.role_context.split())}")
    return Statement(authority=cand.authority, kind="quote", sentence=sentence, citation=citation, marks=marks,
                     qualifiers=qualifiers, items=items, sentence_id=cand.row.id), None, None


def _clause_has_figure(state: ServiceState, cand: Candidate, rows: dict) -> bool:
    return any(sentence_facts(state, r).timescales for r in rows.get(cand.clause.id, []))


def _choose(question: Question, cands: list[Candidate], weights: Weights) -> tuple[list[Candidate], Candidate | None]:
    """(the candidates to state, a covering sentence with no figure), by the abstention threshold.

    For a timescale question only sentences with a figure answer; if none reaches the threshold
    but a sentence without one does (its "no figure" feature aside), the standard covers the
    event without a timescale.
    """
    if not cands:
        return [], None
    answering = [c for c in cands if c.can_answer(question)]
    if answering and answering[0].score >= weights.threshold:
        return _close_to_best(answering, weights), None
    if question.asks_timescale:
        # Scored as if it stated a figure of the kind asked: would it answer, had it one?
        def relevance(c: Candidate) -> float:
            # (one already stating a figure of that kind has its kind_match counted once, not twice)
            return (c.score - weights.no_figure * c.features.get("no_figure", 0.0)
                    - weights.kind_other * c.features.get("kind_other", 0.0)
                    + weights.kind_match * (1.0 - c.features.get("kind_match", 0.0)))
        # A sentence on another stage or age band covers a different duty, not this one.
        others = [c for c in cands if not c.is_other_duty]
        if not others:
            return [], None
        covering = max(others, key=relevance)
        # "Covers this but sets no timescale" claims the standard names the event: a sentence
        # merely worded alike (a strategy meeting for a core group question) does not.
        if not covering.has_figure and covering.names_subject and relevance(covering) >= weights.threshold:
            # A lead ("... at the following intervals:") covers the event and its items give the
            # figures: the best of its items answers, not "covers this but sets no timescale".
            items = [c for c in answering if covering.facts.lead and c.lead_text == covering.facts.plain]
            if items:
                return _close_to_best(items, weights), None
            return [], covering
    return [], None


def _close_to_best(ranked: list[Candidate], weights: Weights) -> list[Candidate]:
    """The best of ``ranked`` (best first) and those within ``show_margin`` of it, at most
    ``MAX_STATEMENTS``, each sentence once."""
    chosen: list[Candidate] = []
    best = ranked[0].score
    for c in ranked:
        if len(chosen) >= MAX_STATEMENTS or c.score < best - weights.show_margin:
            break
        if any(c.row.id == o.row.id or c.facts.plain == o.facts.plain for o in chosen):
            continue  # the same sentence twice (a document that repeats itself, or two versions of it)
        chosen.append(c)
    return chosen


def _close_figure(a: Timescale, b: Timescale) -> bool:
    """The same figure, or calendar spans within ``PREMISE_TOLERANCE`` ("annually" and "12 months")."""
    if _same_figure(a, b):
        return True
    if a.approx_days and b.approx_days:
        lo, hi = sorted([max(a.approx_days), max(b.approx_days)])
        return hi > 0 and (hi - lo) / hi <= PREMISE_TOLERANCE
    return False


def _premise_note(question: Question, authority: str, figure: Timescale | None) -> str | None:
    """A plain statement that the question's own figure does not match the document's.

    Only a figure of the kind answered is compared ("the annual review": a name, when the
    answer is a deadline for it).
    """
    premise = [p for p in question.premise if figure is None or (p.kind == "frequency") == (figure.kind == "frequency")]
    if not premise:
        return None
    stated = ", ".join(f"“{t.phrase}”" for t in premise)
    if figure is None:
        return f"The question says {stated}; {authority}'s standards held here set no such figure."
    if any(_close_figure(p, figure) for p in premise):
        return None
    return (f"The question says {stated}, but that does not match {authority}'s standard: "
            f"it says {figure.describe()} (“{figure.phrase}”).")


def _conflicts_for(state: ServiceState, ob: Obligation) -> list[Conflict]:
    """Conflicts about the answered duty only: the obligation's own authority and topic."""
    from extractors.conflicts import find_conflicts

    if not ob.topic:
        return []
    # The pool only changes with the store generation: its conflicts are found once per snapshot.
    cache = state.generation_cache("conflicts")
    key = (ob.authority, ob.topic)
    found = cache.get(key)
    if found is None:
        found = cache[key] = find_conflicts(state.obligations(ob.authority, ob.topic))
    return [cf for cf in found if any(o.id == ob.id for o in cf.obligations)]


def _conflict_line(state: ServiceState, conflict: Conflict) -> str:
    sides = []
    for ob in conflict.obligations:
        clause = state.clause(ob.clause_id)
        label = CitationView.from_clause(clause).label if clause else ob.clause_id
        sides.append(f"{ob.timescale.describe()} (“{ob.timescale.phrase}”) [{label}]")
    return (f"Note: {conflict.authority}'s standards disagree on this: " + "; but ".join(sides)
            + ". Both are shown; check with your manager which applies.")


def _nearest(evidence: Evidence, scope: list[str]) -> list[Clause]:
    """The closest clauses overall: each authority's best-ranked clause first, in turn."""
    out: list[Clause] = []
    for depth in range(NEAREST):
        for authority in scope:
            hits = evidence.hits.get(authority) or []
            if depth < len(hits) and all(c.id != hits[depth].clause.id for c in out):
                out.append(hits[depth].clause)
            if len(out) >= NEAREST:
                return out
    return out


def ask(
    state: ServiceState,
    text: str,
    authorities: list[str] | None = None,
    history: list[str] | None = None,
    today: date | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    notes: list[str] | None = None,
) -> Answer:
    """Answer ``text`` for the requested authorities (canonical names), or those it names, or all.

    ``history``: the conversation's earlier questions, oldest first; a follow-up takes the
    authority, subject or cohort it lacks from them. ``notes``: what resolving the request's
    own parameters found (a requested name read as a held authority), shown first.
    """
    question = understand(text, state.resolver, state.taxonomy, requested=authorities, history=history, today=today)
    known = state.authorities()
    notes = [*(notes or []), *question.notes]
    if question.unknown_places and not question.authorities:
        places = ", ".join(question.unknown_places)
        message = (f"No standards are held for {places}, so this cannot be answered from them. "
                   f"The standards held are for {', '.join(known) or 'no authority yet'}: ask about one of "
                   "them, or add the document (standards ingest).")
        return Answer(text, question.to_dict(), message, True, [], notes=notes)
    if question.unknown_places:
        notes.append(f"No standards are held for {', '.join(question.unknown_places)}; "
                     f"answered for {', '.join(question.authorities)} only.")
    scope = question.authorities or known
    named = bool(question.authorities)
    if not scope:
        return Answer(text, question.to_dict(), "No standards are held yet: add documents with standards ingest.",
                      True, [], notes=notes)
    evidence = gather(state, question, scope, weights)
    rows = clause_sentences(state, {c.clause.id for per in evidence.by_authority.values() for c in per})
    statements: list[Statement] = []
    citations: dict[str, CitationView] = {}
    obligations: list[dict] = []
    conflicts: list[dict] = []
    seen_conflicts: list[set[str]] = []
    lines: list[str] = []
    missing: list[str] = []
    uncovered: list[str] = []
    deadline = None
    for authority in scope:
        chosen, covering = _choose(question, evidence.by_authority.get(authority, []), weights)
        if covering is not None:
            st, _, _ = _statement(state, question, covering, rows)
            if _clause_has_figure(state, covering, rows):
                # The clause gives figures, just none that answers this: not "sets no timescale".
                missing.append(authority)
                continue
            statements.append(st)
            uncovered.append(authority)
            citations.setdefault(covering.clause.id, st.citation)
            lines.append(st.text())
            note = _premise_note(question, authority, None)
            if note:
                notes.append(note)
            continue
        if not chosen:
            missing.append(authority)
            continue
        for i, cand in enumerate(chosen):
            st, ob, figure = _statement(state, question, cand, rows)
            statements.append(st)
            citations.setdefault(cand.clause.id, st.citation)
            lines.append(st.text())
            if ob is not None:
                obligations.append(obligation_dict(ob))
            if i == 0 and figure is not None:
                note = _premise_note(question, authority, figure)
                if note:
                    notes.append(note)
                if question.date and deadline is None and figure.kind != "frequency":
                    calc = compute_deadline(figure, question.date)
                    deadline = calc.to_dict() | {"obligation_id": ob.id if ob else None, "authority": authority}
                    if calc.due:
                        lines.append(f"Due date ({authority}): {date.fromisoformat(calc.due):%A %-d %B %Y}. "
                                     + " ".join(calc.steps))
                    elif calc.note:
                        lines.append(calc.note)
            # Any shown statement's duty may be one side of a conflict (the lead need not be).
            if ob is not None:
                for cf in _conflicts_for(state, ob):
                    sides = {o.id for o in cf.obligations}
                    if sides in seen_conflicts:
                        continue
                    seen_conflicts.append(sides)
                    conflicts.append(conflict_dict(cf))
                    lines.append(_conflict_line(state, cf))
                    for side in cf.obligations:
                        clause = state.clause(side.clause_id)
                        if clause is not None:
                            citations.setdefault(clause.id, CitationView.from_clause(clause))
    answered = [a for a in scope if a not in missing and a not in uncovered]
    national = _national_word(state, question, scope, answered, {o["id"] for o in obligations})
    lines += [fb.text for fb in national if fb.text]
    if not answered:
        near = _nearest(evidence, scope)
        where = f"The standards held for {', '.join(scope)}" if named else "The standards held (all authorities)"
        if uncovered:
            head = "\n".join(lines)
            rest = [a for a in missing]
            message = head + (f"\nNothing found on this in {', '.join(rest)}." if rest else "")
        else:
            message = "\n".join([f"{where} do not answer this.",
                                  *(fb.text for fb in national if fb.text)])
        if near:
            # clauses under one heading without numbers share a label: one place to look
            places = dict.fromkeys(CitationView.from_clause(c).label for c in near)
            message += "\nYou may want to look at: " + "; ".join(places) + "."
        near_views = [CitationView.from_clause(c) for c in near]
        cited = list(citations.values()) + [v for v in near_views if v.clause_id not in citations]
        return Answer(text, question.to_dict(), _with_notes(message, notes), True, scope, statements=statements,
                      notes=notes, nearest=near_views, citations=cited, national=[fb.to_dict() for fb in national])
    if missing:
        lines.append(f"Nothing found on this in: {', '.join(missing)}.")
    return Answer(
        text, question.to_dict(), _with_notes("\n".join(lines), notes), False, scope, statements=statements,
        notes=notes, citations=list(citations.values()), obligations=obligations, conflicts=conflicts,
        deadline=deadline, national=[fb.to_dict() for fb in national],
    )


def _national_word(
    state: ServiceState, question: Question, scope: list[str], answered: list[str], shown: set[str]
) -> list:
    """What the national baseline adds (``service.baseline.national_fallback_for``), per authority:
    the national figure, labelled national, where the authority's standards gave no answer; both
    figures where a figure the answer states (``shown``: obligation ids) is looser than national.
    Only for a timescale question naming a topic outright (a full match of its name: the baseline
    is keyed by topic)."""
    if not question.asks_timescale:
        return []
    topic = next((t for t in question.topics if question.topic_scores.get(t, 0.0) >= 1.0), None)
    if topic is None:
        return []
    from service.baseline import national_fallback_for

    out = []
    for authority in scope:
        fb = national_fallback_for(state, authority, topic, asks=question.asks, cohort=question.cohort, shown=shown)
        if fb.text and (fb.status == "looser" if authority in answered else fb.status in NATIONAL_WHEN_SILENT):
            out.append(fb)
    return out


def _with_notes(message: str, notes: list[str]) -> str:
    return "\n".join([*notes, message]) if notes else message
