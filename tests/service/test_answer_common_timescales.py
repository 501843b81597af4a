"""Common ways of writing a timescale reach the answer end to end: a range in words with its
event, a count of visits per period, and a day of each month, each stated as its figure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.one_document import one_document_settings

# Made for this test: no authority writes it.
DOCUMENT = (
    "Testshire Apiary Standards\n\n"
    "Inspections\n"
    "1. The hive warden will inspect each new apiary in the first two to three weeks of its registration.\n"
    "2. Every apiary gets at least one unannounced warden visit throughout the year.\n\n"
    "Returns\n"
    "3. Beekeepers will send their honey returns to the warden by the 12th of each month.\n"
)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("common-timescales-data")
    with one_document_settings(data, "testshire_apiary.txt", DOCUMENT, "Apiary Standards") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_a_day_of_each_month_is_answered_as_a_monthly_deadline(state) -> None:
    from service.answer import ask

    answer = ask(state, "When must beekeepers send their honey returns in Testshire?")
    assert not answer.abstained, answer.answer
    assert answer.statements[0].figure == "every month, by the 12th of the month", answer.answer


@pytest.mark.slow
def test_a_count_per_year_is_answered_as_a_frequency(state) -> None:
    from service.answer import ask

    answer = ask(state, "How often does an apiary get an unannounced warden visit in Testshire?")
    assert not answer.abstained, answer.answer
    assert answer.statements[0].figure == "at least every 12 months", answer.answer


@pytest.mark.slow
def test_a_range_in_words_is_answered_with_both_figures_and_its_event(state) -> None:
    from service.answer import ask

    answer = ask(state, "How soon will the hive warden inspect a new apiary in Testshire?")
    assert not answer.abstained, answer.answer
    assert answer.statements[0].figure == "within 2-3 weeks of its registration", answer.answer
