"""Understanding a practitioner's question: which authorities, which topic, which cohort,
what is asked (when / how often / how long / who), and any date a deadline runs from.

Authorities come from the store plus the manifest's aliases ("SCT", "wilts", "Wokingham's");
topics and cohorts from the taxonomy (synonyms, abbreviations, colloquial wording); the
question words from ``service/question_words.yaml``. Nothing here knows any document's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.deadlines import find_date

_DATA = Path(__file__).parent / "question_words.yaml"
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@dataclass
class Question:
    """What the service understood of a question."""

    text: str
    authorities: list[str] = field(default_factory=list)  # named in the text or the request
    topics: list[str] = field(default_factory=list)  # canonical topics, best first
    topic_scores: dict[str, float] = field(default_factory=dict)  # topic -> match strength (0, 1]
    cohort: str | None = None  # canonical cohort when one is named
    asks: str = "when"  # "when" | "how_often" | "how_long" | "who"
    date: date | None = None  # a date written in the question (deadline from)
    qualifiers: list[tuple[int, int]] = field(default_factory=list)  # (set, member) named
    terms: list[str] = field(default_factory=list)  # content words, for lexical matching
    key_terms: list[str] = field(default_factory=list)  # content words that name a question topic
    unknown_places: list[str] = field(default_factory=list)  # "in Leeds": a place we hold nothing for

    def to_dict(self) -> dict:
        return {
            "authorities": self.authorities,
            "topics": self.topics,
            "cohort": self.cohort,
            "asks": self.asks,
            "date": self.date.isoformat() if self.date else None,
        }


@lru_cache(maxsize=1)
def _config() -> dict:
    with open(_DATA, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    asks = [
        (name, re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.I)) for name, patterns in data["asks"].items()
    ]
    qualifier_sets = [
        [re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I) for words in members]
        for members in data["qualifier_sets"]
    ]
    return {"asks": asks, "qualifiers": qualifier_sets, "stopwords": frozenset(data["stopwords"].split())}


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


def question_topics(taxonomy: Any, text: str) -> dict[str, float]:
    """Topics of a question, best first, reading it three ways.

    As typed (plural abbreviations made singular); without parenthetical asides ("child and family (single) assessment"); and with
    abbreviations expanded by the taxonomy ("PPM" -> both meetings it can mean; which one an
    authority uses is settled by its own obligations). Topics found only through expansion
    count a little less than topics named outright.
    """
    # Plural abbreviations ("CGMs", "PEPs") read as the abbreviation itself.
    text = re.sub(r"\b([A-Z][A-Za-z]*[A-Z])['’]?s\b", r"\1", text)
    scores = scored_topics(taxonomy, text)
    plain = re.sub(r"\s*\([^)]*\)", "", text)
    if plain != text:
        for name, score in scored_topics(taxonomy, plain).items():
            scores[name] = max(scores.get(name, 0.0), score)
    expand = getattr(taxonomy, "expand_query", None)
    if expand is not None:
        for name, score in scored_topics(taxonomy, expand(text)).items():
            scores.setdefault(name, round(0.8 * score, 3))
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))


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


_PLACE = re.compile(r"\b(?:in|for)\s+([A-Z][a-z]{2,}(?:[\s-][A-Z][a-z]+)*)(?:['’]s)?\b")
_VOCAB_CACHE: dict[int, frozenset[str]] = {}
_MONTHS_DAYS = frozenset([
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter",
])


def _vocabulary(taxonomy: Any) -> frozenset[str]:
    """Every lower-case word the taxonomy uses (topics, cohorts, roles, anchors, abbreviations)."""
    key = id(taxonomy)
    if key not in _VOCAB_CACHE:
        words: set[str] = set()
        for section in ("topics", "cohorts", "roles", "anchors"):
            for entry in (getattr(taxonomy, section, None) or {}).values():
                for term in [getattr(entry, "name", "")] + list(getattr(entry, "synonyms", ()) or ()):
                    words.update(_WORD.findall(str(term).lower()))
        for abbr in (getattr(taxonomy, "abbreviations", None) or {}):
            words.add(str(abbr).lower())
        _VOCAB_CACHE[key] = frozenset(words)
    return _VOCAB_CACHE[key]


def unknown_places(text: str, taxonomy: Any, matcher: AuthorityMatcher) -> list[str]:
    """Capitalised names after "in"/"for" that are no authority held, no domain word, no date word.

    "How often ... in Leeds?" must not be answered with other authorities' figures.
    """
    vocab = _vocabulary(taxonomy) | _config()["stopwords"]
    out = []
    for m in _PLACE.finditer(text):
        name = m.group(1)
        if matcher.find(name):
            continue
        if any(w in vocab or w in _MONTHS_DAYS for w in _WORD.findall(name.lower())):
            continue
        out.append(name)
    return out


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


def what_is_asked(text: str) -> str:
    """"how_often", "how_long", "who" or "when" (the default: a deadline)."""
    for name, pattern in _config()["asks"]:
        if pattern.search(text):
            return name
    return "when"


def understand(
    text: str,
    taxonomy: Any,
    matcher: AuthorityMatcher,
    requested: list[str] | None = None,
    today: date | None = None,
) -> Question:
    """Read a question. ``requested`` authorities (already canonical) override the text's."""
    named = matcher.find(text)
    authorities = list(requested) if requested else named
    # "under 1s", "over 16s": an age band written as a plural reads as the band.
    without_names = re.sub(r"\b(under|over|aged)\s+(\d+)s\b", r"\1 \2", matcher.strip(text), flags=re.I)
    topic_scores = question_topics(taxonomy, without_names)
    terms = content_terms(without_names)
    # A topic whose name the question spells out word for word ("section 47 ... visited")
    # is named outright even when a longer synonym of another topic matched more strongly.
    for name in topic_scores:
        words = set(content_terms(name))
        if words and words <= set(terms):
            topic_scores[name] = 1.0
    topic_scores = dict(sorted(topic_scores.items(), key=lambda kv: -kv[1]))
    cohort = canonical_cohort(taxonomy, without_names)
    return Question(
        text=text,
        authorities=authorities,
        topics=list(topic_scores),
        topic_scores=topic_scores,
        cohort=cohort,
        asks=what_is_asked(without_names),
        date=find_date(text, today=today),
        qualifiers=find_qualifiers(without_names),
        terms=terms,
        unknown_places=[] if requested else unknown_places(text, taxonomy, matcher),
        key_terms=[t for t in terms if t in {w for name in topic_scores for w in content_terms(name)}],
    )
