"""What a sentence says is done, and to or by what: its predicates and their arguments.

For every current sentence the extraction stage records, once, the lemmas of its predicates
(the root verb and the verbs it governs, each relative clause's verb, the verb ending a list
lead) and, per predicate, the head lemmas of its arguments: its subject (passive or active),
its object, its passive agent, and, for a relative clause, the noun the clause attaches to. The
answer layer reads them from the store (table ``sentence_predicates``, keyed by the sentence's
``content_hash``) to tell whether a sentence says the very thing a who / what question asks
("What must a pathway plan include?" is answered by a sentence in which a plan includes, not by
one in which a review does), and never parses a candidate sentence while answering.

A pronoun argument ("It must include ...") takes the noun before it in its sentence, failing that
the subject of the clause's sentence before it and the nouns of its nearest heading; when there
are none the argument is open and agrees with anything. First and second person ("you must include", "we will record") name the
reader or writer, not what is done to, and are left out.

Everything here is grammar from spaCy's parse (``extractors.frame.parser``, the pinned English
model) plus the taxonomy's topic names for each argument phrase (so "ICPC" and "the initial
child protection conference" agree); the only word list is ``data/predicate_words.yaml``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
WORDS_PATH = DATA / "predicate_words.yaml"

# Dependency labels by which a clause's predicate governs another predicate of the same clause:
# "needs to be attended" (xcomp), "is completed ... and explicitly details" (conj), "ensure that
# it includes" (ccomp). A modifier clause ("when allocating", "if it is not possible": advcl) or a
# preposition-like participle ("including") states circumstances, not what the clause does.
PREDICATE_DEPS = frozenset({"xcomp", "ccomp", "conj"})
# A predicate's own arguments: subjects (active, passive), direct object, attribute.
_ARGUMENT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
# Longest argument phrase whose topics are read, in tokens (a longer subtree is a clause or a list).
MAX_ARGUMENT_TOKENS = 10
# Sentences handed to the parser per batch (spaCy's default ``pipe`` batch size).
PARSE_BATCH = 64


@lru_cache(maxsize=1)
def _words() -> dict[str, frozenset[str]]:
    data = yaml.safe_load(WORDS_PATH.read_text(encoding="utf-8")) or {}
    return {key: frozenset(str(w).lower() for w in data.get(key) or []) for key in
            ("light_verbs", "question_words", "pronouns", "person_pronouns")}


def light_verbs() -> frozenset[str]:
    """Verbs that carry no action of their own ("be", "do", "need"): the verb asked about or
    stated is the one they govern (``data/predicate_words.yaml``)."""
    return _words()["light_verbs"]


@dataclass(frozen=True)
class Argument:
    """What a predicate is done to or by: the head lemmas of its argument phrases, the taxonomy
    topics those phrases name, and whether one of them is a pronoun nothing resolved (``open``)."""

    heads: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    open: bool = False
    acronyms: frozenset[str] = frozenset()  # heads written as an abbreviation ("PPMs" -> ppm)
    initials: frozenset[str] = frozenset()  # what the phrases abbreviate to ("planning meetings" -> pm)
    guessed: bool = False  # some head stands in for a pronoun ("it includes"): a reading, not the text

    @property
    def named(self) -> bool:
        """Whether any argument is stated (a question naming none keeps the verb alone)."""
        return bool(self.heads or self.topics)


@dataclass(frozen=True)
class Predicate:
    """One predicate of a sentence: its verb lemma and its arguments."""

    verb: str
    argument: Argument

    def to_json(self) -> list:
        """Compact stored form: ``[verb, heads, topics, open, acronyms, initials, guessed]``."""
        a = self.argument
        return [self.verb, sorted(a.heads), sorted(a.topics), int(a.open), sorted(a.acronyms), sorted(a.initials),
                int(a.guessed)]

    @classmethod
    def from_json(cls, item: list) -> Predicate:
        """Inverse of ``to_json``."""
        verb, heads, topics, is_open, *rest = item
        acronyms, initials, guessed = (rest + [[], [], 0][len(rest):])[:3]
        return cls(verb, Argument(frozenset(heads), frozenset(topics), bool(is_open), frozenset(acronyms),
                                  frozenset(initials), bool(guessed)))


def agrees(asked: Argument, stated: Argument) -> bool:
    """Whether a sentence predicate's arguments are about what the question asks about: a head
    lemma in common ("the conference" / "the review conference"), or a taxonomy topic both
    phrases name ("ICPC" / "initial child protection conference"), or an abbreviation written in
    capitals that is the other phrase's initials ("PPMs" / "permanency planning meetings"); a
    head in common counts unless both phrases' modifiers name different kinds of it. A
    predicate stating no
    argument, or one only an unresolved pronoun fills, does not contradict the question."""
    if not asked.named or stated.open or not stated.named:
        return True
    if asked.topics & stated.topics or asked.initials & stated.acronyms or asked.acronyms & stated.initials:
        return True
    common = asked.heads & stated.heads
    if not common:
        return False
    # The same head noun whose modifiers name another kind of it ("pathway plan" / "safety
    # plan": initials pp / sp) is another thing; a bare head ("the plan") or modifiers in
    # common ("supervision record" / "case supervision record": sr) is the same. Initials are
    # kept for all of a predicate's phrases together, so only those ending in a common head's
    # initial are read as that head's.
    ends = {head[0] for head in common if head}
    mine = {i for i in asked.initials if i[-1] in ends}
    theirs = {i for i in stated.initials if i[-1] in ends}
    return not (mine and theirs) or bool(mine & theirs)


def predicate_chain(root: Any) -> list[Any]:
    """The root and the predicates it governs (``PREDICATE_DEPS``), in reading order."""
    out, stack = [], [root]
    while stack:
        tok = stack.pop()
        out.append(tok)
        stack.extend(c for c in tok.children if c.dep_ in PREDICATE_DEPS and c.pos_ in ("VERB", "AUX"))
    return sorted(out, key=lambda t: t.i)


def predicate_tokens(doc: Any) -> list[Any]:
    """Tokens of what a parsed sentence (spaCy ``Doc``) says is done: its root verb and the verbs
    that root governs, the verb of each relative clause ("the manager who will chair it" says who
    chairs), and the word ending a list lead; light verbs left out (``light_verbs``)."""
    light = light_verbs()
    found: dict[int, Any] = {}
    for sent in doc.sents:
        found.update((t.i, t) for t in predicate_chain(sent.root) if t.pos_ == "VERB")
    found.update((t.i, t) for t in doc if t.dep_ == "relcl" and t.pos_ == "VERB")
    # A list lead introduces its list as the object of the word ending it ("... and explicitly
    # details:"); the tagger may read that verb as a plural noun, but a noun takes no adverb.
    words = [t for t in doc if not t.is_punct]
    if words and doc.text.rstrip().endswith(":"):
        last = words[-1]
        if last.pos_ == "VERB" or any(c.dep_ == "advmod" and c.pos_ == "ADV" for c in last.children):
            found[last.i] = last
    return [t for _, t in sorted(found.items()) if t.lemma_.lower() not in light]


def predicate_lemmas(doc: Any) -> frozenset[str]:
    """Lemmas of what a parsed sentence says is done (``predicate_tokens``)."""
    return frozenset(t.lemma_.lower() for t in predicate_tokens(doc))


def _argument_tokens(verb: Any) -> list[Any]:
    """The tokens filling ``verb``'s arguments: its own subject, object, attribute and passive
    agent; a governed verb without a subject of its own takes its governor's ("the plan needs to
    include"); a relative clause's verb also the noun it attaches to; a list lead's final word
    the subject of the verb it hangs from."""
    out = [c for c in verb.children if c.dep_ in _ARGUMENT_DEPS]
    out += [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    # A clausal subject's own subject: the parser may read "Details of the information gathered
    # should be included" as a clause ("gathered") subject holding "Details".
    out += [g for c in verb.children if c.dep_ in ("csubj", "csubjpass") for g in c.children
            if g.dep_ in _SUBJECT_DEPS]
    # spaCy makes a new Token object on each access: tokens are compared by index (a root is
    # its own head).
    if verb.dep_ in ("relcl", "acl") and verb.head.i != verb.i:
        out.append(verb.head)
    tok = verb
    while not any(c.dep_ in _SUBJECT_DEPS for c in tok.children) and tok.head.i != tok.i and (
            tok.dep_ in PREDICATE_DEPS or tok.pos_ != "VERB"):
        tok = tok.head
        out += [c for c in tok.children if c.dep_ in _SUBJECT_DEPS]
    # Coordinated arguments are arguments too ("the plan and the review must include").
    return out + [c for a in out for c in a.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")]


def _phrase(head: Any) -> str:
    """The words of an argument phrase for topic matching: its subtree when short, else the head
    with its compound and adjective modifiers."""
    tokens = list(head.subtree)
    if len(tokens) > MAX_ARGUMENT_TOKENS:
        tokens = [t for t in head.lefts if t.dep_ in ("compound", "amod")] + [head]
    return " ".join(t.text for t in tokens)


# Length of an abbreviation read from capitals or initials, in letters: one letter is no
# abbreviation, and past six the capitals are a shouted word or a heading, not a short form.
ABBREVIATION_LETTERS = (2, 6)


def _acronym(tok: Any) -> str | None:
    """The lower-cased abbreviation a token writes in capitals ("PPMs" -> ppm), else None."""
    text = tok.text[:-1] if tok.text.endswith("s") and len(tok.text) > 2 else tok.text
    lo, hi = ABBREVIATION_LETTERS
    return text.lower() if text.isalpha() and text.isupper() and lo <= len(text) <= hi else None


def _initials(head: Any) -> set[str]:
    """What the phrase headed by ``head`` abbreviates to: the initials of the head and each run
    of the noun and adjective modifiers right before it ("future permanency planning meetings"
    -> pm, ppm, fppm)."""
    # The words right before the head inside its phrase that modify it, however nested
    # ("orchard planning meetings": orchard modifies planning, which modifies meetings).
    inside = {t.i for t in head.subtree}
    words = [head]
    i = head.i - 1
    while i >= 0 and i in inside and head.doc[i].dep_ in ("compound", "amod", "nmod") and head.doc[i].is_alpha:
        words.insert(0, head.doc[i])
        i -= 1
    lo, hi = ABBREVIATION_LETTERS
    return {"".join(t.text[0].lower() for t in words[k:]) for k in range(len(words))
            if lo <= len(words) - k <= hi}


def _nouns(tokens: Iterable[Any]) -> list[Any]:
    return [t for t in tokens if t.pos_ in ("NOUN", "PROPN")]


def _heading_heads(heading: Any) -> set[str]:
    """Lemmas a heading names things by: its nouns and its last word (a heading is a noun
    phrase, though parsed alone its last word may be tagged a verb: "Garden plans")."""
    words = [t for t in heading if not t.is_punct and not t.is_stop]
    return {t.lemma_.lower() for t in _nouns(words)} | ({words[-1].lemma_.lower()} if words else set())


def subject_heads(doc: Any) -> list[Any]:
    """The subjects of a parsed sentence's main predicates: what an "it" in the next sentence
    most often stands for ("The review is arranged by the manager. It will be chaired by ...")."""
    return [c for sent in doc.sents for tok in predicate_chain(sent.root) for c in tok.children
            if c.dep_ in _SUBJECT_DEPS and c.pos_ in ("NOUN", "PROPN")]


def read_argument(tokens: list[Any], earlier: list[Any], heading: Any | None, taxonomy: Any | None,
                  resolve: bool = True, before: Any | None = None) -> Argument:
    """The ``Argument`` of argument tokens: wh-words and first / second person left out; a third
    person pronoun read as the nearest noun before it in its sentence (``earlier``: the
    sentence's tokens), failing that the subject of the clause's sentence before (``before``, a
    parsed sentence) and the nouns of ``heading`` (a parsed heading), failing those open.
    ``resolve=False`` (a question) leaves a pronoun out instead."""
    words = _words()
    heads: set[str] = set()
    phrases: list[str] = []
    acronyms: set[str] = set()
    initials: set[str] = set()
    is_open = False
    guessed = False
    for tok in tokens:
        lemma = tok.lemma_.lower()
        low = tok.lower_
        if low in words["question_words"] or low in words["person_pronouns"]:
            continue
        if tok.pos_ == "PRON" or low in words["pronouns"]:
            if not resolve:
                continue
            guessed = True
            inside = _nouns(t for t in earlier if t.i < tok.i)
            if inside:
                heads.add(inside[-1].lemma_.lower())
                phrases.append(_phrase(inside[-1]))
                continue
            previous = subject_heads(before) if before is not None else []
            heads.update(t.lemma_.lower() for t in previous)
            phrases.extend(_phrase(t) for t in previous)
            if heading is not None and _heading_heads(heading):
                heads.update(_heading_heads(heading))
                phrases.append(heading.text)
            elif not previous:
                is_open = True
            continue
        heads.add(lemma)
        phrases.append(_phrase(tok))
        short = _acronym(tok)
        if short:
            acronyms.add(short)
        initials.update(_initials(tok))
    topics: set[str] = set()
    if taxonomy is not None:
        for phrase in phrases:
            topics.update(_topic_names(taxonomy, phrase))
    # A topic's canonical name is a noun phrase headed by its last word: "ICPC" names the
    # initial child protection conference, so it is also a "conference".
    heads.update(name.split()[-1].lower() for name in topics if name.split())
    return Argument(frozenset(heads), frozenset(topics), is_open, frozenset(acronyms), frozenset(initials), guessed)


def _topic_names(taxonomy: Any, text: str) -> list[str]:
    out = []
    for item in taxonomy.match_topics(text) or []:
        name = item[0] if isinstance(item, tuple | list) else getattr(item, "canonical", item)
        if isinstance(name, str):
            out.append(name)
    return out


def sentence_predicates(doc: Any, heading: Any | None, taxonomy: Any | None,
                        before: Any | None = None) -> list[Predicate]:
    """Every predicate of a parsed sentence with its arguments (see the module docstring);
    ``before``: the clause's sentence before it, parsed (what a leading pronoun may stand for)."""
    return [Predicate(v.lemma_.lower(), read_argument(_argument_tokens(v), list(doc), heading, taxonomy,
                                                      before=before))
            for v in predicate_tokens(doc)]


def asked_argument(verb: Any, taxonomy: Any | None) -> Argument:
    """What a question asks about with its verb: the verb's arguments other than the question
    word and pronouns ("What must a pathway plan include?" -> plan; "Who chairs the conference?"
    -> conference; "Who chairs it?" -> nothing: today's verb alone decides)."""
    return read_argument(_argument_tokens(verb), list(verb.doc), None, taxonomy, resolve=False)


@lru_cache(maxsize=1)
def predicates_version() -> str:
    """A hash of what the stored predicates depend on: this module, its word list and the
    taxonomy (topic names of arguments). A row of another version is computed again."""
    digest = hashlib.sha256()
    for file in (Path(__file__), WORDS_PATH, DATA / "taxonomy.yaml"):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _stale(conn: Any, version: str) -> dict[str, tuple[str, str, str, int]]:
    """Current sentences with no predicates of this version: content_hash -> (text, heading,
    clause id, ordinal)."""
    rows = conn.execute(
        "SELECT s.content_hash, s.text, c.heading_path, s.clause_id, s.ordinal FROM sentences s "
        "JOIN clauses c ON c.id = s.clause_id WHERE s.is_current = 1 AND NOT EXISTS "
        "(SELECT 1 FROM sentence_predicates p WHERE p.content_hash = s.content_hash AND p.version = ?)",
        (version,),
    ).fetchall()
    out: dict[str, tuple[str, str, str, int]] = {}
    for key, text, heading_path, clause_id, ordinal in rows:
        path = json.loads(heading_path) if heading_path else []
        out.setdefault(key, (text, path[-1] if path else "", clause_id, int(ordinal)))
    return out


def _sentences_before(conn: Any, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """(clause id, ordinal) -> that sentence's text, for the sentences before stale ones."""
    out: dict[tuple[str, int], str] = {}
    clause_ids = sorted({cid for cid, _ in wanted})
    for i in range(0, len(clause_ids), 500):
        chunk = clause_ids[i:i + 500]
        for cid, ordinal, text in conn.execute(
            f"SELECT clause_id, ordinal, text FROM sentences WHERE clause_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            if (cid, int(ordinal)) in wanted:
                out[(cid, int(ordinal))] = text
    return out


def sync_predicates(conn: Any, taxonomy: Any | None = None) -> int:
    """Record the predicates of every current sentence that has none of this version (new
    sentences, or all of them after the rules changed). Returns how many were parsed. Call it
    inside the transaction that wrote the sentences (``service.pipeline``).

    A row is keyed by the sentence's content hash (its heading, row, list lead and text), so an
    identical sentence elsewhere shares it; the sentence before it (for a leading pronoun) is the
    one of the first place it was found."""
    from extractors.frame import parser
    from ingest.normalise import plain_text

    if taxonomy is None:
        from extractors.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    version = predicates_version()
    todo = _stale(conn, version)
    if not todo:
        return 0
    nlp = parser()
    keys = list(todo)
    previous = _sentences_before(conn, {(cid, n - 1) for _, _, cid, n in todo.values() if n > 0})
    texts = list(dict.fromkeys([plain_text(todo[k][0]) for k in keys] + [plain_text(t) for t in previous.values()]
                               + [h for _, h, _, _ in todo.values() if h]))
    parsed = dict(zip(texts, nlp.pipe(texts, batch_size=PARSE_BATCH), strict=True))
    rows = []
    for key in keys:
        text, heading, clause_id, ordinal = todo[key]
        before = previous.get((clause_id, ordinal - 1))
        found = sentence_predicates(parsed[plain_text(text)], parsed[heading] if heading else None, taxonomy,
                                    before=parsed[plain_text(before)] if before else None)
        rows.append((key, version, json.dumps([p.to_json() for p in found], separators=(",", ":"))))
    conn.executemany(
        "INSERT INTO sentence_predicates(content_hash, version, data) VALUES (?, ?, ?) "
        "ON CONFLICT(content_hash) DO UPDATE SET version = excluded.version, data = excluded.data",
        rows,
    )
    return len(rows)


def load_predicates(conn: Any) -> dict[str, list[Predicate]]:
    """content_hash -> its predicates, for every current sentence that has them stored (any
    version: an older row is still the best reading there is until the next extraction)."""
    rows = conn.execute(
        "SELECT p.content_hash, p.data FROM sentence_predicates p WHERE p.content_hash IN "
        "(SELECT content_hash FROM sentences WHERE is_current = 1)"
    ).fetchall()
    return {key: [Predicate.from_json(item) for item in json.loads(data)] for key, data in rows}
