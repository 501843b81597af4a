"""Decisions on a duty frame: is it a duty, which figure binds, what topic, which qualifiers.

``extractors.obligations`` finds each timescale and reads its frame (``extractors.frame``);
these functions turn the frame into the obligation's fields:

- ``not_a_duty``: performance targets, the document's own review date, statute quoted as
  background (the grammar of the sentence, with the word lists in the taxonomy's ``language``);
- ``resolve_hedges``: of two figures for one duty, the binding one ("ideally weekly, but at
  least every two weeks" -> every 2 weeks, hedge "ideally weekly"; "immediately or within 24
  hours" -> 24 hours, hedge "immediately");
- ``topic_from_action``: the topic named by what must be done (verb + object), not by the
  anchor event or a stray keyword;
- ``qualifiers``: what narrows the cohort, in the document's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from extractors.frame import Frame, governing_verb, parse, people_modifiers, to_parse
from extractors.records import Timescale
from extractors.taxonomy import Taxonomy, TermMatch
from extractors.timescale import names_a_period

# How far before a figure a hedge word may stand ("ideally within 5 days"), in characters.
HEDGE_WINDOW = 25
# The longest stretch between two figures that can still join them as alternatives of one duty
# ("immediately or within 24 hours", "ideally weekly, but at least every two weeks"), in characters.
ALTERNATIVE_GAP = 30
# How far from a figure a percentage may stand and still make it a target ("80% within 1 month"), in characters.
TARGET_WINDOW = 60


@dataclass(frozen=True)
class DutyWords:
    """Word lists for the decisions here (taxonomy ``language``)."""

    hedges: tuple[str, ...]
    targets: tuple[str, ...]
    document_nouns: frozenset[str]
    document_determiners: frozenset[str]
    legislation: tuple[str, ...]
    reporting_verbs: frozenset[str]
    qualifier_words: tuple[str, ...]
    function_words: frozenset[str]
    recording_lemmas: frozenset[str] = frozenset()
    permission_modals: frozenset[str] = frozenset()
    record_documents: frozenset[str] = frozenset()
    aim_adverbs: frozenset[str] = frozenset()
    aim_verbs: frozenset[str] = frozenset()
    limit_openers: tuple[str, ...] = ()
    entitlement_verbs: frozenset[str] = frozenset()
    proportion_words: frozenset[str] = frozenset()
    addressee_words: frozenset[str] = frozenset()
    rating_words: frozenset[str] = frozenset()
    granting_verbs: frozenset[str] = frozenset()
    roles: object = None  # the taxonomy: its role names tell staff from the people they serve


def duty_words(tax: Taxonomy) -> DutyWords:
    """The decision word lists from the taxonomy's ``language`` section."""
    def get(key: str) -> list[str]:
        value = tax.language.get(key) or []
        return [w.lower() for w in value] if isinstance(value, list) else []

    return DutyWords(hedges=tuple(get("hedge_words")), targets=tuple(get("target_markers")),
                     document_nouns=frozenset(get("document_nouns")),
                     document_determiners=frozenset(get("document_determiners")),
                     legislation=tuple(get("legislation_words")), reporting_verbs=frozenset(get("reporting_verbs")),
                     qualifier_words=tuple(get("qualifier_words")), function_words=frozenset(get("function_words")),
                     recording_lemmas=frozenset(get("recording_lemmas")),
                     permission_modals=frozenset(w.lower() for w in (tax.language.get("modality") or {}).get("may", [])),
                     record_documents=frozenset(stem(w) for w in get("record_documents")),
                     aim_adverbs=frozenset(get("aim_adverbs")), aim_verbs=frozenset(get("aim_verbs")),
                     limit_openers=tuple(get("limit_openers")),
                     entitlement_verbs=frozenset(get("entitlement_verbs")),
                     proportion_words=frozenset(get("proportion_words")),
                     addressee_words=frozenset(get("addressee_words")),
                     rating_words=frozenset(get("rating_words")),
                     granting_verbs=frozenset(get("granting_verbs")), roles=tax)


def stem(word: str) -> str:
    """A word without a plural "s" ("records" -> "record", "minutes" -> "minute"): enough to
    compare a document's or event's name as written with the taxonomy's, both sides stemmed."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def stems(text: str | None) -> set[str]:
    """The stemmed words of ``text``."""
    return {stem(w) for w in re.findall(r"[a-z]+", (text or "").lower())}


def _has_phrase(text: str, phrases: tuple[str, ...]) -> re.Match[str] | None:
    if not phrases:
        return None
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))
    return re.search(r"(?<![\w])(?:" + body + r")(?![\w])" if body[-1:].isalnum() else body, text, re.I)


def not_a_duty(sentence: str, ts: Timescale, frame: Frame, words: DutyWords,
               others: list[Timescale] | None = None, firm: bool = False) -> str | None:
    """Why ``ts`` states no duty ("target", "document review", "statute context", "permission",
    "aim"), or None. ``others`` are the sentence's other figures; ``firm`` says ``ts`` is the
    binding figure of a hedge (its alternative carries the hedge word, not it)."""
    window = sentence[max(0, ts.start - TARGET_WINDOW):ts.end + TARGET_WINDOW]
    if any(t in window.lower() for t in words.targets if not t[0].isalnum()) or \
            _has_phrase(window, tuple(t for t in words.targets if t[0].isalnum())):
        return "target"
    for named in (frame.object_text, frame.actor_text):  # "this document will be reviewed / is subject to"
        first = (named or "").lower().split()
        if len(first) >= 2 and first[0] in words.document_determiners and first[1] in words.document_nouns:
            return "document review"
    if _quoted_source(sentence):
        return "quotation"
    doc = parse(sentence)
    span = doc.char_span(to_parse(doc, ts.start), to_parse(doc, ts.end), alignment_mode="expand")
    limit = _has_phrase(ts.phrase, words.limit_openers)
    if span is not None and limit is None and _permitted(doc, span, words):
        # ("an extension can be agreed up to 45 days", "visits may take place at intervals of not
        # more than six months": the permission's limit is still binding)
        return "permission"
    if span is not None and not firm and _aimed(doc, span, words, others or [], ts):
        return "aim"
    if span is not None and _share_of_cases(doc, span, words):
        return "target"
    if span is not None and _who_someone_was(doc, span):
        return "description"
    if span is not None and _addressees_own_limit(doc, span, ts, words):
        return "addressee's limit"
    if span is not None and _window_for_others(span, words):
        return "window for others"
    if span is not None and _quantity_of_a_thing(doc, ts, others or [], sentence):
        return "quantity"
    if span is not None:
        # "the 6 weekly minimum national standard": the figure names a national rule, quoted.
        for t in span:
            named = t.head
            if named.pos_ == "ADP" and named.i not in range(span.start, span.end):
                named = named.head  # "the statutory requirement of once every six weeks"
            if named.i not in range(span.start, span.end) and named.pos_ in ("NOUN", "PROPN") \
                    and _has_phrase(" ".join(x.text for x in named.subtree), words.legislation):
                return "statute context"
        tok = span.root
        for _ in range(8):
            if tok.head.i == tok.i:
                break
            tok = tok.head
            if tok.pos_ in ("VERB", "AUX") and _legislation_subject(tok, words):
                # "Regulation 25 ... gives an extension of 8 weeks": what a law does, quoted.
                return "statute context"
            if tok.lemma_.lower() in words.reporting_verbs or tok.lower_ in words.reporting_verbs:
                # What stands before it ("The Regulations state that ..."; the parser may read
                # "state" as a noun with "Regulations" as its compound).
                before = " ".join(t.text for c in tok.lefts for t in c.subtree)
                if _has_phrase(before, words.legislation):
                    return "statute context"
    return None


def _legislation_subject(verb, words: DutyWords) -> bool:
    """Whether the verb's subject is a law itself ("Regulation 25 of the Regulations", "The Act"):
    its head noun is one of the legislation words, not a person or a piece of work."""
    single = {w for w in words.legislation if " " not in w}
    return any(c.dep_ in ("nsubj", "nsubjpass") and (c.lower_ in single or c.lemma_.lower() in single)
               for c in verb.children)


def _quoted_source(sentence: str) -> bool:
    """A sentence that ends by citing its author and year ("... (Smith, 2019)") is a quotation
    from the literature, not the authority's own standard."""
    return re.search(r"\(\s*[A-Z][\w'’.\- ]*(?:\bet al\.?)?,?\s*(?:19|20)\d\d[a-z]?\s*\)[\s.;:]*$", sentence) is not None


def _aimed(doc, span, words: DutyWords, others: list[Timescale], ts: Timescale) -> bool:
    """The figure's own clause says what usually or ideally happens, or what someone aims at
    ("which usually takes place within five days", "will end ideally within three months", "we
    aim to respond within 15 days"): an aim or a description, not a duty. The hedging word must
    modify the figure's own verb (or the figure), with no other figure between it and this one;
    an aim verb must govern the figure's verb directly ("aim to complete ...")."""
    verb = governing_verb(doc, span)
    if verb is None:
        return False
    between = [(t.start, t.end) for t in others if t is not ts]
    for tok in doc:
        if tok.lower_ not in words.aim_adverbs or tok.dep_ != "advmod":
            continue
        if tok.head.i != verb.i and tok.head.i not in range(span.start, span.end) \
                and not (tok.head.dep_ == "prep" and tok.head.head.i == verb.i):
            continue
        lo, hi = sorted((tok.idx, span.start_char))
        if not any(lo < start < hi for start, _ in between):
            return True
    tok = verb
    for _ in range(2):  # "aim to complete", "we aim for visits to take place ..."
        if tok.dep_ not in ("xcomp", "advcl", "ccomp") or tok.head.i == tok.i:
            break
        tok = tok.head
        if tok.lemma_.lower() in words.aim_verbs and not any(c.dep_ == "neg" for c in tok.children):
            return True
    return False


# What may stand between two figures of one range or list ("16 years and 21 years", "30 days/90 days").
_FIGURE_JOIN = re.compile(r"\s*(?:and|or|to|,|/|-|–)?\s*", re.I)


def _bare(ts: Timescale) -> bool:
    """A figure written with no cue of its own (no "within", "every", "by", "after" and no
    anchor): "16 years", "40 days". Only its place in the sentence says what it measures."""
    return ts.kind == "deadline" and ts.bound is None and ts.anchor is None and ts.phrase[:1].isalnum() \
        and not re.match(r"(?:within|every|by|after|before|at|on|in)\b", ts.phrase, re.I)


def _quantity_of_a_thing(doc, ts: Timescale, others: list[Timescale], sentence: str, depth: int = 0) -> bool:
    """A bare figure the parser hangs on a noun through a preposition ("every child between 3
    years and 21 years", "a total of 40 days", "for 15 year olds") measures that thing (an age,
    a threshold, an eligibility), not when a duty is due. Nouns that name a stretch of time
    ("a maximum timescale of ten working days") keep it a time. A figure joined to such a
    figure by "and", "or", "/" is part of the same range ("between 16 years and 21 years")
    even where the parser hangs it elsewhere."""
    if not _bare(ts):
        return False
    span = doc.char_span(to_parse(doc, ts.start), to_parse(doc, ts.end), alignment_mode="expand")
    if span is not None and _hangs_on_a_noun(span):
        return True
    earlier = [o for o in others if o.end <= ts.start and o is not ts]
    if earlier and depth < len(others):
        previous = max(earlier, key=lambda o: o.end)
        if _FIGURE_JOIN.fullmatch(sentence[previous.end:ts.start]) \
                and _quantity_of_a_thing(doc, previous, others, sentence, depth + 1):
            return True
    return False


def _hangs_on_a_noun(span) -> bool:
    """The figure's noun phrase is the object of a preposition whose head is a noun that does
    not name a period of time (climbing through the figure's own compounds and coordination)."""
    tok = span.root
    for _ in range(6):
        head = tok.head
        if head.i == tok.i:
            return False
        if tok.dep_ == "pobj" and head.pos_ == "ADP":
            owner = head.head
            return owner.i != head.i and owner.pos_ in ("NOUN", "PROPN") \
                and not names_a_period(" ".join(t.text for t in owner.doc[owner.i:owner.i + 2]))
        if tok.dep_ in ("compound", "nummod", "amod", "conj", "appos") and head.pos_ in ("NOUN", "PROPN", "NUM"):
            if names_a_period(head.text):
                return False  # "a 12-month period", "the 20 week time limit": a time
            tok = head
            continue
        return False
    return False


def _addressees_own_limit(doc, span, ts: Timescale, words: DutyWords) -> bool:
    """The time is the reader's own: the document speaks to its reader ("you"), the reader is the
    one who acts ("you can ask for a review ... within 15 working days", "your appeal must reach
    us from you within ..."), and the time runs from something the reader receives or does
    ("of getting your letter"). What the service owes the reader ("you can expect a decision
    within 10 days") stays a duty, and so does a duty on a practitioner addressed as "you" that
    runs from a case event ("you must see the child within 4 days of allocation")."""
    if not words.addressee_words:
        return False
    anchor = (ts.anchor_text or ts.anchor or "").lower()
    if not set(re.findall(r"[a-z]+", anchor)) & words.addressee_words:
        return False
    verb = governing_verb(doc, span)
    for _ in range(4):
        if verb is None or verb.lemma_.lower() in words.entitlement_verbs:
            return False
        # Being somewhere is not acting ("while you are living with carers - within two months of
        # your 17th birthday" hangs the figure on "are"; the duty is the clause it serves).
        if verb.lemma_.lower() != "be" and _acted_by_addressee(verb, words):
            return True
        if verb.dep_ not in ("pcomp", "xcomp", "conj", "advcl") or verb.head.i == verb.i:
            return False
        verb = verb.head if verb.head.pos_ != "ADP" else verb.head.head  # "by writing" -> "take"
    return False


def _window_for_others(span, words: DutyWords) -> bool:
    """The figure is a time given to someone other than staff to do something ("parents have 15
    days to comment on the draft", "allowing 15 days for them to respond", "carers are given
    10 days to reply"): the object of a granting verb with an infinitive of purpose, whose
    receiver (the infinitive's or the verb's subject, or whom it is given to) names no role and
    is not "I"/"we"/"you". A role given the time ("the social worker has 10 days to complete the
    assessment") has a duty."""
    if not words.granting_verbs or words.roles is None:
        return False
    noun = span.root
    verb = noun.head
    if noun.dep_ != "dobj" or verb.lemma_.lower() not in words.granting_verbs:
        return False
    purpose = next((c for c in [*noun.children, *verb.children] if c.dep_ in ("acl", "relcl", "xcomp", "advcl")
                    and c.i > noun.i and any(g.lower_ == "to" and g.dep_ == "aux" for g in c.children)), None)
    if purpose is None:
        return False
    receiver = next((c for c in purpose.children if c.dep_ in ("nsubj", "nsubjpass")), None) \
        or next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "dative", "iobj")), None)
    if receiver is None or receiver.lower_ in ("i", "we", "you", "who", "which", "that"):
        return False
    named = receiver.doc[receiver.left_edge.i:receiver.i + 1].text
    return words.roles.canonical_role(named) is None and words.roles.canonical_role(receiver.text) is None  # type: ignore[attr-defined]


def _acted_by_addressee(verb, words: DutyWords) -> bool:
    """The verb's active subject is the reader ("you can take ..."), or the thing is to come
    "from" / be done "by" the reader ("your appeal must reach us (in writing) from you"): on the
    verb, its subject, or the noun of one of its own prepositions."""
    def is_reader(tok) -> bool:
        return tok.lower_ in words.addressee_words and tok.pos_ == "PRON"

    if any(c.dep_ == "nsubj" and is_reader(c) for c in verb.children):
        return True
    holders = [verb, *(c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass"))]
    holders += [p for c in verb.children if c.dep_ == "prep" for p in c.children if p.dep_ == "pobj"]
    preps = [c for h in holders for c in h.children if c.dep_ in ("prep", "agent")]
    return any(p.lower_ in ("from", "by") and any(c.dep_ == "pobj" and is_reader(c) for c in p.children)
               for p in preps)


def _who_someone_was(doc, span) -> bool:
    """The figure's verb tells the history of the people its relative pronoun stands for ("young
    people who were placed immediately before the order", "children who have been seen within a
    week"): a past or perfect verb whose subject is "who"/"which"/"that", with no modal, says who
    someone is, not what must be done."""
    verb = governing_verb(doc, span)
    if verb is None or any(c.tag_ == "MD" for c in verb.children):
        return False
    if not any(c.dep_ in ("nsubj", "nsubjpass") and c.tag_ in ("WP", "WDT") for c in verb.children):
        return False
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    return verb.tag_ == "VBD" or any(c.tag_ == "VBD" for c in auxiliaries) \
        or (verb.tag_ == "VBN" and any(c.lemma_ == "have" for c in auxiliaries))


def _share_of_cases(doc, span, words: DutyWords) -> bool:
    """The figure's verb has a share of the cases for its subject ("most reviews will be held
    within four weeks", "the majority of plans are signed off within ten working days"): a
    performance expectation over all cases, not what each case is owed. The subject is the
    proportion word itself (with "of" the cases) or a noun the word qualifies."""
    verb = governing_verb(doc, span)
    if verb is None or not words.proportion_words:
        return False
    for subject in (c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")):
        if subject.lower_ in words.proportion_words:
            return True
        if any(c.dep_ in ("amod", "det") and c.lower_ in words.proportion_words for c in subject.children):
            return True
    return False


def _permitted(doc, span, words: DutyWords) -> bool:
    """The figure's own verb is permitted, not required: "agreement can be given to increase
    visits to 3 monthly" (a modal of permission on a main or conjoined clause; "so that the
    plan can be sent ..." inside a purpose clause still serves a duty)."""
    verb = governing_verb(doc, span)
    if verb is None:
        return False
    tok = verb
    for _ in range(4):
        if any(c.dep_ == "aux" and c.lower_ in words.permission_modals for c in tok.children):
            if tok.lemma_.lower() in words.entitlement_verbs:
                return False  # "you can expect a reply within 10 days": what is owed, not a permission
            return tok.dep_ not in ("advcl", "ccomp", "relcl", "acl", "pcomp")
        infinitive = any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children)
        if infinitive and tok.dep_ in ("acl", "relcl") and tok.head.dep_ in ("dobj", "nsubjpass"):
            # "can arrange a meeting at your request, to take place within 24 hours": the
            # infinitive on the object serves the verb that governs that object (an offer).
            tok = tok.head.head
            continue
        if any(c.dep_ == "aux" and c.tag_ != "TO" for c in tok.children) or tok.head.i == tok.i \
                or not (tok.dep_ in ("conj", "xcomp") or (tok.dep_ == "advcl" and infinitive)):
            return False  # its own auxiliary ("will"), or a clause of its own
        tok = tok.head  # "can be given to increase ...": the permission governs the infinitive
    return False


def resolve_hedges(sentence: str, found: list[Timescale], words: DutyWords) -> tuple[list[Timescale], dict[int, str]]:
    """Drop the non-binding figure of a hedge; returns (kept, hedge phrase by id of the kept one).

    Two figures of one sentence joined closely ("A, but B", "A or B") are one duty's alternatives
    when one of them is hedged ("ideally", "where possible") or one is "immediately" and the other
    a deadline: the firm (or the outer) figure binds and the other is kept as its hedge.
    """
    dropped: set[int] = set()
    hedges: dict[int, str] = {}
    for a, b in zip(found, found[1:], strict=False):
        if id(a) in dropped:
            continue
        gap = sentence[a.end:b.start]
        if len(gap) > ALTERNATIVE_GAP or not re.search(r"\b(?:or|but)\b|[,(]", gap, re.I):
            continue
        if re.search(r"\b(?:then|thereafter|and|if|unless|for|where)\b", gap, re.I):
            continue  # a sequence or a condition: two duties, not one hedged
        # Hedge words in the gap before its last joining word or comma are a's ("weekly (good
        # practice) or at least every 4 weeks"), after it b's ("every 2 weeks, ideally weekly").
        joins = list(re.finditer(r"\b(?:or|but)\b|,", gap, re.I))
        a_tail, gap_b = (gap[:joins[-1].start()], gap[joins[-1].start():]) if joins else ("", gap)
        a_hedged = _has_phrase(sentence[max(0, a.start - HEDGE_WINDOW):a.start], words.hedges) is not None \
            or _has_phrase(a_tail, words.hedges) is not None
        # b's hedge may also follow it inside the aside that holds it ("every 12 months (3 months
        # recommended for ...)"): up to the aside's end, within the window.
        aside = re.match(rf"[^()]{{0,{HEDGE_WINDOW}}}\)", sentence[b.end:]) if gap.rstrip().endswith("(") else None
        b_hedged = _has_phrase(gap_b, words.hedges) is not None \
            or (aside is not None and _has_phrase(aside.group(0), words.hedges) is not None)
        if a_hedged and not b_hedged:
            loose, firm = a, b
        elif b_hedged and not a_hedged:
            loose, firm = b, a
        elif a.kind == "immediate" and b.kind == "deadline" and re.search(r"\bor\b", gap):
            loose, firm = a, b
        elif b.kind == "immediate" and a.kind == "deadline" and re.search(r"\bor\b", gap):
            loose, firm = b, a
        else:
            continue
        start = loose.start
        lead_in = max(0, loose.start - HEDGE_WINDOW) if loose is a else a.end
        hedge = _has_phrase(sentence[lead_in:loose.start], words.hedges)
        end = loose.end
        if hedge is not None:
            start = lead_in + hedge.start()
        elif loose is b and aside is not None:
            end = loose.end + aside.end() - 1  # the hedge follows the figure: keep the aside's words
        dropped.add(id(loose))
        hedges[id(firm)] = " ".join(sentence[start:end].replace("*", "").split())
    return [t for t in found if id(t) not in dropped], hedges


def expand_object(tax: Taxonomy, sentence: str, frame: Frame, head: bool = False) -> str | None:
    """The duty's object (or its head phrase) widened to the taxonomy terms it cuts through.

    The parser splits multi-word names ("a child in need planning meeting" -> "a child" + "in
    need planning meeting"); a topic or cohort term overlapping the object belongs to it.
    """
    span, text = (frame.object_head_span, frame.object_head) if head else (frame.object_span, frame.object_text)
    if span is None or not text:
        return text
    start, end = expand_span(tax, sentence, span, verb=frame.verb_surface)
    return " ".join(sentence[start:end].replace("*", "").split())


def expand_span(tax: Taxonomy, sentence: str, span: tuple[int, int],
                categories: tuple[str, ...] = ("topics", "cohorts"), verb: str | None = None) -> tuple[int, int]:
    """``span`` widened over the taxonomy terms of ``categories`` it cuts through. A term that
    would take in the duty's own ``verb`` is a cue of verb and object ("assessment should be
    updated"), not a name the parser split: the object stops at its own words."""
    start, end = span
    verb_re = re.compile(rf"\b{re.escape(verb)}\b", re.I) if verb else None
    for category in categories:
        for m in tax.find(category, sentence):
            if m.start < end and start < m.end:
                if verb_re is not None and (verb_re.search(sentence, m.start, start) or verb_re.search(sentence, end, m.end)):
                    continue
                start, end = min(start, m.start), max(end, m.end)
    return start, end


def topic_from_action(tax: Taxonomy, frame: Frame, obj: str | None, head: str | None, cohort: str | None,
                      generic: list[tuple[re.Pattern[str] | None, str]],
                      specialise: Callable[[TermMatch], str] | None = None,
                      words: DutyWords | None = None) -> tuple[str | None, str]:
    """The topic named by the duty's own words: its object (and verb), never its anchor.

    A topic named in the object decides, unless a topic whose action words are the verb names the
    object's topic ("record" + "conference" -> "child protection conference record"). With no
    topic named, a topic whose cue words are the verb and the object or cohort decides ("see" +
    "children in care" -> "child in care visit").
    """
    if not frame.action or not frame.verb:
        return None, "none"
    obj = obj or ""
    # The verb as written and as its lemma: cue lists name either form ("recorded", "record").
    verb_words = " ".join(dict.fromkeys([frame.verb_surface or "", frame.verb]))
    # What the head of the object names first ("the decision of Conference, and the plan with
    # details of the Core Group" is about the conference decision), then the whole object.
    named = list(tax.find("topics", head or "")) or list(tax.find("topics", obj))
    if not named:  # a generic word the taxonomy reads as a topic only here ("the assessment")
        for pattern, topic in generic:
            if pattern is not None and topic in tax.topics:
                named.extend(TermMatch(topic, m.group(0), m.start(), m.end(), 0.5) for m in pattern.finditer(obj))
    text = f"{verb_words} {obj}"
    with_cohort = f"{text} {cohort or ''}"
    cues = [c for c in tax.cue_topics(with_cohort) if tax.cue_action_at(c, text, 0, len(text)) is not None]
    if named:
        best = max(named, key=lambda m: (m.end - m.start, m.weight))
        # A generic word ("this assessment") takes the kind its sentence or heading names.
        canonical = specialise(best) if specialise is not None else best.canonical
        document = _document_of_named(tax, canonical, best.term, frame.object_lemma, head or obj)
        if document:
            return document, "action-document"
        recorded = _record_of_event(tax, canonical, frame, verb_words, words)
        if recorded:
            return recorded, "action-record"
        cue = next((c for c in cues if c != canonical and tax.cue_mentions(c, canonical)
                    and tax.cue_action_at(c, verb_words, 0, len(verb_words)) is not None), None)
        if cue:
            return cue, "action-cue"
        return canonical, "action-object"
    if cues:
        # The cue whose action word is the verb first ("recorded" + "visits" is recording, not
        # visiting), then the one whose object words cover most.
        own = sorted(cues, key=lambda c: (tax.cue_action_at(c, verb_words, 0, len(verb_words)) is None,
                                          -tax.cue_objects_in(c, with_cohort)))
        return own[0], "action-cue"
    return None, "none"


def _record_of_event(tax: Taxonomy, named: str, frame: Frame, verb_words: str, words: DutyWords | None) -> str | None:
    """Recording an event ("Child Protection visits will be recorded", "supervision is recorded")
    is a recording duty: the event's own record topic ("case supervision record"), else the topic
    whose cue is that verb with the event's kind ("recorded" + "visit" -> case recording)."""
    if words is None or frame.verb not in words.recording_lemmas or named_is_document(tax, named, words):
        return None
    record = document_of_event(tax, named, "record", named, words.record_documents)
    if record:
        return record
    kind = named.split()[-1]
    return next((c for c in tax.cue_topics(f"{verb_words} {kind}") if c != named
                 and tax.cue_action_at(c, verb_words, 0, len(verb_words)) is not None), None)


def named_is_document(tax: Taxonomy, topic: str | None, words: DutyWords) -> bool:
    """Whether ``topic`` is itself a document or recording duty (its name ends in a document
    word, or its own cues name a recording verb)."""
    if not topic:
        return False
    if stem(topic.split()[-1]) in words.record_documents:
        return True
    return any(tax.cue_action_at(topic, verb, 0, len(verb)) is not None for verb in words.recording_lemmas)


def _document_of_named(tax: Taxonomy, named: str, term: str, head_lemma: str | None, head: str) -> str | None:
    """"the minutes of the core group": the head noun is outside the named term, and another
    topic has a synonym made of both ("core group minutes" -> "core group record")."""
    if not head_lemma:
        return None
    term_words = set(re.findall(r"[a-z]+", term.lower()))
    head_words = [w for w in re.findall(r"[a-z]+", head.lower()) if w.startswith(head_lemma[:4])]
    if not head_words or head_words[0] in term_words:
        return None
    word = head_words[0]
    for t in tax.topics.values():
        if t.name == named:
            continue
        for synonym in (t.name, *t.synonyms):
            words = set(re.findall(r"[a-z]+", synonym.lower()))
            if word in words and term_words <= words:
                return t.name
    return None


def outside_owned_names(tax: Taxonomy, sentence: str, matches: list[TermMatch]) -> list[TermMatch]:
    """Cohort matches that are not part of the name of a duty whose topic says whom it is about
    ("child protection conference" inside "initial child protection conference" names no plan)."""
    owned = [(t, tax.topics[t.canonical].cohort) for t in tax.find("topics", sentence)
             if tax.topics[t.canonical].cohort]
    return [m for m in matches
            if not any(t.start <= m.start and m.end <= t.end and (t.end - t.start) > (m.end - m.start)
                       and cohort != m.canonical for t, cohort in owned)]


# Prepositions after which a named service or status is where children go, not where they are.
_DESTINATION_PREPS = frozenset({"to", "into"})


_STATUS_WORDS: dict[int, set[str]] = {}


def _status_words(tax: Taxonomy) -> set[str]:
    """Word-and-preposition pairs the cohorts' names use for a status ("subject to")."""
    if id(tax) in _STATUS_WORDS:
        return _STATUS_WORDS[id(tax)]
    pairs = _STATUS_WORDS[id(tax)] = set()
    for entry in tax.cohorts.values():
        for term in (entry.name, *entry.synonyms):
            words = term.lower().split()
            pairs |= {f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if b in _DESTINATION_PREPS}
    return pairs


def names_destination(tax: Taxonomy, text: str, match: TermMatch) -> bool:
    """Whether a heading names a cohort only as a destination: the term is the object of "to" /
    "into" ("Closing cases and transfer to Early Help", "Move into Adult Services") and has no
    word for people, so the section is about moving cases there, not about children already there
    ("Visits to Children in Care" names the children; "Children subject to a plan" their status).
    Read from the parse."""
    people = {w.lower() for w in tax.words("person_nouns")}
    if any(w in people for w in re.findall(r"[a-z]+", match.term.lower())):
        return False
    doc = parse(text)
    head = next((t for t in doc if t.idx < match.end <= t.idx + len(t.text) + 1 and t.idx >= match.start), None)
    while head is not None and head.dep_ in ("compound", "amod") and head.head.i != head.i:
        head = head.head
    if head is None or head.dep_ != "pobj" or head.head.lower_ not in _DESTINATION_PREPS:
        return False
    # What "to" hangs on must be a movement, not the children's status: an adjective ("subject
    # to") or a phrase naming people ("CHILD SUBJECT TO A ... PLAN") describes whom, not where.
    governor = head.head.head
    if _status_words(tax) & {f"{governor.lower_} {head.head.lower_}"}:
        return False  # "subject to" (a parse may read "subject" as a noun): a cohort's own words for a status
    described = [governor, *(t for left in governor.lefts for t in left.subtree)]
    return governor.pos_ != "ADJ" and not any(t.lower_ in people or t.lemma_.lower() in people for t in described)


def qualifiers(tax: Taxonomy, cohort: str | None, sentence: str, frame: Frame, row: str | None,
               headings: list[str], words: DutyWords, item_label: str | None = None,
               skip: list[str] | None = None) -> list[str]:
    """What narrows the cohort: other cohorts the sentence names (by canonical name, once), ages and
    ratings in the document's words, a list item's adjective label ("Stable Children in Need"),
    and the cohort a table row or a lower heading names ("Children with Disabilities" sections).

    Words in ``skip`` (the anchor and condition phrases) name when, not whom. A heading naming
    several cohorts ("Child in Care and Care Leavers") narrows nothing.
    """
    out: list[str] = []
    seen: set[str] = {(cohort or "").lower(), "all children"}

    def add(text: str) -> None:
        text = " ".join(text.replace("*", "").split()).strip(" ,;:-")
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)

    blocked = " ".join(skip or []).lower()
    for m in outside_owned_names(tax, sentence, tax.find("cohorts", sentence)):
        if m.term.lower() not in blocked:
            add(m.canonical)
    for mod in frame.modifiers:
        if _names_when(tax, mod):
            continue
        if re.match(r"^(?:under|over|aged|below|above)\s+\w+", mod, re.I) or _has_phrase(mod, words.qualifier_words):
            add(mod)
            continue
        terms = [m for m in tax.find("cohorts", mod) if m.term.lower() not in blocked]
        rest = mod
        for m in terms:
            rest = rest.replace(m.term, " ")
        # "in more than one placement": a cohort word with words that narrow it (not "with a Child in Care").
        if terms and set(re.findall(r"[a-z]+", rest.lower())) - words.function_words:
            add(mod)
    for head in frame.cohort_heads:  # "CIN stable cases": which cases
        add(head)
    # Whatever follows a people noun in the sentence or the table row and says which of them
    # ("young people aged 16-21", "a child with an education plan"), unless it says when.
    row_mods = people_modifiers(parse(row), set(), tax) if row else []
    for mod in [*frame.people_modifiers, *row_mods]:
        terms = tax.find("cohorts", mod)
        if _names_when(tax, mod) or mod.lower() in blocked or (
                any(m.canonical == cohort for m in terms) and all(m.canonical == cohort for m in terms)):
            # (when, or the chosen cohort said again: "children subject to protection plans"; one
            # naming others too says which of them: "with connected carers or parents under a care order")
            continue
        rest = mod
        for m in terms:
            rest = rest.replace(m.term, " ")
        if set(re.findall(r"[a-z]+", rest.lower())) - words.function_words:
            add(mod)
    found = _has_phrase(sentence, words.qualifier_words)
    if found is not None and found.group(0).lower() not in blocked:
        add(found.group(0))
    if item_label and "\t" not in sentence:
        terms = tax.find("cohorts", item_label)
        # An adjective before the cohort's name ("Stable Children in Need"), not a table row's label.
        if terms and item_label.rstrip(" :").endswith(terms[-1].term) and item_label[:terms[-1].start].strip():
            add(item_label.rstrip(" :"))
    for context in (row, *headings):
        names = {m.canonical for m in tax.find("cohorts", context or "") if not names_destination(tax, context or "", m)}
        if len(names) == 1:
            name = names.pop()
            if not (cohort and _broader_name(tax, name, cohort)):
                add(name)
    return out


def rating(sentence: str, ts: Timescale, words: DutyWords) -> str | None:
    """The rating on the subject of the figure's own clause, in the document's words ("amber
    cases will be seen within 2 days, red cases within 4 hours" -> "amber cases" for the first):
    a rating colour modifying the subject of the figure's verb or of a verb governing it."""
    if not words.rating_words:
        return None
    doc = parse(sentence)
    span = doc.char_span(to_parse(doc, ts.start), to_parse(doc, ts.end), alignment_mode="expand")
    verb = governing_verb(doc, span) if span is not None else None
    for _ in range(3):
        if verb is None:
            return None
        for subject in (c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")):
            colour = next((c for c in subject.children if c.dep_ in ("amod", "compound")
                           and c.lower_ in words.rating_words), None)
            if colour is not None:
                return f"{colour.text} {subject.text}"
        if verb.head.i == verb.i or verb.dep_ not in ("ccomp", "xcomp", "conj", "advcl"):
            return None
        verb = verb.head
    return None


def _broader_name(tax: Taxonomy, wider: str, cohort: str) -> bool:
    """Whether a heading's cohort is the chosen cohort's own people named more broadly: one of its
    names ends the cohort's name ("foster carers" of "prospective foster carers"), so it says
    nothing narrower (and "approved" would contradict "prospective")."""
    def names(name: str) -> list[list[str]]:
        entry = tax.cohorts.get(name)
        return [n.lower().split() for n in (name, *(entry.synonyms if entry is not None else ())) if n.split()]

    # Only the heading cohort's names for its people (ending as its name does, "... carers"), of two
    # words or more: a one-word or other-headed synonym ("placement", "care order") names a thing.
    people = [w for w in names(wider) if len(w) >= 2 and w[-1] == wider.lower().split()[-1]]
    return any(len(w) < len(c) and c[-len(w):] == w for w in people for c in names(cohort))


def _names_when(tax: Taxonomy, modifier: str) -> bool:
    """A modifier that places the duty in time ("following the initial child protection
    conference", "before the review"): an anchor relation word opening a phrase naming an event.
    It says when, not whom, so it never narrows the cohort."""
    from extractors.timescale import _grammar  # the one list of relation words

    words = modifier.lower().split()
    relations = {r for r in _grammar().relation_kind if r != "of"}  # "of" also joins whom ("children of ...")
    opens = any(words[:len(r.split())] == r.split() for r in relations)
    return opens and bool(tax.find("anchors", modifier))


def document_of_event(tax: Taxonomy, topic: str | None, obj: str | None, anchor: str | None,
                      record_documents: frozenset[str] = frozenset()) -> str | None:
    """The topic of a document about the anchor event: "the report ... before the review" is the
    review's report, "the minutes ... after the conference" the conference's record.

    A topic named "<event> <document>" fits when the object names its document (its last word or
    one of its action words, e.g. "minutes") and the event's words are all in the anchor. With
    ``record_documents`` (stemmed) only topics whose name ends in one of them are documents, and
    only those words name their documents: "moved into their adoptive placement ... from becoming
    looked after" names no document of a review. Words compare without a plural "s" ("records").
    """
    if not obj or not anchor:
        return None
    obj_words = stems(obj)
    anchor_words = stems(anchor)
    topic_head = stem((topic or "").split()[-1]) if topic else None
    best: tuple[int, str] | None = None
    for t in tax.topics.values():
        words = t.name.split()
        head, event = stem(words[-1]), {stem(w) for w in words[:-1]}
        if record_documents and head not in record_documents:
            continue
        if not event or t.name == topic or topic_head == head or head in anchor_words:
            # (a topic whose last word is in the anchor is the event itself, not a document about it)
            continue
        # Its document words: the last word of its name and of its multi-word synonyms ("core group
        # minutes", "core group notes"), unless that word is the event itself.
        documents = {head} | {stem(w.split()[-1]) for w in t.synonyms if len(w.split()) > 1} - anchor_words
        if record_documents:
            documents &= record_documents
        names_document = bool(documents & obj_words) or tax.cue_action_at(t.name, obj, 0, len(obj)) is not None
        if names_document and event <= anchor_words and (best is None or len(event) > best[0]):
            best = (len(event), t.name)
    return best[1] if best else None
