"""A hedge is not a condition.

"Within 15 working days where practicable" softens a duty; it does not say which cases the
duty is for, as "where the child lives out of area" does. So a hedged sentence is not marked
down as stating a condition the question did not ask about, and it does not answer "what
happens if". The hedge phrases are the taxonomy's (language.hedge_words).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.question import names_a_condition
from tests.one_document import one_document_settings


def test_a_condition_word_inside_a_hedge_opens_no_condition() -> None:
    assert not names_a_condition("A full reply is sent within 15 working days where practicable.")
    assert not names_a_condition("If possible, the allotment is inspected every month.")
    # A real condition beside a hedge, or alone, still opens one.
    assert names_a_condition("Plots are inspected monthly where possible, and weekly if a complaint is made.")
    assert names_a_condition("Where the plot is vacant, the warden inspects it within 5 days.")


# Made for this test: no authority writes it.
DOCUMENT = (
    "Replies to members\n\n"
    "1. The office confirms each request was received within 2 working days.\n\n"
    "2. A full written reply is sent within 15 working days where practicable.\n"
)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("hedge-data")
    with one_document_settings(data, "testshire_replies.txt", DOCUMENT, "Allotment Society Replies") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_a_hedged_sentence_is_not_marked_down_as_an_unasked_condition(state) -> None:
    from service.answer import ask
    from service.evidence import gather
    from service.question import understand

    text = "How long does a full written reply take in Testshire?"
    question = understand(text, state.resolver, state.taxonomy)
    cands = gather(state, question, ["Testshire"]).by_authority["Testshire"]
    hedged = next(c for c in cands if "where practicable" in c.facts.plain)
    assert not hedged.features.get("condition_unasked")
    answer = ask(state, text)
    assert not answer.abstained, answer.answer
    assert "15 working days" in answer.statements[0].figure
