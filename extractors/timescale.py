"""Timescale grammar: find every timescale phrase in a clause and normalise it.

``find_timescales(text)`` returns :class:`~extractors.records.Timescale` records with spans
relative to ``text`` (which may hold markdown bold, inline HTML and bullets).

How it works
------------
1. The text is cleaned (markup removed, dashes/quotes/spaces normalised) with an offset map
   back to the original, and split into sentences by the shared spaCy pipeline
   (:mod:`extractors.nlp`).
2. *Cores* are found: a number (digits or words, with ranges) + unit ("10 working days",
   "3-5 days", "between 6 and 8 weeks"), numbered "-ly" words ("6 weekly", "2-weekly"), bare
   frequency words ("fortnightly", "termly", "annually"), multiplicatives ("twice a year",
   "three in each academic year"), "every term" / "each academic term", "day 15", and immediate
   forms ("immediately", "on the same day").
3. Each core is read with its context: cue words before it (within / no later than / at least /
   every / at intervals of ...), traps that make it not a timescale (ages, "for 12 months",
   "during the first twelve months", rates such as "4 days per week", adjectival uses such as
   "a 10-week consultation"), an alternative written form ("20 working days/4 weeks",
   "9 days (7 working days)"), and the anchor event after it ("of the ICPC", "before the
   review").

Conventions (kept consistent everywhere; words in ``data/timescale_words.yaml``)
-----------------------------------------------------------------------------
- Units are kept as written: "4 weeks" is (4, week), "20 working days" (20, working_day).
- Frequency words with no number are expressed so that they line up with "twice a year"
  (= 6 month): "annually", "yearly", "annual", "once a year" = 12 month; "fortnightly" = 2
  week; "termly", "every term", "each academic term", "three in each academic year" = 1 term.
  A written number keeps its unit: "every year" = 1 year, "every 12 months" = 12 month.
- Counts are not timescales: "4 visits per year in total", "4 days per week". "N times a year"
  is a frequency (12/N month), as "twice a year" is.
- ``bound`` of a deadline: at_most (within / no later than / no more than / a maximum of),
  at_least ("at least 5 days before"), exact ("at day 15", "at 4 months"), None (bare).
  ``bound`` of a frequency says how often: at_least = at least this often ("at least every
  6 weeks", "a minimum of every 20 working days", "at intervals of not more than six weeks");
  at_most = no more often ("at intervals of no less than six months").
- Duration qualifiers are not timescales: in "at intervals of not more than six weeks during
  the first twelve months" only "six weeks" is.
- A figure written two ways is one timescale: the first form is the timescale and the second
  is kept in ``alternative``.
- A range binds at its outer limit, the firm figure that must be met: "within 3-4 weeks" and
  "in the first three to four weeks of the term" are met by 4 weeks (``value_max``); "two or
  three times a year" must happen at least twice, so its binding interval is 6 months
  (``value_max``) and the more frequent 4 months is kept in ``value``. "25 or 40 days" with a
  unit names two figures, not a range, and is left as it was.
- A count of occurrences per period is a frequency: "one visit each year" = 12 month, "at
  least two visits per term" = at least every 60.8 days (said in the document's words, "at
  least two visits per term", as no whole unit states it); a total ("4 visits per year in
  total") and a workload ("12 cases a month") are not. The occurrence nouns are in the data.
- A day of each period is a deadline that repeats with it: "by the 6th of each month" and "by
  the last working day of every month" are frequency 1 month, the day kept in ``phrase`` and
  said by :func:`describe_timescale` ("every month, by the 6th of the month").
- "in the first N weeks of <event>" is a deadline (within N weeks of the event) unless a
  frequency shares the sentence, where it qualifies it ("every four weeks in the first six
  months").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from extractors.nlp import sentence_bounds
from extractors.records import Timescale

DATA_PATH = Path(__file__).resolve().parent / "data" / "timescale_words.yaml"

# Calendar days per unit, for comparison. Working days: 5 per 7 calendar days, so 10 working
# days ~ 14 calendar days (more over bank holidays). A term is a third of a year.
DAYS_PER_UNIT: dict[str, float] = {
    "working_day": 7.0 / 5.0,
    "day": 1.0,
    "hour": 1.0 / 24.0,
    "week": 7.0,
    "month": 365.25 / 12.0,
    "term": 365.0 / 3.0,
    "year": 365.0,
}
# Units whose conversion to calendar days is an approximation.
APPROXIMATE_UNITS = frozenset({"working_day", "month", "term", "year"})

UNIT_WORDS = {
    "working_day": ("working day", "working days"),
    "day": ("day", "days"),
    "hour": ("hour", "hours"),
    "week": ("week", "weeks"),
    "month": ("month", "months"),
    "year": ("year", "years"),
    "term": ("term", "terms"),
}


class TimescaleDataError(ValueError):
    """The timescale word list (data/timescale_words.yaml) is missing or malformed."""


# --------------------------------------------------------------------------------------------
# Data and compiled patterns
# --------------------------------------------------------------------------------------------


def _words_re(words: list[str]) -> str:
    """Alternation of multi-word phrases, longest first, any whitespace between words."""
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        # YAML reads bare on/off/yes/no as booleans: those words must be quoted in the data file.
        raise TimescaleDataError(f"{DATA_PATH}: non-text entries {bad!r} (quote words such as 'on')")
    parts = sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in parts)


@dataclass(frozen=True)
class _Grammar:
    data: dict[str, Any]
    number_words: dict[str, float]
    unit_surface: dict[str, str]
    singular_surfaces: frozenset[str]
    num_re: str
    qty_re: re.Pattern[str]
    ly_re: re.Pattern[str]
    times_re: re.Pattern[str]
    count_re: re.Pattern[str]
    count_total_re: re.Pattern[str]
    dayof_re: re.Pattern[str]
    every_re: re.Pattern[str]
    immediate_re: re.Pattern[str]
    dayn_re: re.Pattern[str]
    cue_re: re.Pattern[str]
    cue_kind: dict[str, str]
    seq_re: re.Pattern[str]
    right_seq_re: re.Pattern[str]
    age_right_re: re.Pattern[str]
    rate_right_re: re.Pattern[str]
    period_noun_re: re.Pattern[str]
    tail_noun_re: re.Pattern[str]
    right_bound_re: re.Pattern[str]
    right_bound_kind: dict[str, str]
    relation_re: re.Pattern[str]
    relation_kind: dict[str, str]
    imm_relation_re: re.Pattern[str]
    stop_re: re.Pattern[str]
    anchor_prefix_re: re.Pattern[str]
    until_re: re.Pattern[str]
    period_qual_re: re.Pattern[str]
    recency_re: re.Pattern[str]
    freq_sentence_re: re.Pattern[str]
    leading_anchor_re: re.Pattern[str]
    alt_sep_re: re.Pattern[str]
    trigger_re: re.Pattern[str]
    lookups: dict[str, Any]
    connector_re: re.Pattern[str]
    first_period_cues: frozenset[str]


def _norm(phrase: str) -> str:
    return " ".join(phrase.lower().split())


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    """Load the word lists and compile the grammar (once per process)."""
    try:
        data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TimescaleDataError(f"timescale word list not found at {DATA_PATH}") from exc
    except yaml.YAMLError as exc:
        raise TimescaleDataError(f"timescale word list {DATA_PATH} is not valid YAML: {exc}") from exc
    required = ("number_words", "units", "frequency_words", "cues", "anchor_relations")
    missing = [k for k in required if k not in (data or {})]
    if missing:
        raise TimescaleDataError(f"{DATA_PATH} lacks sections {missing}; restore them from git")

    number_words = {k.lower(): float(v) for k, v in data["number_words"].items()}
    tens = [t.lower() for t in data["tens"]]
    units_words = [u.lower() for u in data["units_words"]]
    for t in tens:
        for u in units_words:
            number_words[f"{t} {u}"] = number_words[t] + number_words[u]
    word_alt = "|".join(
        sorted(
            (r"[\s-]+".join(re.escape(p) for p in w.split()) for w in number_words),
            key=len,
            reverse=True,
        )
    )
    # Digits are not part of a clause number ("D.2.3", "10.1"), a ratio ("1:1"), money or a
    # code ("FS-1"); words may carry their digits in brackets ("four (4)").
    digits = r"(?<![\w.:£$,])(?<![a-z]-)\d+(?:\.\d+)?(?![\d]|\.\d|:\d)"
    words = rf"\b(?:{word_alt})\b(?:\s*\(\s*\d+\s*\))?"
    num_re = rf"(?:{digits}|{words})"

    unit_surface: dict[str, str] = {}
    for unit, surfaces in data["units"].items():
        for s in surfaces:
            unit_surface[_norm(s)] = unit
    singular = frozenset(_norm(s) for s in data["singular_units"])
    unit_alt = _words_re(list(unit_surface))
    mods = _words_re(data["unit_modifiers"])

    # "or" is not a range here: "25 or 40 days" names two different figures.
    range_part = rf"(?:\s*(?:-|to)\s*(?P<n2>{num_re}))"
    between = rf"(?:between\s+(?P<b1>{num_re})\s+and\s+(?P<b2>{num_re}))"
    qty_re = re.compile(
        rf"(?:{between}|(?P<a>\ban\b|\ba\b)|(?P<n1>{num_re}){range_part}?)"
        rf"(?P<hy>\s*-\s*|\s*)(?:(?:{mods})\s+)?(?P<unit>{unit_alt})\b"
    )

    freq_words = {_norm(k): v for k, v in data["frequency_words"].items()}
    numbered = {_norm(k): v for k, v in data["numbered_frequency_words"].items()}
    ly_re = re.compile(
        rf"(?:(?P<n>{num_re})\s*-?\s*(?P<nly>{_words_re(list(numbered))})\b"
        rf"|(?<![\w-])(?P<ly>{_words_re(list(freq_words))})\b)"
    )

    period_units = {_norm(k): v for k, v in data["period_units"].items()}
    quals = _words_re(data["period_qualifiers"])
    times_words = {k.lower(): v for k, v in data["times_words"].items()}
    connectors = _words_re(data["period_connectors"])
    period_alt = _words_re(list(period_units))
    # "two or three times a year", "2-3 times per term": n..n2 times.
    count_range = rf"(?:\s*(?:-|to|or)\s*(?P<n2>{num_re}))?"
    times_re = re.compile(
        rf"(?:(?P<n>{num_re}){count_range}\s+times|(?P<m>\b(?:{_words_re(list(times_words))})\b)"
        rf"|(?P<k>{num_re})(?=\s+in\s+(?:each|every)\b))"
        rf"\s+(?:{connectors})\s+(?:(?P<q>{quals})\s+)?"
        rf"(?P<u>{period_alt})\b"
    )
    # "at least two unannounced visits a term": a count of occurrences per period.
    mod = r"[a-z][a-z'-]*"
    max_mods = int(data["occurrence_max_modifiers"])
    # Whom the occurrence is with or for may sit between it and the period ("one visit to
    # every home throughout the year"): a preposition and a few words, no punctuation.
    max_gap = int(data["occurrence_max_gap_words"])
    who = rf"(?:(?:{_words_re(data['occurrence_gap_prepositions'])})\s+(?:{mod}\s+){{1,{max_gap}}}?)?"
    count_re = re.compile(
        rf"(?P<n>{num_re}){count_range}\s+(?:{mod}\s+){{0,{max_mods}}}?"
        rf"(?:{_words_re(data['occurrence_nouns'])})\s+{who}(?:{connectors})\s+(?:(?P<q>{quals})\s+)?"
        rf"(?P<u>{period_alt})\b"
    )
    count_total_re = re.compile(rf"^[\s,]*(?:{_words_re(data['count_total_followers'])})\b")
    ordinal = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{_words_re(data['ordinal_words'])})"
    dayof_units = {_norm(k): v for k, v in data["day_of_period_units"].items()}
    dayof_re = re.compile(
        rf"\b(?:{_words_re(data['day_of_period_cues'])})\s+the\s+"
        rf"(?P<day>{ordinal}(?:\s+(?:working|business|calendar|school))?(?:\s+day)?)"
        rf"\s+of\s+(?:each|every|the)\s+(?:(?:{quals})\s+)?(?P<u>{_words_re(list(dayof_units))})\b"
    )
    every_alts = []
    for word, units in data["every_units"].items():
        every_alts.append(
            rf"(?P<w_{word}>\b{word})\s+(?:(?P<o_{word}>{_words_re(data['every_other'])})\s+)?"
            rf"(?:(?:{quals})\s+)?(?P<u_{word}>{_words_re(units)})\b(?!\s*-)"
        )
    every_re = re.compile("|".join(every_alts))

    on_day = rf"\bon\s+the\s+day(?=\s+(?:{_words_re(data['on_the_day_followers'])})\b)"
    immediate_re = re.compile(rf"(?:\b(?:{_words_re(data['immediate_phrases'])})\b|{on_day})")
    dayn_re = re.compile(rf"\b(?P<cue>{_words_re(data['day_number_cues'])})\s+day\s+(?P<n>{num_re})")

    cue_kind: dict[str, str] = {}
    for group, phrases in data["cues"].items():
        for p in phrases:
            cue_kind.setdefault(_norm(p), group)
    cue_re = re.compile(rf"(?<![a-z0-9'])(?P<cue>{_words_re(list(cue_kind))})\s*$")
    seq_words = data["sequence_words"]
    seq_re = re.compile(rf"(?<![a-z])(?:{_words_re(seq_words)})[\s,]*$")
    right_seq_re = re.compile(rf"^[\s,]*(?:{_words_re(['thereafter', 'after this', 'after that'])})\b")

    age_right_re = re.compile(rf"^\s*-?\s*(?:{_words_re(data['age_followers'])})\b")
    rate_right_re = re.compile(
        rf"^\s*(?:{_words_re(data['rate_words'])})\s+(?:{_words_re(data['rate_units'])})\b"
    )
    period_noun_re = re.compile(rf"^\s*(?:{_words_re(data['period_nouns'])})\b")
    tail_noun_re = re.compile(rf"^\s*(?:{_words_re(data['phrase_tail_nouns'])})\b")
    right_bound_kind = {}
    for bound, phrases in data["right_bounds"].items():
        for p in phrases:
            right_bound_kind[_norm(p)] = bound
    right_bound_re = re.compile(rf"^[\s,]*(?:or\s+more\s+)?(?P<rb>{_words_re(list(right_bound_kind))})\b")

    relation_kind = {}
    for rel, phrases in data["anchor_relations"].items():
        for p in phrases:
            relation_kind[_norm(p)] = rel
    relation_re = re.compile(rf"^[\s,]*(?P<rel>{_words_re(list(relation_kind))})(?:\s+|-)(?P<rest>.*)$", re.S)
    imm_relation_re = re.compile(
        rf"^[\s,]*(?P<rel>{_words_re(data['immediate_anchor_relations'])})\s+(?P<rest>.*)$", re.S
    )
    stop_re = re.compile(rf"\b(?:{_words_re(data['anchor_stop_words'])})\b|[,;:()\[\]\n\t!?\"|·•]|\.(?=\s|$)")
    anchor_prefix_re = re.compile(rf"^(?:{_words_re(data['anchor_prefixes'])})\s+")
    until_re = re.compile(rf"^[\s,]*(?:{_words_re(data['until_words'])})\s+(?P<rest>.*)$", re.S)
    period_qual_re = re.compile(
        rf"^[\s,]*(?P<q>(?:{_words_re(data['period_qualifier_words'])})\s+(?:[\w-]+\s+)?"
        rf"(?:{unit_alt}))\b"
    )
    recency_re = re.compile(rf"\b(?:{_words_re(data['recency_cues'])})\b[\s,]*(?:and\s+\w+\s*)?$")
    freq_sentence_re = re.compile(rf"\b(?:{_words_re(data['frequency_sentence_words'])})\b")
    leading_anchor_re = re.compile(
        rf"^[\s\-·•*]*(?:{_words_re(data['leading_anchor_words'])})\s+(?P<a>[^,;:.]{{3,80}}),",
        re.I,
    )
    # Cheap first pass: a text with none of these words has no timescale (most clauses).
    trigger_words = (
        list(unit_surface)
        + list(freq_words)
        + list(period_units)
        + [_norm(p) for p in data["immediate_phrases"]]
        + ["on the day"]
    )
    trigger_re = re.compile(_words_re(trigger_words))
    alt_sep_re = re.compile(r"^\s*(?P<sep>/|\()\s*")
    connector_re = re.compile(r"^\s*(?:\([^()]*\))?\s*,?\s*(?:or|and|/|\()?\s*,?\s*$")
    return _Grammar(
        data=data,
        number_words=number_words,
        unit_surface=unit_surface,
        singular_surfaces=singular,
        num_re=num_re,
        qty_re=qty_re,
        ly_re=ly_re,
        times_re=times_re,
        count_re=count_re,
        count_total_re=count_total_re,
        dayof_re=dayof_re,
        every_re=every_re,
        immediate_re=immediate_re,
        dayn_re=dayn_re,
        cue_re=cue_re,
        cue_kind=cue_kind,
        seq_re=seq_re,
        right_seq_re=right_seq_re,
        age_right_re=age_right_re,
        rate_right_re=rate_right_re,
        period_noun_re=period_noun_re,
        tail_noun_re=tail_noun_re,
        right_bound_re=right_bound_re,
        right_bound_kind=right_bound_kind,
        relation_re=relation_re,
        relation_kind=relation_kind,
        imm_relation_re=imm_relation_re,
        stop_re=stop_re,
        anchor_prefix_re=anchor_prefix_re,
        until_re=until_re,
        period_qual_re=period_qual_re,
        recency_re=recency_re,
        freq_sentence_re=freq_sentence_re,
        leading_anchor_re=leading_anchor_re,
        alt_sep_re=alt_sep_re,
        trigger_re=trigger_re,
        lookups={
            "period_units": period_units,
            "times_words": times_words,
            "day_of_period_units": dayof_units,
            "ordinals_from_end": {_norm(k): int(v) for k, v in data["ordinals_from_end"].items()},
            "ordinal_numbers": {
                _norm(w): i + 1 for i, w in enumerate(data["ordinal_words"]) if _norm(w) not in data["ordinals_from_end"]
            },
            "frequency_words": freq_words,
            "numbered_frequency_words": numbered,
            "lowercase_only": frozenset(_norm(w) for w in data.get("lowercase_only_frequency_words", [])),
            "age_years_only": frozenset(_norm(w) for w in data["cues"]["age_years_only"]),
        },
        connector_re=connector_re,
        first_period_cues=frozenset(_norm(c) for c in data["first_period_cues"]),
    )


def _parse_number(g: _Grammar, s: str) -> float:
    """Value of a number as written: "10", "15.5", "ten", "twenty-eight", "four (4)"."""
    s = s.strip().lower()
    if "(" in s:
        s = s.split("(")[0].strip()
    if s and s[0].isdigit():
        return float(s)
    key = " ".join(re.split(r"[\s-]+", s))
    return g.number_words[key]


def _num(v: float) -> float | int:
    """Integral values as int (10 rather than 10.0) so they print and compare as written."""
    return int(v) if float(v).is_integer() else v


# --------------------------------------------------------------------------------------------
# Cleaning with an offset map
# --------------------------------------------------------------------------------------------

# Markup removed before matching: HTML tags (replaced by a space so words do not join),
# markdown emphasis markers, footnote markers such as ^{*} and ^{2}.
_MARKUP_RE = re.compile(r"<[^<>]{1,200}>|\*\*|__|\*|\^\{[^}]{0,6}\}|\[bookmark:[^\]]*\]")
_CHAR_MAP = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)


def _clean(text: str) -> tuple[str, list[int]]:
    """Text without markup plus ``pos``: original offset of each clean character (and end)."""
    out: list[str] = []
    pos: list[int] = []
    last = 0
    for m in _MARKUP_RE.finditer(text):
        seg = text[last : m.start()]
        out.append(seg)
        pos.extend(range(last, m.start()))
        if m.group(0).startswith("<"):
            out.append(" ")
            pos.append(m.start())
        last = m.end()
    out.append(text[last:])
    pos.extend(range(last, len(text)))
    pos.append(len(text))
    return "".join(out).translate(_CHAR_MAP), pos


_PAIR_MARKERS = ("**", "__")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>")


def _balance(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) so that bold markers and inline tags inside it are balanced."""
    for _ in range(4):
        changed = False
        piece = text[start:end]
        for mk in _PAIR_MARKERS:
            if piece.count(mk) % 2:
                # The marker closes just after the phrase or opens just before it; failing
                # that, it closes a few words on ("**3-weekly visits**").
                nxt = text.find(mk, end, end + 40)
                if text.startswith(mk, end):
                    end += len(mk)
                    changed = True
                elif text[:start].endswith(mk):
                    start -= len(mk)
                    changed = True
                elif nxt >= 0 and not re.search(r"[.;:\n]", text[end:nxt]):
                    end = nxt + len(mk)
                    changed = True
        opens: list[str] = []
        unmatched_close = False
        for m in _TAG_RE.finditer(piece):
            if m.group(1):
                if opens and opens[-1] == m.group(2).lower():
                    opens.pop()
                else:
                    unmatched_close = True
            else:
                opens.append(m.group(2).lower())
        if opens:
            m2 = re.match(r"\s*</" + re.escape(opens[-1]) + r"\s*>", text[end:], re.I)
            if m2:
                end += m2.end()
                changed = True
        if unmatched_close:
            m3 = re.search(r"<[a-zA-Z][^<>]*>\s*$", text[:start])
            if m3:
                start = m3.start()
                changed = True
        if not changed:
            break
    return start, end


# --------------------------------------------------------------------------------------------
# Cores
# --------------------------------------------------------------------------------------------


@dataclass
class _Core:
    start: int
    end: int
    src: str  # qty | ly | freqword | times | every | immediate | dayn
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None
    kind: str | None = None  # fixed by the core itself (frequency / immediate / deadline)
    bound: str | None = None
    article: bool = False  # number written as "a"/"an"
    adjectival: bool = False  # "a 16 week period", "10-week consultation"
    extra: dict = field(default_factory=dict)


def _find_cores(g: _Grammar, low: str, clean: str) -> list[_Core]:
    cores: list[_Core] = []
    for m in g.immediate_re.finditer(low):
        cores.append(_Core(m.start(), m.end(), "immediate", kind="immediate"))
    for m in g.dayn_re.finditer(low):
        bound = "exact" if m.group("cue") == "at" else "at_most"
        cores.append(
            _Core(m.start(), m.end(), "dayn", _parse_number(g, m.group("n")), None, "day", "deadline", bound)
        )
    period_units = g.lookups["period_units"]
    times_words = g.lookups["times_words"]
    for m in g.times_re.finditer(low):
        if m.group("n"):
            n = _parse_number(g, m.group("n"))
        elif m.group("m"):
            n = float(times_words[_norm(m.group("m"))])
        else:
            n = _parse_number(g, m.group("k"))
        core = _count_core(g, m, n)
        if core is not None:
            cores.append(core)
    for m in g.count_re.finditer(low):
        if g.count_total_re.match(low[m.end() :]):
            continue  # "4 visits per year in total" is a count, not a frequency
        core = _count_core(g, m, _parse_number(g, m.group("n")))
        if core is not None:
            core.src = "count"
            cores.append(core)
    dayof_units = g.lookups["day_of_period_units"]
    for m in g.dayof_re.finditer(low):
        pv, pu = dayof_units[_norm(m.group("u"))]
        c = _Core(m.start(), m.end(), "dayof", float(pv), None, pu, "frequency")
        c.extra["day"] = clean[m.start("day") : m.end("day")]
        cores.append(c)
    for m in g.every_re.finditer(low):
        word = next(k for k, v in m.groupdict().items() if k.startswith("w_") and v)[2:]
        pv, pu = period_units[_norm(m.group(f"u_{word}"))]
        value = float(pv) * (2 if m.group(f"o_{word}") else 1)
        cores.append(_Core(m.start(), m.end(), "every", value, None, pu, "frequency"))
    freq_words = g.lookups["frequency_words"]
    numbered = g.lookups["numbered_frequency_words"]
    lower_only = g.lookups["lowercase_only"]
    for m in g.ly_re.finditer(low):
        if m.group("nly"):
            cores.append(
                _Core(
                    m.start(),
                    m.end(),
                    "ly",
                    _parse_number(g, m.group("n")),
                    None,
                    numbered[_norm(m.group("nly"))],
                    "frequency",
                )
            )
        else:
            word = _norm(m.group("ly"))
            if word in lower_only and clean[m.start() : m.end()] != clean[m.start() : m.end()].lower():
                continue
            v, u = freq_words[word]
            cores.append(_Core(m.start(), m.end(), "freqword", float(v), None, u, "frequency"))
    for m in g.qty_re.finditer(low):
        unit_s = _norm(m.group("unit"))
        unit = g.unit_surface[unit_s]
        if m.group("b1"):
            v, vmax = _parse_number(g, m.group("b1")), _parse_number(g, m.group("b2"))
        elif m.group("a"):
            v, vmax = 1.0, None
        else:
            v = _parse_number(g, m.group("n1"))
            vmax = _parse_number(g, m.group("n2")) if m.group("n2") else None
        if vmax is not None and vmax <= v:
            continue  # "0-25"-like codes or reversed numbers are not ranges of time
        c = _Core(m.start(), m.end(), "qty", v, vmax, unit)
        c.article = bool(m.group("a"))
        hyphen = "-" in (m.group("hy") or "")
        c.adjectival = hyphen or (unit_s in g.singular_surfaces and (v != 1 or vmax is not None))
        cores.append(c)
    # Longest core wins where two overlap ("twice a year" over "a year", "6 weekly" over "weekly").
    cores.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Core] = []
    for c in cores:
        if kept and c.start < kept[-1].end:
            if c.end - c.start > kept[-1].end - kept[-1].start and c.start == kept[-1].start:
                kept[-1] = c
            continue
        kept.append(c)
    return kept


def _count_core(g: _Grammar, m: re.Match[str], n: float) -> _Core | None:
    """A frequency core from "n (to n2) times / occurrences a <period>".

    A range binds at its outer limit: "two or three times a year" must happen at least twice, so
    the binding interval is 6 months (``value_max``) and the more frequent 4 months is ``value``.
    """
    if n <= 0:
        return None
    pv, pu = g.lookups["period_units"][_norm(m.group("u"))]
    academic = (m.group("q") or "").startswith("academic")
    value, unit = _divide_period(g, float(pv), pu, n, academic=academic)
    value_max = None
    n2 = m.groupdict().get("n2")
    if n2:
        hi = _parse_number(g, n2)
        if hi <= n:
            return None  # "3-2 times": not a range
        v_hi, u_hi = _divide_period(g, float(pv), pu, hi, academic=academic)
        if u_hi == unit:
            value, value_max = v_hi, value
        # else the two figures fall in different units: keep the binding (less frequent) one
    return _Core(m.start(), m.end(), "times", value, value_max, unit, "frequency")


def _first_period_is_deadline(
    g: _Grammar, cores: list[_Core], core: _Core, right: str, s_start: int, s_end: int
) -> bool:
    """Whether "in the first N <unit> of <event>" is a deadline rather than a duration qualifier.

    It is when it names the event it counts from and no frequency shares the sentence: "visit in
    the first three weeks of the placement" is a deadline; "visit every four weeks in the first
    six months of the placement" qualifies the frequency.
    """
    if not re.match(r"\s+of\s+\S", right):
        return False
    return not any(c is not core and s_start <= c.start < s_end and c.kind == "frequency" for c in cores)


def _divide_period(g: _Grammar, pv: float, pu: str, n: float, academic: bool) -> tuple[float, str]:
    """ "N times a <period>" as an interval: twice a year -> 6 month; three in each academic year -> 1 term."""
    if n == 1:
        if pu == "year" and pv == 1:
            return 12.0, "month"  # "once a year" lines up with "annually" and "twice a year"
        return pv, pu
    if pu == "year" and academic:
        terms = float(g.data.get("terms_per_academic_year", 3))
        if terms % n == 0 or n == terms:
            return terms / n, "term"
    if pu == "year":
        return 12.0 * pv / n, "month"
    if pu == "month" and (4 * pv) % n == 0:
        return 4.0 * pv / n, "week"
    if pu in ("week", "month", "term"):
        return DAYS_PER_UNIT[pu] * pv / n, "day"
    if pu == "day":
        return 24.0 * pv / n, "hour"
    return pv / n, pu


# --------------------------------------------------------------------------------------------
# Context reading
# --------------------------------------------------------------------------------------------


# Cue groups that may precede a core that is a frequency by itself ("at least 6 weekly",
# "no more than three monthly"); a deadline cue ("in the weekly meeting") ends the chain.
_FREQUENCY_CORE_GROUPS = frozenset({"at_most", "at_least", "frequency", "interval", "filler"})
# Groups that never widen the phrase span.
_SPANLESS_GROUPS = frozenset({"filler", "age_years_only"})


def _cue_chain(
    g: _Grammar, left: str, allowed: frozenset[str] | None = None
) -> tuple[list[tuple[str, str]], int]:
    """Cue phrases written right before a core, read right to left.

    Returns [(cue, group), ...] nearest first, and the offset in ``left`` where the chain
    starts (fillers excluded). ``allowed`` limits the groups read.
    """
    chain: list[tuple[str, str]] = []
    cut = len(left)
    start = len(left)
    for _ in range(8):
        m = g.cue_re.search(left, 0, cut)
        if not m:
            break
        cue = _norm(m.group("cue"))
        group = g.cue_kind[cue]
        if allowed is not None and group not in allowed:
            break
        chain.append((cue, group))
        cut = m.start()
        if group not in _SPANLESS_GROUPS:
            start = m.start()
    return chain, start


def _anchor(g: _Grammar, rest: str) -> str | None:
    """The anchor event at the start of ``rest`` (text after the relation word), cleaned."""
    rest = rest.lstrip()
    mp = g.anchor_prefix_re.match(rest.lower())
    if mp:
        rest = rest[mp.end() :]
    end = len(rest)
    for m in g.stop_re.finditer(rest):
        word = m.group(0).lower()
        if word == "or" and g.data.get("anchor_or_continues", True):
            after = rest[m.end() :].lstrip().lower()
            nxt = after.split(" ", 1)[0] if after else ""
            if nxt and not g.stop_re.fullmatch(nxt) and nxt not in g.cue_kind and not nxt[0].isdigit():
                continue
        if m.start() == 0:
            return None
        end = m.start()
        break
    words = rest[:end].split()[: int(g.data.get("anchor_max_words", 10))]
    phrase = " ".join(words).strip(" '\"-/")
    return phrase or None


def _read_anchor(g: _Grammar, right: str, immediate: bool) -> tuple[str | None, str | None]:
    m = g.relation_re.match(right.lower())
    if m:
        rel = g.relation_kind[_norm(m.group("rel"))]
        rest = right[m.start("rest") :]
        a = _anchor(g, rest)
        if a:
            return a, rel
    if immediate:
        m = g.imm_relation_re.match(right.lower())
        if m:
            a = _anchor(g, right[m.start("rest") :])
            if a:
                return a, "after"
    return None, None


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def approx_days(
    value: float | None, unit: str | None, value_max: float | str | None = None
) -> tuple[float, float]:
    """(min, max) calendar days of ``value`` (to ``value_max``) ``unit``.

    working_day = 7/5 days (10 working days ~ 14), week 7, month 365.25/12, term 365/3,
    year 365, hour 1/24. Immediate (``value``/``unit`` None) is (0, 1): the same day.
    For compatibility with the architecture note (``approx_days(value, unit, kind)``), a
    string third argument is taken as the kind and ignored.
    """
    if isinstance(value_max, str):
        value_max = None
    if value is None or unit is None:
        return (0.0, 1.0)
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"unknown timescale unit {unit!r}; expected one of {sorted(DAYS_PER_UNIT)}")
    f = DAYS_PER_UNIT[unit]
    lo = round(float(value) * f, 2)
    hi = round(float(value_max if value_max is not None else value) * f, 2)
    return (lo, hi)


def _fmt_num(v: float | None) -> str:
    if v is None:
        return ""
    # A term divided by a count ("two visits per term") is a fraction of days: one decimal.
    return str(_num(round(float(v), 1)))


def _unit_words(value: float | None, unit: str | None, value_max: float | None = None) -> str:
    if unit is None:
        return ""
    one, many = UNIT_WORDS.get(unit, (unit, unit + "s"))
    if value_max is not None:
        return f"{_fmt_num(value)}-{_fmt_num(value_max)} {many}"
    if value == 1:
        return f"1 {one}"
    return f"{_fmt_num(value)} {many}"


def names_a_period(text: str) -> bool:
    """Whether ``text`` starts with a noun that names a stretch of time ("period", "timescale",
    "time limit", "interval"): a figure on such a noun is still a time, not a quantity."""
    return _grammar().period_noun_re.match(text.lower()) is not None


def _day_of_period(phrase: str) -> tuple[str, str] | None:
    """("10th", "month") when ``phrase`` is a day of each period ("by the 10th of each month")."""
    clean, _pos = _clean(phrase)
    m = _grammar().dayof_re.search(clean.lower())
    if m is None:
        return None
    return " ".join(clean[m.start("day") : m.end("day")].split()), _norm(m.group("u"))


@dataclass(frozen=True)
class DayOfPeriod:
    """The day of each period a repeating deadline falls on ("by the 6th of each month")."""

    number: int  # 1-based
    from_end: bool  # "the last working day" counts from the period's end
    day_kind: str  # "calendar" | "working" | "school": which days are counted
    period: str  # the period word as written ("month", "quarter")


def day_of_each_period(t: Timescale) -> DayOfPeriod | None:
    """The day of each period ``t`` falls on, when it is one ("by the last working day of every
    month"); None for any other timescale."""
    if t.kind != "frequency" or not t.phrase:
        return None
    found = _day_of_period(t.phrase)
    if found is None:
        return None
    day, period = found
    words = day.lower().split()
    first = words[0]
    from_end = _grammar().lookups["ordinals_from_end"]
    if first[:-2].isdigit():
        number, backwards = int(first[:-2]), False
    elif first in from_end:
        number, backwards = from_end[first], True
    else:
        number, backwards = _grammar().lookups["ordinal_numbers"][first], False
    kind = next((k for k in ("working", "business", "school") if k in words[1:]), "calendar")
    return DayOfPeriod(number, backwards, "working" if kind == "business" else kind, period.lower())


def describe_timescale(t: Timescale) -> str:
    """Plain words: "within 10 working days of the ICPC", "at least every 6 weeks"."""
    if t.kind == "immediate":
        if t.anchor and t.anchor_relation == "before":
            return f"immediately before {t.anchor}"
        text = "immediately / on the same day"
        if t.anchor:
            text += f" as {t.anchor}"
        return text
    amount = _unit_words(t.value, t.unit, t.value_max)
    if t.kind == "frequency":
        day = _day_of_period(t.phrase)
        if day is not None:
            every = amount if t.value != 1 or t.value_max is not None else amount.split(" ", 1)[1]
            return f"every {every}, by the {day[0]} of the {day[1]}"
        if t.value is not None and t.value_max is None and t.value != int(t.value):
            # A count per period that divides into no whole unit ("two visits per term"): the
            # document's own words, never a computed "every 60.8 days" it does not state.
            return " ".join(t.phrase.split())
        if t.value == 1 and t.value_max is None:
            amount = UNIT_WORDS.get(t.unit or "", (t.unit, ""))[0]
        lead = {"at_least": "at least every", "at_most": "no more often than every"}.get(
            t.bound or "", "every"
        )
        text = f"{lead} {amount}"
        if t.anchor:
            text += f" {'before' if t.anchor_relation == 'before' else 'from'} {t.anchor}"
    else:
        if t.anchor_relation == "before":
            lead = {"at_least": "at least ", "at_most": "no later than ", "exact": ""}.get(t.bound or "", "")
            text = f"{lead}{amount} before {t.anchor}"
        else:
            lead = {"at_least": "at least ", "at_most": "within ", "exact": "at "}.get(t.bound or "", "")
            text = f"{lead}{amount}"
            if t.anchor:
                text += f" of {t.anchor}"
    if t.alternative:
        text += f" (also written as {t.alternative})"
    return text


def find_timescales(text: str) -> list[Timescale]:
    """Every timescale phrase in ``text`` (one clause), in reading order; spans index ``text``."""
    if not text or not text.strip():
        return []
    g = _grammar()
    clean, pos = _clean(text)
    low = clean.lower()
    if not g.trigger_re.search(low):
        return []
    cores = _find_cores(g, low, clean)
    if not cores:
        return []
    sents = sentence_bounds(clean)

    def sentence_of(i: int) -> tuple[int, int]:
        for s, e in sents:
            if s <= i < e:
                return s, e
        return 0, len(clean)

    by_start = {c.start: c for c in cores}
    consumed: set[int] = set()
    results: list[tuple[Timescale, dict]] = []
    prev_end = 0
    prev_age_end = -1
    prev_info: dict | None = None

    for core in cores:
        if core.start in consumed:
            continue
        s_start, s_end = sentence_of(core.start)
        line_start = low.rfind("\n", 0, core.start) + 1
        lo = max(s_start, prev_end, line_start, core.start - 120)
        left = low[lo : core.start]
        if core.kind == "immediate":
            chain, chain_off = [], len(left)
        elif core.kind == "frequency":
            chain, chain_off = _cue_chain(g, left, _FREQUENCY_CORE_GROUPS)
        else:
            chain, chain_off = _cue_chain(g, left)
        groups = [grp for _, grp in chain]
        right_start = core.end

        # --- traps -------------------------------------------------------------------------
        right = low[core.end : min(len(low), core.end + 160)]
        if (
            core.src == "qty"
            and chain
            and chain[0][0] in g.first_period_cues
            and not (prev_info and prev_info["kind"] == "frequency" and prev_info["end"] >= s_start)
            and _first_period_is_deadline(g, cores, core, right, s_start, s_end)
        ):
            # "in the first three weeks of the placement": within 3 weeks of its start.
            chain = [(chain[0][0], "deadline_at_most"), *chain[1:]]
            groups = [grp for _, grp in chain]
        if core.src == "qty":
            is_age = "age" in groups or bool(g.age_right_re.match(right))
            if core.unit == "year" and chain and chain[0][0] in g.lookups["age_years_only"]:
                is_age = True
            if prev_age_end >= 0 and re.fullmatch(r"\s*(?:and|,)\s*", low[prev_age_end : core.start]):
                is_age = True
            if is_age:
                prev_age_end = core.end
                continue
            if "drop" in groups:
                continue
            if g.rate_right_re.match(right):
                continue
            if core.article and all(grp == "filler" for grp in groups):
                continue  # "a week" with no cue: "7 days a week", "a week later"
            # "a 10-week consultation" names a thing; "a 16 week period" and "by the four month
            # review" are timescales.
            if (
                core.adjectival
                and not g.period_noun_re.match(right)
                and not any(grp.startswith("deadline") for grp in groups)
            ):
                continue
        elif "drop" in groups or "age" in groups:
            continue

        # --- alternative written form ------------------------------------------------------
        alternative = None
        m = g.alt_sep_re.match(low[core.end : core.end + 12])
        if m and core.kind != "immediate":
            nxt = by_start.get(core.end + m.end())
            if nxt is not None and nxt.src in ("qty", "ly", "freqword") and nxt.kind != "immediate":
                tail = low[nxt.end :]
                ok = True
                if m.group("sep") == "(":
                    mm = re.match(r"\s*\)", tail)
                    ok = bool(mm)
                    alt_end = nxt.end + (mm.end() if mm else 0)
                else:
                    alt_end = nxt.end
                if ok and nxt.src == "qty" and (g.rate_right_re.match(tail) or g.age_right_re.match(tail)):
                    if m.group("sep") == "/":
                        consumed.add(nxt.start)
                        continue  # "24 hours / 7 days a week": availability, not a timescale
                    ok = False
                if ok:
                    alternative = clean[nxt.start : nxt.end].strip()
                    consumed.add(nxt.start)
                    right_start = alt_end
        right = low[right_start : min(len(low), right_start + 200)]
        right_orig = clean[right_start : min(len(clean), right_start + 200)]

        # Tail nouns ("6 weekly basis", "6-monthly intervals") and trailing bounds.
        span_end = right_start
        bound_right = None
        mt = g.tail_noun_re.match(right)
        if core.adjectival and alternative is None:
            mt = g.period_noun_re.match(right) or mt  # "by the four month review"
        if mt and core.src in ("ly", "freqword", "qty"):
            span_end += mt.end()
        mb = g.right_bound_re.match(low[span_end : span_end + 40])
        if mb:
            bound_right = g.right_bound_kind[_norm(mb.group("rb"))]
            span_end += mb.end()
        after = low[span_end : min(len(low), span_end + 200)]
        after_orig = clean[span_end : min(len(clean), span_end + 200)]

        # --- anchor ------------------------------------------------------------------------
        anchor, relation = _read_anchor(g, after_orig, core.kind == "immediate")
        if anchor is None and after_orig is not right_orig:
            anchor, relation = _read_anchor(g, right_orig, core.kind == "immediate")

        # --- kind --------------------------------------------------------------------------
        seq_left = bool(g.seq_re.search(left[:chain_off])) if chain_off <= len(left) else False
        seq_right = bool(g.right_seq_re.match(after))
        kind = core.kind
        if kind is None:
            if any(grp in ("frequency", "interval") for grp in groups):
                kind = "frequency"
            elif any(grp in ("deadline_by", "deadline_exact") for grp in groups) or core.src == "dayn":
                kind = "deadline"
            elif (
                anchor is None
                and (
                    # "... and thereafter within a maximum of six months": a repeat
                    seq_left
                    or seq_right
                    # "kept up to date and current within 3 months": a refresh interval
                    or (
                        "deadline_at_most" in groups
                        and g.recency_re.search(low[max(s_start, core.start - 160) : lo + chain_off])
                    )
                )
            ):
                kind = "frequency"
            elif (
                (not groups or all(grp == "filler" for grp in groups))
                and prev_info is not None
                and g.connector_re.match(low[prev_info["end"] : core.start])
            ):
                kind = prev_info["kind"]
                if prev_info["kind"] == "frequency" and core.bound is None:
                    core.bound = prev_info["bound"]
            elif (
                anchor is None
                and not any(grp.startswith("deadline") for grp in groups)
                and g.freq_sentence_re.search(low[s_start:s_end])
            ):
                kind = "frequency"
            else:
                kind = "deadline"

        # --- bound -------------------------------------------------------------------------
        bound = core.bound
        interval = "interval" in groups
        for _cue, grp in chain:
            if grp in ("deadline_at_most", "at_most"):
                bound = "at_most"
                break
            if grp == "at_least":
                bound = "at_least"
                break
            if grp == "deadline_exact":
                bound = "exact"
                break
            if grp == "deadline_by":
                bound = "at_most"
                break
        if bound is None and bound_right:
            bound = bound_right
        if kind == "frequency" and bound is not None:
            # For a frequency the bound says how often. A cap on the interval (within, no
            # more than, a maximum of) means at least this often; "intervals of no less than"
            # means no more often; "at least every" / "a minimum of" mean at least this often.
            if bound == "at_most":
                bound = "at_least"
            elif (
                bound == "at_least"
                and interval
                and any(c in ("no less than", "not less than") for c, _ in chain)
            ):
                bound = "at_most"
            elif bound == "exact":
                bound = None
        if kind == "immediate":
            bound = None

        # Leading anchor: "Following a case closure, ... within 1 working day."
        if anchor is None and kind == "deadline":
            ml = g.leading_anchor_re.match(clean[s_start : lo + chain_off])
            if ml:
                anchor = ml.group("a").strip()
                relation = "after"

        # "weekly until the first review, thereafter every four weeks": the second runs from it.
        if anchor is None and (seq_left or seq_right) and prev_info and prev_info.get("until"):
            anchor, relation = prev_info["until"], "after"

        until = None
        mu = g.until_re.match(after_orig)
        if mu:
            until = _anchor(g, mu.group("rest"))
        mq = g.period_qual_re.match(after)
        if mq and until is None:
            until = " ".join(after_orig[mq.start("q") : mq.end("q")].split()[1:])

        # --- span and record ---------------------------------------------------------------
        c_start = lo + chain_off if chain_off < len(left) else core.start
        o_start = pos[c_start]
        o_end = pos[span_end - 1] + 1 if span_end > c_start else pos[core.end - 1] + 1
        o_start, o_end = _balance(text, o_start, o_end)
        value = None if kind == "immediate" else core.value
        unit = None if kind == "immediate" else core.unit
        value_max = core.value_max if kind != "immediate" else None
        days = approx_days(value, unit, value_max)
        ts = Timescale(
            kind=kind,  # type: ignore[arg-type]
            value=_num(value) if value is not None else None,
            unit=unit,  # type: ignore[arg-type]
            phrase=text[o_start:o_end],
            start=o_start,
            end=o_end,
            value_max=_num(value_max) if value_max is not None else None,
            bound=bound,  # type: ignore[arg-type]
            anchor=anchor,
            anchor_relation=relation if anchor else None,  # type: ignore[arg-type]
            approx_days=days,
            approximate=unit in APPROXIMATE_UNITS,
        )
        if alternative is not None:
            ts.alternative = alternative
        info = {"end": span_end, "kind": kind, "bound": bound, "until": until}
        results.append((ts, info))
        prev_info = info
        prev_end = span_end
    return [ts for ts, _ in results]
