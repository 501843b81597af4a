"""Understanding a practitioner's question, alone or as part of a conversation.

What is read: the authorities named (through the one resolver, ``service/resolver.py``:
aliases, misspellings with a note, places we hold nothing for), what kind of answer is asked
for (when / how often / how long / who / what / what happens if / why), the taxonomy's topics
and cohort (ranking signals for the answer, never gates), ordinal qualifiers ("first",
"stage two"), any date a deadline runs from, and any timescale the question itself states
(a premise the answer checks). A follow-up ("and in Wokingham?", "who chairs it?") keeps its
own parts and takes the ones it lacks from the latest earlier question that has them.

The question words live in ``service/question_words.yaml``; topics, cohorts and roles in the
taxonomy. Nothing here knows any document's wording.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from extractors.predicates import Argument, asked_argument, light_verbs, predicate_chain
from extractors.records import Timescale
from service.deadlines import find_date

_DATA = Path(__file__).parent / "question_words.yaml"
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# A follow-up with fewer words of its own than this (besides places, cohort and question
# words) and no taxonomy topic names no subject: it takes the conversation's ("and who chairs?").
MIN_OWN_SUBJECT_TERMS = 2
_PLACE_LEAD = re.compile(r"\b(?:in|for|at|from|by|on|across|and)(?:\s+the)?\s*$", re.I)
_ASIDE = re.compile(r"\s*\(([^()]*)\)")
TIMESCALE_ASKS = ("when", "how_often", "how_long")


@dataclass
class Question:
    """What the service understood of a question (after the conversation filled its gaps)."""

    text: str  # as typed
    search_text: str  # what retrieval and relevance see: places removed, a follow-up's subject added
    authorities: list[str] = field(default_factory=list)  # canonical, named in the text, requested or inherited
    topics: list[str] = field(default_factory=list)  # canonical topics, best first (signals)
    topic_scores: dict[str, float] = field(default_factory=dict)  # topic -> match strength (0, 1]
    cohort: str | None = None  # canonical cohort when one is named
    asks: str = "when"  # when | how_often | how_long | who | what | what_if | why
    asks_stated: bool = False  # the question says what it asks (else the default or the conversation's)
    date: date | None = None  # a date written in the question (deadline from)
    qualifiers: list[tuple[int, int]] = field(default_factory=list)  # (set, member) named
    terms: list[str] = field(default_factory=list)  # content stems of search_text, for lexical matching
    premise: list[Timescale] = field(default_factory=list)  # timescales the question itself states
    unknown_places: list[str] = field(default_factory=list)  # "in Leeds": a place we hold nothing for
    notes: list[str] = field(default_factory=list)  # misspelt authority read as ..., follow-up read as ...
    inherited: list[str] = field(default_factory=list)  # which parts came from the conversation
    subject_text: str = ""  # the whole question as read (places removed), for a follow-up that only changes a part
    topic_phrase: str = ""  # the words naming what it is about (topic and cohort), for one asking something new
    topic_names: list[str] = field(default_factory=list)  # each phrase naming a taxonomy topic, as written
    cohort_words: str = ""  # the words naming the cohort, in search_text
    counted: list[str] = field(default_factory=list)  # a count question: stems of the thing counted
    asked_action: str = ""  # a "who" question: stem of what the person does ("chair"); "" = responsible
    verb: str = ""  # a who / what question: lemma of the verb it asks about ("include", "chair")
    # ... and what it asks about with it ("a pathway plan" in "What must a pathway plan include?")
    verb_argument: Argument = field(default_factory=Argument)
    ages: list[tuple[int, int]] = field(default_factory=list)  # age bands the question names (years, inclusive)
    stages: frozenset[str] = frozenset()  # which end of the event it asks about ("closing": concluded)

    @cached_property
    def has_condition(self) -> bool:
        """Whether the question itself states a condition ("if I have not seen the child").
        Read once: every candidate sentence stating a condition asks it (``condition_unasked``)."""
        return names_a_condition(self.search_text)

    @property
    def asks_timescale(self) -> bool:
        """Whether the answer is a figure (when / how often / how long)."""
        return self.asks in TIMESCALE_ASKS

    def to_dict(self) -> dict:
        """What the API reports of its reading of the question."""
        return {
            "authorities": self.authorities,
            "topics": self.topics,
            "cohort": self.cohort,
            "asks": self.asks,
            "date": self.date.isoformat() if self.date else None,
            "premise": [t.phrase for t in self.premise],
            "ages": [list(band) for band in self.ages],
            "unknown_places": self.unknown_places,
            "inherited": self.inherited,
            "search_text": self.search_text,
        }


@lru_cache(maxsize=1)
def _config() -> dict:
    with open(_DATA, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)

    def group(patterns: list[str]) -> re.Pattern[str] | None:
        return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.I) if patterns else None

    asks = [
        (name, group(entry.get("strong") or []), group(entry.get("weak") or []))
        for name, entry in data["asks"].items()
    ]
    qualifier_sets = [
        [re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I) for words in members]
        for members in data["qualifier_sets"]
    ]
    return {
        "count": group((data["asks"].get("how_many") or {}).get("strong") or []),
        "who": group((data["asks"].get("who") or {}).get("strong") or []),
        "who_generic": frozenset(stem(w) for w in data.get("who_generic") or []),
        "who_openers": frozenset(data.get("who_openers") or []),
        "asks": asks,
        "qualifiers": qualifier_sets,
        "stopwords": frozenset(data["stopwords"].split()),
        "anaphora": group([re.escape(w) for w in data["anaphora"]]),
        "number_references": frozenset(data["number_references"]),
        "number_words": frozenset(data["number_words"]),
        "condition": group([re.escape(w) for w in data["condition_words"]]),
        "reason": group([re.escape(w) for w in data["reason_words"]]),
        "stages": {
            name: group(sorted({re.escape(w) for lemma in entry.get("verbs") or []
                                for w in verb_forms(lemma, data.get("irregular_verbs") or {})}
                               | {re.escape(n) + "s?" for n in entry.get("nouns") or []}))
            for name, entry in data["event_stages"].items()
        },
    }


_VOWELS = "aeiou"


def verb_forms(lemma: str, irregular: dict[str, list[str]] | None = None) -> set[str]:
    """Every form of the English verb ``lemma`` by the regular spelling rules: third person
    ("notifies", "finishes"), past and participle ("triggered", "concluded", "notified") and
    "-ing" ("concluding", "beginning"), plus any irregular past forms given for it.

    A final consonant after a single vowel may or may not double ("beginning", "triggering"),
    so both spellings are accepted: the other is not an English word that could be misread.
    """
    w = lemma.lower()
    forms = {w}
    if w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + "ies", w[:-1] + "ied", w + "ing"}
    elif w.endswith("e"):
        forms |= {w + "s", w + "d", w[:-1] + "ing"}
    else:
        forms.add(w + ("es" if re.search(r"(?:s|sh|ch|x|z|o)$", w) else "s"))
        stems = {w}
        if len(w) >= 3 and w[-1] not in _VOWELS + "wxy" and w[-2] in _VOWELS and w[-3] not in _VOWELS:
            stems.add(w + w[-1])
        forms |= {s + "ed" for s in stems} | {s + "ing" for s in stems}
    forms.update((irregular or {}).get(w, []))
    return forms


def points_back(text: str) -> bool:
    """Does ``text`` open with a word pointing back at what came before ("This will be ...")?"""
    m = re.match(r"\W*(\w+)", text)
    return bool(m) and _config()["anaphora"].fullmatch(m.group(1)) is not None


@lru_cache(maxsize=1)
def _hedges() -> re.Pattern[str] | None:
    """The taxonomy's hedge phrases ("where possible", "if practicable": language.hedge_words)."""
    from extractors.taxonomy import load_taxonomy

    words = load_taxonomy().words("hedge_words")
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I) if words else None


def names_a_condition(text: str) -> bool:
    """Does ``text`` open a condition ("if ...", "where ...")? (``condition_words``). A condition
    word inside a hedge ("within 10 days where possible") softens the duty; it does not say
    which cases the duty is for, so it opens no condition."""
    pattern = _config()["condition"]
    if pattern is None:
        return False
    hedges = _hedges()
    hedged = [(m.start(), m.end()) for m in hedges.finditer(text)] if hedges else []
    return any(not any(a <= m.start() < b for a, b in hedged) for m in pattern.finditer(text))


def gives_a_reason(text: str) -> bool:
    """Does ``text`` give a reason ("because", "so that")? (``reason_words``)"""
    return bool(_config()["reason"].search(text))


# Distinct texts whose event stages are kept: every candidate sentence of every question is
# tested (several patterns each) and the same sentences come back question after question; a
# store's sentences number a few thousand to a few hundred thousand.
STAGES_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=STAGES_CACHE_SIZE)
def event_stages(text: str) -> frozenset[str]:
    """Which ends of an event ``text`` names by verb or noun ("opening": start, contact, notify;
    "closing": complete, conclude), from ``event_stages``."""
    return frozenset(name for name, pattern in _config()["stages"].items() if pattern and pattern.search(text))


# --- authorities --------------------------------------------------------------------------
def load_authority_aliases(corpus_dir: Path | None) -> dict[str, list[str]]:
    """Authority -> other names, from the manifest's ``authorities`` section (empty if none)."""
    if corpus_dir is None:
        return {}
    path = Path(corpus_dir) / "manifest.yaml"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out: dict[str, list[str]] = {}
    for name, entry in (data.get("authorities") or {}).items():
        aliases = (entry or {}).get("aliases") or [] if isinstance(entry, dict) else []
        out[str(name)] = [str(a) for a in aliases]
    return out


class AuthorityMatcher:
    """Finds authorities named in text by name or alias, possessives included, any case."""

    def __init__(self, known: list[str], aliases: dict[str, list[str]]):
        self.known = sorted(known)
        names: list[tuple[str, str]] = []
        for authority in known:
            names.append((authority, authority))
            for alias in aliases.get(authority, []):
                names.append((alias, authority))
        # Longest first so "Sandwell Children's Trust" wins over "Sandwell".
        names.sort(key=lambda pair: -len(pair[0]))
        self._patterns = [
            (re.compile(r"(?<![\w])" + re.escape(name).replace(r"\ ", r"\s+") + r"(?:['’]s)?(?![\w])", re.I), authority)
            for name, authority in names
        ]
        self._lookup = {name.lower(): authority for name, authority in names}

    def find(self, text: str) -> list[str]:
        """Authorities named in ``text``, in order of first mention."""
        found: list[tuple[int, str]] = []
        for pattern, authority in self._patterns:
            m = pattern.search(text)
            if m and authority not in [a for _, a in found]:
                found.append((m.start(), authority))
        return [a for _, a in sorted(found)]

    def strip(self, text: str) -> str:
        """``text`` without authority names (so they do not count as topic words)."""
        for pattern, _ in self._patterns:
            text = pattern.sub(" ", text)
        return text


# --- taxonomy adapters ----------------------------------------------------------------------
def _name_of(item: Any) -> str | None:
    """A canonical name out of whatever a taxonomy matcher returns (str, record, tuple, dict)."""
    if item is None:
        return None
    if isinstance(item, str):
        return item
    if isinstance(item, tuple | list) and item:
        return _name_of(item[0])
    if isinstance(item, dict):
        return item.get("name") or item.get("topic") or item.get("canonical")
    for attr in ("name", "topic", "canonical"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return None


def scored_topics(taxonomy: Any, text: str) -> dict[str, float]:
    """Canonical topics named in ``text`` with their match strength, best first."""
    out: dict[str, float] = {}
    for item in taxonomy.match_topics(text) or []:
        name = _name_of(item)
        score = item[1] if isinstance(item, tuple | list) and len(item) > 1 else 1.0
        if name and name not in out:
            out[name] = float(score)
    return out


def match_topics(taxonomy: Any, text: str) -> list[str]:
    """Canonical topics named in ``text``, best first, duplicates removed."""
    return list(scored_topics(taxonomy, text))


def canonical_cohort(taxonomy: Any, text: str) -> str | None:
    """The canonical cohort named in ``text`` (via the taxonomy), or None."""
    return _name_of(taxonomy.canonical_cohort(text))


def topic_names(taxonomy: Any) -> list[str]:
    """Every canonical topic the taxonomy knows."""
    topics = getattr(taxonomy, "topics", None) or []
    if isinstance(topics, dict):
        return list(topics.keys())
    return [n for n in (_name_of(t) for t in topics) if n]


_VOCAB_CACHE: dict[int, frozenset[str]] = {}
_MONTHS_DAYS = frozenset([
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter",
])


def vocabulary(taxonomy: Any) -> frozenset[str]:
    """Lower-case words that are never a place name: every word the taxonomy uses (topics,
    cohorts, roles, anchors, abbreviations), the question words and calendar words."""
    key = id(taxonomy)
    if key not in _VOCAB_CACHE:
        words: set[str] = set()
        for section in ("topics", "cohorts", "roles", "anchors"):
            for entry in (getattr(taxonomy, section, None) or {}).values():
                for term in [getattr(entry, "name", "")] + list(getattr(entry, "synonyms", ()) or ()):
                    words.update(_WORD.findall(str(term).lower()))
        for abbr in (getattr(taxonomy, "abbreviations", None) or {}):
            words.add(str(abbr).lower())
        _VOCAB_CACHE[key] = frozenset(words | _config()["stopwords"] | _MONTHS_DAYS)
    return _VOCAB_CACHE[key]


# --- the question ---------------------------------------------------------------------------
def content_terms(text: str) -> list[str]:
    """Lower-case content words of ``text`` (stopwords removed, simple plural folding)."""
    stop = _config()["stopwords"]
    out = []
    for word in _WORD.findall(text.lower()):
        word = re.sub(r"['’]s$", "", word)
        if word in stop or len(word) < 2 or word.isdigit():
            continue
        out.append(stem(word))
    return out


# Distinct words whose stems are kept: the stores' and questions' vocabulary is a few tens of
# thousands of words, and every candidate sentence of every question is stemmed word by word.
STEM_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(word: str) -> str:
    """A crude, predictable stem: common endings off, then the first five letters.

    Enough to let "visits"/"visited"/"visiting", "notified"/"notification" and
    "children"/"child" meet; precision comes from the topic and cohort checks, not from here.
    """
    for _ in range(2):  # "meetings" -> "meeting" -> "meet"
        for suffix in ("ing", "ed", "es", "s", "ly"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
    return word[:5]


def find_qualifiers(text: str) -> list[tuple[int, int]]:
    """Which qualifier words (set index, member index) ``text`` names."""
    found = []
    for si, members in enumerate(_config()["qualifiers"]):
        for mi, pattern in enumerate(members):
            if pattern.search(text):
                found.append((si, mi))
    return found


_RELATIVE_PRONOUN = re.compile(r"who(?:m|se)?\b", re.I)


def _is_relative(text: str, m: re.Match[str]) -> bool:
    """Whether a "who" match opens a relative clause: it follows a word of its own clause that
    does not open a question ("a child who is ..."), not the start, punctuation or an opener."""
    if not _RELATIVE_PRONOUN.match(m.group(0)):
        return False
    before = re.search(r"([\w'’]+)\s*$", text[:m.start()])
    return before is not None and before.group(1).lower() not in _config()["who_openers"]


def _first_question_match(pattern: re.Pattern[str] | None, text: str) -> re.Match[str] | None:
    """The earliest match of ``pattern`` that asks something (a relative "who" does not)."""
    if pattern is None:
        return None
    return next((m for m in pattern.finditer(text) if not _is_relative(text, m)), None)


def what_is_asked(text: str) -> tuple[str, bool]:
    """(kind, stated): the earliest strong question phrase's kind, else the earliest weak one's,
    else ("when", False): a timescale, the commonest question."""
    best: tuple[int, int, str] | None = None
    for strength in (1, 2):
        for order, (name, strong, weak) in enumerate(_config()["asks"]):
            pattern = strong if strength == 1 else weak
            m = _first_question_match(pattern, text)
            if m and (best is None or (m.start(), order) < best[:2]):
                best = (m.start(), order, name)
        if best is not None:
            return best[2], True
    return "when", False


# Content words (stop words aside) either side of a number within which the thing counted must
# be named ("the caseload of each worker is no more than 18": three apart); further off, the
# number counts something else.
COUNT_WINDOW = 4


def states_a_count(text: str, counted: list[str], skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of numbers in ``text`` that count ``counted`` (stems): a number (digits or a number
    word) with the thing counted within ``COUNT_WINDOW`` words, not inside a ``skip`` span (a
    timescale) and not a reference or an age ("section 47", "aged 16": ``number_references``)."""
    if not counted:
        return []
    cfg = _config()
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in re.finditer(r"[\w.]+", text)]
    want = set(counted)
    out = []
    for i, (a, b, tok) in enumerate(tokens):
        if not (tok.isdigit() or tok in cfg["number_words"]):
            continue
        if any(x <= a < y for x, y in skip):
            continue
        if i > 0 and tokens[i - 1][2].rstrip(".") in cfg["number_references"]:
            continue
        before = [t for _, _, t in tokens[:i] if t not in cfg["stopwords"]][-COUNT_WINDOW:]
        after = [t for _, _, t in tokens[i + 1:] if t not in cfg["stopwords"]][:COUNT_WINDOW]
        if any(stem(t.strip(".")) in want for t in before + after):
            out.append((a, b))
    return out


def asked_action(text: str) -> str:
    """Stem of what a "who" question asks who does: the first content word after its question
    phrase ("who chairs the conference" -> chair); empty when it asks who is responsible in
    general ("who is responsible for ...") or names no action."""
    config = _config()
    m = _first_question_match(config["who"], text)
    if not m:
        return ""
    terms = content_terms(text[m.end():])
    if not terms or terms[0] in config["who_generic"] or stem(m.group(0).split()[-1].lower()) in config["who_generic"]:
        return ""
    return terms[0]


@lru_cache(maxsize=1)
def _irregular_forms() -> dict[str, frozenset[str]]:
    """Verb lemma -> its irregular forms ("write" -> written, wrote), from the parser's own
    lemmatizer exceptions (general English, shipped with the pinned spaCy model)."""
    from extractors.frame import parser

    try:
        verbs = parser().get_pipe("lemmatizer").lookups.get_table("lemma_exc")["verb"]
    except (KeyError, ValueError):
        return {}  # a model without the table: the regular forms (``verb_forms``) only
    out: dict[str, set[str]] = {}
    for form, lemmas in verbs.items():
        for lemma in lemmas:
            out.setdefault(lemma, set()).add(form)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=256)
def verb_form_stems(lemma: str) -> frozenset[str]:
    """Stems (``stem``) of every form of the verb ``lemma``: the regular ones (``verb_forms``)
    and the irregular ones the parser's lemmatizer knows ("given", "gave" for "give")."""
    forms = verb_forms(lemma) | _irregular_forms().get(lemma, frozenset())
    return frozenset(stem(f) for f in forms)


def asked_verb(text: str, asks: str, taxonomy: Any | None = None) -> str:
    """Lemma of the verb a "who" or "what" question asks about (``read_asked_verb``)."""
    return read_asked_verb(text, asks, taxonomy)[0]


def read_asked_verb(text: str, asks: str, taxonomy: Any | None = None) -> tuple[str, Argument]:
    """The verb a "who" or "what" question asks about, read from the parse, and what it asks
    about with it: "What must a pathway plan include?" -> (include, plan), "Who chairs the
    review?" -> (chair, review), "What do I need to record?" -> (record, nothing) (a light verb
    hands over to the verb it governs: ``extractors.predicates.light_verbs``). The verb is empty
    for other kinds of question and for one asking with no verb of its own ("Who is responsible
    for ...", "What is in the plan?"); the argument is empty when the question names none but
    the question word or a pronoun (``extractors.predicates.asked_argument``)."""
    if asks not in ("who", "what"):
        return "", Argument()
    from extractors.frame import parser  # the pinned spaCy parser, loaded once per process

    light = light_verbs()
    doc = parser()(text)
    for sent in doc.sents:
        for tok in predicate_chain(sent.root):
            if tok.pos_ == "VERB" and tok.lemma_.lower() not in light:
                return tok.lemma_.lower(), asked_argument(tok, taxonomy)
    if asks == "who":
        # The tagger may read "chairs" after "who" as a noun: the word right after the question
        # phrase (auxiliaries aside) is then what is asked about, when it is the asked action.
        # Not a later word: "which agencies must be at the meeting" asks no verb.
        action = asked_action(text)
        m = _first_question_match(_config()["who"], text)
        after = [t for t in doc if m is not None and t.idx >= m.end() and t.pos_ != "AUX"]
        if action and after and stem(after[0].lower_) == action:
            return after[0].lemma_.lower(), asked_argument(after[0], taxonomy)
    return "", Argument()


def counted_words(text: str) -> list[str]:
    """Stems of what a count question counts: the first content word after its count phrase
    ("how many children", "the maximum caseload" -> child, caseload); empty for other questions."""
    pattern = _config()["count"]
    m = pattern.search(text) if pattern is not None else None
    if not m:
        return []
    rest = re.sub(r"^\s*(?:number\s+of\s+)?", "", text[m.end():], flags=re.I)
    terms = content_terms(rest)
    return terms[:1]


# Ages are written "aged 18 to 21", "16-17 year olds", "under 1s", "18+", "over 16": a band
# (years, inclusive). A number followed by a unit of time is a timescale, never an age.
_NUM = r"(\d{1,2})"
_NOT_TIME = r"(?!\s*(?:working\s+|calendar\s+)?(?:days?|weeks?|months?|hours?|minutes?|weeks'|days')\b)"
_TO = r"\s*(?:-|–|—|to|and|or)\s*"
_OLD = r"\s*[-\s]?\s*(?:years?|yrs?)[-\s]*(?:olds?|of\s+age)\b"
# An open band ("18+", "over 16") runs to this age: older than anyone these standards are about.
_MAX_AGE = 120
_AGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), kind) for p, kind in (
    (r"\b(?:aged?|ages(?:\s+of)?|between\s+the\s+ages\s+of)\s+" + _NUM + _TO + _NUM + r"\b", "range"),
    (r"\b" + _NUM + _TO + _NUM + _OLD, "range"),
    (r"\b(?:aged?\s+)?" + _NUM + r"\s*(?:\+|and\s+over|and\s+above|or\s+over|or\s+older)", "from"),
    (r"\b(?:under|below|younger\s+than)(?:\s+the\s+age\s+of|\s+age)?\s+" + _NUM + r"(?:s\b|\b)" + _NOT_TIME,
     "under"),
    (r"\b(?:over|above|older\s+than)(?:\s+the\s+age\s+of|\s+age)?\s+" + _NUM + r"(?:s\b|\b)" + _NOT_TIME, "over"),
    (r"\bup\s+to\s+(?:the\s+)?age(?:\s+of)?\s+" + _NUM + r"\b", "upto"),
    (r"\baged?\s+" + _NUM + r"\b" + _NOT_TIME, "one"),
    (r"\b" + _NUM + _OLD, "one"),
))


def _band(kind: str, n: list[int]) -> tuple[int, int]:
    """The band (years, inclusive) one age phrase of ``kind`` with numbers ``n`` names."""
    if kind == "range":
        return min(n), max(n)
    if kind == "from":
        return n[0], _MAX_AGE
    if kind == "under":
        return 0, max(0, n[0] - 1)
    if kind == "over":
        return n[0] + 1, _MAX_AGE
    if kind == "upto":
        return 0, n[0]
    return n[0], n[0]


def age_bands(text: str) -> list[tuple[int, int]]:
    """Age bands ``text`` names, in years inclusive ("21 to 25 year olds" -> (21, 25),
    "under 1s" -> (0, 0), "18+" -> (18, 120)); a span already read is not read twice."""
    out: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            n = [int(g) for g in m.groups() if g is not None]
            band = _band(kind, n)
            taken.append((m.start(), m.end()))
            if band not in out:
                out.append(band)
    return out


def bands_overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """Whether some band of ``a`` shares an age with some band of ``b``."""
    return any(x0 <= y1 and y0 <= x1 for x0, x1 in a for y0, y1 in b)


def _premise(text: str) -> list[Timescale]:
    from extractors.timescale import find_timescales

    return [t for t in find_timescales(text) if t.kind != "immediate"]


@dataclass(frozen=True)
class _Reading:
    """One question read on its own (before the conversation fills its gaps); kept and shared
    (``_read``), so read, never changed."""

    text: str
    stripped: str  # places removed
    authorities: list[str]
    unknown: list[str]
    notes: list[str]
    topics: dict[str, float]
    cohort: str | None
    cohort_words: str
    topic_phrase: str
    asks: str
    asks_stated: bool
    has_subject: bool
    topic_names: list[str]


def _normalise(text: str) -> str:
    # "under 1s", "over 16s": an age band written as a plural reads as the band.
    text = re.sub(r"\b(under|over|aged)\s+(\d+)s\b", r"\1 \2", text, flags=re.I)
    # A question word's contraction reads in full ("what's the longest" asks as "what is the longest").
    text = re.sub(r"\b(what|who|how|when|where|which)['’]s\b", r"\1 is", text, flags=re.I)
    # Plural abbreviations ("CGMs", "PEPs") read as the abbreviation itself.
    return re.sub(r"\b([A-Z][A-Za-z]*[A-Z])['’]?s\b", r"\1", text)


# A relative pronoun may open a clause the parser should read ("a child who is in care"); a
# question without one is never parsed, so most questions cost no parse at all.
_MAY_BE_RELATIVE = re.compile(r"\b(?:who|which|that)\b", re.I)


def fold_relative_copulas(text: str) -> str:
    """``text`` with each relative pronoun and the forms of "be" that only link a noun to what
    it is dropped, read from the parse: "a child who is in care" -> "a child in care", "children
    who are looked after" -> "children looked after", "a baby who is being accommodated" -> "a
    baby accommodated". The taxonomy writes cohorts and topics the short way, so either wording
    now names them. A relative clause with any other verb or auxiliary ("who has been adopted",
    "who must be seen") is left as written: dropping words there would change what it says.
    """
    if not _MAY_BE_RELATIVE.search(text):
        return text
    from extractors.frame import parser  # the pinned spaCy parser, loaded once per process

    doc = parser()(text)
    drop: list[tuple[int, int]] = []
    for tok in doc:
        if tok.tag_ not in ("WP", "WDT") or tok.dep_ not in ("nsubj", "nsubjpass"):
            continue
        verb = tok.head  # the clause's verb (the parser may hang the pronoun on its auxiliary)
        while verb.dep_ in ("aux", "auxpass") and verb.lemma_ == "be" and verb.head is not verb:
            verb = verb.head
        if verb.dep_ != "relcl" or verb.i < tok.i:
            continue
        if any(c.lemma_ != "be" for c in verb.children if c.dep_ in ("aux", "auxpass")):
            continue
        # The forms of "be" right after the pronoun ("who is", "that is being"); one not right
        # after it ("who currently is") is left as written.
        end = tok.i + 1
        while end < len(doc) and doc[end].lemma_ == "be" and doc[end].pos_ in ("AUX", "VERB"):
            end += 1
        if end > tok.i + 1:
            drop.append((tok.idx, doc[end - 1].idx + len(doc[end - 1].text)))
    for start, end in reversed(drop):
        text = text[:start] + text[end:]
    return " ".join(text.split())


def question_topics(taxonomy: Any, text: str) -> dict[str, float]:
    """The taxonomy topics of a question as ``understand`` reads them, best first.

    For readers of a question alone (the question log's gaps report), without a conversation.
    """
    return scored_topics(taxonomy, fold_relative_copulas(_normalise(" ".join(text.split()))))


def _asides_last(taxonomy: Any, text: str, topics: dict[str, float]) -> tuple[str, dict[str, float]]:
    """``text`` with its bracketed asides moved to the end when that joins the words of a topic
    they split ("a child and family (single) assessment"), and its topics so read; else as it was.
    Nothing is dropped: the aside may name a cohort or a qualifier."""
    asides = [m.group(1).strip() for m in _ASIDE.finditer(text) if m.group(1).strip()]
    if not asides:
        return text, topics
    joined = " ".join(_ASIDE.sub(" ", text).split())
    found = scored_topics(taxonomy, joined)
    if not set(found) - set(topics):
        return text, topics
    return f"{joined.rstrip('?.! ')} ({'; '.join(asides)})", found


# Questions read on their own kept (``_read``), most recent last: a conversation sends its
# earlier questions with every follow-up, and each would otherwise be read (and parsed) again.
# 64 holds the turns of a few conversations at once (a conversation keeps at most 20,
# ``service.answer.MAX_HISTORY``).
READ_CACHE_SIZE = 64
_READINGS: OrderedDict[tuple[str, int, int], tuple[Any, Any, _Reading]] = OrderedDict()
_READINGS_LOCK = threading.Lock()


def _read(text: str, resolver: Any, taxonomy: Any) -> _Reading:
    """``_read_text``, kept per question text, resolver and taxonomy (the same objects: a new
    store generation has a new resolver, so its readings are new)."""
    key = (text, id(resolver), id(taxonomy))
    with _READINGS_LOCK:
        hit = _READINGS.get(key)
        # The entry holds the resolver and taxonomy it was read with, so their ids are not reused.
        if hit is not None and hit[0] is resolver and hit[1] is taxonomy:
            _READINGS.move_to_end(key)
            return hit[2]
    reading = _read_text(text, resolver, taxonomy)
    with _READINGS_LOCK:
        _READINGS[key] = (resolver, taxonomy, reading)
        while len(_READINGS) > READ_CACHE_SIZE:
            _READINGS.popitem(last=False)
    return reading


def _read_text(text: str, resolver: Any, taxonomy: Any) -> _Reading:
    vocab = vocabulary(taxonomy)
    places = resolver.places_in_text(text, vocab)
    authorities: list[str] = []
    unknown: list[str] = []
    notes: list[str] = []
    for place in places:
        if place.resolved is None:
            if place.typed not in unknown:
                unknown.append(place.typed)
            continue
        if place.resolved.name not in authorities:
            authorities.append(place.resolved.name)
        if place.resolved.note and place.resolved.note not in notes:
            notes.append(place.resolved.note)
    stripped = text
    for place in sorted(places, key=lambda p: -p.start):
        # The preposition that introduced the place goes with it ("in Dudley", "on the Isle of Wight").
        before = _PLACE_LEAD.search(stripped[:place.start])
        start = before.start() if before else place.start
        stripped = stripped[:start] + " " + stripped[place.end:]
    stripped = fold_relative_copulas(_normalise(" ".join(stripped.split())))
    topics = scored_topics(taxonomy, stripped)
    stripped, topics = _asides_last(taxonomy, stripped, topics)
    spans = sorted({(m.start, m.end) for m in taxonomy.find("topics", stripped)})
    # Words that name the question's topic are its subject, not its cohort: "core group" is a
    # topic and, in some standards, a cohort ("children with a core group").
    cohort_matches = [m for m in taxonomy.find("cohorts", stripped)
                      if not any(a <= m.start and m.end <= b for a, b in spans)]
    cohort_match = max(cohort_matches, key=lambda m: (m.end - m.start, -m.start)) if cohort_matches else None
    cohort = cohort_match.canonical if cohort_match else None
    cohort_words = stripped[cohort_match.start:cohort_match.end] if cohort_match else ""
    asks, stated = what_is_asked(stripped)
    without_cohort = stripped.replace(cohort_words, " ") if cohort_words else stripped
    own = content_terms(without_cohort)
    anaphoric = _config()["anaphora"].search(stripped) is not None
    has_subject = bool(topics) or (len(own) >= MIN_OWN_SUBJECT_TERMS and not anaphoric)
    # What it is about: the phrases naming its topics (and cohort); failing those, its content words.
    phrases = [stripped[a:b] for a, b in spans] or ([" ".join(own)] if has_subject else [])
    topic_phrase = " ".join([*phrases, cohort_words]).strip()
    return _Reading(text, stripped, authorities, unknown, notes, topics, cohort, cohort_words, topic_phrase, asks,
                    stated, has_subject, [stripped[a:b] for a, b in spans])


def understand(
    text: str,
    resolver: Any,
    taxonomy: Any,
    requested: list[str] | None = None,
    history: list[str] | None = None,
    today: date | None = None,
) -> Question:
    """Read a question; with ``history`` (earlier questions, oldest first) as a follow-up.

    ``requested`` authorities (already canonical) override any named or inherited. A follow-up's
    own parts override; the parts it lacks come from the latest earlier question that has them:
    the authorities; the subject (topic words, with their cohort unless the follow-up names its
    own) when it names none of its own or points back at it ("it", "they"); what it asks when it
    does not say.
    """
    earlier: Question | None = None
    for previous in history or []:
        if previous and previous.strip():
            earlier = _resolve(previous, resolver, taxonomy, None, earlier, today)
    return _resolve(text, resolver, taxonomy, requested, earlier, today)


def _resolve(
    text: str, resolver: Any, taxonomy: Any, requested: list[str] | None, earlier: Question | None,
    today: date | None,
) -> Question:
    r = _read(text, resolver, taxonomy)
    inherited: list[str] = []
    notes = list(r.notes)
    authorities = list(requested) if requested else list(r.authorities)
    if not authorities and not r.unknown and earlier is not None and earlier.authorities:
        authorities = list(earlier.authorities)
        inherited.append("authorities")
    subject, cohort, topics = r.stripped, r.cohort, dict(r.topics)
    cohort_words, topic_phrase, topic_names = r.cohort_words, r.topic_phrase, list(r.topic_names)
    asks, stated = r.asks, r.asks_stated
    qualifiers = find_qualifiers(r.stripped)
    if earlier is not None and not r.has_subject:
        # The subject comes from the conversation. A follow-up that asks nothing of its own ("and
        # in Wokingham?", "and for babies under 1?") is the earlier question with one part
        # changed: all its words come along. One that asks something new ("who chairs it?") takes
        # only what the earlier one was about.
        carried = earlier.topic_phrase if stated else earlier.subject_text
        subject = f"{r.stripped} {carried}".strip()
        topic_phrase = f"{r.topic_phrase} {earlier.topic_phrase}".strip()
        topic_names += earlier.topic_names
        if cohort is None:
            cohort = earlier.cohort
        cohort_words = f"{cohort_words} {earlier.cohort_words}".strip()
        for name, score in earlier.topic_scores.items():
            topics.setdefault(name, score)
        if not stated:
            qualifiers = qualifiers or earlier.qualifiers
            asks, stated = earlier.asks, earlier.asks_stated
            inherited.append("asks")
        inherited.append("subject")
    ages = age_bands(r.stripped)
    if not ages and earlier is not None and not r.has_subject:
        ages = list(earlier.ages)
    counted = counted_words(r.stripped) if asks == "how_many" else []
    stages = event_stages(r.stripped)
    if not stages and earlier is not None and not r.has_subject:
        stages = earlier.stages
    if asks == "how_many" and not counted and earlier is not None:
        counted = list(earlier.counted)
    action = asked_action(r.stripped) if asks == "who" else ""
    # What is done, as the parse reads it (a follow-up asking nothing new keeps the earlier one's).
    verb, verb_argument = read_asked_verb(r.stripped, asks, taxonomy) if r.asks_stated else (
        (earlier.verb, earlier.verb_argument) if earlier is not None and "asks" in inherited else ("", Argument()))
    premise = _premise(r.stripped)
    if premise and (asks == "why" or not stated):
        # "Why does X require core groups every 2 weeks?": the figure is what is in question.
        asks = "how_often" if premise[0].kind == "frequency" else "when"
    if inherited:
        notes.append("Read as a follow-up to “" + (earlier.text if earlier else "") + "”"
                     + (f" (about {', '.join(authorities)})" if "authorities" in inherited else "") + ".")
    topics = dict(sorted(topics.items(), key=lambda kv: -kv[1]))
    search_text = subject or r.stripped or text
    return Question(
        text=text,
        search_text=search_text,
        authorities=authorities,
        topics=list(topics),
        topic_scores=topics,
        cohort=cohort,
        asks=asks,
        asks_stated=stated,
        date=find_date(text, today=today),
        qualifiers=qualifiers,
        terms=content_terms(search_text),
        premise=premise,
        unknown_places=[] if requested else list(r.unknown),
        notes=notes,
        inherited=inherited,
        subject_text=subject,
        topic_phrase=topic_phrase,
        topic_names=topic_names,
        cohort_words=cohort_words,
        counted=counted,
        asked_action=action,
        verb=verb,
        verb_argument=verb_argument,
        ages=ages,
        stages=stages,
    )
