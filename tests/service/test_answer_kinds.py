"""What kind of answer is asked against what a sentence gives, and whom it is for.

A count ("the maximum caseload", "how many children") is answered only by a sentence giving a
number of the thing counted: a deadline near the same words never answers it. A question about
an age band ("aged 21 to 25") is never answered by a sentence for another band ("aged 18 to
20"): that is a different duty, however alike the wording. The same holds for a list item
told apart by its qualifier ("planned" / "unplanned"), even when each item is a clause of its
own, and for a sentence under a "Stage 1" heading asked about stage 2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.question import age_bands, bands_overlap, counted_words, states_a_count, what_is_asked
from tests.one_document import one_document_settings

# Made for this test: no authority writes it.
DOCUMENT = (
    "Testshire Workforce and Leaving Care Standards\n\n"
    "Workload\n"
    "1. Team managers keep the caseload of each worker to no more than 18 children.\n"
    "2. A worker new to the team receives an induction within 2 weeks of starting.\n\n"
    "Fostering\n"
    "3. Foster carers are visited by their supervising worker within 4 weeks of approval.\n\n"
    "Leaving Care Contact\n"
    "4. Young people aged 16 to 17 are seen by their personal adviser every 4 weeks.\n"
    "5. Young people aged 18 to 20 are seen by their personal adviser every 8 weeks.\n\n"
    "Allotment Inspections\n\n"
    "The allotment warden must inspect each plot at these points:\n\n"
    "Within two weeks of a new planned tenancy;\n\n"
    "Before each annual plot review;\n\n"
    "Within one working day where it was unplanned;\n\n"
    "Once a month while a plot is left uncultivated.\n\n"
    "Allotment Disputes\n\n"
    "Stage 1\n\n"
    "A plot dispute is settled by the warden within 10 working days.\n\n"
    "Stage 2\n\n"
    "The allotment committee settles it within 25 working days.\n"
)


@pytest.mark.parametrize(("text", "bands"), [
    ("care leavers aged 21 to 25", [(21, 25)]),
    ("16-17 year olds", [(16, 17)]),
    ("babies under 1s", [(0, 0)]),
    ("young people 18+", [(18, 120)]),
    ("within 5 working days", []),
    ("under 5 days", []),
    ("a Section 47 enquiry", []),
])
def test_age_bands_are_read_and_timescales_are_not(text: str, bands: list[tuple[int, int]]) -> None:
    assert age_bands(text) == bands


def test_bands_overlap_only_when_they_share_an_age() -> None:
    assert not bands_overlap([(21, 25)], [(18, 20)])
    assert bands_overlap([(21, 25)], [(18, 25)])
    assert bands_overlap([(0, 0)], [(0, 4)])


@pytest.mark.parametrize(("text", "asks", "counted"), [
    ("What is the maximum caseload for a newly qualified social worker?", "how_many", ["casel"]),
    ("How many children can a worker hold?", "how_many", ["child"]),
    ("What is the maximum timescale for completing an assessment?", "how_long", []),
    ("How many working days before the conference is the report shared?", "how_long", []),
    ("How many times a year is the plan reviewed?", "how_often", []),
    ("What is the minimum visiting frequency?", "how_often", []),
    # A degree of a frequency word asks how often, however the question opens.
    ("What's the least often a garden warden may inspect a plot?", "how_often", []),
    ("What is the most frequent inspection a plot can need?", "how_often", []),
])
def test_a_count_is_told_from_a_time(text: str, asks: str, counted: list[str]) -> None:
    assert what_is_asked(text)[0] == asks
    assert counted_words(text) == counted


def test_a_count_is_a_number_of_the_thing_not_a_reference_or_a_time() -> None:
    text = "Under section 47 the caseload of each worker is no more than 18 children within 2 weeks."
    spans = states_a_count(text, ["casel"], [(text.index("within"), len(text) - 1)])
    assert [text[a:b] for a, b in spans] == ["18"]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("kinds-data")
    with one_document_settings(data, "testshire_workforce.txt", DOCUMENT, "Workforce Standards") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_a_count_question_is_answered_by_the_number_it_counts(state) -> None:
    from service.answer import ask

    answer = ask(state, "What is the maximum caseload for a worker in Testshire?")
    assert not answer.abstained, answer.answer
    first = answer.statements[0]
    assert "no more than 18 children" in first.sentence
    assert [first.sentence[a:b] for a, b in first.marks] == ["18"]
    assert "2 weeks" not in answer.answer


@pytest.mark.slow
def test_a_count_the_standards_do_not_give_is_not_answered_with_a_deadline(state) -> None:
    from service.answer import ask

    answer = ask(state, "What is the maximum number of placements for a foster carer in Testshire?")
    assert answer.abstained, answer.answer
    assert "4 weeks" not in answer.answer.split("You may want to look at")[0]
    assert answer.nearest, "an abstention offers the nearest clauses"


@pytest.mark.slow
def test_an_age_band_is_answered_by_its_own_sentence_and_never_by_another_band(state) -> None:
    from service.answer import ask

    asked = ask(state, "How often are young people aged 18 to 20 seen by their personal adviser in Testshire?")
    assert not asked.abstained, asked.answer
    assert "aged 18 to 20" in asked.statements[0].sentence
    assert "8 weeks" in asked.statements[0].figure

    other = ask(state, "How often are young people aged 21 to 25 seen by their personal adviser in Testshire?")
    said = [s.sentence for s in other.statements if s.kind == "figure"]
    assert not any("aged 16 to 17" in s or "aged 18 to 20" in s for s in said), other.answer


@pytest.mark.slow
def test_a_list_item_in_a_clause_of_its_own_is_told_apart_by_its_qualifier(state) -> None:
    from service.answer import ask

    answer = ask(state, "How quickly must the warden inspect a plot after an unplanned tenancy change in Testshire?")
    assert not answer.abstained, answer.answer
    first = answer.statements[0]
    assert "where it was unplanned" in first.sentence, answer.answer
    assert "1 working day" in first.figure
    assert not any("new planned tenancy" in s.sentence for s in answer.statements), answer.answer


@pytest.mark.slow
def test_a_heading_qualifier_keeps_one_stage_from_answering_another(state) -> None:
    from service.answer import ask

    answer = ask(state, "How long does a stage 2 plot dispute take in Testshire?")
    assert not any("10 working days" in s.sentence for s in answer.statements), answer.answer


@pytest.mark.parametrize(("text", "named"), [
    ("visits after the first year may be less frequent", [(0, 3)]),  # the later years
    ("during the first year of a placement", [(0, 0)]),
    ("within 10 days following the initial conference", [(0, 0)]),  # an event, not a period
    ("planned or unplanned moves", [(2, 0), (2, 1)]),
])
def test_a_period_after_first_names_the_later_years(text: str, named: list[tuple[int, int]]) -> None:
    from service.question import find_qualifiers

    assert sorted(find_qualifiers(text)) == named


# Made for this test: the subject is named only in the document's title, never in its text.
TITLED = (
    "Visits\n\n"
    "1. An inspector calls on each new member within 3 weeks of registration.\n\n"
    "2. A lost gate key is replaced within 5 days of a request.\n"
)


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the titled document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("titled-data")
    with one_document_settings(data, "testshire_apiary.txt", TITLED, "Beekeeping Association Inspections") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_the_document_title_is_context_for_every_clause(titled) -> None:
    from service.answer import ask
    from service.evidence import gather
    from service.question import understand

    text = "How soon is the first beekeeping inspection after registration in Testshire?"
    question = understand(text, titled.resolver, titled.taxonomy)
    best = gather(titled, question, ["Testshire"]).by_authority["Testshire"][0]
    assert "within 3 weeks of registration" in best.facts.plain
    # "beekeeping" and "inspection" are found only through the title.
    assert best.features["lexical_context"] > best.features["lexical_sentence"]
    answer = ask(titled, text)
    assert not answer.abstained, answer.answer
    assert "3 weeks" in answer.statements[0].figure


@pytest.mark.slow
def test_a_contracted_question_word_asks_as_written_in_full(state) -> None:
    from service.question import understand

    full = understand("What is the longest a short break can last in Testshire?", state.resolver, state.taxonomy)
    short = understand("What's the longest a short break can last in Testshire?", state.resolver, state.taxonomy)
    assert full.asks == short.asks == "how_long"


def test_a_bracketed_aside_inside_a_topic_name_does_not_hide_the_topic() -> None:
    from extractors.taxonomy import load_taxonomy
    from service.question import understand
    from service.resolver import Resolver

    taxonomy = load_taxonomy()
    resolver = Resolver({"Testshire": []}, taxonomy)
    joined = understand("How long may a child and family assessment take in Testshire?", resolver, taxonomy)
    split = understand("How long may a child and family (single) assessment take in Testshire?", resolver, taxonomy)
    assert joined.topics and split.topics == joined.topics
    assert "single" in split.search_text  # the aside is kept, only moved
    # An aside that splits no topic name leaves the question as it was.
    plain = understand("How often are children in care (under 1s) visited in Testshire?", resolver, taxonomy)
    assert "care (under 1) visited" in plain.search_text
