"""A document's title names what every clause of it is about.

A page titled with a topic ("Life Story Work") rarely repeats the topic's name in each
sentence: its sentences say "the memory book" or "the sessions". The title is the topmost
heading, so the topic it names is context for every clause, as the nearest heading's topic
is: a signal for ranking the page's sentences, never a gate on anyone else's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.one_document import one_document_settings

# Made for this test: no authority writes it. The topic is named only by the title.
DOCUMENT = (
    "Arrangements\n\n"
    "1. Every child placed for adoption is offered a memory book, begun within 6 weeks of the placement.\n\n"
    "2. Photographs for the book are gathered from the birth family where they agree.\n\n"
    "Keeping notes\n\n"
    "3. Notes of each session are typed up within 5 working days.\n"
)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("title-topic-data")
    with one_document_settings(data, "testshire_memory_books.txt", DOCUMENT, "Life Story Work") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_the_topic_a_title_names_is_context_for_its_clauses(state) -> None:
    from service.answer import ask
    from service.evidence import gather
    from service.question import understand

    text = "How soon must life story work start for a child placed for adoption in Testshire?"
    question = understand(text, state.resolver, state.taxonomy)
    assert "life story work" in question.topics
    best = gather(state, question, ["Testshire"]).by_authority["Testshire"][0]
    assert "within 6 weeks of the placement" in best.facts.plain
    assert best.features["topic_context"] == 1.0
    answer = ask(state, text)
    assert not answer.abstained, answer.answer
    assert "6 weeks" in answer.statements[0].figure
