"""Clauses -> obligations: one duty with one timescale, cited to the character.

For each clause, each sentence, each timescale the grammar finds (``find_timescales``), decide
whether the sentence states a duty (a modal verb, or a table/list fragment that only states a
requirement) and, if so, fill in topic, actor, action, cohort, modality, conditions and the
canonical anchor from the taxonomy. Words come from ``extractors/data/taxonomy.yaml``; nothing
here is keyed to a particular document's wording.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from functools import lru_cache

from extractors.duty import (
    DutyWords,
    _names_when,
    _status_words,
    document_of_event,
    duty_words,
    expand_object,
    expand_span,
    named_is_document,
    names_destination,
    not_a_duty,
    outside_owned_names,
    qualifiers,
    rating,
    resolve_hedges,
    stem,
    stems,
    topic_from_action,
)
from extractors.frame import (
    Frame,
    FrameWords,
    action_words,
    anchor_words,
    clean,
    condition_at,
    frame_words,
    parse,
    prime,
    read_frame,
    read_main_frame,
    responsible_in,
    row_phase,
    tidy_label,
    to_parse,
)
from extractors.records import Citation, Obligation, Timescale
from extractors.scope import (
    exception_circumstance,
    exception_phrase,
    exception_scopes,
    inside_other_exception,
    outside_exceptions,
    relative_where,
    tidy_condition,
    whom_phrase,
)
from extractors.similarity import (
    ANCHOR_SIMILARITY_THRESHOLD,
    SENTENCE_TOPIC_MARGIN,
    SENTENCE_TOPIC_THRESHOLD,
    TOPIC_SIMILARITY_THRESHOLD,
    Encode,
    rank,
)
from extractors.taxonomy import Taxonomy, TermMatch, load_taxonomy
from ingest.normalise import BULLET_CHARS
from ingest.records import Clause
from ingest.sentences import Sentence as _Sentence
from ingest.sentences import sentence_id, split_sentences

_SEGMENT_BREAK = re.compile(r";|,\s*(?:and|but|or|with|then|thereafter)\b|\s(?:and )?thereafter\b|\bwith an?\b|\bwith the\b"
                            r"|,\s*(?:and\s+)?(?:the\s+)?(?:second|third|subsequent|further)\b", re.I)
_FIRST_WORDS_I = re.compile(r"(?<![\w])I(?![\w'])")


def _phrase_re(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alts = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    body = "|".join(r"[\s\-]+".join(re.escape(p) for p in w.split()) for w in alts)
    return re.compile(r"(?<![\w])(?:" + body + r")(?![\w])", re.I)


class _Language:
    """Compiled word lists from the taxonomy's ``language`` section."""

    def __init__(self, tax: Taxonomy):
        modality = tax.language.get("modality", {})
        modality = modality if isinstance(modality, dict) else {}
        self.modal = {k: _phrase_re(v) for k, v in modality.items()}
        self.any_modal = _phrase_re([w for v in modality.values() for w in v])
        self.duration = _phrase_re(tax.words("duration_verbs"))
        self.narrative = _phrase_re(tax.words("narrative_markers"))
        self.reference = _phrase_re(tax.words("reference_markers"))
        self.condition = _phrase_re(tax.words("condition_markers"))
        self.first_person = _phrase_re(tax.words("first_person"))
        self.order = [k for k in ("must", "should", "will", "may") if self.modal.get(k)]
        self.response = _phrase_re(tax.words("response_verbs"))
        self.recording = _phrase_re(tax.words("recording_verbs"))
        self.recorded_events = set(tax.words("recorded_events"))
        self.generic_terms = {w.lower() for w in tax.words("generic_topic_terms")}
        generic = tax.language.get("generic_topics", {})
        self.generic_topics = [(_phrase_re(words), topic) for topic, words in
                               (generic.items() if isinstance(generic, dict) else []) if words]
        self.weak_cohort_terms = {w.lower() for w in tax.words("weak_cohort_terms")}
        headed = tax.language.get("heading_cohorts", {})
        self.heading_cohorts = [(_phrase_re(words), cohort) for cohort, words in
                                (headed.items() if isinstance(headed, dict) else []) if words]
        self.end_markers = _phrase_re(tax.words("end_markers"))
        self.generic_anchors = {w.lower() for w in tax.words("generic_anchors")}
        self.occasion_words = {w.lower() for w in tax.words("anchor_occasion_words")}
        self.actor_nouns = {w.lower() for w in tax.words("actor_nouns")}
        occurrence = tax.language.get("occurrence", {})
        self.occurrence = {k: _phrase_re(v) for k, v in (occurrence if isinstance(occurrence, dict) else {}).items()}


_LANG_CACHE: dict[int, _Language] = {}


def _language(tax: Taxonomy) -> _Language:
    key = id(tax)
    if key not in _LANG_CACHE:
        _LANG_CACHE[key] = _Language(tax)
    return _LANG_CACHE[key]


def _find_timescales(text: str) -> list[Timescale]:
    """The grammar's timescales of ``text`` (fresh copies: callers may change them)."""
    return [replace(t) for t in _timescales_cached(text)]


@lru_cache(maxsize=8192)
def _timescales_cached(text: str) -> tuple[Timescale, ...]:
    from extractors.timescale import find_timescales  # the grammar (owned by the timescale module)

    return tuple(find_timescales(text))


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[_Sentence, ...]:
    """The one shared splitter's sentences of a clause (cached: each clause is split twice per run)."""
    return tuple(split_sentences(text))


# --- the parts of an obligation ---------------------------------------------------------
def _reference_spans(sentence: str, lang: _Language, pattern: re.Pattern[str] | None = None) -> list[tuple[int, int]]:
    """Spans of "as agreed at Core Group" style references (to the next comma or stop)."""
    spans: list[tuple[int, int]] = []
    pattern = pattern or lang.reference
    if pattern is None:
        return spans
    for m in pattern.finditer(sentence):
        end = len(sentence)
        stop = re.search(r"[,;.(]", sentence[m.end():])
        if stop:
            end = m.end() + stop.start()
        spans.append((m.start(), end))
    return spans


def _inside(m: TermMatch | tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    a, b = (m.start, m.end) if isinstance(m, TermMatch) else m
    return any(s <= a and b <= e for s, e in spans)


def _segment(sentence: str, pos: int) -> tuple[int, int]:
    """The stretch of ``sentence`` around ``pos`` between clause-level breaks (";", ", and" ...)."""
    start, end = 0, len(sentence)
    for m in _SEGMENT_BREAK.finditer(sentence):
        if m.end() <= pos:
            start = m.end()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` blanked out (same length, so offsets stay valid)."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _governing_modal(sentence: str, ts: Timescale, seg_start: int, lang: _Language) -> re.Match[str] | None:
    """The modal verb that governs ``ts``: the last one before it, in its segment if there is one."""
    if lang.any_modal is None:
        return None
    before = [m for m in lang.any_modal.finditer(sentence) if m.end() <= ts.start]
    in_segment = [m for m in before if m.start() >= seg_start]
    return (in_segment or before or [None])[-1]


_PASSIVE = re.compile(r"\s+(?:\w+ly\s+)?(?:be|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn|ld|nt|ne|de)\b", re.I)


def _subject_is_agent(tax: Taxonomy, sentence: str, modal: re.Match[str]) -> bool:
    """Whether the modal's subject is a person ("the allocated Social Worker will", "I will").

    Then the duty is that person's action: topics named before the subject sit in an earlier
    clause ("The strategy meeting sets out ... but the Social Worker will visit ...").
    """
    head = sentence[:modal.start()]
    if _PASSIVE.match(sentence[modal.end():]):
        return False  # passive ("The LADO must be informed"): the subject is not the one acting
    if re.search(r"(?<![\w])I\s*$", head):
        return True
    roles = [m for m in tax.find("roles", head) if not head[m.end:].strip()]
    return bool(roles)


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s")}


def _specialise(tax: Taxonomy, m: TermMatch, sentence: str, near: str, lang: _Language) -> str:
    """A generic mention ("the assessment") in a section about a particular kind of it.

    "this assessment will be completed within eight months" under "Foster Carers - Recruitment"
    is the foster carer assessment, not the social-work assessment the bare word defaults to:
    a topic named "<qualifier> <head>" whose qualifier words all appear in the sentence or its
    headings wins.
    """
    term = re.sub(r"\s+", " ", m.term.lower()).strip()
    if term not in lang.generic_terms:
        return m.canonical
    head = re.sub(r"^(?:the|this|that|an?)\s+", "", term).rstrip("s")
    have = _words(tax.expand_query(sentence))  # abbreviations too ("SGO" -> special guardianship order)
    # The nearest heading / table row counts unless it names a topic of its own ("Case closures
    # and Step-down to Early Help" is about the step-down, not an early help assessment).
    if not any(t.canonical != m.canonical and t.term.lower() not in lang.generic_terms for t in tax.find("topics", near)):
        have |= _words(tax.expand_query(near))
    best: tuple[int, str] | None = None
    for topic in tax.topics.values():
        low = topic.name.lower()
        if topic.name == m.canonical or not low.endswith(head):
            continue
        qualifier = re.findall(r"[a-z]+", low[:-len(head)])
        if qualifier and all(w in have for w in qualifier) and (best is None or len(qualifier) > best[0]):
            best = (len(qualifier), topic.name)
    return best[1] if best else m.canonical


def _choose_topic(tax: Taxonomy, sentence: str, ts: Timescale, context: str, others: list[Timescale],
                  lang: _Language, cohort: str | None = None, context_near: str | None = None,
                  context_parts: list[str] | None = None, thing_object: bool = False) -> tuple[str | None, str]:
    """The topic governing ``ts``: the subject of its segment, else cues, else the headings.

    Returns (topic, how) where ``how`` says which evidence decided it. The anchor phrase
    ("within 10 working days of the ICPC") names the event the time runs from, not the duty:
    neither topic mentions nor cue words inside any timescale phrase count.
    """
    ts_spans = [(t.start, t.end) for t in others]
    near = context_near if context_near is not None else context

    def name(m: TermMatch) -> str:
        return _specialise(tax, m, sentence, near, lang)

    refs = _reference_spans(sentence, lang)
    # Topics named in a timescale's anchor ("within 15 days of the strategy meeting") are the
    # event it runs from, not the duty. Cue words stay visible there: "seen within 48 hours
    # following the ICPC" is a child protection visit.
    blocked = refs + ts_spans + [span for t in others if (span := _anchor_span(sentence, t))]
    # "weekly until the first review": what ends a duty is not the duty.
    blocked += _reference_spans(sentence, lang, lang.end_markers)
    masked = _mask(sentence, refs)
    mentions = [m for m in _topic_mentions(tax, sentence, lang) if not _inside(m, blocked)]
    # A leading adverbial ("Following assessment, ...", "If a child is placed ..., ") sets the
    # scene; what it names is the topic only when nothing else in the sentence is.
    lead = _LEADING.match(sentence)
    leading: list[TermMatch] = []
    if lead and lead.end() <= ts.start:
        leading = [m for m in mentions if m.end <= lead.end()]
        mentions = [m for m in mentions if m.start >= lead.end()]
    anchors = [span for t in others if (span := _anchor_span(sentence, t))]
    topic, how = _topic_core(tax, sentence, masked, mentions, ts, context, lang, cohort, name, context_parts,
                             _mask(masked, anchors), thing_object)
    if leading and how in ("context-cue", "anchor-cue", "context", "none"):
        return name(leading[-1]), "leading"
    return topic, how


def _subject_topic(tax: Taxonomy, sentence: str, near: str, lang: _Language, following: str) -> str | None:
    """The topic a sentence names first outside a leading adverbial: its subject, what a pronoun
    opening the ``following`` sentence stands for ("The care plan is the worker's responsibility.
    It must be ..."). When that opening has a noun ("This plan must ..."), only a topic of that
    kind (its name ends in the noun) is meant. None when it names none."""
    lead = _LEADING.match(sentence)
    mentions = [m for m in _topic_mentions(tax, sentence, lang) if not lead or m.start >= lead.end()]
    if not mentions:
        return None
    topic = _specialise(tax, mentions[0], sentence, near, lang)
    opening = _PRONOUN_SUBJECT.match(following)
    words = opening.group(0).split() if opening else []
    if len(words) > 1 and stem(topic.split()[-1]) != stem(words[-1]):
        return None
    return topic


def _topic_mentions(tax: Taxonomy, sentence: str, lang: _Language) -> list[TermMatch]:
    """Topic mentions in ``sentence``: taxonomy terms plus the generic words extraction reads."""
    found = tax.find("topics", sentence)
    for pattern, topic in lang.generic_topics:
        if pattern is None or topic not in tax.topics:
            continue
        for m in pattern.finditer(sentence):
            if all(m.end() <= t.start or m.start() >= t.end for t in found):
                found.append(TermMatch(topic, m.group(0), m.start(), m.end(), 0.5))
    return sorted(found, key=lambda t: t.start)


_LEADING = re.compile(r"^\W*(?:if|where|when|whenever|once|following|after|before|on|upon|for|unless|whilst|while)\b[^,;]{3,120},", re.I)


def _anchor_span(sentence: str, t: Timescale) -> tuple[int, int] | None:
    """Where the anchor words of ``t`` sit in ``sentence`` (inside its phrase), if they do."""
    if not t.anchor:
        return None
    at = sentence.find(t.anchor, t.start, t.end + len(t.anchor) + 40)
    return (at, at + len(t.anchor)) if at >= 0 else None


def _topic_core(tax: Taxonomy, sentence: str, masked: str, mentions: list[TermMatch], ts: Timescale,
                context: str, lang: _Language, cohort: str | None, name,
                parts: list[str] | None = None, unanchored: str | None = None,
                thing_object: bool = False) -> tuple[str | None, str]:
    """``_choose_topic`` after the candidates are prepared (mentions, masked text; ``unanchored``:
    the masked text without the timescales' anchors; ``thing_object``: the duty acts on a thing
    the parse found, not on someone)."""
    seg_start, seg_end = _segment(sentence, ts.start)
    # The cohort named by the table row / headings / sentence completes a cue ("Visiting" +
    # "children in care") for verbless table cells and "I will visit the child" statements.
    cohorts = " ".join(dict.fromkeys([m.canonical for m in tax.find("cohorts", context)] + ([cohort] if cohort else [])))
    wide = f"{masked} {context} {cohorts}"
    modal = _governing_modal(sentence, ts, seg_start, lang)
    if modal is not None and _subject_is_agent(tax, sentence, modal):
        # "X will <verb> <object> within ...": the object names the duty, else the verb does.
        objects = [m for m in mentions if max(modal.end(), seg_start) <= m.start and m.end <= ts.start]
        verb_end = min(ts.start, modal.end() + 40)
        verb: tuple[int, str, str] | None = None  # (offset of the action word, topic, how)
        for text, how in ((masked, "verb-cue"), (wide, "verb-context-cue")):
            for c in tax.cue_topics(text):
                at = tax.cue_action_at(c, masked, modal.end(), verb_end)
                if at is not None and (verb is None or at < verb[0]):
                    verb = (at, c, how)
            if verb:
                break
        # The verb comes before its object: "make home visits during the assessment period".
        if verb and (not objects or verb[0] < objects[0].start):
            return verb[1], verb[2]
        if objects:
            named = name(objects[0])
            cue = next((c for c in tax.cue_topics(masked)
                        if c != named and tax.cue_action_before(c, masked, modal.end(), ts.start)
                        and tax.cue_mentions(c, named)), None)
            return (cue, "object-cue") if cue else (named, "object")
    before_in_segment = [m for m in mentions if seg_start <= m.start and m.end <= ts.start]
    if before_in_segment:
        named = name(before_in_segment[0])
        cue = next((c for c in tax.cue_topics(masked)
                    if c != named and tax.cue_action_before(c, masked, before_in_segment[0].end, ts.start)
                    and tax.cue_mentions(c, named)), None)
        # ... or before it, the named topic being what the action is done to or for ("minimum
        # standard for visiting babies on CIN plans": visiting; "reviews of CIN plans": reviewing).
        early = None if cue else next((c for c in tax.cue_topics(masked)
                                       if c != named and tax.cue_action_before(c, masked, seg_start,
                                                                              before_in_segment[0].start)
                                       and tax.cue_mentions(c, named)), None)
        if early:
            return early, "segment-action"
        return (cue, "segment-cue") if cue else (named, "segment")
    before = [m for m in mentions if m.end <= ts.start]
    # A cue's object words inside an anchor ("updated within 5 days of the assessment") count only
    # when what is done names no thing of its own: "seen within 48 hours of the ICPC" is the
    # conference's visit, "the summary will be updated within 5 days of the assessment" is not
    # an assessment update.
    cues = tax.cue_topics(unanchored if thing_object and unanchored is not None else masked)
    # A cue whose action word governs the timescale ("the child will be visited no later
    # than ...", "recorded ... and circulated within ...") beats a topic named only as context.
    governing = [c for c in cues if tax.cue_action_before(c, masked, seg_start, ts.start)]
    if governing:
        return governing[0], "cue"
    if before:
        return name(before[-1]), "sentence"
    # A cue's action word inside an anchor is the event the time runs from ("within 1 hour of the
    # decision to hold a strategy meeting"), not what must be done.
    free = unanchored if unanchored is not None else masked
    cues = [c for c in cues if tax.cue_action_at(c, free, 0, len(free)) is not None]
    if cues:
        return cues[0], "cue"
    # A generic word after the figure ("sixteen weeks for assessment") counts only when the
    # sentence or heading says which kind it is.
    after = [m for m in mentions if m.start >= ts.end
             and (m.term.lower() not in lang.generic_terms or name(m) != m.canonical)]
    if after:
        return name(after[0]), "after"
    # (and the anchor is not the duty here either: "telephoned within 3 days of allocation" under
    # an early help heading is contact after the allocation, not the allocation; such a cue only
    # says whose event a document is, "the minutes ... within 10 days of the meeting": "anchor-cue")
    free_wide = f"{free} {context} {cohorts}"
    cues = tax.cue_topics(wide)
    own_words = tax.cue_topics(free_wide) if thing_object else cues
    for chosen, how in (([c for c in own_words if tax.cue_action_at(c, free_wide, 0, len(free_wide)) is not None],
                         "context-cue"), (cues, "anchor-cue")):
        if chosen:
            # Prefer the cue whose object words name the obligation's own cohort ("short breaks"
            # over "placed" for a child in a series of short breaks).
            own = sorted((c for c in chosen if cohort and tax.cue_objects_in(c, cohort)),
                         key=lambda c: -tax.cue_objects_in(c, cohort or ""))
            return (own or chosen)[0], how
    # The table row, else the nearest heading naming a topic, else the one above it ...; a
    # generic word in a heading ("Assessment") does not decide a topic on its own.
    for part in reversed(parts if parts is not None else [context]):
        scores: dict[str, float] = {}
        for m in tax.find("topics", part):
            if re.sub(r"\s+", " ", m.term.lower()).strip() not in lang.generic_terms:
                scores[m.canonical] = scores.get(m.canonical, 0.0) + m.weight
        if scores:
            return max(scores.items(), key=lambda kv: kv[1])[0], "context"
    return None, "none"


def _modality(sentence: str, pos: int, lang: _Language) -> str | None:
    """The modal verb nearest before the timescale (else the first in the sentence)."""
    best: tuple[int, str] | None = None
    first: tuple[int, str] | None = None
    for name in lang.order:
        pattern = lang.modal[name]
        for m in pattern.finditer(sentence):
            if first is None or m.start() < first[0]:
                first = (m.start(), name)
            if m.start() < pos and (best is None or m.start() > best[0]):
                best = (m.start(), name)
    chosen = best or first
    return chosen[1] if chosen else None


# A heading's parts run from the general to the particular: "C2 Targeted Services - Art Therapy",
# "Part 3: The Reading Team" (a dash or a colon between them).
_HEADING_PARTS = re.compile(r"\s+[-\u2013\u2014]\s+|:\s+")
# The heading's own numbering ("C2", "B.7", "4.1") and an article before the name.
_HEADING_NUMBER = re.compile(r"^(?:[A-Z]\.?\d+(?:\.\d+)*|\d+(?:\.\d+)*)\.?\s+")


def _unnamed_service(tax: Taxonomy, heading: str) -> str | None:
    """The service a heading's most particular part names when the taxonomy has no role for it:
    "B4 Targeted Services - Art Therapy" -> "Art Therapy". The general part ("Targeted Services")
    would otherwise lend its generic role to a section about one named service. A part that names
    a role, a known service, the children (a cohort) or a duty (a topic) says nothing new: None.
    """
    part = _HEADING_PARTS.split(heading.strip())[-1].strip()
    part = _HEADING_NUMBER.sub("", part)
    # (an expansion in brackets and a leading article are not part of the name)
    name = re.sub(r"\s*\([^)]*\)", "", part)
    name = re.sub(r"^the\s+", "", name, flags=re.I).strip(" ,.;")
    words = re.findall(r"[a-z]+", name.lower())
    # The service noun heads the name ("Art Therapy", "Duty Team"); one inside it names a place
    # or a programme ("Family Services Hub"), not who acts.
    if not words or words[-1] not in {w.lower() for w in tax.words("service_nouns")}:
        return None
    if any(tax.find(category, name) for category in ("roles", "cohorts", "topics")) or tax.service_role(name):
        return None
    return name


def _section_role(tax: Taxonomy, clause: Clause, headings: list[str] | None = None) -> str | None:
    """The role (or the service's role) named by the nearest heading that names one; a nearer
    heading naming a service the taxonomy has no role for makes it that service's practitioner
    ("I will ..." under "Art Therapy" is the art therapy practitioner's, not a generic role's)."""
    for heading in reversed(clause.heading_path if headings is None else headings):
        service = _unnamed_service(tax, heading)
        if service:
            return f"{service} practitioner"
        role = tax.canonical_role(heading) or tax.service_role(heading)
        if role:
            return role
    return None


def _heading_role(tax: Taxonomy, headings: list[str]) -> str | None:
    """The role a heading names as whose the section's duties are: the role by name ("The Role of
    the Designated Officer"), or a service that calls itself one ("Youth Offending Service", a
    word of the taxonomy's ``service_nouns``). A topic word that only resembles a service
    ("Child Protection Conferences") says what, not who."""
    organisation = {w.lower() for w in tax.words("service_nouns")}
    for heading in reversed(headings):
        # (a service the taxonomy has no role for, named by the heading's particular part, is
        # whose the duty is: its general part's role would be a guess)
        service = _unnamed_service(tax, heading)
        if service:
            return service
        # (a role named only as where cases go, "Step-down to Early Help", is not whose)
        named = [m for m in tax.find("roles", heading) if not names_destination(tax, heading, m)]
        if named:
            return max(named, key=lambda m: (m.end - m.start, -m.start)).canonical
        if organisation & set(re.findall(r"[a-z]+", heading.lower())):
            role = tax.service_role(heading)
            if role:
                return role
    return None


# What may stand between two roles that share one duty ("the Social Worker and the Team
# Manager", "ATM/TM", "the SW, ATM or TM"): joining words and punctuation, an article.
_ROLE_JOIN = re.compile(r"\s*(?:,\s*(?:and/or|and|or)?|/|&|and/or|and|or)\s*(?:(?:the|a|an|their|its)\s+)?", re.I)


def _role_run(tax: Taxonomy, text: str, at: int = 0) -> str | None:
    """The roles ``text`` names from its ``at``-th role on, when the next ones are joined to it by
    "and", "or", "/" or commas: all of them share the duty, so all are kept ("Social Worker and
    Team Manager"; a table's "ATM/TM/SW"). None when fewer than two distinct roles are joined."""
    matches = tax.find("roles", text)[at:]
    if len(matches) < 2:
        return None
    names = [matches[0].canonical]
    joiners: list[str] = []
    for a, b in zip(matches, matches[1:], strict=False):
        gap = text[a.end:b.start]
        if not _ROLE_JOIN.fullmatch(gap):
            break  # (something else stands between: another phrase, not one group of people)
        if b.canonical not in names:
            names.append(b.canonical)
            joiners.append(gap)
    if len(names) < 2:
        return None
    if all(j.strip() == "/" for j in joiners):
        return "/".join(names)
    last = re.search(r"and/or|and|or|&", joiners[-1], re.I)
    word = last.group(0).lower() if last else "and"
    return f"{', '.join(names[:-1])} {word} {names[-1]}"


def _actor(tax: Taxonomy, sentence: str, clause: Clause, lang: _Language,
           topic: str | None = None, first_person_section: bool = False) -> tuple[str | None, str]:
    """The responsible role: the agent ("by the Team Manager") or subject, else table / section,
    else the role that owns duties on the topic (visits are the social worker's)."""
    first_person = bool(lang.first_person and lang.first_person.search(sentence))
    default = tax.topics[topic].actor if topic else None
    if not first_person:
        roles = tax.find("roles", sentence)
        for i, m in enumerate(roles):
            # "by the Team Manager", "by a qualified and experienced social worker"
            if re.search(r"\bby\s+(?:(?:the|a|an|their|its)\s+)?(?:[a-z]+(?:\s+and)?\s+){0,3}$", sentence[:m.start]):
                return _role_run(tax, sentence, i) or m.canonical, "agent"
        modal = lang.any_modal.search(sentence) if lang.any_modal else None
        # "The LADO must be informed ...": the subject of a passive is not the one acting.
        if modal and not _PASSIVE.match(sentence[modal.end():]):
            subject = [m for m in roles if m.end <= modal.start()]
            if subject:
                return _role_run(tax, sentence[:modal.start()], roles.index(subject[0])) or subject[0].canonical, \
                    "subject"
    if clause.role_context:
        role = _role_run(tax, clause.role_context) or tax.canonical_role(clause.role_context)
        if role:
            return role, "table"
    # "I will ..." (or a passive duty among such statements) is the addressed practitioner's; a
    # duty that names no one ("A meeting will be held ...", "Ensure that ...") under a heading
    # naming a role or service ("The Role of the Designated Officer") is that role's too: the
    # heading says who, where the topic's usual role would only be a guess.
    if first_person or first_person_section:
        role = _section_role(tax, clause)
        if role:
            return role, "section"
    # (below the document's top heading only: "Part 1: Early Help and Disabilities" spans many
    # services, so it says nobody's duty in particular)
    role = _heading_role(tax, clause.heading_path[1:])
    if role and role not in {m.canonical for m in tax.find("roles", sentence)}:
        # (a sentence naming the heading's role without making it the subject or agent, "the
        # Designated Officer must be told", has it receive the duty, not do it)
        return role, "heading"
    if first_person:
        if default:
            return default, "first-person-topic"
        return "Practitioner", "first-person"
    if default:
        return default, "topic"
    return None, "none"


_FOR_COHORT = re.compile(r"^[\s,*]*(?:for|in the case of)\s+(?:(?:all|the|those|a|an|children|child|young|people)\s+){0,3}$", re.I)


def _cohort(tax: Taxonomy, sentence: str, clause: Clause, lang: _Language | None = None,
            ts: Timescale | None = None, others: list[Timescale] | None = None) -> tuple[str | None, str]:
    """Whom the duty is about: the sentence, else the table row, else the nearest heading.

    A sentence that names its cohort only by a weak word ("placements", "placed") yields to
    the table row it sits under ("placed in a series of short breaks"). A cohort that qualifies
    another figure ("annually, or 6-monthly for children under 5") is not this one's.
    """
    weak = lang.weak_cohort_terms if lang is not None else set()
    in_sentence = tax.find("cohorts", sentence)
    if ts is not None and others:
        scope = _other_figures_span(sentence, ts, others)
        in_sentence = [m for m in in_sentence
                       if not any(t is not ts and t.end <= m.start and _FOR_COHORT.match(sentence[t.end:m.start])
                                  for t in others) and not (scope and scope[0] <= m.start < scope[1])]
    if ts is not None:
        # "all children, except those placed for adoption": the group after an exception word is
        # left out, not whom the duty is about (unless the figure is that group's own).
        in_sentence = [m for m in in_sentence if outside_exceptions(sentence, m.start, m.end, (ts.start, ts.end))]
    # A cohort word inside the name of a duty whose topic says whom it is about ("child protection
    # conference" inside "initial child protection conference": no plan exists yet) is that topic's.
    in_sentence = _whom_children_are_with(tax, sentence, outside_owned_names(tax, sentence, in_sentence))
    # "a step-down to Early Help": where the children go, not whom (``_destinations``).
    in_sentence = [m for m in in_sentence if not names_destination(tax, sentence, m)]
    row = _longest(_whom_children_are_with(tax, clause.cohort_context or "",
                                           tax.find("cohorts", clause.cohort_context or "")))
    if in_sentence:
        strong = [m for m in in_sentence if re.sub(r"\s+", " ", m.term.lower()) not in weak]
        if strong or row is None:
            best = max(strong or in_sentence, key=lambda m: (m.end - m.start, -m.start))
            return best.canonical, "sentence"
    if row:
        return row, "table"
    for heading in reversed(clause.heading_path):
        found = _whom_children_are_with(
            tax, heading, [m for m in tax.find("cohorts", heading) if not names_destination(tax, heading, m)])
        if found:
            # The most specific (longest) term wins; ties go to the earliest (as canonical_cohort).
            return max(found, key=lambda m: (m.end - m.start, -m.start)).canonical, "heading"
        # A heading names a service area by words too loose for a sentence ("Child Protection"
        # over a table of recording timescales): its children (language ``heading_cohorts``).
        named = next((c for pattern, c in (lang.heading_cohorts if lang is not None else [])
                      if pattern is not None and c in tax.cohorts and pattern.search(heading)), None)
        if named:
            # (not read as naming whom firmly: a duty of another stage under it keeps its own kind)
            return named, "heading-area"
    return None, "none"


def _longest(matches: list[TermMatch]) -> str | None:
    """The most specific (longest) match's cohort; ties go to the earliest (as canonical_cohort)."""
    return max(matches, key=lambda m: (m.end - m.start, -m.start)).canonical if matches else None


# Dependency labels by which a phrase hangs inside a noun phrase ("children [placed] [with] [foster
# carers] [or] [parents]"): walking up them from a carer stays within the phrase naming its head.
_WITHIN_PHRASE = frozenset({"pobj", "prep", "conj", "cc", "compound", "amod", "acl", "appos", "nmod", "dobj", "agent"})


def _carers_of_children(tax: Taxonomy, text: str) -> list[tuple[int, int, str]]:
    """Where ``text`` names adults (carers, parents, adopters) only as whom children are with or
    placed with ("children with temporarily approved foster carers", "a young person placed with
    connected carers"): each adult noun's character span and the phrase that says so. The phrase's
    head is the children, so a duty is about them, and the phrase says which of them. Read from
    the parse: the adult noun hangs, within one noun phrase, on a noun for children."""
    adult_words = stems(" ".join(tax.words("adult_people_nouns")))
    if not text or not adult_words:
        return []
    children = {w for w in tax.words("cohort_people_nouns") if not stems(w) & adult_words}
    living = {w.lower() for w in tax.words("living_verbs")}
    doc = parse(text)
    out: list[tuple[int, int, str]] = []
    for adult in doc:
        if adult.pos_ not in ("NOUN", "PROPN") or not stems(adult.lower_) & adult_words:
            continue
        tok = adult
        while tok.dep_ in _WITHIN_PHRASE and tok.head.i != tok.i:
            below, tok = tok, tok.head
            if tok.pos_ in ("NOUN", "PROPN") and (tok.lemma_.lower() in children or tok.lower_ in children):
                words = list(below.subtree)
                out.append((adult.idx, adult.idx + len(adult.text), doc[words[0].i:words[-1].i + 1].text))
                break
        else:
            phrase = _living_with(doc, tok, adult, children, living)
            if phrase:
                out.append((adult.idx, adult.idx + len(adult.text), phrase))
    return out


def _living_with(doc, verb, adult, children: set[str], living: set[str]) -> str | None:
    """The clause saying with whom a child lives, when the adult noun is the object of "with"
    under a verb of living or placing (language ``living_verbs``) whose subject is a child, or
    which qualifies a noun for children ("if a child is placed under an order with parents",
    "children who live with their parents"): the verb and its prepositional phrases after it."""
    if verb.pos_ not in ("VERB", "AUX") or verb.lemma_.lower() not in living or adult.head.lower_ != "with":
        return None
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    whose = [verb.head] if verb.dep_ in ("relcl", "acl") else []
    if not any(t.lemma_.lower() in children or t.lower_ in children for t in [*subjects, *whose]):
        return None
    # (up to the clause's first punctuation: "placed with parents, within one week of ..." says
    # when after the comma, not with whom)
    stop = next((t.i for t in doc[verb.i:] if t.is_punct), len(doc))
    after = [c for c in verb.children if c.dep_ == "prep" and verb.i < c.i and c.right_edge.i < stop]
    if not after:
        return None
    return doc[verb.i:max(c.right_edge.i for c in after) + 1].text


def _whom_children_are_with(tax: Taxonomy, text: str, matches: list[TermMatch]) -> list[TermMatch]:
    """``matches`` less the adults' cohorts named only as whom children are with (``_carers_of_children``)."""
    if not any(_adults(tax, m.canonical) for m in matches):
        return matches
    doc = parse(text)
    spans = [(to_parse(doc, m.start), to_parse(doc, m.end)) for m in matches]
    carers = _carers_of_children(tax, text)
    return [m for m, (a, b) in zip(matches, spans, strict=True)
            if not (_adults(tax, m.canonical) and any(a <= s < b for s, _, _ in carers))]


def _children_with(tax: Taxonomy, texts: list[str]) -> list[str]:
    """The phrases by which ``texts`` say whom children are with ("placed with connected carers"):
    qualifiers of the children's cohort."""
    out: list[str] = []
    for text in texts:
        for _, _, phrase in _carers_of_children(tax, text):
            if phrase not in out:
                out.append(phrase)
    return out


# Words that may stand before a condition that opens a sentence ("In cases where ...", "For
# those children where ..."): a preposition and its noun; more is a clause of its own.
MAX_WORDS_BEFORE_LEADING_CONDITION = 3
# New words a "for <people> ..." phrase must add to the cohort and qualifiers to be kept as a
# qualifier: one is a unit or plural ("years" of "under 5 years"); two say which children
# (chosen on the development corpus's phrases, not its labels).
MIN_NEW_WHOM_WORDS = 2
# Most words a table row's phrase after its people noun may have and still be read whole as
# which children (a row label is a noun phrase; longer rows are sentences, read elsewhere).
MAX_ROW_QUALIFIER_WORDS = 16


def _row_qualifier(tax: Taxonomy, row: str | None, cohort: str | None, function_words: frozenset[str],
                   known: list[str], weak: set[str] | frozenset[str] = frozenset()) -> str | None:
    """What a table row headed by a people noun says about which of them, whole and as written
    ("Children | made subject to a Care Order and placed at home with parents", "Children | in more
    than one placement - ..."): a qualifier of the cohort, unless it only names the cohort again
    ("Children who are in our care" for children in care), a cohort already in ``known`` (the
    qualifiers so far), or says when, not whom."""
    if not row or _find_timescales(row):
        return None
    people = {w.lower() for w in tax.words("cohort_people_nouns")}
    doc = parse(row)
    head = next((t for t in doc[:3] if t.lemma_.lower() in people or t.lower_ in people), None)
    if head is None or any(t.pos_ not in ("ADJ", "DET", "NOUN", "PROPN") for t in doc[:head.i]):
        return None
    if head.i + 1 < len(doc) and f"{head.lower_} {doc[head.i + 1].lower_}" in people:
        head = doc[head.i + 1]  # "young people"
    while True:  # "Children and young people who ...": the phrase follows the last of them
        nxt = next((c for c in head.children if c.dep_ == "conj" and c.i > head.i), None)
        if nxt is None or not (nxt.lemma_.lower() in people or nxt.lower_ in people):
            break
        head = nxt
    if head.dep_ in ("compound", "nmod", "amod", "poss") or doc[0].dep_ in ("compound", "nmod", "poss") \
            or (head.i + 1 < len(doc) and doc[head.i + 1].pos_ in ("NOUN", "PROPN")):
        return None  # "Child and Family Assessment": the people noun names something else
    after = head.idx + len(head.text)
    phrase = " ".join(row[after:].replace("*", "").split()).strip(" -\u2013:,;")
    if not phrase or len(phrase.split()) > MAX_ROW_QUALIFIER_WORDS or _names_when(tax, phrase):
        return None
    # (the row's own names of the cohort, read over the whole row: "Children who are looked after")
    rest = row.lower()
    for m in tax.find("cohorts", row):
        if m.canonical == cohort or m.canonical in known or m.term.lower() in weak:
            # (a weak word, "placed", names no cohort by itself: "placed in an adoptive placement")
            rest = rest[:m.start] + " " * (m.end - m.start) + rest[m.end:]
    rest = rest[after:]
    # The words cohorts' names use for a status ("subject" of "subject to") restate it too.
    status = {pair.split()[0] for pair in _status_words(tax)}
    return phrase if set(re.findall(r"[a-z]+", rest)) - function_words - status else None


def _destinations(tax: Taxonomy, text: str) -> list[tuple[str, str]]:
    """Where ``text`` names a cohort only as where children go ("step-down to Early Help",
    "transferred into care"; ``names_destination``): each cohort and the movement phrase, which
    says which children a duty is about (those moving there), not that they are there already."""
    out: list[tuple[str, str]] = []
    matches = [m for m in tax.find("cohorts", text) if names_destination(tax, text, m)]
    if not matches:
        return out
    doc = parse(text)
    for m in matches:
        start, end = to_parse(doc, m.start), to_parse(doc, m.end)
        tok = next((t for t in reversed(doc) if start <= t.idx < end), None)
        while tok is not None and tok.dep_ in ("compound", "amod") and tok.head.i != tok.i:
            tok = tok.head
        if tok is None or tok.dep_ != "pobj":
            continue
        # The movement is the word right before "to" with its own modifiers ("a step-down to
        # Early Help" in "closure or a step-down to ..."; "transferred to ..."), not the clause.
        before = doc[max(tok.head.i - 1, 0)]
        first = before.left_edge.i if before.pos_ in ("NOUN", "PROPN") and before.left_edge.i <= before.i else before.i
        while first < before.i and doc[first].dep_ in ("det", "poss", "cc", "punct"):
            first += 1
        phrase = doc[first:tok.right_edge.i + 1].text
        if before.pos_ not in ("NOUN", "PROPN"):
            continue  # "they will have moved into their placement": the duty's own act, not which children
        if (m.canonical, phrase) not in out:
            out.append((m.canonical, phrase))
    return out


def _cases_which(tax: Taxonomy, text: str, ts: Timescale | None = None) -> list[str]:
    """What follows a noun for cases (language ``case_nouns``) and says which of a cohort's
    children they are ("cases where a permanence plan has been agreed but not yet implemented",
    "cases open to the disability team"): a phrase naming a cohort with other words. Not the
    figure's own phrase. Read from the parse: the noun's relative clause, participle or
    prepositional phrase after it."""
    nouns = {w.lower() for w in tax.words("case_nouns")}
    if not nouns or not any(n in text.lower() for n in nouns):
        return []
    doc = parse(text)
    function = {w.lower() for w in tax.words("function_words")}
    out: list[str] = []
    for tok in doc:
        if tok.lower_ not in nouns and tok.lemma_.lower() not in nouns:
            continue
        after = list(tok.children)
        if tok.dep_ == "pobj" and tok.head.head.pos_ in ("NOUN", "PROPN"):
            # "every 2 months in cases where ...": the parser may hang the clause after the cases
            # on the noun before; right after the cases, it is theirs (as people_modifiers reads).
            after += [c for c in tok.head.head.children if c.left_edge.i == tok.right_edge.i + 1]
        for child in after:
            if child.i < tok.i or child.dep_ not in ("relcl", "acl", "prep"):
                continue
            end = child.right_edge.i
            if doc[end].dep_ == "cc":
                # "agreed but" + a conjunct the parser hung elsewhere ("not yet implemented"):
                # the clause runs on to the next punctuation.
                while end + 1 < len(doc) and not doc[end + 1].is_punct:
                    end += 1
            phrase = doc[child.left_edge.i:end + 1].text
            if ts is not None and ts.phrase in phrase:
                continue
            terms = tax.find("cohorts", phrase)
            rest = phrase
            for m in terms:
                rest = rest.replace(m.term, " ")
            if terms and set(re.findall(r"[a-z]+", rest.lower())) - function and phrase not in out:
                out.append(phrase)
    return out


def _later_statuses(tax: Taxonomy, cohort: str | None) -> set[str]:
    """The statuses a child in ``cohort`` reaches only later (language ``later_statuses``, followed
    through: a section 47 enquiry comes before a child protection plan)."""
    table = tax.language.get("later_statuses")
    if not cohort or not isinstance(table, dict):
        return set()
    out: set[str] = set()
    todo = [cohort]
    while todo:
        for later in table.get(todo.pop(), []):
            if later not in out:
                out.add(later)
                todo.append(later)
    return out


def _own_status(tax: Taxonomy, topic: str | None, anchor: str | None, relation: str | None) -> str | None:
    """The children a duty is about by what it is: its topic's cohort ("initial child protection
    conference": children subject to an enquiry), else, for a duty done before an event ("reports
    2 days before the initial conference"), that event's topic's cohort."""
    if topic in tax.topics and tax.topics[topic].cohort:
        return tax.topics[topic].cohort
    if relation == "before" and anchor in tax.topics:
        return tax.topics[anchor].cohort
    return None


def _statuses(tax: Taxonomy) -> set[str]:
    """Cohorts that are a stage of the child's journey (some topic is for them, or they precede or
    follow one): a child has one at a time. The other cohorts for children are characteristics
    (a disability, an age, living at home) that narrow whichever status the child has."""
    out = {t.cohort for t in tax.topics.values() if t.cohort}
    table = tax.language.get("later_statuses")
    if isinstance(table, dict):
        for earlier, later in table.items():
            out |= {earlier, *later}
    return out


def _cohort_stages(tax: Taxonomy, cohort: str | None) -> set[str]:
    """The journey stages of the topics that are for ``cohort`` (young people who offend: early help)."""
    return {t.stage for t in tax.topics.values() if cohort and t.cohort == cohort}


def _characteristics(tax: Taxonomy, cohort: str | None, headings: list[str]) -> list[str]:
    """What a heading naming several groups says of the duty's children ("Early Help and Children
    with Disabilities" over "Children in Care"): its characteristic cohorts (not statuses, not
    adults, not the cohort itself), unless the duty is of the part of the section for a status
    the heading names (a youth offending duty is of its early help part: the same journey stage).
    A heading naming one group is read by ``qualifiers``."""
    statuses = _statuses(tax)
    own = _cohort_stages(tax, cohort) | ({cohort} if cohort else set())
    out: list[str] = []
    for heading in headings:
        names = {m.canonical for m in tax.find("cohorts", heading) if not names_destination(tax, heading, m)}
        if len(names) < 2 or any(own & (_cohort_stages(tax, n) | {n}) for n in names & statuses):
            continue
        out += [n for n in sorted(names) if n not in statuses and n != cohort and n != ALL_CHILDREN
                and not _adults(tax, n) and n not in out]
    return out


def _conditions(sentence: str, ts: Timescale, lang: _Language, others: list[Timescale] | None = None) -> str | None:
    """A condition ("if placed with parents") in the timescale's segment, outside the phrase."""
    if lang.condition is None:
        return None
    seg_start, seg_end = _segment(sentence, ts.start)
    matches = list(lang.condition.finditer(sentence, seg_start, seg_end))
    opening = re.match(r"\s*For\b", sentence)  # a leading "For allegations of ..." sets the circumstance
    if opening and not any(m.start() == opening.start() for m in matches):
        matches.insert(0, re.match(r"\s*(For)\b", sentence))
    tax = load_taxonomy()
    for m in matches:
        if ts.start <= m.start() < ts.end:
            continue
        parsed = condition_at(sentence, m.start(), ts, _frame_words(tax)[0], others)
        if parsed is False:
            continue  # "or sooner if required": the alternative's condition, not the duty's
        if parsed and not _overlaps(parsed, (ts.start, ts.end)):
            # The clause or phrase the word opens, whole, as the parser reads it.
            return " ".join(sentence[parsed[0]:parsed[1]].replace("*", "").split())
        stop = re.search(r"[,;.]", sentence[m.end():seg_end])
        end = m.end() + stop.start() if stop else seg_end
        # ... up to the subject the duty is about ("... the strategy meeting should be held").
        subject = next((t.start for t in tax.find("topics", sentence) if m.end() < t.start < end), None)
        modal = lang.any_modal.search(sentence, m.end(), end) if lang.any_modal else None
        for cut in (subject, modal.start() if modal else None):
            if cut is not None and cut < end:
                end = cut
        end = _trim_article(sentence, m.end(), end)
        if ts.start > m.start() and end > ts.start:  # do not swallow the timescale itself
            end = ts.start
        text = sentence[m.start():end].strip(" ,;*")
        if len(text.split()) >= 2 and not _overlaps((m.start(), end), (ts.start, ts.end)):
            return re.sub(r"\s+", " ", text.replace("*", ""))
    return None


def _occurrence(sentence: str, ts: Timescale, lang: _Language, others: list[Timescale] | None = None,
                frame: Frame | None = None) -> str | None:
    """Which occurrence the timescale's segment is about ("second review" -> "second").

    Only words since the previous figure count, and not those inside a figure's anchor ("within
    3 months of the first placement day" runs from the first day; it is not the first visit).
    When the parse found the duty's object, an ordinal must stand in it: "an initial meeting
    following which reviews will be held" is about the reviews.
    """
    seg_start, _ = _segment(sentence, ts.start)
    others = others or []
    seg_start = max([seg_start, *(t.end for t in others if t.end <= ts.start)])
    blocked = [span for t in others if (span := _anchor_span(sentence, t))]
    head = _mask(sentence[:ts.start], [(a, min(b, ts.start)) for a, b in blocked if a < ts.start])[seg_start:]
    best: tuple[int, str] | None = None
    for name, pattern in lang.occurrence.items():
        if pattern is None:
            continue
        for m in pattern.finditer(head):
            if best is None or m.start() > best[0]:
                best = (m.start(), name)
    if best is None:
        return None
    if frame is not None and frame.verb and frame.object_tree_span and best[1] != "subsequent":
        # ("Thereafter", "subsequently" qualify the whole clause, wherever they stand.)
        at = seg_start + best[0]
        # (the parser may split a name with its ordinal: "The first Looked After Review")
        named = expand_span(load_taxonomy(), sentence, frame.object_span or frame.object_tree_span,
                            ("topics", "cohorts", "anchors"))
        if not (frame.object_tree_span[0] <= at < frame.object_tree_span[1] or named[0] <= at < named[1]):
            return None
    return best[1]


def _trim_article(sentence: str, start: int, end: int) -> int:
    """Drop a trailing article before a cut ("... to the child the" -> "... to the child")."""
    m = re.search(r"\s+(?:the|a|an)\s*$", sentence[start:end], re.I)
    return start + m.start() if m else end


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _action(sentence: str, ts: Timescale, lang: _Language) -> str | None:
    """A short verb phrase: the words after the modal up to the timescale (subject added if passive)."""
    head = sentence[:ts.start]
    modal = None
    if lang.any_modal:
        for m in lang.any_modal.finditer(head):
            modal = m
    if modal is None:
        return None
    verb = re.sub(r"\s+", " ", head[modal.end():].replace("*", "")).strip(" ,;:-")
    verb = re.sub(r"^(?:ensure(?: that)?|be expected to)\s+", "", verb)
    subject = re.sub(r"\s+", " ", head[:modal.start()].replace("*", "")).strip(" ,;:-")
    subject = re.sub(r"^(?:the|a|an|all|any|each|every)\s+", "", subject, flags=re.I)
    words = verb.split()
    if not words:
        return None
    if words[0].lower() in {"be", "been"} and subject and subject.lower() != "i":
        verb = f"{' '.join(subject.split()[-6:])} {' '.join(words[1:5])}".strip()
    else:
        verb = " ".join(words[:8])
    return verb or None


_STARTS = re.compile(r"^\s*(?:the\s+)?(?:(?:initiation|start|commencement|beginning|opening|starting)\s+of\s+(.+)"
                     r"|(.+?)\s+(?:starting|started|commencing|commenced|beginning|being (?:initiated|started|opened)))\s*$",
                     re.I)
_ENDS = re.compile(r"^\s*(?:the\s+)?(?:(?:completion|end|conclusion|close|closure)\s+of\s+(.+)"
                   r"|(.+?)\s+(?:being completed|completed|concluded|concluding|ending|ended))\s*$", re.I)


def _boundary(event: str) -> str | None:
    """Whether ``event`` names the start of something, its end, or (None) the event itself."""
    if _STARTS.match(event):
        return "start"
    if _ENDS.match(event) or re.search(r"\bcompletion\b", event, re.I):
        return "end"
    return None


def _event_anchor(tax: Taxonomy, raw: str) -> str | None:
    """"the initiation of a Section 47 enquiry" -> "start of section 47 enquiry" (when that anchor exists)."""
    for pattern, prefix in ((_STARTS, "start of"), (_ENDS, "completion of")):
        m = pattern.match(raw)
        if not m:
            continue
        rest = m.group(1) or m.group(2)
        names = [tax.canonical_anchor(rest)] + [t.canonical for t in tax.find("topics", rest)]
        for name in names:
            if name and f"{prefix} {name}" in tax.anchors:
                return f"{prefix} {name}"
    return None


def _implicit_anchor(tax: Taxonomy, sentence: str, ts: Timescale, lang: _Language) -> str | None:
    """The event a timescale runs from when the phrase names none.

    "respond to escalations within 5 working days" runs from the escalation; "visits are
    recorded within three working days" from the visit (the thing recorded).
    """
    seg_start, _ = _segment(sentence, ts.start)
    head = sentence[seg_start:ts.start]
    if lang.response is not None:
        verbs = list(lang.response.finditer(head))
        if verbs:
            found = tax.find("anchors", head[verbs[-1].end():])
            if found:
                return found[0].canonical
    if lang.recording is not None:
        verbs = list(lang.recording.finditer(head))
        if verbs:
            subject = head[:verbs[-1].start()]
            found = [m for m in tax.find("anchors", subject) if m.canonical in lang.recorded_events]
            if found:
                return found[-1].canonical
    return None


def _received_by_staff(frame: Frame, fwords: FrameWords) -> bool:
    """Whether the duty's subject receives it and names a member of staff ("Practitioners will
    receive supervision", "I will get supervision"): the duty is about that person, not a child."""
    return frame.verb in fwords.receive_verbs and not frame.passive and bool(frame.actor_text) \
        and fwords.is_person(frame.actor_text)


def _canonical_anchor(tax: Taxonomy, ts: Timescale, sentence: str, topic: str | None,
                      lang: _Language | None = None, headings: list[str] | None = None) -> str | None:
    """The anchor event in canonical words; a generic one ("the meeting") takes the one the
    sentence names, failing that the nearest heading's, and otherwise stays as stated."""
    raw = ts.anchor
    generic = lang.generic_anchors if lang is not None else set()
    if not raw:
        # Only a deadline runs from an event; a frequency ("recorded every 8 weeks") does not.
        canonical = _implicit_anchor(tax, sentence, ts, lang) if lang is not None and ts.kind == "deadline" else None
        # "the minutes of the meeting will be distributed": which meeting (its heading says; the
        # sentence named it already, or it would not be the kind alone).
        bare = canonical in generic
    else:
        canonical = _event_anchor(tax, raw) or tax.canonical_anchor(raw)
        bare = canonical in generic and _bare_event(raw, lang)
    if bare:
        # "within 10 days of the meeting": which meeting is named earlier in the sentence.
        named_before = [m for m in tax.find("anchors", sentence[:ts.start]) if m.canonical not in generic] if raw else []
        if named_before:
            # The most specific event named ("Review Child Protection Conference" over "Conference").
            canonical = max(named_before, key=lambda m: (m.end - m.start, m.start)).canonical
        found = bool(named_before)
        if not found and raw:
            # "A copy of the CIN minutes ... within 10 days of the meeting": the meeting of the
            # topic named ("child in need review record" -> child in need meeting).
            for t in tax.find("topics", sentence[:ts.start]):
                named = [a.canonical for a in tax.find("anchors", t.canonical) if a.canonical not in generic]
                if named:
                    canonical, found = named[0], True
                    break
        if not found and raw and topic:
            named = _topic_event(tax, topic, canonical, generic)
            if named:
                canonical, found = named, True
        if not found:
            # The nearest heading that names one event of that kind ("Core Group Meetings").
            kind = (canonical or "").split()[-1]
            for heading in reversed(headings or []):
                named = {m.canonical for m in tax.find("anchors", heading)
                         if m.canonical not in generic and m.canonical.split()[-1] == kind}
                if len(named) == 1:
                    canonical = named.pop()
                    break
    return canonical or (re.sub(r"\s+", " ", raw.replace("*", "")).strip() if raw else None)


def _is_own_event(tax: Taxonomy, topic: str | None, anchor: str | None) -> bool:
    """Whether the topic is itself the anchor event: its whole name names that event, or its
    head noun does ("case supervision" is a supervision; "within 5 days of supervision")."""
    if not topic or not anchor:
        return False
    return any(m.canonical == anchor and m.end == len(topic) for m in tax.find("anchors", topic))


def _bare_event(raw: str, lang: _Language | None) -> bool:
    """"the meeting", "the meeting date": the kind of event only (its date or day is the same event)."""
    occasion = "|".join(map(re.escape, sorted(lang.occasion_words))) if lang is not None else ""
    return re.fullmatch(r"(?:the\s+)?(?:child protection\s+|CP\s+)?(?:meeting|conference|review|event)s?"
                        + (rf"(?:\s+(?:{occasion}))?" if occasion else ""), raw.replace("*", "").strip(), re.I) is not None


def _topic_event(tax: Taxonomy, topic: str, bare: str | None, generic: set[str] | frozenset[str]) -> str | None:
    """The event of a bare anchor's kind that the duty's own topic names: "signed off within two
    weeks of the meeting date", a duty on a child in need review's record, runs from the child in
    need meeting. None when the topic names no event of that kind."""
    kind = (bare or "").split()[-1] if bare else ""
    return next((a.canonical for a in tax.find("anchors", topic)
                 if a.canonical not in generic and _of_kind(tax, a.canonical, kind)), None)


def _of_kind(tax: Taxonomy, anchor: str, kind: str) -> bool:
    """Whether the anchor event is a ``kind`` ("meeting") by its name or one of its synonyms
    ("child in need meeting"; "CIN review meeting")."""
    entry = tax.anchors.get(anchor)
    names = [anchor, *(entry.synonyms if entry is not None else ())]
    return bool(kind) and any(n.split() and stem(n.split()[-1].lower()) == stem(kind.lower()) for n in names)


def _specific_anchor(tax: Taxonomy, canonical: str | None, sentence: str, frame: Frame) -> tuple[str | None, bool]:
    """The canonical anchor with the words before its head that say which event ("a significant
    event", "the first CIN review"): a term matching only the bare head noun ("event") gives the
    phrase as written; a longer term keeps its canonical name with the lost words before it.
    Returns (anchor, whether the parse's phrase narrowed it)."""
    if canonical is None or frame.anchor_head_span is None:
        return canonical, False
    start, end = frame.anchor_head_span
    # The parser splits multi-word names ("Child in Need review"): a term it cuts through belongs to it.
    for category in ("anchors", "topics", "cohorts"):
        for m in tax.find(category, sentence):
            if m.start < end and start < m.end and m.start >= start - 40:
                start, end = min(start, m.start), max(end, m.end)
    phrase = " ".join(sentence[start:end].replace("*", "").split())
    matches = tax.find("anchors", phrase)
    if not matches:
        return canonical, False
    best = max(matches, key=lambda m: (m.end - m.start, -m.start))
    lost = phrase[:best.start].split()
    # A synonym with an ordinal its canonical name lacks ("initial visit" for "visit"): which visit.
    ordinals = _frame_words(tax)[0].ordinals
    added = set(best.term.lower().split()) - set(canonical.lower().split())
    if best.canonical == canonical and added & ordinals and not set(canonical.lower().split()) & ordinals \
            and not phrase[best.end:].strip():
        return tidy_label(phrase), True
    after = phrase[best.end:].split()
    occasion = {w.lower() for w in tax.words("anchor_occasion_words")}
    generic = {w.lower() for w in tax.words("generic_anchors")}

    def same_event(word: str) -> bool:
        # "the review date", "the first review meeting": its date, or the kind of event it is.
        return word.lower() in occasion or (tax.canonical_anchor(word) or "") in generic

    if best.canonical == canonical and after and (lost or not all(same_event(w) for w in after)):
        # The phrase's head stands after the name ("the first placement day"): the name only
        # says what kind of day, so the event is the phrase as the parse gives it, not the bare
        # name.
        return tidy_label(phrase), True
    if best.canonical != canonical or not lost or after:
        return canonical, False  # chosen from elsewhere in the sentence, or nothing lost
    if len(best.term.split()) == 1:
        return tidy_label(phrase), True
    return tidy_label(f"{' '.join(lost)} {canonical}"), True


def _is_duty(sentence: str, ts: Timescale, clause: Clause, lang: _Language) -> tuple[bool, str]:
    """Whether the sentence states a duty for ``ts`` (and why not, if not)."""
    before = sentence[max(0, ts.start - 30):ts.start]
    if lang.duration and lang.duration.search(before):
        # "where the assessment will take 40 days", "aged 16", "over the last 12 months"
        tails = [m for m in lang.duration.finditer(before)
                 if not re.match(r"\s+place\b", sentence[max(0, ts.start - 30) + m.end():], re.I)]
        tail = tails[-1] if tails else None
        # "will take no longer than 45 days" bounds the time allowed: a deadline, not a duration.
        bounded = (before[tail.end():] if tail else "") + sentence[ts.start:ts.end]
        if tail and not re.search(r"\b(?:within|every|by|at least|no later|no longer|no more|not more|not longer"
                                  r"|a maximum of|maximum of)\b", bounded, re.I):
            return False, "duration"
    has_modal = bool(lang.any_modal and lang.any_modal.search(sentence))
    if has_modal:
        return True, "modal"
    if lang.narrative and lang.narrative.search(sentence):
        return False, "narrative"
    # Table cells and list items state requirements without a verb ("Unborn babies - every 2 weeks").
    words = len(sentence.split())
    if clause.role_context or clause.cohort_context or "\t" in sentence or words <= 25:
        return True, "fragment"
    return False, "no-duty-verb"


def _doc_span(clause: Clause, doc_text: str, offset: int, phrase: str) -> tuple[int, int, bool]:
    """Document-level span of ``phrase`` found at ``offset`` in the clause text; verified if possible."""
    start = clause.start + offset
    end = start + len(phrase)
    if doc_text[start:end] == phrase:
        return start, end, True
    # The clause text is not a verbatim slice (furniture removed): look for the phrase nearby.
    window_start = max(0, clause.start - 50)
    found = doc_text.find(phrase, window_start, clause.end + 200)
    if found >= 0:
        return found, found + len(phrase), True
    return clause.start, clause.end, False


def _obligation_id(clause_id: str, start: int, ts: Timescale) -> str:
    key = f"{clause_id}|{start}|{ts.kind}|{ts.value}|{ts.unit}|{ts.phrase}"
    return f"{clause_id}-o{hashlib.sha1(key.encode()).hexdigest()[:8]}"


# A sentence whose subject is a pronoun standing for the previous sentence's thing.
_OPENING_WORDS = ("it", "this", "these", "they", "that", "those")
_OPENING_PRONOUN = re.compile(r"^\W*(?:" + "|".join(_OPENING_WORDS) + r")\b", re.I)
# (longest first: the match says which noun, if any, the opening names)
_PRONOUN_SUBJECT = re.compile(r"^\W*(?:this plan|the plan|it|this|these|they)\b", re.I)

# A list item that opens with a label and a separator: "Children in care – every 6 weeks",
# "Care leavers: at least every 8 weeks", "Unborn babies - every 2 weeks".
_ITEM_LABEL = re.compile(r"^[\W\d]*?(?P<label>[^\n\u2013\u2014:;.!?]{3,80}?)\s*(?:[\u2013\u2014:]|\s-\s)")


def _item_label(tax: Taxonomy, sentence: str, lang: _Language) -> tuple[int, int] | None:
    """Span of the cohort label of a verbless list item ("Children in care – ..."), if it is one.

    The label names whom the item is about and nothing else: no modal verb, no timescale.
    """
    m = _ITEM_LABEL.match(sentence)
    if not m:
        return None
    label = m.group("label")
    if lang.any_modal and lang.any_modal.search(label):
        return None
    if _find_timescales(label) or not tax.find("cohorts", label):
        return None
    return m.start("label"), m.end("label")


def _item_label_text(tax: Taxonomy, sentence: str, lang: _Language) -> str | None:
    """The label of a labelled item ("Stable Children in Need: ..."), if the sentence opens with one."""
    span = _item_label(tax, sentence, lang)
    return sentence[span[0]:span[1]] if span else None


def _narrative_only_in_condition(sentence: str, lang: _Language) -> bool:
    """Whether every narrative word sits inside a condition ("if the placement has been agreed")."""
    if lang.narrative is None or lang.condition is None:
        return False
    conditions = [m.start() for m in lang.condition.finditer(sentence)]
    return all(any(c < m.start() for c in conditions) for m in lang.narrative.finditer(sentence))


# Longest table row label taken as the object of a bare verb done to people ("Visited within 72
# hours" under "Children reported missing"); longer labels describe a case, not whom (a judgement
# call: the shipped row labels naming children run to 7 words).
MAX_ROW_OBJECT_WORDS = 8

# How _actor says it fell back to a default rather than reading the text.
_ACTOR_DEFAULTS = {"topic", "none", "first-person-topic", "heading"}
# ... and of those, the ones where the text names nobody at all ("I will" names the practitioner).
_ACTOR_UNSTATED = {"topic", "none", "recipient"}


def _names_actor(text: str, lang: _Language) -> bool:
    """Whether ``text`` (a subject or "by" agent) is headed by a noun naming people who act."""
    words = re.findall(r"[a-z][a-z-]*", text.lower())
    return bool(words) and words[-1] in lang.actor_nouns


def _as_written(text: str) -> str:
    """An actor phrase as shown: no leading determiner, single spaces."""
    text = " ".join(text.replace("*", "").split())
    return re.sub(r"^(?:the|a|an|all|any|each|every|our|their)\s+", "", text, flags=re.I)


def _when_words(conditions: str | None, fwords: FrameWords, lang: _Language) -> str:
    """A condition clause ("where a child is placed with ...", "until an order is made") says
    when, so the cohort words in it are not qualifiers; a phrase for whom ("for children who have
    a plan") does say whom."""
    if not conditions:
        return ""
    ends = lang.end_markers is not None and lang.end_markers.match(conditions) is not None
    return conditions if ends or conditions.split()[0].lower() in fwords.condition_openers else ""


def _other_figures_scope(sentence: str, ts: Timescale, found: list[Timescale]) -> list[str]:
    """The words after "or" up to the next figure ("monthly, or for children on a plan weekly"):
    they say whom that alternative figure is for, not this one."""
    span = _other_figures_span(sentence, ts, found)
    out = [sentence[span[0]:span[1]]] if span else []
    return out + _owned_by_others(sentence, ts, found)


def _owned_by_others(sentence: str, ts: Timescale, found: list[Timescale]) -> list[str]:
    """Words that qualify another figure of the sentence, not ``ts``: what follows a later figure
    up to the next figure or clause break ("annually or 6-monthly for children under 5": the
    under-5s are the 6-monthly figure's), and a bracket right after an earlier one ("5 days (for
    one order) and 20 days (for another)")."""
    out: list[str] = []
    ordered = sorted(found, key=lambda t: t.start)
    for i, other in enumerate(ordered):
        if other is ts or (other.start, other.end) == (ts.start, ts.end):
            continue
        stop = min((t.start for t in ordered[i + 1:] if t.start >= other.end), default=len(sentence))
        brk = re.search(r"[.;:]", sentence[other.end:stop])
        stop = other.end + brk.start() if brk else stop
        if other.start >= ts.end:
            out.append(sentence[other.end:stop])
        else:
            between = sentence[other.end:ts.start]
            bracket = re.match(r"[\s*]*\([^()]*\)", between)
            if bracket:
                out.append(bracket.group(0))
            # "twice a year for those under 2, and yearly for ...": what follows an earlier figure
            # up to the break that joins the next clause is that figure's.
            joint = _CLAUSE_JOINT.search(between)
            if joint and joint.start() > 0:
                out.append(between[:joint.start()])
    return out


# Where one figure's clause ends and the next begins: a comma or semicolon, or a joining word.
# ("aged 5 and over" is one age band, not two clauses)
_CLAUSE_JOINT = re.compile(r"[,;]|\b(?:and|or|but|then|whereas|while)\b(?!\s+(?:over|above|older|under|younger)\b)", re.I)


@lru_cache(maxsize=1)
def _age_band_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Age bands said for whom a figure is ("for children under 5", "for those aged five and
    over"), with numbers as digits or the timescale grammar's number words, and the words by
    which a figure states its own ages, and an age band as written ("aged 3 to 17 years")."""
    from extractors.timescale import _grammar  # the one list of number words

    words = sorted(_grammar().number_words, key=len, reverse=True)
    number = r"(\d+|" + "|".join(re.escape(w) for w in words) + r")"
    lead = r"^[\s*,]*for\b[^,;()]*?"
    below = re.compile(lead + r"\b(?:under|below)\s+(?:the\s+age\s+of\s+)?" + number + r"\b", re.I)
    above = re.compile(lead + r"\b(?:aged\s+)?" + number + r"\s*(?:years?\s+)?(?:and|or)\s+(?:over|above|older)\b", re.I)
    own = re.compile(r"\b(?:under|over|aged|below|above|older|younger)\b|\bage\b|\d+\s*[-\u2013]\s*\d+", re.I)
    band = re.compile(r"\baged\s+" + number + r"(?:\s*(?:to|-|\u2013|and|or)\s*(?:" + number[1:-1]
                      + r"|over|above|under))?(?:\s+years?(?:\s+old)?)?", re.I)
    return below, above, own, band


def _age_complement(sentence: str, ts: Timescale, found: list[Timescale], own: list[str]) -> str | None:
    """The ages a figure is left with when the sentence gives another figure of the same kind for
    an age band: in "every 12 months, or every 6 months for children under 3" the 12 months is
    for those aged 3 and over (the reader needs both halves to know which applies). A figure
    whose own clause says its ages ("... and once a year for those aged 3 to 17") has those, as
    written; None when its qualifiers, cohort or conditions (``own``) already say them."""
    below, above, stated, band = _age_band_patterns()
    # (the figure's own clause counts too: "once a year for those aged 3 to 17" states its ages
    # even where the parse read no qualifier from it; then those are its ages, as written)
    before = max((t.end for t in found if t.end <= ts.start), default=0)
    joints = [m.end() for m in _CLAUSE_JOINT.finditer(sentence, before, ts.start)]
    after = min((t.start for t in found if t.start >= ts.end), default=len(sentence))
    joint = _CLAUSE_JOINT.search(sentence, ts.end, after)
    clause = sentence[max(joints, default=before):ts.start] + " " + sentence[ts.end:joint.start() if joint else after]
    if any(stated.search(text or "") for text in own):
        return None
    if stated.search(clause):
        written = band.search(clause)
        return written.group(0) if written and len(found) > 1 else None
    for other in found:
        if other is ts or (other.start, other.end) == (ts.start, ts.end) or other.kind != ts.kind:
            continue
        for scope in _other_figures_scope(sentence, ts, [ts, other]):
            m = below.match(scope)
            if m:
                return f"aged {m.group(1)} and over"
            m = above.match(scope)
            if m:
                return f"under {m.group(1)}"
    return None


def _other_figures_span(sentence: str, ts: Timescale, found: list[Timescale]) -> tuple[int, int] | None:
    """Where ``_other_figures_scope`` lies in the sentence, if anywhere."""
    nxt = min((t for t in found if t.start >= ts.end), key=lambda t: t.start, default=None)
    if nxt is None or not re.search(r"\bor\b", sentence[ts.end:nxt.start], re.I):
        return None
    return ts.end, nxt.end


def _first_of_pair(obligations: list[Obligation], lang: _Language) -> None:
    """"Within one week of the placement and thereafter every six weeks": the figure before a
    later one of the same duty is its first occurrence (the text distinguishes the two). A
    one-off time (a deadline, or "on the day") followed by a recurring one for the same duty is
    its first occurrence too, whatever words lead to the recurrence ("within 3 working days of
    the move and fortnightly until the first review")."""
    for a, b in zip(obligations, obligations[1:], strict=False):
        if a.phase is not None or a.topic != b.topic or _from_earlier_occurrence(a, lang):
            continue
        if b.phase == "subsequent" or (a.timescale.kind in ("deadline", "immediate")
                                       and b.timescale.kind == "frequency"):
            a.phase = "first"


def _from_earlier_occurrence(o: Obligation, lang: _Language) -> bool:
    """The time runs from an earlier occurrence of the duty's own event (a meeting due a set time
    after the first such meeting): the anchor event less its ordinal is the duty's topic, or the
    bare kind of it. Then it is not the first occurrence (a review conference
    after the initial conference is another event, and may be the first review)."""
    anchor = o.timescale.anchor or ""
    if not o.topic:
        return False
    for pattern in lang.occurrence.values():
        if pattern is not None:
            anchor = pattern.sub(" ", anchor)
    # (the event named in full, or by its bare kind: "its first meeting" of a core group meeting)
    return anchor != (o.timescale.anchor or "") and stems(anchor) in (stems(o.topic), {stem(o.topic.split()[-1])})


def _list_leads(tax: Taxonomy, sentences: list[_Sentence], lang: _Language) -> dict[int, str]:
    """For each verbless labelled list item (by index), the lead text that governs it.

    A clause may state a duty once ("All children should be visited by their social worker")
    and list the cohort-specific timescales below it ("Children in need – every 4 weeks"):
    the items inherit the duty of the clause's lead sentence and of the sentence that
    introduces the list (the last one before the item that is not an item itself).
    """
    leads: dict[int, str] = {}
    intro: str | None = None
    for i, sent in enumerate(sentences):
        modal = lang.any_modal.search(sent.text) if lang.any_modal else None
        if modal is None and i > 0 and _item_label(tax, sent.text, lang):
            first = sentences[0].text
            leads[i] = first if intro in (None, first) else f"{first} {intro}"
            continue
        if i > 0:
            intro = sent.text
    return leads


# How topic_from_action says the duty's own action named the topic (nothing to second-guess).
_ACTION_NAMED = {"action-object", "action-document", "action-record", "action-cue"}
_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "any", "each", "every", "all", "their", "its"}


def _kind_of(tax: Taxonomy, frame: Frame, context: str) -> str | None:
    """The topic a bare object noun means in its context ("a review" among foster carers' duties
    is the foster carer review): a topic named "<qualifier> <noun>" whose qualifier words all occur
    in the sentence, nearest heading or the topic chosen so far (the longest such qualifier wins)."""
    if not frame.object_lemma or frame.object_modifiers or not frame.object_text:
        return None
    if len([w for w in frame.object_text.split() if w.lower() not in _DETERMINERS]) != 1:
        return None  # "reviews of foster carer performance" says which itself
    noun = stem(frame.object_lemma)
    have = _words(context)
    best: tuple[int, str] | None = None
    for topic in tax.topics.values():
        words = re.findall(r"[a-z0-9]+", topic.name.lower())
        if len(words) < 2 or stem(words[-1]) != noun:
            continue
        qualifier = words[:-1]
        if all(w in have for w in qualifier) and (best is None or len(qualifier) > best[0]):
            best = (len(qualifier), topic.name)
    return best[1] if best else None


# The cohort of a duty nothing narrows (a taxonomy cohort name).
ALL_CHILDREN = "all children"


def _staff_topics(tax: Taxonomy) -> set[str]:
    """Topics that are about a member of staff, not children (some topic's ``staff_topic``)."""
    return {t.staff_topic for t in tax.topics.values() if t.staff_topic}


def _cohort_kind(tax: Taxonomy, frame: Frame, cohort: str | None) -> str | None:
    """What a duty whose words name no topic means for its own children: a verb of visiting or
    contacting (language ``verb_classes.visit``) done to the child or family ("the young person
    will be telephoned", "contact the family"), or such a noun as the object of a verb that only
    says it is done (language ``support_verbs``: "contact is made"), is their visit; a bare noun of a kind as object
    ("attend reviews of the sentence plan") is that kind for them. The kind is the last word of a
    topic's name; only when exactly one topic of that kind has the duty's cohort as its own."""
    if not cohort or cohort == ALL_CHILDREN or not frame.verb:
        return None
    visiting = {stem(w) for w in (tax.language.get("verb_classes") or {}).get("visit", [])}
    family = stems(" ".join(tax.words("family_nouns")))
    obj = stem(frame.object_lemma or "")
    light = {w.lower() for w in tax.words("support_verbs")}
    if (stem(frame.verb) in visiting and obj in family) or (obj in visiting and frame.verb.lower() in light):
        # (contacting the family, or making contact / a visit; a care leaver's "contact" is the
        # visit of their kind)
        kinds = visiting
    elif stem(frame.verb) in visiting or not obj:
        return None
    else:
        kinds = {obj}
    mine = [t.name for t in tax.topics.values() if t.cohort == cohort and stem(t.name.split()[-1]) in kinds]
    return mine[0] if len(mine) == 1 else None
# Evidence for a rule-chosen topic that lies in the sentence itself (not only in its headings):
# it may stand when the duty's action names no topic and similarity finds none.
_SENTENCE_EVIDENCE = {"verb-cue", "object", "object-cue", "segment", "segment-cue", "cue", "sentence", "after",
                      "leading", "pronoun"}


def _frame_words(tax: Taxonomy) -> tuple[FrameWords, DutyWords]:
    key = id(tax)
    if key not in _FRAME_WORDS:
        _FRAME_WORDS[key] = (frame_words(tax), duty_words(tax))
    return _FRAME_WORDS[key]


_FRAME_WORDS: dict[int, tuple[FrameWords, DutyWords]] = {}


def _rule_anchor(tax: Taxonomy, ts: Timescale, frame: Frame, sentence: str, topic: str | None,
                 lang: _Language, headings: list[str] | None = None,
                 object_head: str | None = None) -> tuple[str | None, str | None, str | None, bool]:
    """(canonical anchor, anchor as written, relation): the grammar's phrase, else the parse's
    (which keeps a pronoun-led event and resolves the pronoun to the duty's object)."""
    written = frame.anchor_text or ts.anchor
    relation = ts.anchor_relation or frame.anchor_relation
    if ts.anchor and frame.anchor_text and not frame.anchor_text.lower().startswith(ts.anchor.lower()[:8]):
        written = ts.anchor  # the parse read a different phrase: keep the grammar's
    source = ts.anchor if ts.anchor and not frame.anchor_resolved else (frame.anchor_resolved or written)
    canonical = _canonical_anchor(tax, replace(ts, anchor=source), sentence, topic, lang, headings)
    specific = False
    if written is not None and (frame.anchor_text or "").lower() == written.lower():
        canonical, specific = _specific_anchor(tax, canonical, sentence, frame)
    if not specific:
        canonical, specific = _object_event(canonical, written, frame, lang, object_head,
                                            _frame_words(tax)[1].recording_lemmas)
    # (No anchor is supplied where none is written: "The assessment will be completed within 40
    # working days" states no event; inferring its start put words in the standard's mouth.)
    if written is None and canonical is not None:
        relation = relation or "after"
    if written is not None:
        written = " ".join(written.replace("*", "").split())
    return canonical, written, relation if (canonical or written) else None, specific


def _condition_anchor(tax: Taxonomy, event: str, core: tuple[str, ...]) -> tuple[str, bool]:
    """The canonical event of a condition clause: a taxonomy event it names as its head (verb or
    noun: "an unplanned move of placement" -> the move) or, failing that, as a direct argument
    ("when informed of an allegation" -> "allegation"); else the clause itself ("the applicant
    meets the criteria for an initial visit" is not the visit). Returns (event, whether a listed
    event was set aside: then the similarity pass must not bring it back by meaning)."""
    matches = tax.find("anchors", event)
    if not core:
        return (matches[0].canonical if matches else event), False
    for words in (set(core[:1]), set(core)):
        for m in matches:
            if set(re.findall(r"[\w']+", event[m.start:m.end].lower())) & words:
                return m.canonical, False
    return (tidy_label(_ARTICLES.sub("", event)) or event), bool(matches)


def _say_which_event(tax: Taxonomy, canonical: str | None, written: str, grammar_phrase: str | None,
                 frame: Frame) -> str | None:
    """The canonical anchor that says which event: a taxonomy event naming only a kind
    ("decision", "receipt of document") or an unlisted bare word ("assessment") gives way to the
    phrase that says which one, the earlier mention a bare anchor names again ("When a manager
    has decided to end the plan, ... of the decision being made" -> "decision to end the plan") or the
    anchor's own noun with its modifiers ("receipt of the minutes"); a
    phrase the taxonomy lists in full keeps its canonical name. Two different decisions are then
    never one duty's anchor (conflicts compare canonical anchors). A phrase the grammar cut inside a
    coordination ("the Final Hearing" of "the Final Hearing and Care Plan date") takes the parse's
    whole phrase."""
    kinds = anchor_words().kind_anchors
    listed = canonical is not None and canonical in tax.anchors
    if listed and canonical not in kinds:
        return canonical
    same_phrase = (frame.anchor_text or "").lower() == written.lower()
    which = frame.anchor_named or (frame.anchor_which if same_phrase and listed else None)
    if which is None and not listed and grammar_phrase and frame.anchor_text \
            and len(frame.anchor_text) > len(grammar_phrase) and frame.anchor_text.lower().startswith(grammar_phrase.lower()):
        which = frame.anchor_which or frame.anchor_text  # the grammar stopped inside the phrase
    if not which:
        return canonical
    phrase = tidy_label(_ARTICLES.sub("", which)) or canonical
    whole = [m for m in tax.find("anchors", phrase or "") if m.start == 0 and m.end == len(phrase or "")]
    if whole and whole[0].canonical not in kinds:
        return whole[0].canonical
    return phrase


# A leading article dropped from a canonical anchor phrase ("the decision to ..." = "decision to ...").
_ARTICLES = re.compile(r"^\s*(?:the|a|an)\s+", re.I)


def _object_event(canonical: str | None, written: str | None, frame: Frame, lang: _Language,
                  object_head: str | None, recording: frozenset[str]) -> tuple[str | None, bool]:
    """A bare event that is the duty's own object ("Child Protection visits will be recorded within
    24 hours of the visit", "critical events are recorded within one day"): the object's name says
    which event. Returns (anchor, whether it was narrowed)."""
    if canonical is None or not frame.object_lemma or not object_head or len(object_head.split()) < 2:
        return canonical, False
    if written is not None and frame.verb not in recording:
        return canonical, False  # "a mid-term review ... following the review": another occurrence
    if len(canonical.split()) > 1 and canonical not in lang.generic_anchors:
        return canonical, False
    if stem(frame.object_lemma) != stem(canonical.split()[-1]):
        return canonical, False
    if written is not None and written.lower().split()[0] not in _DEFINITE:
        return canonical, False  # "within 5 days of a visit": another one
    words = object_head.replace("*", "").split()
    return tidy_label(" ".join([*words[:-1], stem(words[-1])])), True


def _name_before(tax: Taxonomy, sentence: str, frame: Frame) -> str | None:
    """The object's head phrase widened leftwards over a name the parser split ("Child in Need
    visits", parsed as "Child" + "in Need visits"); nothing after the head noun is added."""
    if frame.object_head_span is None:
        return frame.object_head
    start, end = frame.object_head_span
    for category in ("cohorts", "topics"):
        for m in tax.find(category, sentence):
            if m.start < start < m.end:
                start = m.start
    return " ".join(sentence[start:end].replace("*", "").split())


# Determiners that refer back to something already named ("the visit", "its allocation").
_DEFINITE = {"the", "this", "that", "its", "their", "these", "those"}


_CIRCUMSTANCE = re.compile(r"^\W*(?:following|after|on|upon)\s+(?P<c>[^,;]{3,80}),", re.I)


def _leading_circumstance(sentence: str, ts: Timescale) -> str | None:
    """A leading "Following a placement move, ..." sets when the duty applies (unless it is the anchor)."""
    m = _CIRCUMSTANCE.match(sentence)
    if not m or m.end() > ts.start or (ts.anchor and ts.anchor.lower() in m.group("c").lower()):
        return None
    return " ".join(m.group(0).rstrip(",").replace("*", "").split())


def _narrowing_words(tax: Taxonomy, frame: Frame, topic: str | None, cohort: str | None,
                     fwords: FrameWords) -> list[str]:
    """Words on the object's head that name a sub-kind ("unannounced", "group"): not the words of
    the topic's or cohort's name (nor abbreviations of them: "CIN"), not ordinals (the phase), not numbers."""
    own: set[str] = set()
    if topic:
        own |= set(re.findall(r"[a-z0-9]+", topic.lower()))
    if cohort and cohort in tax.cohorts:
        c = tax.cohorts[cohort]
        for term in (c.name, *c.synonyms):
            own |= set(re.findall(r"[a-z0-9]+", term.lower()))
    abbreviations = {a.lower(): a for a in tax.abbreviations}
    out = set()
    for m in frame.object_modifiers:
        for w in re.findall(r"[a-z]+", m.lower()):
            if w in own or w in fwords.ordinals or len(w) <= 2:
                continue
            abbr = abbreviations.get(w)
            if abbr and any(set(re.findall(r"[a-z]+", e.lower())) <= own for e in tax.abbreviations[abbr].expansions):
                continue
            out.add(w)
    return sorted(out)


_READINGS: dict[tuple[int, int], dict[str, str]] = {}
# Documents whose abbreviation readings are kept at once: extraction works through one document
# at a time, so a few suffice; the bound only stops a long ingest from holding every document's.
MAX_DOCUMENT_READINGS = 64


def _document_readings(tax: Taxonomy, doc_text: str) -> dict[str, str]:
    """Abbreviations with several expansions in the taxonomy (PPM: placement or permanence
    planning meeting), each read as the one expansion the document itself spells out in full
    somewhere (a heading, a sentence). Ambiguous ones the document never spells out, or spells
    out more than one way, stay unread."""
    key = (id(tax), hash(doc_text))
    if key not in _READINGS:
        lower = doc_text.lower()
        readings: dict[str, str] = {}
        for abbr in tax.abbreviations.values():
            if len(abbr.expansions) < 2 or not re.search(rf"\b{re.escape(abbr.abbr)}\b", doc_text):
                continue
            spelled = []
            for expansion in abbr.expansions:
                topic = tax.topics.get(expansion)
                terms = [expansion, *(topic.synonyms if topic is not None else ())]
                # (spelled out: in words, not the abbreviation itself or another short form)
                if any(len(t.split()) > 1 and t.lower() in lower for t in terms):
                    spelled.append(expansion)
            # A definition, "Permanency Planning Meetings (PPM)", settles it when both are spelled out.
            defined = [e for e in spelled if any(
                re.search(rf"{re.escape(t)}\s*\(\s*{re.escape(abbr.abbr)}\s*\)", doc_text, re.I)
                for t in [e, *(tax.topics[e].synonyms if e in tax.topics else ())] if len(t.split()) > 1)]
            if len(spelled) == 1 or len(defined) == 1:
                readings[abbr.abbr] = (defined or spelled)[0]
        if len(_READINGS) > MAX_DOCUMENT_READINGS:
            _READINGS.clear()
        _READINGS[key] = readings
    return _READINGS[key]


def extract_clause(clause: Clause, doc_text: str, tax: Taxonomy | None = None,
                   keep_rejected: bool = False, first_person_section: bool = False,
                   list_lead: str | None = None) -> list[Obligation]:
    """Obligations of one clause (``keep_rejected`` also returns non-duties, marked in ``extra``).

    ``first_person_section``: the clause sits in a section written as "I will ..." statements,
    so a duty that names no one is the addressed practitioner's too. ``list_lead``: the clause is
    a bullet under a sentence that introduces a list ("... must see them at these intervals:");
    a sentence of it with no modal of its own states that sentence's duty. Topics the duty's words do
    not name are settled by ``extract_obligations`` (similarity, when it has a model).
    """
    tax = tax or load_taxonomy()
    lang = _language(tax)
    fwords, dwords = _frame_words(tax)
    context = " ".join([*clause.heading_path, clause.cohort_context or "", clause.role_context or ""])
    # The nearest heading and the table row: what a generic word ("the assessment") refers to.
    near = " ".join([*clause.heading_path[-1:], clause.cohort_context or ""])
    parts = [*clause.heading_path, clause.cohort_context or ""]
    out: list[Obligation] = []
    previous_topic: str | None = None
    previous_index = -1  # the sentence whose duty gave ``previous_topic``
    sentences = list(_sentences(clause.text))
    leads = _list_leads(tax, sentences, lang)
    circumstance_adjectives = frozenset(w.lower() for w in tax.words("circumstance_adjectives"))
    for index, sent in enumerate(sentences):
        found = _find_timescales(sent.text)
        if not found:
            continue
        kept, hedges = resolve_hedges(sent.text, found, dwords)
        lead = leads.get(index)
        if lead is None and list_lead and not (lang.any_modal and lang.any_modal.search(sent.text)):
            lead = list_lead
        # A labelled list item under a lead sentence: the lead's duty, the item's cohort.
        s_context, s_parts = (context, parts) if lead is None else (
            f"{context} {lead}", [*clause.heading_path, lead, clause.cohort_context or ""])
        seen: set[tuple] = set()
        leading: str | None = None  # a condition opening the sentence, before its first figure
        for ts in kept:
            # A restatement in the same sentence ("every term, three in each academic year").
            figure = (ts.kind, ts.value, ts.unit, ts.anchor)
            if figure in seen:
                continue
            seen.add(figure)
            duty, why = _is_duty(sent.text, ts, clause, lang)
            if not duty and lead is not None and (why == "no-duty-verb" or _narrative_only_in_condition(sent.text, lang)):
                duty, why = True, "list-item"
            frame = read_frame(sent.text, ts, found, fwords)
            if (frame.actor_text or "").lower() in ("", "it", "this") and index > 0 and _PRONOUN_SUBJECT.match(sent.text):
                # "The plan is the responsibility of the team manager. It must be prepared ...".
                frame.actor_text = responsible_in(sentences[index - 1].text, fwords)
            if duty:
                reason = not_a_duty(sent.text, ts, frame, dwords, found, firm=id(ts) in hedges)
                if reason:
                    duty, why = False, reason
            if not duty and not keep_rejected:
                continue
            if index > 0 and frame.passive and frame.object_text is None and frame.action \
                    and len(frame.action.split()) <= 2 and _OPENING_PRONOUN.match(sent.text):
                # "A report is written for the court. It must be finished within 10 days": the
                # pronoun is the previous sentence's object (or subject), which is what is done.
                before = read_main_frame(sentences[index - 1].text, fwords)
                # (never someone: "The chair is given the plans. They are reviewed ...")
                named = before.object_text or ""
                if named and named.split()[0].lower() not in _OPENING_WORDS and not fwords.is_person(named) \
                        and (before.object_lemma or "") not in fwords.person_nouns:
                    frame.action = f"{frame.action} {before.object_text}"
            row = clean(clause.cohort_context or "").strip(" :;,-")
            if frame.action and frame.action == frame.verb and frame.verb in action_words().people_verbs \
                    and row and tax.find("cohorts", row) and len(row.split()) <= MAX_ROW_OBJECT_WORDS:
                # "Visited within 72 hours" in the row of children reported missing: a verb done
                # to people with none named is done to the people the row names.
                frame.action = f"{frame.action} {row}"
            if frame.action is None and lead is not None:
                frame_lead = read_main_frame(lead.split("  ")[0], fwords)
                frame.action, frame.label, frame.object_text = frame_lead.action, frame_lead.label, frame_lead.object_text
                frame.verb = frame_lead.verb
            cohort, cohort_how = _cohort(tax, sent.text, clause, lang, ts, found)
            # (a document is of the event its anchor names: "the report ... before the conference")
            thing = bool(frame.object_text) and not fwords.is_person(frame.object_text) \
                and stem(frame.object_lemma or "") not in stems(" ".join(tax.words("family_nouns"))) \
                and stem(frame.object_lemma or "") not in dwords.record_documents
            rule_topic, rule_how = _choose_topic(tax, sent.text, ts, s_context, found, lang, cohort, near, s_parts,
                                                 thing)
            antecedent = previous_topic if index == 0 or previous_index == index - 1 \
                else _subject_topic(tax, sentences[index - 1].text, near, lang, sent.text) or previous_topic
            if rule_how in ("context-cue", "anchor-cue", "context", "none") and antecedent and _PRONOUN_SUBJECT.match(sent.text):
                # "It must be prepared within 10 working days": "it" is the previous sentence's subject
                # (that sentence's duty's topic, or the topic it names first when it states no duty:
                # "The care plan is the worker's responsibility. It must be ...").
                rule_topic, rule_how = antecedent, "pronoun"
            obj = expand_object(tax, sent.text, frame)
            for abbr, reading in _document_readings(tax, doc_text).items():
                if obj and re.search(rf"\b{re.escape(abbr)}\b", obj):
                    # "convene a PPM" in a document that spells out "Permanency Planning Meetings"
                    obj = re.sub(rf"\b{re.escape(abbr)}\b", reading, obj)
            if obj and frame.action and frame.object_text and frame.object_text in frame.action \
                    and len(obj) > len(frame.object_text) and frame.object_text in obj:
                # The parser cut a name the taxonomy knows ("the section 47 enquiry"): the action keeps it whole.
                frame.action = frame.action.replace(frame.object_text, obj, 1)
            obj_head = expand_object(tax, sent.text, frame, head=True)
            topic, topic_how = topic_from_action(tax, frame, obj, obj_head,
                                                 cohort, lang.generic_topics,
                                                 lambda m, s=sent.text: _specialise(tax, m, s, near, lang), dwords)
            embed_query = None
            core_query = tidy_label(" ".join(filter(None, [
                frame.actor_text if frame.actor_text and not tax.canonical_role(frame.actor_text) else "",
                frame.verb_surface or frame.verb, obj])))
            if topic is None and rule_how not in _SENTENCE_EVIDENCE:
                # Nothing in the sentence names the duty: what its verb and object are for its children.
                kind = _cohort_kind(tax, frame, cohort)
                if kind:
                    topic, topic_how = kind, "cohort-kind"
            if topic is None:
                topic, topic_how = rule_topic, rule_how
                # (an object naming someone, "alert my Team Manager", is whom it is told to, and
                # says nothing of what the duty is about: the context's topic stands)
                if frame.object_text and rule_how not in _SENTENCE_EVIDENCE and not fwords.is_person(frame.object_text):
                    # Neither the duty's words nor the sentence name a topic (a heading may):
                    # similarity to the topics' definitions decides (extract_obligations).
                    # The clause's core: who or what (when not a role), the verb and its object.
                    embed_query = core_query
            if topic and ts.kind == "frequency":
                topic = tax.topics[topic].frequency_topic or topic
            actor, actor_how = _actor(tax, sent.text, clause, lang, topic, first_person_section)
            if frame.actor_text and not frame.actor_is_first_person:
                role = _role_run(tax, frame.actor_text) or tax.canonical_role(frame.actor_text)
                outside = frame.actor_text
                for bracketed in re.findall(r"\(([^()]*)\)", sent.text):
                    outside = outside.replace(" ".join(bracketed.split()), " ")
                if role and outside != frame.actor_text and not (_role_run(tax, outside) or tax.canonical_role(outside)) \
                        and _names_actor(re.split(r"\bof\b", outside)[0], lang):
                    # "The Chair of the meeting (or Admin Team)": the role named only in brackets is
                    # an alternative, not who the phrase names first; the phrase as written says both.
                    actor, actor_how, role = _as_written(frame.actor_text), "parse-text", None
                if role:
                    actor, actor_how = role, "parse"
                elif actor_how in _ACTOR_DEFAULTS and _names_actor(frame.actor_text, lang):
                    # "Occupational Therapists will contact ...", "signed off by management": the
                    # text names who acts; the topic's usual role is only a default, unless the
                    # text names that role by its head word ("signed by the Chair" of a conference).
                    written = _as_written(frame.actor_text)
                    if actor and written.lower().split()[-1] == actor.lower().split()[-1]:
                        actor_how = "parse-usual"
                    else:
                        actor, actor_how = written, "parse-text"
            if actor and actor_how not in ("parse", "parse-usual", "parse-text", "table") and any(
                    (tax.canonical_role(r) or r) == actor for r in frame.recipients):
                # "... sent to the Social Worker", "received by the IRO": whom it goes to is never
                # who does it, however usual the role is for the topic.
                actor, actor_how = None, "recipient"
                role = _role_run(tax, clause.role_context) or tax.canonical_role(clause.role_context) \
                    if clause.role_context else None
                if role and role != actor:
                    actor, actor_how = role, "table"  # the role column says who, as ever
            staff = _received_by_staff(frame, fwords)
            if staff and topic and tax.topics[topic].staff_topic:
                # "Practitioners will receive supervision": their own supervision, not a child's case's.
                topic, topic_how = tax.topics[topic].staff_topic, "staff-receiver"
            if (cohort is None or cohort_how == "heading-area") and topic and tax.topics[topic].cohort:
                # Whom the duty is about follows from what it is (a PEP is for a child in care).
                cohort, cohort_how = tax.topics[topic].cohort, "topic"
            if cohort is None and (staff or topic in _staff_topics(tax)):
                # It is about a member of staff (they receive it, or its topic is staff's own, such
                # as their supervision): no children's cohort.
                cohort_how = "staff"
            elif cohort is None and ALL_CHILDREN in tax.cohorts:
                # Nothing narrows it (sentence, table row, headings, topic): the duty is every child's.
                cohort, cohort_how = ALL_CHILDREN, "default"
            anchor, anchor_text, relation, anchor_specific = _rule_anchor(
                tax, ts, frame, sent.text, topic, lang, [*clause.heading_path, clause.cohort_context or ""],
                _name_before(tax, sent.text, frame))
            # A taxonomy event that says which one ("the conference" read as the initial
            # conference) keeps the words as written; a kind of event or an unlisted word takes the
            # phrase that says which.
            says_which = anchor in tax.anchors and anchor not in anchor_words().kind_anchors
            anchor_event = None
            if anchor_text and not anchor_specific and not says_which:
                narrowed = _say_which_event(tax, anchor, anchor_text, ts.anchor, frame)
                # (a phrase the taxonomy does not list is not collapsed back to a listed event by meaning;
                # the kind of event it is stays alongside)
                anchor_specific = narrowed != anchor and narrowed not in tax.anchors
                if anchor_specific and anchor in tax.anchors:
                    anchor_event = anchor
                anchor = narrowed
            if anchor_text and frame.anchor_named and not says_which:
                # "When a placement decision is made, ... within 2 days of the decision": that decision.
                anchor_text = frame.anchor_named
            if anchor is None and anchor_text is None and ts.kind == "deadline" and frame.relative_event:
                # "all allegations that come to the manager's attention within 1 day": from that event.
                anchor_text, relation = frame.relative_event, "after"
                anchor = _say_which_event(tax, None, anchor_text, None, replace(frame, anchor_named=anchor_text))
                anchor_specific = anchor not in tax.anchors
            from_condition = anchor is None and anchor_text is None and ts.kind == "deadline" \
                and frame.condition_event is not None
            if from_condition:
                # "When informed of an allegation, ... within 1 working day": the time runs from that event.
                anchor_text, relation = frame.condition_event, "after"
                anchor, anchor_specific = _condition_anchor(tax, anchor_text, frame.condition_core)
                named = frame.condition_named
                if named is None and anchor_text.split()[0].lower() in anchor_words().nominalisations:
                    named = anchor_text  # "decision that the threshold is met": a decision, not what it is about
                if named:
                    # "once that decision is made": the decision the sentence named before.
                    anchor = _say_which_event(tax, None, anchor_text, None, replace(frame, anchor_named=named))
                    anchor_text = named
                    anchor_specific = anchor not in tax.anchors
            # A verbless row names its document before the figure ("Core Group Meeting | Record of ...").
            # ... unless the object's own name already says what it is ("a health plan ... of placement").
            names_itself = bool(frame.object_lemma) and any(
                frame.object_lemma[:4] in m.term.lower() for m in tax.find("topics", obj or "") if m.canonical == topic)
            named_obj = obj if frame.action else sent.text[:ts.start]
            # ... and a document of the event the topic names ("meeting notes" under a core group
            # heading is the core group record, "the report" about a review is the review's report).
            documents = dwords.record_documents
            document = None if names_itself else (document_of_event(tax, topic, named_obj, anchor, documents)
                                                  or document_of_event(tax, topic, named_obj, topic, documents))
            if document is None and not names_itself and stem(frame.object_lemma or "") in documents:
                # "Minutes will be signed off ..." under "Core Group Meetings": the object is a
                # document and says of nothing; the nearest heading naming an event says whose.
                document = next((d for h in reversed(clause.heading_path)
                                 if (d := document_of_event(tax, topic, named_obj, h, documents))), None)
            if document is None and not names_itself and frame.verb in dwords.recording_lemmas \
                    and not named_is_document(tax, topic, dwords):
                # "Decisions recorded within 5 days of the review": recording an event is its record.
                document = document_of_event(tax, topic, "record", anchor, documents) \
                    or document_of_event(tax, topic, "record", topic, documents)
            if document is None and not frame.action and ts.kind == "deadline" and relation != "before" \
                    and _is_own_event(tax, topic, anchor):
                # A verbless row timed from its own event ("Initial conference outcome | within 24
                # hours of the ICPC"): what is due after the event is its record, not the event.
                document = document_of_event(tax, topic, "record", topic, documents)
            if document is None and topic_how not in _ACTION_NAMED \
                    and stem((topic or "").split()[-1:][0] if topic else "") != stem(frame.object_lemma or ""):
                # "the carer has a review annually" in a foster carers' section: the bare noun's kind.
                kind = _kind_of(tax, frame, " ".join([sent.text, near, topic or ""]))
                if kind:
                    topic, topic_how, embed_query = kind, "object-kind", None
            if document:
                # "the report ... before the review" is the review's report, not the review.
                topic, topic_how, embed_query = document, "document-of-event", None
                if ts.kind == "frequency":
                    topic = tax.topics[topic].frequency_topic or topic
            if topic_how == "anchor-cue":
                # Only the anchor named it, and no document of that event is what is done: the
                # duty's own words decide by similarity, else it has no topic.
                topic, topic_how, embed_query = None, "none", core_query if frame.object_text else None
            kind = figure_kind(tax, sent.text, ts, topic, [*_firm_cohorts(tax, lang, sent.text),
                                                           *([cohort] if cohort and cohort_how in _COHORT_READ else [])])
            if kind:
                # "6-weekly reviews": the figure's own noun says what recurs.
                topic, topic_how, embed_query = kind, f"figure-noun:{topic_how}", None
            sibling = _sibling_for(tax, lang, topic, cohort, cohort_how, sent.text)
            if sibling:
                # "statutory visits" to children on a child protection plan: that kind's topic for them.
                topic, topic_how, embed_query = sibling, f"cohort-sibling:{topic_how}", None
            own = _own_status(tax, topic, anchor, relation)
            if own and cohort != own and cohort in _later_statuses(tax, own):
                # The duty happens before the status the text names (an initial conference under
                # "Child Protection Conferences"): its children are not there yet.
                cohort, cohort_how = own, "before-status"
            rivals = _kind_rivals(tax, topic, frame) if topic and not embed_query else []
            offset = sent.start + ts.start
            start, end, verified = _doc_span(clause, doc_text, offset, ts.phrase)
            timescale = replace(ts, anchor=anchor, anchor_text=anchor_text, anchor_relation=relation,
                                hedge=hedges.get(id(ts)), start=offset, end=offset + len(ts.phrase))
            citation = Citation(
                clause_id=clause.id, document_id=clause.document_id, authority=clause.authority,
                section=clause.section, clause_ref=clause.clause_ref, page=clause.page,
                start=start, end=end, quote=sent.text,
            )
            occurrence = _occurrence(sent.text, ts, lang, found, frame)
            if timescale.anchor is None and timescale.anchor_text is None:
                # (the object names the event; failing that, the duty's topic does)
                previous = _previous_occurrence(tax, sent.text, ts, frame.phase or occurrence,
                                                frame.object_head or topic)
                if previous:
                    # "The second review will be held 3 months following.": after the first one.
                    timescale = replace(timescale, anchor=tax.canonical_anchor(previous) or previous,
                                        anchor_text=previous, anchor_relation="after")
            conditions = frame.conditions or _conditions(sent.text, ts, lang, found) or _leading_circumstance(sent.text, ts)
            if conditions and anchor_text and anchor_text.lower() in conditions.lower() \
                    and 2 * len(anchor_text.split()) >= len(conditions.split()):
                conditions = None  # "prior to when the decision is required": the anchor, not a condition
            if conditions and (frame.phase or occurrence) and (frame.phase or occurrence) in conditions:
                conditions = None  # "weekly until the first review": that is its phase, said once
            if from_condition and conditions and frame.condition_event in conditions:
                conditions = None  # that clause is the anchor event, not a circumstance
            if conditions:
                at = sent.text.find(conditions)
                if at > ts.end and any(ts.end <= o.start and o.end <= at for o in found if o is not ts):
                    # "within 2 days, or within 1 day if ...": the condition belongs to the later figure.
                    conditions = None
            figure = (ts.start, ts.end)
            if conditions and relative_where(sent.text, sent.text.find(conditions)):
                conditions = None  # "details of where carers have lived": part of a noun phrase
            if conditions and inside_other_exception(sent.text, sent.text.find(conditions), figure):
                conditions = None  # the excepted group's own circumstance, not this figure's
            # (a fragment, "when a decision", is no condition)
            whom = whom_phrase(conditions)  # "for young people who have turned 18": whom, not when
            conditions = tidy_condition(conditions)
            if conditions is None:
                # A figure inside an exception is that group's ("except for those placed for
                # adoption, where it is every 3 months"); another figure's exception is its own.
                conditions = exception_circumstance(sent.text, figure) or exception_phrase(
                    sent.text, figure, [(o.start, o.end) for o in found if o is not ts])
            if conditions is None and frame.object_head and frame.object_lemma not in fwords.person_nouns \
                    and set(frame.object_modifiers) & circumstance_adjectives:
                # "Complex strategy meetings must take place within 5 days": for complex ones.
                conditions = adjective_condition = frame.object_head
            else:
                adjective_condition = None
            at = sent.text.find(conditions) if conditions else -1
            if conditions and at >= 0 and len(sent.text[:at].split()) <= MAX_WORDS_BEFORE_LEADING_CONDITION \
                    and at + len(conditions) <= min(t.start for t in found):
                leading = conditions
            elif conditions is None and leading and sent.text.find(leading) + len(leading) <= ts.start:
                # "If the plan ends, the chair writes within 10 days and replies follow within 10
                # more": a condition opening the sentence holds for each figure after it.
                conditions = leading
            excepted = [e.text for e in exception_scopes(sent.text) if not e.holds(*figure)]
            quals = qualifiers(tax, cohort, sent.text, frame, clause.cohort_context, clause.heading_path[1:], dwords,
                               _item_label_text(tax, sent.text, lang),
                               [anchor_text or "", _when_words(conditions, fwords, lang), *_other_figures_scope(sent.text, ts, found),
                                *excepted])
            later = _later_statuses(tax, cohort)
            quals = [q for q in quals if q not in later]  # a status the children reach after this duty
            quals += [c for c in _characteristics(tax, cohort, clause.heading_path) if c not in quals]
            if not _adults(tax, cohort or ""):
                with_whom = [p for p in _children_with(tax, [sent.text, clause.cohort_context or "", *clause.heading_path[-1:]])
                             if not any(m.canonical == cohort and m.start == 0 and m.end == len(p)
                                        for m in tax.find("cohorts", p))]  # (not the cohort's own name again)
                # (the phrase replaces a shorter qualifier inside it: "under Interim Care Order")
                quals = [q for q in quals if not any(q in p for p in with_whom)
                         and not (with_whom and q in tax.cohorts and _adults(tax, q))] + with_whom
            row_qualifier = _row_qualifier(tax, clause.cohort_context, cohort, dwords.function_words, quals,
                                           lang.weak_cohort_terms)
            if row_qualifier and not any(row_qualifier.lower() in q.lower() for q in quals):
                # (the whole phrase replaces the parts of it read one by one: "under an Interim Care Order")
                quals = [q for q in quals if q.lower() not in row_qualifier.lower()] + [row_qualifier]
            quals += [q for q in _cases_which(tax, sent.text, ts) if q not in quals]
            # (the sentence's own: a heading "Closures and step-down to early help" covers both)
            moving = _destinations(tax, sent.text)
            if moving and cohort not in {c for c, _ in moving}:
                # Children moving to early help are not yet receiving it: the movement says which.
                quals = [q for q in quals if q not in {c for c, _ in moving}] + [
                    p for _, p in moving if p not in quals]
            complement = _age_complement(sent.text, ts, found, [*quals, cohort or "", conditions or ""])
            if complement:
                quals.append(complement)
            rated = rating(sent.text, ts, dwords)
            if rated and not any(rated.lower() in q.lower() for q in quals):
                quals.append(rated)  # "amber cases ... within 2 days": which cases this figure is for
            if whom:
                # Kept as a qualifier when it says more than the cohort and qualifiers already do.
                # ("for children under 5 years" says nothing "children under 5" does not; one new
                # word is a unit or a plural, two say which: "who have turned 18 whilst in custody")
                said = {stem(w) for w in re.findall(r"[a-z0-9]+", " ".join([cohort or "", *quals]).lower())}
                extra = {stem(w) for w in re.findall(r"[a-z0-9]+", whom.lower())
                         if w not in dwords.function_words} - said
                if len(extra) >= MIN_NEW_WHOM_WORDS:
                    quals.append(whom)
            if adjective_condition and any(set(frame.object_modifiers) & set(q.lower().split()) for q in quals):
                conditions = None  # "CIN complex cases": a qualifier says it already
            if cohort in (None, ALL_CHILDREN) and quals and quals[0] in tax.cohorts:
                # Nothing chose a cohort, but the sentence or a lower heading names one: it is whom.
                cohort, cohort_how, quals = quals[0], "qualifier", quals[1:]
            out.append(Obligation(
                id=_obligation_id(clause.id, offset, ts), authority=clause.authority,
                document_id=clause.document_id, clause_id=clause.id, topic=topic, actor=actor,
                action=(frame.action or _action(sent.text, ts, lang) or "").rstrip(" ([").strip() or None, cohort=cohort,
                modality=_modality(sent.text, ts.start, lang) or (_modality(lead, 0, lang) if lead else None),
                conditions=conditions,
                timescale=timescale, citation=citation,
                label=tidy_label(frame.label),
                phase=frame.phase or occurrence or row_phase(clause.cohort_context, fwords),
                qualifiers=quals,
                sentence_id=sentence_id(clause.id, index),
                extra={"anchor_phrase": ts.anchor, "occurrence": occurrence, "span_verified": verified, "duty": why,
                       "topic_from": topic_how, "actor_from": actor_how, "cohort_from": cohort_how,
                       # False when no text names who acts and the actor is the topic's usual role.
                       "actor_stated": actor_how not in _ACTOR_UNSTATED,
                       "rule_topic": rule_topic, "embed_query": embed_query, "core_query": core_query,
                       "topic_rivals": rivals,
                       "party": (tax.canonical_role(frame.party) or frame.party.lower()) if frame.party else None,
                       "object_lemma": frame.object_lemma,
                       "anchor_specific": anchor_specific,
                       **({"anchor_event": anchor_event} if anchor_event else {}),
                       "verb": frame.verb,
                       "object_modifiers": _narrowing_words(tax, frame, topic, cohort, fwords),
                       # The object is named by a synonym of the topic ("CIN meeting", "CIN review"):
                       # two such objects are the same thing even with different head nouns.
                       "object_names_topic": topic_how in ("action-object", "action-document"),
                       "sentence_start": clause.start + sent.start if verified else None},
            ))
        _first_of_pair([o for o in out if o.sentence_id == sentence_id(clause.id, index)], lang)
        if out and out[-1].topic:
            previous_topic = out[-1].topic
            previous_index = index if out[-1].sentence_id == sentence_id(clause.id, index) else previous_index
    return out


def _previous_occurrence(tax: Taxonomy, sentence: str, ts: Timescale, phase: str | None,
                         object_head: str | None) -> str | None:
    """The event an elliptical relation word runs from: "the second review ... 3 months following."
    names no event after "following", and the one it means is the occurrence before this one
    ("first review"). Only when the relation word ends the clause and the phase is an ordinal
    with one before it in the taxonomy's ``ordinals`` list."""
    from extractors.timescale import _grammar  # the one list of relation words

    rest = clean(sentence[ts.end:]).lower()
    m = re.match(r"^[\s*]*([a-z]+)\s*(?:[.;,)]|$)", rest)
    if not m or _grammar().relation_kind.get(m.group(1)) != "after" or not phase or not object_head:
        return None
    ordinals = [w.lower() for w in tax.words("ordinals")]
    if phase not in ordinals or ordinals.index(phase) == 0:
        return None
    before = ordinals[ordinals.index(phase) - 1]
    event = " ".join(w for w in object_head.split() if w.lower() not in ordinals and w.lower() not in _DETERMINERS)
    return f"{before} {event}" if event else None


def _kind_rivals(tax: Taxonomy, topic: str, frame: Frame) -> list[str]:
    """Neighbouring topics the duty's own action may mean instead of ``topic``: the same subject
    words with the action's kind in place of the topic's ("review" + "Child in Need Plans": the
    child in need plan or the child in need review; "hold reviews of foster carer performance":
    the foster carer assessment or the foster carer review). The kind is the verb's or the
    object head's lemma, a word the topic's own name lacks; similarity decides among them."""
    name = stems(topic)
    kinds = {stem(w) for w in (frame.verb, frame.object_lemma) if w} - name
    out = []
    for other in tax.topics:
        words = stems(other)
        if other != topic and words & kinds and (words - kinds) and (words - kinds) <= name:
            out.append(other)
    return out


# How a cohort was read from the text itself (not filled in from the topic or by default): only
# such a cohort can say which children a duty's kind of event is for.
_COHORT_READ = frozenset({"sentence", "table", "heading"})


def cohort_sibling(tax: Taxonomy, topic: str | None, cohort: str | None, how: str | None,
                   named: list[str] | None = None, sentence: str | None = None,
                   generic: bool = False) -> str | None:
    """The topic of the same kind for the duty's own children, when the one chosen is for others.

    Many topics are one kind of event told apart by whom it is for: "statutory visits" to
    children on a child protection plan are child protection visits, not the child in care visits
    the bare words default to; a first review for children in short breaks is a short break review,
    a plan started by a care leaver is a pathway plan. The kind is the last word of the topic's
    name ("visit", "review", "plan"); a sibling is another topic of that kind whose taxonomy cohort
    is the cohort the text names (``cohort``, read from the text as ``how`` says, or any of the
    cohorts ``named`` in the sentence: "children on a plan held by the disability team"). Only when
    the chosen topic is itself for particular children (it has a taxonomy cohort) that the text
    does not name, the ``sentence`` does not name it by a term saying whom it is for ("the Initial
    Child Protection Conference" stays that conference under a heading about children on a plan),
    and exactly one sibling is for children it names, of the same sort (children, or adults).
    A topic for no particular children counts too when the text names it only by a ``generic``
    word of its kind ("the assessment" of a young person in the youth justice system is their
    service's assessment, not the social-work child and family assessment).
    """
    if not topic or topic not in tax.topics or (sentence and _names_specifically(tax, sentence, topic)):
        return None
    whom = {c for c in [*(named or []), cohort if how in _COHORT_READ else None] if c and c != ALL_CHILDREN}
    chosen = tax.topics[topic]
    if not whom or (not chosen.cohort and not generic) or chosen.cohort in whom:
        return None
    kind = stem(topic.split()[-1])
    adults = _adults(tax, chosen.cohort) if chosen.cohort else None
    siblings = [t.name for t in tax.topics.values()
                if t.name != topic and t.cohort in whom and stem(t.name.split()[-1]) == kind
                and (adults is None or _adults(tax, t.cohort) == adults)]
    return siblings[0] if len(siblings) == 1 else None


def _firm_cohorts(tax: Taxonomy, lang: _Language, sentence: str) -> list[str]:
    """The cohorts the sentence names firmly: not by a weak word such as "placement", nor inside
    the name of a duty that says whom it is about."""
    return [m.canonical for m in outside_owned_names(tax, sentence, tax.find("cohorts", sentence))
            if re.sub(r"\s+", " ", m.term.lower()) not in lang.weak_cohort_terms]


def _sibling_for(tax: Taxonomy, lang: _Language, topic: str | None, cohort: str | None, how: str | None,
                 sentence: str) -> str | None:
    """``cohort_sibling`` with the cohorts the sentence names firmly (``generic``: the sentence names
    the topic only by generic words of its kind, language ``generic_topic_terms``)."""
    mentions = [m for m in _topic_mentions(tax, sentence, lang) if m.canonical == topic]
    generic = bool(mentions) and all(re.sub(r"\s+", " ", m.term.lower()) in lang.generic_terms for m in mentions)
    return cohort_sibling(tax, topic, cohort, how, _firm_cohorts(tax, lang, sentence), sentence, generic)


# The word right after a figure, past emphasis marks ("**6-weekly** reviews").
_WORD_AFTER = re.compile(r"^[\s*_]*([A-Za-z][A-Za-z-]*)")


def figure_kind(tax: Taxonomy, sentence: str, ts: Timescale, topic: str | None, whom: list[str]) -> str | None:
    """What recurs when a frequency is written before its noun: "3-weekly visits and 6-weekly
    reviews" gives the second figure to reviews, whatever the sentence names first. The noun is a
    kind of event when some topic's name ends in it; the topic of that kind is the chosen topic's
    own words with that kind ("child in need visit" -> "child in need review"), else the one topic
    of that kind for the children ``whom`` the text names. None when the chosen topic is already
    of that kind, or nothing of that kind fits."""
    if ts.kind != "frequency":
        return None
    m = _WORD_AFTER.match(sentence[ts.end:])
    if m is None:
        return None
    noun = stem(m.group(1).lower())
    kinds = [t for t in tax.topics.values() if stem(t.name.split()[-1].lower()) == noun]
    if not kinds or (topic and stem(topic.split()[-1].lower()) == noun):
        return None
    if topic:
        own = [t.name for t in kinds if t.name.split()[:-1] == topic.split()[:-1]]
        if own:
            return own[0]
    # The kind whose other words the sentence names ("foster carers ... the annual review").
    have = _words(sentence)
    named = [(len(q), t.name) for t in kinds if (q := re.findall(r"[a-z0-9]+", t.name.lower())[:-1])
             and all(w in have for w in q)]
    if named:
        return max(named)[1]
    mine = [t.name for t in kinds if t.cohort and t.cohort in whom]
    return mine[0] if len(mine) == 1 else None


def _adults(tax: Taxonomy, cohort: str) -> bool:
    """Whether a cohort is of adults (carers, adopters): a visit to a child is not of the same
    kind as a supervision visit to its carer, though both names end in "visit". The name's head
    noun says whose it is: "children placed at home with parents" are children."""
    return _head_is_adult(cohort, frozenset(stems(" ".join(tax.words("adult_people_nouns")))))


@lru_cache(maxsize=512)
def _head_is_adult(cohort: str, adult_words: frozenset[str]) -> bool:
    """Whether the head noun of a cohort's name (the parse's root) is an adult noun."""
    if not stems(cohort) & adult_words:
        return False
    roots = [t for t in parse(cohort) if t.dep_ == "ROOT"]
    return not roots or stem(roots[0].lower_) in adult_words


def _names_specifically(tax: Taxonomy, sentence: str, topic: str) -> bool:
    """Whether the sentence names ``topic`` by a term that says whom it is for: its whole name
    ("Initial Child Protection Conference", "Care Plans"), an abbreviation ("ICPC") or a term
    naming a cohort ("LAC review"); not a bare word of its kind ("statutory visits", "first review")."""
    t = tax.topics[topic]
    own = stems(topic)
    for m in tax.find("topics", sentence):
        if m.canonical != topic:
            continue
        if m.term in t.abbreviations or own <= stems(m.term) or tax.find("cohorts", m.term):
            return True
    return False


def _cohort_keeps(tax: Taxonomy, held: str | None, nearest: str, cohort: str | None) -> bool:
    """Whether the topic the sentence's context already gave stands against the nearest
    definition: the held topic is about the duty's own children (its taxonomy cohort is the
    duty's cohort) and the nearest one is about other children (a bare "see the children" in a
    list of visits to children in care may sit nearer another kind of visit's definition)."""
    if not held or not cohort or cohort == ALL_CHILDREN or held not in tax.topics:
        return False
    other = tax.topics[nearest].cohort
    return tax.topics[held].cohort == cohort and other is not None and other != cohort


def _event_of_document(tax: Taxonomy, o: Obligation) -> str | None:
    """The event a similarity-chosen document topic is of, when the duty's own words make no
    document: "the IRO will meet the social worker before the next review" sits near the
    definition of the review's report (it names the review, its participants and "before"), but
    meeting is not writing a report; what is done is part of the event. A topic is a document of
    an event when its name is another topic's name and one ``record_documents`` word ("looked
    after review report"); the duty's words make a document when its verb or its action or core
    words include such a word or a recording verb (``recording_lemmas``, ``recording_verbs``).
    None when the topic is no such document or the duty's words make one."""
    dwords = _frame_words(tax)[1]
    words = o.topic.split() if o.topic else []
    if len(words) < 2 or stem(words[-1]) not in dwords.record_documents:
        return None
    event = " ".join(words[:-1])
    if event not in tax.topics:
        return None
    making = dwords.record_documents | {stem(w) for w in dwords.recording_lemmas} \
        | stems(" ".join(tax.words("recording_verbs")))
    own = stems(" ".join(filter(None, [o.extra.get("core_query"), o.action])))
    if own & making or (o.extra.get("verb") or "") in dwords.recording_lemmas:
        return None
    return event


def _settle_document(tax: Taxonomy, o: Obligation) -> None:
    """A document topic that similarity chose for a duty making no document is its event's."""
    event = _event_of_document(tax, o)
    if event:
        o.extra["topic_similar_document"] = o.topic
        o.topic, o.extra["topic_from"] = event, f"{o.extra['topic_from']}-event"


def _by_similarity(obligations: list[Obligation], tax: Taxonomy, encode: Encode) -> None:
    """Settle topics the duty's words did not name, and anchors the taxonomy does not list, by meaning.

    Between a topic the words named and its neighbours of another kind (``_kind_rivals``), the
    one whose definition is nearest to the duty's core words wins."""
    torn = [o for o in obligations if o.extra.get("topic_rivals") and o.extra.get("core_query")]
    for o, ranking in zip(torn, rank("topics", [o.extra["core_query"] for o in torn], tax, encode), strict=True):
        candidates = {o.topic, *o.extra["topic_rivals"]}
        best = next(name for name, _ in ranking if name in candidates)
        if best != o.topic:
            o.extra["topic_from"], o.extra["topic_before_tie"] = "similarity-tie", o.topic
            o.topic = best
            if o.timescale.kind == "frequency":
                o.topic = tax.topics[o.topic].frequency_topic or o.topic
    pending = [o for o in obligations if o.extra.get("embed_query")]
    ranked = rank("topics", [o.extra["embed_query"] for o in pending], tax, encode)
    for o, best in zip(pending, ranked, strict=True):
        name, score = best[0]
        o.extra["topic_similarity"] = round(score, 3)
        if score >= TOPIC_SIMILARITY_THRESHOLD and not _cohort_keeps(tax, o.topic, name, o.cohort):
            o.topic, o.extra["topic_from"] = name, "similarity"
            _settle_document(tax, o)
        if o.topic and o.timescale.kind == "frequency":
            o.topic = tax.topics[o.topic].frequency_topic or o.topic
    # Still no topic: the parse's core words were too thin or garbled to place ("the visits be
    # the visits", "appointed all children in care"). The whole sentence carries what they lost
    # (its object, anchor and cohort); it names a topic only when the best one stands clear of
    # the runner-up, since a long sentence sits near several definitions. Only duties with core
    # words (a parsed verb): the calibration saw no others, and a verbless list item's sentence
    # lacks the lead-in that says what it is about.
    blank = [o for o in obligations if o.topic is None and o.extra.get("core_query") and o.citation.quote.strip()]
    ranked = rank("topics", [" ".join(o.citation.quote.split()) for o in blank], tax, encode)
    for o, best in zip(blank, ranked, strict=True):
        (name, score), (_, runner_up) = best[0], best[1]
        o.extra["sentence_similarity"] = round(score, 3)
        o.extra["sentence_margin"] = round(score - runner_up, 3)
        if score >= SENTENCE_TOPIC_THRESHOLD and score - runner_up >= SENTENCE_TOPIC_MARGIN:
            o.topic, o.extra["topic_from"] = name, "similarity-sentence"
            _settle_document(tax, o)
            if o.timescale.kind == "frequency":
                o.topic = tax.topics[o.topic].frequency_topic or o.topic
    # What similarity chose is a kind of event as much as what the words named: for the children
    # the sentence names, that kind's own topic ("developing the Pathway Plan" of a care leaver).
    lang = _language(tax)
    for o in obligations:
        if str(o.extra.get("topic_from", "")).startswith("similarity"):
            at = o.citation.quote.find(o.timescale.phrase)  # (the timescale's offsets are the document's)
            kind = None if at < 0 else figure_kind(
                tax, o.citation.quote, replace(o.timescale, start=at, end=at + len(o.timescale.phrase)), o.topic,
                _firm_cohorts(tax, lang, o.citation.quote))
            if kind:
                o.topic, o.extra["topic_from"] = kind, f"figure-noun:{o.extra['topic_from']}"
                continue
            sibling = _sibling_for(tax, lang, o.topic, o.cohort, o.extra.get("cohort_from"), o.citation.quote)
            if sibling:
                o.topic, o.extra["topic_from"] = sibling, f"cohort-sibling:{o.extra['topic_from']}"
    # (an anchor the parse narrowed, "significant event", is not collapsed back to its bare kind)
    loose = [o for o in obligations if o.timescale.anchor and o.timescale.anchor not in tax.anchors
             and not o.extra.get("anchor_specific")]
    ranked = rank("anchors", [o.timescale.anchor for o in loose], tax, encode)
    for o, best in zip(loose, ranked, strict=True):
        name, score = best[0]
        # The model hears "completion of the assessment" and "the assessment" as near "start of
        # assessment": a start is never taken for an end or the event itself, nor the reverse.
        if score >= ANCHOR_SIMILARITY_THRESHOLD and _boundary(o.timescale.anchor) == _boundary(name):
            o.extra["anchor_similarity"] = round(score, 3)
            o.timescale.anchor = name


def extract_obligations(clauses: list[Clause], doc_text: str, encode: Encode | None = None) -> list[Obligation]:
    """Every obligation stated in ``clauses`` of one document (``doc_text`` = its stored text).

    ``encode(texts) -> np.ndarray`` (the embedding model's, rows L2-normalised) settles, by
    similarity to the taxonomy's definitions, the topics that the duty's words do not name and
    the anchors the taxonomy does not list. Without it those topics stay as the sentence names
    them (or None) and the anchors as written.
    """
    tax = load_taxonomy()
    lang = _language(tax)
    # Sections written as "I will ..." statements address one practitioner throughout.
    first_person = {tuple(c.heading_path) for c in clauses
                    if c.heading_path and lang.first_person and lang.first_person.search(c.text)}
    # Parse every sentence that states a timescale in batches first (then the per-timescale reads hit the cache).
    prime([s.text for c in clauses for s in _sentences(c.text) if _timescales_cached(s.text)])
    out: list[Obligation] = []
    intro: Clause | None = None  # the last sentence in this section that introduces a list
    for clause in clauses:
        bullet = _is_bullet(clause, doc_text)
        lead = intro.text if bullet and intro is not None and intro.heading_path == clause.heading_path else None
        if not bullet:
            intro = clause if clause.text.rstrip().endswith(":") else None
        found = extract_clause(clause, doc_text, tax, first_person_section=tuple(clause.heading_path) in first_person,
                               list_lead=lead)
        _share_anchors(found, clause.text, _frame_words(tax)[0].anchor_relations)
        out.extend(found)
    if encode is not None:
        _by_similarity(out, tax, encode)
    lang = _language(tax)
    for o in out:
        t = o.timescale
        if o.topic is None and t.anchor_relation == "before" and o.action:
            # Nothing names what is done and it is done before an event ("invitations sent 10 days
            # before the first review"): it prepares that event, whose topic it is under.
            named = tax.find("topics", t.anchor or "") or tax.find("topics", t.anchor_text or "")
            if named:
                o.topic, o.extra["topic_from"] = named[0].canonical, "before-event"
                if o.label is None:
                    o.label = o.topic
        if o.topic and t.anchor in lang.generic_anchors and t.anchor_text and _bare_event(t.anchor_text, lang):
            # A bare "the meeting" whose duty's final topic (settled after the anchor was read:
            # by similarity, or as the record of an event) names an event of that kind.
            t.anchor = _topic_event(tax, o.topic, t.anchor, lang.generic_anchors) or t.anchor
        if o.label is None and o.topic:
            o.label = o.topic  # a verbless table cell: what it is about is the best short name
        narrowed = _which_event(t.anchor, t.anchor_text)
        if narrowed:
            o.extra["anchor_event"], t.anchor = t.anchor, narrowed
        _before_status(tax, o)
    return out


# Words joining two figures that share what follows the second ("2 months and 4 months after ...").
_JOINED_FIGURES = re.compile(r"\s*(?:,|and|or|,\s*(?:and|or))\s*", re.I)


@lru_cache(maxsize=4)
def _relation_start(relations: tuple[str, ...]) -> re.Pattern[str]:
    """A text opening with one of the anchor relation words ("of", "post-", "prior to")."""
    return re.compile(r"^\W*(?:" + "|".join(r"\s+".join(map(re.escape, r.split())) for r in relations) + r")\b", re.I)


def _share_anchors(found: list[Obligation], text: str, relations: dict[str, str]) -> None:
    """Two deadlines of one sentence that run from one event: figures joined before the anchor
    ("2 months and 4 months post-order": both after the order; the second's anchor follows its
    relation word, not a condition: "within 10 days, or within 2 days if ..." keeps the first
    unanchored), and an extension of a figure ("within 20 days of allocation, extendable
    to 30 days": also from allocation). The figure without an anchor takes the other's."""
    extension = anchor_words().extension_words
    rel_re = _relation_start(tuple(sorted(relations, key=len, reverse=True)))
    placed = sorted((o for o in found if text[o.timescale.start:o.timescale.end] == o.timescale.phrase),
                    key=lambda o: o.timescale.start)
    for a, b in zip(placed, placed[1:], strict=False):
        ta, tb = a.timescale, b.timescale
        if ta.kind != "deadline" or tb.kind != "deadline" or a.citation.quote != b.citation.quote:
            continue
        between = text[ta.end:tb.start]
        if not (ta.anchor or ta.anchor_text) and tb.anchor_text and _JOINED_FIGURES.fullmatch(between) \
                and rel_re.match(text[tb.end:]):
            ta.anchor, ta.anchor_text, ta.anchor_relation = tb.anchor, tb.anchor_text, tb.anchor_relation
            a.extra["anchor_specific"] = b.extra.get("anchor_specific")  # (kept as read, not by meaning)
        elif ta.anchor_text and not (tb.anchor or tb.anchor_text) and tb.anchor_relation is None \
                and set(re.findall(r"[a-z]+", between.lower())) & extension:
            tb.anchor, tb.anchor_text, tb.anchor_relation = ta.anchor, ta.anchor_text, ta.anchor_relation
            b.extra["anchor_specific"] = a.extra.get("anchor_specific")


def _before_status(tax: Taxonomy, o: Obligation) -> None:
    """With the duty's final topic (settled by similarity after the clause was read): a duty whose
    own children are in an earlier status than the cohort read for it is about the earlier one
    (``_later_statuses``), and a later status is no qualifier of it."""
    own = _own_status(tax, o.topic, o.timescale.anchor, o.timescale.anchor_relation)
    if own and o.cohort != own and o.cohort in _later_statuses(tax, own):
        o.cohort, o.extra["cohort_from"] = own, "before-status"
    later = _later_statuses(tax, o.cohort)
    o.qualifiers = [q for q in o.qualifiers if q not in later and q != o.cohort]


def _is_bullet(clause: Clause, doc_text: str) -> bool:
    """Whether the clause is a bulleted list item: its line starts with a bullet before it."""
    line = doc_text[doc_text.rfind("\n", 0, clause.start) + 1:clause.start]
    return re.fullmatch(rf"[ \t\u00a0]*(?:[{BULLET_CHARS}]|[-–—*+])[ \t\u00a0]*", line) is not None


# Grammatical links by which a noun's own complement says which one it is ("a request for an
# assessment", "the notification that a child has come into care"): spaCy dependency labels.
_COMPLEMENT_DEPS = {"prep", "acl", "relcl"}


def _which_event(anchor: str | None, written: str | None) -> str | None:
    """The written phrase for a one-word canonical event ("request", "notification") whose words
    say which one it is: the event noun with its complement, as the parser attaches it. A bare
    "request" does not tell a reader which request; the complement does. None when nothing narrows."""
    if not anchor or not written or len(anchor.split()) != 1 or len(written.split()) < 3:
        return None
    from extractors.frame import parse

    doc = parse(written)
    for token in doc:
        if stem(token.lemma_.lower()) != stem(anchor.lower()) and stem(token.text.lower()) != stem(anchor.lower()):
            continue
        # A bare infinitive or participle after the noun is as often the duty's purpose ("within
        # 24 hours of placement to enable ...") as the event's: only a preposition or a finite clause.
        complements = [c for c in token.rights if c.dep_ in _COMPLEMENT_DEPS
                       and (c.dep_ != "acl" or any(g.dep_ == "mark" for g in c.children))]
        if not complements:
            return None
        words = list(doc[token.left_edge.i:max(c.right_edge.i for c in complements) + 1])
        while words and words[0].lower_ in _DETERMINERS:
            words = words[1:]
        phrase = " ".join(w.text for w in words).replace(" ,", ",")
        return tidy_label(phrase) if len(phrase.split()) > 1 else None
    return None
