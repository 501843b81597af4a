"""The word-indexed taxonomy matcher finds exactly what the full alternation regex finds.

``_FirstWordIndex`` (and the first-word prefilter of ``cue_topics``) only exist for speed; these
tests compare them with the plain regex scan they replace, on the shipped corpus, the
development questions and every taxonomy term written in awkward ways (case, plurals, hyphens,
brackets, glued words, letters that IGNORECASE folds but ``str.lower`` does not).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractors.taxonomy import (
    _FirstWordIndex,
    _Matcher,
    _norm,
    _overlapping,
    load_taxonomy,
    read_taxonomy,
)

ROOT = Path(__file__).resolve().parents[2]


def _reference(matcher: _Matcher, text: str) -> list[tuple[bool, int, int, str]]:
    norm = _norm(text)
    out = []
    for pattern, cs in ((matcher._ci, False), (matcher._cs, True)):
        if pattern is not None:
            out += [(cs, m.start(), m.end(), m.group(0)) for m in _overlapping(pattern, norm)]
    return out


def _indexed(matcher: _Matcher, text: str) -> list[tuple[bool, int, int, str]]:
    norm = _norm(text)
    out = []
    for index, cs in ((matcher._ci_index, False), (matcher._cs_index, True)):
        if index is not None:
            out += [(cs, m.start(), m.end(), m.group(0)) for m in index.overlapping(norm)]
    return out


def _reference_cues(tax, text: str) -> list[str]:
    norm = _norm(text)
    out: list[str] = []
    for name, patterns in tax._cues:
        if name not in out and all(p.search(norm) for p in patterns):
            out.append(name)
    return out


def _variants(terms) -> list[str]:
    out = []
    for term in terms:
        out += [term, term.upper(), term.title(), f"the {term}s were held", f"{term}es", f"({term})",
                term.replace(" ", "-"), term.replace(" ", " \n  "), f"x{term}", f"{term}x", f"{term}'s plan",
                term.replace("s", "\u017f"), term.replace("k", "\u212a"), f"caf\u00e9 {term}"]
    return out


def _common_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts += lines[::3]  # a third of every document keeps the test to seconds
    for line in (ROOT / "eval" / "qa-dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.append(json.loads(line)["question"])
    return texts


COMMON = _common_texts()


def test_every_shipped_matcher_uses_the_index():
    tax = load_taxonomy()
    for name, matcher in tax._matchers.items():
        for pattern, index in ((matcher._ci, matcher._ci_index), (matcher._cs, matcher._cs_index)):
            assert (pattern is None) == (index is None), name


@pytest.mark.parametrize("category", ["topics", "roles", "cohorts", "anchors", "abbreviations",
                                      "abbreviations_ci", "services"])
def test_indexed_matches_equal_the_full_regex(category: str):
    matcher = load_taxonomy()._matchers[category]
    texts = COMMON + _variants([*matcher._lookup_ci, *matcher._lookup_cs])
    differing = [t for t in texts if _indexed(matcher, t) != _reference(matcher, t)]
    assert not differing, differing[:5]


def test_cue_topics_equal_the_full_regex():
    tax = load_taxonomy()
    cue_terms = [term for topic in tax.topics.values() for group_set in topic.cues for g in group_set for term in g]
    texts = COMMON + _variants(cue_terms) + [" ".join(cue_terms[i:i + 3]) for i in range(len(cue_terms))]
    differing = [t for t in texts if tax.cue_topics(t) != _reference_cues(tax, t)]
    assert not differing, differing[:5]
    # And the prefilter is not a no-op: cue combinations are still found.
    assert sum(1 for t in texts if tax.cue_topics(t)) > 10


def test_terms_the_index_cannot_key_fall_back_to_the_regex(tmp_path: Path):
    # A term starting with a non-word character, or not ASCII, disables the index for its
    # matcher; matching still works (through the full regex).
    assert not _FirstWordIndex.usable(["(s47) enquiry"])
    assert not _FirstWordIndex.usable(["r\u00e9union"])
    assert _FirstWordIndex.usable(["s.47 enquiry", "child's plan"])
    matcher = _Matcher([("(s47) enquiry", "section 47 enquiry", False, 1.0), ("visit", "visit", False, 1.0)])
    assert matcher._ci_index is None
    assert [m.canonical for m in matcher.find("a (s47) enquiry and two visits")] == ["section 47 enquiry", "visit"]


def test_a_loaded_taxonomy_file_matches_the_same_way():
    tax = read_taxonomy(ROOT / "extractors" / "data" / "taxonomy.yaml")
    text = "When is the Initial Child Protection Conference (ICPC) after the strategy discussion?"
    topics = tax._matchers["topics"]
    assert _indexed(topics, text) == _reference(topics, text) != []
    assert re.search("conference", " ".join(m.term for m in tax.find("topics", text)), re.IGNORECASE)
