"""Which end of an event a question asks about, against which end a duty is on.

A question on when something concludes ("within what timescale must a complaint enquiry be
concluded?") is not answered by a duty to open it ("the warden must contact the complaints
officer within 2 working days"): that is a different duty in the same topic, however close its
wording. When the standards set no time for the end asked about, the answer abstains rather
than give the opening figure; a question on the opening act still gets it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.question import event_stages, verb_forms
from tests.one_document import one_document_settings

# Made for this test: no authority writes it.
DOCUMENT = (
    "Testshire Allotment Complaints\n\n"
    "Raising a complaint\n"
    "1. When a tenant raises a complaint about a plot, the warden must contact the complaints officer "
    "within 2 working days.\n\n"
    "Rent\n"
    "2. Rent reminders are posted to every tenant every 3 months.\n"
)


@pytest.mark.parametrize(("text", "stages"), [
    ("Within what timescale must a complaint enquiry be concluded?", {"closing"}),
    ("When is the completion of the assessment due?", {"closing"}),
    ("How quickly must the officer be contacted?", {"opening"}),
    ("When must the enquiry start and when must it finish?", {"opening", "closing"}),
    ("How often are children visited?", set()),
    ("What information must be recorded?", set()),  # "information" is no "inform"
    # Any form of a listed verb, by the spelling rules, not by listing each form.
    ("The review was triggered by a referral.", {"opening"}),
    ("Has the project been launched yet?", {"opening"}),
    ("Who initiates it, and when is it finalised?", {"opening", "closing"}),
    ("The work began on Monday.", {"opening"}),
    ("It is endorsed by the manager and closely watched.", set()),  # "end", "close" as whole words only
])
def test_the_end_of_the_event_asked_about_is_read(text: str, stages: set[str]) -> None:
    assert event_stages(text) == stages


@pytest.mark.parametrize(("lemma", "forms"), [
    ("notify", {"notify", "notifies", "notified", "notifying"}),
    ("conclude", {"conclude", "concludes", "concluded", "concluding"}),
    ("finish", {"finish", "finishes", "finished", "finishing"}),
    ("begin", {"begin", "begins", "beginning", "began", "begun"}),
    ("trigger", {"trigger", "triggers", "triggered", "triggering"}),
])
def test_a_verb_is_recognised_in_every_form(lemma: str, forms: set[str]) -> None:
    assert forms <= verb_forms(lemma, {"begin": ["began", "begun"]})


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the document above (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("stages-data")
    with one_document_settings(data, "testshire_allotments.txt", DOCUMENT, "Allotment Complaints") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_a_duty_to_open_does_not_answer_when_it_must_conclude(state) -> None:
    from service.answer import ask
    from service.evidence import gather
    from service.question import understand

    text = "Within what timescale must a complaint enquiry about a plot be concluded in Testshire?"
    question = understand(text, state.resolver, state.taxonomy)
    cands = gather(state, question, ["Testshire"]).by_authority["Testshire"]
    opening = next(c for c in cands if "contact the complaints officer" in c.facts.plain)
    assert opening.features["stage_clash"] == 1.0
    assert not opening.can_answer(question)
    answer = ask(state, text)
    assert answer.abstained, answer.answer
    assert not any("2 working days" in (s.figure or "") for s in answer.statements), answer.answer


@pytest.mark.slow
def test_the_opening_duty_still_answers_when_it_must_be_done(state) -> None:
    from service.answer import ask

    answer = ask(state, "How quickly must the warden contact the complaints officer about a plot complaint in Testshire?")
    assert not answer.abstained, answer.answer
    assert "2 working days" in answer.statements[0].figure


@pytest.mark.slow
def test_a_frequency_question_has_no_end_to_clash_with(state) -> None:
    from service.evidence import gather
    from service.question import understand

    # "contact" names an opening act, but a frequency recurs: no end of it is asked about.
    question = understand("How often must the warden have contact about rent with each tenant in Testshire?",
                          state.resolver, state.taxonomy)
    assert question.stages == {"opening"} and question.asks == "how_often"
    cands = gather(state, question, ["Testshire"]).by_authority["Testshire"]
    assert cands and not any(c.features.get("stage_clash") for c in cands)


# Made for this test: the opening act is a verb in a form no word list spells out.
REPAIRS = (
    "Testshire Allotment Repairs\n\n"
    "Faults\n"
    "1. When a tenant reports a fault on a shared water tap, the site manager must trigger a repair job "
    "within 3 working days.\n"
)


@pytest.fixture(scope="module")
def repairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A store holding only the repairs document (real pipeline, store and model)."""
    from service.state import load_state

    data = tmp_path_factory.mktemp("repairs-data")
    with one_document_settings(data, "testshire_repairs.txt", REPAIRS, "Allotment Repairs") as settings:
        yield load_state(settings)


@pytest.mark.slow
def test_a_duty_to_trigger_does_not_answer_when_it_must_be_finished(repairs) -> None:
    from service.answer import ask

    answer = ask(repairs, "When must a repair job on a water tap be finished in Testshire?")
    assert answer.abstained, answer.answer
    assert not any("3 working days" in (s.figure or "") for s in answer.statements), answer.answer
    answer = ask(repairs, "How quickly must the site manager trigger a repair job for a water tap in Testshire?")
    assert not answer.abstained, answer.answer
    assert "3 working days" in answer.statements[0].figure
