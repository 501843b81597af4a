"""The taxonomy: canonical topics, roles, cohorts, anchors and abbreviations, as data.

``load_taxonomy()`` reads ``extractors/data/taxonomy.yaml`` once (schema-checked) and returns
a ``Taxonomy`` whose matchers are shared by extraction (topic / role / cohort / anchor of an
obligation), search (``expand_query``) and Q&A. Matching is whole-word; synonyms match
case-insensitively (spaces and hyphens interchangeable, an optional plural "s"), abbreviations
case-sensitively (with an optional lower-case plural "s": "RCPCs") so that "PA" (personal adviser) or "CP" are not found inside ordinary words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.errors import TaxonomyError, UnknownTopicError

DATA_PATH = Path(__file__).parent / "data" / "taxonomy.yaml"

_SECTIONS = ("topics", "roles", "cohorts", "anchors")


@dataclass(frozen=True)
class Topic:
    """A canonical topic with its definition, journey stage and the words that name it."""

    name: str
    stage: str
    definition: str
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    reserved: bool = False
    cues: tuple[tuple[tuple[str, ...], ...], ...] = ()
    frequency_topic: str | None = None
    # The topic a duty on this topic belongs to when the one who receives it is a member of staff
    # ("practitioners receive supervision": their own supervision, not a child's case's).
    staff_topic: str | None = None
    # Who normally owns a duty on this topic, and whom it is about, when the sentence, table
    # and headings do not say (a PEP is only for children in care; visits are the social worker's).
    actor: str | None = None
    cohort: str | None = None


@dataclass(frozen=True)
class Entry:
    """A canonical role, cohort or anchor with its synonyms and abbreviations."""

    name: str
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class TermMatch:
    """One occurrence of a taxonomy term in a text (offsets into that text)."""

    canonical: str
    term: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class Abbreviation:
    """An abbreviation and what it may stand for (several expansions = ambiguous)."""

    abbr: str
    expansions: tuple[str, ...]
    note: str | None = None
    case_insensitive: bool = False


def _norm(text: str) -> str:
    """Same-length normalisation so that match offsets stay valid in the original text."""
    return (
        text.replace("\u2019", "'").replace("\u2018", "'").replace("*", " ").replace("_", " ")
        .replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    )


# ``plural`` for case-sensitive terms (abbreviations): only a lower-case "s" after a final capital
# ("RCPCs", "PEPs", "IROs"); a word's plural is never written in capitals.
ABBREVIATION_PLURAL = "abbreviation"


# Between the words of a name written with a comma inside it ("Education, Health and Care Plan"
# for the EHC plan): topic terms accept one after a word (``comma=True``); roles, cohorts and
# anchors do not, where a comma more often separates two people or two groups.
_COMMA_SEPARATOR = r",?[\s\-]+"


def _term_pattern(term: str, plural: bool | str, comma: bool = False) -> str:
    """Regex for one term: words separated by any run of spaces/hyphens (with ``comma``, also a
    comma before them), optional plural."""
    words = [w for w in re.split(r"[\s\-]+", term.strip()) if w]
    body = (_COMMA_SEPARATOR if comma else r"[\s\-]+").join(re.escape(w) for w in words)
    if plural == ABBREVIATION_PLURAL:
        if re.search(r"[A-Z]$", term):
            body += "s?"
    elif plural and re.search(r"[A-Za-z]$", term):
        body += r"(?:s|es)?"
    return r"(?<![\w])" + body + r"(?![\w])"


_WORD_START = re.compile(r"(?<![\w])[\w&(]")


def _overlapping(pattern: re.Pattern[str], text: str):
    """Matches of ``pattern``, plus those starting at a later word inside each match.

    ``finditer`` resumes after each match, so "the Placement Planning Meeting" would yield only
    "the Placement", never the longer term one word later; the caller keeps the longest.
    """
    for m in pattern.finditer(text):
        yield m
        for w in _WORD_START.finditer(text, m.start() + 1, m.end()):
            inner = pattern.match(text, w.start())
            if inner is not None and inner.end() > m.end():
                yield inner


_WORD_RUN = re.compile(r"\w+")


class _FirstWordIndex:
    """The same matches as one big alternation of terms, found faster (identical results).

    Every term pattern starts with a word character behind a non-word lookbehind, so a match
    can only begin where a run of word characters begins, and only a term whose first run is that run
    (or, for a one-word term with the optional plural, that run without its "s"/"es") can
    match there. So instead of trying every alternative at every character, each word start
    tries only the terms keyed by its word, in the alternation's own order: at one position a
    regex alternation returns the first alternative that matches, and the terms left out
    cannot match there. Words with non-ASCII letters (where IGNORECASE folding, e.g. the long s
    matching "s", differs from ``str.lower``) are tried against the full pattern.
    Measured on the development questions: topic terms 1.4 -> 0.12 ms per question.
    """

    def __init__(self, pattern: re.Pattern[str], terms: list[str], flags: int, plural: bool | str,
                 comma: bool = False):
        self.pattern = pattern
        self._fold = (lambda w: w.lower()) if flags & re.IGNORECASE else (lambda w: w)
        by_word: dict[str, list[int]] = {}
        for i, term in enumerate(terms):
            words = _words(term)
            first = _WORD_RUN.match(words[0])
            keys = [self._fold(first.group(0))]
            if plural == ABBREVIATION_PLURAL:
                if len(words) == 1 and first.end() == len(words[0]) and re.search(r"[A-Z]$", term):
                    keys += [keys[0] + "s"]
            elif plural and len(words) == 1 and first.end() == len(words[0]) and re.search(r"[A-Za-z]$", term):
                keys += [keys[0] + "s", keys[0] + "es"]
            for key in keys:
                bucket = by_word.setdefault(key, [])
                if i not in bucket:
                    bucket.append(i)
        # One small alternation per first word, compiled once (~600 for the shipped taxonomy, 0.15 s).
        compiled: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._by_word: dict[str, re.Pattern[str]] = {}
        for key, bucket in by_word.items():
            ids = tuple(bucket)
            if ids not in compiled:
                compiled[ids] = re.compile("|".join(f"(?:{_term_pattern(terms[i], plural, comma)})" for i in ids), flags)
            self._by_word[key] = compiled[ids]

    @staticmethod
    def usable(terms: list[str]) -> bool:
        """Whether every term is ASCII and starts with a word character (what the index assumes)."""
        for term in terms:
            words = _words(term)
            if not term.isascii() or not words or _WORD_RUN.match(words[0]) is None:
                return False
        return True

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        """``pattern.match(text, pos)``: the first term (in alternation order) matching at ``pos``."""
        run = _WORD_RUN.match(text, pos)
        if run is None:
            return None  # every term starts with a word character
        word = run.group(0)
        if not word.isascii():
            return self.pattern.match(text, pos)
        sub = self._by_word.get(self._fold(word))
        return sub.match(text, pos) if sub is not None else None

    def overlapping(self, text: str):
        """What ``_overlapping(self.pattern, text)`` yields, in the same order."""
        resume = 0
        for run in _WORD_RUN.finditer(text):
            if run.start() < resume:  # runs are maximal, so each starts at a word start
                continue
            m = self.match(text, run.start())
            if m is None:
                continue
            yield m
            # finditer resumes at the end of a match (matches are never empty).
            resume = m.end()
            for w in _WORD_START.finditer(text, m.start() + 1, m.end()):
                inner = self.match(text, w.start())
                if inner is not None and inner.end() > m.end():
                    yield inner


def _first_words(terms: tuple[str, ...] | list[str]) -> frozenset[str] | None:
    """Lower-cased first word-character run of each term (no plural forms), or None when a term
    is not ASCII or does not start with a word character."""
    if not _FirstWordIndex.usable(list(terms)):
        return None
    return frozenset(_WORD_RUN.match(_words(t)[0]).group(0).lower() for t in terms)


def _words(term: str) -> list[str]:
    """The words of a term as ``_term_pattern`` splits them."""
    return [w for w in re.split(r"[\s\-]+", term.strip()) if w]


class _Matcher:
    """Leftmost-longest whole-word matcher over (term -> canonical) pairs of one category."""

    def __init__(self, terms: list[tuple[str, str, bool, float]], comma: bool = False):
        # terms: (term, canonical, case_sensitive, weight); comma: see _COMMA_SEPARATOR
        self._lookup_ci: dict[str, tuple[str, float]] = {}
        self._lookup_cs: dict[str, tuple[str, float]] = {}
        ci, cs = [], []
        for term, canonical, case_sensitive, weight in terms:
            key = self._key(term)
            if case_sensitive:
                self._lookup_cs.setdefault(key, (canonical, weight))
                cs.append(term)
            else:
                self._lookup_ci.setdefault(key.lower(), (canonical, weight))
                ci.append(term)
        self._cache: dict[str, tuple[TermMatch, ...]] = {}
        self._ci = self._compile(ci, re.IGNORECASE, plural=True, comma=comma)
        self._cs = self._compile(cs, 0, plural=ABBREVIATION_PLURAL)
        self._ci_index = self._index(self._ci, ci, re.IGNORECASE, plural=True, comma=comma)
        self._cs_index = self._index(self._cs, cs, 0, plural=ABBREVIATION_PLURAL)

    @staticmethod
    def _ordered(terms: list[str]) -> list[str]:
        # Longest first so that the alternation prefers "core group minutes" to "core group".
        return sorted(set(terms), key=lambda t: (-len(t), t))

    @classmethod
    def _index(cls, pattern: re.Pattern[str] | None, terms: list[str], flags: int,
               plural: bool | str, comma: bool = False) -> _FirstWordIndex | None:
        if pattern is None or not _FirstWordIndex.usable(terms):
            return None
        return _FirstWordIndex(pattern, cls._ordered(terms), flags, plural, comma)

    @staticmethod
    def _key(term: str) -> str:
        # (no taxonomy term holds a comma: one found between a term's words is the writer's)
        return " ".join(re.split(r",?[\s\-]+", _norm(term).strip()))

    @staticmethod
    def _compile(terms: list[str], flags: int, plural: bool | str, comma: bool = False) -> re.Pattern[str] | None:
        if not terms:
            return None
        ordered = _Matcher._ordered(terms)
        return re.compile("|".join(f"(?:{_term_pattern(t, plural, comma)})" for t in ordered), flags)

    def _resolve(self, found: str, case_sensitive: bool) -> tuple[str, float] | None:
        key = self._key(found)
        if case_sensitive:
            hit = self._lookup_cs.get(key)
            if hit is None and key.endswith("s"):  # the abbreviation's plural ("RCPCs")
                hit = self._lookup_cs.get(key[:-1])
            return hit
        key = key.lower()
        hit = self._lookup_ci.get(key)
        if hit is None and key.endswith("es"):  # the optional plural
            hit = self._lookup_ci.get(key[:-2])
        if hit is None and key.endswith("s"):
            hit = self._lookup_ci.get(key[:-1])
        return hit

    def find(self, text: str) -> list[TermMatch]:
        """All non-overlapping matches, longest first at each position."""
        # Headings and table rows are matched again for every clause under them: cache.
        cached = self._cache.get(text)
        if cached is None:
            if len(self._cache) > 20000:
                self._cache.clear()
            cached = self._cache[text] = tuple(self._find(text))
        return list(cached)

    def _find(self, text: str) -> list[TermMatch]:
        norm = _norm(text)
        found: list[TermMatch] = []
        for pattern, index, cs in ((self._ci, self._ci_index, False), (self._cs, self._cs_index, True)):
            if pattern is None:
                continue
            for m in (index.overlapping(norm) if index is not None else _overlapping(pattern, norm)):
                hit = self._resolve(m.group(0), cs)
                if hit is None:
                    continue
                canonical, weight = hit
                n_words = len(re.split(r"[\s\-]+", m.group(0).strip()))
                found.append(TermMatch(canonical, text[m.start():m.end()], m.start(), m.end(),
                                       weight * (1.0 + 0.5 * (n_words - 1))))
        # Case-insensitive and case-sensitive passes may overlap: keep the longer span.
        found.sort(key=lambda t: (-(t.end - t.start), t.start))
        kept: list[TermMatch] = []
        for t in found:
            if all(t.end <= k.start or t.start >= k.end for k in kept):
                kept.append(t)
        kept.sort(key=lambda t: t.start)
        return kept


@dataclass
class Taxonomy:
    """Canonical topics, roles, cohorts and anchors with matchers built from their synonyms."""

    stages: list[str]
    topics: dict[str, Topic]
    roles: dict[str, Entry]
    cohorts: dict[str, Entry]
    anchors: dict[str, Entry]
    abbreviations: dict[str, Abbreviation]
    language: dict[str, dict[str, list[str]] | list[str]] = field(default_factory=dict)
    _matchers: dict[str, _Matcher] = field(default_factory=dict, repr=False)
    _cues: list[tuple[str, list[re.Pattern[str]]]] = field(default_factory=list, repr=False)
    # Per cue group, the (lower-cased) first words its terms can start with; None: not ASCII.
    _cue_words: list[list[frozenset[str] | None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._matchers["topics"] = _Matcher(_terms(self.topics.values(), name_weight=1.2), comma=True)
        self._matchers["roles"] = _Matcher(_terms(self.roles.values()))
        self._matchers["cohorts"] = _Matcher(_terms(self.cohorts.values()))
        self._matchers["anchors"] = _Matcher(_terms(self.anchors.values()))
        abbr_terms = [(a.abbr, a.abbr, not a.case_insensitive, 1.0) for a in self.abbreviations.values()]
        self._matchers["abbreviations"] = _Matcher(abbr_terms)
        # Lower-case typing of abbreviations (queries): only 3+ letters, to spare "pa", "mo".
        self._matchers["abbreviations_ci"] = _Matcher(
            [(a.abbr, a.abbr, False, 1.0) for a in self.abbreviations.values() if len(a.abbr) >= 3]
        )
        self._matchers["services"] = _Matcher(
            [(s, r.name, False, 1.0) for r in self.roles.values() for s in r.services])
        for topic in self.topics.values():
            for group_set in topic.cues:
                patterns = [
                    re.compile("|".join(_term_pattern(t, plural=False) for t in group), re.IGNORECASE)
                    for group in group_set
                ]
                self._cues.append((topic.name, patterns))
                self._cue_words.append([_first_words(group) for group in group_set])

    # --- lookups --------------------------------------------------------------------------
    def topic(self, name: str) -> Topic:
        """The topic named ``name`` (canonical name, synonym or abbreviation; any case)."""
        if name in self.topics:
            return self.topics[name]
        lowered = name.strip().lower()
        for topic in self.topics.values():
            if topic.name.lower() == lowered:
                return topic
        hits = {t.name for t in self.topics.values()
                if lowered in {s.lower() for s in topic_terms(t)}}
        if len(hits) == 1:
            return self.topics[hits.pop()]
        known = ", ".join(sorted(self.topics))
        raise UnknownTopicError(f"Unknown topic {name!r}. Known topics: {known}.")

    def role_names(self) -> list[str]:
        """Canonical role names."""
        return list(self.roles)

    def cohort_names(self) -> list[str]:
        """Canonical cohort names."""
        return list(self.cohorts)

    def topic_names(self, include_reserved: bool = True) -> list[str]:
        """Canonical topic names in journey order."""
        return [t.name for t in self.topics.values() if include_reserved or not t.reserved]

    # --- matching -------------------------------------------------------------------------
    def find(self, category: str, text: str) -> list[TermMatch]:
        """Occurrences of ``category`` ("topics", "roles", "cohorts", "anchors") terms in text."""
        try:
            matcher = self._matchers[category]
        except KeyError:
            raise ValueError(f"unknown taxonomy category {category!r}; use one of {_SECTIONS}") from None
        return matcher.find(text)

    def cue_topics(self, text: str) -> list[str]:
        """Topics whose cue groups all occur in ``text`` (e.g. "seen" + "children in care")."""
        norm = _norm(text)
        # A group can only match where one of its first words stands as a whole word: skip the
        # regex search when none does (exact for ASCII text, see _FirstWordIndex).
        words = {w.lower() for w in _WORD_RUN.findall(norm)} if norm.isascii() else None
        out: list[str] = []
        for (name, patterns), firsts in zip(self._cues, self._cue_words, strict=True):
            if name in out:
                continue
            if words is not None and any(f is not None and f.isdisjoint(words) for f in firsts):
                continue
            if all(p.search(norm) for p in patterns):
                out.append(name)
        return out

    def cue_action_before(self, topic: str, text: str, start: int, end: int) -> bool:
        """Whether a term of the first cue group of ``topic`` (its action words) is in ``text[start:end]``."""
        norm = _norm(text)
        return any(patterns[0].search(norm, start, end) for name, patterns in self._cues if name == topic)

    def cue_action_at(self, topic: str, text: str, start: int, end: int) -> int | None:
        """Offset of the first action word of ``topic``'s cues in ``text[start:end]``, or None."""
        norm = _norm(text)
        hits = [m.start() for name, patterns in self._cues if name == topic
                for m in [patterns[0].search(norm, start, end)] if m]
        return min(hits) if hits else None

    def cue_objects_in(self, topic: str, text: str) -> int:
        """How much of ``text`` the non-action cue words of ``topic`` cover (0: they do not all occur).

        Longer is more specific: "placed for adoption" beats "placed".
        """
        norm = _norm(text)
        best = 0
        for name, patterns in self._cues:
            if name != topic or len(patterns) < 2:
                continue
            found = [p.search(norm) for p in patterns[1:]]
            if all(found):
                best = max(best, sum(m.end() - m.start() for m in found if m))
        return best

    def cue_mentions(self, topic: str, named: str) -> bool:
        """Whether the non-action cue words of ``topic`` include a term naming topic ``named``."""
        words = {w.lower() for w in topic_terms(self.topics[named])}
        t = self.topics[topic]
        return any(term.lower() in words for group_set in t.cues for group in group_set[1:] for term in group)

    def match_topics(self, text: str) -> list[tuple[str, float]]:
        """Topics named in ``text`` with a score in (0, 1], best first.

        A synonym or abbreviation counts by its length in words; a cue combination
        (an action word plus a cohort word) counts less than a named topic.
        """
        scores: dict[str, float] = {}
        for m in self.find("topics", text):
            scores[m.canonical] = scores.get(m.canonical, 0.0) + m.weight
        for name in self.cue_topics(text):
            scores[name] = scores.get(name, 0.0) + 0.9
        if not scores:
            return []
        best = max(scores.values())
        return sorted(((n, round(s / best, 3)) for n, s in scores.items()), key=lambda x: (-x[1], x[0]))

    def expand_query(self, text: str) -> str:
        """``text`` plus the expansions of abbreviations and the canonical names of synonyms found."""
        additions: list[str] = []
        lowered = text.lower()

        def add(words: str) -> None:
            if words.lower() not in lowered and words not in additions:
                additions.append(words)

        seen_abbr: set[str] = set()
        for key in ("abbreviations", "abbreviations_ci"):
            for m in self._matchers[key].find(text):
                if m.canonical in seen_abbr:
                    continue
                seen_abbr.add(m.canonical)
                for expansion in self.abbreviations[m.canonical].expansions:
                    add(expansion)
        for category in _SECTIONS:
            for m in self.find(category, text):
                add(m.canonical)
        for name in self.cue_topics(text):  # "see a CIN child" -> "child in need visit"
            add(name)
        return text if not additions else f"{text} {' '.join(additions)}"

    def _canonical(self, category: str, text: str | None) -> str | None:
        if not text:
            return None
        matches = self.find(category, text)
        if not matches:
            return None
        # The most specific (longest) term wins; ties go to the earliest.
        best = max(matches, key=lambda m: (m.end - m.start, -m.start))
        return best.canonical

    def canonical_role(self, text: str | None) -> str | None:
        """Canonical role named in ``text`` ("SW" -> "Social Worker"), or None."""
        if not text:
            return None
        matches = self.find("roles", text)
        # Roles read left to right ("Social Worker/Team Manager": the first is responsible).
        return matches[0].canonical if matches else None

    def service_role(self, text: str | None) -> str | None:
        """The role speaking "I will ..." statements in a section named ``text`` ("Business Support")."""
        matches = self._matchers["services"].find(text or "")
        if not matches:
            return None
        return max(matches, key=lambda m: (m.end - m.start, m.start)).canonical

    def words(self, key: str) -> list[str]:
        """A word list from the ``language`` section (e.g. "duration_verbs"); [] if absent."""
        value = self.language.get(key, [])
        return list(value) if isinstance(value, list) else []

    def roles_in(self, text: str | None) -> list[str]:
        """Every canonical role named in ``text``, in order, without repeats."""
        out: list[str] = []
        for m in self.find("roles", text or ""):
            if m.canonical not in out:
                out.append(m.canonical)
        return out

    def canonical_cohort(self, text: str | None) -> str | None:
        """Canonical cohort named in ``text`` ("LAC" -> "children in care"), or None."""
        return self._canonical("cohorts", text)

    def canonical_anchor(self, text: str | None) -> str | None:
        """Canonical anchor event named in ``text`` ("the ICPC" -> "initial child protection conference")."""
        return self._canonical("anchors", text)


def topic_terms(topic: Topic) -> list[str]:
    """Every word-form naming ``topic``: its name, synonyms and abbreviations."""
    return [topic.name, *topic.synonyms, *topic.abbreviations]


def _terms(entries, name_weight: float = 1.0) -> list[tuple[str, str, bool, float]]:
    out: list[tuple[str, str, bool, float]] = []
    for e in entries:
        out.append((e.name, e.name, False, name_weight))
        out.extend((s, e.name, False, 1.0) for s in e.synonyms)
        out.extend((a, e.name, True, 1.0) for a in e.abbreviations)
    return out


# --- loading and schema check -----------------------------------------------------------
def _str_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TaxonomyError(f"{where}: expected a list of non-empty strings, got {value!r}.")
    return tuple(v.strip() for v in value)


def _require(item: dict, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: missing or empty '{key}' (a non-empty string is required).")
    return value.strip()


def parse_taxonomy(data: object, source: str = "taxonomy") -> Taxonomy:
    """Check ``data`` (the parsed YAML) against the schema and build a Taxonomy.

    Raises TaxonomyError naming the offending entry and field.
    """
    if not isinstance(data, dict):
        raise TaxonomyError(f"{source}: the top level must be a mapping with stages, topics, roles, "
                            "cohorts, anchors and abbreviations.")
    missing = [k for k in ("stages", *_SECTIONS, "abbreviations") if k not in data]
    if missing:
        raise TaxonomyError(f"{source}: missing top-level section(s): {', '.join(missing)}.")
    stages = list(_str_list(data["stages"], f"{source}: stages"))
    if not stages:
        raise TaxonomyError(f"{source}: 'stages' must list at least one journey stage.")

    topics: dict[str, Topic] = {}
    if not isinstance(data["topics"], list) or not data["topics"]:
        raise TaxonomyError(f"{source}: 'topics' must be a non-empty list.")
    for i, item in enumerate(data["topics"]):
        where = f"{source}: topics[{i}]"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{where}: each topic must be a mapping.")
        name = _require(item, "name", where)
        where = f"{source}: topic {name!r}"
        stage = _require(item, "stage", where)
        if stage not in stages:
            raise TaxonomyError(f"{where}: stage {stage!r} is not one of the stages: {', '.join(stages)}.")
        if name in topics:
            raise TaxonomyError(f"{where}: defined twice.")
        cues = []
        for j, group_set in enumerate(item.get("cues") or []):
            if not isinstance(group_set, list) or not group_set:
                raise TaxonomyError(f"{where}: cues[{j}] must be a list of term lists.")
            cues.append(tuple(_str_list(g, f"{where}: cues[{j}]") for g in group_set))
        topics[name] = Topic(
            name=name, stage=stage, definition=_require(item, "definition", where),
            synonyms=_str_list(item.get("synonyms"), f"{where}: synonyms"),
            abbreviations=_str_list(item.get("abbreviations"), f"{where}: abbreviations"),
            reserved=bool(item.get("reserved", False)), cues=tuple(cues),
            frequency_topic=item.get("frequency_topic"), staff_topic=item.get("staff_topic"),
            actor=item.get("actor"), cohort=item.get("cohort"),
        )

    def entries(section: str) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        items = data[section]
        if not isinstance(items, list) or not items:
            raise TaxonomyError(f"{source}: '{section}' must be a non-empty list.")
        for i, item in enumerate(items):
            where = f"{source}: {section}[{i}]"
            if not isinstance(item, dict):
                raise TaxonomyError(f"{where}: each entry must be a mapping with name and synonyms.")
            name = _require(item, "name", where)
            if name in out:
                raise TaxonomyError(f"{source}: {section} entry {name!r} is defined twice.")
            out[name] = Entry(name, _str_list(item.get("synonyms"), f"{where} ({name}): synonyms"),
                              _str_list(item.get("abbreviations"), f"{where} ({name}): abbreviations"),
                              _str_list(item.get("services"), f"{where} ({name}): services"))
        return out

    abbreviations: dict[str, Abbreviation] = {}
    if not isinstance(data["abbreviations"], list):
        raise TaxonomyError(f"{source}: 'abbreviations' must be a list of {{abbr, expansions}}.")
    for i, item in enumerate(data["abbreviations"]):
        where = f"{source}: abbreviations[{i}]"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{where}: must be a mapping with abbr and expansions.")
        abbr = _require(item, "abbr", where)
        expansions = _str_list(item.get("expansions"), f"{where} ({abbr}): expansions")
        if not expansions:
            raise TaxonomyError(f"{where} ({abbr}): at least one expansion is required.")
        abbreviations[abbr] = Abbreviation(abbr, expansions, item.get("note"),
                                           bool(item.get("case_insensitive", False)))

    for topic in topics.values():
        if topic.frequency_topic and topic.frequency_topic not in topics:
            raise TaxonomyError(f"{source}: topic {topic.name!r}: frequency_topic "
                                f"{topic.frequency_topic!r} is not a defined topic.")
        if topic.staff_topic and topic.staff_topic not in topics:
            raise TaxonomyError(f"{source}: topic {topic.name!r}: staff_topic "
                                f"{topic.staff_topic!r} is not a defined topic.")
    roles, cohorts = entries("roles"), entries("cohorts")
    for topic in topics.values():
        if topic.actor and topic.actor not in roles:
            raise TaxonomyError(f"{source}: topic {topic.name!r}: actor {topic.actor!r} is not a defined role.")
        if topic.cohort and topic.cohort not in cohorts:
            raise TaxonomyError(f"{source}: topic {topic.name!r}: cohort {topic.cohort!r} is not a defined cohort.")
    language = data.get("language") or {}
    if not isinstance(language, dict):
        raise TaxonomyError(f"{source}: 'language' must be a mapping of word lists.")
    checked: dict[str, dict[str, list[str]] | list[str]] = {}
    for key, value in language.items():
        if isinstance(value, dict):
            checked[key] = {k: list(_str_list(v, f"{source}: language.{key}.{k}")) for k, v in value.items()}
        else:
            checked[key] = list(_str_list(value, f"{source}: language.{key}"))
    return Taxonomy(stages=stages, topics=topics, roles=roles, cohorts=cohorts,
                    anchors=entries("anchors"), abbreviations=abbreviations, language=checked)


def read_taxonomy(path: Path) -> Taxonomy:
    """Read and schema-check a taxonomy YAML file (uncached)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(f"Taxonomy file not found: {path}. Reinstall the package or restore the file.") from None
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"Taxonomy file {path} is not valid YAML: {exc}") from None
    return parse_taxonomy(data, source=str(path))


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """The shipped taxonomy (read once per process)."""
    return read_taxonomy(DATA_PATH)
