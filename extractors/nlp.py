"""Shared blank English spaCy pipeline for the extraction stage.

Nothing is downloaded: the pipeline is ``spacy.blank("en")`` (rule-based tokenizer) plus a
``sentencizer``. Rule components (Matcher / EntityRuler / custom components) are added by the
modules that need them, on their own copy or through :func:`make_pipeline`.

Other modules (timescale grammar, actor/action rules) call :func:`get_nlp` so that the
tokenizer and sentence rules are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.pipeline.sentencizer import Sentencizer
from spacy.tokens import Doc, Span

from ingest.sentences import sentence_bounds  # noqa: F401 - one splitter for every stage

# Sentence-final characters beyond the defaults: clause texts come from bullets and tables,
# where a line often ends with ";" rather than ".".
_EXTRA_PUNCT_CHARS = [";"]


def make_pipeline(extra_pipes: Iterable[str] = ()) -> Language:
    """Build a fresh blank English pipeline: tokenizer + sentencizer (+ named extra pipes).

    ``extra_pipes`` are registered component factory names added after the sentencizer
    (e.g. ``"timescale_spans"``, defined below). Use this when you need your own copy to add
    a Matcher or EntityRuler to; use :func:`get_nlp` to share the default one.
    """
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "sentencizer",
        config={"punct_chars": list(Sentencizer.default_punct_chars) + _EXTRA_PUNCT_CHARS},
    )
    for name in extra_pipes:
        nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=4)
def get_nlp(with_timescales: bool = False) -> Language:
    """The shared pipeline (cached). ``with_timescales`` adds the ``timescale_spans`` component,
    which puts every timescale phrase into ``doc.spans["timescale"]`` (label = kind)."""
    return make_pipeline(["timescale_spans"] if with_timescales else [])


@Language.component("timescale_spans")
def timescale_spans(doc: Doc) -> Doc:
    """Mark timescale phrases found by the timescale grammar as ``doc.spans["timescale"]``."""
    from extractors.timescale import find_timescales  # local: timescale imports this module

    spans: list[Span] = []
    for ts in find_timescales(doc.text):
        span = doc.char_span(ts.start, ts.end, label=ts.kind, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans["timescale"] = spans
    return doc
