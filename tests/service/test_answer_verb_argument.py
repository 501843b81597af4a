"""The verb a who / what question asks counts only where it is said of what the question asks about.

"What must a plot lease include?" holds the verb "include", and so does a sentence saying what
a plot review includes; that sentence does not say what a compost plan includes and must not be
quoted as if it did. The sentence saying what a garden plan includes still answers the question
about a garden plan. The sentences' predicates come from the store (written at extraction),
the question's from its parse. The document is written for this test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.one_document import one_document_settings

DOCUMENT = (
    "Testshire Allotment Standards\n\n"
    "Garden plans\n\n"
    "1. A garden plan must include a planting schedule and the tenant's own goals for the year.\n\n"
    "Plot reviews\n\n"
    "2. Each plot review should include a count of the fruit trees and a check of the water butts.\n\n"
    "Orchard meetings\n\n"
    "3. The orchard meeting is chaired by a senior warden.\n\n"
    "Tenant forums\n\n"
    "4. The tenants' forum is chaired by an elected tenant.\n\n"
    "Plot leases\n\n"
    "5. A plot lease runs for one year and is signed by the tenant and the warden.\n"
)


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Iterator[object]:
    from service.state import load_state

    data = tmp_path_factory.mktemp("verbarg") / "data"
    with one_document_settings(data, "testshire-plots.txt", DOCUMENT, "Testshire Allotment Standards") as settings:
        yield load_state(settings)


def _quoted(answer) -> str:
    return " | ".join(st.sentence for st in answer.statements if st.sentence)


@pytest.mark.slow
def test_the_sentence_saying_it_of_the_thing_asked_answers(state) -> None:
    from service.answer import ask

    answer = ask(state, "What must a garden plan include in Testshire?")
    assert not answer.abstained, answer.answer
    assert "planting schedule" in answer.statements[0].sentence, answer.answer


@pytest.mark.slow
def test_the_same_verb_said_of_something_else_does_not_answer(state) -> None:
    from service.answer import ask

    answer = ask(state, "What must a plot lease include in Testshire?")
    # The review's "include" is not the lease's, however many words they share: never quoted as
    # the answer (the standards do not say what a lease includes).
    assert "water butts" not in _quoted(answer), answer.answer


@pytest.mark.slow
@pytest.mark.parametrize(("question", "stated", "other"), [
    ("Who chairs the orchard meeting in Testshire?", "senior warden", "elected tenant"),
    ("Who chairs the tenants' forum in Testshire?", "elected tenant", "senior warden"),
])
def test_who_chairs_is_answered_by_the_chair_of_the_thing_asked(state, question: str, stated: str,
                                                               other: str) -> None:
    from service.answer import ask

    answer = ask(state, question)
    assert not answer.abstained, answer.answer
    assert stated in answer.statements[0].sentence, answer.answer
    assert other not in answer.statements[0].sentence, answer.answer


def test_the_service_reads_predicates_from_the_store_not_the_parser(state) -> None:
    from service.evidence import stored_predicates

    stored = stored_predicates(state)
    assert any(p.verb == "chair" and "forum" in p.argument.heads for preds in stored.values() for p in preds)
