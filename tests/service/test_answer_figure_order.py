"""The figure asked about comes first: a figure in a bracketed aside the question does not echo
("within 15 working days (up to 20 days for complex cases)") qualifies the main figure, so the
main one is stated first; asked about the aside's case, its figure comes first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.one_document import one_document_settings

# Made for this test: no authority writes it.
DOCUMENT = (
    "Testshire Allotment Appeals\n\n"
    "Appeals\n"
    "1. The allotment panel will decide an appeal about a plot contract within 12 working days "
    "(up to 30 working days for contested boundaries).\n"
)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("figure-order-data")
    with one_document_settings(data, "testshire_appeals.txt", DOCUMENT, "Allotment Appeals") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_the_main_figure_comes_before_the_one_in_an_aside(state) -> None:
    from service.answer import ask

    # "contract" shares its first letters with "contested", but the question does not echo the aside.
    answer = ask(state, "How quickly will the allotment panel decide a plot contract appeal in Testshire?")
    assert not answer.abstained, answer.answer
    assert "12 working days" in answer.statements[0].figure, answer.answer


@pytest.mark.slow
def test_the_aside_figure_comes_first_when_its_case_is_asked(state) -> None:
    from service.answer import ask

    answer = ask(state, "How quickly will the allotment panel decide a plot appeal about contested boundaries "
                        "in Testshire?")
    assert not answer.abstained, answer.answer
    assert "30 working days" in answer.statements[0].figure, answer.answer
