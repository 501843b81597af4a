"""Sentences of a clause, with their offsets: the unit an answer quotes and a duty is read from.

Both later stages use this one splitter, so the sentence an obligation was extracted from is
exactly a stored sentence (``sentences`` table) and its vector: line breaks between list
items and bullets always split; inside a piece, spaCy's rule-based sentencizer (blank English
pipeline, nothing downloaded) decides, with ";" as a sentence end because table cells and
bullets often end with one. A regex splitter is the fallback when spaCy is unavailable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

# A new line opening with a short capitalised label and a colon ("Stage 1: ...", "Red: ...",
# "Social Worker: ..."): lines laid out as labelled items, one per line, with no full stops.
# A label is at most MAX_LABEL_WORDS words, so a sentence that merely contains a colon is not one.
MAX_LABEL_WORDS = 5
_LABEL_LINE = rf"(?P<label>\n)(?=[ \t]*[A-Z][\w'\u2019()/&.-]*(?:[ \t]+[\w'\u2019()/&.-]+){{0,{MAX_LABEL_WORDS - 1}}}[ \t]*:[ \t]+\S)"
# A blank line, a new line opening with a bullet or dash or a label, or an inline bullet character.
_HARD_BREAK = re.compile(
    r"\n\s*\n|\n(?=\s*[\u00b7\u2022\u25aa\u25cf\-\u2013o]\s)|" + _LABEL_LINE + r"|[\u00b7\u2022\u25aa\u25cf]"
)
# Abbreviations that end in a full stop without ending a sentence ("S.47", "e.g.").
_NO_BREAK = re.compile(r"(?:\b(?:e\.g|i\.e|etc|approx|no|para|ss?|vs|cf|St|Dr|Mr|Mrs|Ms)\.$)|(?:\b[A-Z]\.$)", re.I)
_SENT_END = re.compile(r"[.!?](?=[\s*\"'\u2019)\]]*\s+[A-Z0-9*\"'(\u2018\u201c])")
# Sentence-final characters beyond spaCy's defaults (bullets and table cells end with ";").
_EXTRA_PUNCT_CHARS = [";"]


@dataclass(frozen=True)
class Sentence:
    """One sentence of a clause: its text (stripped) and where it starts in the clause text."""

    text: str
    start: int

    @property
    def end(self) -> int:
        """Offset just past the sentence in the clause text."""
        return self.start + len(self.text)


@lru_cache(maxsize=1)
def _sentencizer():
    import spacy
    from spacy.pipeline.sentencizer import Sentencizer

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": list(Sentencizer.default_punct_chars) + _EXTRA_PUNCT_CHARS})
    return nlp


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Character (start, end) of each sentence of one piece of text, per spaCy's sentencizer."""
    nlp = _sentencizer()
    doc = nlp.get_pipe("sentencizer")(nlp.make_doc(text))
    return [(s.start_char, s.end_char) for s in doc.sents]


def pieces(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` between hard breaks (blank lines, bullets, dashes or labels opening a line)."""
    from ingest.structure import open_ending

    out: list[tuple[int, int]] = []
    last = 0
    for m in _HARD_BREAK.finditer(text):
        if m.group("label") and open_ending(text[last : m.start()].rsplit("\n", 1)[-1]):
            continue  # a label after "... in line with the" is the sentence going on
        out.append((last, m.start()))
        last = m.end()
    out.append((last, len(text)))
    return out


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a clause with their offsets (line breaks between list items also split)."""
    try:
        bounds_of = sentence_bounds
        _sentencizer()
    except ImportError:
        return _regex_sentences(text)
    out: list[Sentence] = []
    for a, b in pieces(text):
        for s, e in bounds_of(text[a:b]):
            chunk = text[a + s:a + e]
            stripped = chunk.strip()
            if stripped:
                out.append(Sentence(stripped, a + s + len(chunk) - len(chunk.lstrip())))
    return out


def _regex_sentences(text: str) -> list[Sentence]:
    out: list[tuple[str, int]] = []
    for a, b in pieces(text):
        start = a
        for m in _SENT_END.finditer(text, a, b):
            if _NO_BREAK.search(text[max(a, m.start() - 8):m.start() + 1]):
                continue
            out.append((text[start:m.end()], start))
            start = m.end()
        out.append((text[start:b], start))
    result = []
    for chunk, start in out:
        stripped = chunk.strip()
        if stripped:
            result.append(Sentence(stripped, start + len(chunk) - len(chunk.lstrip())))
    return result


def sentence_id(clause_id: str, index: int) -> str:
    """The stable id of the ``index``-th sentence (0-based) of a clause: ``{clause_id}-s{index:02d}``."""
    return f"{clause_id}-s{index:02d}"


# --- storage: what the ``sentences`` table holds ------------------------------------------------
@dataclass(frozen=True)
class StoredSentence:
    """A sentence as the store keeps it: its clause, position, offsets, text and vector key.

    ``content_hash`` is the sha256 of ``sentence_embedding_text`` (what is embedded), so it is
    the key of the sentence's vector in ``clause_embeddings``: unchanged text under unchanged
    headings is never embedded twice.
    """

    id: str
    clause_id: str
    ordinal: int
    start: int
    end: int
    text: str
    content_hash: str


# Longest sentence still read as an item of a list a lead sentence ("... as follows:")
# introduces: items are short; a long sentence is prose again and ends the list.
MAX_ITEM_CHARS = 200


def list_leads(sentences: list[Sentence] | list[str]) -> dict[int, int]:
    """Item index -> index of the sentence ending in ":" that introduces it.

    Items run until a sentence longer than ``MAX_ITEM_CHARS``, the next lead, or, in a list
    whose first item does not end in a full stop (bullets, ";"), the first item that does (a
    list's last item often closes with one; the prose after it always does).
    """
    texts = [s if isinstance(s, str) else s.text for s in sentences]
    out: dict[int, int] = {}
    lead: int | None = None
    unstopped = False
    for i, text in enumerate(texts):
        stripped = text.strip()
        if lead is not None and len(stripped) <= MAX_ITEM_CHARS and not stripped.endswith(":"):
            if i == lead + 1:
                unstopped = not stripped.endswith(".")
            out[i] = lead
            if unstopped and stripped.endswith("."):
                lead = None
            continue
        lead = i if stripped.endswith(":") else None
    return out


def sentence_embedding_text(
    text: str, heading_path: list[str] | tuple[str, ...], cohort_context: str | None, lead: str | None = None
) -> str:
    """What is embedded for a sentence: its nearest heading, table row and (for a list item) the
    sentence introducing the list, then the sentence.

    A sentence alone often leaves out what it is about ("Then at intervals of no more than six
    weeks"); the heading, row label and list lead say it. Measured on the development questions:
    the sentence stating the answer ranked first among the retrieved clauses' sentences for 40 of
    68 expected answers with heading and row, 33 of 68 without them.
    """
    from ingest.normalise import plain_text

    parts = [heading_path[-1] if heading_path else "", cohort_context or "", plain_text(lead) if lead else "",
             plain_text(text)]
    return ". ".join(p.strip().rstrip(":") for p in parts if p and p.strip())


def embedding_key(embedded: str) -> str:
    """The vector-cache key of an embedded text (sha256 hex, as ``index.embedder.text_hash``)."""
    return hashlib.sha256(embedded.encode("utf-8")).hexdigest()


def clause_sentences(
    clause_id: str, text: str, heading_path: list[str] | tuple[str, ...], cohort_context: str | None
) -> list[StoredSentence]:
    """The sentences of one clause as stored, with ids ``{clause_id}-sNN`` and vector keys."""
    out = []
    sentences = split_sentences(text)
    leads = list_leads(sentences)
    for i, s in enumerate(sentences):
        lead = sentences[leads[i]].text if i in leads else None
        key = embedding_key(sentence_embedding_text(s.text, heading_path, cohort_context, lead))
        out.append(StoredSentence(sentence_id(clause_id, i), clause_id, i, s.start, s.end, s.text, key))
    return out
