"""Quizzes for trainers: multiple-choice questions generated from stored obligations.

Each question asks for the timescale of one obligation ("In Wokingham, how soon after the
initial child protection conference must the core group meeting take place?"). The right
answer is the obligation's own figure; three distractors come, in this order of preference,
from other authorities' figures for the same topic, the same number in an easily confused
unit ("10 days" for "10 working days"), neighbouring figures for the unit
(``service/data/quiz_figures.yaml``) and the authority's own figures for other duties. A
distractor is never the right figure nor an equivalent duration, and never repeated.
The quiz is deterministic given its seed.
"""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.records import Obligation
from extractors.timescale import UNIT_WORDS
from ingest.errors import BadRequestError, UnknownAuthorityError, UnknownRoleError
from ingest.records import Clause
from service.induction import (
    _clauses,
    _document_titles,
    journey_stages,
    requirement_sentence,
    roles_of_obligation,
    roles_with_obligations,
    stage_of_topic,
    store_resolver,
)
from service.records import citation_label
from service.resolver import Resolver

FIGURES_PATH = Path(__file__).parent / "data" / "quiz_figures.yaml"
LETTERS = "ABCD"
MAX_QUESTIONS = 200
_DETERMINERS = ("the ", "a ", "an ", "their ", "his ", "her ", "its ", "each ", "every ", "any ", "this ")
_ALL_COHORTS = ("all ", "any ")
GAP = "………"  # not a Markdown character, so every format shows the same gap
_MARKUP = re.compile(r"\*\*|__|</?\w+[^>]*>")
_STOP = {"the", "a", "an", "of", "to", "and", "or", "in", "on", "for", "by", "at", "with"}


@dataclass(frozen=True)
class Figure:
    """A timescale figure without its anchor: what a quiz option shows."""

    kind: str  # deadline | frequency
    value: float
    unit: str
    value_max: float | None = None
    before: bool = False

    def words(self) -> str:
        """"within 10 working days", "every 6 weeks", "at least 5 working days before"."""
        amount = _number(self.value)
        if self.value_max is not None and self.value_max != self.value:
            amount = f"{amount}-{_number(self.value_max)}"
        singular, plural = UNIT_WORDS.get(self.unit, (self.unit, self.unit + "s"))
        top = self.value_max if self.value_max is not None else self.value
        unit = singular if top == 1 else plural
        if self.kind == "frequency":
            return f"every {unit}" if top == 1 and self.value_max is None else f"every {amount} {unit}"
        if self.before:
            return f"at least {amount} {unit} before"
        return f"within {amount} {unit}"

    def days(self) -> tuple[float, float] | None:
        """Approximate calendar-day range, for spotting equivalent durations."""
        from extractors.timescale import approx_days

        try:
            return approx_days(self.value, self.unit, self.value_max)
        except ValueError:  # a unit the grammar does not know: compare by value and unit only
            return None


@dataclass
class QuizItem:
    """One question with its four options, the right one, and where the answer comes from."""

    number: int
    question: str
    options: list[str]
    answer_index: int
    topic: str
    authority: str
    obligation_id: str
    clause_id: str
    citation: str  # document, section, clause number, page
    clause_ref: str | None
    page: int | None
    quote: str  # the sentence of the clause stating the figure
    distractor_sources: list[str] = field(default_factory=list)

    @property
    def answer(self) -> str:
        return self.options[self.answer_index]

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer_index]


@dataclass
class Quiz:
    """A quiz for one authority (and optionally one role)."""

    authority: str
    role: str | None
    seed: int
    items: list[QuizItem]

    @property
    def title(self) -> str:
        who = f" for {self.role}" if self.role else ""
        return f"Timescales quiz: {self.authority}{who}"

    def to_dict(self) -> dict:
        """JSON-ready form, answers included (the answer key is the ``answer`` fields)."""
        return {
            "title": self.title,
            "authority": self.authority,
            "role": self.role,
            "seed": self.seed,
            "items": [
                {**asdict(item), "answer": item.answer, "answer_letter": item.answer_letter}
                for item in self.items
            ],
        }


# --- public API -----------------------------------------------------------------------------
def build_quiz(
    conn: sqlite3.Connection,
    authority: str,
    role: str | None = None,
    n: int = 20,
    seed: int = 0,
    resolver: Resolver | None = None,
) -> Quiz:
    """Up to ``n`` questions on ``authority``'s timed obligations (those ``role`` owns, if given).

    Raises UnknownAuthorityError / UnknownRoleError with the known names when there is nothing
    to ask, and BadRequestError for ``n`` outside 1..200.
    """
    from extractors.store import load_obligations

    if not 1 <= n <= MAX_QUESTIONS:
        raise BadRequestError(f"Number of questions must be between 1 and {MAX_QUESTIONS}; got {n}.")
    names = resolver or store_resolver(conn)
    where = names.authority(authority).name
    canonical_role = names.role(role) if role else None
    clauses = _clauses(conn)
    everyone = load_obligations(conn)
    mine = [
        ob
        for ob in everyone
        if ob.authority == where
        and _askable(ob)
        and (canonical_role is None or canonical_role in roles_of_obligation(ob, clauses.get(ob.clause_id)))
    ]
    questions = _unambiguous(mine)
    if not questions:
        _raise_empty(conn, where, canonical_role)

    ordinals = {cid: c.ordinal for cid, c in clauses.items()}
    stage_order = {s: i for i, s in enumerate(journey_stages())}
    keys = sorted(questions)  # stable order before sampling: the seed alone decides the draw
    rng = random.Random(seed)
    chosen = keys if len(keys) <= n else rng.sample(keys, n)
    chosen.sort(
        key=lambda q: (
            stage_order.get(stage_of_topic(questions[q].topic), len(stage_order)),
            questions[q].document_id,
            ordinals.get(questions[q].clause_id, 0),
            q,
        )
    )
    titles = _document_titles(conn)
    items = [
        _item(i + 1, q, questions[q], everyone, clauses, titles, rng) for i, q in enumerate(chosen)
    ]
    return Quiz(authority=where, role=canonical_role, seed=seed, items=items)


def figure_of(ob: Obligation) -> Figure | None:
    """The obligation's figure, or None when it has none to ask about (e.g. "immediately")."""
    t = ob.timescale
    if t.kind not in ("deadline", "frequency") or t.value is None or t.unit is None:
        return None
    before = t.anchor_relation == "before" or bool(t.anchor and t.anchor.endswith("(before)"))
    return Figure(kind=t.kind, value=float(t.value), unit=t.unit, value_max=t.value_max, before=before)


def equivalent(a: Figure, b: Figure) -> bool:
    """Same figure, or durations that overlap once converted to days ("2 weeks" vs "10 working days")."""
    if a.kind != b.kind or a.before != b.before:
        return False
    if (a.value, a.value_max, a.unit) == (b.value, b.value_max, b.unit) or a.words() == b.words():
        return True
    da, db = a.days(), b.days()
    if da is None or db is None:
        return False
    slack = float(_figures()["equivalence_tolerance"]) * max(da[1], db[1])
    return da[0] - slack <= db[1] and db[0] - slack <= da[1]


def pick_distractors(
    correct: Figure,
    tiers: list[tuple[list[tuple[Figure, str]], int]],
    rng: random.Random,
    k: int = 3,
) -> list[tuple[Figure, str]]:
    """Take ``k`` distinct figures, none equivalent to ``correct``, preferring earlier tiers.

    Each tier is ``(candidates, cap)``: at most ``cap`` are taken from it. Candidates are
    sorted then shuffled by ``rng``, so the result depends only on the seed.
    """
    chosen: list[tuple[Figure, str]] = []
    for tier, cap in tiers:
        pool = sorted(set(tier), key=lambda fs: (fs[0].unit, fs[0].value, fs[0].value_max or 0, fs[1]))
        rng.shuffle(pool)
        taken = 0
        for fig, source in pool:
            if len(chosen) >= k:
                return chosen
            if taken >= cap:
                break
            if equivalent(fig, correct) or any(equivalent(fig, c) for c, _ in chosen):
                continue
            chosen.append((fig, source))
            taken += 1
    return chosen


# --- building -------------------------------------------------------------------------------
def _askable(ob: Obligation) -> bool:
    return bool(ob.topic) and figure_of(ob) is not None


def question_text(ob: Obligation) -> str:
    """The question for ``ob``: its own sentence with the timescale left as a gap.

    The sentence names the duty, cohort and conditions exactly as the standard does; when the
    anchor went into the gap with the figure, the question says what the gap runs from. A
    sentence that does not hold the phrase once falls back to a question built from the
    topic, cohort and anchor.
    """
    t = ob.timescale
    fig = figure_of(ob)
    sentence, phrase = ob.citation.quote or "", t.phrase or ""
    anchor = (t.anchor or "").removesuffix("(before)").strip()
    if phrase and sentence.count(phrase) == 1:
        before, _, after = sentence.partition(phrase)
        before, after = _plain(before), _plain(after)
        gap = f"{before} {GAP}".strip() + (after if after[:1] in ",.;:)" else f" {after}").rstrip()
        hint = ""
        if anchor and _words(anchor) - _words(gap):
            relation = "before" if fig and fig.before else "from"
            hint = f" (The gap runs {relation} {_with_article(anchor)}.)"
        about = f" ({ob.label or ob.topic})" if ob.label or ob.topic else ""
        return f"In {ob.authority}{about}, what goes in the gap? “{gap}”{hint}"
    duty = _with_article(ob.topic or "duty")
    cohort = ""
    if ob.cohort and not ob.cohort.casefold().startswith(_ALL_COHORTS):
        cohort = f" for {ob.cohort}"
    if ob.conditions:  # "if placed with parents": a different duty, so part of the question
        cohort += f" ({' '.join(ob.conditions.split())})"
    if fig and fig.kind == "frequency":
        return f"In {ob.authority}, how often must {duty} take place{cohort}?"
    if fig and fig.before and anchor:
        return f"In {ob.authority}, how long before {_with_article(anchor)} must {duty} take place{cohort}?"
    if anchor:
        return f"In {ob.authority}, how soon after {_with_article(anchor)} must {duty} take place{cohort}?"
    return f"In {ob.authority}, what is the timescale for {duty}{cohort}?"


def _unambiguous(obs: list[Obligation]) -> dict[str, Obligation]:
    """One obligation per question text; a question whose figures disagree is not asked.

    Two clauses answering the same question differently are a conflict to show in the pack,
    not a quiz question with two right answers.
    """
    grouped: dict[str, list[Obligation]] = {}
    for ob in sorted(obs, key=lambda o: o.id):
        grouped.setdefault(question_text(ob), []).append(ob)
    out: dict[str, Obligation] = {}
    for question, group in grouped.items():
        figures = {figure_of(o) for o in group}
        if len(figures) == 1:
            out[question] = group[0]
    return out


def _item(
    number: int,
    question: str,
    ob: Obligation,
    everyone: list[Obligation],
    clauses: dict[str, Clause],
    titles: dict[str, str],
    rng: random.Random,
) -> QuizItem:
    correct = figure_of(ob)
    assert correct is not None  # _askable filtered the rest
    tiers = _distractor_tiers(ob, correct, everyone)
    distractors = pick_distractors(correct, tiers, rng)
    options = [(correct, "correct")] + distractors
    rng.shuffle(options)
    answer_index = next(i for i, (_, s) in enumerate(options) if s == "correct")
    c = ob.citation
    clause = clauses.get(ob.clause_id)
    text = clause.text if clause else ""
    return QuizItem(
        number=number,
        question=question,
        options=[f.words() for f, _ in options],
        answer_index=answer_index,
        topic=ob.topic or "",
        authority=ob.authority,
        obligation_id=ob.id,
        clause_id=ob.clause_id,
        citation=citation_label(ob.authority, c.section, c.clause_ref, c.page),
        clause_ref=c.clause_ref,
        page=c.page,
        quote=requirement_sentence(text, ob.timescale.start, ob.timescale.end) or c.quote,
        distractor_sources=[s for _, s in distractors],
    )


def _distractor_tiers(
    ob: Obligation, correct: Figure, everyone: list[Obligation]
) -> list[tuple[list[tuple[Figure, str]], int]]:
    figures = _figures()
    others, own = [], []
    for other in everyone:
        fig = figure_of(other)
        if fig is None or fig.kind != correct.kind or fig.before != correct.before:
            continue
        if other.authority != ob.authority and other.topic == ob.topic:
            others.append((fig, f"{other.authority}'s figure for {other.topic}"))
        elif other.authority == ob.authority and other.topic != ob.topic and fig.unit == correct.unit:
            own.append((fig, f"{ob.authority}'s figure for {other.topic}"))
    swapped = [
        (Figure(correct.kind, correct.value, unit, correct.value_max, correct.before), "same number, other unit")
        for unit in figures["confusable_units"].get(correct.kind, {}).get(correct.unit, [])
    ]
    ladder = figures["ladders"].get(correct.unit, [])
    neighbours = [
        (Figure(correct.kind, float(v), correct.unit, None, correct.before), "neighbouring figure")
        for v in _neighbours(ladder, correct.value)
    ]
    # A short ladder ("term": 1, 2, 3) can leave a question short of options: any stored figure
    # of the same kind in another unit ("every 6 weeks" against "every term") fills the rest.
    other_units = [
        (fig, f"{other.authority}'s figure for {other.topic or other.action or 'another duty'}")
        for other in everyone
        if (fig := figure_of(other)) is not None
        and fig.kind == correct.kind
        and fig.before == correct.before
        and fig.unit != correct.unit
    ]
    # At most two other-authority figures first, so every question also tests the number
    # itself; the later tiers fill up whatever is still missing.
    return [(others, 2), (swapped, 1), (neighbours, 3), (own, 3), (others, 3), (other_units, 3)]


def _neighbours(ladder: list[float], value: float, width: int = 2) -> list[float]:
    """Up to ``width`` ladder values either side of ``value`` (which need not be on the ladder)."""
    below = [v for v in ladder if v < value][-width:]
    above = [v for v in ladder if v > value][:width]
    if not below and not above:
        return [v for v in (value * 2, value * 3, value + 1) if v != value]
    return below + above


def _raise_empty(conn: sqlite3.Connection, authority: str, role: str | None) -> None:
    if role:
        owners = roles_with_obligations(conn, authority)
        listing = ", ".join(owners) if owners else "none"
        raise UnknownRoleError(
            f"No timed obligations for role '{role}' in {authority} to ask about. "
            f"Roles with obligations in {authority}: {listing}."
        )
    from extractors.store import load_obligations

    with_obs = sorted({o.authority for o in load_obligations(conn) if _askable(o)})
    listing = ", ".join(with_obs) if with_obs else "none (ingest documents first)"
    raise UnknownAuthorityError(
        f"No timed obligations stored for {authority} to ask about. Authorities with some: {listing}."
    )


@lru_cache(maxsize=1)
def _figures() -> dict:
    data = yaml.safe_load(FIGURES_PATH.read_text(encoding="utf-8")) or {}
    return {
        "ladders": data.get("ladders", {}),
        "confusable_units": data.get("confusable_units", {}),
        "equivalence_tolerance": data.get("equivalence_tolerance", 0.0),
    }


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _STOP}


def _with_article(phrase: str) -> str:
    phrase = phrase.strip()
    return phrase if phrase.casefold().startswith(_DETERMINERS) else f"the {phrase}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
