"""Exception scope: which part of a sentence names a group left out of a duty, read from the parse.

In "All children are visited every 6 weeks, except those placed for adoption", the children after
"except" are not whom the 6-weekly figure is about: they are its exception. A figure stated inside
the exception's own phrase or clause ("..., except those placed for adoption, where it is every 3
months") is that group's figure instead: the exception is its circumstance.

The words that open an exception are the taxonomy's ``exception_markers`` (language section). The
scope of each is what the parser hangs on the marker: the clause "unless" marks, or the phrase
"except" / "other than" / "apart from" / "excluding" heads, with the clauses coordinated to it.

Also here: whether an extracted condition is a real one ("if the case is complex", "in an
emergency", "where red-rated") or a stray fragment of the sentence ("when a decision", "where it
is", "for children").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Token

from extractors.frame import parse, to_sentence

# Dependency labels under which the parser hangs an exception marker on the words it governs.
_MARKER_DEPS = frozenset({"mark", "advmod", "prep", "advcl", "cc", "dep", "npadvmod", "acomp", "amod"})
# Openers of a clause coordinated to an exception that states a circumstance of its own ("unless X
# and once agreed, ..."): such a clause is not part of the exception.
# Clauses that may follow an exception's group and state its own figure.
_CLAUSES = frozenset({"relcl", "advcl", "acl", "conj", "ccomp"})
_OWN_OPENERS = frozenset({"once", "when", "if", "where", "whenever", "until", "while", "whilst"})


@dataclass(frozen=True)
class ExceptionScope:
    """One exception in a sentence: character offsets of the whole phrase (marker included) and
    of the group it names (after the marker words), and both texts as written."""

    start: int
    end: int
    group_start: int
    text: str
    group: str

    def holds(self, start: int, end: int) -> bool:
        """Whether the sentence span ``start``..``end`` lies inside this exception."""
        return self.start <= start and end <= self.end


@lru_cache(maxsize=1)
def _markers() -> tuple[tuple[str, ...], ...]:
    """The exception markers as word tuples, longest first ("with the exception of" before "except")."""
    from extractors.taxonomy import load_taxonomy

    words = [tuple(w.lower().split()) for w in load_taxonomy().words("exception_markers")]
    return tuple(sorted((w for w in words if w), key=len, reverse=True))


def _marker_at(doc: Doc, i: int) -> int:
    """The number of tokens of an exception marker starting at token ``i`` (0 when none)."""
    for words in _markers():
        if tuple(t.lower_ for t in doc[i : i + len(words)]) == words:
            return len(words)
    return 0


def _scope_tokens(doc: Doc, first: Token, size: int) -> list[Token]:
    """The tokens an exception marker governs, from the marker on.

    "unless" marks a clause: that clause's words. "except (for)", "other than", "apart from",
    "excluding" head a phrase: its words. A clause coordinated to the exception ("unless agreed
    as permanent and once agreed, every 3 months") goes on about the same group: its figure is
    that group's.
    """
    last = doc[first.i + size - 1]
    if first.dep_ == "mark" and first.head.i > first.i:
        root = first.head  # "unless the child is placed for adoption"
    elif any(c.i > last.i for c in last.children):
        root = last  # "except for those ...", "other than those ...": the last marker word heads the group
    elif any(c.i > first.i for c in first.children):
        root = first
    else:
        return []
    tokens = {t.i: t for t in root.subtree if t.i >= first.i}
    tokens.update({t.i: t for t in doc[first.i : first.i + size]})  # the marker's own words
    # A clause right after the group that says what holds for it ("except in emergency placements,
    # when it is completed within 5 days"): the group's own figure, so inside the exception.
    after = max(tokens) + 1
    while after < len(doc) and doc[after].is_punct and doc[after].text not in ")].;":
        after += 1
    if (
        after < len(doc)
        and doc[after].tag_ in ("WRB", "WDT")
        and doc[after].head.i > after
        and doc[after].head.left_edge.i == after
        and doc[after].head.dep_ in _CLAUSES
    ):
        tokens.update({t.i: t for t in doc[after].head.subtree if t.i >= after})
    return [tokens[i] for i in sorted(tokens)]


@lru_cache(maxsize=4096)
def exception_scopes(sentence: str) -> tuple[ExceptionScope, ...]:
    """Every exception the sentence states, in order (see the module docstring)."""
    doc = parse(sentence)
    offsets = _sentence_offsets(sentence, doc)
    out: list[ExceptionScope] = []
    i = 0
    while i < len(doc):
        size = _marker_at(doc, i)
        if not size or doc[i].dep_ not in _MARKER_DEPS:
            i += 1
            continue
        tokens = _scope_tokens(doc, doc[i], size)
        group = [t for t in tokens if t.i >= i + size]
        if not group:
            i += size
            continue
        # Contiguous from the marker: the phrase ends where the parse's scope first breaks off.
        run = [tokens[0]]
        for t in tokens[1:]:
            if t.i != run[-1].i + 1:
                break
            run.append(t)
        while len(run) > size and (run[-1].is_punct or run[-1].pos_ in ("CCONJ", "ADP", "DET")):
            run.pop()
        if len(run) <= size:
            i += size
            continue
        start, end = offsets[run[0].i], to_sentence(doc, run[-1].idx + len(run[-1].text) - 1) + 1
        g_start = offsets[run[size].i]
        out.append(ExceptionScope(start, end, g_start, sentence[start:end], sentence[g_start:end]))
        i = run[-1].i + 1
    return tuple(out)


def _sentence_offsets(sentence: str, doc: Doc) -> list[int]:
    """Each token's character offset in ``sentence`` (the parse reads it with markup removed)."""
    return [to_sentence(doc, t.idx) for t in doc]


def scope_of(sentence: str, start: int, end: int) -> ExceptionScope | None:
    """The exception whose phrase holds the span ``start``..``end`` of ``sentence``, if any."""
    return next((s for s in exception_scopes(sentence) if s.holds(start, end)), None)


def outside_exceptions(sentence: str, start: int, end: int, figure: tuple[int, int] | None) -> bool:
    """Whether the span ``start``..``end`` may say whom the figure at ``figure`` is about: not inside
    an exception, unless the figure is inside the same exception (then it is that group's figure)."""
    for s in exception_scopes(sentence):
        if s.holds(start, end) and not (figure is not None and s.holds(*figure)):
            return False
    return True


def _figure_clause_start(sentence: str, figure: tuple[int, int]) -> int:
    """Where the clause carrying the figure starts ("where it is every 3 months"), else the figure."""
    doc = parse(sentence)
    offsets = _sentence_offsets(sentence, doc)
    fig = next((t for t in doc if offsets[t.i] >= figure[0]), None)
    clause = fig
    while clause is not None and clause.dep_ not in _CLAUSES and clause.head.i != clause.i:
        clause = clause.head
    if clause is not None and clause.dep_ in _CLAUSES and fig is not None and clause.left_edge.i <= fig.i:
        return min(figure[0], offsets[clause.left_edge.i])
    return figure[0]


def _tidy(text: str) -> str | None:
    """A phrase without trailing punctuation, markup or spacing; None when under two words."""
    text = " ".join(re.sub(r"[\s,;:(*]+$", "", text).replace("*", "").split())
    text = re.sub(
        r"(?:[\s,]+(?:and|or|but|then))+$", "", text, flags=re.I
    )  # what a cut before a clause leaves
    return text if len(text.split()) >= 2 else None


def exception_circumstance(sentence: str, figure: tuple[int, int]) -> str | None:
    """For a figure stated inside an exception ("except for those placed for adoption, where it is
    every 3 months"), the group it is for, as written, without the clause carrying the figure
    ("for those placed for adoption"); None when the figure is in no exception."""
    scope = scope_of(sentence, *figure)
    if scope is None:
        return None
    group = _tidy(
        sentence[scope.group_start : max(scope.group_start, _figure_clause_start(sentence, figure))]
    )
    if group is None:
        return None
    first = parse(group)[0]
    if first.pos_ == "ADP":
        return group  # "in emergency placements"
    # A clause ("unless it is a referral ...") holds if it is so; a group ("those placed for
    # adoption") is whom the figure is for.
    marker = scope.text[: scope.group_start - scope.start].split()[0].lower()
    return f"{'if' if marker == 'unless' else 'for'} {group}"


def _applies(sentence: str, scope: ExceptionScope, figure: tuple[int, int]) -> bool:
    """Whether an exception outside the figure is of the figure's clause: what the exception hangs
    on ("visited ..., except for those ...": "visited") governs the figure, so it is not another
    sentence's that the sentence splitter ran together."""
    doc = parse(sentence)
    offsets = _sentence_offsets(sentence, doc)
    fig = next((t for t in doc if offsets[t.i] >= figure[0]), None)
    marker = next((t for t in doc if offsets[t.i] == scope.start), None)
    if marker is None or fig is None:
        return False
    attach = marker.head.head if marker.dep_ == "mark" else marker.head
    return attach.i == fig.i or attach in list(fig.ancestors)


def exception_phrase(
    sentence: str, figure: tuple[int, int], others: list[tuple[int, int]] | None = None
) -> str | None:
    """The first exception of the figure's clause outside the figure's own, as written ("except
    those placed for adoption"), up to the clause of another figure inside it: the duty's
    exception, for a figure that has no other condition."""
    for s in exception_scopes(sentence):
        if (s.start < figure[1] and figure[0] < s.end) or not _applies(sentence, s, figure):
            continue
        end = min([s.end, *(_figure_clause_start(sentence, o) for o in others or [] if s.holds(*o))])
        return _tidy(sentence[s.start : end])
    return None


def inside_other_exception(sentence: str, start: int, figure: tuple[int, int]) -> bool:
    """Whether a condition at sentence offset ``start`` is no condition of the figure: inside an
    exception's group that does not hold the figure ("every 6 weeks, except for those placed for
    adoption where it is every 3 months": the "where" clause is the group's), or an exception of
    another clause than the figure's."""
    for s in exception_scopes(sentence):
        if s.holds(*figure):
            continue
        if s.group_start <= start < s.end or (start == s.start and not _applies(sentence, s, figure)):
            return True
    return False


# Words opening a condition clause that must say what holds ("if the case is complex"); "until",
# "once" and "in case of" may also be followed by an event's name alone ("until the first review").
_CLAUSE_OPENERS = frozenset({"if", "where", "when", "whenever", "unless", "while", "whilst", "should"})
# Parts of speech that can state what holds in a condition ("is placed", "complex", "needed").
_PREDICATE_POS = frozenset({"VERB", "AUX", "ADJ"})
# Parts of speech a phrase cannot end on and be whole ("when a decision is made or where").
_DANGLING_POS = frozenset({"DET", "CCONJ", "SCONJ", "PART"})


def _people_nouns() -> frozenset[str]:
    """The taxonomy's nouns for people a cohort is made of ("children", "young people")."""
    from extractors.taxonomy import load_taxonomy

    return frozenset(w.lower() for w in load_taxonomy().words("cohort_people_nouns"))


def tidy_condition(condition: str | None) -> str | None:
    """``condition`` without what it cannot end on ("... or where", a trailing "and"), or None
    when what is left is a fragment, not a condition: a condition word with no predicate ("when a
    decision", "Where a child"), a clause cut before its complement ("where it is"), or a phrase
    that names only whom ("for children", "for children in care aged 5 to 18": that is the cohort)."""
    if not condition:
        return None
    doc = parse(condition)
    words = [t for t in doc if not t.is_punct]
    while words and (words[-1].pos_ in _DANGLING_POS or words[-1].lower_ in _CLAUSE_OPENERS):
        words.pop()
    if len(words) < 2:
        return None
    first = words[0].lower_
    rest = words[1:]
    if first in _CLAUSE_OPENERS:
        predicates = [t for t in rest if t.pos_ in _PREDICATE_POS or t.tag_ in ("VBN", "VBG", "JJ")]
        if not predicates or (
            rest[-1].pos_ == "AUX" and rest[-1].dep_ not in ("aux", "auxpass") and len(predicates) == 1
        ):
            return None  # "when a decision", "where it is"
    elif first == "once" and rest[0].pos_ in ("DET", "NUM"):
        # "once every six weeks": a frequency, not a condition; "once a year if the interval is
        # longer": the condition is what follows. ("Once a decision has been made" is one.)
        opener = next((t for t in rest if t.lower_ in _CLAUSE_OPENERS), None)
        before = [t for t in rest if opener is None or t.i < opener.i]
        if not any(t.pos_ in ("VERB", "AUX") for t in before):
            return tidy_condition(condition[opener.idx :]) if opener is not None else None
    if whom_phrase(condition) is not None:
        return None  # "for children ...", "for all young people": whom, not when
    end = words[-1].idx + len(words[-1].text)
    return condition[:end].strip(" ,;") if end < len(condition) else condition


def whom_phrase(condition: str | None) -> str | None:
    """A phrase opened by "for" about people ("for young people who have turned 18"): whom the duty
    is about, not when; the phrase without "for", else None."""
    if not condition:
        return None
    doc = parse(condition)
    if len(doc) < 2 or doc[0].lower_ != "for":
        return None
    head = next(
        (t for t in doc[1:] if t.pos_ not in ("DET", "ADJ", "NUM") and t.lower_ not in ("all", "those")), None
    )
    if head is None or (head.lower_ not in _people_nouns() and head.lemma_.lower() not in _people_nouns()):
        return None
    return condition[doc[1].idx :].strip(" ,;")


def relative_where(sentence: str, at: int) -> bool:
    """Whether the condition word at sentence offset ``at`` opens a clause that is part of a noun
    phrase ("details of where carers have lived"), not a condition of the duty."""
    doc = parse(sentence)
    offsets = _sentence_offsets(sentence, doc)
    tok = next((t for t in doc if offsets[t.i] == at), None)
    if tok is None or tok.tag_ != "WRB":
        return False
    clause = tok.head
    return clause.dep_ in ("pcomp", "pobj")
