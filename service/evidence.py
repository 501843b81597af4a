"""Evidence first: the sentences that could answer a question, scored.

The candidates are the clauses hybrid search retrieves for each authority in scope and every
sentence of them, whatever topic the extractor gave (or did not give) their obligations. Each
sentence is described by a few named features (``FEATURES``) and scored with one weight per
feature (``Weights``). The taxonomy's topic, cohort, qualifiers and anchors are features
like the others: they reorder candidates, they never remove one.

Cost per question: the question is embedded once (``ServiceState.prepare``) and that vector
serves both the dense search and every sentence score; sentence vectors are read from the
store (embedded at ingest), never computed here; facts about a sentence (its figures, words,
roles, cohort) are derived once per store generation and cached.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from extractors.predicates import Predicate, agrees, load_predicates
from extractors.records import Obligation, Timescale
from index.embedder import clause_text_for, text_hash
from index.lexical import STOPWORDS, prefix_frequency
from index.records import Hit, SearchFilters
from index.sentences import SentenceRow, sentence_vectors, sentences_of
from ingest.normalise import plain_text
from ingest.records import Clause
from ingest.sentences import list_leads
from ingest.store import current_clauses
from service.question import (
    Question,
    age_bands,
    bands_overlap,
    event_stages,
    find_qualifiers,
    gives_a_reason,
    names_a_condition,
    points_back,
    scored_topics,
    states_a_count,
    stem,
    verb_form_stems,
)
from service.state import ServiceState

# Clauses retrieved per authority; their sentences are the candidates. The right clause was in
# hybrid search's top 5 for 0.98 of the development questions (README, Recall@5), but a long
# question with several parts (a comparison, a colloquial one) ranks short list items lower;
# 15 leaves room for the sentence scores to find them, at a few hundred sentences at most.
CLAUSES_PER_AUTHORITY = 15
# Up to this many authorities in scope are searched one by one (each gets its own candidates);
# beyond it one search over all of them is shared out, so a question naming no authority costs
# one search, not one per authority held.
SEPARATE_SEARCHES_MAX = 4
# Cap on the shared search's depth.
POOLED_SEARCH_MAX = 200
# A figure this close (characters) to a question's qualifier word ("first", "stage two") is
# read as that qualifier's figure.
QUALIFIER_WINDOW = 60
# How many following sentences a lead sentence ending in ":" carries as its list items.
MAX_LIST_ITEMS = 8

FEATURES = (
    "sentence_similarity",  # cosine of the question and the sentence (with its heading) vectors
    "clause_similarity",  # cosine of the question and the whole clause (with context) vectors
    "lexical_sentence",  # IDF-weighted share of the question's words found in the sentence
    "lexical_context",  # ... in the sentence, its headings, table row, role column and list lead
    "subject_found",  # ... like lexical_context, without the words naming the cohort (what, not whom)
    "retrieval_rank",  # 1 / (1 + rank of its clause in hybrid search for this authority)
    "kind_match",  # the sentence gives the kind of answer asked for (a frequency, a role, a list ...)
    "kind_other",  # a timescale question, but the sentence's figures are of the other kind
    "no_figure",  # a timescale question, and the sentence states no figure
    "topic_label",  # an obligation stated in the sentence carries a topic the question names
    "topic_context",  # the clause (headings, row, text) names a topic the question names
    "topic_other",  # the sentence's obligations all carry topics the question does not name
    "cohort_match",  # the sentence (or its table row) is for the cohort the question names
    "cohort_clash",  # ... for another cohort
    "cohort_narrower",  # the sentence itself names a cohort other than the question's ("babies under 1")
    "condition_unasked",  # the sentence states a condition ("if ...", "where ...") the question does not
    "qualifier_match",  # the sentence names the question's qualifier ("first", "stage two")
    "qualifier_clash",  # the sentence names only another member of that qualifier's set
    "anchor_is_subject",  # the figure runs from the very event asked about ("minutes after the meeting")
    "age_clash",  # the question names an age band and the sentence (or its context) only others
    "stage_clash",  # a deadline question on one end of an event ("be concluded") and a duty only on
    # the other ("contact the officer"): its action (else its sentence) names only the other end
    "verb_match",  # a who / what question's verb ("include", "chair") is what the sentence (or the
    # lead of its list) says is done: its main verb, a verb that one governs, or a relative clause's
    "topic_words_missing",  # IDF-weighted share of the words naming the question's topic (not its
    # cohort) absent from the sentence and its context, when no topic label of it names it either
)


# Not a scored feature: marks a candidate that says the verb a "what" question asks of a
# pronoun read as something else, which may still be what is asked about (``Candidate.can_answer``).
VERB_SAID = "verb_said"

WEIGHTS_PATH = Path(__file__).parent / "answer_weights.yaml"


@dataclass(frozen=True)
class Weights:
    """One weight per feature, and the abstention threshold on the weighted sum.

    The values live in ``service/answer_weights.yaml``, written by ``standards eval fit-answer``
    (service/answer_fit.py), which records there how they were fit: on the development questions
    only (eval/qa-dev.jsonl and ../shared/eval/qa-open-dev.jsonl), never on other authorities'
    questions, which measure how well this generalises. ``sentence_similarity`` is held at 1 (it
    sets the scale); every other weight is chosen by coordinate ascent over a coarse grid, and the
    threshold from the precision/recall table the same command prints.
    """

    sentence_similarity: float = 1.0
    clause_similarity: float = 0.0
    lexical_sentence: float = 0.0
    lexical_context: float = 0.0
    subject_found: float = 0.0
    retrieval_rank: float = 0.0
    kind_match: float = 0.0
    kind_other: float = 0.0
    no_figure: float = 0.0
    topic_label: float = 0.0
    topic_context: float = 0.0
    topic_other: float = 0.0
    cohort_match: float = 0.0
    cohort_clash: float = 0.0
    cohort_narrower: float = 0.0
    condition_unasked: float = 0.0
    qualifier_match: float = 0.0
    qualifier_clash: float = 0.0
    anchor_is_subject: float = 0.0
    age_clash: float = 0.0
    stage_clash: float = 0.0
    verb_match: float = 0.0
    topic_words_missing: float = 0.0
    threshold: float = 0.0
    # A second sentence is stated beside the best when it scores within this of it.
    show_margin: float = 0.0

    def score(self, features: dict[str, float]) -> float:
        """The weighted sum of ``features`` (a feature absent is 0)."""
        # In ``FEATURES`` order, as ever; an absent feature's term (weight x 0.0) is left out: adding
        # zero leaves a float sum unchanged, and a sentence has only a few of the features.
        return sum(weight * features[name] for name, weight in self._terms if name in features)

    @cached_property
    def _terms(self) -> tuple[tuple[str, float], ...]:
        """(feature, weight) in ``FEATURES`` order: read once, not one ``getattr`` per feature per sentence."""
        return tuple((name, getattr(self, name)) for name in FEATURES)

    def vector(self) -> np.ndarray:
        """The feature weights in ``FEATURES`` order."""
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        """Every weight by name (and the threshold)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def load_weights(path: Path = WEIGHTS_PATH) -> Weights:
    """The fitted weights (``service/answer_weights.yaml``); a missing or malformed file is an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    values = data.get("weights") or {}
    known = {f.name for f in fields(Weights)}
    unknown = set(values) - known
    missing = known - set(values)
    if unknown or missing:
        raise ValueError(f"{path}: weights must name exactly {sorted(known)}; "
                         f"unknown {sorted(unknown)}, missing {sorted(missing)}")
    return Weights(**{k: float(v) for k, v in values.items()})


DEFAULT_WEIGHTS = load_weights()


# --- facts about a sentence (cached per store generation) -------------------------------------
@dataclass
class SentenceFacts:
    """What a sentence says, derived once: plain text, figures, words; roles and cohort on demand
    (the taxonomy's matchers are the costly part, so only questions that use them pay)."""

    plain: str
    timescales: list[Timescale]  # the timescale grammar over ``plain`` (spans index ``plain``)
    words: Words  # stems of every word and number, and its runs, for matching the question's words
    qualifiers: list[tuple[int, int]]
    condition: bool
    reason: bool
    lead: bool  # ends with ":" (introduces a list)
    key: str = ""  # the sentence's content_hash: its stored vector and predicates
    _roles: list[tuple[int, int]] | None = None
    _cohort: tuple[str | None] | None = None

    def roles(self, taxonomy: Any) -> list[tuple[int, int]]:
        """Spans of taxonomy roles in ``plain``."""
        if self._roles is None:
            self._roles = [(m.start, m.end) for m in taxonomy.find("roles", self.plain)]
        return self._roles

    def cohort(self, taxonomy: Any) -> str | None:
        """The canonical cohort the sentence names, if any."""
        if self._cohort is None:
            self._cohort = (taxonomy.canonical_cohort(self.plain),)
        return self._cohort[0]


@dataclass
class ClauseFacts:
    """Context of a clause, derived once: its headings' and rows' words, its vector key."""

    context_words: Words  # each heading, the table row and the role column a run of its own
    vector_key: str


def sentence_facts(state: ServiceState, row: SentenceRow) -> SentenceFacts:
    """Facts of one stored sentence (cached per store generation)."""
    cache = state.generation_cache("sentence_facts")
    found = cache.get(row.id)
    if found is None:
        from extractors.timescale import find_timescales

        plain = plain_text(row.text)
        found = SentenceFacts(
            plain=plain,
            timescales=find_timescales(plain),
            words=words_of([plain]),
            qualifiers=find_qualifiers(plain),
            condition=names_a_condition(plain),
            reason=gives_a_reason(plain),
            lead=plain.rstrip().endswith(":"),
            key=row.content_hash,
        )
        cache[row.id] = found
    return found


_TOKEN = re.compile(r"\w+")
# Punctuation that ends a run of words: a phrase is never matched across it ("Child in Need /
# Social Care" holds no "child ... care" phrase). Commas, hyphens and apostrophes do not end one
# ("education, health and care plan" is the phrase), nor does a full stop inside a word
# ("s.47"); a bracketed aside is lifted out into a
# run of its own ("education, health and care (EHC) plans").
_RUN_BREAK = re.compile(r"(?:[;:!?/|\\\[\]{}<>\n\u2022\u2013\u2014]|\.(?!\w))+|\s-\s")
_ASIDE = re.compile(r"\(([^()]*)\)")


def word_stems(text: str) -> frozenset[str]:
    """Stems (``service.question.stem``) of every word and number of ``text``."""
    return frozenset(stem(t) for t in _TOKEN.findall(text.lower().replace("_", " ")))


def content_run(words: list[str]) -> str:
    """The stems of ``words`` without stop words, space-separated and space-padded, so a phrase
    is found by a substring test on whole stems ("children in care" -> " child care ")."""
    kept = [stem(w) for w in words if w not in STOPWORDS]
    return " " + " ".join(kept) + " " if kept else ""


@dataclass(frozen=True)
class Words:
    """A text's words as the question matches them: every stem (for single words) and its runs
    of content stems between punctuation (for phrases), one text's runs never joined to
    another's (a heading and the sentence under it are not one phrase)."""

    stems: frozenset[str] = frozenset()
    runs: tuple[str, ...] = ()

    def __or__(self, other: Words) -> Words:
        return Words(self.stems | other.stems, self.runs + other.runs)

    def has_phrase(self, run: str) -> bool:
        """Whether the padded run of stems ``run`` occurs contiguously in one of the runs."""
        # One substring test over the runs joined by a newline, which no run or stem holds: a
        # match cannot span two runs, so it is a match inside one of them.
        return run in self._joined

    @cached_property
    def _joined(self) -> str:
        return "\n".join(self.runs)


def words_of(texts: list[str]) -> Words:
    """``Words`` of several separate texts (a sentence; or a clause's headings and labels)."""
    stems: set[str] = set()
    runs: list[str] = []
    for text in texts:
        folded = text.lower().replace("_", " ")
        stems.update(stem(t) for t in _TOKEN.findall(folded))
        asides = _ASIDE.findall(folded)
        for part in _RUN_BREAK.split(_ASIDE.sub(" ", folded)) + asides:
            run = content_run(_TOKEN.findall(part))
            if run:
                runs.append(run)
    return Words(frozenset(stems), tuple(runs))


@dataclass(frozen=True)
class QueryGroup:
    """One thing the question names, with the ways it may be written (an abbreviation and its
    expansion form one group), as word stems, and the group's weight (IDF). ``cohort`` marks the
    words that name whom the question is about rather than what. A way of writing it in several
    words is a phrase (``phrases``: its content stems as one padded run): it is found only when
    those words stand together, in that order, stop words and word endings aside."""

    alternatives: tuple[frozenset[str], ...]
    weight: float
    cohort: bool = False
    topics: frozenset[int] = frozenset()  # which of the question's topic names it is part of
    phrases: tuple[str, ...] = ()  # per alternative: its padded run ("" when under two content words)

    def found_in(self, words: Words) -> bool:
        """Is some way of writing it present (a phrase as a phrase, a word as a word)?"""
        for alt, run in self._ways:
            if run:
                if words.has_phrase(run):
                    return True
            elif alt <= words.stems:
                return True
        return False

    @cached_property
    def _ways(self) -> tuple[tuple[frozenset[str], str], ...]:
        """Per alternative: its stems, and its padded run when it is read as a phrase ("" when it
        is read word by word). Worked out once: a question checks every candidate sentence."""
        out = []
        for i, alt in enumerate(self.alternatives):
            run = self.phrases[i] if i < len(self.phrases) else ""
            out.append((alt, run if run.count(" ") > 2 else ""))
        return tuple(out)


def query_groups(state: ServiceState, plan: Any, question: Question) -> list[QueryGroup]:
    """The question's lexical groups (``index.search.QueryPlan.lexical``: framing words and
    authority names dropped, abbreviations grouped with their expansions), weighted by IDF; those
    inside the phrase naming the question's cohort are marked."""
    cohort_stems = word_stems(question.cohort_words) if question.cohort_words else frozenset()
    name_stems = [word_stems(name) - cohort_stems for name in question.topic_names]
    out = []
    for group in plan.lexical.groups:
        kept = [alt for alt in group if alt]
        alts = tuple(frozenset(stem(t) for t in alt) for alt in kept)
        if not alts:
            continue
        phrases = tuple(content_run(alt) for alt in kept)
        weight = max(sum(idf(state, t) for t in alt) / len(alt) for alt in alts)
        is_cohort = bool(cohort_stems) and any(alt <= cohort_stems for alt in alts)
        names = frozenset(i for i, stems in enumerate(name_stems) if not is_cohort and any(alt <= stems for alt in alts))
        out.append(QueryGroup(alts, weight, is_cohort, names, phrases))
    return out


def clause_facts(state: ServiceState, clause: Clause) -> ClauseFacts:
    """Facts of a clause's context (cached per store generation)."""
    cache = state.generation_cache("clause_facts")
    found = cache.get(clause.id)
    if found is None:
        # The document's title is its topmost heading: a page titled "Private fostering" is about
        # private fostering in every clause, though no heading inside it repeats that.
        title = _document_title(state, clause.document_id)
        context = [t for t in (title, *clause.heading_path, clause.cohort_context, clause.role_context) if t]
        found = ClauseFacts(context_words=words_of(context), vector_key=text_hash(clause_text_for(clause)))
        cache[clause.id] = found
    return found


def _document_title(state: ServiceState, document_id: str) -> str | None:
    """A document's title as ingested (all titles read once per store generation)."""
    cache = state.generation_cache("document_titles")
    if not cache:
        with state.lock:
            cache.update(dict(state.conn.execute("SELECT id, title FROM documents").fetchall()))
        cache.setdefault("", None)  # read once, even for a store with no documents
    return cache.get(document_id)


def _context_qualifiers(state: ServiceState, clause: Clause) -> list[tuple[int, int]]:
    """Qualifier words (``find_qualifiers``) of a clause's nearest heading and table row (cached)."""
    cache = state.generation_cache("context_qualifiers")
    found = cache.get(clause.id)
    if found is None:
        label = " ".join(t for t in (clause.heading_path[-1] if clause.heading_path else None,
                                     clause.cohort_context) if t)
        found = cache[clause.id] = find_qualifiers(label) if label else []
    return found


def _label_facts(state: ServiceState, label: str | None, kind: str) -> Any:
    """Topics ("topics") or the cohort ("cohort") a heading or table-row label names; labels
    repeat across clauses, so they are read once per store generation."""
    if not label:
        return {} if kind == "topics" else None
    cache = state.generation_cache("label_" + kind)
    if label not in cache:
        cache[label] = (scored_topics(state.taxonomy, label) if kind == "topics"
                        else state.taxonomy.canonical_cohort(label))
    return cache[label]


def clause_sentences(state: ServiceState, clause_ids: Any) -> dict[str, list[SentenceRow]]:
    """The current sentences of each clause, in order (``index.sentences.sentences_of``), read
    from the store once per generation: gathering the evidence and stating the answer read the
    same clauses, and the next question mostly reads them again."""
    cache = state.generation_cache("sentence_rows")
    ids = list(dict.fromkeys(clause_ids))
    missing = [cid for cid in ids if cid not in cache]
    if missing:
        with state.lock:
            cache.update(sentences_of(state.conn, missing))
    return {cid: cache[cid] for cid in ids}


# Sentence and clause vectors kept in memory (384 float32 each: ~1.5 KB): enough for every
# sentence of a store of ~50 authorities' standards (~30 MB); on a larger store the cache
# starts over when full.
VECTOR_CACHE_MAX = 20_000


def _stored_vectors(state: ServiceState, keys: set[str], model: str) -> dict[str, np.ndarray]:
    """``index.sentences.sentence_vectors`` for ``keys``, each read from the store once: a vector is
    keyed by the hash of its text and the model, so it holds in every later generation too."""
    cache = state.generation_cache("vectors")
    if len(cache) > VECTOR_CACHE_MAX:
        cache.clear()
    missing = [k for k in keys if (model, k) not in cache]
    if missing:
        with state.lock:
            found = sentence_vectors(state.conn, missing, model)
        # A key without a vector is not remembered: a later snapshot may have embedded it.
        cache.update(((model, k), v) for k, v in found.items())
    return {k: v for k in keys if (v := cache.get((model, k))) is not None}


def warm(state: ServiceState) -> None:
    """Derive the facts of every current sentence (with its cohort and roles) and obligation
    anchor now (a snapshot being built), so the first questions after an upload do not pay for
    them; keep each current clause's sentences (``clause_sentences``); load the parser that
    reads a question's relative clauses (``service.question.fold_relative_copulas``) and its
    asked verb; read the sentences' stored predicates (``stored_predicates``)."""
    with state.lock:
        rows = [SentenceRow(*r) for r in state.conn.execute(
            'SELECT id, clause_id, authority, ordinal, start, "end", text, content_hash FROM sentences '
            "WHERE is_current = 1 ORDER BY clause_id, ordinal"
        )]
        clause_ids = [r[0] for r in state.conn.execute("SELECT id FROM clauses WHERE is_current = 1")]
    from service.baseline import load_national, warm_contexts

    load_national()  # parsed once per file version (~0.4 s), before the first question needs it
    from extractors.frame import parser

    parser()  # loaded once per process (~0.6 s): a question with a relative clause is parsed
    by_clause: dict[str, list[SentenceRow]] = {cid: [] for cid in clause_ids}
    for row in rows:
        facts = sentence_facts(state, row)
        # The taxonomy's cohort and role matchers too (~0.1 ms a sentence each): a question naming
        # a cohort reads the cohort of every candidate sentence, hundreds for one asked of every
        # authority, and they would otherwise be matched on the user's time.
        facts.cohort(state.taxonomy)
        facts.roles(state.taxonomy)
        # The topics of the events its figures run from (``anchor_is_subject``), as for duties below.
        for t in facts.timescales:
            if t.anchor:
                _anchor_topics(state, t.anchor)
        if row.clause_id in by_clause:
            by_clause[row.clause_id].append(row)
    state.generation_cache("sentence_rows").update(by_clause)
    with state.lock:
        clauses = current_clauses(state.conn)
    # Every clause's candidate sentences with their leads, context words and obligations: a
    # question asked of every authority otherwise works out a few hundred of them on first use.
    _candidate_slots(state, clauses, by_clause)
    for clause in clauses:
        # What its labels name (``topic_context``, ``cohort_match``, ``qualifier_match``): keyed
        # by the label's words, they are read on first use otherwise, a few hundred labels for a
        # question asked of every authority.
        heading = clause.heading_path[-1] if clause.heading_path else None
        for label in (heading, clause.cohort_context, _document_title(state, clause.document_id)):
            _label_facts(state, label, "topics")
        _label_facts(state, clause.cohort_context, "cohort")
        _context_qualifiers(state, clause)
    embedder = getattr(state.retriever, "_embedder", None)  # never loaded for this (no model: no vectors)
    keys = {r.content_hash for r in rows} | {clause_facts(state, c).vector_key for c in clauses}
    if embedder is not None and len(keys) <= VECTOR_CACHE_MAX:
        # Every current sentence's and clause's stored vector, in one read (~1.5 KB each), rather
        # than a read per question for the clauses it retrieves first.
        _stored_vectors(state, keys, embedder.model_id)
    stored_predicates(state)  # read once per generation: who / what questions look them up
    warm_contexts(state)  # the national comparison's reading of each local duty
    for ob in state.obligations():
        if ob.timescale.anchor:
            _anchor_topics(state, ob.timescale.anchor)


def _anchor_topics(state: ServiceState, anchor: str) -> dict[str, float]:
    cache = state.generation_cache("anchor_topics")
    found = cache.get(anchor)
    if found is None:
        found = cache[anchor] = scored_topics(state.taxonomy, anchor)
    return found


def idf(state: ServiceState, term: str) -> float:
    """Inverse document frequency of a question word's stem over the current clauses (cached).

    Counted by the full-text index with a prefix query on the stem, so "visit" counts visits,
    visited, visiting (FTS5, or PostgreSQL's tsquery: ``index.lexical.prefix_frequency``).
    """
    cache = state.generation_cache("idf")
    found = cache.get(term)
    if found is None:
        counts = state.generation_cache("clause_count")
        with state.lock:
            if "n" not in counts:
                counts["n"] = state.conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
            token = re.sub(r"[^0-9a-z]", "", term.lower())
            df = prefix_frequency(state.conn, token)  # FTS5 prefix query, or tsquery on PostgreSQL
        found = cache[term] = math.log(1 + (counts["n"] + 1) / (df + 1))
    return found


# --- candidates --------------------------------------------------------------------------------
@dataclass
class Candidate:
    """One sentence that could answer the question for one authority, with its features and score."""

    row: SentenceRow
    clause: Clause
    facts: SentenceFacts
    rank: int
    obligations: list[Obligation]
    features: dict[str, float]
    score: float = 0.0
    lead_text: str | None = None  # the list lead this sentence is an item of

    @property
    def authority(self) -> str:
        return self.clause.authority

    @property
    def has_figure(self) -> bool:
        return bool(self.facts.timescales)

    @property
    def names_subject(self) -> bool:
        """Whether the sentence, its context or its labels name what the question is about (every
        word of the topic found, or a topic label or heading naming it)."""
        return not self.features.get("topic_words_missing")

    @property
    def is_other_duty(self) -> bool:
        """Whether it names only another member of a qualifier set the question uses ("stage
        one" for a stage two question), only another age band, or only the other end of the
        event asked about (a duty to contact the officer, for when the enquiry concludes): a
        different duty."""
        return bool(self.features.get("qualifier_clash") or self.features.get("age_clash")
                    or self.features.get("stage_clash"))

    def can_answer(self, question: Question) -> bool:
        """Whether the sentence can answer at all: not when it names only another member of a
        qualifier set the question uses ("stage one" for a stage two question: a different
        duty); a timescale question only with a figure, "how often" only with a frequency, a
        count only with a number of the thing counted; "who does X" only by naming a role or
        the action X."""
        if self.is_other_duty:
            return False
        if question.asks == "how_many":
            return bool(self.features.get("kind_match"))
        if question.asks == "what" and question.verb:
            # "What must a plan include?" asks for the content of a duty: only a list or a
            # sentence saying the verb asked can give it; another sentence about the plan (when
            # it is shared, when it is started) is not an answer, however close. One saying the
            # verb of a pronoun ("it includes") can, whatever the pronoun was read to stand for:
            # that reading is a guess.
            return bool(self.features.get("kind_match") or self.features.get(VERB_SAID))
        if question.asks == "who" and not self.features.get("kind_match") and question.asked_action:
            # Naming no one, it answers "who chairs" only by saying what is chaired, and by whom
            # in words the taxonomy's roles do not hold ("representatives from the Police").
            return question.asked_action in self.facts.words.stems
        if not question.asks_timescale:
            return True
        if question.asks == "how_often":
            return any(t.kind == "frequency" for t in self.facts.timescales)
        return self.has_figure


@dataclass
class Evidence:
    """All candidates per authority in scope (best first), and the retrieved clauses."""

    by_authority: dict[str, list[Candidate]] = field(default_factory=dict)
    hits: dict[str, list[Hit]] = field(default_factory=dict)


def _retrieve(state: ServiceState, question: Question, scope: list[str], prepared: Any) -> dict[str, list[Hit]]:
    """Hybrid search's best clauses per authority in scope (one embedding, shared)."""
    out: dict[str, list[Hit]] = {a: [] for a in scope}
    if len(scope) <= SEPARATE_SEARCHES_MAX:
        for authority in scope:
            out[authority] = state.search(question.search_text, k=CLAUSES_PER_AUTHORITY,
                                          filters=SearchFilters(authorities=[authority]), prepared=prepared)
        return out
    k = min(POOLED_SEARCH_MAX, CLAUSES_PER_AUTHORITY * len(scope))
    for hit in state.search(question.search_text, k=k, filters=SearchFilters(authorities=scope), prepared=prepared):
        per = out.setdefault(hit.clause.authority, [])
        if len(per) < CLAUSES_PER_AUTHORITY:
            per.append(hit)
    return out


def _sentence_obligations(state: ServiceState, row: SentenceRow) -> list[Obligation]:
    """Obligations whose timescale phrase lies in this sentence (offsets into the clause text)."""
    return [ob for ob in state.clause_obligations(row.clause_id)
            if row.start <= ob.timescale.start < row.end or ob.sentence_id == row.id]


def _share(groups: list[QueryGroup], found: Words) -> float:
    """IDF-weighted share of the question's groups found in ``found``."""
    total = sum(g.weight for g in groups)
    if not total:
        return 0.0
    return sum(g.weight for g in groups if g.found_in(found)) / total


def _share_of(groups: list[QueryGroup], found: dict[int, bool]) -> float:
    """``_share`` of ``groups`` when whether each is found is known already (``found``: by ``id``
    of the group), summed in the same order, so the same float."""
    total = sum(g.weight for g in groups)
    if not total:
        return 0.0
    return sum(g.weight for g in groups if found[id(g)]) / total


def _figure_kind_fit(asks: str, timescales: list[Timescale]) -> tuple[float, float, float]:
    """(kind_match, kind_other, no_figure) of a sentence's figures for a timescale question."""
    if not timescales:
        return 0.0, 0.0, 1.0
    wanted = ("frequency",) if asks == "how_often" else ("deadline", "immediate")
    if any(t.kind in wanted for t in timescales):
        return 1.0, 0.0, 0.0
    return 0.0, 1.0, 0.0


def _stage_ends(obligations: list[Obligation], facts: SentenceFacts) -> tuple[frozenset[str], frozenset[str]]:
    """(the ends of an event the sentence names, the ends its duties are on) for ``stage_clash``:
    the duties' ends are those their actions name, failing an action naming one, those of the
    sentence's words outside its figures and their anchors ("before the placement starts" is
    when, not what). Question-independent, so worked out once per sentence (``CandidateSlot``)."""
    named = event_stages(facts.plain)
    done = frozenset().union(*(event_stages(ob.action) for ob in obligations if ob.action))
    if not done:
        rest = facts.plain
        for t in sorted(facts.timescales, key=lambda t: -t.start):
            rest = rest[:t.start] + " " + rest[t.end:]
        for t in facts.timescales:
            if t.anchor_text:
                rest = rest.replace(t.anchor_text, " ")
        done = event_stages(rest)
    return named, done


def _stage_clash(asked: frozenset[str], slot: CandidateSlot) -> float:
    """1.0 when the sentence's duties are all on another end of an event than the one asked about
    (``_stage_ends``) and the sentence nowhere names the asked end ("contact the LADO within one
    working day" for when an enquiry must be concluded)."""
    if slot.named_stages & asked:
        return 0.0
    done = slot.duty_stages
    return 1.0 if done and not done & asked else 0.0


def role_column_answers(question: Question, clause: Clause, facts: SentenceFacts) -> bool:
    """Whether the clause's table role column says who does what a "who" question asks: it
    answers "who is responsible", or "who visits" when the sentence is about visiting, never
    "who chairs" a meeting the sentence only mentions."""
    return bool(clause.role_context) and (
        not question.asked_action or question.asked_action in facts.words.stems)


def stored_predicates(state: ServiceState) -> dict[str, list[Predicate]]:
    """content_hash -> the predicates the extraction stage stored for each current sentence
    (``extractors.predicates``), read once per store generation: a question never parses a
    candidate sentence. A sentence with none stored (a store not yet re-extracted) has none."""
    cache = state.generation_cache("predicates")
    if "" not in cache:
        with state.lock:
            found = load_predicates(state.conn)
        cache.update(found)
        # "" is never a content hash: it marks the generation as read, so a store with no
        # predicates stored yet is not queried again on every question.
        cache[""] = []
    return cache


# How a sentence says the verb a question asks (``verb_agreement``).
SAYS_IT = "says it"  # of what the question asks about
SAYS_IT_OF_A_PRONOUN = "says it of a pronoun"  # of a pronoun read as something else: maybe
SAYS_IT_OF_ANOTHER = "says it of another"  # of something else, named


def verb_agreement(state: ServiceState, question: Question, said: list[SentenceFacts]) -> str | None:
    """How the sentences ``said`` say the verb asked about: ``SAYS_IT`` when one says it and what
    it is done to or by agrees with the question's (``extractors.predicates.agrees``: "What must
    a pathway plan include?" is not answered by what a review includes); ``SAYS_IT_OF_ANOTHER``
    when they say it only of something else they name; ``SAYS_IT_OF_A_PRONOUN`` when only of a
    pronoun taken to stand for something else (the reading may be wrong); None when none says
    the verb. Verbs are compared by stem (``service.question.stem``: "chaired" and "chair" are
    one); only a sentence holding some form of the verb ("written" for "write":
    ``verb_form_stems``) is looked up. The predicates are the stored ones (``stored_predicates``)."""
    verb = question.verb
    forms = verb_form_stems(verb)
    keys = [f.key for f in said if forms & f.words.stems]
    if not keys:
        return None
    wanted = stem(verb)
    stated = [p for key in keys for p in stored_predicates(state).get(key, ()) if stem(p.verb) == wanted]
    if not stated:
        return None
    asked = question.verb_argument
    if any(agrees(asked, p.argument) for p in stated):
        return SAYS_IT
    return SAYS_IT_OF_A_PRONOUN if any(p.argument.guessed for p in stated) else SAYS_IT_OF_ANOTHER


def verb_match(state: ServiceState, question: Question, facts: SentenceFacts, lead: SentenceFacts | None) -> float:
    """1.0 when the verb asked about is what the sentence says is done, or, for an item of a
    list, what its lead says is done ("The plan must include:" for each item), of what the
    question asks about (``verb_agreement``); else 0."""
    said = [f for f in (facts, lead) if f is not None]
    return 1.0 if verb_agreement(state, question, said) == SAYS_IT else 0.0


def features_of(
    state: ServiceState, question: Question, groups: list[QueryGroup], slot: CandidateSlot, clause: Clause,
    rank: int, sim_sentence: float, sim_clause: float, per_clause: dict | None = None,
) -> dict[str, float]:
    """The named features of one candidate sentence (``slot``: its question-independent facts;
    see ``FEATURES``).

    ``per_clause``: a dict kept for one question (``gather``), in which what depends only on the
    question and the clause (its topic context), or on the question alone (``_group_sets``), is
    worked out once for all the sentences."""
    facts, lead, obligations, context = slot.facts, slot.lead, slot.obligations, slot.context
    # Whether each group is in the context: three features read it, each group tested once.
    in_context = {id(g): g.found_in(context) for g in groups}
    subject, named = _group_sets(groups, question, per_clause)
    f: dict[str, float] = {
        "sentence_similarity": sim_sentence,
        "clause_similarity": sim_clause,
        "lexical_sentence": _share(groups, facts.words),
        "lexical_context": _share_of(groups, in_context),
        "subject_found": _share_of(subject, in_context),
        "retrieval_rank": 1.0 / (1 + rank),
    }

    asks = question.asks
    if question.asks_timescale:
        f["kind_match"], f["kind_other"], f["no_figure"] = _figure_kind_fit(asks, facts.timescales)
    elif asks == "who":
        f["kind_match"] = 1.0 if facts.roles(state.taxonomy) else (
            0.5 if role_column_answers(question, clause, facts) else 0.0)
    elif asks == "how_many":
        # A number of the thing counted; a deadline or a section number is not one.
        spans = [(t.start, t.end) for t in facts.timescales if t.kind != "frequency"]
        f["kind_match"] = 1.0 if states_a_count(facts.plain, question.counted, spans) else 0.0
    elif asks == "what":
        # A list, or, for "what must the plan include?", a sentence saying what is included
        # (``verb_match`` below ranks the one saying it with the verb asked above a list
        # introduced by another).
        # A list lead saying the verb asked of another thing ("The safety plan includes:" for
        # what a pathway plan includes) lists something else; of a pronoun read as another
        # thing ("These will include:"), maybe: it can still answer (``VERB_SAID``), unranked.
        own = verb_agreement(state, question, [facts]) if question.verb else None
        said = verb_agreement(state, question, [f for f in (facts, lead) if f is not None]) if question.verb else None
        f["kind_match"] = 1.0 if (facts.lead and own in (None, SAYS_IT)) or said == SAYS_IT else 0.0
        if said == SAYS_IT_OF_A_PRONOUN:
            f[VERB_SAID] = 1.0
    elif asks == "what_if":
        f["kind_match"] = 1.0 if facts.condition else 0.0
    elif asks == "why":
        f["kind_match"] = 1.0 if facts.reason else 0.0
    scores = question.topic_scores
    if scores:
        labelled = [ob.topic for ob in obligations if ob.topic]
        f["topic_label"] = max((scores.get(t, 0.0) for t in labelled), default=0.0)
        # The clause's heading or row names the topic, or another sentence of it is a duty on it.
        key = ("topic_context", clause.id)
        value = per_clause.get(key) if per_clause is not None else None
        if value is None:
            value = _topic_context(state, clause, scores)
            if per_clause is not None:
                per_clause[key] = value
        f["topic_context"] = value
        if labelled and not any(t in scores for t in labelled):
            f["topic_other"] = 1.0
    if question.verb and asks in ("who", "what"):
        f["verb_match"] = verb_match(state, question, facts, lead)
    if named and not f.get("topic_label") and not f.get("topic_context"):
        # Neither its labels nor the words of any topic the question names are there: the
        # sentence is on something else, however close its wording (a conference's timescale
        # for a core group question). The best-found name counts: a question naming the core
        # group and the conference it follows is answered by a sentence on either.
        f["topic_words_missing"] = min(1.0 - _share_of(per, in_context) for per in named)
    if question.cohort:
        own = facts.cohort(state.taxonomy)
        named = {ob.cohort for ob in obligations if ob.cohort} | {
            c for c in (own, _label_facts(state, clause.cohort_context, "cohort")) if c}
        if question.cohort in named:
            f["cohort_match"] = 1.0
        elif named:
            f["cohort_clash"] = 1.0
        if own and own != question.cohort:
            f["cohort_narrower"] = 1.0
    if facts.condition and not question.has_condition:
        f["condition_unasked"] = 1.0
    if question.qualifiers:
        mine = set(question.qualifiers)
        # The sentence's own qualifiers; failing those, its list lead's; failing those, its
        # nearest heading's and table row's: a sentence under "Stage 2" is a stage two duty.
        theirs = set(facts.qualifiers) or (set(lead.qualifiers) if lead is not None else set()) or set(
            _context_qualifiers(state, clause))
        if mine & theirs:
            f["qualifier_match"] = 1.0
        else:
            sets = {s for s, _ in mine}
            if any(s in sets for s, _ in theirs):
                f["qualifier_clash"] = 1.0
    if question.ages:
        # The sentence's own ages; failing those, its list lead's; failing those, its table row's
        # and nearest heading's: "aged 18 to 20" is a different duty from one for 21 to 25.
        theirs = slot.ages
        if theirs and not bands_overlap(question.ages, theirs):
            f["age_clash"] = 1.0
    if question.stages and question.asks in ("when", "how_long"):
        # A deadline's event has ends; a frequency's does not ("visits completed every 6 weeks"
        # answers how often there is contact).
        f["stage_clash"] = _stage_clash(question.stages, slot)
    if question.topics and question.asks_timescale:
        top = question.topics[0]
        anchors = [ob.timescale.anchor for ob in obligations if ob.timescale.anchor]
        anchors += [t.anchor for t in facts.timescales if t.anchor]
        if any(_anchor_topics(state, a).get(top, 0.0) >= 1.0 for a in anchors):
            f["anchor_is_subject"] = 1.0
    return f


def _group_sets(
    groups: list[QueryGroup], question: Question, per_question: dict | None
) -> tuple[list[QueryGroup], list[list[QueryGroup]]]:
    """(the groups naming what the question is about, not whom; per topic name the question
    writes, the groups within it (names with none left out)): question-level, so kept in
    ``per_question`` (``gather``'s dict for one question) rather than rebuilt per sentence."""
    found = per_question.get("group_sets") if per_question is not None else None
    if found is None:
        named = [[g for g in groups if i in g.topics] for i in range(len(question.topic_names))]
        found = ([g for g in groups if not g.cohort], [per for per in named if per])
        if per_question is not None:
            per_question["group_sets"] = found
    return found


def _topic_context(state: ServiceState, clause: Clause, scores: dict[str, float]) -> float:
    """How strongly the clause's nearest heading, table row, document title or duties name a
    topic the question names (``scores``: the question's topics)."""
    heading = _label_facts(state, clause.heading_path[-1] if clause.heading_path else None, "topics")
    row_topics = _label_facts(state, clause.cohort_context, "topics")
    # The document's title is its topmost heading (``clause_facts``): a page titled "Family
    # group conferences" is about them in every clause, though no heading inside repeats it.
    title_topics = _label_facts(state, _document_title(state, clause.document_id), "topics")
    clause_topics = {ob.topic for ob in state.clause_obligations(clause.id) if ob.topic}
    return max(
        (scores[t] * max(heading.get(t, 0.0), row_topics.get(t, 0.0), title_topics.get(t, 0.0),
                         1.0 if t in clause_topics else 0.0)
         for t in scores), default=0.0)


def gather(
    state: ServiceState, question: Question, scope: list[str], weights: Weights = DEFAULT_WEIGHTS
) -> Evidence:
    """Retrieve, split into sentences, score: the candidates of every authority in scope."""
    prepared = state.prepare(question.search_text)
    qvec = np.asarray(prepared.vector, dtype=np.float32).reshape(-1)
    hits = _retrieve(state, question, scope, prepared)
    clauses = {h.clause.id: h for per in hits.values() for h in per}
    rows = clause_sentences(state, clauses)
    model = state.retriever.embedder.model_id
    keys = {r.content_hash for per in rows.values() for r in per}
    ckeys = {cid: clause_facts(state, h.clause).vector_key for cid, h in clauses.items()}
    vectors = _stored_vectors(state, keys | set(ckeys.values()), model)
    evidence = Evidence(hits=hits)
    groups = query_groups(state, prepared.plan, question)
    slots = _candidate_slots(state, [h.clause for h in clauses.values()], rows)
    per_clause: dict = {}  # what depends on the question and a clause only, for all its sentences
    for authority, per in hits.items():
        out: list[Candidate] = []
        for rank, hit in enumerate(per):
            clause = hit.clause
            cvec = vectors.get(ckeys[clause.id])
            sim_clause = float(cvec @ qvec) if cvec is not None else (hit.dense_score or 0.0)
            for slot in slots[clause.id]:
                svec = vectors.get(slot.row.content_hash)
                sim = float(svec @ qvec) if svec is not None else sim_clause
                feats = features_of(state, question, groups, slot, clause, rank, sim, sim_clause, per_clause)
                out.append(Candidate(slot.row, clause, slot.facts, rank, slot.obligations, feats, weights.score(feats),
                                     slot.lead.plain if slot.lead else None))
        out.sort(key=lambda c: (-c.score, c.rank, c.row.ordinal))
        evidence.by_authority[authority] = out
    return evidence


@dataclass(frozen=True)
class CandidateSlot:
    """What a candidate sentence brings whatever the question: its facts, the sentence it leans
    on (``lead``), the words of its context and its obligations. Worked out once per store
    generation (``_candidate_slots``): a question asked of every authority scores a few hundred
    sentences, and the next question mostly retrieves the same clauses."""

    row: SentenceRow
    facts: SentenceFacts
    # The words a sentence leans on: the lead of its list, or the sentence before it when it
    # opens by pointing back ("This will be chaired by ...").
    lead: SentenceFacts | None
    context: Words  # the sentence's, its clause's context's and its lead's words
    obligations: list[Obligation]  # ``_sentence_obligations``
    # The age bands it is for (``age_clash``): the sentence's own; failing those, its list
    # lead's; failing those, its table row's and nearest heading's.
    ages: list[tuple[int, int]]
    named_stages: frozenset[str]  # the ends of an event the sentence names (``_stage_ends``)
    duty_stages: frozenset[str]  # ... and those its duties are on


def _candidate_slots(
    state: ServiceState, clauses: list[Clause], rows: dict[str, list[SentenceRow]]
) -> dict[str, tuple[CandidateSlot, ...]]:
    """Clause id -> a ``CandidateSlot`` per sentence of the clause (``rows``: its sentences), in
    order. Kept for the store generation (a store-wide cache: a lead before the clause and the
    obligations are read from the whole store); the clauses not yet seen are worked out together
    (one ``_leads_before`` query)."""
    cache = state.generation_cache("candidate_slots")
    missing = [c for c in clauses if c.id not in cache]
    if missing:
        before = _leads_before(state, missing)
        for clause in missing:
            cache[clause.id] = _slots_of(state, clause, rows.get(clause.id, []), before.get(clause.id))
    return {c.id: cache[c.id] for c in clauses}


def _slots_of(
    state: ServiceState, clause: Clause, clause_rows: list[SentenceRow], outer: SentenceRow | None
) -> tuple[CandidateSlot, ...]:
    """``_candidate_slots`` of one clause; ``outer``: the lead before it (``_leads_before``)."""
    cfacts = clause_facts(state, clause)
    label = " ".join(t for t in (clause.cohort_context, clause.heading_path[-1] if clause.heading_path else None) if t)
    leads = list_leads([r.text for r in clause_rows])
    # Items opening a clause whose list the previous clause introduces (documents often set a
    # list apart from its lead): the lead is theirs too.
    carried = {i - 1 for i, lead_at in list_leads([outer.text] + [r.text for r in clause_rows]).items()
               if lead_at == 0} if outer is not None else set()
    out = []
    for i, row in enumerate(clause_rows):
        facts = sentence_facts(state, row)
        lead = sentence_facts(state, clause_rows[leads[i]]) if i in leads else (
            sentence_facts(state, outer) if outer is not None and i in carried else (
                sentence_facts(state, clause_rows[i - 1]) if i > 0 and points_back(row.text) else None))
        context = facts.words | cfacts.context_words
        if lead is not None:
            context = context | lead.words
        obligations = _sentence_obligations(state, row)
        ages = age_bands(facts.plain) or (age_bands(lead.plain) if lead is not None else []) or age_bands(label)
        out.append(CandidateSlot(row, facts, lead, context, obligations, ages, *_stage_ends(obligations, facts)))
    return tuple(out)


def _leads_before(state: ServiceState, clauses: list[Clause]) -> dict[str, SentenceRow]:
    """Clause id -> the sentence ending in ":" that introduces the list this clause carries on:
    the last sentence of the clause before it, or, when documents set each item apart in a
    clause of its own ("Within one week ...;" / "Within one working day ...;"), the lead a run of
    up to ``MAX_LIST_ITEMS`` item clauses before it starts from. One query for all of them, and
    each clause's answer is kept for the store generation (the next question mostly retrieves
    the same clauses)."""
    cache = state.generation_cache("leads_before")
    missing = [c for c in clauses if c.id not in cache]
    if missing:
        found = _find_leads_before(state, missing)
        for c in missing:
            cache[c.id] = found.get(c.id)
    return {c.id: cache[c.id] for c in clauses if cache[c.id] is not None}


def _find_leads_before(state: ServiceState, clauses: list[Clause]) -> dict[str, SentenceRow]:
    """``_leads_before`` read from the store."""
    wanted = {(c.document_id, c.version_id): set() for c in clauses if c.ordinal > 0}
    for c in clauses:
        if c.ordinal > 0:
            wanted[(c.document_id, c.version_id)].update(range(max(0, c.ordinal - MAX_LIST_ITEMS), c.ordinal + 1))
    if not wanted:
        return {}
    by_ordinal: dict[tuple[str, int, int], str] = {}
    with state.lock:
        for (doc, version), ordinals in wanted.items():
            for cid, ordinal in state.conn.execute(
                "SELECT id, ordinal FROM clauses WHERE document_id = ? AND version_id = ? AND is_current = 1 "
                f"AND ordinal IN ({','.join('?' * len(ordinals))})", (doc, version, *sorted(ordinals)),
            ):
                by_ordinal[(doc, version, ordinal)] = cid
    rows = clause_sentences(state, by_ordinal.values())
    out = {}
    for c in clauses:
        if c.ordinal <= 0:
            continue
        # The sentences of the clauses before it, in order, then its own first sentence: is that
        # an item of a list whose lead lies before it?
        seq: list[SentenceRow] = []
        for ordinal in range(max(0, c.ordinal - MAX_LIST_ITEMS), c.ordinal):
            cid = by_ordinal.get((c.document_id, c.version_id, ordinal))
            seq.extend((rows.get(cid) or []) if cid else [])
        own = rows.get(c.id) or []
        if not seq or not own:
            continue
        leads = list_leads([r.text for r in seq] + [own[0].text])
        at = leads.get(len(seq))
        if at is not None:
            out[c.id] = seq[at]
    return out


def list_items(state: ServiceState, lead: Candidate, rows: list[SentenceRow]) -> list[str]:
    """The items a lead sentence ending in ":" introduces (at most ``MAX_LIST_ITEMS``): the
    sentences after it in its clause, or, when it ends its clause, those of the next clause
    (documents often set a list apart from the sentence introducing it)."""
    leads = list_leads([r.text for r in rows])
    position = next((i for i, r in enumerate(rows) if r.id == lead.row.id), None)
    items = [sentence_facts(state, rows[i]).plain for i in sorted(leads) if leads[i] == position]
    if not items and position is not None and position == len(rows) - 1:
        # The clauses after it, in order: a list may hold all its items, or each item may be a
        # clause of its own.
        with state.lock:
            ids = [r[0] for r in state.conn.execute(
                "SELECT id FROM clauses WHERE document_id = ? AND version_id = ? AND is_current = 1 "
                "AND ordinal > ? AND ordinal <= ? ORDER BY ordinal",
                (lead.clause.document_id, lead.clause.version_id, lead.clause.ordinal,
                 lead.clause.ordinal + MAX_LIST_ITEMS),
            )]
        per = clause_sentences(state, ids) if ids else {}
        following = [r for cid in ids for r in per.get(cid, [])]
        texts = [lead.row.text] + [r.text for r in following]
        after = list_leads(texts)
        items = [sentence_facts(state, following[i - 1]).plain for i in sorted(after) if after[i] == 0]
    return items[:MAX_LIST_ITEMS]
