"""A name written in several words is matched as a phrase, not as a bag of its words.

The question's "CiC" is one group with its expansions ("child in care", "looked after"). A
sentence holding "child", "in" and "care" apart ("child in need ... social care") does not name
it; one that says "children in care" (plural, stop words aside) does, and so does a heading
over the sentence, but a phrase never runs from a heading into the sentence under it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.one_document import one_document_settings

pytestmark = pytest.mark.slow

# Made for this test: no authority writes it.
DOCUMENT = (
    "Testshire Family Standards\n\n"
    "Support Plans\n"
    "1. Child in need reviews are written up by the social care team every 6 weeks.\n\n"
    "Children in Care\n"
    "2. Reviews happen at least every 4 weeks while the placement lasts.\n\n"
    "Help in School for the Child\n"
    "3. Care arrangements are checked by the duty manager within 5 working days.\n\n"
    "Placements\n"
    "4. Each of the children who are in care is visited by a social worker every 3 weeks.\n\n"
    "Allotment Calls\n\n"
    "The allotment warden must call on every plot holder at the following intervals:\n\n"
    "  \u2022 Within 10 days of the tenancy starting;\n"
    "  \u2022 Then at least every 8 weeks while the plot is cultivated.\n"
)
QUESTION = "How often is a CiC reviewed in Testshire?"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("phrase-data")
    with one_document_settings(data, "testshire_family.txt", DOCUMENT, "Family Standards") as settings:
        yield load_state(settings)


def _phrase_group(state, question):
    from service.evidence import query_groups

    groups = query_groups(state, state.prepare(question.search_text).plan, question)
    found = [g for g in groups if any(len(alt) > 1 for alt in g.alternatives)]
    assert len(found) == 1, groups  # "CiC" with its spelled-out forms
    return found[0]


def test_words_apart_do_not_make_the_phrase(state) -> None:
    from service.evidence import clause_facts, gather, sentence_facts
    from service.question import understand

    question = understand(QUESTION, state.resolver, state.taxonomy)
    group = _phrase_group(state, question)
    candidates = {c.row.text.split(" ")[0]: c for c in gather(state, question, ["Testshire"]).by_authority["Testshire"]}

    def sentence(first_word):
        return sentence_facts(state, candidates[first_word].row).words

    def with_heading(first_word):
        c = candidates[first_word]
        return sentence_facts(state, c.row).words | clause_facts(state, c.clause).context_words

    # "child in need ... social care": every word of "child in care", never together.
    assert not group.found_in(sentence("Child"))
    assert not group.found_in(with_heading("Child"))
    # Plural and stop words aside, "children who are in care" is the phrase.
    assert group.found_in(sentence("Each"))
    # The heading names it for the sentence under it ...
    assert not group.found_in(sentence("Reviews"))
    assert group.found_in(with_heading("Reviews"))
    # ... but a heading ending in "the Child" and a sentence opening with "Care" are not one phrase.
    assert not group.found_in(with_heading("Care"))
    # The features say the same: the sentence that only scatters the words gains nothing for them.
    assert candidates["Child"].features["lexical_sentence"] < candidates["Each"].features["lexical_sentence"]


def test_a_list_set_apart_from_its_lead_is_read_with_it(state) -> None:
    # The lead ends one clause and its items open the next: an item is scored with the lead's
    # words and stated as the answer.
    from service.answer import ask
    from service.evidence import gather
    from service.question import understand

    text = "How soon after a tenancy starts must the allotment warden call on a plot holder in Testshire?"
    question = understand(text, state.resolver, state.taxonomy)
    cands = gather(state, question, ["Testshire"]).by_authority["Testshire"]
    item = next(c for c in cands if c.row.text.startswith("Within 10 days"))
    lead = next(c for c in cands if c.row.text.startswith("The allotment warden"))
    assert item.clause.id != lead.clause.id  # the document sets the list apart
    assert item.lead_text and item.lead_text.startswith("The allotment warden")
    assert item.features["lexical_context"] > item.features["lexical_sentence"]
    answer = ask(state, text)
    assert not answer.abstained, answer.answer
    assert "10 days" in answer.statements[0].figure


def test_a_lead_that_covers_the_event_is_answered_by_its_items(state) -> None:
    # With the threshold between the item's score and the lead's relevance, the lead alone
    # would say "covers this but sets no timescale"; its item holds the figure and answers.
    from dataclasses import replace

    from service.answer import _choose
    from service.evidence import DEFAULT_WEIGHTS, gather
    from service.question import understand

    text = "When must the allotment warden call on plot holders in Testshire?"
    question = understand(text, state.resolver, state.taxonomy)
    cands = gather(state, question, ["Testshire"]).by_authority["Testshire"]
    lead = next(c for c in cands if c.row.text.startswith("The allotment warden"))
    item = next(c for c in cands if c.row.text.startswith("Within 10 days"))
    w = DEFAULT_WEIGHTS
    relevance = lead.score - w.no_figure * lead.features.get("no_figure", 0.0) + w.kind_match
    assert item.score < relevance, (item.score, relevance)  # the case this test is about
    between = replace(w, threshold=(item.score + relevance) / 2)
    best_answering = max(c.score for c in cands if c.can_answer(question))
    assert best_answering < between.threshold
    chosen, covering = _choose(question, cands, between)
    assert covering is None
    assert chosen and chosen[0].lead_text == lead.facts.plain
